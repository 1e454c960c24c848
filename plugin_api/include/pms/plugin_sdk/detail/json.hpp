// pms/plugin_sdk/detail/json.hpp — the small JSON reader and writer behind view.hpp and
// folio_document.hpp. Private to the SDK: plugins use the typed headers, not this.
//
// Why not Boost.JSON: the SDK is header-only, and Boost.JSON needs a compiled part, which a
// vendor building out of tree against pms-plugin-api-dev would have to compile themselves
// (examples/hello_button/json_impl.cpp does, for its own use). The host's documents are small,
// so a plain recursive-descent reader is enough.
//
// Numbers are never converted to double: a number without fraction or exponent that fits int64
// is read as an integer; any other number keeps its text (kind::number), so a reader can refuse
// it by name ("expected an integer") instead of rounding money.
#pragma once

#include <pms/plugin_sdk/strings.hpp>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace pms::sdk::detail::json {

/// A syntax error, with the byte offset where reading stopped.
class parse_error : public std::runtime_error {
public:
    parse_error(const std::string& what, std::size_t offset)
        : std::runtime_error(what + " at offset " + std::to_string(offset)), offset_(offset) {}
    std::size_t offset() const noexcept { return offset_; }

private:
    std::size_t offset_;
};

struct member;

/// A JSON value. Objects keep their members in document order (lookup is linear: the
/// documents are small); a repeated key is found at its first occurrence.
struct value {
    enum class kind : std::uint8_t { null, boolean, integer, number, string, array, object };

    kind type = kind::null;
    bool boolean = false;
    std::int64_t integer = 0;
    // No default member initializers on the containers: one would make the compiler define
    // the vector's constructor here, while `member` is still incomplete (clang refuses that).
    std::string text;             // kind::string: the decoded text; kind::number: as written
    std::vector<value> items;     // kind::array
    std::vector<member> members;  // kind::object

    /// The member `key` of an object, or nullptr (also when this is no object).
    const value* find(std::string_view key) const noexcept;
};

struct member {
    std::string key;
    value val;
};

inline const value* value::find(std::string_view key) const noexcept {
    if (type != kind::object)
        return nullptr;
    for (const auto& m : members)
        if (m.key == key)
            return &m.val;
    return nullptr;
}

/// The name of a kind, for error messages ("a string", "an integer", ...).
inline const char* kind_name(value::kind k) noexcept {
    switch (k) {
    case value::kind::null: return "null";
    case value::kind::boolean: return "a boolean";
    case value::kind::integer: return "an integer";
    case value::kind::number: return "a non-integer number";
    case value::kind::string: return "a string";
    case value::kind::array: return "an array";
    case value::kind::object: return "an object";
    }
    return "a value";
}

namespace impl {

class reader {
public:
    explicit reader(std::string_view text) noexcept : s_(text) {}

    value document() {
        value v = parse_value(0);
        skip_ws();
        if (pos_ != s_.size())
            fail("unexpected text after the document");
        return v;
    }

private:
    static constexpr int max_depth = 64; // the host's documents nest 4 deep; stops stack abuse

    [[noreturn]] void fail(const std::string& what) const { throw parse_error(what, pos_); }

    void skip_ws() noexcept {
        while (pos_ < s_.size() &&
               (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
            ++pos_;
    }

    bool consume(char c) noexcept {
        skip_ws();
        if (pos_ < s_.size() && s_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }

    void expect_word(std::string_view word) {
        if (s_.substr(pos_, word.size()) != word)
            fail("invalid literal");
        pos_ += word.size();
    }

    value parse_value(int depth) {
        if (depth > max_depth)
            fail("nested too deeply");
        skip_ws();
        if (pos_ >= s_.size())
            fail("unexpected end of the document");
        value v;
        switch (s_[pos_]) {
        case '{': parse_object(v, depth); break;
        case '[': parse_array(v, depth); break;
        case '"':
            v.type = value::kind::string;
            v.text = parse_string();
            break;
        case 't':
            expect_word("true");
            v.type = value::kind::boolean;
            v.boolean = true;
            break;
        case 'f':
            expect_word("false");
            v.type = value::kind::boolean;
            break;
        case 'n': expect_word("null"); break;
        default: parse_number(v); break;
        }
        return v;
    }

    void parse_object(value& v, int depth) {
        v.type = value::kind::object;
        ++pos_; // '{'
        if (consume('}'))
            return;
        do {
            skip_ws();
            if (pos_ >= s_.size() || s_[pos_] != '"')
                fail("expected a member name");
            std::string key = parse_string();
            if (!consume(':'))
                fail("expected ':'");
            value item = parse_value(depth + 1);
            v.members.push_back(member{std::move(key), std::move(item)});
        } while (consume(','));
        if (!consume('}'))
            fail("expected ',' or '}'");
    }

    void parse_array(value& v, int depth) {
        v.type = value::kind::array;
        ++pos_; // '['
        if (consume(']'))
            return;
        do {
            v.items.push_back(parse_value(depth + 1));
        } while (consume(','));
        if (!consume(']'))
            fail("expected ',' or ']'");
    }

    static void append_utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }

    std::uint32_t parse_hex4() {
        if (s_.size() - pos_ < 4)
            fail("truncated \\u escape");
        std::uint32_t cp = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = s_[pos_++];
            cp <<= 4;
            if (c >= '0' && c <= '9')
                cp |= static_cast<std::uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f')
                cp |= static_cast<std::uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                cp |= static_cast<std::uint32_t>(c - 'A' + 10);
            else
                fail("invalid \\u escape");
        }
        return cp;
    }

    std::string parse_string() {
        ++pos_; // '"'
        std::string out;
        while (true) {
            if (pos_ >= s_.size())
                fail("unterminated string");
            const char c = s_[pos_++];
            if (c == '"')
                return out;
            if (static_cast<unsigned char>(c) < 0x20)
                fail("control character in a string");
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (pos_ >= s_.size())
                fail("unterminated string");
            switch (s_[pos_++]) {
            case '"': out.push_back('"'); break;
            case '\\': out.push_back('\\'); break;
            case '/': out.push_back('/'); break;
            case 'b': out.push_back('\b'); break;
            case 'f': out.push_back('\f'); break;
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case 'u': {
                std::uint32_t cp = parse_hex4();
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (s_.substr(pos_, 2) != "\\u")
                        fail("unpaired surrogate");
                    pos_ += 2;
                    const std::uint32_t low = parse_hex4();
                    if (low < 0xDC00 || low > 0xDFFF)
                        fail("unpaired surrogate");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    fail("unpaired surrogate");
                }
                append_utf8(out, cp);
                break;
            }
            default: fail("invalid escape");
            }
        }
    }

