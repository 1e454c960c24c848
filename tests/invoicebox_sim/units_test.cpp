// Unit tests of the simulator's small parts: clock and RFC 3339, ids, retry schedules, fault
// selectors, rate limiter, list queries, payment-page formatting, command line.
#include "invoicebox/sim/clock.hpp"
#include "invoicebox/sim/faults.hpp"

#include <set>
#include "invoicebox/sim/ids.hpp"
#include "invoicebox/sim/list_query.hpp"
#include "invoicebox/sim/options.hpp"
#include "invoicebox/sim/payment_page.hpp"
#include "invoicebox/sim/rate_limiter.hpp"
#include "invoicebox/sim/retry_schedule.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

using namespace invoicebox::sim;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(units)

BOOST_AUTO_TEST_CASE(rfc3339_round_trip_and_offsets) {
    const auto t = parse_rfc3339("2024-11-08T21:00:00+00:00");
    BOOST_REQUIRE(t);
    BOOST_TEST(format_rfc3339(*t) == "2024-11-08T21:00:00+00:00");
    // The same instant written with Moscow's offset and with Z.
    BOOST_TEST((parse_rfc3339("2024-11-09T00:00:00+03:00") == t));
    BOOST_TEST((parse_rfc3339("2024-11-08T21:00:00Z") == t));
    BOOST_TEST((parse_rfc3339("2024-11-08T21:00:00.250Z") == *t + 250ms));
    // The API requires the offset; filters may omit it (read as UTC).
    BOOST_TEST(!parse_rfc3339("2024-11-08T21:00:00"));
    BOOST_TEST((parse_rfc3339("2024-11-08T21:00:00", true) == t));
    BOOST_TEST((parse_rfc3339("2024-11-08", true) == *t - 21h));
    for (auto bad : {"", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-11-08 21:00",
                     "tomorrow", "2024-11-08T21:00:00+0300", "2024-11-08T24:00:00Z"}) {
        BOOST_TEST(!parse_rfc3339(bad), bad);
    }
    BOOST_TEST(format_ru_datetime(*t, 180min) == "09.11.2024 00:00");
    // Every field's digits, sub-second time dropped, and years at the edges of four digits.
    for (auto text : {"0001-01-01T00:00:00+00:00", "0999-12-31T23:59:59+00:00",
                      "2000-02-29T09:08:07+00:00", "9999-12-31T23:59:59+00:00"}) {
        const auto at = parse_rfc3339(text);
        BOOST_REQUIRE(at);
        BOOST_TEST(format_rfc3339(*at + 999ms) == text);
    }
}

BOOST_AUTO_TEST_CASE(sim_clock_advances_and_sets) {
    Instant base{1'000'000ms};
    SimClock c([&] { return base; });
    BOOST_TEST((c.now() == base));
    c.advance(90s);
    BOOST_TEST((c.now() == base + 90s));
    base += 1s; // the source keeps running under the offset
    BOOST_TEST((c.now() == base + 90s));
    c.set(Instant{5'000'000ms});
    BOOST_TEST((c.now() == Instant{5'000'000ms}));
}

BOOST_AUTO_TEST_CASE(uuid_v7_is_time_ordered) {
    IdGenerator g(42);
    const auto a = g.uuid_v7(Instant{1000ms});
    const auto b = g.uuid_v7(Instant{2000ms});
    BOOST_TEST(looks_like_uuid(a));
    BOOST_TEST(a[14] == '7');
    BOOST_TEST(a < b);
    BOOST_TEST(looks_like_uuid(uuid_from_text("x")));
    BOOST_TEST(uuid_from_text("x") == uuid_from_text("x"));
    BOOST_TEST(!looks_like_uuid("not-a-uuid"));
}

BOOST_AUTO_TEST_CASE(fast_schedule_matches_the_architecture) {
    const auto s = RetrySchedule::fast();
    BOOST_TEST(s.max_retries() == 10);
    BOOST_TEST(s.delay_after(1).value() <= 5s);
    Millis total{0};
    for (int i = 1; i <= 10; ++i) {
        total += s.delay_after(i).value();
    }
    BOOST_TEST(total < 60s);
    BOOST_TEST(!s.delay_after(11));
    BOOST_TEST(!s.delay_after(0));
}

