// JsonValue: a small JSON document model that keeps every number as its exact source text.
//
// Boost.JSON's value stores numbers as double/int64, which loses "2490.50" vs "2490.5" and turns
// amounts into binary fractions. Our codecs read amounts from the text (money.hpp), so the model
// keeps the text. Objects keep member order and duplicates; lookups see the LAST duplicate, as
// PHP's json_decode (InvoiceBox's side) does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace invoicebox::protocol {

class JsonValue;

/// A number exactly as written in the document ("1550", "2490.5", "1.55E3").
struct JsonNumber {
    std::string text;
    friend bool operator==(const JsonNumber&, const JsonNumber&) = default;
};

using JsonArray = std::vector<JsonValue>;
using JsonMember = std::pair<std::string, JsonValue>;

struct JsonObject {
    std::vector<JsonMember> members;

    /// The last member with this key, or nullptr.
    const JsonValue* find(std::string_view key) const noexcept;
    JsonValue* find(std::string_view key) noexcept;
    bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }
    /// Appends a member (no duplicate check: the writer side decides what it writes).
    JsonValue& emplace(std::string key, JsonValue value);

    friend bool operator==(const JsonObject&, const JsonObject&);
};

class JsonValue {
  public:
    enum class Kind : std::uint8_t { null, boolean, number, string, array, object };

    JsonValue() noexcept = default;
    JsonValue(std::nullptr_t) noexcept {}
    JsonValue(bool b) : v_(b) {}
    JsonValue(JsonNumber n) : v_(std::move(n)) {}
    JsonValue(std::string s) : v_(std::move(s)) {}
    JsonValue(const char* s) : v_(std::string(s)) {}
    JsonValue(JsonArray a) : v_(std::move(a)) {}
    JsonValue(JsonObject o) : v_(std::move(o)) {}

    Kind kind() const noexcept { return static_cast<Kind>(v_.index()); }
    bool is_null() const noexcept { return kind() == Kind::null; }

    const bool* if_bool() const noexcept { return std::get_if<bool>(&v_); }
    const JsonNumber* if_number() const noexcept { return std::get_if<JsonNumber>(&v_); }
    const std::string* if_string() const noexcept { return std::get_if<std::string>(&v_); }
    const JsonArray* if_array() const noexcept { return std::get_if<JsonArray>(&v_); }
    const JsonObject* if_object() const noexcept { return std::get_if<JsonObject>(&v_); }
    JsonArray* if_array() noexcept { return std::get_if<JsonArray>(&v_); }
    JsonObject* if_object() noexcept { return std::get_if<JsonObject>(&v_); }

    /// Member lookup on an object; nullptr when this is not an object or the key is absent.
    const JsonValue* find(std::string_view key) const noexcept;

    friend bool operator==(const JsonValue& a, const JsonValue& b) { return a.v_ == b.v_; }

  private:
    std::variant<std::nullptr_t, bool, JsonNumber, std::string, JsonArray, JsonObject> v_{nullptr};
};

std::string_view to_string(JsonValue::Kind k) noexcept;

} // namespace invoicebox::protocol
