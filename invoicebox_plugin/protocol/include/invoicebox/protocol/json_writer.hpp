// JsonWriter: writes outgoing JSON bodies byte for byte the way we want them on the wire.
//
// Why not boost::json::serialize: Boost.JSON 1.81 writes 1550.0 as 1.55E3 and has no way to
// write amounts from integer minor units. Here amounts come from format_amount (at most two
// decimals), `/` is escaped as `\/` and non-ASCII UTF-8 is written raw, as InvoiceBox's PHP
// (json_encode with JSON_UNESCAPED_UNICODE) does — so what we write has the same
// shape as InvoiceBox's own bodies. U+2028/U+2029 are escaped as PHP does.
#pragma once

#include "invoicebox/protocol/json_value.hpp"
#include "invoicebox/protocol/money.hpp"
#include "invoicebox/protocol/quantity.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::protocol {

struct JsonWriteOptions {
    bool escape_slash = true; ///< `/` -> `\/`, like InvoiceBox (PHP json_encode default)
};

/// Appends `s` as a JSON string literal (quotes included). Invalid UTF-8 is passed through
/// unchanged: the writer never alters the caller's bytes beyond escaping.
void append_json_string(std::string& out, std::string_view s, const JsonWriteOptions& opt = {});

/// A streaming writer with automatic commas. Misuse (a value where a key is due, unbalanced
/// end_*) throws std::logic_error: it is a programming error, not a runtime condition.
class JsonWriter {
  public:
    explicit JsonWriter(JsonWriteOptions opt = {}) : opt_(opt) {}

    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view k);

    JsonWriter& string(std::string_view s);
    JsonWriter& amount(std::int64_t minor); ///< format_amount
    JsonWriter& amount(Money m) { return amount(m.minor); }
    JsonWriter& quantity(Quantity q); ///< format_quantity
    JsonWriter& integer(std::int64_t v);
    JsonWriter& boolean(bool b);
    JsonWriter& null();
    /// A number written verbatim; must be valid JSON number text (checked).
    JsonWriter& number_text(std::string_view text);
    /// Any JsonValue (numbers verbatim), e.g. a metaData object passed through.
    JsonWriter& value(const JsonValue& v);

    // Member shorthands: key(k) followed by the value.
    JsonWriter& member(std::string_view k, std::string_view s) { return key(k).string(s); }
    JsonWriter& member(std::string_view k, const char* s) { return key(k).string(s); }
    JsonWriter& member_amount(std::string_view k, std::int64_t minor) {
        return key(k).amount(minor);
    }
    JsonWriter& member_amount(std::string_view k, Money m) { return key(k).amount(m); }
    JsonWriter& member_bool(std::string_view k, bool b) { return key(k).boolean(b); }
    JsonWriter& member_int(std::string_view k, std::int64_t v) { return key(k).integer(v); }
    /// Writes the member only when the optional holds a value.
    JsonWriter& member_opt(std::string_view k, const std::optional<std::string>& s) {
        return s ? member(k, *s) : *this;
    }

    /// True once exactly one complete top-level value has been written.
    bool complete() const noexcept { return stack_.empty() && wrote_root_; }
    const std::string& str() const noexcept { return out_; }
    /// The document; throws std::logic_error when it is not complete.
    std::string take();

  private:
    enum class Frame : std::uint8_t { object_expect_key, object_expect_value, array };
    void before_value();
    void after_value();

    JsonWriteOptions opt_;
    std::string out_;
    std::vector<std::pair<Frame, bool /*has members*/>> stack_;
    bool wrote_root_ = false;
};

/// Serialises a JsonValue compactly with JsonWriter's rules.
std::string to_json(const JsonValue& v, const JsonWriteOptions& opt = {});

} // namespace invoicebox::protocol
