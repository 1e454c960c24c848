// The plugin store's writer (pms.store/2): group commit, one savepoint per batch, read-through
// of pending batches, exactly-once reports, shutdown, and "reported durable" meaning on disk.
// Groups are made deterministic with the writer hold (PluginStore::hold_writer), never with
// timing: batches queued while it is held form one group when it is released.
#include "pms/host/storage/plugin_store.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

using namespace pms::host;

namespace {

/// Records the reports of queued batches: how many times each ran and its outcome.
class Reports {
  public:
    /// The completion for batch `n`.
    StoreDone done(int n) {
        return [this, n](StoreOutcome outcome) {
            std::lock_guard lock{mutex_};
            ++calls_[n];
            outcomes_[n] = std::move(outcome);
            threads_[n] = std::this_thread::get_id();
            cv_.notify_all();
        };
    }
    /// Waits until `count` distinct batches reported (a test failure after 20 s, no timing).
    bool wait(std::size_t count) {
        std::unique_lock lock{mutex_};
        return cv_.wait_for(lock, std::chrono::seconds{20}, [&] { return calls_.size() >= count; });
    }
    int calls(int n) {
        std::lock_guard lock{mutex_};
        return calls_.count(n) != 0 ? calls_[n] : 0;
    }
    StoreOutcome outcome(int n) {
        std::lock_guard lock{mutex_};
        return outcomes_.at(n);
    }
    std::thread::id thread(int n) {
        std::lock_guard lock{mutex_};
        return threads_.at(n);
    }
    std::size_t reported() {
        std::lock_guard lock{mutex_};
        return calls_.size();
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::map<int, int> calls_;
    std::map<int, StoreOutcome> outcomes_;
    std::map<int, std::thread::id> threads_;
};

StoreBatch batch_of(const std::string& key, const std::string& value) {
    StoreBatch b;
    b.put(key, value);
    return b;
}

struct WriterFixture {
    test::TempDir dir;
    std::unique_ptr<Storage> storage = test::open_storage(dir.path());
    PluginStore& store = storage->plugin_store();
    StoreScope scope{"invoicebox", PropertyId{1}};
    Reports reports;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(store_writer, WriterFixture)

BOOST_AUTO_TEST_CASE(concurrent_batches_of_several_instances_share_one_commit) {
    constexpr int batches = 24;
    const StoreWriterStats before = store.writer_stats();
    {
        auto hold = store.hold_writer();
        // Six "instances" (scopes), each queuing from its own thread.
        std::vector<std::thread> threads;
        for (int t = 0; t < 6; ++t)
            threads.emplace_back([&, t] {
                const StoreScope s{"plugin-" + std::to_string(t), PropertyId{1}};
                for (int i = 0; i < batches / 6; ++i) {
                    const int n = t * 100 + i;
                    store.apply_async(s, batch_of("k/" + std::to_string(i), std::to_string(n)),
                                      reports.done(n));
                }
            });
        for (auto& th : threads)
            th.join();
        BOOST_TEST(reports.reported() == 0u); // nothing is reported before it is durable
    }
    BOOST_REQUIRE(reports.wait(batches));
    const StoreWriterStats after = store.writer_stats();
    BOOST_TEST(after.batches - before.batches == static_cast<std::uint64_t>(batches));
    BOOST_TEST(after.commits - before.commits == 1u); // all queued batches: one transaction
    BOOST_TEST(after.failed_batches == before.failed_batches);
    for (int t = 0; t < 6; ++t)
        for (int i = 0; i < batches / 6; ++i) {
            const int n = t * 100 + i;
            BOOST_TEST(reports.calls(n) == 1);
            BOOST_TEST(!reports.outcome(n).has_value());
            BOOST_TEST(reports.thread(n) != std::this_thread::get_id());
            BOOST_TEST(
                store.get({"plugin-" + std::to_string(t), PropertyId{1}}, "k/" + std::to_string(i))
                    .value() == std::to_string(n));
        }
}

BOOST_AUTO_TEST_CASE(a_failing_batch_fails_alone_and_its_group_mates_commit) {
    store.put(scope, "third", "before");
    const StoreWriterStats before = store.writer_stats();
    {
        // The third batch to reach store.batch.mid throws (counted per batch, not per group).
        test::FailpointGuard failpoint{"store.batch.mid=throw#3"};
        {
            auto hold = store.hold_writer();
            for (int n = 1; n <= 5; ++n) {
                StoreBatch b;
                b.put("k/" + std::to_string(n), "v").put("third", "from " + std::to_string(n));
                store.apply_async(scope, std::move(b), reports.done(n));
            }
        }
        BOOST_REQUIRE(reports.wait(5));
    }
    const StoreWriterStats after = store.writer_stats();
    BOOST_TEST(after.commits - before.commits == 1u); // one group, one commit
    BOOST_TEST(after.batches - before.batches == 4u);
    BOOST_TEST(after.failed_batches - before.failed_batches == 1u);
    for (int n = 1; n <= 5; ++n) {
        BOOST_TEST(reports.calls(n) == 1);
        const bool failed = reports.outcome(n).has_value();
        BOOST_TEST(failed == (n == 3));
        BOOST_TEST(store.get(scope, "k/" + std::to_string(n)).has_value() == (n != 3));
    }
    BOOST_TEST(reports.outcome(3)->errc() == StorageErrc::internal);
    BOOST_TEST(store.get(scope, "third").value() == "from 5");
}

BOOST_AUTO_TEST_CASE(reads_see_pending_batches_in_order) {
    store.put(scope, "a", "durable");
    store.put(scope, "c", "durable");
    store.put(scope, "d", "durable");
    {
        auto hold = store.hold_writer();
        StoreBatch first;
        first.put("a", "pending-1").put("b", "new").erase("c");
        store.apply_async(scope, std::move(first), reports.done(1));
        StoreBatch second;
        second.put("a", "pending-2").erase("b").put("b", "again").erase("d");
        store.apply_async(scope, std::move(second), reports.done(2));
        // Another scope's pending batch stays invisible here.
        store.apply_async({"other", PropertyId{1}}, batch_of("a", "other"), reports.done(3));

        BOOST_TEST(reports.reported() == 0u);
        BOOST_TEST(store.get(scope, "a").value() == "pending-2"); // the later batch wins
        BOOST_TEST(store.get(scope, "b").value() == "again");     // erase then put
        BOOST_TEST(!store.get(scope, "c").has_value());           // erased while pending
        BOOST_TEST(!store.get(scope, "d").has_value());
        const auto all = store.scan_prefix(scope, "");
        BOOST_REQUIRE(all.size() == 2u);
        BOOST_TEST(all[0].key == "a");
        BOOST_TEST(all[0].value == "pending-2");
        BOOST_TEST(all[1].key == "b");
        ScanOptions page;
        page.limit = 1;
        page.start_after = "a";
        const auto after_a = store.scan_prefix(scope, "", page);
        BOOST_REQUIRE(after_a.size() == 1u);
        BOOST_TEST(after_a[0].key == "b");
    }
    BOOST_REQUIRE(reports.wait(3));
    // The same answers once durable.
    BOOST_TEST(store.get(scope, "a").value() == "pending-2");
    BOOST_TEST(store.get(scope, "b").value() == "again");
    BOOST_TEST(!store.get(scope, "c").has_value());
    BOOST_TEST(store.scan_prefix(scope, "").size() == 2u);
    BOOST_TEST(store.get({"other", PropertyId{1}}, "a").value() == "other");
}

BOOST_AUTO_TEST_CASE(a_failed_batch_is_no_longer_read_through) {
    store.put(scope, "k", "durable");
    {
        test::FailpointGuard failpoint{"store.batch.mid=throw#1"};
        {
            auto hold = store.hold_writer();
            store.apply_async(scope, batch_of("k", "doomed"), reports.done(1));
            BOOST_TEST(store.get(scope, "k").value() == "doomed");
        }
        BOOST_REQUIRE(reports.wait(1));
    }
    BOOST_TEST(reports.outcome(1).has_value());
    BOOST_TEST(store.get(scope, "k").value() == "durable");
}

BOOST_AUTO_TEST_CASE(store_1_writes_wait_behind_earlier_batches) {
    // put() goes through the same queue: it cannot overtake a batch queued before it.
    auto hold = store.hold_writer();
    store.apply_async(scope, batch_of("k", "queued first"), reports.done(1));
    std::thread writer{[&] { store.put(scope, "k", "written second"); }};
    hold.reset();
    writer.join();
    BOOST_REQUIRE(reports.wait(1));
    BOOST_TEST(store.get(scope, "k").value() == "written second");
}

BOOST_AUTO_TEST_CASE(invalid_batches_are_refused_before_queuing) {
    StoreBatch bad;
    bad.put("", "empty key");
    BOOST_CHECK_THROW(store.apply_async(scope, bad, reports.done(1)), StorageError);
    BOOST_CHECK_THROW(store.apply_async(scope, batch_of("k", "v"), StoreDone{}), StorageError);
    // An empty batch is reported, in order, like any other.
    store.apply_async(scope, StoreBatch{}, reports.done(2));
    BOOST_REQUIRE(reports.wait(1));
    BOOST_TEST(reports.calls(1) == 0);
    BOOST_TEST(reports.calls(2) == 1);
    BOOST_TEST(!reports.outcome(2).has_value());
}

BOOST_AUTO_TEST_CASE(reported_success_is_in_the_file) {
    // Each completion opens the database afresh (another connection, as after a restart) and
    // looks for its own rows: a success report must mean they are committed.
    std::mutex mutex;
    std::vector<std::string> seen;
    std::condition_variable cv;
    const auto path = dir.path();
    for (int n = 0; n < 3; ++n)
        store.apply_async(
            scope, batch_of("fresh/" + std::to_string(n), "v"), [&, n](StoreOutcome outcome) {
                std::string found = outcome ? "failed" : "missing";
                if (!outcome) {
                    auto fresh = test::open_storage(path);
                    if (fresh->plugin_store().get(scope, "fresh/" + std::to_string(n)))
                        found = "found";
                }
                std::lock_guard lock{mutex};
                seen.push_back(found);
                cv.notify_all();
            });
    std::unique_lock lock{mutex};
    BOOST_REQUIRE(cv.wait_for(lock, std::chrono::seconds{20}, [&] { return seen.size() == 3; }));
    for (const auto& s : seen)
        BOOST_TEST(s == "found");
}

BOOST_AUTO_TEST_CASE(a_put_of_the_bytes_already_stored_writes_no_page) {
    // The WAL grows by a frame for each page a commit dirties (no checkpoint below 1,000), so
    // its size says whether a batch wrote anything.
    const auto wal = dir.path() / "pms-host.sqlite3-wal";
    const std::string record(3000, 'r');
    store.put(scope, "link/1", record);
    store.put(scope, "folio/7/1", "");
    const auto before = std::filesystem::file_size(wal);

    // Later, as in a live host: the row's time would change if the row were rewritten (SQLite
    // itself skips rewriting a row whose bytes are all equal, the time included).
    test::test_clock()->advance(std::chrono::seconds{5});
    StoreBatch same;
    same.put("link/1", record).put("folio/7/1", "");
    store.apply_async(scope, std::move(same), reports.done(1));
    BOOST_REQUIRE(reports.wait(1));
    BOOST_TEST(!reports.outcome(1).has_value()); // reported durable, as any put
    BOOST_TEST(std::filesystem::file_size(wal) == before);
    BOOST_TEST(store.get(scope, "link/1").value() == record);

    // One changed byte is a change; an empty value over a non-empty one too.
    std::string changed = record;
    changed.back() = 's';
    StoreBatch other;
    other.put("link/1", changed).put("folio/7/1", "x");
    store.apply_async(scope, std::move(other), reports.done(2));
    BOOST_REQUIRE(reports.wait(2));
    BOOST_TEST(!reports.outcome(2).has_value());
    BOOST_TEST(std::filesystem::file_size(wal) > before);
    BOOST_TEST(store.get(scope, "link/1").value() == changed);
    BOOST_TEST(store.get(scope, "folio/7/1").value() == "x");
    store.put(scope, "folio/7/1", "");
    BOOST_TEST(store.get(scope, "folio/7/1").value().empty());
}

BOOST_AUTO_TEST_CASE(destroying_the_store_reports_every_queued_batch_once) {
    auto storage2 = test::open_storage(dir.path());
    auto hold = storage2->plugin_store().hold_writer();
    for (int n = 0; n < 4; ++n)
        storage2->plugin_store().apply_async(scope, batch_of("shut/" + std::to_string(n), "v"),
                                             reports.done(n));
    hold.reset();
    storage2.reset(); // waits for the writer, which commits everything still queued
    BOOST_TEST(reports.reported() == 4u);
    for (int n = 0; n < 4; ++n) {
        BOOST_TEST(reports.calls(n) == 1);
        BOOST_TEST(!reports.outcome(n).has_value());
        BOOST_TEST(store.get(scope, "shut/" + std::to_string(n)).has_value());
    }
}

BOOST_AUTO_TEST_CASE(killed_inside_a_success_report_keeps_the_batch) {
    // The crash helper queues three batches and SIGKILLs itself inside the first completion
    // that reports success; that batch must be whole after reopening.
    constexpr int count = 2'000;
    const auto r = test::run_crash_helper(
        {"async-store-batch", dir.path().string(), std::to_string(count)}, std::nullopt);
    BOOST_REQUIRE(r.signaled);
    BOOST_REQUIRE(r.signal == SIGKILL);
    auto fresh = test::open_storage(dir.path());
    const StoreScope crash_scope{"crash", PropertyId{1}};
    // The first success is the first batch: batches are reported in queue order.
    BOOST_TEST(fresh->plugin_store().scan_prefix(crash_scope, "a/").size() ==
               static_cast<std::size_t>(count));
}

BOOST_AUTO_TEST_SUITE_END()
