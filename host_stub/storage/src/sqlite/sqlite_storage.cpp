// The SQLite backend's Storage: one Database shared by the six repositories. Opening it is also
// where the data folder is made owner-only, the secret key is loaded (or created on the first
// start) and secrets written in clear by older versions are sealed, so that every road into the
// backend passes through these checks.
#include "pms/host/storage/sqlite_storage.hpp"

#include "../secret_box.hpp"
#include "../os_text.hpp"
#include "repositories.hpp"
#include "schema.hpp"
#include "sqlite_staff_repository.hpp"

#include <cerrno>
#include <cstdio>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pms::host {
namespace {

namespace fs = std::filesystem;

using detail::errno_text;
using detail::octal_mode;

// --- file modes ---------------------------------------------------------------------------------
// Payments, settings and sealed secrets are the hotel's and no one else's: the folder is 0700 and
// the database files 0600 whatever the process umask says. SQLite's unix VFS gives the -wal and
// -shm files it creates the permissions of the database file, so a 0600 database is enough for
// new ones; existing ones (an older version made them 0644) are tightened before SQLite opens
// them.

/// Creates `dir` (its parents as usual, itself 0700) or strips group/other access from it.
void prepare_data_dir(const fs::path& data_dir) {
    fs::path dir = data_dir.lexically_normal();
    if (!dir.has_filename() && dir.has_parent_path())
        dir = dir.parent_path(); // "data/" names the folder "data"
    bool created = false;
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
        if (errno != ENOENT)
            throw StorageError{StorageErrc::io,
                               "data folder " + dir.string() + ": " + errno_text(errno)};
        std::error_code ec;
        if (dir.has_parent_path())
            fs::create_directories(dir.parent_path(), ec);
        if (ec)
            throw StorageError{StorageErrc::io,
                               "create " + dir.parent_path().string() + ": " + ec.message()};
        if (::mkdir(dir.c_str(), 0700) == 0)
            created = true;
        else if (errno != EEXIST) // EEXIST: a concurrent opener made it
            throw StorageError{StorageErrc::io,
                               "create " + dir.string() + ": " + errno_text(errno)};
        if (::stat(dir.c_str(), &st) != 0)
            throw StorageError{StorageErrc::io,
                               "data folder " + dir.string() + ": " + errno_text(errno)};
    }
    if (!S_ISDIR(st.st_mode))
        throw StorageError{StorageErrc::io, "data folder " + dir.string() + " is not a folder"};
    if (!created && (st.st_mode & 077) == 0)
        return;
    // A sticky folder (/tmp and the like) is shared by design; making it 0700 would break every
    // other user of it, so the host refuses to keep its data there instead.
    if ((st.st_mode & S_ISVTX) != 0)
        throw StorageError{StorageErrc::io,
                           "data folder " + dir.string() +
                               " is a shared folder (sticky bit); give the host a folder of "
                               "its own"};
    // A new folder gets exactly 0700 (mkdir's mode went through the umask); an existing one
    // keeps its owner bits and loses everything group and others had.
    const mode_t mode = created ? 0700 : (st.st_mode & 0700);
    if (::chmod(dir.c_str(), mode) != 0)
        throw StorageError{StorageErrc::io, "data folder " + dir.string() + " has mode " +
                                                octal_mode(st.st_mode) +
                                                " (open to group or others) and cannot be made "
                                                "owner-only: " +
                                                errno_text(errno)};
}

/// Creates the empty database file with mode 0600 before SQLite opens it. mknod creates the
/// file without opening it: closing a descriptor of a file that another connection of this
/// process has open would silently drop that connection's POSIX locks.
void create_owner_only_file(const fs::path& file) {
    if (::mknod(file.c_str(), S_IFREG | 0600, 0) != 0) {
        if (errno == EEXIST)
            return;
        if (errno != EPERM && errno != EINVAL && errno != EOPNOTSUPP)
            throw StorageError{StorageErrc::io,
                               "create " + file.string() + ": " + errno_text(errno)};
        // A file system that will not mknod a regular file: create it the usual way.
        const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            if (errno == EEXIST)
                return;
            throw StorageError{StorageErrc::io,
                               "create " + file.string() + ": " + errno_text(errno)};
        }
        ::close(fd);
    }
    // The creation mode went through the umask.
    if (::chmod(file.c_str(), 0600) != 0)
        throw StorageError{StorageErrc::io, "chmod " + file.string() + ": " + errno_text(errno)};
}

