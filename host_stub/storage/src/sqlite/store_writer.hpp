// The plugin store's writer: one thread per store that takes every batch waiting in its queue
// and commits them in ONE transaction (group commit: one fsync for many batches). Each batch runs
// inside its own SAVEPOINT, so a batch that fails is rolled back alone while its group-mates
// commit. Batches stay visible to reads (`pending`) until they are reported, so a reader never
// misses a batch that is queued, being committed, or just committed.
#pragma once

#include "database.hpp"

#include "pms/host/storage/plugin_store.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace pms::host::sqlite {

class StoreWriter {
  public:
    /// One queued batch. `scope`, `batch` and `fault_points` never change after submit (readers
    /// look at them from other threads); the rest belongs to the writer thread.
    struct Job {
        StoreScope scope;
        StoreBatch batch;
        StoreDone done;
        /// Whether the batch passes the store.batch.* failpoints (false for single put/erase).
        bool fault_points = true;
        /// Instead of a batch: a write to another table that keeps its place among the batches
        /// (a staff alert of pms.notify/1, which must be durable before any batch its plugin
        /// queues after raising it). Runs in its own savepoint like a batch; never read through.
        std::function<void(Connection&)> write;
        StoreOutcome outcome;
        bool erased_any = false; ///< an erase removed a row (for PluginStore::erase)

        [[nodiscard]] bool has_work() const noexcept { return !batch.empty() || write != nullptr; }
    };

    explicit StoreWriter(Database& db);
    /// Commits every batch still queued, reports each, then stops the thread.
    ~StoreWriter();

    StoreWriter(const StoreWriter&) = delete;
    StoreWriter& operator=(const StoreWriter&) = delete;

    /// Queues `job`; its `done` runs once on the writer thread. Throws StorageError(internal)
    /// once the writer is stopping (nothing queued then). Starts the thread on first use.
    void submit(std::shared_ptr<Job> job);

    /// submit() and wait on this thread for the outcome (pms.store/1 writes, alert resolution);
    /// rethrows a failure. `job->done` is replaced.
    void submit_and_wait(std::shared_ptr<Job> job);

    /// The batches of `scope` queued or being committed and not yet reported, oldest first.
    [[nodiscard]] std::vector<std::shared_ptr<const Job>> pending(const StoreScope& scope) const;

    [[nodiscard]] StoreWriterStats stats() const;

    /// While the token lives no new group starts (PluginStore::hold_writer).
    [[nodiscard]] std::shared_ptr<void> hold();

  private:
    void run();
    void commit(const std::vector<std::shared_ptr<Job>>& group);

    Database& db_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::shared_ptr<Job>> queue_;       ///< guarded by mutex_
    std::vector<std::shared_ptr<Job>> committing_; ///< guarded by mutex_
    StoreWriterStats stats_;                       ///< guarded by mutex_
    bool stopping_ = false;                        ///< guarded by mutex_
    std::size_t holds_ = 0;                        ///< guarded by mutex_
    std::thread thread_;
};

} // namespace pms::host::sqlite
