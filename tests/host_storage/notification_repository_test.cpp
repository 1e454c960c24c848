// Staff notifications: dedupe per property, newest-first listing, "since id" for live push.
#include "pms/host/storage/notification_repository.hpp"

#include "pms/host/storage/demo_seed.hpp"
#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <condition_variable>
#include <latch>
#include <mutex>
#include <thread>

using namespace pms::host;

namespace {

struct NotificationFixture {
    test::TempDir dir;
    std::unique_ptr<Storage> storage = test::open_storage(dir.path());
    NotificationRepository& notifications = storage->notifications();
    DemoSeed seed = seed_demo(*storage);

    NotificationDraft draft(std::string key, std::string title = "Оплата не разнесена") const {
        return {seed.property,
                std::move(key),
                NotificationLevel::warning,
                std::move(title),
                "Счёт 30682277: платёж в подвешенном состоянии",
                seed.main_folio,
                "invoicebox"};
    }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(notification_repository, NotificationFixture)

BOOST_AUTO_TEST_CASE(same_key_is_stored_once) {
    const auto first = notifications.raise(draft("suspense:order-1"));
    BOOST_TEST(!first.duplicate);
    BOOST_TEST(first.notification.title == "Оплата не разнесена");
    BOOST_TEST(first.notification.level == NotificationLevel::warning);
    BOOST_TEST(first.notification.folio.value() == seed.main_folio);
    const auto second = notifications.raise(draft("suspense:order-1", "another title"));
    BOOST_TEST(second.duplicate);
    BOOST_TEST(second.notification.id == first.notification.id);
    BOOST_TEST(second.notification.title == "Оплата не разнесена");
    BOOST_TEST(notifications.list_newest(seed.property, 0).size() == 1u);
}

BOOST_AUTO_TEST_CASE(dedupe_is_per_property_and_empty_keys_never_dedupe) {
    const auto other =
        storage->folios().ensure_property({"Второй отель", "Asia/Yekaterinburg", 300}).id;
    auto elsewhere = draft("same-key");
    elsewhere.property = other;
    elsewhere.folio.reset();
    BOOST_TEST(!notifications.raise(draft("same-key")).duplicate);
    BOOST_TEST(!notifications.raise(elsewhere).duplicate);
    BOOST_TEST(!notifications.raise(draft("")).duplicate);
    BOOST_TEST(!notifications.raise(draft("")).duplicate);
    BOOST_TEST(notifications.list_newest(seed.property, 0).size() == 3u);
    BOOST_TEST(notifications.list_newest(other, 0).size() == 1u);
    BOOST_TEST(notifications.list_newest(std::nullopt, 0).size() == 4u);
}

BOOST_AUTO_TEST_CASE(listing_newest_first_and_since_id) {
    std::vector<NotificationId> ids;
    for (int i = 0; i < 5; ++i) {
        test::test_clock()->advance(std::chrono::seconds{1});
        ids.push_back(notifications.raise(draft("n" + std::to_string(i))).notification.id);
    }
    const auto newest = notifications.list_newest(seed.property, 3);
    BOOST_REQUIRE(newest.size() == 3u);
    BOOST_TEST(newest[0].id == ids[4]);
    BOOST_TEST(newest[2].id == ids[2]);
    BOOST_TEST(newest[0].created_at > newest[1].created_at);

    const auto since = notifications.list_since(seed.property, ids[1], 0);
    BOOST_REQUIRE(since.size() == 3u);
    BOOST_TEST(since[0].id == ids[2]);
    BOOST_TEST(since[2].id == ids[4]);
    BOOST_TEST(notifications.list_since(seed.property, ids[4], 0).empty());
    BOOST_TEST(notifications.list_since(std::nullopt, NotificationId{0}, 2).size() == 2u);
}

BOOST_AUTO_TEST_CASE(read_flag) {
    const auto id = notifications.raise(draft("a")).notification.id;
    notifications.raise(draft("b"));
    BOOST_TEST(notifications.unread_count(seed.property) == 2u);
    BOOST_TEST(notifications.mark_read(id));
    BOOST_TEST(!notifications.mark_read(NotificationId{999}));
    BOOST_TEST(notifications.unread_count(std::nullopt) == 1u);
    BOOST_TEST(notifications.list_newest(seed.property, 0).back().read);
}

BOOST_AUTO_TEST_CASE(resolving_by_dedupe_key_finds_an_alert_of_any_age) {
    const auto old_alert = notifications.raise(draft("old-alert")).notification.id;
    // More than the newest 1,000 that resolving used to scan.
    for (int i = 0; i < 1001; ++i)
        notifications.raise(draft("noise-" + std::to_string(i)));
    BOOST_TEST(notifications.mark_read_by_dedupe_key(seed.property, "old-alert"));
    BOOST_TEST(!notifications.mark_read_by_dedupe_key(seed.property, "old-alert")); // already read
    BOOST_TEST(!notifications.mark_read_by_dedupe_key(seed.property, "no-such-key"));
    bool read = false;
    for (const auto& n : notifications.list_since(seed.property, NotificationId{old_alert.value - 1}, 1))
        read = n.id == old_alert && n.read;
    BOOST_TEST(read);
    BOOST_TEST(notifications.unread_count(seed.property) == 1001u);
    BOOST_TEST(notifications.mark_all_read(seed.property) == 1001u);
    BOOST_TEST(notifications.unread_count(seed.property) == 0u);
    BOOST_TEST(notifications.mark_all_read(seed.property) == 0u);
}

BOOST_AUTO_TEST_CASE(concurrent_raises_of_one_key_store_once) {
    constexpr int threads = 6;
    std::vector<std::unique_ptr<Storage>> storages;
    for (int i = 0; i < threads; ++i)
        storages.push_back(test::open_storage(dir.path()));
    std::vector<RaiseResult> results(threads);
    std::latch start{threads};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&, t] {
            start.arrive_and_wait();
            try {
                results[t] = storages[t]->notifications().raise(draft("terminal-offline"));
            } catch (const std::exception& e) {
                results[t].notification.title = e.what(); // id stays 0: the check below fails
            }
        });
    for (auto& w : workers)
        w.join();
    int stored = 0;
    for (const auto& r : results) {
        stored += !r.duplicate;
        BOOST_TEST(r.notification.id.value > 0, r.notification.title);
        BOOST_TEST(r.notification.id == results[0].notification.id);
    }
    BOOST_TEST(stored == 1);
}

