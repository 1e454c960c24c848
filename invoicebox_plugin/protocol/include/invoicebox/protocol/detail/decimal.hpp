// Exact parsing of decimal number text (JSON grammar) into scaled integers.
// Shared by Money (scale 2) and Quantity (scale 6); never goes through floating point.
#pragma once

#include "invoicebox/protocol/expected.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace invoicebox::protocol {

/// Why a decimal text was refused.
enum class DecimalError : std::uint8_t {
    syntax,      ///< not a JSON number (empty, "+1", "01", "1.", ".5", "1e", spaces, ...)
    too_precise, ///< non-zero digits below the unit (e.g. "0.123" as money)
    out_of_range ///< magnitude above the caller's limit or beyond int64
};

std::string_view to_string(DecimalError e) noexcept;

namespace detail {

/// Parses JSON number text (sign, integer, fraction, exponent) into value * 10^scale exactly.
/// Trailing zeros beyond `scale` are accepted ("67680.000" == 6768000 at scale 2); any non-zero
/// digit beyond it is too_precise. |result| must not exceed max_abs.
Expected<std::int64_t, DecimalError> parse_scaled(std::string_view text, int scale,
                                                  std::int64_t max_abs) noexcept;

/// Formats value / 10^scale with at most `scale` decimals and no trailing zeros ("2490.5").
std::string format_scaled(std::int64_t value, int scale);

} // namespace detail
} // namespace invoicebox::protocol
