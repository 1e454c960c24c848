// The connections of one SQLite storage instance: one writer connection, serialised by a mutex
// within the instance and by `BEGIN IMMEDIATE` across instances and processes, and a pool of
// reader connections that run concurrently with it (WAL snapshots). It also holds the key that
// seals plugin secrets, so the repositories reach it the way they reach the connections.
#pragma once

#include "../secret_box.hpp"
#include "connection.hpp"

#include "pms/host/storage/clock.hpp"

#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <type_traits>
#include <vector>

namespace pms::host::sqlite {

class Database {
  public:
    Database(std::filesystem::path file, std::shared_ptr<const Clock> clock,
             ConnectionOptions options, std::size_t max_idle_readers, int target_version);

    /// Runs `f(Connection&)` in a write transaction and commits; rolls back if it throws.
    /// Serialised within this instance; other instances and processes wait on the database lock.
    template <class F>
    auto write(F&& f) -> std::invoke_result_t<F&, Connection&> {
        using R = std::invoke_result_t<F&, Connection&>;
        std::lock_guard lock{writer_mutex_};
        WriteTransaction tx{*writer_};
        if constexpr (std::is_void_v<R>) {
            f(*writer_);
            tx.commit();
        } else {
            R result = f(*writer_);
            tx.commit();
            return result;
        }
    }

    /// Runs `f(Connection&)` on a reader connection inside one read snapshot.
    template <class F>
    auto read(F&& f) -> std::invoke_result_t<F&, Connection&> {
        Lease lease{*this};
        ReadTransaction tx{*lease.connection};
        return f(*lease.connection);
    }

    /// Runs `f(Connection&)`, which steps ONE statement, on a reader connection without a
    /// transaction of its own: SQLite reads a lone statement from one snapshot anyway
    /// (autocommit), and the BEGIN and COMMIT around it were a third of a key lookup's cost
    /// (perf, bench/ poll pass over 2,000 links). Two statements need read().
    template <class F>
    auto read_statement(F&& f) -> std::invoke_result_t<F&, Connection&> {
        Lease lease{*this};
        return f(*lease.connection);
    }

    [[nodiscard]] const Clock& clock() const noexcept { return *clock_; }
    [[nodiscard]] std::int64_t now_ms() const noexcept { return clock_->now_utc_ms(); }
    [[nodiscard]] int schema_version() const noexcept { return schema_version_; }
    [[nodiscard]] const std::filesystem::path& file() const noexcept { return file_; }

    /// The key that seals plugin secrets. Set once by the opener, before the repositories are
    /// handed out (so no lock is needed); throws StorageError(internal) if it never was.
    void set_secret_box(std::shared_ptr<const SecretBox> box) noexcept {
        secret_box_ = std::move(box);
    }
    [[nodiscard]] const SecretBox& secret_box() const;

    /// Best-effort `wal_checkpoint(TRUNCATE)` on the writer: copies the log into the database
    /// file and empties the log, e.g. so that rows just rewritten leave no old copy in the log.
    /// False when readers in other connections kept it from completing.
    bool checkpoint_truncate();

  private:
    struct Lease {
        explicit Lease(Database& db);
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease();
        Database& db;
        std::unique_ptr<Connection> connection;
    };

    std::filesystem::path file_;
    std::shared_ptr<const Clock> clock_;
    ConnectionOptions reader_options_;
    std::size_t max_idle_readers_;

    std::mutex writer_mutex_;
    std::unique_ptr<Connection> writer_;
    int schema_version_ = 0;
    std::shared_ptr<const SecretBox> secret_box_;

    std::mutex readers_mutex_;
    std::vector<std::unique_ptr<Connection>> idle_readers_;
};

} // namespace pms::host::sqlite