/// An existing file open to group or others becomes 0600 (by path: see above for why no fd).
void tighten_file(const fs::path& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
        if (errno == ENOENT)
            return;
        throw StorageError{StorageErrc::io, "stat " + file.string() + ": " + errno_text(errno)};
    }
    if (!S_ISREG(st.st_mode) || (st.st_mode & 077) == 0)
        return;
    if (::chmod(file.c_str(), 0600) != 0)
        throw StorageError{StorageErrc::io,
                           file.string() + " has mode " + octal_mode(st.st_mode) +
                               " and cannot be made owner-only: " + errno_text(errno)};
}

void prepare_database_files(const fs::path& file) {
    create_owner_only_file(file);
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        auto f = file;
        f += suffix;
        tighten_file(f);
    }
}

// --- secrets ------------------------------------------------------------------------------------

bool has_secret_table(sqlite::Connection& c) {
    // A database migrated only to v1 (migration tests) has no secrets yet.
    return c.query_int64("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
                         "name = 'plugin_secrets'") != 0;
}

std::size_t count_sealed_secrets(sqlite::Database& db) {
    return db.read([](sqlite::Connection& c) -> std::size_t {
        if (!has_secret_table(c))
            return 0;
        auto st = c.prepare("SELECT value FROM plugin_secrets");
        std::size_t sealed = 0;
        while (st.step()) {
            auto value = st.blob(0);
            sealed += SecretBox::is_sealed(value) ? 1 : 0;
            wipe(value); // a legacy row may be plain text
        }
        return sealed;
    });
}

/// The key in the key file; a new one only when no secret is sealed yet. A new key while
/// sealed secrets exist would leave them unreadable for good and hide that they were lost.
std::shared_ptr<const SecretBox> open_secret_box(sqlite::Database& db, const fs::path& key_file) {
    if (auto box = SecretBox::load_key_file(key_file))
        return std::make_shared<const SecretBox>(*box);
    if (const auto sealed = count_sealed_secrets(db); sealed > 0)
        throw StorageError{
            StorageErrc::io,
            key_file.filename().string() +
                " missing: the stored secrets cannot be read without it (" +
                std::to_string(sealed) + " sealed in " + db.file().string() + "). Restore " +
                key_file.string() +
                " from the backup taken with the database; the host does not make a new key, "
                "which would lose them"};
    return std::make_shared<const SecretBox>(SecretBox::create_key_file(key_file));
}

