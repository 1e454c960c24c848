// Field accessors shared by the codecs.
#include "invoicebox/protocol/detail/json_fields.hpp"

#include <limits>

namespace invoicebox::protocol::detail {

std::string join_path(std::string_view base, std::string_view key) {
    std::string p(base);
    if (!p.empty())
        p += '.';
    p += key;
    return p;
}

std::string index_path(std::string_view base, std::size_t i) {
    return std::string(base) + "[" + std::to_string(i) + "]";
}

const JsonValue* present(const JsonObject& o, std::string_view key) noexcept {
    const auto* v = o.find(key);
    return (v && !v->is_null()) ? v : nullptr;
}

namespace {

DecodeError err(std::string_view path, std::string_view key, std::string msg) {
    return DecodeError{join_path(path, key), std::move(msg)};
}

} // namespace

Expected<std::string, DecodeError> req_string(const JsonObject& o, std::string_view key,
                                              std::string_view path) {
    const auto* v = present(o, key);
    if (!v)
        return unexpected(err(path, key, "missing"));
    const auto* s = v->if_string();
    if (!s)
        return unexpected(
            err(path, key, "expected a string, got " + std::string(to_string(v->kind()))));
    return *s;
}

Expected<std::optional<std::string>, DecodeError>
opt_string(const JsonObject& o, std::string_view key, std::string_view path) {
    const auto* v = present(o, key);
    if (!v)
        return std::optional<std::string>{};
    const auto* s = v->if_string();
    if (!s)
        return unexpected(
            err(path, key, "expected a string, got " + std::string(to_string(v->kind()))));
    return std::optional<std::string>{*s};
}

Expected<std::optional<std::string>, DecodeError>
opt_string_or_number(const JsonObject& o, std::string_view key, std::string_view path) {
    const auto* v = present(o, key);
    if (!v)
        return std::optional<std::string>{};
    if (const auto* s = v->if_string())
        return std::optional<std::string>{*s};
    if (const auto* n = v->if_number())
        return std::optional<std::string>{n->text};
    return unexpected(
        err(path, key, "expected a string or number, got " + std::string(to_string(v->kind()))));
}

Expected<Money, DecodeError> req_money(const JsonObject& o, std::string_view key, Currency c,
                                       std::string_view path) {
    auto m = opt_money(o, key, c, path);
    if (!m)
        return unexpected(std::move(m).error());
    if (!m->has_value())
        return unexpected(err(path, key, "missing"));
    return **m;
}

Expected<std::optional<Money>, DecodeError> opt_money(const JsonObject& o, std::string_view key,
                                                      Currency c, std::string_view path) {
    const auto* v = present(o, key);
    if (!v)
        return std::optional<Money>{};
    const auto* n = v->if_number();
    // Amounts are JSON numbers (invoicebox-api.md §4.4); a string amount is a contract breach.
    if (!n)
        return unexpected(
            err(path, key, "expected a number, got " + std::string(to_string(v->kind()))));
    auto m = parse_money(n->text, c);
    if (!m)
        return unexpected(err(path, key, std::string(to_string(m.error())) + ": " + n->text));
    return std::optional<Money>{*m};
}

Expected<Quantity, DecodeError> req_quantity(const JsonObject& o, std::string_view key,
                                             std::string_view path) {
    const auto* v = present(o, key);
    if (!v)
        return unexpected(err(path, key, "missing"));
    const auto* n = v->if_number();
    if (!n)
        return unexpected(
            err(path, key, "expected a number, got " + std::string(to_string(v->kind()))));
    auto q = parse_quantity(n->text);
    if (!q)
        return unexpected(err(path, key, std::string(to_string(q.error())) + ": " + n->text));
    return *q;
}

Expected<std::optional<bool>, DecodeError> opt_bool(const JsonObject& o, std::string_view key,
                                                    std::string_view path) {
    const auto* v = present(o, key);
    if (!v)
        return std::optional<bool>{};
    const auto* b = v->if_bool();
    if (!b)
        return unexpected(
            err(path, key, "expected a boolean, got " + std::string(to_string(v->kind()))));
    return std::optional<bool>{*b};
}

Expected<std::optional<std::int64_t>, DecodeError>
opt_int(const JsonObject& o, std::string_view key, std::string_view path) {
    const auto* v = present(o, key);
    if (!v)
        return std::optional<std::int64_t>{};
    const auto* n = v->if_number();
    if (!n)
        return unexpected(
            err(path, key, "expected a number, got " + std::string(to_string(v->kind()))));
    auto i = detail::parse_scaled(n->text, 0, std::numeric_limits<std::int64_t>::max());
    if (!i)
        return unexpected(err(path, key, "expected an integer: " + n->text));
    return std::optional<std::int64_t>{*i};
}

} // namespace invoicebox::protocol::detail
