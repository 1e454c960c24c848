// See connection.hpp.
#include "connection.hpp"

#include <string>
#include <thread>

namespace pms::host::sqlite {

StorageErrc errc_from_sqlite(int rc) noexcept {
    switch (rc) {
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return StorageErrc::not_found;
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return StorageErrc::already_exists;
    default:
        break;
    }
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return StorageErrc::busy;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
        return StorageErrc::io;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return StorageErrc::corrupt;
    case SQLITE_FULL:
        return StorageErrc::full;
    case SQLITE_CONSTRAINT:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
        return StorageErrc::invalid_argument;
    default:
        return StorageErrc::internal;
    }
}

void throw_sqlite(sqlite3* db, int rc, std::string_view context) {
    std::string what{context};
    what += ": ";
    what += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    what += " (sqlite " + std::to_string(rc) + ")";
    throw StorageError{errc_from_sqlite(rc), what};
}

// --- Statement -----------------------------------------------------------------------------------

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use) noexcept
    : db_{db}, stmt_{stmt}, in_use_{in_use} {}

Statement::~Statement() {
    if (in_use_ == nullptr) {
        sqlite3_finalize(stmt_);
        return;
    }
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *in_use_ = false;
}

Statement& Statement::bind(int index, std::int64_t value) {
    if (const int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK)
        throw_sqlite(db_, rc, "bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    // SQLITE_TRANSIENT copies: the argument may be a temporary that dies before step().
    const int rc =
        sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK)
        throw_sqlite(db_, rc, "bind");
    return *this;
}

Statement& Statement::bind(int index, Blob blob) {
    // A zero-length blob must still be a BLOB (not NULL), so never pass a null pointer.
    static const char empty = 0;
    const char* data = blob.bytes.empty() ? &empty : blob.bytes.data();
    if (const int rc = sqlite3_bind_blob64(stmt_, index, data, blob.bytes.size(), SQLITE_TRANSIENT);
        rc != SQLITE_OK)
        throw_sqlite(db_, rc, "bind");
    return *this;
}

Statement& Statement::bind(int index, std::nullopt_t) {
    if (const int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK)
        throw_sqlite(db_, rc, "bind");
    return *this;
}

Statement& Statement::bind(int index, const std::optional<std::int64_t>& value) {
    return value ? bind(index, *value) : bind(index, std::nullopt);
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    throw_sqlite(db_, rc, sqlite3_sql(stmt_));
}

void Statement::run() {
    while (step()) {
    }
}

std::int64_t Statement::int64(int col) const noexcept {
    return sqlite3_column_int64(stmt_, col);
}

std::string Statement::text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    const int n = sqlite3_column_bytes(stmt_, col);
    return p != nullptr ? std::string{p, static_cast<std::size_t>(n)} : std::string{};
}

std::string Statement::blob(int col) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    const int n = sqlite3_column_bytes(stmt_, col);
    return p != nullptr ? std::string{p, static_cast<std::size_t>(n)} : std::string{};
}

