// The simulator's JSON model, reader and writer (see json.hpp).
#include "invoicebox/sim/json.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <memory>

namespace invoicebox::sim {

// ---- model ---------------------------------------------------------------------------------

const JsonValue* JsonObject::find(std::string_view key) const noexcept {
    // Walk backwards: with duplicates, the last one is what PHP's json_decode keeps.
    for (auto it = members.rbegin(); it != members.rend(); ++it) {
        if (it->first == key) {
            return &it->second;
        }
    }
    return nullptr;
}

JsonValue* JsonObject::find(std::string_view key) noexcept {
    return const_cast<JsonValue*>(std::as_const(*this).find(key));
}

JsonValue& JsonObject::emplace(std::string key, JsonValue value) {
    members.emplace_back(std::move(key), std::move(value));
    return members.back().second;
}

bool operator==(const JsonObject& a, const JsonObject& b) {
    return a.members == b.members;
}

const JsonValue* JsonValue::find(std::string_view key) const noexcept {
    const auto* o = if_object();
    return o ? o->find(key) : nullptr;
}

// ---- reader --------------------------------------------------------------------------------

namespace {

// Builds JsonValues from Boost.JSON's tokenizer events. Containers under construction live on
// a stack; a finished value is attached to its parent (as the pending key's member, or appended).
class Builder {
  public:
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);

    JsonValue root;

    bool on_document_begin(boost::system::error_code&) { return true; }
    bool on_document_end(boost::system::error_code&) { return true; }
    bool on_object_begin(boost::system::error_code&) {
        stack_.emplace_back(JsonObject{}, std::move(key_));
        key_.clear();
        return true;
    }
    bool on_object_end(std::size_t, boost::system::error_code&) { return close(); }
    bool on_array_begin(boost::system::error_code&) {
        stack_.emplace_back(JsonArray{}, std::move(key_));
        key_.clear();
        return true;
    }
    bool on_array_end(std::size_t, boost::system::error_code&) { return close(); }
    bool on_key_part(boost::json::string_view s, std::size_t, boost::system::error_code&) {
        key_.append(s.data(), s.size());
        return true;
    }
    bool on_key(boost::json::string_view s, std::size_t, boost::system::error_code&) {
        key_.append(s.data(), s.size());
        return true;
    }
    bool on_string_part(boost::json::string_view s, std::size_t, boost::system::error_code&) {
        text_.append(s.data(), s.size());
        return true;
    }
    bool on_string(boost::json::string_view s, std::size_t, boost::system::error_code&) {
        text_.append(s.data(), s.size());
        return put(JsonValue(std::exchange(text_, {})));
    }
    bool on_number_part(boost::json::string_view s, boost::system::error_code&) {
        text_.append(s.data(), s.size());
        return true;
    }
    // The three number events differ only in Boost's own conversion, which we ignore: the
    // source text is what InvoiceBox's rules are about.
    bool on_int64(std::int64_t, boost::json::string_view s, boost::system::error_code&) {
        return number(s);
    }
    bool on_uint64(std::uint64_t, boost::json::string_view s, boost::system::error_code&) {
        return number(s);
    }
    bool on_double(double, boost::json::string_view s, boost::system::error_code&) {
        return number(s);
    }
    bool on_bool(bool b, boost::system::error_code&) { return put(JsonValue(b)); }
    bool on_null(boost::system::error_code&) { return put(JsonValue()); }
    bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
    bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }

  private:
    bool number(boost::json::string_view s) {
        text_.append(s.data(), s.size());
        return put(JsonValue(JsonNumber{std::exchange(text_, {})}));
    }
    bool put(JsonValue v) {
        if (stack_.empty()) {
            root = std::move(v);
        } else if (auto* o = stack_.back().first.if_object()) {
            o->emplace(std::exchange(key_, {}), std::move(v));
        } else {
            stack_.back().first.if_array()->push_back(std::move(v));
        }
        return true;
    }
    bool close() {
        auto [v, key] = std::move(stack_.back());
        stack_.pop_back();
        key_ = std::move(key);
        return put(std::move(v));
    }

