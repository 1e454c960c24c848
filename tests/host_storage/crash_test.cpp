// Durability across a killed process. The crash helper (a separate executable) runs a store
// batch or a payment posting and is SIGKILLed at a named failpoint; we reopen the database and
// check that the write is all there or not there at all.
#include "pms/host/storage/sqlite_storage.hpp"

#include "pms/host/storage/demo_seed.hpp"
#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>

using namespace pms::host;

namespace {

constexpr int batch_size = 20'000; // ~5 MB: spills uncommitted pages into the WAL mid-batch
const StoreScope crash_scope{"crash", PropertyId{1}};

void prepare_store(const std::filesystem::path& dir) {
    auto storage = test::open_storage(dir);
    storage->plugin_store().put(crash_scope, "old", "before the batch");
}

bool killed(const test::ChildResult& r) {
    return r.signaled && r.signal == SIGKILL;
}

} // namespace

BOOST_AUTO_TEST_SUITE(crash)

BOOST_AUTO_TEST_CASE(store_batch_killed_midway_leaves_nothing) {
    test::TempDir dir;
    prepare_store(dir.path());
    const auto r = test::run_crash_helper(
        {"store-batch", dir.path().string(), std::to_string(batch_size)}, "store.batch.mid");
    BOOST_REQUIRE(killed(r));
    auto storage = test::open_storage(dir.path());
    BOOST_TEST(storage->plugin_store().scan_prefix(crash_scope, "k").empty());
    BOOST_TEST(storage->plugin_store().get(crash_scope, "old").value() == "before the batch");
}

BOOST_AUTO_TEST_CASE(store_batch_killed_after_commit_is_whole) {
    test::TempDir dir;
    prepare_store(dir.path());
    const auto r =
        test::run_crash_helper({"store-batch", dir.path().string(), std::to_string(batch_size)},
                               "store.batch.after_commit");
    BOOST_REQUIRE(killed(r));
    auto storage = test::open_storage(dir.path());
    const auto entries = storage->plugin_store().scan_prefix(crash_scope, "k");
    BOOST_TEST(entries.size() == static_cast<std::size_t>(batch_size));
    BOOST_TEST(entries.back().key == "k019999");
    BOOST_TEST(entries.back().value == std::string(256, static_cast<char>('a' + 19'999 % 26)));
    BOOST_TEST(!storage->plugin_store().get(crash_scope, "old").has_value());
}

BOOST_AUTO_TEST_CASE(store_batch_without_failpoint_completes) {
    test::TempDir dir;
    prepare_store(dir.path());
    const auto r =
        test::run_crash_helper({"store-batch", dir.path().string(), "100"}, std::nullopt);
    BOOST_TEST(r.exited);
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(
        test::open_storage(dir.path())->plugin_store().scan_prefix(crash_scope, "k").size() ==
        100u);
}

BOOST_AUTO_TEST_CASE(payment_killed_after_commit_is_posted_once) {
    test::TempDir dir;
    DemoSeed seed;
    {
        auto storage = test::open_storage(dir.path());
        seed = seed_demo(*storage);
    }
    const std::string key = "crash:payment:order-1";
    const auto r = test::run_crash_helper({"post-payment", dir.path().string(), key, "6768000"},
                                          "payment.post.after_commit");
    BOOST_REQUIRE(killed(r));

    auto storage = test::open_storage(dir.path());
    const auto stored = storage->folios().payments_of_folio(seed.main_folio);
    BOOST_REQUIRE(stored.size() == 1u);
    BOOST_TEST(stored[0].idempotency_key == key);

    // The restarted poster repeats the call and learns the first posting.
    PaymentPosting p;
    p.folio = seed.main_folio;
    p.amount = {6'768'000, "RUB"};
    p.kind = "payment";
    p.idempotency_key = key;
    p.plugin_id = "crash";
    p.category = seed.cashless;
    p.type = seed.bank_card;
    const auto repeat = storage->folios().post_payment(p);
    BOOST_TEST(repeat.outcome == PostOutcome::repeated);
    BOOST_TEST(repeat.is_repeat);
    BOOST_TEST(repeat.payment->id == stored[0].id);
    BOOST_TEST(repeat.payment->posted_at == stored[0].posted_at);
    BOOST_TEST(storage->folios().payments_of_folio(seed.main_folio).size() == 1u);
    BOOST_TEST(storage->folios().folio_summary(seed.main_folio)->folio.totals.balance_due.minor ==
               0);

    // And so does the helper, run again in a new process.
    const auto again =
        test::run_crash_helper({"post-payment", dir.path().string(), key, "6768000"}, std::nullopt);
    BOOST_TEST(again.exit_code == 0);
    BOOST_TEST(storage->folios().payments_of_folio(seed.main_folio).size() == 1u);
}

BOOST_AUTO_TEST_CASE(payment_killed_before_commit_is_not_posted) {
    test::TempDir dir;
    DemoSeed seed;
    {
        auto storage = test::open_storage(dir.path());
        seed = seed_demo(*storage);
    }
    const std::string key = "crash:payment:order-2";
    const auto r = test::run_crash_helper({"post-payment", dir.path().string(), key, "100000"},
                                          "payment.post.before_commit");
    BOOST_REQUIRE(killed(r));
    auto storage = test::open_storage(dir.path());
    BOOST_TEST(!storage->folios().find_payment(key).has_value());
    const auto retry =
        test::run_crash_helper({"post-payment", dir.path().string(), key, "100000"}, std::nullopt);
    BOOST_TEST(retry.exit_code == 0);
    BOOST_TEST(storage->folios().payments_of_folio(seed.main_folio).size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
