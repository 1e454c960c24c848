// Target: the plugin's settings validation, on both sides of the ABI.
//  - plugin: parse_settings, validate_settings, api_address_problem, effective_api_base_url and
//    the shop lookups (invoicebox_plugin/plugin/src/settings.cpp);
//  - host: SettingsSchema (host_stub/runtime/src/settings_schema.cpp) checking the candidate
//    against the plugin's own schema (or a fuzzed schema), splitting secrets out, filling stored
//    secrets back in and finding secrets whose bound fields changed.
//
// Input (parts split by fuzz::part_marker):
//   1. the candidate settings document (what the admin's browser submits);
//   2. optional: a previously saved document (for rebound secrets); empty = the candidate;
//   3. optional: a schema text to use instead of the plugin's (the subset parser itself).
//
// Properties: validate_settings() answers nothing or a JSON object; a document the host accepted
// splits into a document without secrets that the schema still accepts once secrets are back.
#include "input.hpp"

#include <invoicebox/plugin/settings.hpp>
#include <settings_schema.hpp>

#include <boost/json/parse.hpp>

#include <cstdlib>
#include <map>
#include <variant>

namespace pl = invoicebox::plugin;
namespace hd = pms::host::detail;
namespace bj = boost::json;

namespace {


const hd::SettingsSchema& plugin_schema() {
    // The plugin's schema must be inside the subset; parsed once (it does not depend on input).
    static const hd::SettingsSchema schema = [] {
        auto parsed = hd::SettingsSchema::parse(pl::settings_schema_json());
        FUZZ_REQUIRE(std::holds_alternative<hd::SettingsSchema>(parsed));
        return std::get<hd::SettingsSchema>(std::move(parsed));
    }();
    return schema;
}

void host_side(const hd::SettingsSchema& schema, std::string_view candidate_text,
               std::string_view stored_text) {
    bj::error_code ec;
    const bj::value candidate = bj::parse(candidate_text, ec);
    if (ec)
        return;
    std::map<std::string, std::string> errors;
    schema.validate(candidate, [](const std::string& p) { return p.size() % 2 == 0; }, errors);
    (void)schema.defaults();
    if (!candidate.is_object())
        return;
    const auto& obj = candidate.as_object();
    bj::value stored = bj::parse(stored_text.empty() ? candidate_text : stored_text, ec);
    if (!ec && stored.is_object())
        (void)schema.rebound_secrets(obj, stored.as_object());
    if (!errors.empty())
        return;
    const auto split = schema.split(obj);
    std::map<std::string, std::string> vault;
    for (const auto& [pointer, value] : split.secrets)
        vault[pointer] = value;
    const auto refilled = schema.with_secrets(split.document, [&vault](const std::string& p) -> std::optional<std::string> {
        if (auto it = vault.find(p); it != vault.end() && !it->second.empty())
            return it->second;
        return std::string("stored-secret");
    });
    std::map<std::string, std::string> again;
    schema.validate(refilled, [](const std::string&) { return true; }, again);
    FUZZ_REQUIRE(again.empty());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto parts = fuzz::split_parts(fuzz::as_view(data, size), 3);
    const auto candidate = parts[0];

    if (auto answer = pl::validate_settings(candidate)) {
        bj::error_code ec;
        const auto v = bj::parse(*answer, ec);
        FUZZ_REQUIRE(!ec && v.is_object());
    }
    (void)pl::api_address_problem(candidate);
    (void)pl::effective_api_base_url(candidate);
    if (auto s = pl::parse_settings(candidate)) {
        (void)s->configured();
        for (std::string_view le : {"le-main", "", "le-2"})
            if (const auto* shop = s->shop_for(le))
                (void)pl::notification_url_for(*s, *shop);
        (void)s->shop_by_route("");
        (void)s->shop_by_route("le-2");
    }
    (void)pl::route_of_path(candidate.substr(0, 256));

    if (parts[2].empty()) {
        host_side(plugin_schema(), candidate, parts[1]);
    } else {
        auto parsed = hd::SettingsSchema::parse(parts[2]);
        if (auto* schema = std::get_if<hd::SettingsSchema>(&parsed))
            host_side(*schema, candidate, parts[1]);
    }
    return 0;
}
