// The three list roads read InvoiceBox lists to the end (architecture §8 "Every list read pages
// to the end"), and the paid-orders poll keeps a durable cursor per shop (issue 9, "Nothing
// stuck"): against the fake host and the simulator's engine in-process, on one injected clock.
// Also (suite `currency`): a notification in another currency is held with reason «валюта».
//
// Links are made to expire before they are paid late, so that only the paid-orders road (the
// one with the cursor) can find the payments: open links are also read by id, which would
// otherwise post them and hide a paging or cursor bug.
#include "fake_host.hpp"
#include "test_shop.hpp"

#include <invoicebox/plugin/link_dialog.hpp>
#include <invoicebox/plugin/link_service.hpp>

#include <invoicebox/protocol/signature.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include <set>

using namespace test;

namespace {

/// The fake host, plus: every request target (to see which pages were read), and a store write
/// that fails when it touches one chosen key (a page whose reports cannot all be recorded).
class RecordingHost : public FakeHost {
  public:
    std::vector<std::string> targets;
    std::string fail_key;

    /// List reads by id (every read of a pass without the paidAt filter) outstanding now, and
    /// the most outstanding at once.
    int by_id_outstanding = 0;
    int by_id_most = 0;
    /// Applied to every answer before the plugin sees it, when set.
    std::function<void(pr::HttpOutcome&)> rewrite;
    void http_send(const pr::HttpRequest& request, std::string url, std::chrono::milliseconds timeout,
                   std::function<void(pr::HttpOutcome)> done) override {
        targets.push_back(request.target);
        if (rewrite)
            done = [this, done = std::move(done)](pr::HttpOutcome o) {
                rewrite(o);
                done(std::move(o));
            };
        if (request.target.find("/order/order") != std::string::npos &&
            request.target.find("paidAt%5B_ge%5D") == std::string::npos) {
            by_id_most = std::max(by_id_most, ++by_id_outstanding);
            done = [this, done = std::move(done)](pr::HttpOutcome o) {
                --by_id_outstanding;
                done(std::move(o));
            };
        }
        FakeHost::http_send(request, std::move(url), timeout, std::move(done));
    }
    /// Lookups by key prefix ("v1/link/", "v1/suspense/", …), to count what a pass reads.
    std::map<std::string, int> gets;
    std::optional<std::string> store_get(std::string_view key) override {
        const auto slash = key.find('/', 3);
        ++gets[std::string(key.substr(0, slash == std::string_view::npos ? key.size() : slash + 1))];
        return FakeHost::store_get(key);
    }
    /// Synchronous and asynchronous writes alike (the poller records pages asynchronously).
    RecordingHost() {
        fail_if = [this](const std::vector<StoreOp>& ops) {
            return !fail_key.empty() &&
                   std::any_of(ops.begin(), ops.end(), [this](const StoreOp& op) { return op.key == fail_key; });
        };
    }
    /// Paid-orders reads since `from` (the paidAt filter is in every one of them).
    std::vector<std::string> paid_reads(std::size_t from) const {
        std::vector<std::string> out;
        for (std::size_t i = from; i < targets.size(); ++i)
            if (targets[i].find("paidAt%5B_ge%5D") != std::string::npos)
                out.push_back(targets[i]);
        return out;
    }
};

struct Fixture {
    RecordingHost host;
    std::unique_ptr<LinkService> service;

