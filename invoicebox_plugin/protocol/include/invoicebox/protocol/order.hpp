// Order: InvoiceBox's OrderResponse (invoicebox-api.md §2.2), which is also the body of a payment
// notification (§5.1). Fields InvoiceBox documents as always present are plain members; the rest
// are optional because samples omit them. Unknown fields are kept only in `raw`.
#pragma once

#include "invoicebox/protocol/basket_item.hpp"
#include "invoicebox/protocol/ids.hpp"
#include "invoicebox/protocol/json_value.hpp"
#include "invoicebox/protocol/money.hpp"
#include "invoicebox/protocol/order_status.hpp"
#include "invoicebox/protocol/timestamp.hpp"

#include <optional>
#include <string>
#include <vector>

namespace invoicebox::protocol {

/// The payer (§2.2 Customer). Every field is optional on the wire.
struct Customer {
    std::optional<std::string> type; ///< "private" | "legal"
    std::optional<std::string> name;
    std::optional<std::string> phone; ///< digits, e.g. "79001112233"
    std::optional<std::string> email;
    std::optional<std::string> vat_number;                   ///< ИНН
    std::optional<std::string> tax_registration_reason_code; ///< КПП
    std::optional<std::string> registration_address;
    std::optional<std::string> country_id; ///< seen in responses ("RUS")
    friend bool operator==(const Customer&, const Customer&) = default;
};

struct Order {
    OrderId id;
    MerchantId merchant_id;
    MerchantOrderId merchant_order_id; ///< empty in the monitoring probe
    std::optional<std::string> merchant_order_id_visible;
    std::optional<OrderContainerId> order_container_id;
    std::optional<std::string> description;
    Money amount; ///< currency = currencyId
    std::optional<Money> vat_amount;
    std::vector<BasketItem> basket_items;
    OrderStatus status;
    std::optional<std::string> subtype;
    std::optional<std::string> processing_status;
    /// Times: nullopt when absent or not RFC 3339 (the text stays in `raw`); a time format drift
    /// must not make a payment notification unreadable.
    std::optional<UtcTime> created_at;
    std::optional<UtcTime> paid_at;
    std::optional<UtcTime> expiration_date;
    std::optional<std::string> payment_url;
    std::optional<std::string> success_url;
    std::optional<std::string> fail_url;
    std::optional<std::string> return_url;
    std::optional<std::string> notification_url;
    std::optional<std::string> language_id;
    std::optional<Customer> customer;
    std::optional<bool> processable;
    std::optional<std::string> shop_id; ///< string(36) in docs, int in the SDK: kept as text
    std::optional<JsonValue> file_ids;
    std::optional<JsonValue> meta_data;
    /// The whole object as received (null when the order was built in code).
    JsonValue raw;

    Currency currency() const noexcept { return amount.currency; }
    /// InvoiceBox's monitoring probe (§5.4): the all-f id and an empty merchantOrderId.
    bool is_monitoring_probe() const noexcept {
        return id.str() == monitoring_probe_id && merchant_order_id.empty();
    }
};

} // namespace invoicebox::protocol
