// Order and order-request JSON codec.
#include "invoicebox/protocol/order_codec.hpp"

#include "invoicebox/protocol/detail/json_fields.hpp"
#include "invoicebox/protocol/detail/try.hpp"

namespace invoicebox::protocol {

using namespace detail;

namespace {

Expected<Currency, DecodeError> req_currency(const JsonObject& o, std::string_view path) {
    IB_TRY(text, req_string(o, "currencyId", path));
    const auto c = currency_from_alpha(text);
    if (!c)
        return unexpected(
            DecodeError{join_path(path, "currencyId"), "unsupported currency: " + text});
    return *c;
}

// Lenient time: absent, null or unparsable -> nullopt (see Order).
std::optional<UtcTime> lenient_time(const JsonObject& o, std::string_view key) {
    const auto* v = present(o, key);
    if (!v || !v->if_string())
        return std::nullopt;
    return parse_timestamp(*v->if_string());
}

Expected<UtcTime, DecodeError> req_time(const JsonObject& o, std::string_view key,
                                        std::string_view path) {
    IB_TRY(text, req_string(o, key, path));
    const auto t = parse_timestamp(text);
    if (!t)
        return unexpected(DecodeError{join_path(path, key), "not an RFC 3339 date-time: " + text});
    return *t;
}

Expected<std::optional<UtcTime>, DecodeError> opt_time(const JsonObject& o, std::string_view key,
                                                       std::string_view path) {
    IB_TRY(text, opt_string(o, key, path));
    if (!text)
        return std::optional<UtcTime>{};
    const auto t = parse_timestamp(*text);
    if (!t)
        return unexpected(DecodeError{join_path(path, key), "not an RFC 3339 date-time: " + *text});
    return std::optional<UtcTime>{*t};
}

std::optional<JsonValue> opt_value(const JsonObject& o, std::string_view key) {
    if (const auto* v = present(o, key))
        return *v;
    return std::nullopt;
}

void member_opt_value(JsonWriter& w, std::string_view key, const std::optional<JsonValue>& v) {
    if (v)
        w.key(key).value(*v);
}

void member_opt_time(JsonWriter& w, std::string_view key, const std::optional<UtcTime>& t) {
    if (t)
        w.member(key, format_timestamp(*t));
}

void member_opt_bool(JsonWriter& w, std::string_view key, const std::optional<bool>& b) {
    if (b)
        w.member_bool(key, *b);
}

Expected<std::vector<BasketItem>, DecodeError> opt_basket(const JsonObject& o, Currency c,
                                                          std::string_view path) {
    const auto* v = present(o, "basketItems");
    if (!v)
        return std::vector<BasketItem>{};
    return read_basket_items(*v, c, join_path(path, "basketItems"));
}

} // namespace

Expected<Customer, DecodeError> read_customer(const JsonValue& v, std::string_view path) {
    const auto* o = v.if_object();
    if (!o)
        return unexpected(DecodeError{std::string(path), "expected an object"});
    Customer c;
    IB_TRY(type, opt_string(*o, "type", path));
    IB_TRY(name, opt_string(*o, "name", path));
    IB_TRY(phone, opt_string_or_number(*o, "phone", path));
    IB_TRY(email, opt_string(*o, "email", path));
    IB_TRY(vat, opt_string_or_number(*o, "vatNumber", path));
    IB_TRY(kpp, opt_string_or_number(*o, "taxRegistrationReasonCode", path));
    IB_TRY(address, opt_string(*o, "registrationAddress", path));
    IB_TRY(country, opt_string(*o, "countryId", path));
    c.type = std::move(type);
    c.name = std::move(name);
    c.phone = std::move(phone);
    c.email = std::move(email);
    c.vat_number = std::move(vat);
    c.tax_registration_reason_code = std::move(kpp);
    c.registration_address = std::move(address);
    c.country_id = std::move(country);
    return c;
}

void write_customer(JsonWriter& w, const Customer& c) {
    w.begin_object();
    w.member_opt("type", c.type);
    w.member_opt("name", c.name);
    w.member_opt("phone", c.phone);
    w.member_opt("email", c.email);
    w.member_opt("vatNumber", c.vat_number);
    w.member_opt("taxRegistrationReasonCode", c.tax_registration_reason_code);
    w.member_opt("registrationAddress", c.registration_address);
    w.member_opt("countryId", c.country_id);
    w.end_object();
}

namespace {

// Every typed field; `raw` is left to the caller (copied or moved in).
Expected<Order, DecodeError> read_order_fields(const JsonValue& v, std::string_view path) {
    const auto* o = v.if_object();
    if (!o)
        return unexpected(DecodeError{std::string(path), "expected an order object"});
    Order r;
    IB_TRY(id, req_string(*o, "id", path));
    IB_TRY(currency, req_currency(*o, path));
    IB_TRY(amount, req_money(*o, "amount", currency, path));
    IB_TRY(vat, opt_money(*o, "vatAmount", currency, path));
    IB_TRY(status, req_string(*o, "status", path));
    IB_TRY(merchant_id, opt_string(*o, "merchantId", path));
    IB_TRY(moid, opt_string_or_number(*o, "merchantOrderId", path));
    IB_TRY(moid_visible, opt_string_or_number(*o, "merchantOrderIdVisible", path));
    IB_TRY(container, opt_string(*o, "orderContainerId", path));
    IB_TRY(description, opt_string(*o, "description", path));
    IB_TRY(items, opt_basket(*o, currency, path));
    IB_TRY(subtype, opt_string(*o, "subtype", path));
    IB_TRY(processing, opt_string(*o, "processingStatus", path));
    IB_TRY(payment_url, opt_string(*o, "paymentUrl", path));
    IB_TRY(success_url, opt_string(*o, "successUrl", path));
    IB_TRY(fail_url, opt_string(*o, "failUrl", path));
    IB_TRY(return_url, opt_string(*o, "returnUrl", path));
    IB_TRY(notification_url, opt_string(*o, "notificationUrl", path));
    IB_TRY(language, opt_string(*o, "languageId", path));
    IB_TRY(processable, opt_bool(*o, "processable", path));
    IB_TRY(shop_id, opt_string_or_number(*o, "shopId", path));
    r.id = OrderId(std::move(id));
    r.merchant_id = MerchantId(merchant_id.value_or(""));
    r.merchant_order_id = MerchantOrderId(moid.value_or(""));
    r.merchant_order_id_visible = std::move(moid_visible);
    if (container)
        r.order_container_id = OrderContainerId(std::move(*container));
    r.description = std::move(description);
    r.amount = amount;
    r.vat_amount = vat;
    r.basket_items = std::move(items);
    r.status = OrderStatus(std::move(status));
    r.subtype = std::move(subtype);
    r.processing_status = std::move(processing);
    r.created_at = lenient_time(*o, "createdAt");
    r.paid_at = lenient_time(*o, "paidAt");
    r.expiration_date = lenient_time(*o, "expirationDate");
    r.payment_url = std::move(payment_url);
    r.success_url = std::move(success_url);
    r.fail_url = std::move(fail_url);
    r.return_url = std::move(return_url);
    r.notification_url = std::move(notification_url);
    r.language_id = std::move(language);
    if (const auto* c = present(*o, "customer")) {
        IB_TRY(customer, read_customer(*c, join_path(path, "customer")));
        r.customer = std::move(customer);
    }
    r.processable = processable;
    r.shop_id = std::move(shop_id);
    r.file_ids = opt_value(*o, "fileIds");
    r.meta_data = opt_value(*o, "metaData");
    return r;
}

} // namespace

Expected<Order, DecodeError> read_order(const JsonValue& v, std::string_view path) {
    auto r = read_order_fields(v, path);
    if (r)
        r->raw = v;
    return r;
}

Expected<Order, DecodeError> read_order(JsonValue&& v, std::string_view path) {
    auto r = read_order_fields(v, path);
    if (r)
        r->raw = std::move(v);
    return r;
}

void write_order(JsonWriter& w, const Order& o) {
    w.begin_object();
    w.member("id", o.id.str());
    w.member_opt("description", o.description);
    w.member("currencyId", alpha_code(o.currency()));
    w.member_amount("amount", o.amount);
    if (o.vat_amount)
        w.member_amount("vatAmount", *o.vat_amount);
    w.key("basketItems");
    write_basket_items(w, o.basket_items);
    if (o.order_container_id)
        w.member("orderContainerId", o.order_container_id->str());
    w.member("merchantId", o.merchant_id.str());
    w.member("status", o.status.wire());
    w.member_opt("subtype", o.subtype);
    w.member_opt("processingStatus", o.processing_status);
    member_opt_time(w, "createdAt", o.created_at);
    member_opt_time(w, "paidAt", o.paid_at);
    w.member("merchantOrderId", o.merchant_order_id.str());
    w.member_opt("merchantOrderIdVisible", o.merchant_order_id_visible);
    member_opt_time(w, "expirationDate", o.expiration_date);
    member_opt_value(w, "fileIds", o.file_ids);
    w.member_opt("successUrl", o.success_url);
    w.member_opt("failUrl", o.fail_url);
    w.member_opt("returnUrl", o.return_url);
    w.member_opt("notificationUrl", o.notification_url);
    w.member_opt("paymentUrl", o.payment_url);
    if (o.customer) {
        w.key("customer");
        write_customer(w, *o.customer);
    }
    w.member_opt("languageId", o.language_id);
    member_opt_bool(w, "processable", o.processable);
    w.member_opt("shopId", o.shop_id);
    member_opt_value(w, "metaData", o.meta_data);
    w.end_object();
}

std::string order_json(const Order& o) {
    JsonWriter w;
    write_order(w, o);
    return w.take();
}

void CreateOrderRequest::set_basket(const Basket& b) {
    basket_items = b.items;
    amount = b.amount;
    vat_amount = b.vat_amount;
    currency = b.amount.currency;
}

void write_create_order_request(JsonWriter& w, const CreateOrderRequest& r) {
    w.begin_object();
    w.member("merchantId", r.merchant_id.str());
    w.member("merchantOrderId", r.merchant_order_id.str());
    w.member_opt("merchantOrderIdVisible", r.merchant_order_id_visible);
    w.member("description", r.description);
    w.member_amount("amount", r.amount);
    w.member_amount("vatAmount", r.vat_amount);
    w.member("currencyId", alpha_code(r.currency));
    w.member_opt("languageId", r.language_id);
    w.member("expirationDate", format_timestamp(r.expiration_date));
    w.key("basketItems");
    write_basket_items(w, r.basket_items);
    w.key("customer");
    write_customer(w, r.customer);
    w.member_opt("successUrl", r.success_url);
    w.member_opt("failUrl", r.fail_url);
    w.member_opt("returnUrl", r.return_url);
    w.member_opt("notificationUrl", r.notification_url);
    member_opt_value(w, "metaData", r.meta_data);
    member_opt_value(w, "invoiceSetting", r.invoice_setting);
    member_opt_value(w, "orderSetting", r.order_setting);
    w.member_opt("orderContainerId", r.order_container_id);
    w.member_opt("parentId", r.parent_id);
    w.member_opt("shopId", r.shop_id);
    w.member_opt("userAccountId", r.user_account_id);
    member_opt_bool(w, "processable", r.processable);
    w.end_object();
}

std::string create_order_body(const CreateOrderRequest& r) {
    JsonWriter w;
    write_create_order_request(w, r);
    return w.take();
}

Expected<CreateOrderRequest, DecodeError> read_create_order_request(const JsonValue& v) {
    const auto* o = v.if_object();
    if (!o)
        return unexpected(DecodeError{"", "expected an object"});
    CreateOrderRequest r;
    IB_TRY(merchant_id, req_string(*o, "merchantId", ""));
    IB_TRY(moid, req_string(*o, "merchantOrderId", ""));
    IB_TRY(moid_visible, opt_string(*o, "merchantOrderIdVisible", ""));
    IB_TRY(description, req_string(*o, "description", ""));
    IB_TRY(currency, req_currency(*o, ""));
    IB_TRY(amount, req_money(*o, "amount", currency, ""));
    IB_TRY(vat, req_money(*o, "vatAmount", currency, ""));
    IB_TRY(language, opt_string(*o, "languageId", ""));
    IB_TRY(expiration, req_time(*o, "expirationDate", ""));
    const auto* items_v = present(*o, "basketItems");
    if (!items_v)
        return unexpected(DecodeError{"basketItems", "missing"});
    IB_TRY(items, read_basket_items(*items_v, currency, "basketItems"));
    IB_TRY(success_url, opt_string(*o, "successUrl", ""));
    IB_TRY(fail_url, opt_string(*o, "failUrl", ""));
    IB_TRY(return_url, opt_string(*o, "returnUrl", ""));
    IB_TRY(notification_url, opt_string(*o, "notificationUrl", ""));
    IB_TRY(container, opt_string(*o, "orderContainerId", ""));
    IB_TRY(parent, opt_string(*o, "parentId", ""));
    IB_TRY(shop, opt_string_or_number(*o, "shopId", ""));
    IB_TRY(account, opt_string(*o, "userAccountId", ""));
    IB_TRY(processable, opt_bool(*o, "processable", ""));
    r.merchant_id = MerchantId(std::move(merchant_id));
    r.merchant_order_id = MerchantOrderId(std::move(moid));
    r.merchant_order_id_visible = std::move(moid_visible);
    r.description = std::move(description);
    r.currency = currency;
    r.amount = amount;
    r.vat_amount = vat;
    r.language_id = std::move(language);
    r.expiration_date = expiration;
    r.basket_items = std::move(items);
    if (const auto* c = present(*o, "customer")) {
        IB_TRY(customer, read_customer(*c, "customer"));
        r.customer = std::move(customer);
    }
    r.success_url = std::move(success_url);
    r.fail_url = std::move(fail_url);
    r.return_url = std::move(return_url);
    r.notification_url = std::move(notification_url);
    r.meta_data = opt_value(*o, "metaData");
    r.invoice_setting = opt_value(*o, "invoiceSetting");
    r.order_setting = opt_value(*o, "orderSetting");
    r.order_container_id = std::move(container);
    r.parent_id = std::move(parent);
    r.shop_id = std::move(shop);
    r.user_account_id = std::move(account);
    r.processable = processable;
    return r;
}

void write_update_order_request(JsonWriter& w, const UpdateOrderRequest& r) {
    w.begin_object();
    w.member_opt("description", r.description);
    if (r.basket) {
        w.member_amount("amount", r.basket->amount);
        w.member_amount("vatAmount", r.basket->vat_amount);
    }
    member_opt_time(w, "expirationDate", r.expiration_date);
    if (r.basket) {
        w.key("basketItems");
        write_basket_items(w, r.basket->items);
    }
    member_opt_value(w, "metaData", r.meta_data);
    if (r.customer) {
        w.key("customer");
        write_customer(w, *r.customer);
    }
    w.member_opt("shopId", r.shop_id);
    w.end_object();
}

std::string update_order_body(const UpdateOrderRequest& r) {
    JsonWriter w;
    write_update_order_request(w, r);
    return w.take();
}

Expected<UpdateOrderRequest, DecodeError> read_update_order_request(const JsonValue& v,
                                                                    Currency currency) {
    const auto* o = v.if_object();
    if (!o)
        return unexpected(DecodeError{"", "expected an object"});
    UpdateOrderRequest r;
    IB_TRY(description, opt_string(*o, "description", ""));
    IB_TRY(expiration, opt_time(*o, "expirationDate", ""));
    IB_TRY(amount, opt_money(*o, "amount", currency, ""));
    IB_TRY(vat, opt_money(*o, "vatAmount", currency, ""));
    IB_TRY(shop, opt_string_or_number(*o, "shopId", ""));
    r.description = std::move(description);
    r.expiration_date = expiration;
    if (const auto* items_v = present(*o, "basketItems")) {
        IB_TRY(items, read_basket_items(*items_v, currency, "basketItems"));
        if (!amount)
            return unexpected(DecodeError{"amount", "missing (required with basketItems)"});
        if (!vat)
            return unexpected(DecodeError{"vatAmount", "missing (required with basketItems)"});
        Basket b;
        b.items = std::move(items);
        b.amount = *amount;
        b.vat_amount = *vat;
        r.basket = std::move(b);
    }
    if (const auto* c = present(*o, "customer")) {
        IB_TRY(customer, read_customer(*c, "customer"));
        r.customer = std::move(customer);
    }
    r.meta_data = opt_value(*o, "metaData");
    r.shop_id = std::move(shop);
    return r;
}

} // namespace invoicebox::protocol
