// The reconciliation screen, shown inside the unposted-payments page (suspense_service.hpp):
// «Сверить с InvoiceBox» with a period, the last report per shop, its lines and, on a 1.5 host,
// its CSV as a `download` element.
#pragma once

#include <invoicebox/plugin/reconciliation.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace invoicebox::protocol {
class JsonWriter;
}

namespace invoicebox::plugin {

struct ReconciliationScreen {
    std::optional<ReconciliationReport> report; ///< the last one (nullopt: none yet)
    std::string period;                         ///< the form's choice: "1", "7", "30" days
    int offset_minutes = 0;                     ///< the property's, for times shown
    bool downloads = false;                     ///< the host renders `download` (API 1.5+)
};

/// The period choice in days, or nullopt for anything the form does not offer.
std::optional<int> reconciliation_period_days(std::string_view value);

/// The CSV goes into the view only below this size (the host caps a view at 256 KiB).
inline constexpr std::size_t reconciliation_csv_max_bytes = 200 * 1024;

/// Writes the screen's elements (not the buttons) into an open `elements` array.
void write_reconciliation_screen(protocol::JsonWriter& w, const ReconciliationScreen& s);

} // namespace invoicebox::plugin
