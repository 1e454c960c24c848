// Scenario 2: exactly once — the same notification 100 times, the simulator's duplicate fault,
// notification + refresh + poller at the same moment, out-of-order notifications.
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <future>
#include <set>

using namespace ibe2e;

namespace {

struct Link {
    std::string moid;
    std::string order_id;
};

Link make_link(World& w, const std::string& session, const std::string& amount, const std::string& lifetime = "") {
    std::set<std::string> before;
    for (const auto& r : World::link_rows(w.refresh(session).view))
        before.insert(std::string(r.at("key").as_string()));
    auto v = w.create_link(session, amount, false, lifetime);
    BOOST_REQUIRE_MESSAGE(v.reply.status == 200, "create: " + v.reply.describe());
    Link l;
    for (const auto& r : World::link_rows(v.view))
        if (!before.count(std::string(r.at("key").as_string())))
            l.moid = std::string(r.at("key").as_string());
    BOOST_REQUIRE_MESSAGE(!l.moid.empty(), "no new row after create: " + v.reply.body);
    auto o = w.sim_order_by_moid(l.moid);
    BOOST_REQUIRE_MESSAGE(o, "no simulator order for " + l.moid);
    l.order_id = std::string(o->at("id").as_string());
    return l;
}

std::size_t posted_for(World& w, const std::string& order_id) {
    std::size_t n = 0;
    for (const auto& p : w.payments())
        if (std::string(p.at("idempotency_key").as_string()).find(order_id) != std::string::npos)
            ++n;
    return n;
}

Reply deliver(World& w, const std::string& body, const std::string& signature) {
    pms::net::Headers h{{"Content-Type", "application/json"}, {"X-Signature", signature}};
    return w.http.request("POST", w.hook_url(), body, h, 15s);
}

} // namespace

BOOST_AUTO_TEST_SUITE(exactly_once)

BOOST_AUTO_TEST_CASE(same_notification_100_times_and_duplicate_fault) {
    World w;
    w.start_host();
    w.map_payment_kind();
    auto v = w.click();
    const auto balance0 = w.balance_due();

    // The simulator itself delivers each notification twice.
    w.sim_faults(json::object{{"duplicateNotifications", json::object{}}});
    auto a = make_link(w, v.session, "20000.00");
    w.sim_pay(a.order_id);
    BOOST_REQUIRE_MESSAGE(World::wait_until([&] { return posted_for(w, a.order_id) >= 1; }, 15s), w.host_log().substr(0, 3000));
    // Wait for the sim to finish both deliveries.
    BOOST_CHECK(World::wait_until(
        [&] {
            std::size_t done = 0;
            for (const auto& n : w.sim_notifications(a.order_id))
                if (n.at("outcome").as_string() == "delivered")
                    ++done;
            return done >= 2;
        },
        10s));
    w.sim_faults(json::object{});

    // Replay the recorded body + signature 100 times (4 senders at once).
    const auto notes = w.sim_notifications(a.order_id);
    BOOST_REQUIRE(!notes.empty());
    std::string body, sig;
    for (const auto& n : notes)
        if (n.at("orderStatus").as_string() == "completed") {
            body = std::string(n.at("body").as_string());
            sig = std::string(n.at("signature").as_string());
        }
    BOOST_REQUIRE_MESSAGE(!body.empty(), "no recorded completed notification");
    std::atomic<int> ok{0};
    std::vector<std::string> bad;
    std::mutex bad_mutex;
    std::vector<std::future<void>> senders;
    for (int t = 0; t < 4; ++t)
        senders.push_back(std::async(std::launch::async, [&] {
            for (int i = 0; i < 25; ++i) {
                auto r = deliver(w, body, sig);
                if (r.status == 200 && r.json.is_object() && r.json.as_object().contains("status") &&
                    r.json.at("status").as_string() == "success")
                    ++ok;
                else {
                    std::lock_guard lock(bad_mutex);
                    bad.push_back(r.describe());
                }
            }
        }));
    for (auto& s : senders)
        s.get();
    BOOST_CHECK_EQUAL(ok.load(), 100);
    if (!bad.empty())
        BOOST_TEST_MESSAGE("first bad reply: " << bad.front());

    BOOST_CHECK_EQUAL(posted_for(w, a.order_id), 1u);
    BOOST_CHECK_EQUAL(w.payments().size(), 1u);
    BOOST_CHECK_EQUAL(w.balance_due(), balance0 - 2'000'000);
    BOOST_CHECK_EQUAL(w.count_paid_notifications(), 1u);
}

