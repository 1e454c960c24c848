// See settings_schema.hpp.
#include "settings_schema.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
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

// "x-secret-bound-to": names of the fields a secret belongs with (settings-schema-subset.md).
constexpr std::string_view bound_keyword = "x-secret-bound-to";

const json::object* properties_of(const json::object& schema) {
    const auto* p = schema.if_contains("properties");
    return p != nullptr && p->is_object() ? &p->as_object() : nullptr;
}

std::string title_of(const json::object& schema, std::string_view key) {
    const auto* t = schema.if_contains("title");
    if (t != nullptr && t->is_string() && !t->as_string().empty())
        return std::string{t->as_string()};
    return std::string{key};
}

// A bound name is looked up like a variable: in the properties of the object that holds the
// secret, then in each enclosing object up to the root. So one secret schema reused at the root
// and inside array items ("legal_entities") binds to its own siblings where they exist and to
// the root's fields it inherits otherwise. `scopes` is outermost first. Returns the index of
// the scope that declares `name`, or -1.
template <class Scope, class PropsOf>
long find_bound(const std::vector<Scope>& scopes, std::string_view name, PropsOf props_of) {
    for (std::size_t i = scopes.size(); i-- > 0;) {
        const auto* v = props_of(scopes[i]).if_contains(name);
        if (v != nullptr && v->is_object())
            return static_cast<long>(i);
    }
    return -1;
}

// Checks every "x-secret-bound-to" below `schema` (an object schema whose shape check_object
// has already accepted).
std::optional<std::string> check_bindings(const json::object& schema, const std::string& where,
                                          std::vector<const json::object*>& scopes) {
    const json::object* props = properties_of(schema);
    if (props == nullptr)
        return std::nullopt;
    scopes.push_back(props);
    auto by_props = [](const json::object* p) -> const json::object& { return *p; };
    std::optional<std::string> error;
    for (const auto& kv : *props) {
        if (!kv.value().is_object())
            continue;
        const json::object& p = kv.value().as_object();
        const std::string at = where + "/" + pointer_token(kv.key());
        if (const auto* bound = p.if_contains(bound_keyword)) {
            if (!is_secret(p)) {
                error = "\"x-secret-bound-to\" is only allowed on an \"x-secret\" string at " + at;
                break;
            }
            if (!bound->is_array() || bound->as_array().empty()) {
                error = "\"x-secret-bound-to\" must be a non-empty array of field names at " + at;
                break;
            }
            for (const auto& n : bound->as_array()) {
                if (!n.is_string() || n.as_string().empty()) {
                    error = "\"x-secret-bound-to\" must hold field names at " + at;
                    break;
                }
                const std::string name{n.as_string()};
                const long found = find_bound(scopes, name, by_props);
                if (found < 0) {
                    error = "\"x-secret-bound-to\" names \"" + name +
                            "\", which is not a field of this object or an enclosing one, at " + at;
                    break;
                }
                const json::object& target = scopes[static_cast<std::size_t>(found)]->at(name).as_object();
                if (is_secret(target)) {
                    error = "\"x-secret-bound-to\" names the secret \"" + name + "\" at " + at;
                    break;
                }
                if (scalar_types.count(type_of(target)) == 0) {
                    error = "\"x-secret-bound-to\" names \"" + name + "\", which is not a scalar field, at " + at;
                    break;
                }
            }
            if (error)
                break;
        }
        const std::string type = type_of(p);
        if (type == "object") {
            error = check_bindings(p, at, scopes);
        } else if (type == "array") {
            if (const auto* items = p.if_contains("items"); items != nullptr && items->is_object())
                error = check_bindings(items->as_object(), at + "/items", scopes);
        }
        if (error)
            break;
    }
    scopes.pop_back();
    return error;
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
    // "x-prefill" (API 1.3): a value the host knows and fills into an empty field. Only
    // "notification_url" exists; a secret is never prefilled (its value is never shown).
    if (const auto* f = schema.if_contains("x-prefill")) {
        if (!f->is_string() || f->as_string() != "notification_url")
            return "\"x-prefill\" must be \"notification_url\" at " + where;
        if (type != "string" || is_secret(schema))
            return "\"x-prefill\" is only allowed on a non-secret string at " + where;
    }
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
    {
        std::vector<const json::object*> scopes;
        if (auto e = check_bindings(root, "", scopes))
            return "the settings schema is outside the supported subset: " + *e;
    }
    if (const auto* actions = root.if_contains("x-actions")) {
        if (!actions->is_array())
            return std::string{"\"x-actions\" must be an array"};
        int checks = 0;
        for (const auto& a : actions->as_array()) {
            if (!a.is_object() || !a.as_object().contains("id") ||
                !a.as_object().at("id").is_string())
                return std::string{"each of \"x-actions\" needs a string \"id\""};
            // "x-check" (API 1.3): the action that checks the connection; the host runs it
            // after a save and periodically, and shows its outcome as the module's state. One
            // at most, or the state would depend on which ran last.
            if (const auto* c = a.as_object().if_contains("x-check")) {
                if (!c->is_bool())
                    return std::string{"\"x-check\" of an action must be true or false"};
                if (c->as_bool() && ++checks > 1)
                    return std::string{"at most one of \"x-actions\" may have \"x-check\": true"};
            }
        }
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
    const std::function<std::optional<std::string>(const std::string&)>& stored,
    const std::set<std::string>& withhold) const {
    json::object out = candidate;
    walk_secrets(root_, out, "",
                 [&](json::object& container, std::string_view key, const std::string& ptr) {
                     if (!blank(container.if_contains(key)) || withhold.count(ptr) != 0)
                         return;
                     if (auto value = stored(ptr))
                         container[key] = *value;
                 });
    return out;
}

namespace {

// The value at JSON Pointer `ptr` in `doc`, or null when there is none.
const json::value* at_pointer(const json::value& doc, std::string_view ptr) {
    const json::value* cur = &doc;
    while (!ptr.empty()) {
        if (ptr.front() != '/')
            return nullptr;
        ptr.remove_prefix(1);
        const auto end = ptr.find('/');
        const std::string_view raw = ptr.substr(0, end);
        ptr = end == std::string_view::npos ? std::string_view{} : ptr.substr(end);
        std::string token;
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
                token += raw[i + 1] == '0' ? '~' : '/';
                ++i;
            } else {
                token += raw[i];
            }
        }
        if (cur->is_object()) {
            cur = cur->as_object().if_contains(token);
        } else if (cur->is_array()) {
            if (token.empty() || token.find_first_not_of("0123456789") != std::string::npos ||
                token.size() > 9)
                return nullptr;
            const std::size_t index = std::stoul(token);
            cur = index < cur->as_array().size() ? &cur->as_array()[index] : nullptr;
        } else {
            return nullptr;
        }
        if (cur == nullptr)
            return nullptr;
    }
    return cur;
}

