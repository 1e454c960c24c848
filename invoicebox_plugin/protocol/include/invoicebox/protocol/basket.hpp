// Baskets that reconcile: the builder that turns folio lines into BasketItems whose totals pass
// InvoiceBox's checks, and check_basket, which tells which check a basket fails (the client's
// own check before sending; the simulator has its own rules, tests/contract compares the two).
//
// The five checks (invoicebox-api.md §4.3), amounts in minor units, rounding half away from zero:
//   1. item totalAmount    == round(amount x quantity)              wrong_basket_item_total_amount
//   2. item totalVatAmount == round(totalAmount x r / (100 + r)) wrong_basket_item_total_vat_amount
//   3. |round(amountWoVat x quantity) + totalVatAmount - totalAmount| <= 1 minor unit
//                                                                    wrong_basket_item_amount_wo_vat
//   4. order amount    == sum of item totalAmount                   wrong_total_amount
//   5. order vatAmount == sum of item totalVatAmount                wrong_total_vat_amount
// InvoiceBox does not document its tolerances; check 3's one kopeck is the documented model
// ([mcp] reconcileBasket) and unavoidable (99.99 x 3 at 20 %: 83.32 x 3 + 50.00 = 299.96).
//
// Why the builder sometimes writes quantity 1: a line total that is not an exact multiple of a
// kopeck unit price (1000.00 for 3 nights) cannot pass check 1 with quantity 3, and a large
// quantity can push check 3's rounding error past one kopeck. Such a line is written as one
// unit priced at the line total (collapsed), which passes every check for any amount and rate;
// Basket::collapsed_lines reports which lines were collapsed.
#pragma once

#include "invoicebox/protocol/basket_item.hpp"
#include "invoicebox/protocol/expected.hpp"
#include "invoicebox/protocol/money.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::protocol {

// ---- checking ----------------------------------------------------------------------------

enum class BasketRule : std::uint8_t {
    item_total_amount,     ///< check 1
    item_total_vat_amount, ///< check 2
    item_amount_wo_vat,    ///< check 3
    total_amount,          ///< check 4
    total_vat_amount,      ///< check 5
    // Structural problems that make the checks meaningless. InvoiceBox documents no code for
    // them; error_code() maps each to the nearest documented one (see is_documented()).
    empty_basket,      ///< no items            -> wrong_total_amount
    item_quantity,     ///< quantity <= 0       -> wrong_basket_item_total_amount
    unknown_vat_code,  ///< vatCode not known   -> wrong_basket_item_total_vat_amount
    currency_mismatch, ///< item vs order       -> wrong_currency
};

/// The 422 `error.code` for a rule (invoicebox-api.md §2.12).
std::string_view error_code(BasketRule r) noexcept;
/// True for the five documented checks; false for the structural rules whose code is our choice.
bool is_documented(BasketRule r) noexcept;
/// A short English description for error messages.
std::string_view describe(BasketRule r) noexcept;

struct BasketViolation {
    BasketRule rule;
    std::optional<std::size_t> item; ///< index into the basket for item rules
    std::string field;               ///< "basketItems[2].totalVatAmount", "amount", "vatAmount"
    std::int64_t expected_minor = 0; ///< what the rule computes
    std::int64_t actual_minor = 0;   ///< what the basket says
    std::string_view code() const noexcept { return error_code(rule); }
};

struct BasketCheckOptions {
    /// Check 3 tolerance in minor units.
    std::int64_t wo_vat_tolerance_minor = 1;
    /// An unknown vatCode is a violation (true) or its item skips check 2 (false).
    bool reject_unknown_vat_code = true;
};

/// Every violation, in order: per item (quantity, currency, 1, 2, 3), then 4, then 5. Empty
/// result = the basket passes. The first element is what a server would report.
std::vector<BasketViolation> check_basket(std::span<const BasketItem> items, Money order_amount,
                                          Money order_vat_amount,
                                          const BasketCheckOptions& opt = {});

// ---- building ----------------------------------------------------------------------------

/// One folio line as the plugin knows it: what was charged for all units, VAT included.
struct BasketLine {
    std::string sku;
    std::string name;
    std::optional<std::string> group_name;
    std::string measure = "шт.";
    std::string measure_code = "796";
    Quantity quantity = Quantity::units(1);
    Money total;      ///< all units, VAT included, >= 0
    VatCode vat_code; ///< the line's own code (accommodation and food differ)
    ItemType type = ItemType::service();
    PaymentType payment_type = PaymentType::full_prepayment();
    std::optional<std::string> service_date;
};

enum class BasketBuildError : std::uint8_t {
    empty_basket, ///< no line with a non-zero total
    non_positive_quantity,
    negative_amount,  ///< discounts must be baked into line totals (§4.3)
    unknown_vat_code, ///< we never send a code whose rate we do not know
    currency_mismatch,
    out_of_range, ///< a sum overflows
    part_not_positive,
    part_exceeds_total,
};

std::string_view to_string(BasketBuildError e) noexcept;

struct BasketBuildFailure {
    BasketBuildError error;
    std::optional<std::size_t> line; ///< the offending input line, when there is one
    friend bool operator==(const BasketBuildFailure&, const BasketBuildFailure&) = default;
};

struct Basket {
    std::vector<BasketItem> items;
    Money amount;                             ///< order `amount` = sum of totalAmount
    Money vat_amount;                         ///< order `vatAmount` = sum of totalVatAmount
    std::vector<std::size_t> source_lines;    ///< for each item, the input line it came from
    std::vector<std::size_t> collapsed_lines; ///< input lines written as quantity 1 (see above)
};

/// One item from one line (the line's total must be >= 0, quantity > 0, code known).
Expected<BasketItem, BasketBuildFailure> make_basket_item(const BasketLine& line,
                                                          const BasketCheckOptions& opt = {});

/// A basket charging every line in full. Zero-total lines are left out (nothing to pay, and no
/// receipt line for them).
Expected<Basket, BasketBuildFailure> build_basket(std::span<const BasketLine> lines,
                                                  const BasketCheckOptions& opt = {});

/// A basket charging `part` of the lines' total, split over the lines in proportion to their
/// totals (largest remainder, ties to the earlier line), each part keeping its line's VAT code.
/// Lines charged only partly are written as quantity 1 (a unit price of a share of a night would
/// misstate the price on the receipt); `part` equal to the total is build_basket().
Expected<Basket, BasketBuildFailure> build_partial_basket(std::span<const BasketLine> lines,
                                                          Money part,
                                                          const BasketCheckOptions& opt = {});

/// Splits `part` over `weights` (all >= 0, sum > 0, part <= sum) in proportion, exactly: the
/// shares sum to `part` and no share exceeds its weight.
std::vector<std::int64_t> allocate_proportionally(std::span<const std::int64_t> weights,
                                                  std::int64_t part);

} // namespace invoicebox::protocol
