// The folio model and payment posting: summaries and totals, at-most-once posting per
// idempotency key (also concurrently from several storage instances), conflicts and refusals.
#include "pms/host/storage/folio_repository.hpp"

#include "pms/host/storage/demo_seed.hpp"
#include "pms/host/storage/storage.hpp"
#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <atomic>
#include <future>
#include <latch>
#include <set>
#include <thread>

using namespace pms::host;

namespace {

struct FolioFixture {
    test::TempDir dir;
    std::unique_ptr<Storage> storage = test::open_storage(dir.path());
    FolioRepository& folios = storage->folios();
    DemoSeed seed = seed_demo(*storage);

    PaymentPosting posting(std::string key, std::int64_t amount = 1'000'000) const {
        PaymentPosting p;
        p.folio = seed.main_folio;
        p.amount = {amount, "RUB"};
        p.kind = "payment";
        p.idempotency_key = std::move(key);
        p.plugin_id = "invoicebox";
        p.provider_reference = "ib-order-77";
        p.description = "Оплата по ссылке";
        p.category = seed.cashless;
        p.type = seed.online_link;
        return p;
    }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(folio_repository, FolioFixture)

BOOST_AUTO_TEST_CASE(summary_of_the_main_account) {
    const auto s = folios.folio_summary(seed.main_folio).value();
    BOOST_TEST(s.folio.number == "30682277");
    BOOST_TEST(s.folio.is_main);
    BOOST_TEST(s.folio.currency == "RUB");
    BOOST_TEST(s.folio.legal_entity.name == "ООО «Суперотель»");
    BOOST_TEST(s.booking_number == "471887");
    BOOST_TEST(s.main_guest.email == "ivan.petrov@example.com");
    BOOST_TEST(s.folio.totals.services.minor == 6'768'000);
    BOOST_TEST(s.folio.totals.payments.minor == 0);
    BOOST_TEST(s.folio.totals.balance_due.minor == 6'768'000);
    BOOST_TEST(!folios.folio_summary(FolioId{999}).has_value());
}

BOOST_AUTO_TEST_CASE(post_then_repeat_returns_the_first_posting) {
    const auto first = folios.post_payment(posting("invoicebox:payment:1"));
    BOOST_TEST(first.outcome == PostOutcome::posted);
    BOOST_TEST(!first.is_repeat);
    BOOST_REQUIRE(first.payment.has_value());
    BOOST_TEST(first.payment->type_name == "Онлайн-оплата (ссылка)");
    BOOST_TEST(first.payment->category_name == "Безналичный расчёт");
    BOOST_TEST(first.payment->posted_by_plugin == "invoicebox");

    test::test_clock()->advance(std::chrono::minutes{5});
    auto again = posting("invoicebox:payment:1");
    again.provider_reference = "a different reference is not part of the payload";
    const auto repeat = folios.post_payment(again);
    BOOST_TEST(repeat.outcome == PostOutcome::repeated);
    BOOST_TEST(repeat.is_repeat);
    BOOST_TEST(repeat.ok());
    BOOST_TEST(repeat.payment->id == first.payment->id);
    BOOST_TEST(repeat.payment->posted_at == first.payment->posted_at);
    BOOST_TEST(repeat.payment->provider_reference == "ib-order-77");

    BOOST_TEST(folios.payments_of_folio(seed.main_folio).size() == 1u);
    const auto s = folios.folio_summary(seed.main_folio).value();
    BOOST_TEST(s.folio.totals.payments.minor == 1'000'000);
    BOOST_TEST(s.folio.totals.balance_due.minor == 5'768'000);
}

BOOST_AUTO_TEST_CASE(same_key_different_payload_is_a_conflict) {
    const auto first = folios.post_payment(posting("k"));
    BOOST_REQUIRE(first.outcome == PostOutcome::posted);

    auto amount = posting("k", 999);
    auto currency = posting("k");
    currency.amount.currency = "USD";
    auto folio = posting("k");
    folio.folio = seed.second_folio;
    auto kind = posting("k");
    kind.kind = "refund";
    auto other_plugin = posting("k");
    other_plugin.plugin_id = "another-plugin";
    for (const auto& p : {amount, currency, folio, kind, other_plugin}) {
        const auto r = folios.post_payment(p);
        BOOST_TEST(r.outcome == PostOutcome::conflict);
        BOOST_TEST(!r.is_repeat);
        BOOST_TEST(!r.ok());
        BOOST_TEST(r.payment->id == first.payment->id);
    }
    BOOST_TEST(folios.payments_of_folio(seed.main_folio).size() == 1u);
    BOOST_TEST(folios.payments_of_folio(seed.second_folio).empty());
}

BOOST_AUTO_TEST_CASE(closed_and_unknown_folios_are_refused) {
    auto to_second = posting("second:1");
    to_second.folio = seed.second_folio;
    folios.set_folio_status(seed.second_folio, FolioStatus::closed);
    BOOST_TEST(folios.post_payment(to_second).outcome == PostOutcome::folio_closed);
    BOOST_TEST(folios.payments_of_folio(seed.second_folio).empty());
    BOOST_TEST(!folios.find_payment("second:1").has_value());

    auto unknown = posting("unknown:1");
    unknown.folio = FolioId{424242};
    BOOST_TEST(folios.post_payment(unknown).outcome == PostOutcome::unknown_folio);

    BOOST_CHECK_EXCEPTION(
        folios.add_folio_line(seed.second_folio,
                              {"Мини-бар", 50'000, "RUS_VAT20", std::chrono::year{2025} / 3 / 16}),
        StorageError, [](const StorageError& e) { return e.errc() == StorageErrc::folio_closed; });

    folios.set_folio_status(seed.second_folio, FolioStatus::open);
    BOOST_TEST(folios.post_payment(to_second).outcome == PostOutcome::posted);
}

BOOST_AUTO_TEST_CASE(a_folio_of_another_property_is_unknown_to_a_posting_that_names_its_property) {
    auto elsewhere = posting("elsewhere:1");
    elsewhere.property = PropertyId{seed.property.value + 1000};
    const auto refused = folios.post_payment(elsewhere);
    BOOST_TEST(refused.outcome == PostOutcome::unknown_folio);
    BOOST_TEST(refused.detail.find("in property " + std::to_string(seed.property.value + 1000)) !=
               std::string::npos);
    BOOST_TEST(!refused.payment.has_value());
    BOOST_TEST(folios.payments_of_folio(seed.main_folio).empty());

    auto here = posting("elsewhere:1");
    here.property = seed.property;
    const auto posted = folios.post_payment(here);
    BOOST_TEST(posted.outcome == PostOutcome::posted);
    // The key first, as for a closed folio: a repeat answers the first posting.
    BOOST_TEST(folios.post_payment(elsewhere).outcome == PostOutcome::repeated);
}

BOOST_AUTO_TEST_CASE(repeat_after_the_folio_closed_still_answers_the_first_posting) {
    const auto first = folios.post_payment(posting("late-duplicate"));
    folios.set_folio_status(seed.main_folio, FolioStatus::closed);
    const auto repeat = folios.post_payment(posting("late-duplicate"));
    BOOST_TEST(repeat.outcome == PostOutcome::repeated);
    BOOST_TEST(repeat.payment->id == first.payment->id);
}

BOOST_AUTO_TEST_CASE(invalid_requests) {
    BOOST_TEST(folios.post_payment(posting("")).outcome == PostOutcome::invalid_request);
    BOOST_TEST(folios.post_payment(posting("zero", 0)).outcome == PostOutcome::invalid_request);
    auto bad_currency = posting("cur");
    bad_currency.amount.currency = "rub";
    BOOST_TEST(folios.post_payment(bad_currency).outcome == PostOutcome::invalid_request);
    auto usd = posting("usd");
    usd.amount.currency = "USD";
    BOOST_TEST(folios.post_payment(usd).outcome == PostOutcome::currency_mismatch);
    auto wrong_type = posting("wrong-type");
    wrong_type.type = seed.cash_rub; // not in «Безналичный расчёт»
    BOOST_TEST(folios.post_payment(wrong_type).outcome == PostOutcome::invalid_request);
    BOOST_TEST(folios.payments_of_folio(seed.main_folio).empty());
}

BOOST_AUTO_TEST_CASE(mapping_applies_when_no_type_is_given) {
    auto p = posting("mapped:1");
    p.category.reset();
    p.type.reset();
    const auto unmapped = folios.post_payment(p);
    BOOST_TEST(unmapped.outcome == PostOutcome::no_mapping);
    BOOST_TEST(unmapped.detail.find("(Integrations page)") != std::string::npos); // where to fix it
    storage->settings().set_payment_type_mapping(
        {"invoicebox", seed.property, "payment", seed.cashless, seed.bank_card});
    const auto r = folios.post_payment(p);
    BOOST_TEST(r.outcome == PostOutcome::posted);
    BOOST_TEST(r.payment->type == seed.bank_card);
    BOOST_TEST(r.payment->type_name == "Банковская карта");
}

BOOST_AUTO_TEST_CASE(refunds_are_negative_postings) {
    folios.post_payment(posting("pay", 6'768'000));
    auto refund = posting("refund", -1'000'000);
    refund.kind = "refund";
    BOOST_TEST(folios.post_payment(refund).outcome == PostOutcome::posted);
    const auto s = folios.folio_summary(seed.main_folio).value();
    BOOST_TEST(s.folio.totals.payments.minor == 5'768'000);
    BOOST_TEST(s.folio.totals.balance_due.minor == 1'000'000);
}

BOOST_AUTO_TEST_CASE(payments_cannot_be_edited_or_removed) {
    folios.post_payment(posting("immutable"));
    sqlite3* db = nullptr;
    sqlite3_open((dir.path() / "pms-host.sqlite3").c_str(), &db);
    BOOST_TEST(sqlite3_exec(db, "UPDATE payments SET amount_minor = 1", nullptr, nullptr,
                            nullptr) != SQLITE_OK);
    BOOST_TEST(sqlite3_exec(db, "DELETE FROM payments", nullptr, nullptr, nullptr) != SQLITE_OK);
    sqlite3_close(db);
    BOOST_TEST(folios.find_payment("immutable")->amount.minor == 1'000'000);
}

BOOST_AUTO_TEST_CASE(folios_of_booking_lists_the_main_account_first) {
    const auto list = folios.folios_of_booking(seed.booking);
    BOOST_REQUIRE(list.size() == 2u);
    BOOST_TEST(list[0].id == seed.main_folio);
    BOOST_TEST(list[1].number == "30682278");
    BOOST_TEST(list[1].legal_entity.name == "ООО «ЙЕС-АРЕНДА»");
    BOOST_TEST(list[1].totals.balance_due.minor == 1'200'000);
}

BOOST_AUTO_TEST_CASE(one_main_account_per_booking) {
    FolioDraft second_main{seed.booking, seed.yes_arenda, "30682299", "RUB", true, {}};
    BOOST_CHECK_EXCEPTION(
        folios.ensure_folio(second_main), StorageError,
        [](const StorageError& e) { return e.errc() == StorageErrc::already_exists; });
}

// Several storage instances (each with its own writer and reader connections) and several
// threads per instance post the same key at once. The instances share no mutex, so only the
// database's write lock (BEGIN IMMEDIATE) and the UNIQUE key keep the posting single.
BOOST_AUTO_TEST_CASE(concurrent_posts_of_one_key_post_once) {
    constexpr int instances = 4;
    constexpr int threads = 8;
    constexpr int rounds = 10;
    std::vector<std::unique_ptr<Storage>> storages;
    for (int i = 0; i < instances; ++i)
        storages.push_back(test::open_storage(dir.path()));

    for (int round = 0; round < rounds; ++round) {
        const auto key = "invoicebox:payment:race-" + std::to_string(round);
        std::vector<PostPaymentResult> results(threads);
        std::vector<std::string> errors(threads);
        std::latch start{threads};
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&, t] {
                auto p = posting(key, 100 + round);
                start.arrive_and_wait();
                try {
                    results[t] = storages[t % instances]->folios().post_payment(p);
                } catch (const std::exception& e) {
                    errors[t] = e.what();
                }
            });
        }
        for (auto& w : workers)
            w.join();
        for (const auto& e : errors)
            BOOST_REQUIRE_MESSAGE(e.empty(), e);

        int posted = 0;
        int repeated = 0;
        std::set<std::int64_t> ids;
        for (const auto& r : results) {
            posted += r.outcome == PostOutcome::posted;
            repeated += r.outcome == PostOutcome::repeated && r.is_repeat;
            BOOST_REQUIRE(r.payment.has_value());
            ids.insert(r.payment->id.value);
        }
        BOOST_TEST(posted == 1);
        BOOST_TEST(repeated == threads - 1);
        BOOST_TEST(ids.size() == 1u);
    }
    BOOST_TEST(folios.payments_of_folio(seed.main_folio).size() ==
               static_cast<std::size_t>(rounds));
}

BOOST_AUTO_TEST_CASE(concurrent_posts_of_distinct_keys_all_post) {
    constexpr int instances = 4;
    constexpr int threads = 8;
    constexpr int per_thread = 5;
    std::vector<std::unique_ptr<Storage>> storages;
    for (int i = 0; i < instances; ++i)
        storages.push_back(test::open_storage(dir.path()));
    std::atomic<int> failures{0};
    std::latch start{threads};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            start.arrive_and_wait();
            for (int i = 0; i < per_thread; ++i) {
                auto p = posting("distinct:" + std::to_string(t) + ":" + std::to_string(i), 1'000);
                try {
                    if (storages[t % instances]->folios().post_payment(p).outcome !=
                        PostOutcome::posted)
                        ++failures;
                } catch (const std::exception&) {
                    ++failures;
                }
            }
        });
    }
    for (auto& w : workers)
        w.join();
    BOOST_TEST(failures.load() == 0);
    const auto s = folios.folio_summary(seed.main_folio).value();
    BOOST_TEST(s.folio.totals.payments.minor == threads * per_thread * 1'000);
}

