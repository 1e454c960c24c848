// Reconciliation with InvoiceBox (issue 13) against the fake host and the simulator's engine:
//  - a payment whose notification was dropped and a cabinet refund the poller has not seen yet
//    are posted by the reconciliation, once, and reported as posted by it;
//  - a second run posts nothing more and reports no line;
//  - the report is kept, read back, and exported as CSV (BOM, `;`, decimal comma, no formula);
//  - the daily run covers the day since the previous one and raises one alert on differences;
//  - the page offers «Сверка с InvoiceBox» and shows the report with its CSV download.
#include "fake_host.hpp"
#include "test_shop.hpp"

#include <invoicebox/plugin/link_service.hpp>
#include <invoicebox/plugin/reconciliation.hpp>
#include <invoicebox/plugin/suspense_service.hpp>

#include <boost/test/unit_test.hpp>

using namespace test;

namespace {

struct Fixture {
    FakeHost host;
    std::unique_ptr<LinkService> service;
    std::unique_ptr<Reconciler> reconciler;

    Fixture() {
        host.folio_json = folio_doc;
        service = std::make_unique<LinkService>(host);
        service->configure(settings());
        reconciler = std::make_unique<Reconciler>(*service, host);
    }
    LinkRecord created(const std::string& amount) {
        CreateInput in{"F-1", amount, "Предоплата", default_message_template(), "24h", false, false};
        std::optional<CreateOutcome> out;
        service->create_link(in, StaffUser{"u-1", "Анна"}, [&](CreateOutcome o) { out = std::move(o); });
        host.run();
        BOOST_REQUIRE(out && out->link);
        return *out->link;
    }
    /// Pays on the simulator; delivers its notification unless `drop`.
    void pay(const LinkRecord& link, bool drop) {
        auto r = host.sim_call("POST", "/__sim/orders/" + link.order_id + "/pay", "{}");
        BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
        for (const auto& d : host.engine->take_deliveries())
            if (!drop)
                service->handle_notification("notify", d.body,
                                             {{"Content-Type", "application/json"}, {"x-signature", d.signature}},
                                             [](pr::NotificationReply, NotificationOutcome) {});
        host.run();
    }
    ReconciliationReport reconcile(std::int64_t from, std::int64_t to) {
        std::optional<ReconciliationReport> out;
        reconciler->run(from, to, "Анна (u-1)", [&](const ReconciliationReport& r) { out = r; });
        host.run();
        BOOST_REQUIRE(out.has_value());
        return *out;
    }
    std::size_t postings_of(std::string_view kind) {
        std::size_t n = 0;
        for (const auto& [key, p] : host.postings)
            if (p.p.kind == kind)
                ++n;
        return n;
    }
};

const ReconciliationLine* line_for(const ReconciliationReport& r, const std::string& invoicebox_id) {
    for (const auto& l : r.lines)
        if (l.invoicebox_id == invoicebox_id)
            return &l;
    return nullptr;
}

} // namespace

BOOST_AUTO_TEST_SUITE(reconciliation)

