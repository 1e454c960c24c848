// Reading the pms.folio/1 document (folio.hpp) with the SDK's typed reader
// (pms/plugin_sdk/folio_document.hpp): amounts arrive as exact int64 minor units.
#include <invoicebox/plugin/folio.hpp>

#include <pms/plugin_sdk/folio_document.hpp>

namespace invoicebox::plugin {

std::optional<Folio> parse_folio(std::string_view json) {
    auto doc = pms::sdk::read_folio_document(json);
    if (!doc)
        return std::nullopt;
    pms::sdk::folio_document& d = *doc;
    Folio f;
    f.folio_id = std::move(d.folio_id);
    f.folio_number = std::move(d.folio_number);
    f.closed = d.closed;
    f.property_id = std::move(d.property_id);
    f.currency = std::move(d.currency);
    f.legal_entity_id = std::move(d.legal_entity.id);
    f.legal_entity_name = std::move(d.legal_entity.name);
    f.booking_id = std::move(d.booking.id);
    f.booking_number = std::move(d.booking.number);
    f.arrival = std::move(d.booking.arrival);
    f.departure = std::move(d.booking.departure);
    f.guest_name = std::move(d.guest.name);
    f.guest_email = std::move(d.guest.email);
    f.guest_phone = std::move(d.guest.phone);
    f.lines.reserve(d.lines.size());
    for (auto& l : d.lines) {
        FolioLine line;
        line.line_id = std::move(l.line_id);
        line.date = std::move(l.date);
        line.description = std::move(l.description);
        line.quantity = std::move(l.quantity);
        line.unit_amount_minor = l.unit_amount_minor.value_or(0);
        line.amount_minor = l.amount_minor;
        line.vat_code = std::move(l.vat_code);
        line.category = std::move(l.category);
        f.lines.push_back(std::move(line));
    }
    f.charges_minor = d.totals.charges_minor;
    f.paid_minor = d.totals.paid_minor;
    f.balance_due_minor = d.totals.balance_due_minor;
    return f;
}

} // namespace invoicebox::plugin