BOOST_AUTO_TEST_CASE(notification_refresh_and_poll_at_once) {
    World w;
    w.start_host();
    w.map_payment_kind();
    auto v = w.click();
    auto v2 = w.click(); // a second staff member with the dialog open
    const auto balance0 = w.balance_due();
    auto a = make_link(w, v.session, "12345.67");

    // Hold the notification in the simulator until released, so that everything lands together.
    w.sim_faults(json::object{{"outOfOrder", json::object{{"window", 5}}}});
    w.sim_pay(a.order_id);
    std::string body, sig;
    BOOST_REQUIRE(World::wait_until(
        [&] {
            for (const auto& n : w.sim_notifications(a.order_id))
                if (n.at("orderStatus").as_string() == "completed") {
                    body = std::string(n.at("body").as_string());
                    sig = std::string(n.at("signature").as_string());
                }
            return !body.empty();
        },
        5s));
    BOOST_REQUIRE_EQUAL(posted_for(w, a.order_id), 0u);

    // Everything at the same moment: the sim releases its notification, two refreshes, a poll
    // pass (saving the settings restarts the poller, which polls at once), and 6 replays.
    const std::string settings_url = w.api("/plugins/" + std::string(plugin_id) + "/settings");
    auto current = w.http.get(settings_url);
    BOOST_REQUIRE_EQUAL(current.status, 200);
    json::object values = current.json.at("values").as_object();
    std::vector<std::future<std::string>> jobs;
    std::atomic<bool> go{false};
    auto job = [&](std::function<std::string()> f) {
        jobs.push_back(std::async(std::launch::async, [&go, f] {
            while (!go)
                std::this_thread::yield();
            return f();
        }));
    };
    job([&] { return w.http.post(w.sim_url() + "/__sim/notifications/flush", json::object{}).describe(); });
    job([&] { return w.refresh(v.session).reply.describe(); });
    job([&] { return w.refresh(v2.session).reply.describe(); });
    job([&] { return w.http.put(settings_url, json::object{{"values", values}}).describe(); });
    for (int i = 0; i < 6; ++i)
        job([&] { return deliver(w, body, sig).describe(); });
    go = true;
    for (auto& j : jobs)
        BOOST_TEST_MESSAGE(j.get().substr(0, 200));
    w.sim_faults(json::object{});

    BOOST_REQUIRE(World::wait_until([&] { return posted_for(w, a.order_id) >= 1; }, 15s));
    // Let the poller run once more on its own schedule (10 s) and a refresh, then count.
    w.refresh(v.session);
    BOOST_CHECK_EQUAL(posted_for(w, a.order_id), 1u);
    BOOST_CHECK_EQUAL(w.payments().size(), 1u);
    BOOST_CHECK_EQUAL(w.balance_due(), balance0 - 1'234'567);
    BOOST_CHECK_EQUAL(w.count_paid_notifications(), 1u);
    for (const auto& row : World::link_rows(w.refresh(v.session).view))
        if (row.at("key").as_string() == a.moid)
            BOOST_CHECK_MESSAGE(World::status_of(row).rfind("Оплачен", 0) == 0, World::status_of(row));
}

BOOST_AUTO_TEST_CASE(out_of_order_expired_then_late_payment) {
    World w;
    w.start_host();
    w.map_payment_kind();
    auto v = w.click();
    const auto balance0 = w.balance_due();
    auto a = make_link(w, v.session, "5000.00", "1h");

    // expired and then completed (a late payment is real) are both held, then sent newest first:
    // the plugin sees «completed» before «expired».
    w.sim_faults(json::object{{"outOfOrder", json::object{{"window", 2}}}});
    w.sim_advance(3700); // past expirationDate → expired (notification held)
    BOOST_REQUIRE(World::wait_until([&] { return w.sim_order_by_moid(a.moid)->at("status").as_string() == "expired"; }, 5s));
    w.sim_pay(a.order_id, /*late=*/true); // completed (second notification → window full → sent)
    BOOST_REQUIRE(World::wait_until(
        [&] {
            std::size_t answered = 0;
            for (const auto& n : w.sim_notifications(a.order_id))
                if (n.at("outcome").as_string() == "delivered" || n.at("outcome").as_string() == "rejected")
                    ++answered;
            return answered >= 2;
        },
        15s));
    const auto notes = w.sim_notifications(a.order_id);
    std::string order_seen;
    for (const auto& n : notes) {
        order_seen += std::string(n.at("orderStatus").as_string()) + "/" + std::string(n.at("outcome").as_string()) + " ";
        if (n.contains("answer") && n.at("answer").is_object() && n.at("answer").as_object().contains("body"))
            BOOST_CHECK_MESSAGE(std::string(n.at("answer").at("body").as_string()).find("success") != std::string::npos,
                                "answer to " + std::string(n.at("orderStatus").as_string()) + ": " +
                                    std::string(n.at("answer").at("body").as_string()));
    }
    BOOST_TEST_MESSAGE("sim notifications: " << order_seen);
    w.sim_faults(json::object{});

    BOOST_REQUIRE_MESSAGE(World::wait_until([&] { return posted_for(w, a.order_id) >= 1; }, 15s),
                          "late payment not posted; sim: " + order_seen);
    auto r = w.refresh(v.session);
    for (const auto& row : World::link_rows(r.view))
        if (row.at("key").as_string() == a.moid)
            BOOST_CHECK_MESSAGE(World::status_of(row).rfind("Оплачен", 0) == 0,
                                "final state after out-of-order: " + World::status_of(row));
    BOOST_CHECK_EQUAL(posted_for(w, a.order_id), 1u);
    BOOST_CHECK_EQUAL(w.payments().size(), 1u);
    BOOST_CHECK_EQUAL(w.balance_due(), balance0 - 500'000);
    BOOST_CHECK_EQUAL(w.count_paid_notifications(), 1u);
}

BOOST_AUTO_TEST_SUITE_END()
