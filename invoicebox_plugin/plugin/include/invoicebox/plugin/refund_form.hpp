// The refund form's arithmetic (issue 13): staff money input read strictly, and the refund basket
// built from InvoiceBox's refundable items (`GET …/refund-basket-item`, with `availableAmount` /
// `availableVatAmount` per item) and what staff asked for.
//
// VAT follows the original line (invoicebox-api.md §4): a line refunded whole, as it was sold, is
// sent exactly as sold; a part of a line is sent as one unit priced at the part, its VAT the VAT
// contained in the part at the line's own vatCode (check 2), so the refund passes the same five
// checks as an order. Lines are matched by `sku`, as InvoiceBox matches them.
#pragma once

#include <invoicebox/protocol/basket.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::plugin {

/// One line of the form: the field it came from, the item's sku, the staff's text.
struct RefundLineInput {
    std::string field;
    std::string sku;
    std::string amount_text;
};

struct RefundBasketResult {
    std::optional<protocol::Basket> basket;
    std::map<std::string, std::string> field_errors; ///< field -> Russian message
    std::string message;                             ///< Russian, when no field is to blame
};

/// The basket of a full refund (`full`: every item's available amount) or of a partial one (the
/// amounts of `lines`; empty or zero lines are left out). An amount above what is left of its
/// item, a text that is not money, an sku no longer refundable, or nothing to refund at all is
/// refused with the field to blame.
RefundBasketResult build_refund_basket(const std::vector<protocol::BasketItem>& refundable, bool full,
                                       const std::vector<RefundLineInput>& lines);

/// What is left to refund of an item (availableAmount; the item's total when InvoiceBox omits it).
std::int64_t available_of(const protocol::BasketItem& item);

} // namespace invoicebox::plugin
