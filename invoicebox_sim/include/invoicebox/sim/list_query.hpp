// Filtering, sorting and paging of the list endpoints `GET …/filter/api/order/order` and
// `…/filter/api/order/refund-order` (invoicebox-api.md §1.6).
//
//   status=created                       equality
//   status[]=created&status[]=completed  one of; `status[0]=…&status[1]=…` (PHP's
//                                        http_build_query, the official SDK) reads the same
//   amount[_ge]=1000                     _eq _ne (all), _gt _ge _lt _le (numbers, dates),
//                                        _start (strings)
//   _order[createdAt]=desc               sort, repeatable; `_order=createdAt:desc` is a 422
//   _page / _pageSize, page / pageSize   paging, 1-based, default page size 30 (max 100)
// The query is decoded as PHP does: `+` is a space, so an offset in a date must be sent as
// `%2B03:00`. An unknown field or operator is a 422 `validation_error` naming the parameter.
// Dates without an offset are read as UTC (the docs' examples). A row without the field (an
// unpaid order's paidAt) never matches a condition on it.
#pragma once

#include "invoicebox/sim/api_error.hpp"

#include "invoicebox/sim/json.hpp"

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace invoicebox::sim {

enum class FieldKind { string, number, date, boolean };

struct FilterField {
    std::string_view name;
    FieldKind kind;
};

// The filterable fields of each list.
std::span<const FilterField> order_filter_fields() noexcept;
std::span<const FilterField> refund_filter_fields() noexcept;

struct Condition {
    enum class Op { eq, ne, gt, ge, lt, le, start, in };
    std::string field;
    FieldKind kind = FieldKind::string;
    Op op = Op::eq;
    std::vector<std::string> values; // one, except for `in`
};

struct ListQuery {
    std::vector<Condition> conditions;
    std::vector<std::pair<std::string, bool /*descending*/>> order;
    std::size_t page = 1;
    std::size_t page_size = 30;
};

inline constexpr std::size_t max_page_size = 100;

// Splits and percent-decodes a query string (the part after '?'), PHP style.
std::vector<std::pair<std::string, std::string>> decode_query(std::string_view query);

Expected<ListQuery, ApiError> parse_list_query(std::string_view query,
                                                         std::span<const FilterField> fields);

// True when a present, non-null member's value satisfies the condition.
bool holds(const Condition& c, const JsonValue& v);

// True when the row satisfies every condition. A row is a rendered order or refund: anything
// with `const JsonValue* find(std::string_view) const` (JsonObject, RenderedRow).
template <class Row>
bool matches(const Row& row, const ListQuery& q) {
    for (const auto& c : q.conditions) {
        const auto* v = row.find(c.field);
        if (!v || v->is_null() || !holds(c, *v)) {
            return false;
        }
    }
    return true;
}

// Row `row`'s member `field`, or nullptr.
using RowField = std::function<const JsonValue*(std::size_t row, std::string_view field)>;

// The positions of `count` rows in the query's `_order` (stable: rows keep their creation order
// otherwise). The rows must be in creation order: equal createdAt seconds are ordered by it
// (sub-second precision).
std::vector<std::size_t> sorted_positions(std::size_t count, const RowField& row_field,
                                          const ListQuery& q);

// Sorts rows by the query's `_order` (see sorted_positions).
template <class Row>
void sort_rows(std::vector<Row>& rows, const ListQuery& q) {
    if (q.order.empty()) {
        return;
    }
    const auto positions = sorted_positions(
        rows.size(), [&rows](std::size_t i, std::string_view field) { return rows[i].find(field); },
        q);
    std::vector<Row> sorted;
    sorted.reserve(rows.size());
    for (const auto k : positions) {
        sorted.push_back(std::move(rows[k]));
    }
    rows = std::move(sorted);
}

} // namespace invoicebox::sim
