// VAT codes and VAT arithmetic; see vat.hpp for the rounding rule and why.
#include "invoicebox/protocol/vat.hpp"

#include "invoicebox/protocol/detail/int128.hpp"

#include <array>

namespace invoicebox::protocol {

namespace {

struct VatInfo {
    KnownVatCode code;
    std::string_view wire;
    int rate;
    bool added;
};

constexpr std::array<VatInfo, 12> table{{
    {KnownVatCode::vat_none, "VATNONE", 0, false},
    {KnownVatCode::vat0, "RUS_VAT0", 0, false},
    {KnownVatCode::vat5, "RUS_VAT5", 5, false},
    {KnownVatCode::vat7, "RUS_VAT7", 7, false},
    {KnownVatCode::vat10, "RUS_VAT10", 10, false},
    {KnownVatCode::vat20, "RUS_VAT20", 20, false},
    {KnownVatCode::vat22, "RUS_VAT22", 22, false},
    {KnownVatCode::vat5_added, "RUS_VAT5_ADDED", 5, true},
    {KnownVatCode::vat7_added, "RUS_VAT7_ADDED", 7, true},
    {KnownVatCode::vat10_added, "RUS_VAT10_ADDED", 10, true},
    {KnownVatCode::vat20_added, "RUS_VAT20_ADDED", 20, true},
    {KnownVatCode::vat22_added, "RUS_VAT22_ADDED", 22, true},
}};

constexpr std::array<KnownVatCode, 12> all_codes{
    KnownVatCode::vat_none,    KnownVatCode::vat0,        KnownVatCode::vat5,
    KnownVatCode::vat7,        KnownVatCode::vat10,       KnownVatCode::vat20,
    KnownVatCode::vat22,       KnownVatCode::vat5_added,  KnownVatCode::vat7_added,
    KnownVatCode::vat10_added, KnownVatCode::vat20_added, KnownVatCode::vat22_added};

const VatInfo& info(KnownVatCode c) noexcept {
    return table[static_cast<std::size_t>(c)];
}

} // namespace

std::string_view wire_name(KnownVatCode c) noexcept {
    return info(c).wire;
}
int rate_percent(KnownVatCode c) noexcept {
    return info(c).rate;
}
bool is_added(KnownVatCode c) noexcept {
    return info(c).added;
}
std::span<const KnownVatCode> known_vat_codes() noexcept {
    return all_codes;
}

VatCode VatCode::parse(std::string_view wire) {
    for (const auto& i : table)
        if (i.wire == wire)
            return VatCode(i.code);
    VatCode v;
    v.known_.reset();
    v.unknown_text_ = std::string(wire);
    return v;
}

std::string_view VatCode::wire() const noexcept {
    return known_ ? wire_name(*known_) : std::string_view(unknown_text_);
}

std::optional<int> VatCode::rate() const noexcept {
    if (!known_)
        return std::nullopt;
    return rate_percent(*known_);
}

std::int64_t vat_in_gross(std::int64_t gross_minor, int rate) noexcept {
    if (rate <= 0)
        return 0;
    // |gross| <= 9.2e18 and rate <= 100 keep the product inside 128 bits, and the result is
    // smaller than gross, so the narrowing cannot fail.
    const auto r =
        detail::div_round_half_away(static_cast<detail::int128>(gross_minor) * rate, 100 + rate);
    return static_cast<std::int64_t>(r);
}

std::optional<std::int64_t> vat_in_gross(std::int64_t gross_minor, const VatCode& code) noexcept {
    const auto r = code.rate();
    if (!r)
        return std::nullopt;
    return vat_in_gross(gross_minor, *r);
}

std::int64_t vat_on_net(std::int64_t net_minor, int rate) noexcept {
    if (rate <= 0)
        return 0;
    const auto r = detail::div_round_half_away(static_cast<detail::int128>(net_minor) * rate, 100);
    return detail::narrow(r).value_or(0);
}

} // namespace invoicebox::protocol
