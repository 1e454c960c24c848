// Basket reconciliation (see basket_rules.hpp).
#include "invoicebox/sim/basket_rules.hpp"

#include "invoicebox/sim/amount.hpp"

#include <array>
#include <cstdint>
#include <utility>

namespace invoicebox::sim {

std::optional<int> vat_rate_percent(std::string_view code) noexcept {
    // §4.2: the four codes of the docs and SDKs, plus the 2026 codes of the MCP server.
    static constexpr std::array<std::pair<std::string_view, int>, 12> rates{{
        {"VATNONE", 0},
        {"RUS_VAT0", 0},
        {"RUS_VAT10", 10},
        {"RUS_VAT20", 20},
        {"RUS_VAT22", 22},
        {"RUS_VAT7", 7},
        {"RUS_VAT5", 5},
        {"RUS_VAT22_ADDED", 22},
        {"RUS_VAT20_ADDED", 20},
        {"RUS_VAT10_ADDED", 10},
        {"RUS_VAT7_ADDED", 7},
        {"RUS_VAT5_ADDED", 5},
    }};
    for (const auto& [name, rate] : rates) {
        if (name == code) {
            return rate;
        }
    }
    return std::nullopt;
}

// 128-bit products: kopecks (≤ 10^15) × millionths (≤ 10^15) overflow 64 bits. g++'s builtin
// type; __extension__ keeps -Wpedantic quiet about it.
__extension__ using i128 = __int128;

std::int64_t mul_div_round(std::int64_t a, std::int64_t b, std::int64_t d) noexcept {
    const i128 p = static_cast<i128>(a) * b;
    i128 q = p / d;
    const i128 r = p % d;
    if (2 * (r < 0 ? -r : r) >= d) {
        q += (p < 0) ? -1 : 1;
    }
    // Beyond int64 cannot equal any amount the readers accept; saturate instead of wrapping.
    if (q > INT64_MAX) {
        return INT64_MAX;
    }
    if (q < INT64_MIN) {
        return INT64_MIN;
    }
    return static_cast<std::int64_t>(q);
}

namespace {

BasketFailure failure(int rule, std::string code, std::string field, std::int64_t expected,
                      std::int64_t actual, std::string what) {
    BasketFailure f{rule, std::move(code), std::move(field), expected, actual, {}};
    f.message = std::move(what) + " (expected " + write_amount(expected) + ", got " +
                write_amount(actual) + ")";
    return f;
}

} // namespace

std::optional<BasketFailure> check_reconciliation(const std::vector<BasketLine>& items,
                                                  std::int64_t order_amount,
                                                  std::int64_t order_vat_amount) {
    if (items.empty()) {
        BasketFailure f{4, "wrong_total_amount", "basketItems", order_amount,
                        0, "the basket is empty"};
        return f;
    }
    std::int64_t sum_total = 0;
    std::int64_t sum_vat = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& it = items[i];
        const std::string base = "basketItems[" + std::to_string(i) + "]";
        if (it.quantity <= 0) {
            return BasketFailure{1, "wrong_basket_item_total_amount", base + ".quantity", 0,
                                 0, "quantity must be positive"};
        }
        // Rule 1.
        const auto total = mul_div_round(it.amount, it.quantity, quantity_one);
        if (total != it.total_amount) {
            return failure(1, "wrong_basket_item_total_amount", base + ".totalAmount", total,
                           it.total_amount, "totalAmount is not amount × quantity");
        }
        // Rule 2.
        const auto rate = vat_rate_percent(it.vat_code);
        if (!rate) {
            return BasketFailure{2, "wrong_basket_item_total_vat_amount", base + ".vatCode", 0,
                                 0, "unknown vatCode " + it.vat_code};
        }
        const auto vat = mul_div_round(it.total_amount, *rate, 100 + *rate);
        if (vat != it.total_vat_amount) {
            return failure(2, "wrong_basket_item_total_vat_amount", base + ".totalVatAmount", vat,
                           it.total_vat_amount, "totalVatAmount is not the VAT in totalAmount");
        }
        // Rule 3.
        const auto net_total = mul_div_round(it.amount_wo_vat, it.quantity, quantity_one);
        const auto diff = net_total + it.total_vat_amount - it.total_amount;
        if (diff > 1 || diff < -1) {
            return failure(3, "wrong_basket_item_amount_wo_vat", base + ".amountWoVat",
                           it.total_amount - it.total_vat_amount, net_total,
                           "amountWoVat × quantity + totalVatAmount is not totalAmount");
        }
        sum_total += it.total_amount;
        sum_vat += it.total_vat_amount;
    }
    // Rules 4 and 5.
    if (sum_total != order_amount) {
        return failure(4, "wrong_total_amount", "amount", sum_total, order_amount,
                       "amount is not the sum of the items' totalAmount");
    }
    if (sum_vat != order_vat_amount) {
        return failure(5, "wrong_total_vat_amount", "vatAmount", sum_vat, order_vat_amount,
                       "vatAmount is not the sum of the items' totalVatAmount");
    }
    return std::nullopt;
}

} // namespace invoicebox::sim