// Issue 14: a staff alert rides the plugin store's writer. It shares the group commit with the
// batches waiting beside it, and keeps its place among them: a batch queued after the raise is
// never reported durable before the alert is.
BOOST_AUTO_TEST_CASE(raise_async_commits_in_order_with_the_store_batches) {
    PluginStore& store = storage->plugin_store();
    const StoreScope scope{"invoicebox", seed.property};
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<std::string> order;
    std::optional<RaiseResult> raised;
    auto note = [&](std::string what) {
        std::lock_guard lock{mutex};
        order.push_back(std::move(what));
        cv.notify_all();
    };
    const auto before = store.writer_stats();
    {
        auto hold = store.hold_writer();
        StoreBatch first;
        first.put("outbox/1", "raise");
        store.apply_async(scope, std::move(first), [&](StoreOutcome o) { note(o ? "batch 1 failed" : "batch 1"); });
        notifications.raise_async(draft("paid:order-7", "Получена оплата"),
                                  [&](std::optional<RaiseResult> r, std::optional<StorageError> e) {
                                      {
                                          std::lock_guard lock{mutex};
                                          raised = std::move(r);
                                      }
                                      note(e ? "alert failed" : "alert");
                                  });
        StoreBatch removal;
        removal.erase("outbox/1");
        store.apply_async(scope, std::move(removal), [&](StoreOutcome o) { note(o ? "batch 2 failed" : "batch 2"); });
        // Held: nothing is durable, so the alert is not listed yet.
        BOOST_TEST(notifications.list_newest(seed.property, 10).empty());
    }
    std::unique_lock lock{mutex};
    BOOST_REQUIRE(cv.wait_for(lock, std::chrono::seconds{20}, [&] { return order.size() == 3; }));
    BOOST_TEST(order == (std::vector<std::string>{"batch 1", "alert", "batch 2"}), boost::test_tools::per_element());
    BOOST_REQUIRE(raised.has_value());
    BOOST_TEST(!raised->duplicate);
    BOOST_TEST(raised->notification.title == "Получена оплата");
    BOOST_TEST(store.writer_stats().commits - before.commits == 1u); // one fsync for all three
    BOOST_TEST(notifications.list_newest(seed.property, 10).size() == 1u);
    BOOST_TEST(!store.get(scope, "outbox/1").has_value());
}

BOOST_AUTO_TEST_CASE(a_resolve_waits_for_its_queued_raise) {
    PluginStore& store = storage->plugin_store();
    std::atomic<bool> resolved{false};
    std::thread resolver;
    {
        auto hold = store.hold_writer();
        notifications.raise_async(draft("mail:order-8"), [](std::optional<RaiseResult>, std::optional<StorageError>) {});
        // Resolved while the raise is still queued: it must find the alert, not miss it.
        resolver = std::thread{[&] { resolved = notifications.mark_read_by_dedupe_key(seed.property, "mail:order-8"); }};
        std::this_thread::sleep_for(std::chrono::milliseconds{50}); // the resolve is queued too
    }
    resolver.join();
    BOOST_TEST(resolved.load());
    BOOST_TEST(notifications.unread_count(seed.property) == 0u);
}

BOOST_AUTO_TEST_CASE(raise_async_refuses_a_draft_without_title_at_once) {
    bool called = false;
    BOOST_CHECK_THROW(notifications.raise_async(draft("k", ""), [&](auto, auto) { called = true; }), StorageError);
    BOOST_TEST(!called);
}

BOOST_AUTO_TEST_SUITE_END()
