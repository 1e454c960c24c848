// Query strings for the list endpoints.
#include "invoicebox/protocol/filter.hpp"

#include "invoicebox/protocol/detail/decimal.hpp"

#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

#include <functional>
#include <limits>

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

namespace {

// Decoded (name, value) pairs of a query.
Expected<std::vector<std::pair<std::string, std::string>>, std::string>
decode_query(std::string_view query) {
    if (!query.empty() && query.front() == '?')
        query.remove_prefix(1);
    std::vector<std::pair<std::string, std::string>> out;
    if (query.empty())
        return out;
    // Many clients send `status[]=a` with raw brackets (and some raw spaces or UTF-8), which
    // RFC 3986 does not allow in a query; encode those characters first instead of refusing.
    std::string lenient;
    for (char ch : query) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7f ||
            std::string_view("[]\"<>`{}|\\^").find(ch) != std::string_view::npos) {
            static constexpr char hex[] = "0123456789ABCDEF";
            lenient += '%';
            lenient += hex[c >> 4];
            lenient += hex[c & 0xF];
        } else {
            lenient += ch;
        }
    }
    auto encoded = boost::urls::parse_query(lenient);
    if (!encoded)
        return unexpected(std::string("malformed query: ") + encoded.error().message());
    boost::urls::encoding_opts opt;
    opt.space_as_plus = true;
    for (const auto& p : boost::urls::params_view(*encoded, opt))
        out.emplace_back(p.key, p.value);
    return out;
}

// Handles the parameters both filters share; returns false when `name` is not one of them.
template <class Filter>
Expected<bool, std::string> common_param(Filter& f, const std::string& name,
                                         const std::string& value) {
    auto number = [&](std::int64_t& out) -> Expected<bool, std::string> {
        auto v = detail::parse_scaled(value, 0, std::numeric_limits<std::int32_t>::max());
        if (!v || *v < 1)
            return unexpected(name + ": not a positive integer");
        out = *v;
        return true;
    };
    if (name == "_page" || name == "page") {
        if (!f.paging)
            f.paging = Paging{};
        return number(f.paging->page);
    }
    if (name == "_pageSize" || name == "pageSize") {
        if (!f.paging)
            f.paging = Paging{};
        return number(f.paging->page_size);
    }
    if (name.starts_with("_order[") && name.ends_with("]")) {
        if (value != "asc" && value != "desc")
            return unexpected(name + ": expected asc or desc");
        f.sort.push_back(SortKey{name.substr(7, name.size() - 8), value == "desc"});
        return true;
    }
    if (name == "status" || name == "status[]") {
        f.statuses.push_back(value);
        return true;
    }
    if (name == "merchantOrderId") {
        f.merchant_order_id = MerchantOrderId(value);
        return true;
    }
    if (name == "merchantId") {
        f.merchant_id = MerchantId(value);
        return true;
    }
    return false;
}

template <class Filter, class Specific>
Expected<ParsedFilter<Filter>, std::string> parse_filter(std::string_view query,
                                                         Specific specific) {
    auto params = decode_query(query);
    if (!params)
        return unexpected(std::move(params).error());
    ParsedFilter<Filter> parsed;
    for (const auto& [name, value] : *params) {
        auto common = common_param(parsed.filter, name, value);
        if (!common)
            return unexpected(std::move(common).error());
        if (*common)
            continue;
        auto own = specific(parsed.filter, name, value);
        if (!own)
            return unexpected(std::move(own).error());
        if (!*own)
            parsed.unrecognised.push_back(name + "=" + value);
    }
    return parsed;
}

} // namespace

Expected<ParsedFilter<OrderFilter>, std::string> parse_order_filter(std::string_view query) {
    return parse_filter<OrderFilter>(
        query,
        [](OrderFilter& f, const std::string& name,
           const std::string& value) -> Expected<bool, std::string> {
            if (name == "id" || name == "id[]") {
                f.ids.emplace_back(value);
                return true;
            }
            static const std::pair<std::string_view, std::optional<UtcTime> OrderFilter::*>
                times[] = {
                    {"createdAt[_ge]", &OrderFilter::created_from},
                    {"createdAt[_lt]", &OrderFilter::created_before},
                    {"paidAt[_ge]", &OrderFilter::paid_from},
                    {"paidAt[_lt]", &OrderFilter::paid_before},
                    {"expirationDate[_ge]", &OrderFilter::expires_from},
                    {"expirationDate[_lt]", &OrderFilter::expires_before},
                };
            for (const auto& [key, member] : times) {
                if (name != key)
                    continue;
                const auto t = parse_timestamp(value);
                if (!t)
                    return unexpected(name + ": not an RFC 3339 date-time");
                f.*member = *t;
                return true;
            }
            return false;
        });
}

Expected<ParsedFilter<RefundFilter>, std::string> parse_refund_filter(std::string_view query) {
    return parse_filter<RefundFilter>(query,
                                      [](RefundFilter& f, const std::string& name,
                                         const std::string& value) -> Expected<bool, std::string> {
                                          if (name == "id" || name == "id[]") {
                                              f.ids.push_back(value);
                                              return true;
                                          }
                                          if (name == "parentId") {
                                              f.parent_id = OrderId(value);
                                              return true;
                                          }
                                          return false;
                                      });
}

} // namespace invoicebox::protocol
