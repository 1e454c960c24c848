// 128-bit integer helpers for exact money arithmetic (amount x quantity, VAT fractions).
// Products of a 64-bit amount and a 64-bit scaled quantity need 128 bits before rounding.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>

namespace invoicebox::protocol::detail {

// __extension__ keeps -Wpedantic quiet: __int128 is a GNU extension we rely on deliberately.
__extension__ using int128 = __int128;

/// num / den rounded half away from zero (commercial rounding, like PHP round()); den > 0.
constexpr int128 div_round_half_away(int128 num, int128 den) noexcept {
    if (num >= 0)
        return (2 * num + den) / (2 * den);
    return -((-2 * num + den) / (2 * den));
}

/// The value as int64 when it fits.
constexpr std::optional<std::int64_t> narrow(int128 v) noexcept {
    if (v > std::numeric_limits<std::int64_t>::max() ||
        v < std::numeric_limits<std::int64_t>::min())
        return std::nullopt;
    return static_cast<std::int64_t>(v);
}

} // namespace invoicebox::protocol::detail
