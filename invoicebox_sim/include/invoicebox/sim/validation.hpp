// Request validation: what InvoiceBox refuses, with the documented codes (invoicebox-api.md
// §2.2, §2.4, §2.7b, §2.12, §4.1, §4.3).
//
// Order of the checks for a create: shape and required members (422 `validation_error`),
// currency (`wrong_currency`), language (`language_not_found`), expiration date
// (`wrong_expiration_date`: unreadable, without offset, or not in the future), then the basket:
// the first violation of the five reconciliation rules (basket_rules.hpp, with their 422
// codes). Fields outside the documented request are ignored and not echoed, as a typed
// request DTO would; `orderSetting.roundPolicy` is echoed but every basket is checked strictly.
#pragma once

#include "invoicebox/sim/api_error.hpp"
#include "invoicebox/sim/clock.hpp"
#include "invoicebox/sim/model.hpp"

#include "invoicebox/sim/json.hpp"

#include <optional>
#include <string>

namespace invoicebox::sim {

// A create-order request that passed validation; the server facts are still to be added.
struct OrderInput {
    JsonObject fields; // normalised client members (orderContainerId excluded)
    std::string merchant_id;
    std::string merchant_order_id;
    std::optional<std::string> container_id; // join an existing invoice
    std::string currency = "RUB"; // currencyId as sent
    std::int64_t amount_minor = 0;
    std::int64_t vat_minor = 0;
    std::vector<BasketLine> items;
    Instant expires_at;
};

Expected<OrderInput, ApiError> validate_create_order(const JsonValue& body,
                                                               Instant now);

// PUT: applies the documented updatable members (description, amount, vatAmount,
// expirationDate, basketItems, metaData, customer, shopId) to a copy of `current` and checks
// the result as a whole. Status rules are the caller's.
Expected<Order, ApiError>
validate_update_order(const Order& current, const JsonValue& body, Instant now);

// `parentId` of a create-refund body, or the error for a body without one.
Expected<std::string, ApiError> refund_parent_id(const JsonValue& body);

// A create-refund request against `parent` (currency and merchant are the parent's).
// Refundable amounts and merchantOrderId uniqueness are the caller's.
Expected<Refund, ApiError> validate_create_refund(const JsonValue& body,
                                                            const Order& parent);

// Number of Unicode code points in UTF-8 text (length limits count characters).
std::size_t utf8_length(std::string_view s) noexcept;

} // namespace invoicebox::sim
