// See store_writer.hpp.
//
// Why one thread: the instance strands only queue and later receive an outcome, so no io thread
// ever waits for an fsync of a pms.store/2 batch; and whatever queued up during one commit
// becomes the next group, so N concurrent batches cost about one fsync (issue 14).
// Why a savepoint per batch: a group is an accident of timing, so a batch's outcome must not
// depend on its group-mates (architecture §8, "Asynchronous store").
#include "store_writer.hpp"

#include "../failpoint.hpp"

#include <algorithm>
#include <exception>
#include <future>
#include <iterator>
#include <utility>

namespace pms::host::sqlite {
namespace {

/// A put of the bytes the row already holds changes nothing, so it writes nothing: the upsert's
/// WHERE leaves the row (and its page) untouched, and updated_at_ms stays the time the value last
/// changed. Plugins rewrite unchanged rows as a matter of course (the InvoiceBox plugin's link
/// save puts its folio and order-id index rows each time, same bytes), and each such row cost a
/// dirty page, a WAL frame on the durable path (issue 14: ~14 pages per first delivery).
void put_row(Connection& c, const StoreScope& scope, std::string_view key, std::string_view value,
             std::int64_t now_ms) {
    c.prepare("INSERT INTO plugin_store (plugin_id, property_id, key, value, updated_at_ms) "
              "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (plugin_id, property_id, key) "
              "DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms "
              "WHERE plugin_store.value IS NOT excluded.value")
        .bind(1, std::string_view{scope.plugin_id})
        .bind(2, scope.property.value)
        .bind(3, Blob{key})
        .bind(4, Blob{value})
        .bind(5, now_ms)
        .run();
}

bool erase_row(Connection& c, const StoreScope& scope, std::string_view key) {
    c.prepare("DELETE FROM plugin_store WHERE plugin_id = ?1 AND property_id = ?2 AND key = ?3")
        .bind(1, std::string_view{scope.plugin_id})
        .bind(2, scope.property.value)
        .bind(3, Blob{key})
        .run();
    return c.changes() > 0;
}

/// Applies the operations of one batch (inside its savepoint). The store.batch.mid failpoint
/// sits halfway, once per batch, as it did before group commit.
void apply_ops(Connection& c, StoreWriter::Job& job, std::int64_t now_ms) {
    const std::size_t middle = std::max<std::size_t>(1, job.batch.size() / 2);
    std::size_t done = 0;
    for (const auto& item : job.batch.items()) {
        if (item.op == StoreBatch::Op::put)
            put_row(c, job.scope, item.key, item.value, now_ms);
        else if (erase_row(c, job.scope, item.key))
            job.erased_any = true;
        if (++done == middle && job.fault_points)
            detail::failpoint("store.batch.mid");
    }
}

StorageError current_error() {
    try {
        throw;
    } catch (const StorageError& e) {
        return e;
    } catch (const std::exception& e) {
        return StorageError{StorageErrc::internal, std::string{"store writer: "} + e.what()};
    } catch (...) {
        return StorageError{StorageErrc::internal, "store writer: unknown error"};
    }
}

} // namespace

StoreWriter::StoreWriter(Database& db) : db_{db} {}

StoreWriter::~StoreWriter() {
    {
        std::lock_guard lock{mutex_};
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable())
        thread_.join();
}

void StoreWriter::submit(std::shared_ptr<Job> job) {
    {
        std::lock_guard lock{mutex_};
        if (stopping_)
            throw StorageError{StorageErrc::internal, "store: the writer has stopped"};
        if (!thread_.joinable())
            thread_ = std::thread{[this] { run(); }};
        queue_.push_back(std::move(job));
    }
    wake_.notify_one();
}

void StoreWriter::submit_and_wait(std::shared_ptr<Job> job) {
    // The promise is shared with the completion, so that it outlives set_value() on the writer
    // thread even when this thread returns first.
    auto outcome = std::make_shared<std::promise<StoreOutcome>>();
    auto ready = outcome->get_future();
    job->done = [outcome](StoreOutcome o) { outcome->set_value(std::move(o)); };
    submit(std::move(job));
    if (auto error = ready.get())
        throw *error;
}

std::vector<std::shared_ptr<const StoreWriter::Job>>
StoreWriter::pending(const StoreScope& scope) const {
    std::vector<std::shared_ptr<const Job>> out;
    std::lock_guard lock{mutex_};
    const auto same = [&](const std::shared_ptr<Job>& j) {
        return j->scope.property == scope.property && j->scope.plugin_id == scope.plugin_id;
    };
    for (const auto& j : committing_)
        if (same(j))
            out.push_back(j);
    for (const auto& j : queue_)
        if (same(j))
            out.push_back(j);
    return out;
}

StoreWriterStats StoreWriter::stats() const {
    std::lock_guard lock{mutex_};
    return stats_;
}

std::shared_ptr<void> StoreWriter::hold() {
    {
        std::lock_guard lock{mutex_};
        ++holds_;
    }
    return std::shared_ptr<void>{nullptr, [this](void*) {
                                     {
                                         std::lock_guard lock{mutex_};
                                         --holds_;
                                     }
                                     wake_.notify_all();
                                 }};
}

void StoreWriter::run() {
    for (;;) {
        std::vector<std::shared_ptr<Job>> group;
        {
            std::unique_lock lock{mutex_};
            wake_.wait(lock, [&] { return stopping_ || (!queue_.empty() && holds_ == 0); });
            if (queue_.empty())
                return; // stopping, and everything queued has been reported
            group.assign(std::make_move_iterator(queue_.begin()),
                         std::make_move_iterator(queue_.end()));
            queue_.clear();
            committing_ = group;
        }
        commit(group);
        {
            // Off the read-through list only now: a reader that misses a batch here finds it
            // in the database (or, failed, nowhere).
            std::lock_guard lock{mutex_};
            committing_.clear();
            for (const auto& job : group) {
                if (job->outcome)
                    ++stats_.failed_batches;
                else
                    ++stats_.batches;
            }
        }
        for (const auto& job : group) {
            auto done = std::exchange(job->done, {});
            if (!done)
                continue;
            try {
                done(std::move(job->outcome));
            } catch (...) {
                // A completion must not throw (it only posts); never let it stop the writer.
            }
        }
    }
}

void StoreWriter::commit(const std::vector<std::shared_ptr<Job>>& group) {
    const bool any_ops =
        std::any_of(group.begin(), group.end(), [](const auto& j) { return j->has_work(); });
    if (!any_ops)
        return; // only empty batches: durable by definition, reported in queue order
    try {
        db_.write([&](Connection& c) {
            const std::int64_t now = db_.now_ms();
            for (const auto& job : group) {
                if (!job->has_work())
                    continue;
                c.run("SAVEPOINT store_batch");
                try {
                    if (job->write)
                        job->write(c);
                    else
                        apply_ops(c, *job, now);
                    c.run("RELEASE store_batch");
                } catch (...) {
                    job->outcome = current_error();
                    job->erased_any = false;
                    // If SQLite already rolled the whole transaction back (I/O error, disk
                    // full), this throws and the group fails as a whole below.
                    c.run("ROLLBACK TO store_batch");
                    c.run("RELEASE store_batch");
                }
            }
        });
    } catch (...) {
        const StorageError error = current_error();
        for (const auto& job : group) {
            if (job->has_work() && !job->outcome)
                job->outcome = error;
            job->erased_any = false;
        }
        return;
    }
    {
        std::lock_guard lock{mutex_};
        ++stats_.commits;
    }
    for (const auto& job : group) {
        if (job->batch.empty() || job->outcome || !job->fault_points)
            continue;
        try {
            detail::failpoint("store.batch.after_commit");
        } catch (...) {
            job->outcome = current_error(); // test-only "=throw": reported failed, as before
        }
    }
}

} // namespace pms::host::sqlite
