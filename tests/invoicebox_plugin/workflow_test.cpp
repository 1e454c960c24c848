// The payment-link workflow against the fake host and the simulator's engine: link life,
// notifications (every bad input), exactly-once posting, poller, recovery of half-done links.
#include "fake_host.hpp"
#include "test_shop.hpp"

#include <invoicebox/plugin/link_dialog.hpp>
#include <invoicebox/plugin/link_service.hpp>

#include <invoicebox/protocol/notification.hpp>
#include <invoicebox/protocol/signature.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

using namespace test;
using Code = pr::NotificationReplyCode;

namespace {

struct Fixture {
    FakeHost host;
    std::unique_ptr<LinkService> service;

    Fixture() {
        host.folio_json = folio_doc;
        restart();
    }
    void restart() {
        service = std::make_unique<LinkService>(host);
        service->configure(settings());
    }
    CreateOutcome create(std::string amount = "67680.00", bool mail = true) {
        CreateInput in;
        in.folio_id = "F-1";
        in.amount_text = amount;
        in.description = "Предоплата по заявке №471887 и номеру счёта 30682277";
        in.message_template = default_message_template();
        in.lifetime = "24h";
        in.send_mail = mail;
        std::optional<CreateOutcome> out;
        service->create_link(in, StaffUser{"u-1", "Анна"}, [&](CreateOutcome o) { out = std::move(o); });
        host.run();
        BOOST_REQUIRE(out);
        return *out;
    }
    NotificationOutcome notify(const std::string& body, std::optional<std::string> sig, const std::string& path = "notify") {
        pr::HttpHeaders h{{"Content-Type", "application/json"}};
        if (sig)
            h.push_back({"x-signature", *sig});
        std::optional<NotificationOutcome> out;
        service->handle_notification(path, body, h, [&](pr::NotificationReply r, NotificationOutcome o) {
            BOOST_TEST(r.status == 200);
            out = o;
        });
        // Answered once its record is durable (a pms.store/2 completion): up to the answer only.
        host.run_until([&] { return out.has_value(); });
        BOOST_REQUIRE(out);
        return *out;
    }
    /// Pays on the simulator and returns its signed notifications (not yet delivered).
    std::vector<invoicebox::sim::Delivery> pay(const std::string& order_id, bool late = false) {
        auto r = host.sim_call("POST", "/__sim/orders/" + order_id + "/pay", late ? R"({"late":true})" : "{}");
        BOOST_TEST(r.status == 200, r.body);
        return host.engine->take_deliveries();
    }
    std::vector<LinkRecord> links() { return service->repository().for_folio("F-1"); }
};

} // namespace

BOOST_AUTO_TEST_SUITE(workflow)

BOOST_AUTO_TEST_CASE(a_folio_lists_exactly_its_links_from_one_scan) {
    // for_folio reads the key range of the folio's merchantOrderIds (issue 14: one scan, not an
    // index scan plus a lookup per link). Folio ids that sanitize alike ("F/1" and "F_1"), one
    // that extends another ("F-1" and "F-1-2") and one longer than the id keeps (60 characters)
    // share ranges; each folio must still get exactly its own links, newest first.
    FakeHost host;
    LinkRepository repo(host);
    const std::string long_a(70, 'a');
    const std::string long_b = std::string(60, 'a') + "b";
    const std::vector<std::string> folios{"F-1", "F-1-2", "F/1", "F_1", long_a, long_b, "Ф-1"};
    std::map<std::string, std::vector<std::string>> made;
    host.store_scans = 0;
    for (int round = 0; round < 3; ++round)
        for (const auto& folio : folios) {
            LinkRecord r;
            std::vector<StoreOp> ops;
            r.merchant_order_id = repo.next_merchant_order_id(folio, ops);
            r.folio_id = folio;
            r.created_at_ms = 1000 * (round + 1);
            for (auto& op : repo.link_ops(r))
                ops.push_back(std::move(op));
            host.store_write(ops);
            made[folio].insert(made[folio].begin(), r.merchant_order_id); // newest first
        }
    for (const auto& folio : folios) {
        const int scans_before = host.store_scans;
        std::vector<std::string> listed;
        for (const auto& l : repo.for_folio(folio))
            listed.push_back(l.merchant_order_id);
        BOOST_TEST(listed == made[folio], folio);
        BOOST_TEST(host.store_scans - scans_before == 1);
        // The old index is still written: a plugin of an older build lists the folio from it.
        for (const auto& moid : made[folio])
            BOOST_TEST(host.store.count("v1/folio/" + folio + "/" + moid) == 1u, moid);
    }
    BOOST_TEST(repo.for_folio("F-2").empty());
}

BOOST_FIXTURE_TEST_CASE(create_pay_notify_posts_once_with_one_alert, Fixture) {
    auto out = create();
    BOOST_TEST(int(out.kind) == int(CreateOutcome::Kind::created), out.message);
    BOOST_REQUIRE(out.link);
    const auto link = *out.link;
    BOOST_TEST(link.ib_status == "created");
    BOOST_TEST(!link.payment_url.empty());
    BOOST_TEST(link.merchant_order_id.find("-F-1-1") != std::string::npos);
    BOOST_REQUIRE(host.outbox.size() == 1u);
    BOOST_TEST(host.outbox[0].text_body.find(link.payment_url) != std::string::npos);
    BOOST_TEST(host.outbox[0].text_body.find("Иван Петров") != std::string::npos);
    BOOST_TEST(host.outbox[0].text_body.find("67\u00A0680,00\u00A0₽") != std::string::npos);

    auto deliveries = pay(link.order_id);
    BOOST_REQUIRE(!deliveries.empty());
    const auto& d = deliveries.front();
    BOOST_TEST(d.url == settings().notification_url);
    // The same notification 100 times: every answer success, one posting, one alert.
    for (int i = 0; i < 100; ++i) {
        BOOST_TEST(int(notify(d.body, d.signature).code) == int(Code::success));
        if (i % 7 == 0)
            host.run();
    }
    host.run();
    BOOST_TEST(host.postings.size() == 1u);
    const auto& p = host.postings.begin()->second.p;
    BOOST_TEST(p.idempotency_key == "ru.invoicebox.pms.payment-link:payment:" + link.order_id);
    BOOST_TEST(p.amount_minor == 6768000);
    BOOST_TEST(p.kind == "payment");
    // The number the guest saw on InvoiceBox's page (issue 10), not the internal one.
    BOOST_TEST(p.description == "Оплата по ссылке InvoiceBox, заказ №" + link.folio_number);
    BOOST_TEST(link.folio_number == "30682277");
    BOOST_REQUIRE(host.alerts.count("paid:" + link.order_id));
    BOOST_TEST(host.alerts["paid:" + link.order_id].first.body == "Получена оплата 67\u00A0680,00\u00A0₽ по счёту 30682277, заявка №471887");
    BOOST_TEST(host.alerts["paid:" + link.order_id].second == 1);
    auto after = links().at(0);
    BOOST_TEST(int(after.posting) == int(PostingState::posted));
    bool audited = false;
    for (const auto& a : after.audit)
        audited |= a.actor == Actor::notification;
    BOOST_TEST(audited);
}