// Issue 14: a new posting and its audit row are one transaction, written by the store's writer:
// they share the group commit of the plugin batches waiting beside them (one fsync), and the
// audit row names the posting. A repeat or a refusal writes no audit row.
BOOST_AUTO_TEST_CASE(a_posting_and_its_audit_row_commit_with_the_store_batches) {
    PluginStore& store = storage->plugin_store();
    const StoreScope scope{"invoicebox", seed.property};
    auto audited = posting("audited");
    AuditDraft a;
    a.actor = "plugin:invoicebox";
    a.action = "payment.post";
    a.subject = "folio:30682277";
    a.property = seed.property;
    a.details_json = R"({"posting_id":"","kind":"payment"})";
    audited.audit = a;
    const auto before = store.writer_stats();
    std::optional<PostPaymentResult> result;
    std::atomic<int> reported{0};
    {
        auto hold = store.hold_writer();
        StoreBatch b1;
        b1.put("link/1", "posting pending");
        store.apply_async(scope, std::move(b1), [&](StoreOutcome o) { reported += o ? 100 : 1; });
        std::thread poster{[&] { result = folios.post_payment(audited); }};
        std::this_thread::sleep_for(std::chrono::milliseconds{50}); // queued behind the hold
        StoreBatch b2;
        b2.put("link/2", "posting pending");
        store.apply_async(scope, std::move(b2), [&](StoreOutcome o) { reported += o ? 100 : 1; });
        hold.reset();
        poster.join();
    }
    for (int i = 0; i < 2000 && reported.load() < 2; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds{1});
    BOOST_REQUIRE(result.has_value());
    BOOST_TEST(result->outcome == PostOutcome::posted);
    BOOST_TEST(reported.load() == 2);
    BOOST_TEST(store.writer_stats().commits - before.commits == 1u); // one group, one fsync
    const auto rows = storage->audit().list(AuditQuery{});
    std::size_t mine = 0;
    for (const auto& r : rows)
        if (r.action == "payment.post") {
            ++mine;
            BOOST_TEST(r.details_json.find("\"posting_id\":\"" + std::to_string(result->payment->id.value) + "\"") !=
                           std::string::npos,
                       r.details_json);
        }
    BOOST_TEST(mine == 1u);
    // A repeat of the same key, and a refused posting: no audit row.
    BOOST_TEST(folios.post_payment(audited).outcome == PostOutcome::repeated);
    auto refused = posting("refused");
    refused.folio = FolioId{999};
    refused.audit = a;
    BOOST_TEST(folios.post_payment(refused).outcome == PostOutcome::unknown_folio);
    std::size_t after = 0;
    for (const auto& r : storage->audit().list(AuditQuery{}))
        after += r.action == "payment.post" ? 1 : 0;
    BOOST_TEST(after == 1u);
}

