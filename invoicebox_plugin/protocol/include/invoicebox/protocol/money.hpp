// Money: integer minor units plus an ISO 4217 currency, and the exact conversion between
// InvoiceBox's JSON numbers ("2490.5", 1550, 415.08) and minor units.
//
// InvoiceBox sends and expects amounts as JSON numbers with at most two decimals. We never let
// an amount pass through double: the number TEXT is parsed digit by digit (json_reader keeps it),
// and outgoing amounts are formatted by format_amount (json_writer uses it).
#pragma once

#include "invoicebox/protocol/detail/decimal.hpp"
#include "invoicebox/protocol/expected.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace invoicebox::protocol {

/// The currencies the plugin takes payment in (invoicebox-api.md §2.2 `currencyId` examples).
enum class Currency : std::uint8_t { rub, usd, eur, gbp };

struct CurrencyInfo {
    Currency currency;
    std::string_view alpha;    ///< ISO 4217 alpha-3, as sent in `currencyId` ("RUB")
    std::uint16_t numeric;     ///< ISO 4217 numeric (643)
    std::uint8_t minor_digits; ///< 2 for all of ours; amounts are written with at most this many
};

/// All supported currencies, in enum order.
std::span<const CurrencyInfo> known_currencies() noexcept;
const CurrencyInfo& currency_info(Currency c) noexcept;
inline std::string_view alpha_code(Currency c) noexcept {
    return currency_info(c).alpha;
}
inline std::uint16_t numeric_code(Currency c) noexcept {
    return currency_info(c).numeric;
}
/// Exact, case-sensitive match ("RUB"): API names are case-sensitive (invoicebox-api.md §1.4).
std::optional<Currency> currency_from_alpha(std::string_view alpha) noexcept;
std::optional<Currency> currency_from_numeric(std::uint16_t numeric) noexcept;

/// An amount of money in minor units (kopecks, cents). Negative values are representable
/// (differences, corrections); the API itself only carries non-negative amounts.
struct Money {
    std::int64_t minor = 0;
    Currency currency = Currency::rub;

    static constexpr Money of(std::int64_t minor_units, Currency c = Currency::rub) noexcept {
        return Money{minor_units, c};
    }
    friend constexpr bool operator==(const Money&, const Money&) = default;
};

/// Amounts above this (10^15 minor units = 10 trillion roubles) are refused when parsed, so that
/// sums over thousands of lines and products with quantities stay far inside 64/128-bit range.
inline constexpr std::int64_t max_amount_minor = 1'000'000'000'000'000;

/// Amount parse errors are decimal parse errors.
using AmountError = DecimalError;

/// Parses JSON number text into minor units exactly: "0.1" -> 10, "2490.5" -> 249050,
/// "67680.00" -> 6768000, "1.55E3" -> 155000. Refuses "0.123" (too_precise), anything that is
/// not a JSON number (syntax) and |amount| > max_amount_minor (out_of_range).
Expected<std::int64_t, AmountError> parse_amount_minor(std::string_view json_number) noexcept;

inline Expected<Money, AmountError> parse_money(std::string_view json_number, Currency c) noexcept {
    auto minor = parse_amount_minor(json_number);
    if (!minor)
        return unexpected(minor.error());
    return Money{*minor, c};
}

/// JSON number text with at most two decimals and no trailing zeros, as InvoiceBox writes them:
/// 155000 -> "1550", 249050 -> "2490.5", 41508 -> "415.08", -1 -> "-0.01".
std::string format_amount(std::int64_t minor);
inline std::string format_amount(Money m) {
    return format_amount(m.minor);
}

/// a + b when both have the same currency and the sum does not overflow.
std::optional<Money> checked_add(Money a, Money b) noexcept;
/// a - b when both have the same currency and the difference does not overflow.
std::optional<Money> checked_sub(Money a, Money b) noexcept;

} // namespace invoicebox::protocol
