// BasketItem: one receipt line of an order or refund (invoicebox-api.md §4.1), and its JSON codec.
//
// Amounts are Money in the order's currency: `amount` and `amountWoVat` per unit,
// `totalAmount` and `totalVatAmount` for all units. How they must add up is basket.hpp.
#pragma once

#include "invoicebox/protocol/decode_error.hpp"
#include "invoicebox/protocol/expected.hpp"
#include "invoicebox/protocol/json_value.hpp"
#include "invoicebox/protocol/json_writer.hpp"
#include "invoicebox/protocol/money.hpp"
#include "invoicebox/protocol/quantity.hpp"
#include "invoicebox/protocol/vat.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::protocol {

/// `type`: "service" | "commodity", or an integer 54-FZ tag 1212 code (written as a JSON number).
struct ItemType {
    std::string value = "service";
    bool numeric = false; ///< value holds the digits of a tag 1212 code

    static ItemType service() { return {"service", false}; }
    static ItemType commodity() { return {"commodity", false}; }
    static ItemType tag1212(int code) { return {std::to_string(code), true}; }
    friend bool operator==(const ItemType&, const ItemType&) = default;
};

/// `paymentType` (54-FZ tag 1214 "payment method"). Kept as text so a new value is not lost.
struct PaymentType {
    std::string value = "full_prepayment";

    static PaymentType full_prepayment() { return {"full_prepayment"}; }
    static PaymentType prepayment() { return {"prepayment"}; }
    static PaymentType advance() { return {"advance"}; }
    static PaymentType full_payment() { return {"full_payment"}; }
    friend bool operator==(const PaymentType&, const PaymentType&) = default;
};

struct BasketItem {
    std::string sku;
    std::string name;
    std::optional<std::string> group_name;
    std::string measure = "шт.";
    std::string measure_code = "796"; ///< OKEI; a JSON number on input is kept as its text
    std::optional<std::string> origin_country;
    std::optional<std::string> origin_country_code;
    Quantity quantity = Quantity::units(1);
    Money amount;           ///< one unit, VAT included
    Money amount_wo_vat;    ///< one unit, VAT excluded
    Money total_amount;     ///< all units, VAT included
    Money total_vat_amount; ///< VAT of all units
    std::optional<Money> excise;
    VatCode vat_code;
    ItemType type;
    std::optional<std::string> service_date; ///< YYYY-MM-DD
    PaymentType payment_type;
    /// Refundable-items responses only (undocumented, [mcp]): what is left to refund.
    std::optional<Money> available_amount;
    std::optional<Money> available_vat_amount;
    std::optional<JsonValue> meta_data;

    friend bool operator==(const BasketItem&, const BasketItem&) = default;
};

/// Reads one item; amounts take `currency` (the order's). Unknown fields are ignored, an unknown
/// vatCode is kept (VatCode::is_known() is false). `path` prefixes error locations.
Expected<BasketItem, DecodeError> read_basket_item(const JsonValue& v, Currency currency,
                                                   std::string_view path = "");
/// Reads an array of items.
Expected<std::vector<BasketItem>, DecodeError>
read_basket_items(const JsonValue& v, Currency currency, std::string_view path = "");
/// Writes one item as an object in InvoiceBox's field order.
void write_basket_item(JsonWriter& w, const BasketItem& item);
void write_basket_items(JsonWriter& w, const std::vector<BasketItem>& items);

} // namespace invoicebox::protocol
