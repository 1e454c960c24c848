// Query strings for the list endpoints.
#include "invoicebox/protocol/filter.hpp"


namespace invoicebox::protocol {

namespace {

void add_paging(QueryString& q, const std::optional<Paging>& p, PagingStyle style) {
    if (!p)
        return;
    const auto page = std::to_string(p->page);
    const auto size = std::to_string(p->page_size);
    if (style != PagingStyle::plain) {
        q.add("_page", page);
        q.add("_pageSize", size);
    }
    if (style != PagingStyle::underscore) {
        q.add("page", page);
        q.add("pageSize", size);
    }
}

void add_sort(QueryString& q, const std::vector<SortKey>& sort) {
    for (const auto& s : sort)
        q.add("_order[" + s.field + "]", s.descending ? "desc" : "asc");
}

// One value as `name=v`, several as `name[]=v1&name[]=v2`.
template <class Range, class Fn>
void add_set(QueryString& q, std::string_view name, const Range& values, Fn to_text) {
    if (values.size() == 1) {
        q.add(name, to_text(values.front()));
        return;
    }
    for (const auto& v : values)
        q.add(std::string(name) + "[]", to_text(v));
}

void add_time(QueryString& q, std::string_view name, const std::optional<UtcTime>& t) {
    if (t)
        q.add(name, format_timestamp(*t));
}

} // namespace

std::string percent_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                                c == '~';
        if (unreserved) {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    return out;
}

QueryString& QueryString::add(std::string_view name, std::string_view value) {
    if (!q_.empty())
        q_ += '&';
    q_ += percent_encode(name);
    q_ += '=';
    q_ += percent_encode(value);
    return *this;
}

std::string to_query(const OrderFilter& f, PagingStyle style) {
    QueryString q;
    add_set(q, "id", f.ids, [](const OrderId& id) { return id.str(); });
    if (f.merchant_order_id)
        q.add("merchantOrderId", f.merchant_order_id->str());
    if (f.merchant_id)
        q.add("merchantId", f.merchant_id->str());
    add_set(q, "status", f.statuses, [](const std::string& s) { return s; });
    add_time(q, "createdAt[_ge]", f.created_from);
    add_time(q, "createdAt[_lt]", f.created_before);
    add_time(q, "paidAt[_ge]", f.paid_from);
    add_time(q, "paidAt[_lt]", f.paid_before);
    add_time(q, "expirationDate[_ge]", f.expires_from);
    add_time(q, "expirationDate[_lt]", f.expires_before);
    add_sort(q, f.sort);
    add_paging(q, f.paging, style);
    return q.str();
}

std::string to_query(const RefundFilter& f, PagingStyle style) {
    QueryString q;
    add_set(q, "id", f.ids, [](const std::string& s) { return s; });
    if (f.parent_id)
        q.add("parentId", f.parent_id->str());
    if (f.merchant_order_id)
        q.add("merchantOrderId", f.merchant_order_id->str());
    if (f.merchant_id)
        q.add("merchantId", f.merchant_id->str());
    add_set(q, "status", f.statuses, [](const std::string& s) { return s; });
    add_sort(q, f.sort);
    add_paging(q, f.paging, style);
    return q.str();
}

} // namespace invoicebox::protocol