    std::vector<std::pair<JsonValue, std::string>> stack_; // container, its key in the parent
    std::string key_;
    std::string text_;
};

} // namespace

Expected<JsonValue, JsonParseError> parse_json(std::string_view text,
                                               const JsonReadLimits& limits) {
    if (text.size() > limits.max_bytes) {
        return unexpected(JsonParseError{"document too large", 0});
    }
    boost::json::parse_options opt; // strict RFC 8259: no comments, no trailing commas
    opt.max_depth = limits.max_depth;
    // On the heap: the parser object is large and the simulator runs on small coroutine stacks.
    auto p = std::make_unique<boost::json::basic_parser<Builder>>(opt);
    boost::system::error_code ec;
    const std::size_t n = p->write_some(false, text.data(), text.size(), ec);
    if (!ec && n < text.size()) {
        ec = boost::json::error::extra_data;
    }
    if (ec) {
        return unexpected(JsonParseError{ec.message(), n});
    }
    return std::move(p->handler().root);
}

// ---- writer --------------------------------------------------------------------------------

namespace {

// True for a byte append_json_string writes as it is: printable ASCII other than '"', '\\' and
// '/', and every byte of a multi-byte UTF-8 sequence except the lead byte of U+2028/U+2029.
constexpr bool plain_json_byte(unsigned char c) noexcept {
    return c >= 0x20 && c != '"' && c != '\\' && c != '/' && c != 0xe2;
}

} // namespace

void append_json_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t i = 0;
    while (i < s.size()) {
        // The plain run up to the next byte that needs a look, appended at once: char by char,
        // writing a 50-order page was half the simulator's CPU in a poll pass.
        std::size_t run = i;
        while (run < s.size() && plain_json_byte(static_cast<unsigned char>(s[run])))
            ++run;
        out.append(s.data() + i, run - i);
        if (run == s.size())
            break;
        i = run;
        const auto c = static_cast<unsigned char>(s[i]);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '/':
            out += "\\/"; // PHP's default; it is part of the signed bytes
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out.push_back(hex[c >> 4]);
                out.push_back(hex[c & 0xf]);
            } else if (i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                       (static_cast<unsigned char>(s[i + 2]) == 0xa8 ||
                        static_cast<unsigned char>(s[i + 2]) == 0xa9)) {
                // U+2028/U+2029 (e2 80 a8/a9): PHP escapes them even with JSON_UNESCAPED_UNICODE.
                out += static_cast<unsigned char>(s[i + 2]) == 0xa8 ? "\\u2028" : "\\u2029";
                i += 2;
            } else {
                out.push_back(static_cast<char>(c)); // 0xe2 leading another character
            }
            break;
        }
        ++i;
    }
    out.push_back('"');
}

void append_json(std::string& out, const JsonValue& v) {
    switch (v.kind()) {
    case JsonValue::Kind::null:
        out += "null";
        return;
    case JsonValue::Kind::boolean:
        out += *v.if_bool() ? "true" : "false";
        return;
    case JsonValue::Kind::number:
        out += v.if_number()->text;
        return;
    case JsonValue::Kind::string:
        append_json_string(out, *v.if_string());
        return;
    case JsonValue::Kind::array: {
        // PHP writes an empty array as [] (fileIds, extendedData).
        out.push_back('[');
        bool first = true;
        for (const auto& e : *v.if_array()) {
            if (!std::exchange(first, false)) {
                out.push_back(',');
            }
            append_json(out, e);
        }
        out.push_back(']');
        return;
    }
    case JsonValue::Kind::object:
        append_json(out, *v.if_object());
        return;
    }
}

void append_json_member(std::string& out, bool& first, std::string_view key, const JsonValue& v) {
    if (!std::exchange(first, false)) {
        out.push_back(',');
    }
    append_json_string(out, key);
    out.push_back(':');
    append_json(out, v);
}

void append_json(std::string& out, const JsonObject& o) {
    out.push_back('{');
    bool first = true;
    for (const auto& [k, e] : o.members) {
        append_json_member(out, first, k, e);
    }
    out.push_back('}');
}

std::string to_json(const JsonValue& v) {
    std::string out;
    append_json(out, v);
    return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

} // namespace invoicebox::sim