BOOST_AUTO_TEST_CASE(real_schedule_spans_a_day) {
    const auto s = RetrySchedule::real();
    BOOST_TEST(s.max_retries() == 10);
    Millis total{0};
    Millis previous{0};
    for (int i = 1; i <= 10; ++i) {
        const auto d = s.delay_after(i).value();
        BOOST_TEST(d >= previous);
        previous = d;
        total += d;
    }
    BOOST_TEST(total <= 24h);
    BOOST_TEST(total >= 12h);
    BOOST_TEST(RetrySchedule::from_name("real").has_value());
    BOOST_TEST(!RetrySchedule::from_name("slow").has_value());
}

BOOST_AUTO_TEST_CASE(selector_next_n) {
    auto s = FaultSelector::next(2);
    BOOST_TEST(s.fire());
    BOOST_TEST(s.fire());
    BOOST_TEST(!s.fire());
    BOOST_TEST(!s.active());
}

BOOST_AUTO_TEST_CASE(selector_share_is_deterministic_per_seed) {
    auto a = FaultSelector::share(0.3, 7);
    auto b = FaultSelector::share(0.3, 7);
    int hits = 0;
    for (int i = 0; i < 1000; ++i) {
        const bool x = a.fire();
        BOOST_TEST(x == b.fire());
        hits += x;
    }
    BOOST_TEST(hits > 230);
    BOOST_TEST(hits < 370);
}

BOOST_AUTO_TEST_CASE(fault_model_configuration) {
    FaultModel f;
    BOOST_TEST(!f.configure(boost::json::parse(
        R"({"drop":{"next":1,"after":true,"method":"POST","path":"/billing/api/order/order"},
            "error":{"rate":1,"seed":3,"status":503},"latency":{"ms":50}})")));
    // The drop is limited to a create; a GET gets the error (rate 1) and the latency.
    auto p = f.plan_request("GET", "/v3/filter/api/order/order");
    BOOST_TEST(p.latency.count() == 50);
    BOOST_TEST((p.action == RequestFaultPlan::Action::error_before));
    BOOST_TEST(p.status == 503);
    p = f.plan_request("POST", "/l3/billing/api/order/order");
    BOOST_TEST((p.action == RequestFaultPlan::Action::drop_after));
    p = f.plan_request("POST", "/v3/billing/api/order/order");
    BOOST_TEST((p.action == RequestFaultPlan::Action::error_before)); // the drop was used up

    const auto described = f.describe();
    BOOST_TEST(!described.contains("drop"));
    BOOST_TEST(described.at("error").at("status").as_int64() == 503);

    // Invalid input leaves the configuration unchanged.
    BOOST_TEST(f.configure(boost::json::parse(R"({"error":{"status":404}})")).has_value());
    BOOST_TEST(f.configure(boost::json::parse(R"({"teleport":{}})")).has_value());
    BOOST_TEST(f.configure(boost::json::parse(R"({"error":{"next":1,"rate":0.5}})")).has_value());
    BOOST_TEST(f.describe().contains("error"));
    BOOST_TEST(!f.configure(boost::json::parse("{}")));
    BOOST_TEST(f.describe().empty());
}

// The chaos test's mix (tests/chaos): a list of 5xx statuses, a share applied first, and a
// probabilistic reorder delay; the in-fault choices replay with the seeds.
BOOST_AUTO_TEST_CASE(fault_model_chaos_mix) {
    const auto config = boost::json::parse(
        R"({"error":{"rate":1,"seed":5,"status":[500,502,503,504],"afterShare":0.5},
            "drop":{"rate":0,"seed":6,"afterShare":1},
            "outOfOrder":{"rate":0.5,"seed":7,"holdMs":3000}})");
    FaultModel a, b;
    BOOST_TEST(!a.configure(config));
    BOOST_TEST(!b.configure(config));
    std::set<int> statuses;
    int after = 0, delayed = 0;
    for (int i = 0; i < 400; ++i) {
        const auto p = a.plan_request("POST", "/v3/billing/api/order/order");
        const auto q = b.plan_request("POST", "/v3/billing/api/order/order");
        BOOST_TEST(p.status == q.status);
        BOOST_TEST((p.action == q.action));
        statuses.insert(p.status);
        after += p.action == RequestFaultPlan::Action::error_after;
        BOOST_TEST((p.action == RequestFaultPlan::Action::error_after ||
                    p.action == RequestFaultPlan::Action::error_before));
        const auto d = a.reorder_delay();
        const auto e = b.reorder_delay();
        BOOST_TEST(d.has_value() == e.has_value());
        if (d) {
            ++delayed;
            BOOST_TEST(d->count() == e->count());
            BOOST_TEST(d->count() >= 1);
            BOOST_TEST(d->count() <= 3000);
        }
    }
    BOOST_TEST(statuses.size() == 4u);
    // The counts of what fired, kept when the set is replaced, reset by clear().
    BOOST_TEST(a.stats().requests == 400u);
    BOOST_TEST(a.stats().error_before + a.stats().error_after == 400u);
    BOOST_TEST(a.stats().error_after == static_cast<std::uint64_t>(after));
    BOOST_TEST(a.stats().reordered == static_cast<std::uint64_t>(delayed));
    BOOST_TEST(!a.configure(boost::json::parse("{}")));
    BOOST_TEST(a.stats().requests == 400u);
    BOOST_TEST(a.stats().describe().at("errorAfter").as_uint64() == static_cast<std::uint64_t>(after));
    a.clear();
    BOOST_TEST(a.stats().requests == 0u);
    BOOST_TEST(after > 140);
    BOOST_TEST(after < 260);
    BOOST_TEST(delayed > 140);
    BOOST_TEST(delayed < 260);
    const auto described = b.describe(); // `a` was cleared above; `b` is its twin
    BOOST_TEST(described.at("error").at("status").as_array().size() == 4u);
    BOOST_TEST(described.at("outOfOrder").at("holdMs").as_int64() == 3000);
    // A drop with afterShare 1 always applies the request first.
    FaultModel c;
    BOOST_TEST(!c.configure(boost::json::parse(R"({"drop":{"next":1,"afterShare":1}})")));
    BOOST_TEST((c.plan_request("GET", "/v3/filter/api/order/order").action == RequestFaultPlan::Action::drop_after));
    // Invalid mixes are refused.
    BOOST_TEST(c.configure(boost::json::parse(R"({"error":{"status":[]}})")).has_value());
    BOOST_TEST(c.configure(boost::json::parse(R"({"error":{"status":[503,404]}})")).has_value());
    BOOST_TEST(c.configure(boost::json::parse(R"({"drop":{"afterShare":2}})")).has_value());
    BOOST_TEST(c.configure(boost::json::parse(R"({"outOfOrder":{"rate":0.5,"window":2}})")).has_value());
    BOOST_TEST(c.configure(boost::json::parse(R"({"outOfOrder":{"rate":0.5,"holdMs":0}})")).has_value());
}

