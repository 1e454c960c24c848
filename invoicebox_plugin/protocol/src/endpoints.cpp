// InvoiceboxApi: request builders and response parsers.
#include "invoicebox/protocol/endpoints.hpp"

#include "invoicebox/protocol/order_codec.hpp"

namespace invoicebox::protocol {

namespace {

ApiError decode_failure(const HttpOutcome& o, const DecodeError& d) {
    std::string what = d.path.empty() ? d.message : d.path + ": " + d.message;
    return malformed_response(*o, "unexpected response shape: " + what);
}

// Some clients saw single objects wrapped in a one-element list (§9.3): accept both.
JsonValue& single(JsonValue& data) {
    if (auto* a = data.if_array(); a && a->size() == 1)
        return a->front();
    return data;
}

template <class T, class ReadOne>
Result<Page<T>> read_page(const HttpOutcome& o, ReadOne read_one, const JsonReadLimits& limits = {}) {
    auto env = read_envelope(o, limits);
    if (!env)
        return unexpected(std::move(env).error());
    auto* arr = env->data.if_array();
    if (!arr)
        return unexpected(malformed_response(*o, "`data` is not a list"));
    Page<T> page;
    page.meta = env->meta;
    page.items.reserve(arr->size());
    for (std::size_t i = 0; i < arr->size(); ++i) {
        // The envelope is ours: each item's tree moves into what is read from it.
        auto item = read_one(std::move((*arr)[i]), "data[" + std::to_string(i) + "]");
        if (!item)
            return unexpected(decode_failure(o, item.error()));
        page.items.push_back(std::move(item).value());
    }
    return page;
}

std::string id_segment(std::string_view id) {
    return "/" + percent_encode(id);
}

} // namespace

InvoiceboxApi::InvoiceboxApi(ClientConfig config) : config_(std::move(config)) {
    if (auto b = parse_base_url(config_.base_url)) {
        origin_ = b->origin();
        base_path_ = b->path_prefix;
    }
}

std::string InvoiceboxApi::url(const HttpRequest& r) const {
    return origin_ + r.target;
}

HttpRequest InvoiceboxApi::make(HttpMethod m, std::string path_and_query, std::string body) const {
    HttpRequest r;
    r.method = m;
    r.target = base_path_ + std::string(path_prefix(config_.flavour)) + path_and_query;
    r.headers.push_back({"Authorization", "Bearer " + config_.token});
    r.headers.push_back({"Accept", "application/json"});
    r.headers.push_back({"User-Agent", config_.user_agent});
    // Content-Type only with a body, like the MCP client; InvoiceBox accepts both (§1.4).
    if (m == HttpMethod::post || m == HttpMethod::put)
        r.headers.push_back({"Content-Type", "application/json"});
    r.body = std::move(body);
    return r;
}

HttpRequest InvoiceboxApi::check_auth() const {
    return make(HttpMethod::get, std::string(paths::auth));
}

Result<HttpRequest> InvoiceboxApi::create_order(const CreateOrderRequest& r) const {
    if (auto e = validate(r))
        return unexpected(std::move(*e));
    return make(HttpMethod::post, std::string(paths::order), create_order_body(r));
}

HttpRequest InvoiceboxApi::find_orders(const OrderFilter& f) const {
    return make(HttpMethod::get, std::string(paths::find_orders) + to_query(f, config_.paging));
}

HttpRequest InvoiceboxApi::find_order_by_id(const OrderId& id) const {
    OrderFilter f;
    f.ids.push_back(id);
    return find_orders(f);
}

HttpRequest InvoiceboxApi::find_orders_by_merchant_order_id(const MerchantOrderId& id) const {
    OrderFilter f;
    f.merchant_order_id = id;
    // merchantOrderId should be unique, but InvoiceBox may not enforce it (§9.2 item 5): ask for
    // enough rows to see every duplicate.
    f.paging = Paging{1, 100};
    return find_orders(f);
}

Result<HttpRequest> InvoiceboxApi::update_order(const OrderId& id, const UpdateOrderRequest& r,
                                                Currency order_currency) const {
    if (auto e = validate(r, order_currency))
        return unexpected(std::move(*e));
    return make(HttpMethod::put, std::string(paths::order) + id_segment(id.str()),
                update_order_body(r));
}

HttpRequest InvoiceboxApi::cancel_order(const OrderId& id) const {
    return make(HttpMethod::delete_, std::string(paths::order) + id_segment(id.str()));
}

HttpRequest InvoiceboxApi::refundable_items(const OrderId& id) const {
    return make(HttpMethod::get, std::string(paths::order) + id_segment(id.str()) +
                                     std::string(paths::refund_basket_item_suffix));
}

Result<HttpRequest> InvoiceboxApi::create_refund(const CreateRefundRequest& r) const {
    if (auto e = validate(r))
        return unexpected(std::move(*e));
    return make(HttpMethod::post, std::string(paths::refund_order), create_refund_body(r));
}

HttpRequest InvoiceboxApi::list_refunds(const RefundFilter& f) const {
    return make(HttpMethod::get, std::string(paths::find_refunds) + to_query(f, config_.paging));
}

Result<AuthInfo> InvoiceboxApi::parse_check_auth(const HttpOutcome& o) {
    auto env = read_envelope(o);
    if (!env)
        return unexpected(std::move(env).error());
    const auto* user = env->data.find("userId");
    if (!user || user->is_null() || (user->if_string() && user->if_string()->empty())) {
        ApiError e;
        e.kind = ErrorKind::not_authenticated;
        e.http_status = o->status;
        e.message = "token not accepted (userId is null): no token sent, or the wrong v3/l3 prefix";
        return unexpected(std::move(e));
    }
    if (!user->if_string())
        return unexpected(malformed_response(*o, "userId is not a string"));
    return AuthInfo{*user->if_string()};
}

Result<Order> InvoiceboxApi::parse_order(const HttpOutcome& o) {
    auto env = read_envelope(o);
    if (!env)
        return unexpected(std::move(env).error());
    auto order = read_order(std::move(single(env->data)), "data");
    if (!order)
        return unexpected(decode_failure(o, order.error()));
    return std::move(order).value();
}

Result<Page<Order>> InvoiceboxApi::parse_orders(const HttpOutcome& o, OrderListDetail detail) {
    JsonReadLimits limits;
    if (detail == OrderListDetail::without_basket_items)
        limits.skip_member = "basketItems"; // read_order: an order without one has an empty basket
    return read_page<Order>(
        o, [](JsonValue&& v, const std::string& path) { return read_order(std::move(v), path); }, limits);
}

Result<std::vector<BasketItem>> InvoiceboxApi::parse_refundable_items(const HttpOutcome& o,
                                                                      Currency c) {
    auto env = read_envelope(o);
    if (!env)
        return unexpected(std::move(env).error());
    auto items = read_basket_items(env->data, c, "data");
    if (!items)
        return unexpected(decode_failure(o, items.error()));
    return std::move(items).value();
}

Result<Refund> InvoiceboxApi::parse_refund(const HttpOutcome& o, Currency c) {
    auto env = read_envelope(o);
    if (!env)
        return unexpected(std::move(env).error());
    auto refund = read_refund(std::move(single(env->data)), c, "data");
    if (!refund)
        return unexpected(decode_failure(o, refund.error()));
    return std::move(refund).value();
}

Result<Page<Refund>> InvoiceboxApi::parse_refunds(const HttpOutcome& o, Currency c) {
    return read_page<Refund>(
        o, [c](JsonValue&& v, const std::string& path) { return read_refund(std::move(v), c, path); });
}

} // namespace invoicebox::protocol
