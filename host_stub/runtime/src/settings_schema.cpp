// See settings_schema.hpp.
#include "settings_schema.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cmath>
#include <regex>
#include <set>

namespace pms::host::detail {
namespace json = boost::json;

namespace {

const std::set<std::string_view> unsupported_keywords = {"$ref",
                                                         "oneOf",
                                                         "anyOf",
                                                         "allOf",
                                                         "not",
                                                         "if",
                                                         "then",
                                                         "else",
                                                         "patternProperties",
                                                         "dependentSchemas",
                                                         "prefixItems"};

const std::set<std::string_view> scalar_types = {"string", "integer", "number", "boolean"};

std::string type_of(const json::object& schema) {
    const auto* t = schema.if_contains("type");
    return t != nullptr && t->is_string() ? std::string{t->as_string()} : std::string{};
}

bool is_secret(const json::object& schema) {
    const auto* s = schema.if_contains("x-secret");
    return s != nullptr && s->is_bool() && s->as_bool();
}

std::optional<std::string> check_keywords(const json::object& schema, const std::string& where) {
    for (const auto& kv : schema)
        if (unsupported_keywords.count(std::string_view{kv.key()}) != 0)
            return "unsupported keyword \"" + std::string{kv.key()} + "\" at " + where;
    return std::nullopt;
}

// Checks a scalar property schema.
std::optional<std::string> check_scalar(const json::object& schema, const std::string& where) {
    if (auto e = check_keywords(schema, where))
        return e;
    const std::string type = type_of(schema);
    if (scalar_types.count(type) == 0)
        return "unsupported type at " + where;
    if (is_secret(schema) && type != "string")
        return "x-secret on a non-string at " + where;
    if (const auto* p = schema.if_contains("pattern")) {
        if (!p->is_string())
            return "pattern must be a string at " + where;
        try {
            std::regex re(std::string{p->as_string()}, std::regex::ECMAScript);
        } catch (const std::regex_error&) {
            return "invalid pattern at " + where;
        }
    }
    return std::nullopt;
}

// Checks an object schema whose properties are scalars (inside arrays) or, at the root,
// scalars, arrays of objects or nested objects of scalars.
std::optional<std::string> check_object(const json::object& schema, const std::string& where,
                                        int depth) {
    if (auto e = check_keywords(schema, where))
        return e;
    if (type_of(schema) != "object")
        return "type must be \"object\" at " + where;
    const auto* props = schema.if_contains("properties");
    if (props != nullptr && !props->is_object())
        return "\"properties\" must be an object at " + where;
    if (const auto* req = schema.if_contains("required")) {
        if (!req->is_array())
            return "\"required\" must be an array at " + where;
        for (const auto& r : req->as_array())
            if (!r.is_string())
                return "\"required\" must hold strings at " + where;
    }
    if (props == nullptr)
        return std::nullopt;
    for (const auto& kv : props->as_object()) {
        const std::string at = where + "/" + pointer_token(kv.key());
        if (!kv.value().is_object())
            return "property schema must be an object at " + at;
        const json::object& p = kv.value().as_object();
        const std::string type = type_of(p);
        if (type == "object") {
            if (depth >= 1)
                return "nesting too deep at " + at;
            if (auto e = check_object(p, at, depth + 1))
                return e;
        } else if (type == "array") {
            if (depth >= 1)
                return "nesting too deep at " + at;
            if (auto e = check_keywords(p, at))
                return e;
            const auto* items = p.if_contains("items");
            if (items == nullptr || !items->is_object())
                return "arrays need an object \"items\" schema at " + at;
            if (auto e = check_object(items->as_object(), at + "/items", depth + 1))
                return e;
        } else if (auto e = check_scalar(p, at)) {
            return e;
        }
    }
    return std::nullopt;
}

std::size_t utf8_length(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80)
            ++n;
    return n;
}

bool looks_like_email(std::string_view s) {
    const auto at = s.find('@');
    return at != std::string_view::npos && at > 0 && at + 1 < s.size() &&
           s.find('@', at + 1) == std::string_view::npos &&
           s.find_first_of(" \t\r\n") == std::string_view::npos &&
           s.substr(at + 1).find('.') != std::string_view::npos;
}

bool looks_like_uri(std::string_view s) {
    const auto colon = s.find("://");
    if (colon == std::string_view::npos || colon == 0 || colon + 3 >= s.size())
        return false;
    for (std::size_t i = 0; i < colon; ++i) {
        const char c = s[i];
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'))
            return false;
    }
    return s.find_first_of(" \t\r\n") == std::string_view::npos;
}

bool looks_like_uuid(std::string_view s) {
    static const std::regex re("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                               "[0-9a-fA-F]{12}$");
    return std::regex_match(std::string{s}, re);
}

std::optional<double> number_of(const json::value& v) {
    if (v.is_int64())
        return static_cast<double>(v.as_int64());
    if (v.is_uint64())
        return static_cast<double>(v.as_uint64());
    if (v.is_double())
        return v.as_double();
    return std::nullopt;
}

void validate_scalar(const json::object& schema, const json::value& v, const std::string& ptr,
                     std::map<std::string, std::string>& errors) {
    const std::string type = type_of(schema);
    auto fail = [&](std::string message) { errors.emplace(ptr, std::move(message)); };
    if (type == "string") {
        if (!v.is_string())
            return fail("Must be text");
        const std::string_view s = v.as_string();
        if (const auto* e = schema.if_contains("enum"); e != nullptr && e->is_array()) {
            bool found = false;
            for (const auto& x : e->as_array())
                found = found || (x.is_string() && x.as_string() == s);
            if (!found)
                return fail("Not one of the allowed values");
        }
        if (const auto* m = schema.if_contains("minLength");
            m != nullptr && m->is_int64() &&
            utf8_length(s) < static_cast<std::size_t>(m->as_int64()))
            return fail(m->as_int64() == 1
                            ? "Required"
                            : "At least " + std::to_string(m->as_int64()) + " characters");
        if (const auto* m = schema.if_contains("maxLength");
            m != nullptr && m->is_int64() &&
            utf8_length(s) > static_cast<std::size_t>(m->as_int64()))
            return fail("At most " + std::to_string(m->as_int64()) + " characters");
        if (const auto* p = schema.if_contains("pattern");
            p != nullptr && p->is_string() && !s.empty()) {
            try {
                if (!std::regex_search(std::string{s}, std::regex(std::string{p->as_string()},
                                                                  std::regex::ECMAScript)))
                    return fail("Invalid format");
            } catch (const std::regex_error&) {
                return fail("Invalid format");
            }
        }
        if (const auto* f = schema.if_contains("format");
            f != nullptr && f->is_string() && !s.empty()) {
            const std::string_view format = f->as_string();
            if (format == "email" && !looks_like_email(s))
                return fail("Not a valid e-mail address");
            if (format == "uri" && !looks_like_uri(s))
                return fail("Not a valid URL");
            if (format == "uuid" && !looks_like_uuid(s))
                return fail("Not a valid UUID");
        }
    } else if (type == "boolean") {
        if (!v.is_bool())
            return fail("Must be true or false");
    } else { // integer, number
        const auto n = number_of(v);
        if (!n || (type == "integer" && (v.is_double() && std::floor(*n) != *n)))
            return fail(type == "integer" ? "Must be a whole number" : "Must be a number");
        if (const auto* e = schema.if_contains("enum"); e != nullptr && e->is_array()) {
            bool found = false;
            for (const auto& x : e->as_array())
                found = found || (number_of(x) && *number_of(x) == *n);
            if (!found)
                return fail("Not one of the allowed values");
        }
        if (const auto* m = schema.if_contains("minimum");
            m != nullptr && number_of(*m) && *n < *number_of(*m))
            return fail("Must be at least " + json::serialize(*m));
        if (const auto* m = schema.if_contains("maximum");
            m != nullptr && number_of(*m) && *n > *number_of(*m))
            return fail("Must be at most " + json::serialize(*m));
    }
}

bool blank(const json::value* v) {
    return v == nullptr || v->is_null() || (v->is_string() && v->as_string().empty());
}

void validate_object(const json::object& schema, const json::value& v, const std::string& ptr,
                     const std::function<bool(const std::string&)>& secret_stored,
                     std::map<std::string, std::string>& errors) {
    if (!v.is_object()) {
        errors.emplace(ptr, "Must be an object");
        return;
    }
    const json::object& o = v.as_object();
    const auto* props_v = schema.if_contains("properties");
    const json::object empty;
    const json::object& props =
        props_v != nullptr && props_v->is_object() ? props_v->as_object() : empty;
    for (const auto& kv : o)
        if (!props.contains(kv.key()))
            errors.emplace(ptr + "/" + pointer_token(kv.key()), "Unknown field");
    std::set<std::string> required;
    if (const auto* req = schema.if_contains("required"); req != nullptr && req->is_array())
        for (const auto& r : req->as_array())
            if (r.is_string())
                required.emplace(r.as_string());
    for (const auto& kv : props) {
        if (!kv.value().is_object())
            continue;
        const json::object& p = kv.value().as_object();
        const std::string at = ptr + "/" + pointer_token(kv.key());
        const json::value* value = o.if_contains(kv.key());
        const bool secret = is_secret(p);
        if (blank(value)) {
            if (required.count(std::string{kv.key()}) != 0 && !(secret && secret_stored(at)))
                errors.emplace(at, "Required");
            if (value == nullptr || value->is_null() || secret)
                continue;
        }
        const std::string type = type_of(p);
        if (type == "object") {
            validate_object(p, *value, at, secret_stored, errors);
        } else if (type == "array") {
            if (!value->is_array()) {
                errors.emplace(at, "Must be a list");
                continue;
            }
            const auto& arr = value->as_array();
            if (const auto* m = p.if_contains("minItems");
                m != nullptr && m->is_int64() &&
                arr.size() < static_cast<std::size_t>(m->as_int64()))
                errors.emplace(at, "At least " + std::to_string(m->as_int64()) + " items");
            if (const auto* m = p.if_contains("maxItems");
                m != nullptr && m->is_int64() &&
                arr.size() > static_cast<std::size_t>(m->as_int64()))
                errors.emplace(at, "At most " + std::to_string(m->as_int64()) + " items");
            const auto* items = p.if_contains("items");
            if (items == nullptr || !items->is_object())
                continue;
            for (std::size_t i = 0; i < arr.size(); ++i)
                validate_object(items->as_object(), arr[i], at + "/" + std::to_string(i),
                                secret_stored, errors);
        } else {
            validate_scalar(p, *value, at, errors);
        }
    }
}

// Walks `o` against `schema`, calling `on_secret(container, key, pointer)` for each secret
// property of the schema (present or not).
void walk_secrets(
    const json::object& schema, json::object& o, const std::string& ptr,
    const std::function<void(json::object&, std::string_view, const std::string&)>& on_secret) {
    const auto* props = schema.if_contains("properties");
    if (props == nullptr || !props->is_object())
        return;
    for (const auto& kv : props->as_object()) {
        if (!kv.value().is_object())
            continue;
        const json::object& p = kv.value().as_object();
        const std::string at = ptr + "/" + pointer_token(kv.key());
        if (is_secret(p)) {
            on_secret(o, kv.key(), at);
            continue;
        }
        json::value* value = o.if_contains(kv.key());
        if (value == nullptr)
            continue;
        const std::string type = type_of(p);
        if (type == "object" && value->is_object()) {
            walk_secrets(p, value->as_object(), at, on_secret);
        } else if (type == "array" && value->is_array()) {
            const auto* items = p.if_contains("items");
            if (items == nullptr || !items->is_object())
                continue;
            auto& arr = value->as_array();
            for (std::size_t i = 0; i < arr.size(); ++i)
                if (arr[i].is_object())
                    walk_secrets(items->as_object(), arr[i].as_object(),
                                 at + "/" + std::to_string(i), on_secret);
        }
    }
}

} // namespace

std::string pointer_token(std::string_view key) {
    std::string out;
    for (char c : key) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

std::variant<SettingsSchema, std::string> SettingsSchema::parse(std::string_view text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object())
        return std::string{"the settings schema is not a JSON object"};
    const json::object& root = v.as_object();
    const auto* id = root.if_contains("$id");
    if (id == nullptr || !id->is_string() || id->as_string().empty())
        return std::string{"the settings schema has no \"$id\""};
    if (auto e = check_object(root, "", 0))
        return "the settings schema is outside the supported subset: " + *e;
    if (const auto* actions = root.if_contains("x-actions")) {
        if (!actions->is_array())
            return std::string{"\"x-actions\" must be an array"};
        for (const auto& a : actions->as_array())
            if (!a.is_object() || !a.as_object().contains("id") ||
                !a.as_object().at("id").is_string())
                return std::string{"each of \"x-actions\" needs a string \"id\""};
    }
    SettingsSchema schema;
    schema.text_ = std::string{text};
    schema.root_ = root;
    return schema;
}

json::object SettingsSchema::defaults() const {
    json::object out;
    const auto* props = root_.if_contains("properties");
    if (props == nullptr || !props->is_object())
        return out;
    for (const auto& kv : props->as_object()) {
        if (!kv.value().is_object() || is_secret(kv.value().as_object()))
            continue;
        if (const auto* d = kv.value().as_object().if_contains("default"))
            out[kv.key()] = *d;
    }
    return out;
}

void SettingsSchema::validate(const json::value& candidate,
                              const std::function<bool(const std::string&)>& secret_stored,
                              std::map<std::string, std::string>& errors) const {
    if (!candidate.is_object()) {
        errors.emplace("", "The settings must be a JSON object");
        return;
    }
    validate_object(root_, candidate, "", secret_stored, errors);
}

SettingsSchema::Split SettingsSchema::split(const json::object& candidate) const {
    Split out;
    out.document = candidate;
    walk_secrets(root_, out.document, "",
                 [&](json::object& container, std::string_view key, const std::string& ptr) {
                     const json::value* v = container.if_contains(key);
                     if (v != nullptr) {
                         out.secrets.emplace_back(ptr, v->is_string() ? std::string{v->as_string()}
                                                                      : std::string{});
                         container.erase(key);
                     } else {
                         out.secrets.emplace_back(ptr, std::string{});
                     }
                 });
    return out;
}

json::object SettingsSchema::with_secrets(
    const json::object& candidate,
    const std::function<std::optional<std::string>(const std::string&)>& stored) const {
    json::object out = candidate;
    walk_secrets(root_, out, "",
                 [&](json::object& container, std::string_view key, const std::string& ptr) {
                     if (!blank(container.if_contains(key)))
                         return;
                     if (auto value = stored(ptr))
                         container[key] = *value;
                 });
    return out;
}

} // namespace pms::host::detail