BOOST_FIXTURE_TEST_CASE(a_first_delivery_reads_no_key_from_the_store_twice, Fixture) {
    // Issue 14: a first delivery reads its link and its suspense key, writes the record, posts,
    // raises the alert and records the outcome. What the plugin read or wrote itself it knows
    // (store_read_cache.hpp: a durable batch leaves what it wrote), so the posting's second look
    // at the link and at the suspense key reaches no database, and no key is read twice.
    auto out = create("1000.00", false);
    BOOST_REQUIRE(out.link);
    auto deliveries = pay(out.link->order_id);
    BOOST_REQUIRE(!deliveries.empty());
    host.store_reads.clear();
    const int writes_before = host.store_writes;
    const int async_before = host.async_writes;
    BOOST_TEST(int(notify(deliveries.front().body, deliveries.front().signature).code) == int(Code::success));
    host.run();
    BOOST_TEST(host.postings.size() == 1u);
    BOOST_TEST(host.alerts.count("paid:" + out.link->order_id) == 1u);
    // Two batches, both pms.store/2: the record with its post effect, then the outcome with
    // the effect's removal (the alert raised just before it, not through the outbox).
    BOOST_TEST(host.async_writes - async_before == 2);
    BOOST_TEST(host.store_writes - writes_before == 2);
    BOOST_TEST(!host.store_reads.empty());
    // The link's record: read when the link was made, rewritten by this delivery's own durable
    // batches, never read back. The suspense key (absent) is read once and then known absent.
    BOOST_TEST(host.store_reads.count("v1/link/" + out.link->merchant_order_id) == 0u);
    for (const auto& [key, reads] : host.store_reads)
        BOOST_TEST(reads == 1, key << " read " << reads << " times");
}

BOOST_FIXTURE_TEST_CASE(create_without_mail_sends_nothing, Fixture) {
    auto out = create("1000.00", false);
    BOOST_TEST(int(out.kind) == int(CreateOutcome::Kind::created));
    BOOST_TEST(host.outbox.empty());
}

BOOST_FIXTURE_TEST_CASE(the_amount_is_read_as_staff_type_it, Fixture) {
    // «10 000,00» (grouped, a decimal comma) was refused by the create form while the refund
    // form took it: both read staff money the same way now.
    auto out = create("10 000,50", false);
    BOOST_REQUIRE(int(out.kind) == int(CreateOutcome::Kind::created));
    BOOST_REQUIRE(out.link);
    BOOST_TEST(out.link->amount_minor == 1000050);
    out = create("10\u00A0000,00", false);
    BOOST_REQUIRE(out.link);
    BOOST_TEST(out.link->amount_minor == 1000000);
    for (const char* bad : {"1 0000", "10.000,00", "-5", "1e3", "12,345"}) {
        out = create(bad, false);
        BOOST_TEST(out.field_errors.count("amount") == 1u, bad);
    }
}

BOOST_FIXTURE_TEST_CASE(link_is_recorded_before_the_create_call, Fixture) {
    CreateInput in{"F-1", "100.00", "Предоплата", default_message_template(), "1h", false, false};
    service->create_link(in, StaffUser{"u", "A"}, [](CreateOutcome) {});
    // The request is sent but its answer not yet delivered: the record already exists.
    auto l = links();
    BOOST_REQUIRE(l.size() == 1u);
    BOOST_TEST(int(l[0].state) == int(LinkState::creating));
    host.run();
    BOOST_TEST(int(links()[0].state) == int(LinkState::open));
}

BOOST_FIXTURE_TEST_CASE(a_create_its_mail_a_resend_and_a_cancel_record_off_the_strand_and_send_only_what_is_durable, Fixture) {
    // Issue 14: no staff action holds the strand for an fsync. Every write of a create (the
    // link before InvoiceBox hears of it, then the answer) and of a cancel is a pms.store/2
    // batch, and the create request leaves only once the link's batch is durable.
    const int writes_before = host.store_writes;
    const int async_before = host.async_writes;
    const int calls_before = host.http_calls;
    CreateInput in{"F-1", "100.00", "Предоплата", default_message_template(), "1h", false, false};
    std::optional<CreateOutcome> made;
    service->create_link(in, StaffUser{"u", "A"}, [&](CreateOutcome o) { made = std::move(o); });
    BOOST_TEST(host.http_calls == calls_before); // the record is not durable yet: nothing sent
    host.run();
    BOOST_REQUIRE(made);
    BOOST_REQUIRE(int(made->kind) == int(CreateOutcome::Kind::created));
    BOOST_TEST(host.http_calls > calls_before);
    std::string canceled = "x";
    service->cancel_link("F-1", made->link->merchant_order_id, StaffUser{"u", "A"},
                         [&](std::string e) { canceled = std::move(e); });
    host.run();
    BOOST_TEST(canceled == "");
    BOOST_TEST(links().at(0).ib_status == "canceled");
    BOOST_TEST(host.async_writes - async_before >= 3);
    BOOST_TEST(host.store_writes - writes_before == host.async_writes - async_before); // none synchronous

    // The guest's mail: the create that sends it, then a resend, each step a pms.store/2 batch
    // (the mail's effect, its mark "attempted" before the host has it, its result).
    const auto mailed = create("100.00", true);
    BOOST_REQUIRE(int(mailed.kind) == int(CreateOutcome::Kind::created));
    std::string resent = "x";
    service->resend_mail("F-1", mailed.link->merchant_order_id, StaffUser{"u", "A"},
                         [&](std::string e) { resent = std::move(e); });
    host.run();
    BOOST_TEST(resent == "");
    BOOST_TEST(host.outbox.size() == 2u);
    BOOST_TEST(host.store_writes - writes_before == host.async_writes - async_before); // none synchronous

    // A link that cannot be recorded is never sent: staff are told, InvoiceBox never hears of it.
    const int calls = host.http_calls;
    host.store_writes = 0;
    host.fail_write_at = 1; // the next batch
    std::optional<CreateOutcome> refused;
    service->create_link(in, StaffUser{"u", "A"}, [&](CreateOutcome o) { refused = std::move(o); });
    host.run();
    host.fail_write_at = 0;
    BOOST_REQUIRE(refused);
    BOOST_TEST(int(refused->kind) != int(CreateOutcome::Kind::created));
    BOOST_TEST(refused->message.find("Не удалось сохранить ссылку") != std::string::npos, refused->message);
    BOOST_TEST(host.http_calls == calls);
    BOOST_TEST(links().size() == 2u);
}

