// Refunds (issue 13) through the real host, plugin and simulator:
//  - a refund made in InvoiceBox's cabinet appears on the folio as a negative payment within one
//    poll interval, once, with one staff notification, and the dialog shows «Возвращено …»;
//  - from the folio (a host of ABI 1.5+, which gates "permission": refund.manage): a full refund
//    and two partial ones post three negative payments once each; a refund InvoiceBox cancels is
//    shown and posts nothing; the front desk never sees nor triggers «Возврат»; a host killed
//    after InvoiceBox answered the create, or after the host posted the refund, still ends with
//    one posting and one notification; one killed between the record and the create never
//    sends it (the refund stays in doubt, then fails: never created twice);
//  - on an older host the dialog offers no refund at all.
#include "harness.hpp"

#include <pms/plugin_api/version.h>

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <thread>

using namespace ibe2e;

namespace {

/// A link of `amount` created in the dialog session `session`, paid on the simulator and posted
/// to the folio. Returns (merchantOrderId, InvoiceBox order id).
std::pair<std::string, std::string> paid_link(World& w, const std::string& session, const std::string& amount) {
    auto v = w.create_link(session, amount, false);
    BOOST_REQUIRE_MESSAGE(v.reply.status == 200, "create: " + v.reply.describe());
    auto rows = World::link_rows(v.view);
    BOOST_REQUIRE_MESSAGE(!rows.empty(), "no link row: " + v.reply.body);
    const std::string moid(rows.front().at("key").as_string());
    auto order = w.sim_order_by_moid(moid);
    BOOST_REQUIRE_MESSAGE(order, "no simulator order for " + moid);
    const std::string order_id(order->at("id").as_string());
    w.sim_pay(order_id);
    BOOST_REQUIRE_MESSAGE(World::wait_until(
                              [&] {
                                  for (const auto& p : w.payments())
                                      if (p.at("provider_reference").as_string() == order_id)
                                          return true;
                                  return false;
                              },
                              30s),
                          "the payment of " + moid + " was not posted");
    return {moid, order_id};
}

/// The folio's refund postings (negative payments).
std::vector<json::object> refund_payments(World& w) {
    std::vector<json::object> out;
    for (const auto& p : w.payments())
        if (p.at("amount_minor").to_number<std::int64_t>() < 0)
            out.push_back(p);
    return out;
}

std::size_t count_refund_notifications(World& w) {
    std::size_t n = 0;
    for (const auto& x : w.notifications())
        if (x.at("title").as_string() == "Возврат по ссылке InvoiceBox")
            ++n;
    return n;
}

/// The row of link `moid` in a fresh dialog.
std::string status_in_dialog(World& w, const std::string& moid) {
    auto v = w.click();
    for (const auto& r : World::link_rows(v.view))
        if (r.at("key").as_string() == moid)
            return World::status_of(r);
    return {};
}

/// The poller's interval in the harness (poll_interval_seconds=10) and some slack for a loaded
/// machine: a bound for "within one poll interval", never a timing assertion.
constexpr auto one_poll = 40s;

} // namespace

BOOST_AUTO_TEST_SUITE(refunds)

BOOST_AUTO_TEST_CASE(a_cabinet_refund_appears_on_the_folio_within_one_poll_interval) {
    World w;
    w.start_host();
    w.map_payment_and_refund_kinds();
    auto v = w.click();
    const auto [moid, order_id] = paid_link(w, v.session, "1000.00");
    const auto balance = w.balance_due();

    w.sim_cabinet_refund(order_id, 25000);
    w.sim_advance(6); // the refund completes (refundCompletionSeconds = 5)
    BOOST_REQUIRE_MESSAGE(World::wait_until([&] { return refund_payments(w).size() == 1; }, one_poll),
                          "the cabinet refund was not posted: " + json::serialize(json::value_from(w.payments())));
    const auto refunds = refund_payments(w);
    BOOST_TEST(refunds.front().at("amount_minor").to_number<std::int64_t>() == -25000);
    BOOST_TEST(w.balance_due() == balance + 25000);
    BOOST_TEST(World::wait_until([&] { return count_refund_notifications(w) == 1; }, 10s));
    // Another pass or two of the poller: still one posting, one notification.
    std::this_thread::sleep_for(12s);
    BOOST_TEST(refund_payments(w).size() == 1u);
    BOOST_TEST(count_refund_notifications(w) == 1u);
    const auto status = status_in_dialog(w, moid);
    BOOST_TEST(status.find("Возвращено 250,00 из 1\u00A0000,00") != std::string::npos, status);
}