    Fixture() {
        host.folio_json = folio_doc;
        restart();
    }
    void restart() {
        service = std::make_unique<LinkService>(host);
        service->configure(settings());
    }
    /// What staff fill in for a link of `amount` on F-1, sent by no mail.
    static CreateInput link_input(std::string amount) {
        CreateInput in;
        in.folio_id = "F-1";
        in.amount_text = std::move(amount);
        in.description = "Предоплата по заявке №471887";
        in.message_template = default_message_template();
        in.lifetime = "24h";
        return in;
    }
    /// `n` links of 1,00 ₽ (no mail). The clock moves past the account's rate-limit window now
    /// and then, as staff creating links by hand would, so no create is held back.
    std::vector<LinkRecord> create_links(int n) {
        std::vector<LinkRecord> out;
        for (int i = 0; i < n; ++i) {
            if (i % 90 == 89)
                host.now += 31'000;
            std::optional<CreateOutcome> o;
            service->create_link(link_input("1.00"), StaffUser{"u-1", "Анна"}, [&](CreateOutcome r) { o = std::move(r); });
            host.run();
            BOOST_REQUIRE(o);
            BOOST_REQUIRE_MESSAGE(int(o->kind) == int(CreateOutcome::Kind::created), o->message);
            out.push_back(*o->link);
        }
        host.now += 31'000;
        return out;
    }
    /// Lets every link expire and has the poller notice it (the links leave the open index).
    void expire_all() {
        host.now += 25LL * 3600 * 1000;
        service->poll_once(Actor::poll);
        host.run();
        host.engine->take_deliveries();
        for (const auto& l : service->repository().for_folio("F-1"))
            BOOST_REQUIRE_MESSAGE(l.ib_status == "expired", l.merchant_order_id + " is " + l.ib_status);
        BOOST_REQUIRE(service->repository().open_links().empty());
    }
    /// A late payment on InvoiceBox whose notification is lost.
    void pay_late(const LinkRecord& l) {
        auto r = host.sim_call("POST", "/__sim/orders/" + l.order_id + "/pay", R"({"late":true})");
        BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
        host.engine->take_deliveries();
    }
    /// Payments of open links on InvoiceBox whose notifications are lost: only a refresh or the
    /// poller finds them.
    void pay_unnotified(const std::vector<LinkRecord>& links) {
        for (const auto& l : links) {
            auto r = host.sim_call("POST", "/__sim/orders/" + l.order_id + "/pay", "{}");
            BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
        }
        host.engine->take_deliveries();
    }
    /// One staff refresh of F-1, run to its answer ("" = every status read and recorded).
    std::string refresh() {
        std::optional<std::string> result;
        service->refresh_folio("F-1", StaffUser{"u-1", "Анна"}, [&](std::string e) { result = std::move(e); });
        host.run();
        BOOST_REQUIRE(result);
        return *result;
    }
    std::size_t postings_of(const std::vector<LinkRecord>& links) {
        std::size_t n = 0;
        for (const auto& l : links)
            n += host.postings.count("ru.invoicebox.pms.payment-link:payment:" + l.order_id);
        return n;
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(poller)

BOOST_FIXTURE_TEST_CASE(paid_orders_are_read_page_by_page_to_the_end, Fixture) {
    auto links = create_links(250);
    expire_all();
    // Every payment in the same second: the worst case for page boundaries (equal paidAt).
    for (const auto& l : links)
        pay_late(l);
    const auto before = host.targets.size();
    const int writes_before = host.store_writes;
    const int async_before = host.async_writes;
    service->poll_once(Actor::poll);
    host.run();
    // Issue 14: the pass never waits on the disk. Every record, posting outcome, outbox removal
    // and cursor move of its 250 payments goes through pms.store/2; none through the
    // synchronous store/1 write that holds the strand until it is durable.
    BOOST_TEST(host.async_writes - async_before >= 250);
    BOOST_TEST(host.store_writes - writes_before == host.async_writes - async_before);
    const auto reads = host.paid_reads(before);
    BOOST_REQUIRE_EQUAL(reads.size(), 3u); // 100 + 100 + 50: the short page ends the read
    BOOST_TEST(reads[0].find("_page=1") != std::string::npos, reads[0]);
    BOOST_TEST(reads[2].find("_page=3") != std::string::npos, reads[2]);
    BOOST_TEST(host.postings.size() == 250u);
    BOOST_TEST(postings_of(links) == 250u);
    for (const auto& l : service->repository().for_folio("F-1"))
        BOOST_TEST(int(l.posting) == int(PostingState::posted), l.merchant_order_id);

    // The next pass reads the cursor's second again (overlap) and posts nothing twice.
    service->poll_once(Actor::poll);
    host.run();
    BOOST_TEST(host.postings.size() == 250u);
    BOOST_TEST(host.post_calls == 250);
}

BOOST_FIXTURE_TEST_CASE(cursor_moves_only_past_recorded_pages_and_survives_a_restart, Fixture) {
    auto links = create_links(150);
    expire_all();
    BOOST_TEST(!service->repository().paid_cursor(merchant));
    // One payment a second: page 1 ends at the 100th payment's second.
    std::vector<std::int64_t> paid_at;
    for (const auto& l : links) {
        host.now += 1000;
        pay_late(l);
        paid_at.push_back(host.now - host.now % 1000);
    }
    // The report of the 121st payment (on page 2) cannot be recorded.
    host.fail_key = "v1/link/" + links[120].merchant_order_id;
    service->poll_once(Actor::poll);
    host.run();
    // Every report but the failed one is recorded and posted (its batch fails alone), but the
    // cursor does not pass page 2, so the failed one is read again.
    BOOST_TEST(postings_of(links) == 149u);
    const auto cursor = service->repository().paid_cursor(merchant);
    BOOST_REQUIRE(cursor);
    BOOST_TEST(*cursor == paid_at[99]); // page 1 recorded; page 2 not wholly

    // The host is down for ten days (a 7-day look-back would never see these payments), then
    // starts again: recovery continues from the stored cursor.
    host.fail_key.clear();
    host.queue.clear();
    host.now += 10LL * 24 * 3600 * 1000;
    restart();
    const auto before = host.targets.size();
    service->poll_once(Actor::recovery);
    host.run();
    const auto reads = host.paid_reads(before);
    BOOST_REQUIRE_EQUAL(reads.size(), 1u); // 51 orders from the cursor's second on: one page
    BOOST_TEST(postings_of(links) == 150u);
    BOOST_TEST(host.postings.size() == 150u);
    BOOST_TEST(*service->repository().paid_cursor(merchant) == paid_at.back());
    for (const auto& l : service->repository().for_folio("F-1"))
        BOOST_TEST(int(l.posting) == int(PostingState::posted), l.merchant_order_id);
}

BOOST_FIXTURE_TEST_CASE(a_failed_cursor_write_leaves_the_cursor_and_the_next_pass_repeats, Fixture) {
    auto links = create_links(3);
    expire_all();
    for (const auto& l : links) {
        host.now += 1000;
        pay_late(l);
    }
    host.fail_key = std::string("v1/cursor/paid/") + merchant;
    service->poll_once(Actor::poll);
    host.run();
    BOOST_TEST(!service->repository().paid_cursor(merchant));
    host.fail_key.clear();
    service->poll_once(Actor::poll);
    host.run();
    BOOST_TEST(service->repository().paid_cursor(merchant).has_value());
    BOOST_TEST(postings_of(links) == 3u);
    BOOST_TEST(host.postings.size() == 3u);
}

BOOST_FIXTURE_TEST_CASE(refresh_posts_every_paid_link_of_a_big_folio, Fixture) {
    // 310 paid links, no notification: the refresh of the folio posts all of them (measured on
    // 76b34fa: only the first 100).
    auto links = create_links(310);
    pay_unnotified(links);
    const int writes_before = host.store_writes;
    const int async_before = host.async_writes;
    const auto result = refresh();
    BOOST_TEST(result.empty(), result);
    BOOST_TEST(postings_of(links) == 310u);
    BOOST_TEST(host.postings.size() == 310u);
    // Issue 14: the refresh records through pms.store/2 only; the strand never waits on the disk.
    BOOST_TEST(host.store_writes - writes_before == host.async_writes - async_before);
}

BOOST_FIXTURE_TEST_CASE(a_refresh_whose_records_fail_says_so_and_posts_nothing_unrecorded, Fixture) {
    auto links = create_links(3);
    pay_unnotified(links);
    host.fail_key = "v1/link/" + links[1].merchant_order_id;
    BOOST_TEST(refresh() == "Не удалось записать статусы в базу PMS");
    // The others are recorded and posted; the failed one is not posted, and the next refresh
    // records and posts it.
    BOOST_TEST(postings_of(links) == 2u);
    BOOST_TEST(host.postings.count("ru.invoicebox.pms.payment-link:payment:" + links[1].order_id) == 0u);
    host.fail_key.clear();
    const auto again = refresh();
    BOOST_TEST(again.empty(), again);
    BOOST_TEST(postings_of(links) == 3u);
    BOOST_TEST(host.postings.size() == 3u);
}

BOOST_FIXTURE_TEST_CASE(staff_requests_never_wait_behind_background_work_that_used_its_share, Fixture) {
    // Issue 14: the poller and staff share the account's limit, staff first. With 5 requests
    // per 30 s (one kept for staff), six background reads leave two to the next window; a
    // staff read (a client with a deadline, as every view event's) started after them all goes
    // at once.
    auto s = settings();
    s.shop.requests_per_30s = 5;
    service->configure(s);
    auto links = create_links(1);
    const pr::OrderId id(links[0].order_id);
    auto read = [&](ApiClient& client, std::vector<std::int64_t>& answered_at) {
        pr::OrderFilter f;
        f.ids = {id};
        client.find_all_orders(
            std::move(f), [](const std::vector<pr::Order>&) { return true; },
            [&](std::optional<pr::ApiError> e) {
                BOOST_TEST(!e.has_value());
                answered_at.push_back(host.now);
            });
    };
    const std::int64_t start = host.now;
    auto background = ApiClient::make(host, s.shop);
    std::vector<std::int64_t> background_at;
    for (int i = 0; i < 6; ++i)
        read(*background, background_at);
    auto staff = ApiClient::make(host, s.shop);
    staff->set_deadline(start + 10'000);
    std::vector<std::int64_t> staff_at;
    read(*staff, staff_at);
    host.run();
    BOOST_REQUIRE_EQUAL(staff_at.size(), 1u);
    BOOST_TEST(staff_at[0] - start < 1000, "staff answered after " << staff_at[0] - start << " ms");
    BOOST_REQUIRE_EQUAL(background_at.size(), 6u);
    std::sort(background_at.begin(), background_at.end());
    BOOST_TEST(background_at[3] - start < 1000);   // four within the background share
    BOOST_TEST(background_at[4] - start >= 29'000); // the rest wait for the window to move
}

BOOST_FIXTURE_TEST_CASE(a_list_read_asks_about_each_order_once_and_hands_on_what_changes_something, Fixture) {
    // Issue 14: find_all_orders with `unchanged` asks about every listed order exactly once,
    // hands on only the orders it does not call unchanged, fully decoded, and pages on as
    // before, whether a page was judged by its glance or decoded in full.
    auto links = create_links(150);
    pay_unnotified({links[120]}); // on the second page of 100
    const auto shop = settings().shop;
    struct Read {
        std::map<std::string, int> asked;
        std::set<std::string> numbers_seen;
        std::vector<pr::Order> handed_on;
        std::optional<std::optional<pr::ApiError>> done;
    };
    auto read = [&] {
        Read r;
        pr::OrderFilter f;
        f.merchant_id = pr::MerchantId(merchant);
        ApiClient::make(host, shop)->find_all_orders(
            std::move(f),
            [&r](const std::vector<pr::Order>& items) {
                r.handed_on.insert(r.handed_on.end(), items.begin(), items.end());
                return true;
            },
            [&r](std::optional<pr::ApiError> e) { r.done = std::move(e); },
            [&r](const pr::OrderGlance& g) {
                ++r.asked[g.id.str()];
                r.numbers_seen.insert(g.merchant_order_id.str());
                return !g.status.is_paid();
            });
        host.run();
        return r;
    };
    auto check = [&](const Read& r) {
        BOOST_REQUIRE(r.done.has_value());
        BOOST_TEST(!r.done->has_value(), (*r.done ? pr::describe(**r.done) : std::string()));
        BOOST_TEST(r.asked.size() == 150u);
        BOOST_TEST(std::all_of(r.asked.begin(), r.asked.end(), [](const auto& a) { return a.second == 1; }));
        BOOST_REQUIRE_EQUAL(r.handed_on.size(), 1u);
        BOOST_TEST(r.handed_on[0].id.str() == links[120].order_id);
        BOOST_TEST(r.handed_on[0].status.is_paid());
        BOOST_TEST(r.handed_on[0].amount.minor == 100); // decoded in full: its money is read
    };
    const auto before = host.targets.size();
    const auto glanced = read();
    check(glanced);
    BOOST_TEST(glanced.numbers_seen.count(links[0].merchant_order_id) == 1u);
    BOOST_REQUIRE_EQUAL(host.targets.size() - before, 2u); // a full page of 100, then a short one
    BOOST_TEST(host.targets.back().find("_page=2") != std::string::npos, host.targets.back());

    // The same read where no page can be glanced at (every number an integer on the wire, which
    // only the full decode reads): the same answers.
    host.rewrite = [](pr::HttpOutcome& o) {
        if (!o)
            return;
        std::string& body = o->body;
        for (auto at = body.find("\"merchantOrderId\":\""); at != std::string::npos;
             at = body.find("\"merchantOrderId\":\"", at)) {
            const auto value = at + std::string_view("\"merchantOrderId\":").size();
            body.replace(value, body.find('"', value + 1) + 1 - value, "7");
        }
    };
    const auto decoded = read();
    check(decoded);
    BOOST_TEST((decoded.numbers_seen == std::set<std::string>{"7"}));
}

BOOST_FIXTURE_TEST_CASE(two_hundred_refreshes_of_one_folio_share_one_flight, Fixture) {
    // Issue 14: 200 presses of «Обновить статус ссылок» on one folio while the first is in flight
    // cost the requests of one refresh, and every press gets the answer exactly once.
    auto links = create_links(5);
    pay_unnotified(links);
    const int before = host.http_calls;
    std::vector<int> answers(200, 0);
    for (int i = 0; i < 200; ++i)
        service->refresh_folio("F-1", StaffUser{"u-" + std::to_string(i), "Анна"}, [&answers, i](std::string e) {
            BOOST_TEST(e.empty(), e);
            ++answers[static_cast<std::size_t>(i)];
        });
    host.run();
    // One refresh of 5 links of one shop is one list read (5 ids, one short page); without the
    // shared flight it would be 200.
    BOOST_TEST(host.http_calls - before == 1);
    BOOST_TEST(std::count(answers.begin(), answers.end(), 1) == 200);
    BOOST_TEST(postings_of(links) == 5u);
    // Once the flight landed, a new press starts a new one (nothing is left to post: no request).
    bool again = false;
    service->refresh_folio("F-1", StaffUser{"u-1", "Анна"}, [&](std::string) { again = true; });
    host.run();
    BOOST_TEST(again);
}

namespace {

/// The rows of the dialog's links table, and whether it offers «Показать ещё».
std::pair<std::size_t, bool> listed(const std::string& view) {
    const auto doc = boost::json::parse(view).as_object();
    std::size_t rows = 0;
    for (const auto& e : doc.at("elements").as_array())
        if (e.as_object().at("type").as_string() == "table")
            rows = e.as_object().at("rows").as_array().size();
    bool more = false;
    for (const auto& b : doc.at("buttons").as_array())
        more |= b.as_object().at("id").as_string() == "more_links";
    return {rows, more};
}

} // namespace

BOOST_FIXTURE_TEST_CASE(the_dialog_lists_links_a_page_at_a_time, Fixture) {
    // Issue 14: a folio with 420 links answered 502 (the view passed the host's 256 KiB cap).
    // The dialog lists the newest 50, «Показать ещё 50» adds a page up to a window of 100 and
    // then moves the window to older links, «Показать более новые» moves it back, and the
    // session keeps its window when a change is pushed.
    create_links(160);
    LinkDialog dialog(*service);
    std::string view;
    dialog.open("vs-1", "F-1", [&](std::string v) { view = std::move(v); });
    BOOST_TEST(listed(view).first == links_page_rows);
    BOOST_TEST(listed(view).second);
    BOOST_TEST(view.find("Показаны 50 последних ссылок из 160") != std::string::npos);
    BOOST_TEST(view.size() < 256u * 1024u);
    const StaffUser staff{"u-1", "Анна"};
    auto press = [&](std::string_view action) {
        dialog.event("vs-1", "F-1", staff, R"({"action":")" + std::string(action) + R"(","values":{}})",
                     [&](std::string v) { view = std::move(v); });
    };
    press("more_links");
    BOOST_TEST(listed(view).first == links_window_rows);
    BOOST_TEST(view.find("Показаны 100 последних ссылок из 160") != std::string::npos);
    press("more_links");
    BOOST_TEST(listed(view).first == links_window_rows);
    BOOST_TEST(view.find("Показаны ссылки 51–150 из 160 (новые сверху)") != std::string::npos);
    BOOST_TEST(view.find(R"("id":"newer_links")") != std::string::npos);
    press("more_links");
    BOOST_TEST(view.find("Показаны ссылки 61–160 из 160 (новые сверху)") != std::string::npos);
    BOOST_TEST(!listed(view).second);
    // A change pushed to the session lists its window; a new dialog starts at a page.
    const auto pushes = host.pushes.size();
    dialog.folio_changed("F-1");
    BOOST_REQUIRE(host.pushes.size() == pushes + 1);
    BOOST_TEST(host.pushes.back().second.find("Показаны ссылки 61–160 из 160") != std::string::npos);
    press("newer_links");
    press("newer_links");
    BOOST_TEST(view.find("Показаны 100 последних ссылок из 160") != std::string::npos);
    BOOST_TEST(view.find(R"("id":"newer_links")") == std::string::npos);
    dialog.open("vs-2", "F-1", [&](std::string v) { view = std::move(v); });
    BOOST_TEST(listed(view).first == links_page_rows);
}

BOOST_FIXTURE_TEST_CASE(a_pushed_list_keeps_what_the_last_answer_said_until_the_next_action, Fixture) {
    // The browser shows the newest of a session's views (host_stub/API.md, revisions): a list
    // pushed right after an answer must not take the answer's notice away before staff read it.
    auto links = create_links(2);
    LinkDialog dialog(*service);
    std::string view;
    dialog.open("vs-1", "F-1", [&](std::string v) { view = std::move(v); });
    dialog.open("vs-2", "F-1", [&](std::string v) { view = std::move(v); });
    const StaffUser staff{"u-1", "Анна"};
    dialog.event("vs-1", "F-1", staff, R"({"action":"refresh","values":{}})", [&](std::string v) { view = std::move(v); });
    host.run();
    BOOST_TEST(view.find("Статусы ссылок обновлены") != std::string::npos);

    auto pushed_to = [&](std::string_view session) {
        for (auto it = host.pushes.rbegin(); it != host.pushes.rend(); ++it)
            if (it->first == session)
                return it->second;
        return std::string{};
    };
    dialog.folio_changed("F-1");
    BOOST_TEST(pushed_to("vs-1").find("Статусы ссылок обновлены") != std::string::npos); // still said
    BOOST_TEST(!pushed_to("vs-2").empty());
    BOOST_TEST(pushed_to("vs-2").find("Статусы ссылок обновлены") == std::string::npos); // not its answer

    // The next action ends it: a change pushed after «Показать ещё» has no notice.
    dialog.event("vs-1", "F-1", staff, R"({"action":"more_links","values":{}})", [&](std::string v) { view = std::move(v); });
    dialog.folio_changed("F-1");
    BOOST_TEST(pushed_to("vs-1").find("Статусы ссылок обновлены") == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_refresh_that_changes_nothing_pushes_nothing, Fixture) {
    // Issue 14: work proportional to what changed. A press whose answer changes no link answers
    // the press and pushes no view to the folio's other dialogs; one that changes a link pushes
    // the change to them.
    auto links = create_links(3);
    LinkDialog dialog(*service);
    service->on_folio_changed = [&](const std::string& folio) { dialog.folio_changed(folio); };
    std::string view;
    dialog.open("vs-1", "F-1", [&](std::string v) { view = std::move(v); });
    dialog.open("vs-2", "F-1", [&](std::string v) { view = std::move(v); });
    const StaffUser staff{"u-1", "Анна"};
    auto press = [&] {
        std::optional<std::string> answer;
        dialog.event("vs-1", "F-1", staff, R"({"action":"refresh","values":{}})",
                     [&](std::string v) { answer = std::move(v); });
        host.run();
        BOOST_REQUIRE(answer);
        BOOST_TEST(answer->find("Статусы ссылок обновлены") != std::string::npos);
    };
    auto pushes = host.pushes.size();
    press();
    BOOST_TEST(host.pushes.size() == pushes);
    pay_unnotified({links[0]}); // the refresh finds the payment
    pushes = host.pushes.size();
    press();
    BOOST_TEST(host.pushes.size() > pushes);
    BOOST_TEST(postings_of(links) == 1u);
}

BOOST_FIXTURE_TEST_CASE(presses_of_one_refresh_share_one_render_per_page_size, Fixture) {
    // Issue 14: after the shared answer, 200 dialogs were each rendered for their own reply, one
    // after another on the strand (~1 s of a 2 s storm). The presses waiting on one refresh get
    // one render per distinct page size; each still gets its answer exactly once.
    create_links(60);
    LinkDialog dialog(*service);
    const StaffUser staff{"u-1", "Анна"};
    std::string ignored;
    for (int i = 0; i < 40; ++i) {
        const auto session = "vs-" + std::to_string(i);
        dialog.open(session, "F-1", [&](std::string v) { ignored = std::move(v); });
        if (i % 4 == 0) // a quarter of them list a second page
            dialog.event(session, "F-1", staff, R"({"action":"more_links","values":{}})",
                         [&](std::string v) { ignored = std::move(v); });
    }
    const int reads_before = host.folio_reads;
    std::vector<std::vector<std::string>> answers(40);
    for (int i = 0; i < 40; ++i)
        dialog.event("vs-" + std::to_string(i), "F-1", staff, R"({"action":"refresh","values":{}})",
                     [&answers, i](std::string v) { answers[static_cast<std::size_t>(i)].push_back(std::move(v)); });
    host.run();
    for (int i = 0; i < 40; ++i) {
        const auto& a = answers[static_cast<std::size_t>(i)];
        BOOST_REQUIRE_MESSAGE(a.size() == 1u, "press " << i << " answered " << a.size() << " times");
        BOOST_TEST(a.front().find("Статусы ссылок обновлены") != std::string::npos);
        BOOST_TEST(listed(a.front()).first == (i % 4 == 0 ? 60u : links_page_rows));
    }
    // Two page sizes: two renders for the replies, and the push of the change (also once per
    // page size) at most two more. One render per press would be 40.
    BOOST_TEST(host.folio_reads - reads_before <= 4);
    // Once answered, a press starts a new refresh and is answered again.
    std::vector<std::string> again;
    dialog.event("vs-1", "F-1", staff, R"({"action":"refresh","values":{}})",
                 [&](std::string v) { again.push_back(std::move(v)); });
    host.run();
    BOOST_TEST(again.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_storm_of_presses_is_answered_a_turn_at_a_time_and_never_with_an_older_list, Fixture) {
    // Issue 14: the 200 answers of a storm went out in one turn of the strand, and the host's
    // io threads then gated, copied and wrote them all before a folio GET queued behind them.
    // They go out `refresh_answers_per_turn` at a time, the strand yielded in between; a change
    // made in between is in every answer after it.
    create_links(3);
    LinkDialog dialog(*service);
    service->on_folio_changed = [&](const std::string& folio) { dialog.folio_changed(folio); };
    const StaffUser staff{"u-1", "Анна"};
    std::string ignored;
    constexpr std::size_t presses = 2 * refresh_answers_per_turn + 5;
    std::vector<std::vector<std::string>> answers(presses);
    std::size_t answered = 0;
    std::optional<std::size_t> answered_at_yield;
    std::optional<CreateOutcome> created;
    for (std::size_t i = 0; i < presses; ++i) {
        const auto session = "vs-" + std::to_string(i);
        dialog.open(session, "F-1", [&](std::string v) { ignored = std::move(v); });
        dialog.event(session, "F-1", staff, R"({"action":"refresh","values":{}})", [&, i](std::string v) {
            answers[i].push_back(std::move(v));
            if (++answered != 1)
                return;
            // Runs when this turn has yielded: what else the strand had waiting, here a new
            // link of the folio whose dialogs are being answered.
            host.queue.push_back([&] {
                answered_at_yield = answered;
                service->create_link(link_input("2.00"), staff, [&](CreateOutcome r) { created = std::move(r); });
            });
        });
    }
    host.run();
    BOOST_REQUIRE(answered_at_yield);
    BOOST_TEST(*answered_at_yield == refresh_answers_per_turn);
    BOOST_REQUIRE(created);
    BOOST_REQUIRE(created->link);
    const auto& moid = created->link->merchant_order_id;
    for (std::size_t i = 0; i < presses; ++i) {
        const auto& a = answers[i];
        BOOST_REQUIRE_MESSAGE(a.size() == 1u, "press " << i << " answered " << a.size() << " times");
        BOOST_TEST(a.front().find("Статусы ссылок обновлены") != std::string::npos);
        // The first turn went before the link existed; every later answer lists it.
        BOOST_TEST((a.front().find(moid) != std::string::npos) == (i >= refresh_answers_per_turn),
                   "press " << i);
    }
}

BOOST_FIXTURE_TEST_CASE(a_pass_reads_only_the_records_of_links_with_news, Fixture) {
    // Issue 14: a pass over 10,000 open links read every record before its requests (to learn
    // the order ids), again for each answered order, and the order's suspense entry each time.
    // Now the open index says what to ask and what was last recorded: an answer that says the
    // same reads nothing; one with news reads its record (fresh: a notification may have changed
    // it meanwhile), and its suspense entry only when paid.
    const auto links = create_links(12);
    host.run();
    host.gets.clear();
    host.logs.clear();
    const auto before = host.targets.size();
    service->poll_once(Actor::poll);
    host.run();
    BOOST_TEST(host.targets.size() > before); // the pass asked InvoiceBox (by id, paid since)
    BOOST_TEST(host.gets["v1/link/"] == 0);
    BOOST_TEST(host.gets["v1/suspense/"] == 0);
    const bool said = std::any_of(host.logs.begin(), host.logs.end(), [](const std::string& l) {
        return l.find("12 open links read by id (12 unchanged)") != std::string::npos;
    });
    BOOST_TEST(said);

    // One paid, its notification lost: only the poller learns it. Its record is read, and its
    // suspense entry (it may be held or released); the eleven unchanged ones are not.
    auto r = host.sim_call("POST", "/__sim/orders/" + links[0].order_id + "/pay", "{}");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    host.engine->take_deliveries();
    host.gets.clear();
    service->poll_once(Actor::poll);
    host.run();
    BOOST_TEST(host.gets["v1/link/"] >= 1);
    BOOST_TEST(host.gets["v1/link/"] <= 4); // the paid one (receive, posting, alert), not the others
    BOOST_TEST(host.gets["v1/suspense/"] >= 1);
    const auto paid = service->repository().find(links[0].merchant_order_id);
    BOOST_REQUIRE(paid);
    BOOST_TEST(to_string(paid->posting) == "posted");
    BOOST_TEST(host.postings.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_pass_keeps_eight_list_reads_outstanding_and_reads_every_chunk, Fixture) {
    // Issue 14: a pass sent every chunk of 50 ids at once, so 10,000 open links took ~200
    // connections at once. Now at most eight reads are outstanding, and the rest follow as they
    // finish: every chunk is still read, the last one's payment posted.
    const auto links = create_links(460); // ten chunks
    host.run();
    pay_unnotified({links.back()});
    host.logs.clear();
    host.by_id_most = 0;
    service->poll_once(Actor::poll);
    host.run();
    BOOST_TEST(host.by_id_outstanding == 0);
    BOOST_TEST(host.by_id_most == 8);
    BOOST_TEST(postings_of({links.back()}) == 1u);
    const bool said = std::any_of(host.logs.begin(), host.logs.end(), [](const std::string& l) {
        return l.find("460 open links read by id (459 unchanged)") != std::string::npos;
    });
    BOOST_TEST(said);
}

BOOST_FIXTURE_TEST_CASE(a_refresh_reads_a_folio_once_and_no_record_of_an_unchanged_link, Fixture) {
    // «Обновить статус ссылок» on a folio of 12 open links: one scan for the folio, and answers
    // that say what the records say read nothing more. The one paid meanwhile is read and posted.
    const auto links = create_links(12);
    host.run();
    auto refresh = [&] {
        std::optional<std::string> message;
        service->refresh_folio("F-1", StaffUser{"u-1", "Анна"}, [&](std::string m) { message = std::move(m); });
        host.run();
        BOOST_REQUIRE(message);
        BOOST_TEST(message->empty(), *message);
    };
    host.gets.clear();
    refresh();
    BOOST_TEST(host.gets["v1/link/"] == 0);
    BOOST_TEST(host.gets["v1/suspense/"] == 0);

    auto r = host.sim_call("POST", "/__sim/orders/" + links[3].order_id + "/pay", "{}");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    host.engine->take_deliveries(); // the notification is lost: the refresh finds the payment
    host.gets.clear();
    refresh();
    BOOST_TEST(host.gets["v1/link/"] >= 1);
    BOOST_TEST(host.gets["v1/link/"] <= 4);
    BOOST_TEST(host.postings.size() == 1u);
    const auto paid = service->repository().find(links[3].merchant_order_id);
    BOOST_REQUIRE(paid);
    BOOST_TEST(to_string(paid->posting) == "posted");
}

BOOST_FIXTURE_TEST_CASE(an_open_index_written_before_its_entries_had_a_value_still_works, Fixture) {
    // Stores written before the index kept an entry: the key with "" as its value. The pass
    // reads such a link's record instead, and the link's next save writes the entry.
    const auto links = create_links(3);
    for (const auto& l : links)
        host.store_write({{StoreOp::Kind::put, "v1/open/" + l.merchant_order_id, ""}});
    auto entries = service->repository().open_links();
    BOOST_REQUIRE_EQUAL(entries.size(), 3u);
    for (const auto& e : entries) {
        BOOST_TEST(e.read_by_id());
        BOOST_TEST(!e.order_id.empty());
    }
    expire_all(); // the pass reads them by id and InvoiceBox's expiry takes them out of the index
    BOOST_TEST(host.store.count("v1/open/" + links[0].merchant_order_id) == 0u);
}

BOOST_FIXTURE_TEST_CASE(the_open_index_entry_follows_the_record, Fixture) {
    auto link = create_links(1).front();
    auto& repo = service->repository();
    const auto key = "v1/open/" + link.merchant_order_id;
    auto entry = parse_open_entry(link.merchant_order_id, host.store.at(key));
    BOOST_REQUIRE(entry);
    BOOST_TEST(entry->order_id == link.order_id);
    BOOST_TEST(entry->merchant_id == link.merchant_id);
    BOOST_TEST(!entry->needs_record());
    BOOST_TEST(entry->read_by_id());
    // A posting to resume: the pass must read the record.
    link = *repo.find(link.merchant_order_id);
    link.posting = PostingState::pending;
    repo.save(link);
    entry = parse_open_entry(link.merchant_order_id, host.store.at(key));
    BOOST_REQUIRE(entry);
    BOOST_TEST(entry->needs_record());
    BOOST_TEST(!entry->read_by_id());
    // Posted: out of the index.
    link.posting = PostingState::posted;
    repo.save(link);
    BOOST_TEST(host.store.count(key) == 0u);
    // A value it cannot read is no entry (the record is read instead), never a guess.
    BOOST_TEST(!parse_open_entry(link.merchant_order_id, "").has_value());
    BOOST_TEST(!parse_open_entry(link.merchant_order_id, "{\"v\":2}").has_value());
    BOOST_TEST(!parse_open_entry(link.merchant_order_id, "not json").has_value());
}

BOOST_FIXTURE_TEST_CASE(the_create_request_is_kept_apart_from_the_hot_record, Fixture) {
    // Issue 14: every list, poll and notification read parsed each link's ~3 KB create request.
    const auto link = create_links(1).front();
    const auto key = "v1/link/" + link.merchant_order_id;
    const auto hot = host.store_get(key);
    BOOST_REQUIRE(hot);
    BOOST_TEST(hot->find("merchantOrderIdVisible") == std::string::npos, *hot);
    auto& repo = service->repository();
    const auto found = repo.find(link.merchant_order_id);
    BOOST_REQUIRE(found);
    BOOST_TEST(found->create_request.empty());
    const auto request = repo.create_request_of(*found);
    BOOST_TEST(request.find("\"merchantOrderId\":\"" + link.merchant_order_id + "\"") != std::string::npos, request);

    // A record written before the split (request inline, no cold key) still recovers, and its
    // next save moves the request out.
    auto doc = boost::json::parse(*hot).as_object();
    doc["create_request"] = request;
    host.store_write({{StoreOp::Kind::put, key, boost::json::serialize(doc)},
                      {StoreOp::Kind::erase, "v1/request/" + link.merchant_order_id, ""}});
    auto legacy = repo.find(link.merchant_order_id);
    BOOST_REQUIRE(legacy);
    BOOST_TEST(repo.create_request_of(*legacy) == request);
    repo.save(*legacy);
    BOOST_TEST(host.store_get(key)->find("merchantOrderIdVisible") == std::string::npos);
    BOOST_TEST(host.store_get("v1/request/" + link.merchant_order_id).value_or("") == request);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(currency)

BOOST_FIXTURE_TEST_CASE(a_payment_in_another_currency_is_held_with_reason_valyuta, Fixture) {
    const auto link = create_links(1).front();
    auto r = host.sim_call("POST", "/__sim/orders/" + link.order_id + "/pay", "{}");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    auto deliveries = host.engine->take_deliveries();
    BOOST_REQUIRE(!deliveries.empty());
    const std::string right = deliveries.back().body;
    std::string wrong = right;
    const std::string rub = R"("currencyId":"RUB")";
    const auto at = wrong.find(rub);
    BOOST_REQUIRE_MESSAGE(at != std::string::npos, right);
    wrong.replace(at, rub.size(), R"("currencyId":"USD")");

    auto deliver = [&](const std::string& body) {
        std::optional<NotificationOutcome> out;
        std::optional<pr::NotificationReply> reply;
        service->handle_notification("notify", body,
                                     pr::HttpHeaders{{"Content-Type", "application/json"},
                                                     {"x-signature", pr::sign(api_key, body)}},
                                     [&](pr::NotificationReply rep, NotificationOutcome o) {
                                         reply = std::move(rep);
                                         out = std::move(o);
                                     });
        host.run();
        BOOST_REQUIRE(out && reply);
        BOOST_TEST(reply->status == 200);
        return std::make_pair(*out, *reply);
    };
    const auto [out, reply] = deliver(wrong);
    // A documented code that InvoiceBox does not retry (invoicebox-api.md §5.3), never
    // order_wrong_currency (architecture §8).
    BOOST_TEST(int(out.code) == int(pr::NotificationReplyCode::order_wrong_amount));
    BOOST_TEST(reply.body.find("order_wrong_amount") != std::string::npos, reply.body);
    BOOST_TEST(host.postings.empty());
    const auto held = service->repository().suspense_list();
    BOOST_REQUIRE_EQUAL(held.size(), 1u);
    BOOST_TEST(held[0].reason_code == "currency_mismatch");
    BOOST_TEST(held[0].reason.rfind("валюта", 0) == 0u, held[0].reason);
    BOOST_TEST(held[0].currency == "USD");
    BOOST_TEST(held[0].folio_id == "F-1");
    BOOST_TEST(int(service->repository().find(link.merchant_order_id)->posting) == int(PostingState::suspense));
    BOOST_TEST(host.alerts.count("suspense:" + link.order_id) == 1u);

    // The same payment reported in the link's currency posts once and closes the entry.
    BOOST_TEST(int(deliver(right).first.code) == int(pr::NotificationReplyCode::success));
    BOOST_TEST(host.postings.size() == 1u);
    BOOST_TEST(service->repository().suspense_list().empty());
}

BOOST_AUTO_TEST_SUITE_END()
