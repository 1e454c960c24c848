// Thin RAII layer over the SQLite C API used by the SQLite backend only: a connection with a
// statement cache, borrowed statements that reset themselves, and transactions. One connection
// is used by one thread at a time (the Database hands them out); none of this is thread-safe.
#pragma once

#include "pms/host/storage/errors.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace pms::host::sqlite {

/// Maps a SQLite result code to the storage error it means for callers.
[[nodiscard]] StorageErrc errc_from_sqlite(int extended_rc) noexcept;
/// Throws StorageError for `rc`, with the connection's message and `context`.
[[noreturn]] void throw_sqlite(sqlite3* db, int rc, std::string_view context);

/// Marks a parameter to be bound as a BLOB (compared bytewise), not as TEXT.
struct Blob {
    std::string_view bytes;
};

/// A prepared statement borrowed from a Connection's cache, or owned when the cached one is
/// already in use. Resets and clears its bindings when destroyed.
class Statement {
  public:
    Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Parameters are 1-based, like SQLite's.
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, Blob blob);
    Statement& bind(int index, std::nullopt_t);
    Statement& bind(int index, const std::optional<std::int64_t>& value);

    /// Advances; true when a row is available. Throws on error.
    bool step();
    /// Runs a statement that returns no rows.
    void run();

    // Columns are 0-based, like SQLite's.
    [[nodiscard]] std::int64_t int64(int col) const noexcept;
    [[nodiscard]] std::string text(int col) const;
    [[nodiscard]] std::string blob(int col) const;
    [[nodiscard]] bool is_null(int col) const noexcept;
    [[nodiscard]] std::optional<std::int64_t> optional_int64(int col) const noexcept;

  private:
    sqlite3* db_;
    sqlite3_stmt* stmt_;
    bool* in_use_; ///< the cache slot's flag; null for an owned statement
};

/// Page cache per connection (`PRAGMA cache_size=-KiB`), sized on purpose instead of SQLite's
/// default of 2000 KiB for every connection (issue 11: the host's memory grew with the database
/// until each pooled connection held ~2 MiB of it). See connection.cpp for why these numbers.
inline constexpr int writer_cache_kib = 1024;
inline constexpr int reader_cache_kib = 256;

struct ConnectionOptions {
    std::chrono::milliseconds busy_timeout{10'000};
    bool writer = true; ///< readers run with query_only=ON
};

class Connection {
  public:
    Connection(const std::filesystem::path& file, const ConnectionOptions& options);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    /// Runs one or more statements that return no rows.
    void exec(const char* sql);
    /// Runs one statement that returns no rows through the statement cache: for the fixed
    /// statements every transaction runs (BEGIN, COMMIT, SAVEPOINT, RELEASE), which exec()
    /// would parse again each time (issue 14: a group commit ran four per batch).
    void run(const std::string& sql);
    /// A cached prepared statement for `sql` (one statement).
    [[nodiscard]] Statement prepare(const std::string& sql);
    /// The first column of the first row of a one-value query (PRAGMA user_version...).
    [[nodiscard]] std::int64_t query_int64(const std::string& sql);

    /// Throws StorageError(invalid_argument) unless `text` is well-formed JSON.
    void require_json(std::string_view text, const char* what);

    [[nodiscard]] std::int64_t last_insert_rowid() const noexcept;
    [[nodiscard]] int changes() const noexcept;
    [[nodiscard]] bool in_transaction() const noexcept;
    [[nodiscard]] sqlite3* handle() const noexcept { return db_; }

  private:
    struct Cached {
        sqlite3_stmt* stmt = nullptr;
        bool in_use = false;
    };
    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, Cached> cache_;
};

/// `BEGIN IMMEDIATE`: takes the write lock up front so the transaction never has to upgrade
/// (an upgrade that meets another writer fails SQLITE_BUSY without the busy handler retrying).
/// Rolls back unless committed.
class WriteTransaction {
  public:
    explicit WriteTransaction(Connection& c);
    WriteTransaction(const WriteTransaction&) = delete;
    WriteTransaction& operator=(const WriteTransaction&) = delete;
    ~WriteTransaction();
    void commit();

  private:
    Connection& c_;
    bool done_ = false;
};

/// A deferred read transaction: every statement inside sees the same snapshot.
class ReadTransaction {
  public:
    explicit ReadTransaction(Connection& c);
    ReadTransaction(const ReadTransaction&) = delete;
    ReadTransaction& operator=(const ReadTransaction&) = delete;
    ~ReadTransaction();

  private:
    Connection& c_;
};

} // namespace pms::host::sqlite
