// List filters, sorting and paging (see list_query.hpp).
#include "invoicebox/sim/list_query.hpp"

#include "invoicebox/sim/clock.hpp"

#include "invoicebox/sim/amount.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <numeric>
#include <optional>

namespace invoicebox::sim {


namespace {

constexpr std::array order_fields{
    FilterField{"id", FieldKind::string},
    FilterField{"merchantId", FieldKind::string},
    FilterField{"merchantOrderId", FieldKind::string},
    FilterField{"merchantOrderIdVisible", FieldKind::string},
    FilterField{"orderContainerId", FieldKind::string},
    FilterField{"status", FieldKind::string},
    FilterField{"description", FieldKind::string},
    FilterField{"currencyId", FieldKind::string},
    FilterField{"languageId", FieldKind::string},
    FilterField{"amount", FieldKind::number},
    FilterField{"vatAmount", FieldKind::number},
    FilterField{"createdAt", FieldKind::date},
    FilterField{"paidAt", FieldKind::date},
    FilterField{"expirationDate", FieldKind::date},
    FilterField{"processable", FieldKind::boolean},
};

constexpr std::array refund_fields{
    FilterField{"id", FieldKind::string},         FilterField{"parentId", FieldKind::string},
    FilterField{"merchantId", FieldKind::string}, FilterField{"merchantOrderId", FieldKind::string},
    FilterField{"status", FieldKind::string},     FilterField{"description", FieldKind::string},
    FilterField{"currencyId", FieldKind::string}, FilterField{"amount", FieldKind::number},
    FilterField{"vatAmount", FieldKind::number},  FilterField{"createdAt", FieldKind::date},
};

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::string url_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out.push_back(' ');
        } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
                   hex_value(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

std::optional<std::int64_t> scaled_number(std::string_view text) {
    auto v = read_scaled(text, 6, INT64_MAX / 10);
    if (!v) {
        return std::nullopt;
    }
    return *v;
}

std::optional<std::size_t> positive_size(std::string_view s) {
    std::size_t v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc{} || r.ptr != s.data() + s.size() || v == 0) {
        return std::nullopt;
    }
    return v;
}

// Compares a row value with a filter value of the field's kind: <0, 0, >0, or nullopt when
// either side cannot be read.
std::optional<int> compare(const JsonValue& row_value, std::string_view filter,
                           FieldKind kind) {
    switch (kind) {
    case FieldKind::string: {
        const auto* s = row_value.if_string();
        if (!s) {
            return std::nullopt;
        }
        const int c = s->compare(filter);
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case FieldKind::number: {
        const auto* n = row_value.if_number();
        const auto a = n ? scaled_number(n->text) : std::nullopt;
        const auto b = scaled_number(filter);
        if (!a || !b) {
            return std::nullopt;
        }
        return *a < *b ? -1 : (*a > *b ? 1 : 0);
    }
    case FieldKind::date: {
        const auto* s = row_value.if_string();
        const auto a = s ? parse_rfc3339(*s, true) : std::nullopt;
        const auto b = parse_rfc3339(filter, true);
        if (!a || !b) {
            return std::nullopt;
        }
        return *a < *b ? -1 : (*a > *b ? 1 : 0);
    }
    case FieldKind::boolean: {
        const auto* b = row_value.if_bool();
        if (!b || (filter != "true" && filter != "false" && filter != "1" && filter != "0")) {
            return std::nullopt;
        }
        const bool want = filter == "true" || filter == "1";
        return *b == want ? 0 : 1;
    }
    }
    return std::nullopt;
}

bool value_valid(std::string_view v, FieldKind kind) {
    switch (kind) {
    case FieldKind::string:
        return true;
    case FieldKind::number:
        return scaled_number(v).has_value();
    case FieldKind::date:
        return parse_rfc3339(v, true).has_value();
    case FieldKind::boolean:
        return v == "true" || v == "false" || v == "1" || v == "0";
    }
    return false;
}


} // namespace

std::span<const FilterField> order_filter_fields() noexcept {
    return order_fields;
}
std::span<const FilterField> refund_filter_fields() noexcept {
    return refund_fields;
}

std::vector<std::pair<std::string, std::string>> decode_query(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto part = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (part.empty()) {
            continue;
        }
        const auto eq = part.find('=');
        if (eq == std::string_view::npos) {
            out.emplace_back(url_decode(part), std::string{});
        } else {
            out.emplace_back(url_decode(part.substr(0, eq)), url_decode(part.substr(eq + 1)));
        }
    }
    return out;
}

