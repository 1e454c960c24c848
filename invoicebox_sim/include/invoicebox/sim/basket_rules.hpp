// The basket reconciliation rules InvoiceBox applies to a create, update or refund request,
// written from invoicebox-api.md §4.3 (numbered as there) with the 422 codes of §2.12.
//
// All arithmetic is in integer kopecks and quantity millionths; "round" is half away from zero
// (the reference's example 371.88 × 20/120 = 61.98 and PHP's round()).
//   1. item totalAmount    == round(amount × quantity)             wrong_basket_item_total_amount
//   2. item totalVatAmount == round(totalAmount × r / (100 + r)) wrong_basket_item_total_vat_amount
//   3. |round(amountWoVat × quantity) + totalVatAmount − totalAmount| ≤ 1 kopeck
//                                                                   wrong_basket_item_amount_wo_vat
//   4. order amount    == Σ item totalAmount                        wrong_total_amount
//   5. order vatAmount == Σ item totalVatAmount                     wrong_total_vat_amount
// The tolerances are not documented; exact matches and rule 3's one kopeck follow the model the
// reference recommends ("99.99 × 3 at 20 %: 83.32 × 3 + 50.00 = 299.96" needs that kopeck).
// [inferred] choices, each mapped to the nearest documented code: an empty basket fails rule 4,
// a quantity ≤ 0 fails rule 1, a vatCode whose rate the reference does not give fails rule 2.
// `*_ADDED` codes ([mcp]) are checked like the others: totalAmount includes VAT in every case.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::sim {

// What the rules need of one basket item (the rest of the item is echoed, not judged).
struct BasketLine {
    std::string sku;
    std::int64_t quantity = 0;         // millionths
    std::int64_t amount = 0;           // kopecks, one unit incl. VAT
    std::int64_t amount_wo_vat = 0;    // kopecks, one unit excl. VAT
    std::int64_t total_amount = 0;     // kopecks, all units incl. VAT
    std::int64_t total_vat_amount = 0; // kopecks
    std::string vat_code;
};

// The VAT rate in percent of a documented code (§4.2), or nullopt for an unknown one.
std::optional<int> vat_rate_percent(std::string_view vat_code) noexcept;

// round(a × b / d), half away from zero, for a, b ≥ 0 within the ranges the readers allow.
std::int64_t mul_div_round(std::int64_t a, std::int64_t b, std::int64_t d) noexcept;

struct BasketFailure {
    int rule = 0;      // 1..5 as numbered above
    std::string code;  // the 422 error.code
    std::string field; // "basketItems[0].totalAmount", "amount", …
    std::int64_t expected = 0;
    std::int64_t actual = 0;
    std::string message;
};

// The first failing rule in the reference's order (item by item 1–3, then 4, then 5), or
// nullopt when the basket reconciles.
std::optional<BasketFailure> check_reconciliation(const std::vector<BasketLine>& items,
                                                  std::int64_t order_amount,
                                                  std::int64_t order_vat_amount);

} // namespace invoicebox::sim
