// Quantity: exact parse/format and the amount x quantity product of check 1.
#include "invoicebox/protocol/quantity.hpp"

#include "invoicebox/protocol/detail/int128.hpp"

namespace invoicebox::protocol {

Expected<Quantity, DecimalError> parse_quantity(std::string_view json_number) noexcept {
    auto v =
        detail::parse_scaled(json_number, Quantity::decimals, max_quantity_units * Quantity::scale);
    if (!v)
        return unexpected(v.error());
    return Quantity{*v};
}

std::string format_quantity(Quantity q) {
    return detail::format_scaled(q.millionths, Quantity::decimals);
}

std::optional<std::int64_t> multiply_rounded(std::int64_t unit_minor, Quantity q) noexcept {
    const detail::int128 product = static_cast<detail::int128>(unit_minor) * q.millionths;
    return detail::narrow(detail::div_round_half_away(product, Quantity::scale));
}

} // namespace invoicebox::protocol