// pms.folio/1's road (issue 14): post_payment_async queues the posting behind the store's
// writer and reports exactly once, from the writer thread once durable; nothing waits for it.
// A refusal before queueing is reported at once, on the caller's thread.
BOOST_AUTO_TEST_CASE(an_async_posting_reports_once_when_durable) {
    PluginStore& store = storage->plugin_store();
    struct Report {
        std::optional<PostPaymentResult> result;
        std::optional<StorageError> error;
        std::thread::id thread;
        std::atomic<int> calls{0};
    };
    const auto post = [&](const PaymentPosting& p) {
        auto report = std::make_shared<Report>();
        auto done = std::make_shared<std::promise<void>>();
        folios.post_payment_async(p, [report, done](std::optional<PostPaymentResult> r, std::optional<StorageError> e) {
            report->result = std::move(r);
            report->error = std::move(e);
            report->thread = std::this_thread::get_id();
            if (++report->calls == 1)
                done->set_value();
        });
        BOOST_REQUIRE(done->get_future().wait_for(std::chrono::seconds{10}) == std::future_status::ready);
        std::this_thread::sleep_for(std::chrono::milliseconds{20}); // a second call would land here
        return report;
    };

    const auto before = store.writer_stats();
    {
        // Held back by the writer: the call returns before anything is durable.
        auto hold = store.hold_writer();
        std::atomic<int> calls{0};
        folios.post_payment_async(posting("async:held"),
                                  [&](std::optional<PostPaymentResult>, std::optional<StorageError>) { ++calls; });
        std::this_thread::sleep_for(std::chrono::milliseconds{50});
        BOOST_TEST(calls.load() == 0);
        BOOST_TEST(!folios.find_payment("async:held").has_value());
        hold.reset();
        for (int i = 0; i < 2000 && calls.load() == 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds{1});
        BOOST_TEST(calls.load() == 1);
        BOOST_TEST(folios.find_payment("async:held").has_value());
    }
    BOOST_TEST(store.writer_stats().commits - before.commits == 1u);

    const auto first = post(posting("async:1"));
    BOOST_TEST(first->calls == 1);
    BOOST_REQUIRE(first->result.has_value());
    BOOST_TEST(first->result->outcome == PostOutcome::posted);
    BOOST_TEST(first->thread != std::this_thread::get_id()); // the writer's
    BOOST_REQUIRE(first->result->payment.has_value());
    BOOST_TEST(folios.find_payment("async:1")->id.value == first->result->payment->id.value);

    const auto repeat = post(posting("async:1"));
    BOOST_REQUIRE(repeat->result.has_value());
    BOOST_TEST(repeat->result->outcome == PostOutcome::repeated);
    BOOST_TEST(repeat->result->payment->id.value == first->result->payment->id.value);
    BOOST_TEST(folios.payments_of_folio(seed.main_folio).size() == 2u); // async:held and async:1

    auto closed = posting("async:unknown");
    closed.folio = FolioId{999};
    const auto unknown = post(closed);
    BOOST_REQUIRE(unknown->result.has_value());
    BOOST_TEST(unknown->result->outcome == PostOutcome::unknown_folio);

    const auto invalid = post(posting("async:zero", 0));
    BOOST_TEST(invalid->calls == 1);
    BOOST_REQUIRE(invalid->result.has_value());
    BOOST_TEST(invalid->result->outcome == PostOutcome::invalid_request);
    BOOST_TEST(invalid->thread == std::this_thread::get_id()); // refused before queueing
}

BOOST_AUTO_TEST_SUITE_END()