Expected<ListQuery, ApiError> parse_list_query(std::string_view query,
                                                   std::span<const FilterField> fields) {
    ListQuery q;
    // (field, index) of `field[index]=` -> its place in the `in` list; `fresh` until first seen.
    struct Slot {
        std::size_t slot = 0;
        bool fresh = true;
    };
    std::map<std::pair<std::string, std::string>, Slot> numbered_slots;
    auto field_kind = [&](std::string_view name) -> std::optional<FieldKind> {
        for (const auto& f : fields) {
            if (f.name == name) {
                return f.kind;
            }
        }
        return std::nullopt;
    };
    for (const auto& [key, value] : decode_query(query)) {
        if (key == "page" || key == "_page" || key == "pageSize" || key == "_pageSize") {
            const auto n = positive_size(value);
            if (!n) {
                return unexpected(ApiError::validation(key, "must be a positive integer"));
            }
            if (key.ends_with("ize")) {
                q.page_size = std::min(*n, max_page_size);
            } else {
                q.page = *n;
            }
            continue;
        }
        const auto bracket = key.find('[');
        const std::string name = key.substr(0, bracket);
        std::string op;
        if (bracket != std::string::npos) {
            if (key.back() != ']' || key.find('[', bracket + 1) != std::string::npos) {
                return unexpected(ApiError::validation(key, "malformed filter parameter"));
            }
            op = key.substr(bracket + 1, key.size() - bracket - 2);
        }
        if (name == "_order") {
            if (bracket == std::string::npos || !field_kind(op)) {
                return unexpected(
                    ApiError::validation(key, "use _order[<field>]=asc|desc with a known field"));
            }
            if (value != "asc" && value != "desc") {
                return unexpected(ApiError::validation(key, "must be asc or desc"));
            }
            q.order.emplace_back(op, value == "desc");
            continue;
        }
        const auto kind = field_kind(name);
        if (!kind) {
            return unexpected(ApiError::validation(key, "unknown filter field"));
        }
        Condition c;
        c.field = name;
        c.kind = *kind;
        // PHP reads `status[0]=a&status[1]=b` (what http_build_query writes for a list, so the
        // official SDK sends it) exactly like `status[]=a&status[]=b`: both build the array
        // [a, b]. A repeated index overwrites its earlier value, as in PHP.
        const bool numbered =
            !op.empty() && std::all_of(op.begin(), op.end(), [](char ch) {
                return ch >= '0' && ch <= '9';
            });
        if (bracket == std::string::npos || op == "_eq") {
            c.op = Condition::Op::eq;
        } else if (op.empty() || numbered) {
            // status[]=a&status[]=b: merge into one `in` condition
            auto it =
                std::find_if(q.conditions.begin(), q.conditions.end(), [&](const Condition& x) {
                    return x.field == name && x.op == Condition::Op::in;
                });
            if (!value_valid(value, *kind)) {
                return unexpected(ApiError::validation(key, "invalid value"));
            }
            if (numbered) {
                const auto [slot, fresh] = numbered_slots[{name, op}];
                if (!fresh && it != q.conditions.end()) {
                    it->values[slot] = value;
                    continue;
                }
                numbered_slots[{name, op}] = {it == q.conditions.end() ? 0 : it->values.size(),
                                              false};
            }
            if (it != q.conditions.end()) {
                it->values.push_back(value);
                continue;
            }
            c.op = Condition::Op::in;
        } else if (op == "_ne") {
            c.op = Condition::Op::ne;
        } else if (op == "_start" && *kind == FieldKind::string) {
            c.op = Condition::Op::start;
        } else if ((op == "_gt" || op == "_ge" || op == "_lt" || op == "_le") &&
                   (*kind == FieldKind::number || *kind == FieldKind::date)) {
            c.op = op == "_gt"   ? Condition::Op::gt
                   : op == "_ge" ? Condition::Op::ge
                   : op == "_lt" ? Condition::Op::lt
                                 : Condition::Op::le;
        } else {
            return unexpected(ApiError::validation(key, "operator not allowed for this field"));
        }
        if (!value_valid(value, *kind)) {
            return unexpected(ApiError::validation(key, "invalid value"));
        }
        c.values.push_back(value);
        q.conditions.push_back(std::move(c));
    }
    return q;
}

