// See pms/host/server/settings_json.hpp.
#include <pms/host/server/settings_json.hpp>

#include <boost/json/parse.hpp>

#include <charconv>
#include <cstdint>

namespace pms::host::server {

namespace json = boost::json;

namespace {

bool is_secret(const json::value& property_schema) {
    if (!property_schema.is_object())
        return false;
    const auto* flag = property_schema.as_object().if_contains("x-secret");
    return flag != nullptr && flag->is_bool() && flag->as_bool();
}

const json::object* properties_of(const json::object& schema) {
    const auto* p = schema.if_contains("properties");
    return p != nullptr && p->is_object() ? &p->as_object() : nullptr;
}

// Deleted: an object argument would convert to a temporary value and dangle.
const json::object* items_of(const json::object&) = delete;

const json::object* items_of(const json::value& property_schema) {
    if (!property_schema.is_object())
        return nullptr;
    const auto* items = property_schema.as_object().if_contains("items");
    return items != nullptr && items->is_object() ? &items->as_object() : nullptr;
}

// "~0" -> "~", "~1" -> "/" (RFC 6901).
std::string unescape_token(std::string_view token) {
    std::string out;
    for (std::size_t i = 0; i < token.size(); ++i) {
        if (token[i] == '~' && i + 1 < token.size() &&
            (token[i + 1] == '0' || token[i + 1] == '1')) {
            out += token[i + 1] == '0' ? '~' : '/';
            ++i;
        } else {
            out += token[i];
        }
    }
    return out;
}

std::string escape_token(std::string_view token) {
    std::string out;
    for (char c : token) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

std::vector<std::string> split_pointer(std::string_view pointer) {
    std::vector<std::string> tokens;
    if (pointer.empty())
        return tokens;
    if (pointer.front() != '/')
        return {std::string{pointer}};
    std::size_t pos = 1;
    while (true) {
        const auto slash = pointer.find('/', pos);
        tokens.push_back(unescape_token(pointer.substr(
            pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos)));
        if (slash == std::string_view::npos)
            break;
        pos = slash + 1;
    }
    return tokens;
}

std::optional<std::size_t> parse_index(std::string_view token) {
    std::size_t index = 0;
    const auto* end = token.data() + token.size();
    const auto r = std::from_chars(token.data(), end, index);
    if (token.empty() || r.ec != std::errc{} || r.ptr != end)
        return std::nullopt;
    return index;
}

} // namespace

std::vector<std::string> secret_pointers(const json::object& schema, const json::object& values) {
    std::vector<std::string> pointers;
    const auto* properties = properties_of(schema);
    if (properties == nullptr)
        return pointers;
    for (const auto& [name, property] : *properties) {
        const std::string root = "/" + escape_token(name);
        if (is_secret(property)) {
            pointers.push_back(root);
            continue;
        }
        const auto* items = items_of(property);
        const auto* item_properties = items ? properties_of(*items) : nullptr;
        const auto* present = values.if_contains(name);
        if (item_properties == nullptr || present == nullptr || !present->is_array())
            continue;
        for (std::size_t i = 0; i < present->as_array().size(); ++i)
            for (const auto& [item_name, item_property] : *item_properties)
                if (is_secret(item_property))
                    pointers.push_back(root + "/" + std::to_string(i) + "/" +
                                       escape_token(item_name));
    }
    return pointers;
}

void strip_secrets(const json::object& schema, json::object& values) {
    const auto* properties = properties_of(schema);
    if (properties == nullptr)
        return;
    for (const auto& [name, property] : *properties) {
        if (is_secret(property)) {
            values.erase(name);
            continue;
        }
        const auto* items = items_of(property);
        const auto* item_properties = items ? properties_of(*items) : nullptr;
        auto* present = values.if_contains(name);
        if (item_properties == nullptr || present == nullptr || !present->is_array())
            continue;
        for (auto& item : present->as_array()) {
            if (!item.is_object())
                continue;
            for (const auto& [item_name, item_property] : *item_properties)
                if (is_secret(item_property))
                    item.as_object().erase(item_name);
        }
    }
}

const json::object* schema_at(const json::object& schema, std::string_view pointer) {
    const json::object* current = &schema;
    for (const auto& token : split_pointer(pointer)) {
        const auto type = current->if_contains("type");
        if (type != nullptr && type->is_string() && type->as_string() == "array") {
            if (!parse_index(token))
                return nullptr;
            const auto* items = current->if_contains("items");
            if (items == nullptr || !items->is_object())
                return nullptr;
            current = &items->as_object();
            continue;
        }
        const auto* properties = properties_of(*current);
        if (properties == nullptr)
            return nullptr;
        const auto* next = properties->if_contains(token);
        if (next == nullptr || !next->is_object())
            return nullptr;
        current = &next->as_object();
    }
    return current == &schema ? nullptr : current;
}

std::optional<json::value> coerce_to_schema_type(const json::object* scalar_schema,
                                                 const std::string& text) {
    std::string_view type = "string";
    if (scalar_schema != nullptr)
        if (const auto* t = scalar_schema->if_contains("type"); t != nullptr && t->is_string())
            type = t->as_string();
    if (type == "string")
        return json::value(text);
    if (type == "boolean") {
        if (text == "true" || text == "1" || text == "yes")
            return json::value(true);
        if (text == "false" || text == "0" || text == "no")
            return json::value(false);
        return std::nullopt;
    }
    if (type == "integer") {
        std::int64_t n = 0;
        const auto* end = text.data() + text.size();
        const auto r = std::from_chars(text.data(), end, n);
        if (text.empty() || r.ec != std::errc{} || r.ptr != end)
            return std::nullopt;
        return json::value(n);
    }
    boost::system::error_code ec;
    auto parsed = json::parse(text, ec);
    if (ec)
        return std::nullopt;
    if (type == "number" && !parsed.is_number())
        return std::nullopt;
    return parsed;
}

bool set_at_pointer(json::object& document, std::string_view pointer, json::value value) {
    const auto tokens = split_pointer(pointer);
    if (tokens.empty())
        return false;
    json::value* current = nullptr;
    json::object* object = &document;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const bool last = i + 1 == tokens.size();
        if (object != nullptr) {
            if (last) {
                (*object)[tokens[i]] = std::move(value);
                return true;
            }
            current = &(*object)[tokens[i]];
        } else {
            auto& array = current->as_array();
            const auto index = parse_index(tokens[i]);
            // Only an existing element or the next one: padding up to any index let
            // "/legal_entities/99999999999/api_key" allocate 10^11 objects (found by the
            // host_api fuzz target; regressions/host_api/set-at-pointer-huge-index).
            if (!index || *index > array.size())
                return false;
            if (*index == array.size())
                array.push_back(json::object{});
            if (last) {
                array[*index] = std::move(value);
                return true;
            }
            current = &array[*index];
        }
        // Decide the container kind of the next step from the next token.
        const bool next_is_index = parse_index(tokens[i + 1]).has_value();
        if (current->is_null())
            *current = next_is_index ? json::value(json::array{}) : json::value(json::object{});
        if (current->is_object()) {
            object = &current->as_object();
        } else if (current->is_array()) {
            object = nullptr;
        } else {
            return false;
        }
    }
    return false;
}

} // namespace pms::host::server
