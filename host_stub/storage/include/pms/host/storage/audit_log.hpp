// The append-only audit trail: who did what to which subject, with JSON details. Rows are never
// updated or deleted (the SQLite backend enforces it with triggers).
#pragma once

#include "pms/host/storage/clock.hpp"
#include "pms/host/storage/ids.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace pms::host {

struct AuditDraft {
    std::string actor;      ///< "staff:17", "plugin:invoicebox", "host"
    std::string actor_name; ///< display name, may be empty
    std::string action;     ///< "settings.save", "payment.post"...
    std::string subject;    ///< "folio:30682277", "plugin:invoicebox"...
    std::string details_json = "{}";
    std::optional<PropertyId> property;
};

struct AuditEntry {
    AuditEntryId id;
    std::string actor;
    std::string actor_name;
    std::string action;
    std::string subject;
    std::string details_json;
    std::optional<PropertyId> property;
    UtcTime at;
};

struct AuditQuery {
    std::optional<PropertyId> property;
    std::optional<std::string> subject;
    AuditEntryId before; ///< page backwards: ids lower than this; 0 = from the newest
    std::size_t limit = 100;
};

/// Thread-safe. Throws `StorageError` on failure (`invalid_argument` for non-JSON details).
class AuditLog {
  public:
    virtual ~AuditLog() = default;

    virtual AuditEntryId append(const AuditDraft& draft) = 0;
    /// Newest first.
    [[nodiscard]] virtual std::vector<AuditEntry> list(const AuditQuery& query) = 0;
};

} // namespace pms::host