BOOST_AUTO_TEST_CASE(rate_limiter_sliding_window) {
    RateLimiter l(RateLimit{3, 30s});
    const std::chrono::steady_clock::time_point t0{};
    BOOST_TEST(l.allow("a", t0));
    BOOST_TEST(l.allow("a", t0 + 1s));
    BOOST_TEST(l.allow("a", t0 + 2s));
    BOOST_TEST(!l.allow("a", t0 + 3s));
    BOOST_TEST(l.allow("b", t0 + 3s));  // per key
    BOOST_TEST(l.allow("a", t0 + 30s)); // the first one left the window
    RateLimiter unlimited(RateLimit{0, 30s});
    for (int i = 0; i < 1000; ++i) {
        BOOST_TEST_REQUIRE(unlimited.allow("a", t0));
    }
}

BOOST_AUTO_TEST_CASE(list_query_parsing) {
    auto q = parse_list_query(
        "status[]=created&status[]=completed&amount[_ge]=1000&_order[createdAt]=desc"
        "&_page=2&_pageSize=5&createdAt[_ge]=2024-11-05T00:00:00%2B03:00",
        order_filter_fields());
    BOOST_REQUIRE(q);
    BOOST_TEST(q->conditions.size() == 3u);
    BOOST_TEST(q->conditions[0].values.size() == 2u);
    BOOST_TEST(q->page == 2u);
    BOOST_TEST(q->page_size == 5u);
    BOOST_TEST(q->order.at(0).second);
    // `+` is a space (PHP): an unencoded offset is not a date.
    BOOST_TEST(
        !parse_list_query("createdAt[_ge]=2024-11-05T00:00:00+03:00", order_filter_fields()));
    BOOST_TEST(!parse_list_query("_order=createdAt:desc", order_filter_fields()));
    BOOST_TEST(!parse_list_query("colour=red", order_filter_fields()));
    BOOST_TEST(!parse_list_query("status[_gt]=a", order_filter_fields()));
    BOOST_TEST(!parse_list_query("pageSize=0", order_filter_fields()));
    BOOST_TEST(parse_list_query("pageSize=1000", order_filter_fields())->page_size ==
               max_page_size);
    BOOST_TEST(
        parse_list_query("merchantOrderId=A%26B", order_filter_fields())->conditions[0].values[0] ==
        "A&B");
}