BOOST_FIXTURE_TEST_CASE(a_dropped_notification_and_a_cabinet_refund_are_posted_once, Fixture) {
    const auto t0 = host.now;
    const auto a = created("1000.00");
    const auto b = created("250.50");
    const auto c = created("75.00");
    pay(a, false);
    pay(b, false);
    pay(c, true); // InvoiceBox's notification for c never arrived
    BOOST_REQUIRE_EQUAL(postings_of("payment"), 2u);
    // A refund made in InvoiceBox's cabinet, before any poller pass.
    auto refund = host.sim_call("POST", "/__sim/orders/" + a.order_id + "/refund", R"({"amountMinor":40000})");
    BOOST_REQUIRE_MESSAGE(refund.status == 200, refund.body);
    host.now += 10'000; // the simulator completes refunds after a few seconds

    const auto report = reconcile(t0 - 3'600'000, host.now + 60'000);
    BOOST_REQUIRE_EQUAL(report.shops.size(), 1u);
    const auto& shop = report.shops.front();
    BOOST_TEST(shop.error.empty(), shop.error);
    BOOST_TEST(shop.paid_at_ib.count == 3);
    BOOST_TEST(shop.paid_at_ib.minor == 100000 + 25050 + 7500);
    BOOST_TEST(shop.paid_posted.count == 3);
    BOOST_TEST(shop.paid_posted.minor == shop.paid_at_ib.minor);
    BOOST_TEST(shop.refunds_at_ib.count == 1);
    BOOST_TEST(shop.refunds_at_ib.minor == 40000);
    BOOST_TEST(shop.refunds_posted.minor == 40000);
    BOOST_TEST(shop.posted_now == 2);
    const auto* missed = line_for(report, c.order_id);
    BOOST_REQUIRE(missed);
    BOOST_TEST(int(missed->kind) == int(ReconciliationLine::Kind::posted_now));
    BOOST_TEST(missed->invoicebox_minor == 7500);
    BOOST_TEST(report.differences() == 0u);
    BOOST_TEST(report.complete());
    // Posted: one payment each, one refund (negative), nothing twice.
    BOOST_TEST(postings_of("payment") == 3u);
    BOOST_TEST(postings_of("refund") == 1u);
    for (const auto& [key, p] : host.postings)
        if (p.p.kind == "refund")
            BOOST_TEST(p.p.amount_minor == 40000); // kind "refund": the host books it as negative

    // Again: everything agrees, nothing is posted.
    const auto again = reconcile(t0 - 3'600'000, host.now + 60'000);
    BOOST_TEST(again.lines.empty());
    BOOST_TEST(again.shops.front().posted_now == 0);
    BOOST_TEST(postings_of("payment") == 3u);
    BOOST_TEST(postings_of("refund") == 1u);

    // Kept for the page, and the same when read back.
    const auto last = reconciler->last_report();
    BOOST_REQUIRE(last.has_value());
    BOOST_TEST(serialize(*last) == serialize(again));
}

BOOST_FIXTURE_TEST_CASE(orders_paid_outside_the_period_are_not_counted, Fixture) {
    const auto a = created("1000.00");
    pay(a, false);
    host.now += 2 * Reconciler::day_ms;
    const auto report = reconcile(host.now - Reconciler::day_ms, host.now);
    BOOST_TEST(report.shops.front().paid_at_ib.count == 0);
    BOOST_TEST(report.lines.empty()); // the PMS side: posted before the period, not a difference
}

BOOST_AUTO_TEST_CASE(the_csv_is_for_a_russian_spreadsheet_and_runs_nothing) {
    ReconciliationReport r;
    r.from_ms = 1747047780000;
    r.to_ms = r.from_ms + Reconciler::day_ms;
    r.run_at_ms = r.to_ms;
    r.who = "Анна; бухгалтер";
    ReconciliationShop s;
    s.merchant_id = "m-1";
    s.label = "ООО «Суперотель»";
    s.paid_at_ib.add(123456);
    r.shops.push_back(s);
    ReconciliationLine l;
    l.kind = ReconciliationLine::Kind::unknown_order;
    l.invoicebox_id = "=HYPERLINK(\"http://x\")";
    l.invoicebox_minor = -5;
    l.reason = "строка с \"кавычками\"\nи переносом";
    r.lines.push_back(l);
    const std::string csv = reconciliation_csv(r, 180);
    BOOST_TEST(csv.rfind("\xEF\xBB\xBF", 0) == 0u);                          // BOM
    BOOST_TEST(csv.find("\"Анна; бухгалтер\"") != std::string::npos);        // quoted: holds `;`
    BOOST_TEST(csv.find("1234,56") != std::string::npos);                    // decimal comma
    BOOST_TEST(csv.find(";-0,05;") != std::string::npos);                    // a negative amount stays a number
    BOOST_TEST(csv.find("'=HYPERLINK") != std::string::npos);                // never a formula
    BOOST_TEST(csv.find("\"строка с \"\"кавычками\"\"\nи переносом\"") != std::string::npos);
    BOOST_TEST(csv.find("\r\n") != std::string::npos);
    // And the stored form reads back whole.
    const auto back = parse_reconciliation_report(serialize(r));
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST(serialize(*back) == serialize(r));
    BOOST_TEST(!parse_reconciliation_report("{\"version\":2}").has_value());
}

BOOST_FIXTURE_TEST_CASE(the_daily_run_covers_the_day_and_alerts_on_differences, Fixture) {
    const auto a = created("1000.00");
    pay(a, true); // dropped: the daily run posts it (no difference)
    reconciler->start(std::chrono::minutes(10));
    host.run(11 * 60 * 1000);
    auto last = reconciler->last_report();
    BOOST_REQUIRE(last.has_value());
    BOOST_TEST(last->who == "ежедневная сверка");
    BOOST_TEST(last->shops.front().posted_now == 1);
    BOOST_TEST(postings_of("payment") == 1u);
    std::size_t alerts = 0;
    for (const auto& [key, alert] : host.alerts)
        if (key.rfind("reconciliation:", 0) == 0)
            ++alerts;
    BOOST_TEST(alerts == 0u); // posted by it: nothing for a person to look at
    const auto first_to = last->to_ms;

    // A day later the next run starts where the last one ended.
    host.run(Reconciler::day_ms + 60'000);
    last = reconciler->last_report();
    BOOST_REQUIRE(last.has_value());
    BOOST_TEST(last->from_ms == first_to);
    reconciler->stop();
}

BOOST_FIXTURE_TEST_CASE(the_page_offers_the_reconciliation_and_shows_its_csv, Fixture) {
    SuspenseService page(*service);
    page.attach_reconciler(reconciler.get(), true);
    page.page_opened("P");
    const std::string list = page.open_page();
    BOOST_TEST(list.find("\"open_reconciliation\"") != std::string::npos);
    std::string view;
    page.page_event(R"({"kind":"button","action":"open_reconciliation","values":{}})", StaffUser{"u-2", "Бух"},
                    [&](std::string v) { view = std::move(v); }, "P");
    BOOST_TEST(view.find("Сверок ещё не было") != std::string::npos, view);
    const auto a = created("1000.00");
    pay(a, true);
    view.clear();
    page.page_event(R"({"kind":"button","action":"run_reconciliation","values":{"period":"1"}})",
                    StaffUser{"u-2", "Бух"}, [&](std::string v) { view = std::move(v); }, "P");
    BOOST_TEST(view.find("Сверка выполняется") != std::string::npos, view); // answered at once
    host.run();
    const std::string pushed = host.last_push_to("P");
    BOOST_TEST(pushed.find("Сверка выполнена") != std::string::npos, pushed);
    BOOST_TEST(pushed.find("\"type\":\"download\"") != std::string::npos, pushed);
    BOOST_TEST(pushed.find("Оплата проведена сверкой") != std::string::npos, pushed);
    BOOST_TEST(postings_of("payment") == 1u);
    // A period the form does not offer is refused with a message, nothing runs.
    view.clear();
    page.page_event(R"({"kind":"button","action":"run_reconciliation","values":{"period":"365"}})",
                    StaffUser{"u-2", "Бух"}, [&](std::string v) { view = std::move(v); }, "P");
    BOOST_TEST(view.find("Выберите период сверки") != std::string::npos, view);
    BOOST_TEST(!reconciler->running());
    // Without download support (a 1.4 host) the report is shown without the CSV element.
    page.attach_reconciler(reconciler.get(), false);
    view.clear();
    page.page_event(R"({"kind":"button","action":"open_reconciliation","values":{}})", StaffUser{"u-2", "Бух"},
                    [&](std::string v) { view = std::move(v); }, "P");
    BOOST_TEST(view.find("\"type\":\"download\"") == std::string::npos, view);
}

// A refund that cannot be posted (no mapping for refunds): a line of the report with the reason,
// a row of the unposted list (no action: it posts itself once fixed), then posted once.
BOOST_FIXTURE_TEST_CASE(a_refund_that_cannot_be_posted_is_listed_and_posted_once_fixed, Fixture) {
    const auto t0 = host.now;
    const auto a = created("1000.00");
    pay(a, false);
    BOOST_REQUIRE_EQUAL(postings_of("payment"), 1u);
    host.no_mapping = true;
    auto refund = host.sim_call("POST", "/__sim/orders/" + a.order_id + "/refund", R"({"amountMinor":10000})");
    BOOST_REQUIRE_MESSAGE(refund.status == 200, refund.body);
    host.now += 10'000;
    const auto report = reconcile(t0 - 3'600'000, host.now + 60'000);
    bool held_line = false;
    for (const auto& l : report.lines)
        held_line = held_line || (l.kind == ReconciliationLine::Kind::refund_unposted && !l.reason.empty());
    BOOST_TEST(held_line);
    BOOST_TEST(report.differences() == 1u);
    BOOST_TEST(postings_of("refund") == 0u);

    SuspenseService page(*service);
    const std::string list = page.open_page();
    BOOST_TEST(list.find("Возврат не проведён") != std::string::npos, list);
    BOOST_TEST(list.find("\"key\":\"refund:") != std::string::npos, list);

    host.no_mapping = false; // the admin maps refunds
    service->retry_suspense();
    host.run();
    BOOST_TEST(postings_of("refund") == 1u);
    BOOST_TEST(page.open_page().find("Возврат не проведён") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
