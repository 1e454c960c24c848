// The embedded backend: one SQLite database in WAL mode in the host's data folder.
#pragma once

#include "pms/host/storage/clock.hpp"
#include "pms/host/storage/storage.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

namespace pms::host {

struct SqliteStorageOptions {
    std::shared_ptr<const Clock> clock; ///< null = system clock
    std::string file_name = "pms-host.sqlite3";
    /// The key that seals plugin secrets (32 raw bytes, mode 0600, created on first open).
    /// Empty = `<data_dir>/secret.key`. Back it up with the database: without it the stored
    /// secrets cannot be read.
    std::filesystem::path secret_key_file;
    /// How long a writer waits for another connection's write transaction before failing busy.
    std::chrono::milliseconds busy_timeout{10'000};
    std::size_t max_idle_readers = 4;
    /// Migrate only up to this version; 0 = latest. For migration tests.
    int target_schema_version = 0;
};

/// Process-wide SQLite settings for a server process; call once, before any connection opens
/// (SQLite accepts them only before it initialises; later calls change nothing and return false).
/// It turns off SQLite's memory statistics: with them on, every allocation SQLite makes takes
/// one global mutex, which the store's writer thread and the readers on the io threads then
/// contend for (perf of bench/ first deliveries: futex waits under sqlite3Malloc). The host
/// never reads those statistics; the storage tests, which do, don't call this.
bool configure_sqlite_for_server() noexcept;

/// The schema version this build migrates to.
[[nodiscard]] int sqlite_latest_schema_version() noexcept;

/// Opens (creating the folder and the file if needed) and migrates the database, loads or creates
/// the secret key and seals any secret still stored in clear by an older version.
/// The folder is made owner-only (0700, an existing one is tightened), the database and its -wal
/// and -shm files 0600, whatever the process umask.
/// Throws `StorageError` (`schema_too_new` when the file is newer than this build; `io` when the
/// key file is missing while sealed secrets exist, or is open to group/others or not ours;
/// `corrupt` when it is not 32 bytes).
[[nodiscard]] std::unique_ptr<Storage> open_sqlite_storage(const std::filesystem::path& data_dir,
                                                           SqliteStorageOptions options = {});

} // namespace pms::host
