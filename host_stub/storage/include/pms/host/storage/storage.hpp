// The host's storage: the one interface behind which the plugin store, the folio model and
// payments, settings, notifications, the audit log and staff accounts live. Code outside a backend depends on
// this header only, so a PostgreSQL backend can replace SQLite (architecture §5).
#pragma once

#include "pms/host/storage/audit_log.hpp"
#include "pms/host/storage/errors.hpp"
#include "pms/host/storage/folio_repository.hpp"
#include "pms/host/storage/notification_repository.hpp"
#include "pms/host/storage/plugin_store.hpp"
#include "pms/host/storage/settings_repository.hpp"
#include "pms/host/storage/staff_repository.hpp"

#include <string>

namespace pms::host {

/// Owns the connections of one backend. Thread-safe; the repositories it returns live as long
/// as it does. Several instances (and processes) may open the same database.
class Storage {
  public:
    virtual ~Storage() = default;

    [[nodiscard]] virtual PluginStore& plugin_store() noexcept = 0;
    [[nodiscard]] virtual FolioRepository& folios() noexcept = 0;
    [[nodiscard]] virtual SettingsRepository& settings() noexcept = 0;
    [[nodiscard]] virtual NotificationRepository& notifications() noexcept = 0;
    [[nodiscard]] virtual AuditLog& audit() noexcept = 0;
    [[nodiscard]] virtual StaffRepository& staff() noexcept = 0;

    /// The schema version of the opened database.
    [[nodiscard]] virtual int schema_version() const noexcept = 0;
    /// For logs: "sqlite:/var/lib/pms/pms-host.sqlite3".
    [[nodiscard]] virtual std::string describe() const = 0;
};

} // namespace pms::host