/// Seals every secret an older version stored in clear, in one write transaction that re-reads
/// the rows, so concurrent openers seal each row once and a crash leaves all or none sealed.
/// Idempotent: sealed rows are left alone.
void seal_legacy_secrets(sqlite::Database& db, const SecretBox& box) {
    struct Row {
        std::string plugin_id;
        std::int64_t property_id;
        std::int64_t legal_entity_id;
        std::string key;
        std::string value;
    };
    struct Rows {
        std::vector<Row> rows;
        Rows() = default;
        Rows(const Rows&) = delete;
        Rows& operator=(const Rows&) = delete;
        ~Rows() {
            for (auto& r : rows)
                wipe(r.value);
        }
    };
    const auto sealed = db.write([&](sqlite::Connection& c) -> std::size_t {
        if (!has_secret_table(c))
            return 0;
        Rows legacy;
        {
            auto st = c.prepare("SELECT plugin_id, property_id, legal_entity_id, key, value "
                                "FROM plugin_secrets");
            while (st.step()) {
                auto value = st.blob(4);
                if (SecretBox::is_sealed(value))
                    continue;
                legacy.rows.push_back(
                    {st.text(0), st.int64(1), st.int64(2), st.text(3), std::move(value)});
            }
        }
        if (legacy.rows.empty())
            return 0;
        // secure_delete zeroes the bytes SQLite frees when it rewrites a row, so the clear text
        // does not linger in the file's free space; restored afterwards (it costs I/O).
        const auto previous = c.query_int64("PRAGMA secure_delete");
        c.exec("PRAGMA secure_delete = ON");
        for (const auto& r : legacy.rows) {
            const SecretSlot slot{r.plugin_id, r.property_id, r.legal_entity_id, r.key};
            c.prepare("UPDATE plugin_secrets SET value = ?5 WHERE plugin_id = ?1 AND "
                      "property_id = ?2 AND legal_entity_id = ?3 AND key = ?4")
                .bind(1, std::string_view{r.plugin_id})
                .bind(2, r.property_id)
                .bind(3, r.legal_entity_id)
                .bind(4, std::string_view{r.key})
                .bind(5, sqlite::Blob{box.seal(slot, r.value)})
                .run();
        }
        c.exec(("PRAGMA secure_delete = " + std::to_string(previous)).c_str());
        return legacy.rows.size();
    });
    // Move the sealed pages into the database file over the clear ones and empty the log.
    // Best effort: another process reading right now keeps it from completing, and SQLite
    // checkpoints again when the last connection closes.
    if (sealed > 0)
        db.checkpoint_truncate();
}

class SqliteStorage final : public Storage {
  public:
    SqliteStorage(std::filesystem::path file, std::shared_ptr<const Clock> clock,
                  sqlite::ConnectionOptions options, std::size_t max_idle_readers, int target,
                  const fs::path& key_file)
        : db_{std::move(file), std::move(clock), options, max_idle_readers, target}, store_{db_},
          folios_{db_, store_.writer()}, settings_{db_}, notifications_{db_, store_.writer()}, audit_{db_}, staff_{db_} {
        db_.set_secret_box(open_secret_box(db_, key_file));
        seal_legacy_secrets(db_, db_.secret_box());
    }

    PluginStore& plugin_store() noexcept override { return store_; }
    FolioRepository& folios() noexcept override { return folios_; }
    SettingsRepository& settings() noexcept override { return settings_; }
    NotificationRepository& notifications() noexcept override { return notifications_; }
    AuditLog& audit() noexcept override { return audit_; }
    StaffRepository& staff() noexcept override { return staff_; }
    int schema_version() const noexcept override { return db_.schema_version(); }
    std::string describe() const override { return "sqlite:" + db_.file().string(); }

  private:
    sqlite::Database db_;
    sqlite::SqlitePluginStore store_;
    sqlite::SqliteFolioRepository folios_;
    sqlite::SqliteSettingsRepository settings_;
    sqlite::SqliteNotificationRepository notifications_;
    sqlite::SqliteAuditLog audit_;
    sqlite::SqliteStaffRepository staff_;
};

} // namespace

bool configure_sqlite_for_server() noexcept {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
}

int sqlite_latest_schema_version() noexcept {
    return sqlite::latest_schema_version();
}

std::unique_ptr<Storage> open_sqlite_storage(const std::filesystem::path& data_dir,
                                             SqliteStorageOptions options) {
    prepare_data_dir(data_dir);
    const auto file = data_dir / options.file_name;
    prepare_database_files(file);
    const auto key_file =
        options.secret_key_file.empty() ? data_dir / "secret.key" : options.secret_key_file;
    if (!options.clock)
        options.clock = shared_system_clock();
    sqlite::ConnectionOptions connection{options.busy_timeout, true};
    return std::make_unique<SqliteStorage>(file, std::move(options.clock), connection,
                                           options.max_idle_readers, options.target_schema_version,
                                           key_file);
}

} // namespace pms::host