#if PMS_PLUGIN_API_VERSION_MINOR >= 5

namespace {

/// Opens the refund form of `moid` and submits it: full, or `amounts` per item ("" = none).
World::View refund_from_dialog(World& w, const std::string& session, const std::string& moid, bool full,
                               const std::vector<std::string>& amounts = {}) {
    auto form = w.event(session, json::object{{"kind", "row_action"}, {"action", "refund"}, {"table", "links"},
                                              {"row_key", moid}});
    BOOST_REQUIRE_MESSAGE(form.reply.status == 200 && json::serialize(form.view).find("refund_form") != std::string::npos,
                          "refund form: " + form.reply.describe());
    json::object values{{"refund_mode", full ? "full" : "partial"}, {"reason", "Гость отменил часть услуг"}};
    for (std::size_t i = 0; i < 10; ++i)
        values["item_" + std::to_string(i)] = i < amounts.size() ? amounts[i] : "";
    auto done = w.event(session, json::object{{"action", "submit_refund"}, {"values", values}});
    BOOST_REQUIRE_MESSAGE(done.reply.status == 200, "submit refund: " + done.reply.describe());
    return done;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_full_and_two_partial_refunds_post_three_negative_payments_once_each) {
    World w;
    w.start_host();
    w.map_payment_and_refund_kinds();
    auto v = w.click();
    const auto [moid1, order1] = paid_link(w, v.session, "1000.00");
    const auto [moid2, order2] = paid_link(w, v.session, "2000.00");
    for (const auto& [moid, full, amounts] :
         {std::tuple{moid1, true, std::vector<std::string>{}}, std::tuple{moid2, false, std::vector<std::string>{"100,00"}},
          std::tuple{moid2, false, std::vector<std::string>{"50.50"}}}) {
        auto r = refund_from_dialog(w, v.session, moid, full, amounts);
        BOOST_TEST(World::all_text(r.view).find("принят InvoiceBox") != std::string::npos, r.reply.body);
    }
    BOOST_TEST(w.sim_refunds().size() == 3u);
    w.sim_advance(6);
    BOOST_REQUIRE(World::wait_until([&] { return refund_payments(w).size() == 3; }, one_poll));
    std::int64_t sum = 0;
    for (const auto& p : refund_payments(w))
        sum += p.at("amount_minor").to_number<std::int64_t>();
    BOOST_TEST(sum == -(100000 + 10000 + 5050));
    std::this_thread::sleep_for(12s);
    BOOST_TEST(refund_payments(w).size() == 3u);
    BOOST_TEST(count_refund_notifications(w) == 3u);
    BOOST_TEST(status_in_dialog(w, moid2).find("Возвращено 150,50 из 2\u00A0000,00") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_failed_refund_is_shown_and_posts_nothing) {
    World w;
    w.start_host();
    w.map_payment_and_refund_kinds();
    auto v = w.click();
    const auto [moid, order] = paid_link(w, v.session, "1000.00");
    w.sim_faults(json::object{{"refundCancel", json::object{{"next", 1}}}});
    refund_from_dialog(w, v.session, moid, true);
    w.sim_advance(6);
    BOOST_TEST(World::wait_until([&] { return status_in_dialog(w, moid).find("не выполнен") != std::string::npos; },
                                 one_poll));
    BOOST_TEST(refund_payments(w).empty());
}

BOOST_AUTO_TEST_CASE(the_front_desk_never_sees_nor_triggers_a_refund) {
    World w;
    w.start_host();
    w.map_payment_and_refund_kinds();
    auto v = w.click();
    const auto [moid, order] = paid_link(w, v.session, "1000.00");
    BOOST_TEST(json::serialize(v.view).find("\"permission\"") == std::string::npos); // nothing paid yet
    w.sign_in("frontdesk");
    auto desk = w.click();
    BOOST_TEST(json::serialize(desk.view).find("\"id\":\"refund\"") == std::string::npos);
    auto refused = w.event(desk.session, json::object{{"kind", "row_action"}, {"action", "refund"}, {"table", "links"},
                                                      {"row_key", moid}});
    BOOST_TEST(refused.reply.status == 403, refused.reply.describe());
    BOOST_TEST(w.sim_refunds().empty());
}

BOOST_AUTO_TEST_CASE(a_host_killed_after_the_answer_or_after_the_posting_posts_once) {
    World w;
    w.start_host();
    w.map_payment_and_refund_kinds();
    auto v = w.click();
    const auto [moid, order] = paid_link(w, v.session, "1000.00");
    // Killed after InvoiceBox answered the create, before the answer was recorded.
    HostStart after_answer;
    after_answer.failpoint = "invoicebox.refund.after_answer";
    w.restart_host(SIGTERM, after_answer);
    v = w.click();
    auto form = w.event(v.session, json::object{{"kind", "row_action"}, {"action", "refund"}, {"table", "links"},
                                                {"row_key", moid}});
    BOOST_REQUIRE(form.reply.status == 200);
    w.event(v.session, json::object{{"action", "submit_refund"},
                                    {"values", json::object{{"refund_mode", "full"}, {"reason", "Отмена"}}}},
            10s);
    BOOST_REQUIRE(w.wait_host_exit(30s).has_value());
    BOOST_TEST(w.sim_refunds().size() == 1u);
    // Back up, and killed again right after the host posted the completed refund.
    HostStart after_posting;
    after_posting.failpoint = "invoicebox.post.after_posting";
    w.start_host(after_posting);
    w.sim_advance(6);
    BOOST_REQUIRE(w.wait_host_exit(60s).has_value());
    w.start_host();
    BOOST_REQUIRE(World::wait_until([&] { return count_refund_notifications(w) == 1; }, one_poll));
    BOOST_TEST(refund_payments(w).size() == 1u);
    BOOST_TEST(w.sim_refunds().size() == 1u); // never created twice
}

BOOST_AUTO_TEST_CASE(a_host_killed_between_the_record_and_the_create_never_sends_it) {
    World w;
    w.start_host();
    w.map_payment_and_refund_kinds();
    auto v = w.click();
    const auto [moid, order] = paid_link(w, v.session, "1000.00");
    HostStart after_record;
    after_record.failpoint = "invoicebox.refund.after_record";
    w.restart_host(SIGTERM, after_record);
    v = w.click();
    auto form = w.event(v.session, json::object{{"kind", "row_action"}, {"action", "refund"}, {"table", "links"},
                                                {"row_key", moid}});
    BOOST_REQUIRE(form.reply.status == 200);
    w.event(v.session, json::object{{"action", "submit_refund"},
                                    {"values", json::object{{"refund_mode", "full"}, {"reason", "Отмена"}}}},
            10s);
    BOOST_REQUIRE(w.wait_host_exit(30s).has_value());
    w.start_host();
    // Recorded, never sent: start-up recovery and the poller look it up and do not create it.
    BOOST_TEST(World::wait_until([&] { return status_in_dialog(w, moid).find("выполняется") != std::string::npos; },
                                 one_poll));
    std::this_thread::sleep_for(12s);
    BOOST_TEST(w.sim_refunds().empty());
    BOOST_TEST(refund_payments(w).empty());
}

#else

BOOST_AUTO_TEST_CASE(no_refund_is_offered_on_a_host_older_than_1_5) {
    World w;
    w.start_host();
    w.map_payment_and_refund_kinds();
    auto v = w.click();
    const auto [moid, order] = paid_link(w, v.session, "1000.00");
    auto again = w.click();
    BOOST_TEST(json::serialize(again.view).find("\"id\":\"refund\"") == std::string::npos);
    // A crafted event opens nothing and refunds nothing.
    auto crafted = w.event(again.session, json::object{{"kind", "row_action"}, {"action", "refund"}, {"table", "links"},
                                                       {"row_key", moid}});
    BOOST_TEST(json::serialize(crafted.view).find("refund_form") == std::string::npos);
    crafted = w.event(again.session, json::object{{"action", "submit_refund"},
                                                  {"values", json::object{{"refund_mode", "full"}, {"reason", "x"}}}});
    BOOST_TEST(w.sim_refunds().empty());
}

#endif

BOOST_AUTO_TEST_SUITE_END()
