// The folio as the plugin reads it: the "pms.folio/1" document (plugin_api/schema/folio-v1.md)
// turned into a typed value. Amounts are integers in minor units, quantities decimal strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::plugin {

struct FolioLine {
    std::string line_id;
    std::string date;        ///< YYYY-MM-DD, property-local
    std::string description;
    std::string quantity = "1";
    std::int64_t unit_amount_minor = 0;
    std::int64_t amount_minor = 0;
    std::string vat_code;    ///< none, vat0, vat5, vat7, vat10, vat20, vat22
    std::string category;
};

struct Folio {
    std::string folio_id;
    std::string folio_number;
    bool closed = false;
    std::string property_id;
    std::string currency = "RUB";
    std::string legal_entity_id;
    std::string legal_entity_name;
    std::string booking_id;
    std::string booking_number;
    std::string arrival;
    std::string departure;
    std::string guest_name;
    std::string guest_email;
    std::string guest_phone;
    std::vector<FolioLine> lines;
    std::int64_t charges_minor = 0;
    std::int64_t paid_minor = 0;
    std::int64_t balance_due_minor = 0;
};

/// Reads the document; nullopt when it is not a valid pms.folio/1 document (the SDK's reader
/// checks what the schema requires; unknown members are ignored).
std::optional<Folio> parse_folio(std::string_view json);

} // namespace invoicebox::plugin
