// Staff notifications: dedupe per property, newest-first listing, "since id" for live push.
#include "pms/host/storage/notification_repository.hpp"

#include "pms/host/storage/demo_seed.hpp"
#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <latch>
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

BOOST_AUTO_TEST_SUITE_END()
