// Request bodies for creating (§2.2) and updating (§2.4) an order, and their client-side checks.
#pragma once

#include "invoicebox/protocol/api_error.hpp"
#include "invoicebox/protocol/basket.hpp"
#include "invoicebox/protocol/ids.hpp"
#include "invoicebox/protocol/json_value.hpp"
#include "invoicebox/protocol/money.hpp"
#include "invoicebox/protocol/order.hpp"
#include "invoicebox/protocol/timestamp.hpp"

#include <optional>
#include <string>
#include <vector>

namespace invoicebox::protocol {

struct CreateOrderRequest {
    MerchantId merchant_id;
    MerchantOrderId merchant_order_id;
    std::optional<std::string> merchant_order_id_visible;
    std::string description;
    Currency currency = Currency::rub;
    std::optional<std::string> language_id; ///< "ru" | "en"
    UtcTime expiration_date{};              ///< mandatory: the link's lifetime
    Money amount;                           ///< = sum of basket totals
    Money vat_amount;                       ///< = sum of basket VAT
    std::vector<BasketItem> basket_items;
    Customer customer;
    std::optional<std::string> notification_url;
    std::optional<std::string> success_url;
    std::optional<std::string> fail_url;
    std::optional<std::string> return_url;
    std::optional<JsonValue> meta_data;       ///< JSON-LD, written verbatim
    std::optional<JsonValue> invoice_setting; ///< written verbatim
    std::optional<JsonValue> order_setting;   ///< written verbatim
    std::optional<std::string> order_container_id;
    std::optional<std::string> parent_id;
    std::optional<std::string> shop_id;
    std::optional<std::string> user_account_id;
    std::optional<bool> processable;

    /// Takes items and totals from a built basket (amounts and currency stay consistent).
    void set_basket(const Basket& b);
};

struct UpdateOrderRequest {
    std::optional<std::string> description;
    std::optional<UtcTime> expiration_date;
    /// Set together: a new basket comes with its totals.
    std::optional<Basket> basket;
    std::optional<Customer> customer;
    std::optional<JsonValue> meta_data;
    std::optional<std::string> shop_id;
};

/// Field-length limits we enforce before sending. merchantOrderId: 100, the smallest limit
/// InvoiceBox has documented for it outside the notification table (§9.2 item 7).
inline constexpr std::size_t max_merchant_order_id = 100;
inline constexpr std::size_t max_description = 1000;
inline constexpr std::size_t max_url = 1000;

/// Client-side check of a create request: required fields, lengths, currencies, the five basket
/// checks. Returns an ApiError of kind invalid_request shaped like InvoiceBox's 422 (code and
/// fields), or nullopt.
std::optional<ApiError> validate(const CreateOrderRequest& r);
std::optional<ApiError> validate(const UpdateOrderRequest& r, Currency order_currency);

} // namespace invoicebox::protocol
