// The "pms.folio/1" document (plugin_api/schema/folio-v1.md) built from the host's folio model.
#pragma once

#include <pms/host/storage/folio_repository.hpp>

#include <string>
#include <vector>

namespace pms::host::detail {

/// The JSON text of `summary` with its `payments`, as pms.folio/1 get_folio() returns it.
[[nodiscard]] std::string folio_document(const FolioSummary& summary,
                                         const std::vector<Payment>& payments);

/// The folio document's VAT code for a storage code: "RUS_VAT20" -> "vat20", "VATNONE" ->
/// "none"; codes already in the document's vocabulary pass through.
[[nodiscard]] std::string folio_vat_code(const std::string& storage_code);

/// "2025-03-14T10:00:00Z"
[[nodiscard]] std::string rfc3339_utc(UtcTime t);

} // namespace pms::host::detail
