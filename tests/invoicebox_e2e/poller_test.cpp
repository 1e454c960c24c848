// Scenario: nothing stuck (issue 9). Every notification is lost (the simulator signs each one with
// another key, so the plugin refuses it with signature_error, which InvoiceBox never retries),
// 250 links are paid, and the background poller alone posts all 250 exactly once: its list
// reads page to the end (100 + 100 + 50) and its cursor is durable, so a host killed in the
// middle of the posting continues where it stopped.
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <csignal>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

using namespace ibe2e;

namespace {

constexpr int link_count = 250;

/// The plugin's settings with another poll interval (saving restarts the poller, which then
/// polls at once).
void set_poll_interval(World& w, int seconds) {
    const std::string url = w.api("/plugins/" + std::string(plugin_id) + "/settings");
    auto current = w.http.get(url);
    BOOST_REQUIRE_MESSAGE(current.status == 200, "GET settings: " + current.describe());
    json::object values = current.json.at("values").as_object();
    values["poll_interval_seconds"] = seconds;
    auto put = w.http.put(url, json::object{{"values", values}});
    BOOST_REQUIRE_MESSAGE(put.status == 200, "PUT settings: " + put.describe());
}

/// The create form's values (its defaults), to submit many links without opening it each time.
json::object form_values(World& w, const std::string& session) {
    auto form = w.open_create_form(session);
    json::object values;
    for (const auto& e : form.view.at("elements").as_array()) {
        const auto* fields = e.as_object().if_contains("fields");
        if (!fields || !fields->is_array())
            continue;
        for (const auto& f : fields->as_array()) {
            const auto& fo = f.as_object();
            if (fo.contains("name") && fo.contains("value"))
                values[fo.at("name").as_string()] = fo.at("value");
        }
    }
    values["amount"] = "1.00";
    values["send_mail"] = false;
    return values;
}

/// Creates `link_count` links of 1,00 ₽ through the dialog (three staff sessions at once) and
/// returns their InvoiceBox order ids. The account's rate limit (100 requests / 30 s, shared by
/// the plugin's creates and its poller) would hold a create back past a staff action's budget,
/// so at most 90 creates start in any 31 s; the poller is slowed down meanwhile so that it
/// takes no share of the window.
std::vector<std::string> create_links(World& w) {
    set_poll_interval(w, 3600);
    std::vector<std::string> sessions;
    for (int i = 0; i < 3; ++i)
        sessions.push_back(w.click().session);
    const auto values = form_values(w, sessions.front());
    const auto started = std::chrono::steady_clock::now();
    std::mutex m;
    std::deque<std::chrono::steady_clock::time_point> starts; // of the creates in the last window
    int next = 0;
    std::vector<std::string> failures;
    auto worker = [&](const std::string& session) {
        for (;;) {
            {
                std::unique_lock lock(m);
                if (next >= link_count)
                    return;
                ++next;
                for (;;) {
                    const auto now = std::chrono::steady_clock::now();
                    while (!starts.empty() && now - starts.front() > 31s)
                        starts.pop_front();
                    if (starts.size() < 90)
                        break;
                    const auto until = starts.front() + 31s;
                    lock.unlock();
                    std::this_thread::sleep_until(until);
                    lock.lock();
                }
                starts.push_back(std::chrono::steady_clock::now());
            }
            auto v = w.event(session, json::object{{"action", "submit_create"}, {"values", values}});
            if (v.reply.status != 200 || World::all_text(v.view).find("Ссылка создана") == std::string::npos) {
                std::lock_guard lock(m);
                failures.push_back(v.reply.describe().substr(0, 600));
            }
        }
    };
    std::vector<std::thread> threads;
    for (const auto& s : sessions)
        threads.emplace_back(worker, s);
    for (auto& t : threads)
        t.join();
    // Closed dialogs: the postings to come update no view (250 rows each), which is staff's
    // normal state when payments arrive at night, and it keeps the run short.
    for (const auto& s : sessions)
        w.http.post(w.api("/views/" + s + "/close"), json::object{});
    BOOST_REQUIRE_MESSAGE(failures.empty(), std::to_string(failures.size()) + " creates failed, first: " +
                                                (failures.empty() ? std::string() : failures.front()));
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    BOOST_TEST_MESSAGE("created " << link_count << " links in " << took.count() << " ms");
    std::vector<std::string> ids;
    for (const auto& o : w.sim_orders("?status=created"))
        ids.push_back(std::string(o.at("id").as_string()));
    BOOST_REQUIRE_EQUAL(ids.size(), std::size_t(link_count));
    return ids;
}

/// Every notification from now on is signed with another key: the plugin refuses it.
void lose_every_notification(World& w) {
    w.sim_faults(json::object{{"wrongSignature", json::object{}}});
}

/// Pays every order on the simulator (four payers at once).
void pay_all(World& w, const std::vector<std::string>& ids) {
    const auto started = std::chrono::steady_clock::now();
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> payers;
    for (int t = 0; t < 4; ++t)
        payers.emplace_back([&] {
            for (auto i = next++; i < ids.size(); i = next++) {
                // Boost.Test is not thread-safe: the count of completed orders below checks these.
                (void)w.http.post(w.sim_url() + "/__sim/orders/" + ids[i] + "/pay", json::object{});
            }
        });
    for (auto& p : payers)
        p.join();
    BOOST_TEST_MESSAGE("paid " << ids.size() << " orders in "
                               << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                                      .count()
                               << " ms");
    BOOST_REQUIRE_EQUAL(w.sim_orders("?status=completed").size(), ids.size());
}

/// The folio's payments by InvoiceBox order id (idempotency key "<plugin>:payment:<order id>").
std::map<std::string, int> postings_by_order(World& w) {
    std::map<std::string, int> out;
    const std::string prefix = std::string(plugin_id) + ":payment:";
    for (const auto& p : w.payments()) {
        const std::string key(p.at("idempotency_key").as_string());
        if (key.rfind(prefix, 0) == 0)
            ++out[key.substr(prefix.size())];
    }
    return out;
}

/// 250 postings, one per paid order, and nothing through a notification.
void check_exactly_once(World& w, const std::vector<std::string>& ids, std::int64_t balance0) {
    const auto by_order = postings_by_order(w);
    BOOST_CHECK_EQUAL(w.payments().size(), std::size_t(link_count));
    BOOST_CHECK_EQUAL(by_order.size(), std::size_t(link_count));
    for (const auto& id : ids) {
        const auto it = by_order.find(id);
        BOOST_CHECK_MESSAGE(it != by_order.end() && it->second == 1,
                            "order " + id + " posted " + std::to_string(it == by_order.end() ? 0 : it->second) + " times");
    }
    BOOST_CHECK_EQUAL(w.balance_due(), balance0 - std::int64_t(link_count) * 100);
    // No notification was accepted: the postings are the poller's.
    std::size_t accepted = 0;
    for (const auto& n : w.sim_notifications())
        if (n.at("outcome").as_string() == "delivered")
            ++accepted;
    BOOST_CHECK_EQUAL(accepted, 0u);
}

} // namespace

