// Scenario 3: the host killed by SIGKILL at each named failpoint along a link's life
// (PMS_FAILPOINT, `grep -rn 'failpoint(' host_stub invoicebox_plugin`), restarted on the same
// port without it; the simulator's retries, the plugin's start-up recovery and the poller
// finish the work: every paid order posted exactly once, no order created twice, nothing lost.
//
// Failpoints fire on their first hit. To aim at a step, the host is first run cleanly up to the
// step before (configured, a link made), then restarted with the failpoint armed and driven
// through the step.
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <map>
#include <set>

using namespace ibe2e;

namespace {

constexpr int killed = 128 + SIGKILL;

/// The failpoints in the code today, each with the step that reaches it.
struct Case {
    std::string failpoint;
    enum Step { create, create_mail, notify } step;
    int mails = -1; ///< the guest's mails expected in the outbox at the end (-1: at most one)
};

std::string step_name(Case::Step s) {
    return s == Case::create ? "create" : s == Case::create_mail ? "create with mail" : "notify";
}

/// No merchantOrderId twice, and at most one order per folio+amount request we made.
void check_no_duplicate_orders(World& w, const std::string& ctx) {
    std::map<std::string, int> per_moid;
    for (const auto& o : w.sim_orders())
        ++per_moid[std::string(o.at("merchantOrderId").as_string())];
    for (const auto& [m, n] : per_moid)
        BOOST_CHECK_MESSAGE(n == 1, ctx + ": merchantOrderId " + m + " created " + std::to_string(n) + " times");
}

/// Every completed order in the simulator is posted exactly once on the folio.
void check_paid_posted_once(World& w, const std::string& ctx) {
    const auto pays = w.payments();
    std::int64_t paid_total = 0;
    for (const auto& o : w.sim_orders("?status=completed")) {
        const std::string id(o.at("id").as_string());
        int n = 0;
        for (const auto& p : pays)
            if (std::string(p.at("idempotency_key").as_string()).find(id) != std::string::npos)
                ++n;
        BOOST_CHECK_MESSAGE(n == 1, ctx + ": order " + id + " posted " + std::to_string(n) + " times");
        paid_total += static_cast<std::int64_t>(o.at("amount").to_number<double>() * 100 + 0.5);
    }
    std::int64_t posted_total = 0;
    for (const auto& p : pays)
        posted_total += p.at("amount_minor").to_number<std::int64_t>();
    BOOST_CHECK_MESSAGE(posted_total == paid_total, ctx + ": posted " + std::to_string(posted_total) +
                                                        " minor units, paid in the simulator " + std::to_string(paid_total));
}

bool all_paid_posted(World& w) {
    const auto pays = w.payments();
    for (const auto& o : w.sim_orders("?status=completed")) {
        const std::string id(o.at("id").as_string());
        bool found = false;
        for (const auto& p : pays)
            if (std::string(p.at("idempotency_key").as_string()).find(id) != std::string::npos)
                found = true;
        if (!found)
            return false;
    }
    return true;
}

/// Runs one crash case in a fresh world.
void run_case(const Case& c) {
    const std::string ctx = c.failpoint + " @ " + step_name(c.step);
    BOOST_TEST_MESSAGE("crash case " << ctx);
    World w;
    w.start_host();
    w.map_payment_kind();
    const auto balance0 = w.balance_due();
    std::string moid_paid, order_to_pay;
    bool died_at_start = false;

    if (c.step == Case::notify) {
        // A link made cleanly, then the host restarted with the failpoint armed.
        auto v = w.click();
        auto made = w.create_link(v.session, "7000.00", false);
        BOOST_REQUIRE_MESSAGE(made.reply.status == 200, ctx + ": create: " + made.reply.describe());
        auto orders = w.sim_orders();
        BOOST_REQUIRE_EQUAL(orders.size(), 1u);
        moid_paid = std::string(orders[0].at("merchantOrderId").as_string());
        order_to_pay = std::string(orders[0].at("id").as_string());
        w.stop_host(SIGTERM);
        HostStart armed;
        armed.failpoint = c.failpoint;
        armed.expect_listening = false;
        if (!w.start_host(armed)) {
            // Killed during start-up (e.g. a store write at activation): a crash too.
            BOOST_TEST_MESSAGE(ctx << ": the host died during start-up");
            died_at_start = true;
        } else {
            w.sim_pay(std::string(orders[0].at("id").as_string()));
        }
    } else { // create, create_mail
        w.stop_host(SIGTERM);
        HostStart armed;
        armed.failpoint = c.failpoint;
        armed.expect_listening = false;
        died_at_start = !w.start_host(armed);
        if (died_at_start)
            BOOST_TEST_MESSAGE(ctx << ": the host died during start-up");
        if (!died_at_start) {
            // The click itself may reach the failpoint; a create surely does.
            auto click = w.http.post(w.api("/folios/" + w.folio_id() + "/buttons/" + plugin_id + "/" + button_id + "/click"),
                                     json::object{}, 20s);
            if (click.status == 200) {
                const std::string session(click.json.at("session_id").as_string());
                auto form = w.event(session, json::object{{"action", "create"}, {"values", json::object{}}}, 20s);
                if (form.reply.status == 200) {
                    // Submit: the host should die inside.
                    auto r = w.event(session,
                                     json::object{{"action", "submit_create"},
                                                  {"values", json::object{{"amount", "7000.00"},
                                                                          {"description", "Предоплата по заявке №471887"},
                                                                          {"message_template", "Оплата: {link}"},
                                                                          {"lifetime", "72h"},
                                                                          {"send_mail", c.step == Case::create_mail}}}},
                                     20s);
                    BOOST_TEST_MESSAGE(ctx << ": submit answered " << r.reply.describe().substr(0, 300));
                }
            }
        }
    }

    // The host must die by SIGKILL at the failpoint.
    if (!died_at_start) {
        auto st = w.wait_host_exit(20s);
        BOOST_REQUIRE_MESSAGE(st.has_value(), ctx + ": the host did not reach the failpoint (still running)");
        BOOST_CHECK_MESSAGE(*st == killed, ctx + ": exit status " + std::to_string(*st) + ", expected SIGKILL");
    }
    const auto orders_at_crash = w.sim_orders().size();

    // Restart on the same port, no failpoint.
    w.start_host();

    if (c.step == Case::notify && died_at_start)
        w.sim_pay(order_to_pay);
    if (c.step == Case::create || c.step == Case::create_mail) {
        // A link recorded before the crash is resumed by start-up recovery (looked up by
        // merchantOrderId, created at most once). If nothing was recorded, staff simply retry.
        std::this_thread::sleep_for(1500ms);
        auto v = w.click();
        auto rows = World::link_rows(v.view);
        BOOST_TEST_MESSAGE(ctx << ": after restart " << rows.size() << " link(s), sim had " << orders_at_crash
                               << " order(s) at the crash");
        if (rows.empty()) {
            BOOST_CHECK_MESSAGE(orders_at_crash == 0, ctx + ": the simulator has an order the PMS forgot (lost link)");
            auto made = w.create_link(v.session, "7000.00", false);
            BOOST_REQUIRE_MESSAGE(made.reply.status == 200, ctx + ": create after restart: " + made.reply.describe());
            rows = World::link_rows(made.view);
        }
        BOOST_REQUIRE_EQUAL(rows.size(), 1u);
        moid_paid = std::string(rows[0].at("key").as_string());
        // Recovery must bring the link to «Создан» with an order (poller/recovery or refresh).
        BOOST_REQUIRE_MESSAGE(World::wait_until([&] { return w.sim_order_by_moid(moid_paid).has_value(); }, 20s),
                              ctx + ": the recorded link never reached InvoiceBox");
        auto order = w.sim_order_by_moid(moid_paid);
        w.sim_pay(std::string(order->at("id").as_string()));
    }

    // Let the simulator's retries come (its clock forward) and the poller/recovery finish.
    BOOST_CHECK_MESSAGE(World::wait_until(
                            [&] {
                                w.sim_advance(15);
                                return all_paid_posted(w);
                            },
                            40s),
                        ctx + ": a paid order was never posted");
    std::this_thread::sleep_for(500ms);

    check_no_duplicate_orders(w, ctx);
    check_paid_posted_once(w, ctx);
    BOOST_CHECK_EQUAL(w.sim_orders("?status=completed").size(), 1u);
    BOOST_CHECK_EQUAL(w.payments().size(), 1u);
    BOOST_CHECK_EQUAL(w.balance_due(), balance0 - 700'000);
    BOOST_CHECK_MESSAGE(w.count_paid_notifications() == 1,
                        ctx + ": «Получена оплата» notifications: " + std::to_string(w.count_paid_notifications()));
    // The dialog agrees.
    auto v = w.click();
    auto r = w.refresh(v.session);
    for (const auto& row : World::link_rows(r.view))
        if (row.at("key").as_string() == moid_paid)
            BOOST_CHECK_MESSAGE(World::status_of(row).rfind("Оплачен", 0) == 0 &&
                                    World::status_of(row).find("проводится") == std::string::npos,
                                ctx + ": status " + World::status_of(row));
}

} // namespace

BOOST_AUTO_TEST_SUITE(crash)

// host_stub/server/src/host_server.cpp
BOOST_AUTO_TEST_CASE(hooks_before_deliver) { run_case({"hooks.before_deliver", Case::notify}); }
BOOST_AUTO_TEST_CASE(hooks_after_reply_built) { run_case({"hooks.after_reply_built", Case::notify}); }
// host_stub/storage/src/sqlite/sqlite_folio_repository.cpp
BOOST_AUTO_TEST_CASE(payment_post_before_commit) { run_case({"payment.post.before_commit", Case::notify}); }
BOOST_AUTO_TEST_CASE(payment_post_after_commit) { run_case({"payment.post.after_commit", Case::notify}); }
// host_stub/storage/src/sqlite/sqlite_plugin_store.cpp: the plugin's records (pms.store/1)
BOOST_AUTO_TEST_CASE(store_batch_mid_on_create) { run_case({"store.batch.mid", Case::create}); }
BOOST_AUTO_TEST_CASE(store_batch_after_commit_on_create) { run_case({"store.batch.after_commit", Case::create}); }
BOOST_AUTO_TEST_CASE(store_batch_mid_on_notify) { run_case({"store.batch.mid", Case::notify}); }
BOOST_AUTO_TEST_CASE(store_batch_after_commit_on_notify) { run_case({"store.batch.after_commit", Case::notify}); }

// The plugin's own failpoints (invoicebox_plugin/plugin/include/invoicebox/plugin/failpoint.hpp).
// After the link record, before the create call: recovery creates the order, once.
BOOST_AUTO_TEST_CASE(plugin_create_after_record) { run_case({"invoicebox.create.after_record", Case::create}); }
// InvoiceBox answered, the answer not recorded: recovery finds the order by merchantOrderId.
BOOST_AUTO_TEST_CASE(plugin_create_after_answer) { run_case({"invoicebox.create.after_answer", Case::create}); }
// Posted at the host, the outcome and its alert not recorded: the replay posts a repeat, alerts once.
BOOST_AUTO_TEST_CASE(plugin_post_after_posting) { run_case({"invoicebox.post.after_posting", Case::notify}); }
// The posting and its alert recorded, the alert not raised: the replay raises it, once.
BOOST_AUTO_TEST_CASE(plugin_alert_before_raise) { run_case({"invoicebox.alert.before_raise", Case::notify}); }
// The mail recorded as attempted, not yet handed to the host: never sent (at most once; staff
// see it unconfirmed and may resend).
BOOST_AUTO_TEST_CASE(plugin_mail_before_send) { run_case({"invoicebox.mail.before_send", Case::create_mail, 0}); }
// The host took the mail, its result not recorded: not sent again.
BOOST_AUTO_TEST_CASE(plugin_mail_after_send) { run_case({"invoicebox.mail.after_send", Case::create_mail, 1}); }

// The same step as invoicebox.create.after_answer, reached without a failpoint: holding the
// simulator's answer to the create (latency fault: the order is applied at once) and killing
// the host while it waits: the order exists, the PMS never heard back.
BOOST_AUTO_TEST_CASE(kill_while_create_answer_pending) {
    World w;
    w.start_host();
    w.map_payment_kind();
    const auto balance0 = w.balance_due();
    auto v = w.click();
    w.sim_faults(json::object{{"latency", json::object{{"ms", 15000}, {"method", "POST"}, {"path", "/billing/api/order/order"}}}});
    std::thread submit([&] { w.create_link(v.session, "7000.00", false); });
    BOOST_REQUIRE_MESSAGE(World::wait_until([&] { return w.sim_orders().size() == 1; }, 10s), "the create never reached the sim");
    const auto moid = std::string(w.sim_orders()[0].at("merchantOrderId").as_string());
    w.stop_host(SIGKILL);
    submit.join();
    w.sim_faults(json::object{});
    w.start_host();
    // Start-up recovery looks the order up by merchantOrderId instead of creating another.
    BOOST_CHECK_MESSAGE(World::wait_until(
                            [&] {
                                auto rows = World::link_rows(w.click().view);
                                return rows.size() == 1 && World::status_of(rows[0]).rfind("Создан", 0) == 0 &&
                                       rows[0].at("cells").at("link").as_string() != "—";
                            },
                            20s),
                        "the link was not resumed after the restart");
    check_no_duplicate_orders(w, "kill while create pending");
    BOOST_CHECK_EQUAL(w.sim_orders().size(), 1u);
    auto order = w.sim_order_by_moid(moid);
    BOOST_REQUIRE(order);
    w.sim_pay(std::string(order->at("id").as_string()));
    BOOST_CHECK(World::wait_until([&] { return all_paid_posted(w); }, 15s));
    check_paid_posted_once(w, "kill while create pending");
    BOOST_CHECK_EQUAL(w.balance_due(), balance0 - 700'000);
    BOOST_CHECK_EQUAL(w.count_paid_notifications(), 1u);
}

BOOST_AUTO_TEST_SUITE_END()
