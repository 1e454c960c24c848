// Amounts, quantities and currencies as the simulator judges them (invoicebox-api.md §2.2, §4.1,
// §4.4), written from the reference without the plugin's money code.
//
// Amount text rule (the reference: "JSON numbers with at most two decimals"; "send at most two
// decimals"). The value the text denotes must be a whole number of kopecks:
//   accepted  "1550", "1550.0", "1550.00", "2490.5", "0", "1.55E3" (= 1550), "67680.000"
//   refused   "1200.3000000000002", "0.001", "1e-3"  (422, "must have at most two decimals")
// A float-noise amount such as 1200.3000000000002 (PHP with serialize_precision 17, §4.4) is
// refused, never rounded to 1200.30: a client that sends it has a bug the test should see. How
// the real service treats it is not documented — this choice is [inferred] (README.md).
#pragma once

#include "invoicebox/sim/json.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace invoicebox::sim {

enum class AmountError : std::uint8_t {
    not_a_number, // not JSON number text
    too_precise,  // a non-zero digit below the kopeck
    out_of_range, // beyond max_amount_minor
};

// 10^15 kopecks: every sum and product the checks form stays inside 64-bit arithmetic.
inline constexpr std::int64_t max_amount_minor = 1'000'000'000'000'000;

// Exact decimal value of JSON number text, scaled by 10^decimals. Digits beyond `decimals` may
// only be zeros. No floating point anywhere.
Expected<std::int64_t, AmountError> read_scaled(std::string_view text, int decimals,
                                                std::int64_t max_abs);

// Minor units of an amount (two decimals).
inline Expected<std::int64_t, AmountError> read_amount(std::string_view text) {
    return read_scaled(text, 2, max_amount_minor);
}

// As InvoiceBox writes amounts: no trailing zeros, at most two decimals (249050 -> "2490.5").
std::string write_amount(std::int64_t minor);
// value / 10^decimals without trailing zeros.
std::string write_scaled(std::int64_t value, int decimals);

// Quantities: fractional allowed (§4.1); six decimals, the most a 54-FZ receipt carries.
inline constexpr int quantity_decimals = 6;
inline constexpr std::int64_t quantity_one = 1'000'000;
inline Expected<std::int64_t, AmountError> read_quantity(std::string_view text) {
    return read_scaled(text, quantity_decimals, 1'000'000'000LL * quantity_one);
}

// `currencyId` values of the reference (§2.2 examples and its ISO 4217 dictionary), exact case.
bool known_currency(std::string_view alpha) noexcept;

JsonValue json_amount(std::int64_t minor);

} // namespace invoicebox::sim
