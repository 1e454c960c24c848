// InvoiceboxApi: the sans-I/O client. Builders turn typed requests into HttpRequest values;
// parsers turn what the transport delivered (HttpOutcome) into Result<T>. Whoever owns the
// sockets (the host's pms.http/1, a test) sends the request to url(request) and hands back the
// response; nothing here blocks, reads a clock or touches the network.
//
// Endpoints (invoicebox-api.md §2; "/v3" or "/l3" by ClientConfig::flavour):
//   check_auth           GET    /v3/security/api/auth/auth
//   create_order         POST   /v3/billing/api/order/order
//   find_orders          GET    /v3/filter/api/order/order?...
//   update_order         PUT    /v3/billing/api/order/order/{id}
//   cancel_order         DELETE /v3/billing/api/order/order/{id}
//   refundable_items     GET    /v3/billing/api/order/order/{id}/refund-basket-item
//   create_refund        POST   /v3/billing/api/order/refund-order
//   list_refunds         GET    /v3/filter/api/order/refund-order?...
#pragma once

#include "invoicebox/protocol/client_config.hpp"
#include "invoicebox/protocol/envelope.hpp"
#include "invoicebox/protocol/filter.hpp"
#include "invoicebox/protocol/http_message.hpp"
#include "invoicebox/protocol/order.hpp"
#include "invoicebox/protocol/order_request.hpp"
#include "invoicebox/protocol/refund.hpp"
#include "invoicebox/protocol/result.hpp"

#include <string>
#include <vector>

namespace invoicebox::protocol {

/// Result of the token check: the API user id behind the token.
struct AuthInfo {
    std::string user_id;
};

/// Endpoint paths below the flavour prefix.
namespace paths {
inline constexpr std::string_view auth = "/security/api/auth/auth";
inline constexpr std::string_view order = "/billing/api/order/order";
inline constexpr std::string_view find_orders = "/filter/api/order/order";
inline constexpr std::string_view refund_order = "/billing/api/order/refund-order";
inline constexpr std::string_view find_refunds = "/filter/api/order/refund-order";
inline constexpr std::string_view refund_basket_item_suffix = "/refund-basket-item";
} // namespace paths

class InvoiceboxApi {
  public:
    /// The config should have passed validate(); an invalid base URL yields bare targets.
    explicit InvoiceboxApi(ClientConfig config);

    const ClientConfig& config() const noexcept { return config_; }
    /// "https://api.invoicebox.ru" (+ base path) + request.target.
    std::string url(const HttpRequest& r) const;

    // ---- builders ----
    HttpRequest check_auth() const;
    /// Validates first (basket checks, lengths): an invalid request never leaves the process.
    Result<HttpRequest> create_order(const CreateOrderRequest& r) const;
    HttpRequest find_orders(const OrderFilter& f) const;
    HttpRequest find_order_by_id(const OrderId& id) const;
    /// The recovery lookup after a create with an unknown outcome.
    HttpRequest find_orders_by_merchant_order_id(const MerchantOrderId& id) const;
    Result<HttpRequest> update_order(const OrderId& id, const UpdateOrderRequest& r,
                                     Currency order_currency) const;
    HttpRequest cancel_order(const OrderId& id) const;
    HttpRequest refundable_items(const OrderId& id) const;
    Result<HttpRequest> create_refund(const CreateRefundRequest& r) const;
    HttpRequest list_refunds(const RefundFilter& f) const;

    // ---- parsers ----
    /// 200 with `userId: null` is ErrorKind::not_authenticated: no token or the wrong v3/l3 prefix.
    static Result<AuthInfo> parse_check_auth(const HttpOutcome& o);
    /// Create, update and cancel answer with one order.
    static Result<Order> parse_order(const HttpOutcome& o);
    /// A page of orders. `without_basket_items` leaves every order's `basketItems` unread (it
    /// is still checked to be JSON, its items are not): `basket_items` comes back empty and
    /// `raw` without it. For a reader that only judges status and money (a poll pass reads
    /// pages of 50 orders whose baskets are most of their bytes).
    enum class OrderListDetail { full, without_basket_items };
    static Result<Page<Order>> parse_orders(const HttpOutcome& o, OrderListDetail detail = OrderListDetail::full);
    /// The response carries no currency: pass the order's.
    static Result<std::vector<BasketItem>> parse_refundable_items(const HttpOutcome& o,
                                                                  Currency currency);
    static Result<Refund> parse_refund(const HttpOutcome& o, Currency currency);
    static Result<Page<Refund>> parse_refunds(const HttpOutcome& o, Currency currency);

  private:
    HttpRequest make(HttpMethod m, std::string path_and_query, std::string body = {}) const;

    ClientConfig config_;
    std::string origin_;    ///< scheme://host[:port]
    std::string base_path_; ///< path of base_url, e.g. "" or "/sim"
};

} // namespace invoicebox::protocol
