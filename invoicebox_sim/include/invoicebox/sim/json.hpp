// The simulator's own JSON document model, reader and writer.
//
// Why the simulator does not use invoicebox::protocol's JSON: the simulator is the oracle the
// plugin is tested against. If both sides read amounts, `\/` escapes and duplicate keys with the
// same code, a misreading passes on both and no test notices (issue 11). So this file is written
// from the API reference alone; the only shared primitive is Boost.JSON's tokenizer
// (basic_parser), which knows JSON syntax and UTF-8 but no InvoiceBox rule.
//
// Rules taken from invoicebox-api.md:
//  - numbers are kept as their source text: amounts are judged on the text (§4.4), never a double;
//  - a duplicate key: the last one counts (InvoiceBox is PHP; json_decode keeps the last);
//  - output is PHP json_encode's default shape with JSON_UNESCAPED_UNICODE: `/` written as `\/`,
//    non-ASCII UTF-8 raw, U+2028/U+2029 escaped (§5.2, the §8.2 sample body).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace invoicebox::sim {

// ---- Expected: g++ 12 has no std::expected ------------------------------------------------

template <class E>
struct Unexpected {
    E error;
};

template <class E>
Unexpected<std::decay_t<E>> unexpected(E&& e) {
    return {std::forward<E>(e)};
}

template <class T, class E>
class Expected {
  public:
    Expected(const T& v) : v_(std::in_place_index<0>, v) {}
    Expected(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}
    template <class G>
    Expected(Unexpected<G> u) : v_(std::in_place_index<1>, E(std::move(u.error))) {}

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & { return get<0>(*this); }
    const T& value() const& { return get<0>(*this); }
    T&& value() && { return std::move(get<0>(*this)); }
    E& error() & { return get<1>(*this); }
    const E& error() const& { return get<1>(*this); }

    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

  private:
    // Reading the wrong side is a bug in the simulator, not a request error: throw loudly.
    template <std::size_t I, class Self>
    static auto& get(Self& self) {
        if (self.v_.index() != I) {
            throw std::logic_error(I == 0 ? "sim::Expected: value() on an error"
                                          : "sim::Expected: error() on a value");
        }
        return std::get<I>(self.v_);
    }
    std::variant<T, E> v_;
};

// ---- document model ----------------------------------------------------------------------

class JsonValue;

// A number exactly as it was written ("2490.5", "1.55E3", "1200.3000000000002").
struct JsonNumber {
    std::string text;
    friend bool operator==(const JsonNumber&, const JsonNumber&) = default;
};

using JsonArray = std::vector<JsonValue>;
using JsonMember = std::pair<std::string, JsonValue>;

// Members in arrival order, duplicates kept (a body is echoed as it came); find() sees the last.
struct JsonObject {
    std::vector<JsonMember> members;
    const JsonValue* find(std::string_view key) const noexcept;
    JsonValue* find(std::string_view key) noexcept;
    bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }
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
    bool is_null() const noexcept { return v_.index() == 0; }
    const bool* if_bool() const noexcept { return std::get_if<bool>(&v_); }
    const JsonNumber* if_number() const noexcept { return std::get_if<JsonNumber>(&v_); }
    const std::string* if_string() const noexcept { return std::get_if<std::string>(&v_); }
    const JsonArray* if_array() const noexcept { return std::get_if<JsonArray>(&v_); }
    const JsonObject* if_object() const noexcept { return std::get_if<JsonObject>(&v_); }
    JsonArray* if_array() noexcept { return std::get_if<JsonArray>(&v_); }
    JsonObject* if_object() noexcept { return std::get_if<JsonObject>(&v_); }

    // Member of an object; nullptr for a non-object or a missing key.
    const JsonValue* find(std::string_view key) const noexcept;

    friend bool operator==(const JsonValue& a, const JsonValue& b) { return a.v_ == b.v_; }

  private:
    std::variant<std::nullptr_t, bool, JsonNumber, std::string, JsonArray, JsonObject> v_{nullptr};
};

// ---- reading -----------------------------------------------------------------------------

struct JsonParseError {
    std::string message;
    std::size_t offset = 0;
};

struct JsonReadLimits {
    std::size_t max_depth = 64;
    std::size_t max_bytes = 8u << 20; // a request body larger than this is refused unread
};

// One complete document; whitespace around it allowed, nothing else.
Expected<JsonValue, JsonParseError> parse_json(std::string_view text,
                                               const JsonReadLimits& limits = {});

// ---- writing -----------------------------------------------------------------------------

// Appends `s` as a JSON string literal the way InvoiceBox's PHP writes it.
void append_json_string(std::string& out, std::string_view s);

// Compact serialisation; numbers are written verbatim from their text.
std::string to_json(const JsonValue& v);
// The same, appended to `out`.
void append_json(std::string& out, const JsonValue& v);
void append_json(std::string& out, const JsonObject& o);
// Appends `"key":value` to an object being written, a comma first unless `first` (then cleared).
void append_json_member(std::string& out, bool& first, std::string_view key, const JsonValue& v);

// ASCII case-insensitive comparison (HTTP header names and the `Bearer` scheme).
bool iequals(std::string_view a, std::string_view b) noexcept;

} // namespace invoicebox::sim
