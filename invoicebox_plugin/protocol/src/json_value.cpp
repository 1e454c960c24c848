// JsonValue member lookup and comparison.
#include "invoicebox/protocol/json_value.hpp"

namespace invoicebox::protocol {

const JsonValue* JsonObject::find(std::string_view key) const noexcept {
    for (auto it = members.rbegin(); it != members.rend(); ++it)
        if (it->first == key)
            return &it->second;
    return nullptr;
}

JsonValue* JsonObject::find(std::string_view key) noexcept {
    for (auto it = members.rbegin(); it != members.rend(); ++it)
        if (it->first == key)
            return &it->second;
    return nullptr;
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

std::string_view to_string(JsonValue::Kind k) noexcept {
    switch (k) {
    case JsonValue::Kind::null:
        return "null";
    case JsonValue::Kind::boolean:
        return "boolean";
    case JsonValue::Kind::number:
        return "number";
    case JsonValue::Kind::string:
        return "string";
    case JsonValue::Kind::array:
        return "array";
    case JsonValue::Kind::object:
        return "object";
    }
    return "unknown";
}

} // namespace invoicebox::protocol
