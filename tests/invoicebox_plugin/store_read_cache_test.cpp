// The plugin's store read cache (store_read_cache.hpp): what it keeps, what it drops, and that
// a value read while one of our batches is in flight is never kept.
#include <invoicebox/plugin/store_read_cache.hpp>

#include <boost/test/unit_test.hpp>

#include <string>

using invoicebox::plugin::StoreOp;
using invoicebox::plugin::StoreReadCache;

namespace {

StoreOp put(std::string key, std::string value) {
    return StoreOp{StoreOp::Kind::put, std::move(key), std::move(value)};
}
StoreOp erase(std::string key) { return StoreOp{StoreOp::Kind::erase, std::move(key), {}}; }

} // namespace

BOOST_AUTO_TEST_SUITE(store_read_cache)

BOOST_AUTO_TEST_CASE(keeps_values_and_absences_until_a_write_names_the_key) {
    StoreReadCache cache;
    BOOST_TEST(!cache.find("v1/link/a").has_value());
    cache.remember("v1/link/a", std::string{"A"});
    cache.remember("v1/suspense/x", std::nullopt);
    BOOST_TEST(cache.find("v1/link/a").value().value() == "A");
    BOOST_TEST(cache.find("v1/suspense/x").has_value());        // kept…
    BOOST_TEST(!cache.find("v1/suspense/x").value().has_value()); // …as absent

    cache.forget({put("v1/suspense/x", "S"), put("v1/other", "o")});
    BOOST_TEST(!cache.find("v1/suspense/x").has_value());
    BOOST_TEST(cache.find("v1/link/a").value().value() == "A");
    cache.forget({erase("v1/link/a")});
    BOOST_TEST(!cache.find("v1/link/a").has_value());
    BOOST_TEST(cache.entries() == 0u);
    BOOST_TEST(cache.bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(nothing_read_while_a_batch_is_in_flight_is_kept) {
    // The host reads through pending batches: a value read meanwhile may never become durable.
    StoreReadCache cache;
    cache.write_started();
    cache.remember("v1/link/a", std::string{"pending"});
    BOOST_TEST(!cache.find("v1/link/a").has_value());
    cache.write_started();
    cache.write_finished();
    cache.remember("v1/link/a", std::string{"pending"});
    BOOST_TEST(!cache.find("v1/link/a").has_value()); // one batch still in flight
    cache.write_finished();
    cache.remember("v1/link/a", std::string{"durable"});
    BOOST_TEST(cache.find("v1/link/a").value().value() == "durable");
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

BOOST_AUTO_TEST_SUITE_END()
