// Quantity of a basket item: InvoiceBox allows fractional quantities (JSON float). We keep them as
// an exact integer count of millionths so that amount x quantity is exact integer arithmetic.
#pragma once

#include "invoicebox/protocol/detail/decimal.hpp"
#include "invoicebox/protocol/expected.hpp"

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace invoicebox::protocol {

struct Quantity {
    /// Six decimals: more than any receipt shows (54-FZ quantities carry at most six).
    static constexpr std::int64_t scale = 1'000'000;
    static constexpr int decimals = 6;

    std::int64_t millionths = 0;

    static constexpr Quantity units(std::int64_t n) noexcept { return Quantity{n * scale}; }
    constexpr bool is_whole() const noexcept { return millionths % scale == 0; }
    friend constexpr auto operator<=>(const Quantity&, const Quantity&) = default;
};

/// Quantities above this many units are refused when parsed (keeps every product in range).
inline constexpr std::int64_t max_quantity_units = 1'000'000'000;

/// Parses JSON number text exactly: "3" -> 3 units, "0.5", "1.25E1". Refuses more than six
/// decimals (too_precise), non-numbers (syntax) and more than max_quantity_units (out_of_range).
Expected<Quantity, DecimalError> parse_quantity(std::string_view json_number) noexcept;

/// JSON number text without trailing zeros: 3 units -> "3", 0.5 -> "0.5".
std::string format_quantity(Quantity q);

/// round(unit_minor x q) in minor units, half away from zero; nullopt on int64 overflow.
/// This is InvoiceBox check 1 (`totalAmount = amount x quantity`, invoicebox-api.md §4.3).
std::optional<std::int64_t> multiply_rounded(std::int64_t unit_minor, Quantity q) noexcept;

} // namespace invoicebox::protocol