bool holds(const Condition& c, const JsonValue& v) {
    auto cmp = [&](const std::string& filter) { return compare(v, filter, c.kind); };
    switch (c.op) {
    case Condition::Op::eq: {
        const auto r = cmp(c.values.front());
        return r && *r == 0;
    }
    case Condition::Op::ne: {
        const auto r = cmp(c.values.front());
        return r && *r != 0;
    }
    case Condition::Op::gt: {
        const auto r = cmp(c.values.front());
        return r && *r > 0;
    }
    case Condition::Op::ge: {
        const auto r = cmp(c.values.front());
        return r && *r >= 0;
    }
    case Condition::Op::lt: {
        const auto r = cmp(c.values.front());
        return r && *r < 0;
    }
    case Condition::Op::le: {
        const auto r = cmp(c.values.front());
        return r && *r <= 0;
    }
    case Condition::Op::start: {
        const auto* s = v.if_string();
        return s && s->starts_with(c.values.front());
    }
    case Condition::Op::in:
        return std::any_of(c.values.begin(), c.values.end(), [&](const std::string& f) {
            const auto r = cmp(f);
            return r && *r == 0;
        });
    }
    return false;
}

std::vector<std::size_t> sorted_positions(std::size_t count, const RowField& row_field,
                                          const ListQuery& q) {
    // Rows arrive in creation order, so a row's index is its creation sequence. Dates are
    // written with whole seconds; InvoiceBox keeps finer timestamps (its ids are time-ordered
    // UUIDs), so two orders created in the same second still have an order. The index stands in
    // for the sub-second part of createdAt: without it, "_order[createdAt]=desc&_pageSize=1"
    // would return the older of two orders made in one second.
    std::vector<std::size_t> idx(count);
    std::iota(idx.begin(), idx.end(), std::size_t{0});
    // Values compare by their JSON type: numbers exactly, date strings as instants.
    auto compare_field = [](const JsonValue& va, const JsonValue& vb) {
        if (const auto* na = va.if_number(); na && vb.if_number()) {
            const auto x = scaled_number(na->text);
            const auto y = scaled_number(vb.if_number()->text);
            return (x && y) ? (*x < *y ? -1 : (*x > *y ? 1 : 0)) : 0;
        }
        if (const auto* sa = va.if_string(); sa && vb.if_string()) {
            const auto ta = parse_rfc3339(*sa);
            const auto tb = parse_rfc3339(*vb.if_string());
            if (ta && tb) {
                return *ta < *tb ? -1 : (*ta > *tb ? 1 : 0);
            }
            const int r = sa->compare(*vb.if_string());
            return r < 0 ? -1 : (r > 0 ? 1 : 0);
        }
        if (va.if_bool() && vb.if_bool()) {
            return int(*va.if_bool()) - int(*vb.if_bool());
        }
        return 0;
    };
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t ia, std::size_t ib) {
        for (const auto& [field, desc] : q.order) {
            const auto* va = row_field(ia, field);
            const auto* vb = row_field(ib, field);
            const bool ha = va && !va->is_null();
            const bool hb = vb && !vb->is_null();
            if (!ha || !hb) {
                if (ha != hb) {
                    return desc ? ha : hb; // missing values sort first ascending
                }
                continue;
            }
            int c = compare_field(*va, *vb);
            if (c == 0 && field == "createdAt") {
                c = ia < ib ? -1 : (ia > ib ? 1 : 0);
            }
            if (c != 0) {
                return desc ? c > 0 : c < 0;
            }
        }
        return false;
    });
    return idx;
}

} // namespace invoicebox::sim