    void parse_number(value& v) {
        const std::size_t start = pos_;
        auto digits = [&] {
            const std::size_t from = pos_;
            while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9')
                ++pos_;
            return pos_ - from;
        };
        if (pos_ < s_.size() && s_[pos_] == '-')
            ++pos_;
        if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9')
            fail("unexpected character");
        if (s_[pos_] == '0')
            ++pos_;
        else
            digits();
        bool integral = true;
        if (pos_ < s_.size() && s_[pos_] == '.') {
            ++pos_;
            if (digits() == 0)
                fail("expected a digit after '.'");
            integral = false;
        }
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-'))
                ++pos_;
            if (digits() == 0)
                fail("expected a digit in the exponent");
            integral = false;
        }
        const std::string_view text = s_.substr(start, pos_ - start);
        if (integral) {
            std::int64_t n = 0;
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
            if (ec == std::errc{} && end == text.data() + text.size()) {
                v.type = value::kind::integer;
                v.integer = n;
                return;
            }
        }
        v.type = value::kind::number; // a fraction, an exponent, or beyond int64
        v.text.assign(text);
    }

    std::string_view s_;
    std::size_t pos_ = 0;
};

} // namespace impl

/// Reads one JSON document (RFC 8259). Throws parse_error.
inline value parse(std::string_view text) { return impl::reader(text).document(); }

/// Writes JSON into a string, compact. The caller pairs begin_/end_ calls and puts a key()
/// before each value inside an object; commas are the writer's business.
class writer {
public:
    writer& begin_object() {
        before_value();
        out_.push_back('{');
        has_items_.push_back(false);
        return *this;
    }
    writer& end_object() {
        has_items_.pop_back();
        out_.push_back('}');
        return *this;
    }
    writer& begin_array() {
        before_value();
        out_.push_back('[');
        has_items_.push_back(false);
        return *this;
    }
    writer& end_array() {
        has_items_.pop_back();
        out_.push_back(']');
        return *this;
    }
    writer& key(std::string_view k) {
        separate();
        append_json_string(out_, k);
        out_.push_back(':');
        after_key_ = true;
        return *this;
    }
    writer& string(std::string_view s) {
        before_value();
        append_json_string(out_, s);
        return *this;
    }
    writer& integer(std::int64_t n) {
        before_value();
        out_ += std::to_string(n);
        return *this;
    }
    writer& boolean(bool b) {
        before_value();
        out_ += b ? "true" : "false";
        return *this;
    }
    writer& null() {
        before_value();
        out_ += "null";
        return *this;
    }

    // key + value in one call.
    writer& member(std::string_view k, std::string_view s) { return key(k).string(s); }
    writer& member(std::string_view k, const char* s) { return key(k).string(s); }
    writer& member(std::string_view k, bool b) { return key(k).boolean(b); }
    writer& member(std::string_view k, std::int64_t n) { return key(k).integer(n); }
    writer& member(std::string_view k, int n) { return key(k).integer(n); }

    const std::string& str() const noexcept { return out_; }
    std::string take() noexcept { return std::move(out_); }

private:
    void separate() {
        if (!has_items_.empty()) {
            if (has_items_.back())
                out_.push_back(',');
            has_items_.back() = true;
        }
    }
    void before_value() {
        if (after_key_)
            after_key_ = false; // the key already placed the comma
        else
            separate();
    }

    std::string out_{};
    std::vector<bool> has_items_{};
    bool after_key_ = false;
};

} // namespace pms::sdk::detail::json