BOOST_AUTO_TEST_CASE(list_query_matching) {
    using invoicebox::sim::JsonNumber;
    using invoicebox::sim::JsonObject;
    JsonObject row;
    row.emplace("status", "completed");
    row.emplace("amount", JsonNumber{"1550"});
    row.emplace("createdAt", "2024-11-05T10:01:12+00:00");
    auto check = [&](std::string_view query) {
        auto q = parse_list_query(query, order_filter_fields());
        BOOST_REQUIRE(q);
        return matches(row, *q);
    };
    BOOST_TEST(check("status=completed"));
    BOOST_TEST(!check("status=created"));
    BOOST_TEST(check("status[]=created&status[]=completed"));
    BOOST_TEST(check("amount[_ge]=1550.00"));
    BOOST_TEST(!check("amount[_gt]=1550"));
    BOOST_TEST(check("amount[_lt]=1550.01"));
    BOOST_TEST(check("createdAt[_ge]=2024-11-05T13:00:00%2B03:00"));
    BOOST_TEST(!check("createdAt[_gt]=2024-11-05T10:01:12"));
    BOOST_TEST(check("status[_start]=comp"));
    BOOST_TEST(check("status[_ne]=created"));
    BOOST_TEST(!check("paidAt[_ge]=2020-01-01")); // no paidAt: never matches
}

