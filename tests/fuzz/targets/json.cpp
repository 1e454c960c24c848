// Target: the protocol's JSON reader and writer (invoicebox/protocol/json_reader.hpp,
// json_writer.hpp), which every codec and the notification signature path stand on.
//
// Properties: a document parse_json accepts is also valid for Boost.JSON (same grammar), and
// writing it with JsonWriter (both with and without `\/`) gives a document that reads back to an
// equal JsonValue — numbers keep their exact text, strings their exact bytes. A parse that skips
// a member name (JsonReadLimits::skip_member) accepts exactly the documents the full parse
// accepts, and gives the full tree with every member of that name removed, at any depth.
#include "input.hpp"

#include <invoicebox/protocol/json_reader.hpp>
#include <invoicebox/protocol/json_writer.hpp>

#include <boost/json/parse.hpp>

#include <cstdlib>

namespace pr = invoicebox::protocol;

namespace {

/// `v` with every object member named `name` removed, at any depth.
pr::JsonValue without_member(const pr::JsonValue& v, std::string_view name) {
    if (const auto* a = v.if_array()) {
        pr::JsonArray out;
        for (const auto& e : *a)
            out.push_back(without_member(e, name));
        return pr::JsonValue(std::move(out));
    }
    if (const auto* o = v.if_object()) {
        pr::JsonObject out;
        for (const auto& [k, e] : o->members)
            if (k != name)
                out.emplace(k, without_member(e, name));
        return pr::JsonValue(std::move(out));
    }
    return v;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::as_view(data, size);
    pr::JsonReadLimits limits;
    limits.max_depth = 32;
    const auto doc = pr::parse_json(text, limits);
    pr::JsonReadLimits skipping = limits;
    skipping.skip_member = "a";
    const auto skipped = pr::parse_json(text, skipping);
    FUZZ_REQUIRE(skipped.has_value() == doc.has_value());
    if (!doc) {
        FUZZ_REQUIRE(doc.error().offset <= size);
        return 0;
    }
    FUZZ_REQUIRE(*skipped == without_member(*doc, "a"));
    boost::json::error_code ec;
    (void)boost::json::parse(text, ec);
    FUZZ_REQUIRE(!ec);

    for (bool slash : {true, false}) {
        pr::JsonWriter w(pr::JsonWriteOptions{slash});
        w.value(*doc);
        FUZZ_REQUIRE(w.complete());
        const auto again = pr::parse_json(w.str(), limits);
        FUZZ_REQUIRE(again.has_value());
        FUZZ_REQUIRE(*again == *doc);
    }
    if (const auto* o = doc->if_object())
        for (const auto& [k, v] : o->members)
            FUZZ_REQUIRE(o->find(k) != nullptr);
    return 0;
}
