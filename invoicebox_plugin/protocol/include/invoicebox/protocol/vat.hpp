// VAT codes (`vatCode`, invoicebox-api.md §4.2) and the VAT contained in an amount.
//
// The set of codes grows over time (22 %, 7 %, 5 %, *_ADDED arrived in 2026), so a code we do not
// know is kept verbatim and reported, never dropped and never a crash.
//
// Rounding, documented because InvoiceBox's check 2 depends on it (§4.3): the VAT contained in a
// gross amount T at rate r % is round(T x r / (100 + r)) to the minor unit, half away from zero
// (PHP round()); every documented example agrees (371.88 x 20/120 = 61.98).
// Amounts on the wire always include VAT, *_ADDED codes too: "added" says how the merchant priced
// the item (net + VAT on top), so vat_on_net() helps build the gross price, and the VAT contained
// in that gross is then the same formula.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace invoicebox::protocol {

enum class KnownVatCode : std::uint8_t {
    vat_none,    ///< VATNONE: not subject to VAT
    vat0,        ///< RUS_VAT0
    vat5,        ///< RUS_VAT5   (5/105 included)
    vat7,        ///< RUS_VAT7   (7/107 included)
    vat10,       ///< RUS_VAT10  (10/110 included)
    vat20,       ///< RUS_VAT20  (20/120 included)
    vat22,       ///< RUS_VAT22  (22/122 included)
    vat5_added,  ///< RUS_VAT5_ADDED
    vat7_added,  ///< RUS_VAT7_ADDED
    vat10_added, ///< RUS_VAT10_ADDED
    vat20_added, ///< RUS_VAT20_ADDED
    vat22_added, ///< RUS_VAT22_ADDED
};

/// The wire text of a known code ("RUS_VAT20").
std::string_view wire_name(KnownVatCode c) noexcept;
/// The rate in whole percent (0 for VATNONE and RUS_VAT0).
int rate_percent(KnownVatCode c) noexcept;
/// True for the *_ADDED codes.
bool is_added(KnownVatCode c) noexcept;
/// All known codes in enum order (for tests and settings pickers).
std::span<const KnownVatCode> known_vat_codes() noexcept;

/// A `vatCode` value as read or to be written: a known code, or an unknown one kept verbatim.
class VatCode {
  public:
    /// VATNONE.
    VatCode() noexcept : known_(KnownVatCode::vat_none) {}
    VatCode(KnownVatCode c) noexcept : known_(c) {}

    /// Never fails: exact, case-sensitive match against the known codes; anything else (Bitrix's
    /// "NONE", a future "RUS_VAT25") is kept as an unknown code with its text.
    static VatCode parse(std::string_view wire);

    bool is_known() const noexcept { return known_.has_value(); }
    std::optional<KnownVatCode> known() const noexcept { return known_; }
    /// The exact wire text (the original text for an unknown code).
    std::string_view wire() const noexcept;
    /// Rate in percent, or nullopt for an unknown code.
    std::optional<int> rate() const noexcept;

    friend bool operator==(const VatCode& a, const VatCode& b) noexcept {
        return a.wire() == b.wire();
    }

  private:
    std::optional<KnownVatCode> known_;
    std::string unknown_text_;
};

/// VAT contained in a gross amount (minor units) at `rate` percent, rounded half away from zero.
std::int64_t vat_in_gross(std::int64_t gross_minor, int rate) noexcept;
/// Same for a code; nullopt for an unknown code (its rate is not known).
std::optional<std::int64_t> vat_in_gross(std::int64_t gross_minor, const VatCode& code) noexcept;
/// VAT added on top of a net amount at `rate` percent, rounded half away from zero. For pricing
/// with *_ADDED codes: gross = net + vat_on_net(net, rate).
std::int64_t vat_on_net(std::int64_t net_minor, int rate) noexcept;

} // namespace invoicebox::protocol