BOOST_AUTO_TEST_SUITE(poller)

BOOST_AUTO_TEST_CASE(lost_notifications_250_paid_orders_posted_once_by_the_poller) {
    World w;
    w.start_host();
    w.map_payment_kind();
    const auto balance0 = w.balance_due();
    const auto ids = create_links(w);

    lose_every_notification(w);
    pay_all(w, ids);
    const auto paid = std::chrono::steady_clock::now();
    set_poll_interval(w, 10); // polls at once, then every 10 s (the schema's least)
    BOOST_REQUIRE_MESSAGE(World::wait_until([&] { return w.payments().size() >= std::size_t(link_count); }, 120s),
                          "posted " + std::to_string(w.payments().size()) + " of " + std::to_string(link_count));
    BOOST_TEST_MESSAGE("the poller posted " << link_count << " payments in "
                                            << std::chrono::duration_cast<std::chrono::milliseconds>(
                                                   std::chrono::steady_clock::now() - paid)
                                                   .count()
                                            << " ms after the last payment");
    // Another pass reads the same orders again (the cursor's second overlaps): nothing twice.
    // Its three pages wait for the account's rate limit like any other read.
    const auto seen = w.sim_log().size();
    BOOST_CHECK(World::wait_until(
        [&] {
            const auto log = w.sim_log().substr(seen);
            std::size_t passes = 0;
            for (auto at = log.find("/filter/api/order/order"); at != std::string::npos;
                 at = log.find("/filter/api/order/order", at + 1))
                ++passes;
            return passes >= 3;
        },
        120s));
    check_exactly_once(w, ids, balance0);
    BOOST_CHECK_EQUAL(w.count_paid_notifications(), std::size_t(link_count));
}

BOOST_AUTO_TEST_CASE(host_killed_while_the_poller_posts_still_posts_each_once) {
    World w;
    w.start_host();
    w.map_payment_kind();
    const auto balance0 = w.balance_due();
    const auto ids = create_links(w);

    lose_every_notification(w);
    pay_all(w, ids);
    // SIGKILL, and the next run dies by SIGKILL right after its first posting is committed:
    // start-up recovery has read and recorded pages, postings are half done.
    HostStart armed;
    armed.failpoint = "payment.post.after_commit";
    armed.expect_listening = false;
    w.stop_host(SIGKILL);
    if (w.start_host(armed)) // it may also die before it listens
        BOOST_REQUIRE_MESSAGE(w.wait_host_exit(120s), "the host never reached payment.post.after_commit");
    w.start_host();
    BOOST_TEST_MESSAGE("restarted after the kill");
    BOOST_REQUIRE_MESSAGE(World::wait_until([&] { return w.payments().size() >= std::size_t(link_count); }, 120s),
                          "posted " + std::to_string(w.payments().size()) + " of " + std::to_string(link_count));
    // Once more SIGKILL and a start: recovery and the next poll read from the stored cursor again
    // (its second overlaps) and post nothing twice.
    w.restart_host(SIGKILL);
    set_poll_interval(w, 10);
    const auto seen = w.sim_log().size();
    BOOST_CHECK(World::wait_until(
        [&] { return w.sim_log().substr(seen).find("/filter/api/order/order") != std::string::npos; }, 120s));
    check_exactly_once(w, ids, balance0);
    // One «Получена оплата» per order, kills or not: the alert is raised before the link is saved
    // as posted, so a replay raises it again under the same dedupe key (one row, one toast).
    BOOST_CHECK_EQUAL(w.count_paid_notifications(), std::size_t(link_count));
}

BOOST_AUTO_TEST_SUITE_END()
