// Client-side validation of order requests: refuse before sending what InvoiceBox would refuse.
#include "invoicebox/protocol/order_request.hpp"

namespace invoicebox::protocol {

namespace {

ApiError invalid(std::string code, std::string message, std::string field) {
    ApiError e;
    e.kind = ErrorKind::invalid_request;
    e.code = std::move(code);
    e.message = std::move(message);
    e.fields.push_back(FieldError{std::move(field), "wrong_value", ""});
    return e;
}

std::optional<ApiError> check_basket_fields(std::span<const BasketItem> items, Money amount,
                                            Money vat) {
    const auto violations = check_basket(items, amount, vat);
    if (violations.empty())
        return std::nullopt;
    ApiError e;
    e.kind = ErrorKind::invalid_request;
    e.code = std::string(violations.front().code());
    e.message = std::string(describe(violations.front().rule));
    for (const auto& v : violations)
        e.fields.push_back(
            FieldError{v.field, std::string(v.code()), std::string(describe(v.rule))});
    return e;
}

std::optional<ApiError> check_url(const std::optional<std::string>& url, const char* field) {
    if (url && url->size() > max_url)
        return invalid("wrong_value", std::string(field) + " is longer than 1000", field);
    return std::nullopt;
}

} // namespace

std::optional<ApiError> validate(const CreateOrderRequest& r) {
    if (r.merchant_id.empty())
        return invalid("wrong_value", "merchantId is empty", "merchantId");
    if (r.merchant_order_id.empty() || r.merchant_order_id.str().size() > max_merchant_order_id)
        return invalid("wrong_value", "merchantOrderId must have 1 to 100 characters",
                       "merchantOrderId");
    if (r.description.empty() || r.description.size() > max_description)
        return invalid("wrong_value", "description must have 1 to 1000 characters", "description");
    if (r.amount.currency != r.currency || r.vat_amount.currency != r.currency)
        return invalid("wrong_currency", "amount currency differs from currencyId", "currencyId");
    if (r.expiration_date == UtcTime{})
        return invalid("wrong_expiration_date", "expirationDate is not set", "expirationDate");
    for (const auto* u : {&r.notification_url, &r.success_url, &r.fail_url, &r.return_url})
        if (auto e = check_url(*u, u == &r.notification_url ? "notificationUrl"
                                   : u == &r.success_url    ? "successUrl"
                                   : u == &r.fail_url       ? "failUrl"
                                                            : "returnUrl"))
            return e;
    return check_basket_fields(r.basket_items, r.amount, r.vat_amount);
}

std::optional<ApiError> validate(const UpdateOrderRequest& r, Currency order_currency) {
    if (r.description && (r.description->empty() || r.description->size() > max_description))
        return invalid("wrong_value", "description must have 1 to 1000 characters", "description");
    if (r.basket) {
        if (r.basket->amount.currency != order_currency)
            return invalid("wrong_currency", "basket currency differs from the order's",
                           "currencyId");
        return check_basket_fields(r.basket->items, r.basket->amount, r.basket->vat_amount);
    }
    return std::nullopt;
}

} // namespace invoicebox::protocol
