// The 54-FZ receipt basket of a payment link, built from the folio's charge lines.
//
// InvoiceBox prints the receipt from the basket (invoicebox-api.md §4.6), so every item names
// what was sold ("Проживание, стандарт, 12.05.2025, Отель «Берёзка»"), never a bare
// «Бронь №…»; each line keeps its own VAT code (accommodation and food differ, architecture §7),
// the settings' code is only the default for a line without one; the payment type is the
// configured one. A link for part of the balance is split over the lines in proportion by the
// protocol layer's builder, whose output always passes InvoiceBox's five checks.
#pragma once

#include <invoicebox/plugin/folio.hpp>
#include <invoicebox/plugin/settings.hpp>

#include <invoicebox/protocol/basket.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace invoicebox::plugin {

enum class ReceiptError : std::uint8_t {
    no_lines,         ///< nothing charged on the folio
    unknown_vat,      ///< a line's VAT code cannot be sent
    amount_too_large, ///< more than the folio's charges
    invalid,          ///< the builder refused (negative lines not covered, ...)
};

struct ReceiptResult {
    std::optional<protocol::Basket> basket;
    ReceiptError error = ReceiptError::invalid;
    std::string message; ///< Russian, for staff
};

/// The wire VAT code for a folio code ("vat20" -> RUS_VAT20, "none" -> VATNONE); nullopt when
/// the code is unknown.
std::optional<protocol::VatCode> vat_from_folio(std::string_view folio_code);

/// The receipt item name for a folio line (settings.item_name_template).
std::string item_name(const Settings& s, const Folio& f, const FolioLine& line);

/// A basket for `amount_minor` of this folio.
ReceiptResult build_receipt_basket(const Settings& s, const Folio& f, std::int64_t amount_minor);

} // namespace invoicebox::plugin
