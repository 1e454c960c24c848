// The SQLite backend's Storage: one Database shared by the five repositories.
#include "pms/host/storage/sqlite_storage.hpp"

#include "repositories.hpp"
#include "schema.hpp"

#include <system_error>

namespace pms::host {
namespace {

class SqliteStorage final : public Storage {
  public:
    SqliteStorage(std::filesystem::path file, std::shared_ptr<const Clock> clock,
                  sqlite::ConnectionOptions options, std::size_t max_idle_readers, int target)
        : db_{std::move(file), std::move(clock), options, max_idle_readers, target}, store_{db_},
          folios_{db_}, settings_{db_}, notifications_{db_}, audit_{db_} {}

    PluginStore& plugin_store() noexcept override { return store_; }
    FolioRepository& folios() noexcept override { return folios_; }
    SettingsRepository& settings() noexcept override { return settings_; }
    NotificationRepository& notifications() noexcept override { return notifications_; }
    AuditLog& audit() noexcept override { return audit_; }
    int schema_version() const noexcept override { return db_.schema_version(); }
    std::string describe() const override { return "sqlite:" + db_.file().string(); }

  private:
    sqlite::Database db_;
    sqlite::SqlitePluginStore store_;
    sqlite::SqliteFolioRepository folios_;
    sqlite::SqliteSettingsRepository settings_;
    sqlite::SqliteNotificationRepository notifications_;
    sqlite::SqliteAuditLog audit_;
};

} // namespace

int sqlite_latest_schema_version() noexcept {
    return sqlite::latest_schema_version();
}

std::unique_ptr<Storage> open_sqlite_storage(const std::filesystem::path& data_dir,
                                             SqliteStorageOptions options) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec)
        throw StorageError{StorageErrc::io, "create " + data_dir.string() + ": " + ec.message()};
    if (!options.clock)
        options.clock = shared_system_clock();
    sqlite::ConnectionOptions connection{options.busy_timeout, true};
    return std::make_unique<SqliteStorage>(data_dir / options.file_name, std::move(options.clock),
                                           connection, options.max_idle_readers,
                                           options.target_schema_version);
}

} // namespace pms::host