bool Statement::is_null(int col) const noexcept {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

std::optional<std::int64_t> Statement::optional_int64(int col) const noexcept {
    if (is_null(col))
        return std::nullopt;
    return int64(col);
}

// --- Connection ----------------------------------------------------------------------------------

namespace {

std::string pragma_text(sqlite3* db, const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
    if (rc != SQLITE_OK)
        throw_sqlite(db, rc, sql);
    std::string result;
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        result = p != nullptr ? p : "";
        rc = sqlite3_step(stmt);
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        throw_sqlite(db, rc, sql);
    return result;
}

// Switching to WAL needs an exclusive lock; another process opening the same new file at the
// same moment makes it fail busy, so retry for as long as the busy timeout allows.
void enable_wal(sqlite3* db, std::chrono::milliseconds busy_timeout) {
    const auto deadline = std::chrono::steady_clock::now() + busy_timeout;
    for (;;) {
        try {
            if (pragma_text(db, "PRAGMA journal_mode") == "wal")
                return;
            if (pragma_text(db, "PRAGMA journal_mode=WAL") == "wal")
                return;
            throw StorageError{StorageErrc::io, "the database refused WAL journal mode"};
        } catch (const StorageError& e) {
            if (e.errc() != StorageErrc::busy || std::chrono::steady_clock::now() > deadline)
                throw;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
}

} // namespace

Connection::Connection(const std::filesystem::path& file, const ConnectionOptions& options) {
    const int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    const int rc = sqlite3_open_v2(file.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string what = "open " + file.string() + ": " +
                           (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw StorageError{errc_from_sqlite(rc), what};
    }
    try {
        sqlite3_extended_result_codes(db_, 1);
        sqlite3_busy_timeout(db_, static_cast<int>(options.busy_timeout.count()));
        // The file must really be a database before we change anything (journal mode).
        pragma_text(db_, "PRAGMA schema_version");
        if (options.writer)
            enable_wal(db_, options.busy_timeout);
        // FULL: in WAL mode the log is fsynced at every commit, so a write that returned
        // survives a power cut, not only a killed process (README: durability).
        exec("PRAGMA synchronous=FULL");
        exec("PRAGMA foreign_keys=ON");
        exec("PRAGMA trusted_schema=OFF");
        if (!options.writer)
            exec("PRAGMA query_only=ON");
        // The page cache, bounded on purpose (issue 11). SQLite's default gives every
        // connection up to 2000 KiB, and each one fills it with the pages it has read: the
        // writer plus the 4 idle readers of the pool held ~10 MiB once the database had
        // outgrown 2 MiB, and the host's RSS grew with the database until then (the soak,
        // tests/soak/README.md). Sized instead as:
        // - the writer, 1 MiB (256 pages of 4 KiB): it is the only connection that writes, so
        //   its cache stays valid across transactions; that holds the interior b-tree pages of
        //   every table of a database of some hundreds of MiB (one interior page points to
        //   ~100+ children) plus the leaves being written;
        // - a reader, 256 KiB (64 pages): in WAL mode a reader drops its whole cache when it
        //   starts a read after the writer committed, so in a live host it serves one read
        //   transaction; 64 pages hold the b-tree paths (depth 3-4) of the tables a read joins.
        //   A longer scan re-reads leaves from the OS page cache (a pread, no disk I/O).
        // The pooled connections then hold at most 1 MiB + 4 x 256 KiB = 2 MiB, not ~10 MiB.
        const int cache_kib = options.writer ? writer_cache_kib : reader_cache_kib;
        exec(("PRAGMA cache_size=-" + std::to_string(cache_kib)).c_str());
    } catch (...) {
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw;
    }
}

Connection::~Connection() {
    for (auto& [sql, cached] : cache_)
        sqlite3_finalize(cached.stmt);
    sqlite3_close_v2(db_);
}

void Connection::exec(const char* sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string what = message != nullptr ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        throw StorageError{errc_from_sqlite(sqlite3_extended_errcode(db_)),
                           std::string{"exec: "} + what};
    }
}

void Connection::run(const std::string& sql) {
    prepare(sql).run();
}

Statement Connection::prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end() && !it->second.in_use) {
        it->second.in_use = true;
        return Statement{db_, it->second.stmt, &it->second.in_use};
    }
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK)
        throw_sqlite(db_, rc, sql);
    if (it != cache_.end())
        return Statement{db_, stmt, nullptr}; // the cached one is busy: a one-off
    auto& slot = cache_[sql];
    slot.stmt = stmt;
    slot.in_use = true;
    return Statement{db_, stmt, &slot.in_use};
}

std::int64_t Connection::query_int64(const std::string& sql) {
    auto stmt = prepare(sql);
    if (!stmt.step())
        throw StorageError{StorageErrc::internal, "no row from: " + sql};
    return stmt.int64(0);
}

void Connection::require_json(std::string_view text, const char* what) {
    auto st = prepare("SELECT json_valid(?1)");
    st.bind(1, text);
    if (!st.step() || st.int64(0) != 1)
        throw StorageError{StorageErrc::invalid_argument, std::string{what} + ": not valid JSON"};
}

std::int64_t Connection::last_insert_rowid() const noexcept {
    return sqlite3_last_insert_rowid(db_);
}
int Connection::changes() const noexcept {
    return sqlite3_changes(db_);
}
bool Connection::in_transaction() const noexcept {
    return sqlite3_get_autocommit(db_) == 0;
}

// --- transactions --------------------------------------------------------------------------------

WriteTransaction::WriteTransaction(Connection& c) : c_{c} {
    c_.run("BEGIN IMMEDIATE");
}

WriteTransaction::~WriteTransaction() {
    // SQLite may already have rolled back (I/O error, SQLITE_FULL); only roll back what is open.
    if (!done_ && c_.in_transaction())
        sqlite3_exec(c_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void WriteTransaction::commit() {
    c_.run("COMMIT");
    done_ = true;
}

ReadTransaction::ReadTransaction(Connection& c) : c_{c} {
    c_.run("BEGIN");
}

ReadTransaction::~ReadTransaction() {
    if (c_.in_transaction())
        sqlite3_exec(c_.handle(), "COMMIT", nullptr, nullptr, nullptr);
}

} // namespace pms::host::sqlite