BOOST_FIXTURE_TEST_CASE(bad_notifications_get_the_right_answer_and_post_nothing, Fixture) {
    auto link = *create().link;
    auto d = pay(link.order_id).front();
    BOOST_TEST(int(notify(d.body, std::nullopt).code) == int(Code::signature_error));
    BOOST_TEST(int(notify(d.body, std::string(40, 'a')).code) == int(Code::signature_error));
    BOOST_TEST(int(notify(d.body + " ", d.signature).code) == int(Code::signature_error));
    const std::string garbage = "{not json";
    BOOST_TEST(int(notify(garbage, pr::sign(api_key, garbage)).code) == int(Code::out_of_service));
    std::string foreign = d.body;
    foreign.replace(foreign.find(merchant), 36, "ffffffff-0000-0000-0000-000000000000");
    BOOST_TEST(int(notify(foreign, pr::sign(api_key, foreign)).code) == int(Code::order_not_found));
    std::string wrong_amount = d.body;
    const auto at = wrong_amount.find("\"amount\":67680");
    BOOST_REQUIRE(at != std::string::npos);
    wrong_amount.replace(at, 14, "\"amount\":67679");
    const auto refused = notify(wrong_amount, pr::sign(api_key, wrong_amount));
    BOOST_TEST(int(refused.code) == int(Code::order_wrong_amount));
    BOOST_TEST(refused.reason == "refused: order_wrong_amount"); // not "applied"
    host.run();
    BOOST_TEST(host.postings.empty());
    BOOST_TEST(host.alerts.count("suspense:" + link.order_id) == 1u); // money taken, kept in suspense
    BOOST_TEST(!service->repository().suspense_list().empty());
    BOOST_TEST(int(notify(d.body, d.signature, "le/999").code) == int(Code::order_not_found));
    // Each refusal is logged with its reason ("refused with reason", issue 14); what a stranger
    // can send without the key never shapes the line, so the host can hold back its repeats.
    auto logged = [&](const std::string& start) {
        return std::count_if(host.logs.begin(), host.logs.end(),
                             [&](const std::string& l) { return l.rfind(start, 0) == 0; });
    };
    BOOST_TEST(logged("notification refused (signature_error): no X-Signature header") == 1);
    BOOST_TEST(logged("notification refused (signature_error): X-Signature does not match the body") == 2);
    BOOST_TEST(logged("notification refused (out_of_service): signed body is not JSON") == 1);
    BOOST_TEST(logged("notification refused (order_not_found): merchantId ffffffff-0000-0000-0000-000000000000 "
                      "is not our shop") == 1);
    BOOST_TEST(logged("notification refused (order_wrong_amount): order " + link.merchant_order_id +
                      " (InvoiceBox " + link.order_id + ") of shop " + std::string(merchant)) == 1);
    BOOST_TEST(logged("notification refused (order_not_found): unknown notification route") == 1);
    BOOST_TEST(logged("notification refused") == 7);
    for (const auto& line : host.logs) {
        BOOST_TEST(line.find(token) == std::string::npos);
        BOOST_TEST(line.find(api_key) == std::string::npos);
    }
}

BOOST_FIXTURE_TEST_CASE(probe_and_unknown_order, Fixture) {
    std::string probe = R"({"id":"ffffffff-ffff-ffff-ffff-ffffffffffff","merchantId":")" + std::string(merchant) +
                        R"(","merchantOrderId":"","status":"completed","amount":1,"currencyId":"RUB"})";
    BOOST_TEST(int(notify(probe, pr::sign(api_key, probe)).code) == int(Code::success));
    std::string unknown = R"({"id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","merchantId":")" + std::string(merchant) +
                          R"(","merchantOrderId":"SOMEONE-ELSE","status":"completed","amount":10,"currencyId":"RUB"})";
    BOOST_TEST(int(notify(unknown, pr::sign(api_key, unknown)).code) == int(Code::order_not_found));
    host.run();
    // One warning for the one notification, naming both of its ids.
    std::vector<std::string> about_it;
    for (const auto& line : host.logs)
        if (line.find("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b") != std::string::npos &&
            line.find("suspense") == std::string::npos)
            about_it.push_back(line);
    BOOST_REQUIRE_EQUAL(about_it.size(), 1u);
    BOOST_TEST(about_it.front() == "notification refused (order_not_found): order SOMEONE-ELSE (InvoiceBox "
                                   "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b) of shop " + std::string(merchant));
    BOOST_TEST(host.postings.empty());
    BOOST_TEST(service->repository().suspense_list().size() == 1u); // a paid unknown order is never dropped
}