BOOST_AUTO_TEST_CASE(russian_amounts) {
    BOOST_TEST(format_ru_amount(6768000, "RUB") == "67 680,00 ₽");
    BOOST_TEST(format_ru_amount(155000, "RUB") == "1 550,00 ₽");
    BOOST_TEST(format_ru_amount(5, "RUB") == "0,05 ₽");
    BOOST_TEST(format_ru_amount(123456789012, "EUR") == "1 234 567 890,12 €");
    BOOST_TEST(html_escape("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

BOOST_AUTO_TEST_CASE(payment_page_content) {
    PageOrder o;
    o.number = "A-1";
    o.description = "Проживание <3 ночи>";
    o.amount_minor = 6768000;
    o.currency = "RUB";
    o.expires_at = *parse_rfc3339("2024-11-08T21:00:00+00:00");
    o.status = "created";
    const auto html = render_payment_page("Гостиница «Заря»", {o}, "/order/c1/pay");
    BOOST_TEST(html.find("<html lang=\"ru\">") != std::string::npos);
    BOOST_TEST(html.find("67 680,00 ₽") != std::string::npos);
    BOOST_TEST(html.find("Оплатить счёт") != std::string::npos);
    BOOST_TEST(html.find("action=\"/order/c1/pay\"") != std::string::npos);
    BOOST_TEST(html.find("Гостиница «Заря»") != std::string::npos);
    BOOST_TEST(html.find("Проживание &lt;3 ночи&gt;") != std::string::npos);
    BOOST_TEST(html.find("09.11.2024 00:00") != std::string::npos);
    // Self-contained: nothing is loaded from elsewhere.
    BOOST_TEST(html.find("http://") == std::string::npos);
    BOOST_TEST(html.find("https://") == std::string::npos);
    BOOST_TEST(html.find("<script") == std::string::npos);
    o.status = "completed";
    const auto paid = render_payment_page("Shop", {o}, "/order/c1/pay");
    BOOST_TEST(paid.find("Оплатить счёт") == std::string::npos);
    BOOST_TEST(paid.find("Счёт оплачен") != std::string::npos);
}

// The way back to the shop (issue 10): successUrl after paying, failUrl when the order can no
// longer be paid, returnUrl for either when the specific one is missing, none without any, and
// never a non-web address.
BOOST_AUTO_TEST_CASE(payment_page_links_back_to_the_shop_only_when_it_named_an_address) {
    PageOrder o;
    o.number = "30682277";
    o.description = "Предоплата";
    o.amount_minor = 100000;
    o.currency = "RUB";
    o.expires_at = *parse_rfc3339("2024-11-08T21:00:00+00:00");
    o.status = "completed";
    o.success_url = "https://hotel.example.ru/?a=1&b=\"2\"";
    o.fail_url = "https://hotel.example.ru/fail";
    const std::string back_ok = R"(id="back" class="back" href="https://hotel.example.ru/?a=1&amp;b=&quot;2&quot;")";
    const std::string back_fail = R"(id="back" class="back" href="https://hotel.example.ru/fail")";
    auto paid = render_payment_result("Shop", {o}, true);
    BOOST_TEST(paid.find(back_ok) != std::string::npos, paid);
    BOOST_TEST(paid.find("hotel.example.ru/fail") == std::string::npos);
    // Opened again later: the same link.
    BOOST_TEST(render_payment_page("Shop", {o}, "/order/c1/pay").find(back_ok) != std::string::npos);
    // Not payable any more: failUrl, on the result and on the page.
    o.status = "expired";
    BOOST_TEST(render_payment_result("Shop", {o}, false).find(back_fail) != std::string::npos);
    BOOST_TEST(render_payment_page("Shop", {o}, "/order/c1/pay").find(back_fail) != std::string::npos);
    // Still payable: no «back» link of the outcome yet.
    o.status = "created";
    BOOST_TEST(render_payment_page("Shop", {o}, "/order/c1/pay").find("id=\"back\"") == std::string::npos);
    // No address named: the payer stays, no link at all.
    o.status = "completed";
    o.success_url.clear();
    o.fail_url.clear();
    BOOST_TEST(render_payment_result("Shop", {o}, true).find("Вернуться в магазин") == std::string::npos);
    // returnUrl stands in for a missing specific one.
    o.return_url = "http://hotel.test/";
    BOOST_TEST(render_payment_result("Shop", {o}, true).find(R"(href="http://hotel.test/")") != std::string::npos);
    // Only http(s) becomes a link.
    o.return_url.clear();
    o.success_url = "javascript:alert(1)";
    o.fail_url = "data:text/html,x";
    BOOST_TEST(render_payment_result("Shop", {o}, true).find("javascript:") == std::string::npos);
    o.status = "canceled";
    BOOST_TEST(render_payment_result("Shop", {o}, false).find("data:") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(command_line) {
    auto p = parse_options({"--listen",
                            "127.0.0.1:0",
                            "--merchant-id",
                            "3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f",
                            "--token",
                            "t",
                            "--api-key",
                            "k",
                            "--flavour",
                            "l3",
                            "--retry-schedule",
                            "real",
                            "--time-scale",
                            "0.01",
                            "--rate-limit",
                            "5/10",
                            "--tls",
                            "c.pem",
                            "k.pem",
                            "--account",
                            "11111111-2222-4333-8444-555555555555:29078-API:abc:key2"});
    BOOST_REQUIRE(p.options);
    const auto& o = *p.options;
    BOOST_TEST(o.listen_port == 0);
    BOOST_TEST((o.flavour == Flavour::l3));
    BOOST_TEST(o.retry_schedule == "real");
    BOOST_TEST(o.time_scale == 0.01);
    BOOST_TEST(o.account_limit.requests == 5u);
    BOOST_TEST(o.accounts.size() == 2u);
    BOOST_TEST(o.accounts[1].token == "29078-API:abc");
    BOOST_TEST(o.accounts[1].api_key == "key2");
    BOOST_TEST(o.tls_cert.value() == "c.pem");
    BOOST_TEST(!parse_options({"--token", "t"}).options);
    BOOST_TEST(!parse_options({"--merchant-id", "nope", "--token", "t", "--api-key", "k"}).options);
    BOOST_TEST(!parse_options({"--frobnicate"}).options);
    BOOST_TEST(parse_options({"--help"}).help);
}

BOOST_AUTO_TEST_SUITE_END()
