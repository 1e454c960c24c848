// Refunds (invoicebox-api.md §2.7): the refund order model, the create request and its codec.
// A refund has its own merchantOrderId, unique per refund: re-using one is refused by InvoiceBox,
// which is the documented protection against refunding twice.
#pragma once

#include "invoicebox/protocol/api_error.hpp"
#include "invoicebox/protocol/basket.hpp"
#include "invoicebox/protocol/decode_error.hpp"
#include "invoicebox/protocol/expected.hpp"
#include "invoicebox/protocol/ids.hpp"
#include "invoicebox/protocol/json_writer.hpp"
#include "invoicebox/protocol/order_status.hpp"
#include "invoicebox/protocol/timestamp.hpp"

#include <optional>
#include <string>
#include <vector>

namespace invoicebox::protocol {

struct Refund {
    RefundId id;
    OrderId parent_id;                 ///< the paid order
    MerchantOrderId merchant_order_id; ///< the refund's own number
    std::optional<MerchantId> merchant_id;
    std::optional<std::string> description;
    Money amount;
    std::optional<Money> vat_amount;
    std::vector<BasketItem> basket_items;
    std::optional<UtcTime> created_at;
    RefundStatus status;
    JsonValue raw; ///< the object as received
};

struct CreateRefundRequest {
    OrderId parent_id;
    MerchantOrderId merchant_order_id;
    std::string description;
    Money amount;
    Money vat_amount;
    std::vector<BasketItem> basket_items;
    /// "created" (default when absent) or "draft" (needed for a correction order, §2.7d).
    std::optional<RefundStatus> status;

    void set_basket(const Basket& b);
};

/// Client-side check: ids, lengths, the five basket checks.
std::optional<ApiError> validate(const CreateRefundRequest& r);

/// A refund object; `currency` is used when the object carries no currencyId.
Expected<Refund, DecodeError> read_refund(const JsonValue& v, Currency currency,
                                          std::string_view path = "");
/// Same, moving the object into `raw` instead of copying it.
Expected<Refund, DecodeError> read_refund(JsonValue&& v, Currency currency, std::string_view path = "");
void write_refund(JsonWriter& w, const Refund& r);

void write_create_refund_request(JsonWriter& w, const CreateRefundRequest& r);
std::string create_refund_body(const CreateRefundRequest& r);
/// Amounts take the parent order's currency.
Expected<CreateRefundRequest, DecodeError> read_create_refund_request(const JsonValue& v,
                                                                      Currency currency);

} // namespace invoicebox::protocol
