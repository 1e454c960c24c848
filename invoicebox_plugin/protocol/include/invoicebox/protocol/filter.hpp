// Filters for the list endpoints (GET /v3/filter/api/...), turned into query strings the way
// invoicebox-api.md §1.6 describes: `status=created`, `status[]=a&status[]=b`,
// `createdAt[_ge]=...`, `_order[createdAt]=desc`, paging `_page`/`_pageSize` and/or
// `page`/`pageSize`. Names and values are percent-encoded (brackets as %5B/%5D, `+` of an
// offset as %2B, which would otherwise arrive as a space).
#pragma once

#include "invoicebox/protocol/client_config.hpp"
#include "invoicebox/protocol/expected.hpp"
#include "invoicebox/protocol/ids.hpp"
#include "invoicebox/protocol/timestamp.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::protocol {

struct Paging {
    std::int64_t page = 1;       ///< 1-based
    std::int64_t page_size = 30; ///< InvoiceBox's default
};

struct SortKey {
    std::string field; ///< e.g. "createdAt"
    bool descending = false;
};

struct OrderFilter {
    std::vector<OrderId> ids;
    std::optional<MerchantOrderId> merchant_order_id;
    std::optional<MerchantId> merchant_id;
    std::vector<std::string> statuses;     ///< wire values, e.g. "completed"
    std::optional<UtcTime> created_from;   ///< createdAt[_ge]
    std::optional<UtcTime> created_before; ///< createdAt[_lt]
    std::optional<UtcTime> paid_from;      ///< paidAt[_ge]
    std::optional<UtcTime> paid_before;    ///< paidAt[_lt]
    std::optional<UtcTime> expires_from;   ///< expirationDate[_ge]
    std::optional<UtcTime> expires_before; ///< expirationDate[_lt]
    std::optional<Paging> paging;
    std::vector<SortKey> sort;
};

struct RefundFilter {
    std::vector<std::string> ids;
    std::optional<OrderId> parent_id;
    std::optional<MerchantOrderId> merchant_order_id;
    std::optional<MerchantId> merchant_id;
    std::vector<std::string> statuses;
    std::optional<Paging> paging;
    std::vector<SortKey> sort;
};

/// RFC 3986 percent-encoding of everything but unreserved characters.
std::string percent_encode(std::string_view s);

/// Accumulates `name=value` pairs, encoded.
class QueryString {
  public:
    QueryString& add(std::string_view name, std::string_view value);
    /// "" when empty, else "?a=b&c=d".
    std::string str() const { return q_.empty() ? std::string() : "?" + q_; }

  private:
    std::string q_;
};

/// The query part (with '?') for a filter.
std::string to_query(const OrderFilter& f, PagingStyle style);
std::string to_query(const RefundFilter& f, PagingStyle style);

} // namespace invoicebox::protocol
