// The plugin's store read cache (store_read_cache.hpp): what it keeps, what it drops, that a
// value read for a key one of our batches in flight names is never kept, and that a durable
// batch leaves what it wrote.
#include <invoicebox/plugin/store_read_cache.hpp>

#include "store_ops.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <vector>

using invoicebox::plugin::StoreOp;
using invoicebox::plugin::StoreReadCache;
using invoicebox::plugin::test_ops::erase;
using invoicebox::plugin::test_ops::put;

BOOST_AUTO_TEST_SUITE(store_read_cache)

BOOST_AUTO_TEST_CASE(keeps_values_and_absences_until_a_write_names_the_key) {
    StoreReadCache cache;
    BOOST_TEST(!cache.find("v1/link/a").has_value());
    cache.remember("v1/link/a", std::string{"A"});
    cache.remember("v1/suspense/x", std::nullopt);
    BOOST_TEST(cache.find("v1/link/a").value().value() == "A");
    BOOST_TEST(cache.find("v1/suspense/x").has_value());        // kept…
    BOOST_TEST(!cache.find("v1/suspense/x").value().has_value()); // …as absent

    const std::vector<StoreOp> batch{put("v1/suspense/x", "S"), put("v1/other", "o")};
    cache.write_started(batch);
    BOOST_TEST(!cache.find("v1/suspense/x").has_value()); // dropped before the write starts
    BOOST_TEST(cache.find("v1/link/a").value().value() == "A");
    cache.write_finished(batch, /*durable=*/false); // a failed write leaves nothing behind
    BOOST_TEST(!cache.find("v1/suspense/x").has_value());
    BOOST_TEST(!cache.find("v1/other").has_value());

    const std::vector<StoreOp> gone{erase("v1/link/a")};
    cache.write_started(gone);
    BOOST_TEST(!cache.find("v1/link/a").has_value());
    cache.write_finished(gone, false);
    BOOST_TEST(cache.entries() == 0u);
    BOOST_TEST(cache.bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(nothing_read_for_a_key_a_batch_in_flight_names_is_kept) {
    // The host reads through pending batches: a value read meanwhile may never become durable.
    StoreReadCache cache;
    const std::vector<StoreOp> first{put("v1/link/a", "pending-1")};
    const std::vector<StoreOp> second{put("v1/link/a", "pending-2")};
    cache.write_started(first);
    cache.remember("v1/link/a", std::string{"pending-1"});
    BOOST_TEST(!cache.find("v1/link/a").has_value());
    cache.remember("v1/link/b", std::string{"B"}); // no batch names it: durable, kept
    BOOST_TEST(cache.find("v1/link/b").value().value() == "B");

    cache.write_started(second);
    cache.write_finished(first, true);
    BOOST_TEST(!cache.find("v1/link/a").has_value()); // the second may still fail or change it
    cache.remember("v1/link/a", std::string{"pending-2"});
    BOOST_TEST(!cache.find("v1/link/a").has_value());

    cache.write_finished(second, false); // failed: nothing kept, the key is free again
    BOOST_TEST(!cache.find("v1/link/a").has_value());
    cache.remember("v1/link/a", std::string{"pending-1"});
    BOOST_TEST(cache.find("v1/link/a").value().value() == "pending-1");
}

BOOST_AUTO_TEST_CASE(a_durable_write_leaves_what_it_wrote) {
    StoreReadCache cache;
    cache.remember("v1/open/a", std::string{"old"});
    const std::vector<StoreOp> batch{put("v1/link/a", "first"), erase("v1/open/a"), put("v1/link/a", "last")};
    cache.write_started(batch);
    cache.write_finished(batch, true);
    BOOST_TEST(cache.find("v1/link/a").value().value() == "last"); // the last operation on a key wins
    BOOST_TEST(cache.find("v1/open/a").has_value());
    BOOST_TEST(!cache.find("v1/open/a").value().has_value()); // erased: kept as absent
    BOOST_TEST(cache.bytes() == std::string{"v1/link/a"}.size() + 4u + std::string{"v1/open/a"}.size());
}

BOOST_AUTO_TEST_CASE(get_through_reads_once_and_keeps_nothing_when_the_read_throws) {
    StoreReadCache cache;
    int reads = 0;
    auto read = [&]() -> std::optional<std::string> {
        ++reads;
        return std::string{"R"};
    };
    BOOST_TEST(cache.get_through("k", read).value() == "R");
    BOOST_TEST(cache.get_through("k", read).value() == "R");
    BOOST_TEST(reads == 1);

    BOOST_CHECK_THROW(cache.get_through("bad", []() -> std::optional<std::string> { throw std::runtime_error("io"); }),
                      std::runtime_error);
    BOOST_TEST(!cache.find("bad").has_value());
}

BOOST_AUTO_TEST_CASE(is_bounded_by_bytes_and_drops_the_least_recently_used) {
    StoreReadCache cache(/*max_bytes=*/30, /*max_value_bytes=*/12);
    cache.remember("k1", std::string(8, 'a')); // 10 bytes
    cache.remember("k2", std::string(8, 'b')); // 20
    BOOST_TEST(cache.find("k1").has_value());  // k1 is now the most recently used
    cache.remember("k3", std::string(8, 'c')); // 30: still fits
    cache.remember("k4", std::string(8, 'd')); // 40 > 30: k2, the least recently used, goes
    BOOST_TEST(!cache.find("k2").has_value());
    BOOST_TEST(cache.find("k1").has_value());
    BOOST_TEST(cache.find("k3").has_value());
    BOOST_TEST(cache.find("k4").has_value());
    BOOST_TEST(cache.bytes() <= 30u);

    cache.remember("big", std::string(13, 'x')); // over the per-value limit: not kept
    BOOST_TEST(!cache.find("big").has_value());
    cache.remember("k1", std::string(2, 'z'));   // a new answer replaces the old one
    BOOST_TEST(cache.find("k1").value().value() == "zz");
    BOOST_TEST(cache.bytes() == 4u + 10u + 10u);
}

BOOST_AUTO_TEST_CASE(a_value_nobody_used_for_the_idle_lifetime_is_read_again) {
    StoreReadCache::Clock::time_point now{};
    StoreReadCache cache(StoreReadCache::default_max_bytes, StoreReadCache::default_max_value_bytes,
                         std::chrono::minutes(5), [&now] { return now; });
    int reads = 0;
    const auto read = [&]() -> std::optional<std::string> {
        ++reads;
        return "R";
    };
    cache.get_through("v1/link/a", read);
    now += std::chrono::minutes(4);
    cache.get_through("v1/link/a", read); // kept, and used again: its lifetime starts over
    now += std::chrono::minutes(4);
    cache.get_through("v1/link/a", read);
    BOOST_TEST(reads == 1);

    const std::vector<StoreOp> batch{put("v1/link/b", "B")};
    cache.write_started(batch);
    cache.write_finished(batch, true); // what a durable write leaves ages the same way
    now += std::chrono::minutes(5);
    BOOST_TEST(!cache.find("v1/link/b").has_value());
    cache.get_through("v1/link/a", read);
    BOOST_TEST(reads == 2);
    BOOST_TEST(cache.entries() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