// What a field means to the plugin: a blank or missing value is its default.
json::value effective(const json::object& field_schema, const json::value* v) {
    if (!blank(v))
        return *v;
    if (const auto* d = field_schema.if_contains("default"))
        return *d;
    return nullptr;
}

struct BoundScope {
    const json::object* props;     ///< the object schema's "properties"
    const json::object* candidate; ///< the candidate's object at this level (null: absent)
    std::string pointer;           ///< its JSON Pointer in the settings document
};

void walk_bound(const json::object& schema, const json::object* candidate,
                const std::string& ptr, std::vector<BoundScope>& scopes,
                const json::value& stored, std::vector<SettingsSchema::Rebound>& out) {
    const json::object* props = properties_of(schema);
    if (props == nullptr)
        return;
    scopes.push_back(BoundScope{props, candidate, ptr});
    auto by_props = [](const BoundScope& s) -> const json::object& { return *s.props; };
    for (const auto& kv : *props) {
        if (!kv.value().is_object())
            continue;
        const json::object& p = kv.value().as_object();
        const std::string at = ptr + "/" + pointer_token(kv.key());
        if (is_secret(p)) {
            const auto* bound = p.if_contains(bound_keyword);
            if (bound == nullptr || !bound->is_array())
                continue;
            SettingsSchema::Rebound r;
            r.secret = at;
            r.left_blank = candidate == nullptr || blank(candidate->if_contains(kv.key()));
            std::vector<std::string> titles;
            for (const auto& n : bound->as_array()) {
                if (!n.is_string())
                    continue;
                const long found = find_bound(scopes, n.as_string(), by_props);
                if (found < 0)
                    continue; // parse() refuses such schemas
                const BoundScope& scope = scopes[static_cast<std::size_t>(found)];
                const json::object& field = scope.props->at(n.as_string()).as_object();
                const std::string field_ptr = scope.pointer + "/" + pointer_token(n.as_string());
                if (std::find(r.changed.begin(), r.changed.end(), field_ptr) != r.changed.end())
                    continue;
                const json::value* now =
                    scope.candidate != nullptr ? scope.candidate->if_contains(n.as_string()) : nullptr;
                if (effective(field, now) != effective(field, at_pointer(stored, field_ptr))) {
                    r.changed.push_back(field_ptr);
                    titles.push_back(title_of(field, n.as_string()));
                }
            }
            if (r.changed.empty())
                continue;
            r.message = "Введите «" + title_of(p, kv.key()) + "» заново: " +
                        (titles.size() == 1 ? "изменено поле " : "изменены поля ");
            for (std::size_t i = 0; i < titles.size(); ++i)
                r.message += (i == 0 ? "«" : ", «") + titles[i] + "»";
            out.push_back(std::move(r));
            continue;
        }
        if (candidate == nullptr)
            continue;
        const json::value* value = candidate->if_contains(kv.key());
        if (value == nullptr)
            continue;
        const std::string type = type_of(p);
        if (type == "object" && value->is_object()) {
            walk_bound(p, &value->as_object(), at, scopes, stored, out);
        } else if (type == "array" && value->is_array()) {
            const auto* items = p.if_contains("items");
            if (items == nullptr || !items->is_object())
                continue;
            const auto& arr = value->as_array();
            for (std::size_t i = 0; i < arr.size(); ++i)
                if (arr[i].is_object())
                    walk_bound(items->as_object(), &arr[i].as_object(),
                               at + "/" + std::to_string(i), scopes, stored, out);
        }
    }
    scopes.pop_back();
}

} // namespace

std::vector<SettingsSchema::Rebound>
SettingsSchema::rebound_secrets(const json::object& candidate, const json::object& stored) const {
    std::vector<Rebound> out;
    std::vector<BoundScope> scopes;
    const json::value stored_doc(stored);
    walk_bound(root_, &candidate, "", scopes, stored_doc, out);
    return out;
}

} // namespace pms::host::detail