BOOST_FIXTURE_TEST_CASE(store_failure_answers_out_of_service_then_retry_succeeds, Fixture) {
    auto link = *create().link;
    auto d = pay(link.order_id).front();
    host.fail_writes = true;
    BOOST_TEST(int(notify(d.body, d.signature).code) == int(Code::out_of_service));
    host.run();
    BOOST_TEST(host.postings.empty());
    host.fail_writes = false;
    BOOST_TEST(int(notify(d.body, d.signature).code) == int(Code::success));
    host.run();
    BOOST_TEST(host.postings.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(out_of_order_created_after_completed_keeps_paid, Fixture) {
    auto link = *create().link;
    // An old "created" notification, signed, arriving after the payment.
    auto created = host.sim_call("GET", "/v3/filter/api/order/order?id=" + link.order_id);
    (void)created;
    auto d = pay(link.order_id).front();
    BOOST_TEST(int(notify(d.body, d.signature).code) == int(Code::success));
    std::string stale = d.body;
    stale.replace(stale.find("\"status\":\"completed\""), 20, "\"status\":\"created\"  ");
    BOOST_TEST(int(notify(stale, pr::sign(api_key, stale)).code) == int(Code::success));
    host.run();
    BOOST_TEST(links()[0].ib_status == "completed");
    BOOST_TEST(host.postings.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(notification_refresh_and_poller_at_once_post_once, Fixture) {
    auto link = *create().link;
    auto d = pay(link.order_id).front();
    bool refreshed = false;
    service->refresh_folio("F-1", StaffUser{"u", "A"}, [&](std::string) { refreshed = true; });
    service->poll_once(Actor::poll);
    BOOST_TEST(int(notify(d.body, d.signature).code) == int(Code::success));
    host.run();
    BOOST_TEST(refreshed);
    BOOST_TEST(host.postings.size() == 1u);
    BOOST_TEST(host.alerts["paid:" + link.order_id].second == 1);
}

BOOST_FIXTURE_TEST_CASE(poller_posts_a_payment_whose_notification_never_came, Fixture) {
    auto link = *create().link;
    pay(link.order_id); // deliveries dropped
    host.now += 60'000;
    service->poll_once(Actor::poll);
    host.run();
    BOOST_TEST(host.postings.size() == 1u);
    bool by_poll = false;
    const auto all = links(); // kept: a range-for over links()[0] would outlive the vector
    for (const auto& a : all[0].audit)
        by_poll |= a.actor == Actor::poll;
    BOOST_TEST(by_poll);
}

BOOST_FIXTURE_TEST_CASE(expiry_is_noticed_and_late_payment_still_posts, Fixture) {
    auto link = *create().link;
    host.now += 25LL * 3600 * 1000; // lifetime 24 h
    host.engine->take_deliveries();
    service->poll_once(Actor::poll);
    host.run();
    BOOST_TEST(links()[0].ib_status == "expired");
    BOOST_TEST(host.alerts.count("expired:" + link.merchant_order_id) == 1u);
    auto deliveries = pay(link.order_id, true);
    BOOST_REQUIRE(!deliveries.empty());
    BOOST_TEST(int(notify(deliveries.back().body, deliveries.back().signature).code) == int(Code::success));
    host.run();
    BOOST_TEST(host.postings.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(lost_create_answer_is_recovered_by_lookup_never_created_twice, Fixture) {
    host.lose_next_http_responses = 1000; // InvoiceBox creates the order, the answer never arrives
    auto out = create("5000.00", false);
    BOOST_TEST(int(out.kind) == int(CreateOutcome::Kind::unconfirmed), out.message);
    BOOST_TEST(int(links()[0].state) == int(LinkState::creating));
    // "Restart": a new service over the same store.
    host.lose_next_http_responses = 0;
    restart();
    service->poll_once(Actor::recovery);
    host.run();
    auto l = links().at(0);
    BOOST_TEST(int(l.state) == int(LinkState::open));
    auto all = host.sim_call("GET", "/__sim/orders");
    auto data = boost::json::parse(all.body).at("data").as_array();
    BOOST_TEST(data.size() == 1u); // one order only
}

BOOST_FIXTURE_TEST_CASE(crash_after_recording_payment_posts_on_restart_once, Fixture) {
    auto link = *create().link;
    auto d = pay(link.order_id).front();
    BOOST_TEST(int(notify(d.body, d.signature).code) == int(Code::success));
    host.queue.clear(); // crash: the posting never ran
    restart();
    service->poll_once(Actor::recovery);
    host.run();
    BOOST_TEST(host.postings.size() == 1u);
    // Crash after posting but before recording "posted": the repeat is a duplicate.
    auto rec = links()[0];
    rec.posting = PostingState::pending;
    service->repository().save(rec);
    restart();
    service->poll_once(Actor::recovery);
    host.run();
    BOOST_TEST(host.postings.size() == 1u);
    BOOST_TEST(int(links()[0].posting) == int(PostingState::posted));
    BOOST_TEST(host.alerts["paid:" + link.order_id].second == 2); // same dedupe key: one notification
}

BOOST_FIXTURE_TEST_CASE(unpostable_payment_goes_to_suspense_then_posts_when_fixed, Fixture) {
    auto link = *create().link;
    auto d = pay(link.order_id).front();
    host.no_mapping = true;
    BOOST_TEST(int(notify(d.body, d.signature).code) == int(Code::success));
    host.run();
    BOOST_TEST(int(links()[0].posting) == int(PostingState::suspense));
    BOOST_TEST(host.alerts.count("suspense:" + link.order_id) == 1u);
    host.no_mapping = false;
    const int writes_before = host.store_writes;
    const int async_before = host.async_writes;
    service->retry_suspense();
    host.run();
    BOOST_TEST(host.postings.size() == 1u);
    BOOST_TEST(int(links()[0].posting) == int(PostingState::posted));
    BOOST_TEST(service->repository().suspense_list().empty());
    // The retry and its posting's outcome: pms.store/2 batches, none on the strand.
    BOOST_TEST(host.async_writes - async_before >= 2);
    BOOST_TEST(host.store_writes - writes_before == host.async_writes - async_before);
}

BOOST_FIXTURE_TEST_CASE(cancel_and_balance_guard_and_api_errors_in_russian, Fixture) {
    auto link = *create("40000.00", false).link;
    auto over = create("30000.00", false);
    BOOST_TEST(int(over.kind) == int(CreateOutcome::Kind::over_balance));
    std::string err = "x";
    service->cancel_link("F-1", link.merchant_order_id, StaffUser{"u", "A"}, [&](std::string e) { err = e; });
    host.run();
    BOOST_TEST(err == "");
    BOOST_TEST(links()[0].ib_status == "canceled");
    // API 401 on create: a Russian message, nothing created.
    auto s = settings();
    s.shop.api_token = "wrong-token";
    service->configure(s);
    auto bad = create("100.00", false);
    BOOST_TEST(int(bad.kind) == int(CreateOutcome::Kind::failed));
    BOOST_TEST(bad.message.find("токен") != std::string::npos, bad.message);
}

BOOST_FIXTURE_TEST_CASE(dialog_round_trip, Fixture) {
    LinkDialog dialog(*service);
    std::string view;
    dialog.open("vs-1", "F-1", [&](std::string v) { view = v; });
    BOOST_TEST(view.find("Платежные ссылки InvoiceBox") != std::string::npos);
    dialog.event("vs-1", "F-1", StaffUser{"u", "A"}, R"({"action":"create","values":{}})", [&](std::string v) { view = v; });
    BOOST_TEST(view.find("Предоплата по заявке №471887 и номеру счёта 30682277") != std::string::npos);
    BOOST_TEST(view.find("67680.00") != std::string::npos);
    dialog.event("vs-1", "F-1", StaffUser{"u", "A"},
                 R"({"action":"submit_create","values":{"amount":"0","description":"","message_template":"{link}","lifetime":"24h","send_mail":false}})",
                 [&](std::string v) { view = v; });
    host.run();
    BOOST_TEST(view.find("Укажите сумму больше нуля") != std::string::npos);
    dialog.event("vs-1", "F-1", StaffUser{"u", "A"},
                 R"({"action":"submit_create","values":{"amount":"100.00","description":"Предоплата","message_template":"{link}","lifetime":"24h","send_mail":true}})",
                 [&](std::string v) { view = v; });
    host.run();
    BOOST_TEST(view.find("Ссылка создана") != std::string::npos, view);
    BOOST_TEST(view.find("http://sim.test") != std::string::npos);
}

// Issue 14: a change to a folio re-renders its list once for all the dialogs open on it, not once
// per dialog (each render reads the folio and every link record).
BOOST_FIXTURE_TEST_CASE(a_change_is_rendered_once_for_every_dialog_on_the_folio, Fixture) {
    create("1000.00", false);
    LinkDialog dialog(*service);
    dialog.open("vs-0", "F-1", [](std::string) {});
    auto render_cost = [&] {
        const int reads = host.folio_reads;
        const auto pushes = host.pushes.size();
        dialog.folio_changed("F-1");
        return std::pair{host.folio_reads - reads, host.pushes.size() - pushes};
    };
    const auto one = render_cost();
    BOOST_TEST(one.first >= 1);
    BOOST_TEST(one.second == 1u);
    for (int i = 1; i < 50; ++i)
        dialog.open("vs-" + std::to_string(i), "F-1", [](std::string) {});
    const auto fifty = render_cost();
    BOOST_TEST(fifty.first == one.first); // read and rendered once
    BOOST_TEST(fifty.second == 50u);      // pushed to each
}

// Issue 14: a notification is answered before the view work it causes (the dialogs open on its
// folio are re-rendered after the reply, not while InvoiceBox waits).
BOOST_FIXTURE_TEST_CASE(a_notification_is_answered_before_the_dialogs_are_updated, Fixture) {
    const auto link = *create("1000.00", false).link;
    LinkDialog dialog(*service);
    service->on_folio_changed = [&](const std::string& folio) { dialog.folio_changed(folio); };
    for (int i = 0; i < 3; ++i)
        dialog.open("vs-" + std::to_string(i), "F-1", [](std::string) {});
    const auto deliveries = pay(link.order_id);
    BOOST_REQUIRE(!deliveries.empty());
    const auto before = host.pushes.size();
    std::optional<std::size_t> pushes_at_reply;
    service->handle_notification("notify", deliveries.front().body,
                                 {{"Content-Type", "application/json"}, {"x-signature", deliveries.front().signature}},
                                 [&](pr::NotificationReply, NotificationOutcome) { pushes_at_reply = host.pushes.size(); });
    BOOST_TEST(!pushes_at_reply); // not before its record is durable
    host.run_until([&] { return pushes_at_reply.has_value(); });
    BOOST_REQUIRE(pushes_at_reply);
    BOOST_TEST(*pushes_at_reply == before);     // nothing rendered before the answer
    host.run();
    BOOST_TEST(host.pushes.size() >= before + 3); // each open dialog updated after it
}

namespace {

std::string row_event(const std::string& action, const std::string& row) {
    return R"({"schema":"pms.view-event/1","kind":"row_action","action":")" + action +
           R"(","table":"links","row_key":")" + row + R"(","values":{}})";
}

std::size_t audit_count(const LinkRecord& l, std::string_view what, std::string_view who = {}) {
    std::size_t n = 0;
    for (const auto& a : l.audit)
        if (a.what.find(what) != std::string::npos && (who.empty() || a.who == who) && a.actor == Actor::staff)
            ++n;
    return n;
}

} // namespace

// A view of folio F-2 names a link of F-1 in a row action: refused, the link is untouched (no
// InvoiceBox call, no mail, not even an audit line), and the view says why.
BOOST_FIXTURE_TEST_CASE(row_actions_act_only_on_links_of_the_sessions_folio, Fixture) {
    auto link = *create("1000.00", true).link;
    const auto before = serialize(links().at(0));
    const auto http_before = host.http_calls;
    const auto mails_before = host.outbox.size();

    LinkDialog dialog(*service);
    std::string view;
    dialog.open("vs-other", "F-2", [&](std::string v) { view = v; });
    for (const char* action : {"cancel", "resend"}) {
        view.clear();
        dialog.event("vs-other", "F-2", StaffUser{"u-2", "Борис"}, row_event(action, link.merchant_order_id),
                     [&](std::string v) { view = v; });
        host.run();
        BOOST_TEST(view.find("Эта ссылка относится к другому счёту: действие не выполнено") != std::string::npos, view);
    }
    // Directly through the service, too.
    std::string err;
    service->cancel_link("F-2", link.merchant_order_id, StaffUser{"u-2", "Борис"}, [&](std::string e) { err = e; });
    host.run();
    BOOST_TEST(err == LinkService::foreign_link_message);
    service->resend_mail("F-2", link.merchant_order_id, StaffUser{"u-2", "Борис"}, [&](std::string e) { err = e; });
    host.run();
    BOOST_TEST(err == LinkService::foreign_link_message);

    BOOST_TEST(serialize(links().at(0)) == before);
    BOOST_TEST(links().at(0).ib_status == "created");
    BOOST_TEST(host.http_calls == http_before);
    BOOST_TEST(host.outbox.size() == mails_before);
    auto orders = host.sim_call("GET", "/__sim/orders");
    BOOST_TEST(orders.body.find("canceled") == std::string::npos);

    // A session that was opened for one folio does not act for another.
    dialog.open("vs-1", "F-1", [&](std::string v) { view = v; });
    dialog.event("vs-1", "F-2", StaffUser{"u-2", "Борис"}, row_event("cancel", link.merchant_order_id),
                 [&](std::string v) { view = v; });
    host.run();
    BOOST_TEST(view.find("Окно открыто для другого счёта") != std::string::npos, view);
    BOOST_TEST(links().at(0).ib_status == "created");

    // The right folio may cancel it, and the staff member is in the link's audit trail.
    dialog.event("vs-1", "F-1", StaffUser{"u-1", "Анна"}, row_event("cancel", link.merchant_order_id),
                 [&](std::string v) { view = v; });
    host.run();
    BOOST_TEST(view.find("Ссылка отменена") != std::string::npos, view);
    BOOST_TEST(links().at(0).ib_status == "canceled");
    BOOST_TEST(audit_count(links().at(0), "Ссылка отменена сотрудником", "Анна (u-1)") == 1u);
}

// «Отправить письмо повторно»: three per link in any rolling hour of the host clock; the fourth
// is refused in the view and sends nothing; every resend and refusal is audited with the staff
// member; an hour after a resend its slot is free again.
BOOST_FIXTURE_TEST_CASE(resending_a_links_mail_is_limited_per_rolling_hour, Fixture) {
    auto link = *create("1000.00", true).link;
    BOOST_REQUIRE(host.outbox.size() == 1u); // the mail of the create itself does not count
    const auto t0 = host.now;
    LinkDialog dialog(*service);
    std::string view;
    dialog.open("vs-1", "F-1", [&](std::string v) { view = v; });
    auto resend = [&] {
        view.clear();
        dialog.event("vs-1", "F-1", StaffUser{"u-1", "Анна"}, row_event("resend", link.merchant_order_id),
                     [&](std::string v) { view = v; });
        host.run(0);
    };
    for (int i = 0; i < 3; ++i) {
        host.now = t0 + i * 10 * 60'000; // 11:03, 11:13, 11:23 UTC
        resend();
        BOOST_TEST(view.find("Письмо отправлено повторно") != std::string::npos, view);
    }
    BOOST_TEST(host.outbox.size() == 4u);

    host.now = t0 + 30 * 60'000;
    resend();
    // The first resend (14:03 local) frees its slot at 15:03 local.
    BOOST_TEST(view.find("Письмо по этой ссылке уже отправлялось повторно 3 раза за последний час. Следующая "
                         "повторная отправка возможна после 12.05.2025 15:03") != std::string::npos,
               view);
    BOOST_TEST(view.find("Письмо не отправлено") != std::string::npos, view);
    BOOST_TEST(host.outbox.size() == 4u);
    // Another session does not get around it.
    dialog.open("vs-2", "F-1", [&](std::string v) { view = v; });
    dialog.event("vs-2", "F-1", StaffUser{"u-3", "Вера"}, row_event("resend", link.merchant_order_id),
                 [&](std::string v) { view = v; });
    host.run(0);
    BOOST_TEST(host.outbox.size() == 4u);

    auto l = links().at(0);
    BOOST_TEST(audit_count(l, "Повторная отправка письма гостю", "Анна (u-1)") == 3u);
    BOOST_TEST(audit_count(l, "Повторная отправка письма отклонена: не больше 3 писем в час по одной ссылке",
                           "Анна (u-1)") == 1u);
    BOOST_TEST(audit_count(l, "Повторная отправка письма отклонена", "Вера (u-3)") == 1u);

    // An hour after the first resend one slot is free; the next one is refused again.
    host.now = t0 + 60 * 60'000;
    resend();
    BOOST_TEST(view.find("Письмо отправлено повторно") != std::string::npos, view);
    BOOST_TEST(host.outbox.size() == 5u);
    resend();
    BOOST_TEST(view.find("уже отправлялось повторно 3 раза") != std::string::npos, view);
    BOOST_TEST(host.outbox.size() == 5u);
    // The limit is kept in the link's record: a restart does not reset it.
    restart();
    LinkDialog again(*service);
    again.open("vs-3", "F-1", [&](std::string v) { view = v; });
    again.event("vs-3", "F-1", StaffUser{"u-1", "Анна"}, row_event("resend", link.merchant_order_id),
                [&](std::string v) { view = v; });
    host.run(0);
    BOOST_TEST(host.outbox.size() == 5u);
    BOOST_TEST(audit_count(links().at(0), "Повторная отправка письма гостю") == 4u);
}

// A 429 (no Retry-After) on «Создать ссылку»: the view event completes well within the host's
// 30 s deadline with a clear Russian message; the create certainly did not happen, so the link
// is marked failed (staff may retry, no duplicate possible). Background work may still wait.
BOOST_FIXTURE_TEST_CASE(rate_limited_create_answers_staff_in_time_and_marks_the_link_failed, Fixture) {
    auto first = create("1000.00", false);
    BOOST_REQUIRE(int(first.kind) == int(CreateOutcome::Kind::created));
    // The shop's window is used up (by this create and, in real life, other clients of the token).
    auto cfg = host.sim_call("POST", "/__sim/config", R"({"rateLimit":{"requests":1,"windowSeconds":600}})");
    BOOST_REQUIRE_MESSAGE(cfg.status == 200, cfg.body);
    for (int i = 0; i < 2; ++i) { // another client of the same token uses the window up
        invoicebox::sim::SimRequest r;
        r.method = "GET";
        r.target = "/v3/security/api/auth/auth";
        r.headers.emplace_back("Authorization", std::string("Bearer ") + token);
        host.engine->handle(r);
    }
    const auto t0 = host.now;
    CreateInput in{"F-1", "2000.00", "Предоплата", default_message_template(), "24h", false, false};
    std::optional<CreateOutcome> out;
    std::int64_t answered_at = 0;
    service->create_link(in, StaffUser{"u-1", "Анна"}, [&](CreateOutcome o) {
        out = std::move(o);
        answered_at = host.now;
    });
    host.run();
    BOOST_REQUIRE(out);
    BOOST_TEST(answered_at - t0 <= ApiClient::staff_budget.count(),
               "staff waited " << (answered_at - t0) << " ms for the view event");
    BOOST_TEST(int(out->kind) == int(CreateOutcome::Kind::failed), out->message);
    BOOST_TEST(out->message.find("InvoiceBox временно ограничил число запросов, повторите через ") != std::string::npos,
               out->message);
    BOOST_TEST(out->message.find(" с") != std::string::npos, out->message);
    auto l = links();
    BOOST_REQUIRE(l.size() == 2u);
    const auto& second = l[0].merchant_order_id == first.link->merchant_order_id ? l[1] : l[0];
    BOOST_TEST(int(second.state) == int(LinkState::failed));
    BOOST_TEST(second.order_id.empty());
    BOOST_TEST(!second.needs_attention()); // not left for lookup: it certainly was not created
    auto orders = host.sim_call("GET", "/__sim/orders");
    BOOST_TEST(orders.body.find(first.link->merchant_order_id) != std::string::npos);
    BOOST_TEST(orders.body.find(second.merchant_order_id) == std::string::npos);

    // «Обновить статус ссылок» is bounded the same way.
    std::optional<std::string> refreshed;
    const auto t1 = host.now;
    std::int64_t refreshed_at = 0;
    service->refresh_folio("F-1", StaffUser{"u-1", "Анна"}, [&](std::string e) {
        refreshed = std::move(e);
        refreshed_at = host.now;
    });
    host.run();
    BOOST_REQUIRE(refreshed);
    BOOST_TEST(refreshed_at - t1 <= ApiClient::staff_budget.count());
    BOOST_TEST(refreshed->find("ограничил число запросов") != std::string::npos, *refreshed);
}

// A correctly signed «completed» with a wrong amount is refused and held in suspense; the real
// payment of the same order with the link's amount then posts exactly once and closes the entry.
BOOST_FIXTURE_TEST_CASE(wrong_amount_notification_does_not_block_the_correct_payment, Fixture) {
    auto link = *create("67680.00", false).link;
    auto d = pay(link.order_id).front();
    std::string wrong_amount = d.body;
    const auto at = wrong_amount.find("\"amount\":67680");
    BOOST_REQUIRE(at != std::string::npos);
    wrong_amount.replace(at, 14, "\"amount\":1");
    const auto wrong_sig = pr::sign(api_key, wrong_amount);
    BOOST_TEST(int(notify(wrong_amount, wrong_sig).code) == int(Code::order_wrong_amount));
    BOOST_TEST(int(notify(wrong_amount, wrong_sig).code) == int(Code::order_wrong_amount));
    host.run();
    BOOST_TEST(host.postings.empty());
    BOOST_TEST(service->repository().suspense_list().size() == 1u);

    BOOST_TEST(int(notify(d.body, d.signature).code) == int(Code::success));
    host.run();
    BOOST_REQUIRE(host.postings.size() == 1u);
    const auto& p = host.postings.begin()->second.p;
    BOOST_TEST(p.idempotency_key == "ru.invoicebox.pms.payment-link:payment:" + link.order_id);
    BOOST_TEST(p.amount_minor == 6768000);
    auto after = links().at(0);
    BOOST_TEST(int(after.posting) == int(PostingState::posted));
    BOOST_TEST(service->repository().suspense_list().empty());
    bool audited = false;
    for (const auto& a : after.audit)
        audited |= a.what.find("неразнесённых") != std::string::npos && a.actor == Actor::notification;
    BOOST_TEST(audited);

    // Repeats: the wrong one is still refused, the right one is a duplicate; nothing more posted.
    BOOST_TEST(int(notify(wrong_amount, wrong_sig).code) == int(Code::order_wrong_amount));
    BOOST_TEST(int(notify(d.body, d.signature).code) == int(Code::success));
    host.run();
    BOOST_TEST(host.postings.size() == 1u);
    BOOST_TEST(host.post_calls == 1);
}

// The same through «Обновить статус ссылок» (the notification of the real payment never came).
BOOST_FIXTURE_TEST_CASE(refresh_posts_a_correct_payment_after_a_wrong_amount_notification, Fixture) {
    auto link = *create("67680.00", false).link;
    auto d = pay(link.order_id).front();
    std::string wrong_amount = d.body;
    const auto at = wrong_amount.find("\"amount\":67680");
    BOOST_REQUIRE(at != std::string::npos);
    wrong_amount.replace(at, 14, "\"amount\":1");
    BOOST_TEST(int(notify(wrong_amount, pr::sign(api_key, wrong_amount)).code) == int(Code::order_wrong_amount));
    host.run();
    BOOST_TEST(host.postings.empty());
    std::optional<std::string> err;
    service->refresh_folio("F-1", StaffUser{"u-1", "Анна"}, [&](std::string e) { err = std::move(e); });
    host.run();
    BOOST_REQUIRE(err);
    BOOST_TEST(*err == "");
    BOOST_TEST(host.postings.size() == 1u);
    BOOST_TEST(int(links().at(0).posting) == int(PostingState::posted));
    BOOST_TEST(service->repository().suspense_list().empty());
}

namespace {

std::string open_list(LinkDialog& dialog, const std::string& session) {
    std::string view;
    dialog.open(session, "F-1", [&](std::string v) { view = std::move(v); });
    return view;
}

std::string dialog_event(LinkDialog& dialog, const std::string& session, const std::string& action) {
    std::string view;
    dialog.event(session, "F-1", StaffUser{"u", "A"}, R"({"action":")" + action + R"(","values":{}})",
                 [&](std::string v) { view = std::move(v); });
    return view;
}

/// The "value" of the create form's amount field ("" when the view has none).
std::string form_amount(const std::string& view) {
    const auto v = boost::json::parse(view);
    for (const auto& e : v.at("elements").as_array())
        if (e.as_object().contains("fields"))
            for (const auto& f : e.at("fields").as_array())
                if (f.at("name").as_string() == "amount")
                    return f.as_object().contains("value") ? std::string(f.at("value").as_string()) : std::string();
    return "<no form>";
}

/// Whether the button `id` of a view is shown and enabled.
bool button_enabled(const std::string& view, const std::string& id) {
    const auto v = boost::json::parse(view);
    for (const auto& b : v.at("buttons").as_array())
        if (b.at("id").as_string() == id)
            return !(b.as_object().contains("disabled") && b.at("disabled").as_bool());
    return false;
}

} // namespace

// The default amount is what is still to be asked for: the balance minus the open links.
BOOST_FIXTURE_TEST_CASE(default_amount_is_the_balance_minus_open_links, Fixture) {
    LinkDialog dialog(*service);
    open_list(dialog, "vs-a");
    BOOST_TEST(form_amount(dialog_event(dialog, "vs-a", "create")) == "67680.00");
    auto first = create("60000.00", false);
    BOOST_REQUIRE(int(first.kind) == int(CreateOutcome::Kind::created));
    BOOST_TEST(form_amount(dialog_event(dialog, "vs-a", "create")) == "7680.00");
    // A cancelled link asks for nothing any more: its amount is due again.
    std::optional<std::string> err;
    service->cancel_link("F-1", first.link->merchant_order_id, StaffUser{"u", "A"}, [&](std::string e) { err = e; });
    host.run();
    BOOST_REQUIRE(err);
    BOOST_TEST(*err == "");
    BOOST_TEST(form_amount(dialog_event(dialog, "vs-a", "create")) == "67680.00");
    // Open links above the balance (staff confirmed): never below 0, the form stays closed.
    create("67680.00", false);
    const auto list = dialog_event(dialog, "vs-a", "create");
    BOOST_TEST(form_amount(list) == "<no form>");
}

// At 0 the dialog says the account is paid and opens the form only for «другую сумму».
BOOST_FIXTURE_TEST_CASE(fully_paid_account_offers_only_another_amount, Fixture) {
    std::string paid = folio_doc;
    const std::string totals = R"("paid_minor":0,"balance_due_minor":6768000)";
    const auto at = paid.find(totals);
    BOOST_REQUIRE(at != std::string::npos);
    paid.replace(at, totals.size(), R"("paid_minor":6768000,"balance_due_minor":0)");
    host.folio_json = paid;
    LinkDialog dialog(*service);
    const auto list = open_list(dialog, "vs-p");
    BOOST_TEST(list.find("Счёт оплачен полностью") != std::string::npos, list);
    BOOST_TEST(!button_enabled(list, "create"));
    BOOST_TEST(button_enabled(list, "create_other"));
    // «Создать ссылку» from an older view does not open the form either.
    BOOST_TEST(form_amount(dialog_event(dialog, "vs-p", "create")) == "<no form>");
    const auto form = dialog_event(dialog, "vs-p", "create_other");
    BOOST_TEST(form_amount(form) == "");
    BOOST_TEST(form.find("Предоплата по заявке №471887") != std::string::npos);

    // With a balance due the dialog says nothing of the kind and offers the ordinary button.
    host.folio_json = folio_doc;
    const auto due = open_list(dialog, "vs-d");
    BOOST_TEST(due.find("Счёт оплачен полностью") == std::string::npos);
    BOOST_TEST(button_enabled(due, "create"));
    BOOST_TEST(!button_enabled(due, "create_other"));
}

// Architecture §7: a folio whose legal entity has no shop gets no link and an explanation;
// nothing is recorded and nothing is sent to InvoiceBox.
BOOST_FIXTURE_TEST_CASE(legal_entity_without_a_shop_gets_no_link, Fixture) {
    std::string other = folio_doc;
    const std::string le = R"("legal_entity":{"id":"le-main","name":"ООО «Отель»")";
    const auto at = other.find(le);
    BOOST_REQUIRE(at != std::string::npos);
    other.replace(at, le.size(), R"("legal_entity":{"id":"le-2","name":"ООО «ЙЕС-АРЕНДА»")");
    host.folio_json = other;
    const auto http_before = host.http_calls;

    LinkDialog dialog(*service);
    const auto list = open_list(dialog, "vs-n");
    BOOST_TEST(list.find("Для юрлица «ООО «ЙЕС-АРЕНДА»» не настроен магазин InvoiceBox") != std::string::npos, list);
    BOOST_TEST(!button_enabled(list, "create"));
    BOOST_TEST(!button_enabled(list, "create_other"));
    BOOST_TEST(form_amount(dialog_event(dialog, "vs-n", "create")) == "<no form>");

    auto out = create("100.00", false);
    BOOST_TEST(int(out.kind) == int(CreateOutcome::Kind::no_shop));
    BOOST_TEST(out.message.find("Для юрлица «ООО «ЙЕС-АРЕНДА»» не настроен магазин InvoiceBox") == 0, out.message);
    BOOST_TEST(links().empty());
    BOOST_TEST(host.http_calls == http_before);

    // Its own shop configured: the link goes to that shop, not the main one.
    auto s = settings();
    ShopConfig second;
    second.legal_entity_id = "le-2";
    second.merchant_id = "0a0a0a0a-0000-4000-8000-000000000002";
    second.api_token = "tok2";
    second.api_key = "key2";
    second.base_url = s.shop.base_url;
    s.overrides.push_back(second);
    service->configure(s);
    BOOST_TEST(service->shop_for(*parse_folio(other))->merchant_id == second.merchant_id);
    BOOST_TEST(button_enabled(open_list(dialog, "vs-n2"), "create"));
}

// Issue 14: the notification key is set up once, by the first notification of a shop, and kept
// for the next ones; a new key is set up again, and the old one no longer signs. (The key comes
// from the host's secret store after the settings document is read, so a key made when the
// document is read never saw it: at 0c267be every notification still set up the key.)
BOOST_FIXTURE_TEST_CASE(the_notification_key_is_set_up_once_and_again_when_it_changes, Fixture) {
    const auto link = *create("1000.00", false).link;
    const auto d = pay(link.order_id).front();
    BOOST_TEST(!service->settings().shop.kept_signing_key);
    BOOST_TEST(int(notify(d.body, d.signature).code) == int(Code::success));
    const auto kept = service->settings().shop.kept_signing_key;
    BOOST_REQUIRE(kept);
    BOOST_TEST(kept->is(api_key, pr::SignatureAlgorithm::hmac_sha1));
    BOOST_TEST(int(notify(d.body, d.signature).code) == int(Code::success));
    BOOST_TEST(service->settings().shop.kept_signing_key == kept); // the same, not made again

    auto s = settings();
    s.shop.api_key = "a-new-notification-key";
    service->configure(s);
    BOOST_TEST(int(notify(d.body, d.signature).code) == int(Code::signature_error));
    BOOST_TEST(int(notify(d.body, pr::sign(s.shop.api_key, d.body)).code) == int(Code::success));
    BOOST_REQUIRE(service->settings().shop.kept_signing_key);
    BOOST_TEST(service->settings().shop.kept_signing_key->is(s.shop.api_key, pr::SignatureAlgorithm::hmac_sha1));
    BOOST_TEST(!service->settings().shop.kept_signing_key->is(api_key, pr::SignatureAlgorithm::hmac_sha1));
    host.run();
    BOOST_TEST(host.postings.size() == 1u);
}

// Issue 14: a duplicate that arrives while the first delivery's record is on its way to the
// disk waits for it (never acknowledging what is not durable); once nothing is in flight, a
// replay is answered at once, without a trip through the host's writer.
BOOST_FIXTURE_TEST_CASE(a_replay_waits_only_while_a_record_is_in_flight, Fixture) {
    const auto link = *create("1000.00", false).link;
    const auto deliveries = pay(link.order_id);
    BOOST_REQUIRE(!deliveries.empty());
    const auto& d = deliveries.front();
    const pr::HttpHeaders headers{{"Content-Type", "application/json"}, {"x-signature", d.signature}};
    std::vector<std::string> order;
    const int writes_before = host.async_writes;
    service->handle_notification("notify", d.body, headers, [&](pr::NotificationReply, NotificationOutcome o) {
        order.push_back("first " + std::to_string(int(o.code)));
    });
    service->handle_notification("notify", d.body, headers, [&](pr::NotificationReply, NotificationOutcome o) {
        order.push_back("replay " + std::to_string(int(o.code)));
    });
    BOOST_TEST(order.empty()); // both wait: the first's record is not durable yet
    host.run_until([&] { return order.size() == 2; });
    BOOST_REQUIRE_EQUAL(order.size(), 2u);
    BOOST_TEST(order[0] == "first " + std::to_string(int(Code::success)));
    BOOST_TEST(order[1] == "replay " + std::to_string(int(Code::success)));
    host.run();
    const int writes_settled = host.async_writes;
    BOOST_TEST(writes_settled > writes_before);
    std::optional<NotificationOutcome> late;
    service->handle_notification("notify", d.body, headers,
                                 [&](pr::NotificationReply, NotificationOutcome o) { late = o; });
    BOOST_REQUIRE(late.has_value()); // answered inline
    BOOST_TEST(int(late->code) == int(Code::success));
    BOOST_TEST(host.async_writes == writes_settled); // no batch for a replay
    // The same signed bytes, applied and durable: answered without reading them again.
    BOOST_TEST(late->reason == "repeated");
    // Only after the signature: the same bytes under a wrong one are refused.
    BOOST_TEST(int(notify(d.body, std::string(40, '0')).code) == int(Code::signature_error));
    // New settings forget what was applied: the replay is read again, to the same answer.
    service->configure(settings());
    const auto reread = notify(d.body, d.signature);
    BOOST_TEST(int(reread.code) == int(Code::success));
    BOOST_TEST(reread.reason == "applied");
    BOOST_TEST(notify(d.body, d.signature).reason == "repeated");
    BOOST_TEST(host.postings.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_delivery_not_recorded_is_read_again_when_retried, Fixture) {
    // Only a durable success is remembered: a first delivery whose record failed is answered
    // out_of_service, and InvoiceBox's retry of the same bytes is read and applied in full.
    const auto link = *create("1000.00", false).link;
    const auto deliveries = pay(link.order_id);
    BOOST_REQUIRE(!deliveries.empty());
    const auto& d = deliveries.front();
    host.store_writes = 0; // the next batch, the notification's record, fails
    host.fail_write_at = 1;
    const auto failed = notify(d.body, d.signature);
    BOOST_TEST(int(failed.code) == int(Code::out_of_service));
    host.fail_write_at = 0;
    const auto retried = notify(d.body, d.signature);
    BOOST_TEST(int(retried.code) == int(Code::success));
    BOOST_TEST(retried.reason == "applied");
    host.run();
    BOOST_TEST(host.postings.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
