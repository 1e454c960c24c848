// Refunds from the folio (issue 13) against the fake host and the simulator's engine:
//  - staff money input is read strictly;
//  - the refund is recorded (state creating, its own merchantOrderId) before the create call;
//  - an unknown outcome is resolved by lookup, never by a second create;
//  - a completed refund posts one negative payment (kind "refund") and raises one alert, however
//    often it is reported and across a restart; a canceled one posts nothing;
//  - a refund made in the cabinet is found by the poller and posted once;
//  - the dialog offers «Возврат» (marked "permission": "refund.manage") only when the host gates it.
#include "fake_host.hpp"
#include "test_shop.hpp"

#include <invoicebox/plugin/formatting.hpp>
#include <invoicebox/plugin/link_dialog.hpp>
#include <invoicebox/plugin/link_service.hpp>
#include <invoicebox/plugin/refund_form.hpp>

#include <boost/json.hpp>
#include <algorithm>
#include <boost/test/unit_test.hpp>

using namespace test;

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
        service->refunds_offered = true;
    }
    /// A paid, posted link of `amount` (decimal text).
    LinkRecord paid_link(const std::string& amount = "1000.00") {
        CreateInput in{"F-1", amount, "Предоплата", default_message_template(), "24h", false, false};
        std::optional<CreateOutcome> out;
        service->create_link(in, StaffUser{"u-1", "Анна"}, [&](CreateOutcome o) { out = std::move(o); });
        host.run();
        BOOST_REQUIRE(out && out->link);
        auto r = host.sim_call("POST", "/__sim/orders/" + out->link->order_id + "/pay", "{}");
        BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
        for (const auto& d : host.engine->take_deliveries())
            service->handle_notification("notify", d.body,
                                         {{"Content-Type", "application/json"}, {"x-signature", d.signature}},
                                         [](pr::NotificationReply, NotificationOutcome) {});
        host.run();
        auto link = *service->repository().find(out->link->merchant_order_id);
        BOOST_REQUIRE(int(link.posting) == int(PostingState::posted));
        return link;
    }
    RefundOutcome refund(const LinkRecord& link, bool full, std::vector<std::string> amounts = {},
                         std::string reason = "Гость отменил бронь") {
        std::vector<pr::BasketItem> items;
        service->refundable_items("F-1", link.merchant_order_id, [&](std::vector<pr::BasketItem> i, std::string err) {
            BOOST_REQUIRE_MESSAGE(err.empty(), err);
            items = std::move(i);
        });
        host.run();
        RefundInput in;
        in.folio_id = "F-1";
        in.link_moid = link.merchant_order_id;
        in.full = full;
        in.reason = std::move(reason);
        for (std::size_t i = 0; i < items.size(); ++i)
            in.lines.push_back({refund_item_field(i), items[i].sku, i < amounts.size() ? amounts[i] : ""});
        std::optional<RefundOutcome> out;
        service->create_refund(in, StaffUser{"u-2", "Ольга"}, [&](RefundOutcome o) { out = std::move(o); });
        host.run();
        BOOST_REQUIRE(out);
        return *out;
    }
    /// Lets the simulator complete refunds, then runs a poller pass.
    void complete_and_poll(std::int64_t seconds = 6) {
        host.now += seconds * 1000;
        service->poll_once(Actor::poll);
        host.run(0);
    }
    std::vector<FakeHost::Posted> refund_postings() const {
        std::vector<FakeHost::Posted> out;
        for (const auto& [k, p] : host.postings)
            if (p.p.kind == "refund")
                out.push_back(p);
        return out;
    }
    int refund_creates = 0;
    void count_creates() {
        host.on_http = [this](const pr::HttpRequest& r) {
            if (r.method == pr::HttpMethod::post && r.target.find("/refund-order") != std::string::npos)
                ++refund_creates;
        };
    }
    std::size_t sim_refunds() {
        auto r = host.sim_call("GET", "/__sim/refunds");
        auto v = boost::json::parse(r.body);
        if (v.is_array())
            return v.as_array().size();
        if (v.is_object() && v.as_object().contains("data"))
            return v.as_object().at("data").as_array().size();
        return 0;
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(refunds)

BOOST_AUTO_TEST_CASE(staff_money_is_read_strictly) {
    BOOST_TEST(parse_staff_money("10000.00").value_or(-1) == 1000000);
    BOOST_TEST(parse_staff_money("10000,5").value_or(-1) == 1000050);
    BOOST_TEST(parse_staff_money("10000").value_or(-1) == 1000000);
    BOOST_TEST(parse_staff_money("10 000,00").value_or(-1) == 1000000);
    BOOST_TEST(parse_staff_money("1\u00A0234\u00A0567,89").value_or(-1) == 123456789);
    BOOST_TEST(parse_staff_money("67 680,00").value_or(-1) == 6768000);
    BOOST_TEST(parse_staff_money(" 0,01 ").value_or(-1) == 1);
    for (const char* bad : {"", " ", "-10", "+10", "10.001", "1e3", "10.000,00", "1,000.00", "1 0000", "10 00",
                            "10  000", "\u00A0000", "10,", ".5", "abc", "10 000,5x", "0x10", "1 000 00"})
        BOOST_TEST(!parse_staff_money(bad).has_value(), "accepted «" << bad << "»");
}

BOOST_AUTO_TEST_CASE(the_refund_is_recorded_before_the_create_call) {
    Fixture f;
    const auto link = f.paid_link();
    bool recorded_first = false;
    f.host.on_http = [&](const pr::HttpRequest& r) {
        if (r.method != pr::HttpMethod::post || r.target.find("/refund-order") == std::string::npos)
            return;
        for (const auto& [k, v] : f.host.store)
            if (k.starts_with("v1/refund/" + link.merchant_order_id + "-R1"))
                if (auto rec = parse_refund_record(v))
                    recorded_first = rec->state == RefundState::creating && !rec->create_request.empty();
    };
    const int writes_before = f.host.store_writes;
    const int async_before = f.host.async_writes;
    const auto out = f.refund(link, true);
    BOOST_TEST(recorded_first);
    // The record and InvoiceBox's answer: pms.store/2 batches, the request sent from the first
    // one's completion; nothing of a refund holds the strand for an fsync (issue 14).
    BOOST_TEST(f.host.async_writes - async_before >= 2);
    BOOST_TEST(f.host.store_writes - writes_before == f.host.async_writes - async_before);
    BOOST_TEST(int(out.kind) == int(RefundOutcome::Kind::created));
    BOOST_REQUIRE(out.refund);
    BOOST_TEST(out.refund->amount_minor == 100000);
    BOOST_TEST(!out.refund->refund_id.empty());
    BOOST_TEST(int(out.refund->state) == int(RefundState::created));
}

BOOST_AUTO_TEST_CASE(an_unknown_outcome_is_looked_up_and_never_created_twice) {
    Fixture f;
    const auto link = f.paid_link();
    f.count_creates();
    // The create reaches InvoiceBox, its answer is lost.
    f.host.lose_if = [](const pr::HttpRequest& r) {
        return r.method == pr::HttpMethod::post && r.target.find("/refund-order") != std::string::npos;
    };
    const auto out = f.refund(link, true);
    BOOST_TEST(f.refund_creates == 1);
    BOOST_TEST(f.sim_refunds() == 1u);
    BOOST_TEST(int(out.kind) == int(RefundOutcome::Kind::created)); // the lookup found it
    BOOST_REQUIRE(out.refund);
    BOOST_TEST(!out.refund->refund_id.empty());
    f.complete_and_poll();
    f.complete_and_poll();
    BOOST_TEST(f.refund_creates == 1);
    BOOST_TEST(f.refund_postings().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_lost_create_and_a_lost_lookup_stay_in_doubt_until_the_poller_finds_it) {
    Fixture f;
    const auto link = f.paid_link();
    f.count_creates();
    f.host.lose_if = [](const pr::HttpRequest& r) { return r.target.find("/refund-order") != std::string::npos; };
    const auto out = f.refund(link, true);
    BOOST_TEST(int(out.kind) == int(RefundOutcome::Kind::unconfirmed));
    BOOST_REQUIRE(out.refund);
    BOOST_TEST(int(out.refund->state) == int(RefundState::creating));
    // Another refund of the link is refused while this one is in doubt.
    const auto second = f.refund(link, true);
    BOOST_TEST(int(second.kind) == int(RefundOutcome::Kind::rejected));
    f.host.lose_if = nullptr;
    f.restart(); // also across a restart: the record is all there is
    f.complete_and_poll();
    BOOST_TEST(f.refund_creates == 1);
    BOOST_TEST(f.sim_refunds() == 1u);
    auto rec = f.service->repository().find_refund(out.refund->merchant_order_id);
    BOOST_REQUIRE(rec);
    BOOST_TEST(int(rec->state) == int(RefundState::completed));
    BOOST_TEST(f.refund_postings().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_create_that_never_arrived_is_marked_failed_and_not_sent_again) {
    Fixture f;
    const auto link = f.paid_link();
    f.count_creates();
    // Nothing reaches InvoiceBox: the record stays `creating` (the answer was not "refused").
    f.host.on_http = [&](const pr::HttpRequest& r) {
        if (r.method == pr::HttpMethod::post && r.target.find("/refund-order") != std::string::npos)
            ++f.refund_creates;
    };
    RefundRecord r;
    r.merchant_order_id = link.merchant_order_id + "-R1";
    r.link_moid = link.merchant_order_id;
    r.parent_order_id = link.order_id;
    r.folio_id = link.folio_id;
    r.folio_number = link.folio_number;
    r.merchant_id = link.merchant_id;
    r.amount_minor = 100000;
    r.created_at_ms = f.host.now;
    r.state = RefundState::creating;
    f.host.store_write(LinkRepository::refund_ops(r)); // as a crash right after the record
    f.complete_and_poll();
    BOOST_TEST(int(f.service->repository().find_refund(r.merchant_order_id)->state) == int(RefundState::creating));
    f.complete_and_poll(LinkService::lost_refund_after_ms / 1000 + 1);
    const auto rec = f.service->repository().find_refund(r.merchant_order_id);
    BOOST_TEST(int(rec->state) == int(RefundState::failed));
    BOOST_TEST(f.refund_creates == 0);
    BOOST_TEST(f.refund_postings().empty());
}

BOOST_AUTO_TEST_CASE(a_completed_refund_posts_once_and_alerts_once_even_reported_twice_and_after_restart) {
    Fixture f;
    const auto link = f.paid_link();
    const auto out = f.refund(link, true);
    BOOST_REQUIRE(out.refund);
    const auto id = out.refund->refund_id;
    const int writes_before = f.host.store_writes;
    const int async_before = f.host.async_writes;
    f.complete_and_poll();
    // The poll's record of the completed refund, its posting's outcome: pms.store/2 batches
    // only, none holding the strand (issue 14).
    BOOST_TEST(f.host.async_writes - async_before >= 2);
    BOOST_TEST(f.host.store_writes - writes_before == f.host.async_writes - async_before);
    f.complete_and_poll(); // reported again
    auto postings = f.refund_postings();
    BOOST_REQUIRE(postings.size() == 1u);
    BOOST_TEST(postings[0].p.amount_minor == 100000); // the host books kind "refund" as negative
    BOOST_TEST(postings[0].p.idempotency_key == refund_idempotency_key(id));
    BOOST_TEST(f.host.alerts.count("refund:" + id) == 1u);
    BOOST_TEST(f.host.alerts["refund:" + id].second == 1);
    BOOST_TEST(f.host.alerts["refund:" + id].first.body.find("по счёту 30682277") != std::string::npos);
    f.restart();
    f.service->poll_once(Actor::recovery);
    f.host.run(0);
    BOOST_TEST(f.refund_postings().size() == 1u);
    BOOST_TEST(f.host.alerts["refund:" + id].second == 1);
    const auto rec = f.service->repository().find_refund(out.refund->merchant_order_id);
    BOOST_TEST(int(rec->posting) == int(PostingState::posted));
    // The dialog shows it.
    LinkDialog dialog(*f.service);
    const auto view = dialog.list_view("F-1");
    BOOST_TEST(view.find("Возвращено 1\u00A0000,00 из 1\u00A0000,00") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_crash_between_the_posting_and_its_record_posts_once) {
    Fixture f;
    const auto link = f.paid_link();
    const auto out = f.refund(link, true);
    BOOST_REQUIRE(out.refund);
    f.host.now += 6000;
    f.service->poll_once(Actor::poll);
    // Run until the posting is queued at the host, then "crash": the host still posts.
    for (int i = 0; i < 1000 && f.host.post_calls < 2; ++i) {
        if (f.host.queue.empty())
            break;
        auto fn = std::move(f.host.queue.front());
        f.host.queue.pop_front();
        fn();
    }
    BOOST_REQUIRE(f.host.post_calls == 2); // the payment, then the refund
    f.restart();
    f.host.run(0);
    BOOST_TEST(f.refund_postings().size() == 1u);
    BOOST_TEST(f.host.alerts.count("refund:" + out.refund->refund_id) == 0u);
    f.service->poll_once(Actor::recovery);
    f.host.run(0);
    BOOST_TEST(f.refund_postings().size() == 1u);
    BOOST_TEST(f.host.alerts["refund:" + out.refund->refund_id].second == 1);
}

BOOST_AUTO_TEST_CASE(two_partial_refunds_by_item_follow_the_lines_vat_and_post_once_each) {
    Fixture f;
    const auto link = f.paid_link("10000.00");
    std::vector<pr::BasketItem> items;
    f.service->refundable_items("F-1", link.merchant_order_id, [&](std::vector<pr::BasketItem> i, std::string) { items = i; });
    f.host.run();
    BOOST_REQUIRE(items.size() == 2u);
    const auto first = f.refund(link, false, {"1 000,00", ""});
    BOOST_REQUIRE(first.refund);
    BOOST_TEST(int(first.kind) == int(RefundOutcome::Kind::created));
    BOOST_TEST(first.refund->amount_minor == 100000);
    // 1 000,00 at the accommodation line's 20 %: VAT 166,67.
    BOOST_TEST(first.refund->vat_amount_minor == 16667);
    const auto second = f.refund(link, false, {"", "100.5"});
    BOOST_REQUIRE(second.refund);
    BOOST_TEST(second.refund->amount_minor == 10050);
    BOOST_TEST(second.refund->merchant_order_id != first.refund->merchant_order_id);
    // More than is left of a line is refused, nothing recorded.
    const auto too_much = f.refund(link, false, {"", "999999.00"});
    BOOST_TEST(int(too_much.kind) == int(RefundOutcome::Kind::rejected));
    BOOST_TEST(too_much.field_errors.count(refund_item_field(1)) == 1u);
    const auto no_reason = f.refund(link, true, {}, " ");
    BOOST_TEST(no_reason.field_errors.count("reason") == 1u);
    f.complete_and_poll();
    const auto postings = f.refund_postings();
    BOOST_TEST(postings.size() == 2u);
    std::int64_t sum = 0;
    for (const auto& p : postings)
        sum += p.p.amount_minor;
    BOOST_TEST(sum == 110050);
    LinkDialog dialog(*f.service);
    BOOST_TEST(dialog.list_view("F-1").find("Возвращено 1\u00A0100,50 из 10\u00A0000,00") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_canceled_refund_is_shown_as_failed_and_posts_nothing) {
    Fixture f;
    const auto link = f.paid_link();
    auto fault = f.host.sim_call("POST", "/__sim/faults", R"({"refundCancel":{"next":1}})");
    BOOST_REQUIRE_MESSAGE(fault.status == 200, fault.body);
    const auto out = f.refund(link, true);
    BOOST_REQUIRE(out.refund);
    f.complete_and_poll();
    const auto rec = f.service->repository().find_refund(out.refund->merchant_order_id);
    BOOST_TEST(int(rec->state) == int(RefundState::canceled));
    BOOST_TEST(f.refund_postings().empty());
    BOOST_TEST(f.host.alerts.count("refund-failed:" + out.refund->refund_id) == 1u);
    LinkDialog dialog(*f.service);
    const auto view = dialog.list_view("F-1");
    BOOST_TEST(view.find("не выполнен") != std::string::npos);
    // Its money is refundable again: «Возврат» is still offered.
    BOOST_TEST(view.find(R"("id":"refund")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_cabinet_refund_is_posted_once_with_the_cabinet_as_actor) {
    Fixture f;
    const auto link = f.paid_link();
    auto r = f.host.sim_call("POST", "/__sim/orders/" + link.order_id + "/refund", R"({"amountMinor":25000})");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    f.complete_and_poll();
    f.complete_and_poll();
    auto postings = f.refund_postings();
    BOOST_REQUIRE(postings.size() == 1u);
    BOOST_TEST(postings[0].p.amount_minor == 25000);
    const auto refunds = f.service->repository().refunds_of(link.merchant_order_id);
    BOOST_REQUIRE(refunds.size() == 1u);
    BOOST_TEST(refunds[0].cabinet);
    BOOST_TEST(refunds[0].merchant_order_id.starts_with("cabinet-"));
    const auto l = *f.service->repository().find(link.merchant_order_id);
    bool cabinet_actor = false;
    for (const auto& a : l.audit)
        cabinet_actor = cabinet_actor || a.who == "кабинет InvoiceBox";
    BOOST_TEST(cabinet_actor);
    BOOST_TEST(f.host.alerts["refund:" + refunds[0].refund_id].second == 1);
    f.restart();
    f.complete_and_poll();
    BOOST_TEST(f.refund_postings().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_refund_held_for_a_missing_mapping_posts_once_the_mapping_exists) {
    Fixture f;
    const auto link = f.paid_link();
    f.host.no_mapping = true; // the admin mapped "payment" only
    auto r = f.host.sim_call("POST", "/__sim/orders/" + link.order_id + "/refund", "{}");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    f.complete_and_poll();
    auto refunds = f.service->repository().refunds_of(link.merchant_order_id);
    BOOST_REQUIRE(refunds.size() == 1u);
    BOOST_TEST(int(refunds[0].posting) == int(PostingState::suspense));
    BOOST_TEST(refunds[0].suspense_code == "no_mapping");
    BOOST_TEST(f.host.alerts.count("refund-unposted:" + refunds[0].refund_id) == 1u);
    BOOST_TEST(f.refund_postings().empty());
    f.host.no_mapping = false;
    f.service->poll_once(Actor::recovery); // the suspense retry runs at start-up and every tenth pass
    f.host.run(0);
    f.complete_and_poll();
    BOOST_TEST(f.refund_postings().size() == 1u);
    BOOST_TEST(f.refund_postings()[0].p.amount_minor == 100000);
    refunds = f.service->repository().refunds_of(link.merchant_order_id);
    BOOST_TEST(int(refunds[0].posting) == int(PostingState::posted));
    BOOST_TEST(std::count(f.host.resolved_alerts.begin(), f.host.resolved_alerts.end(),
                          "refund-unposted:" + refunds[0].refund_id) == 1);
    BOOST_TEST(f.host.alerts["refund:" + refunds[0].refund_id].second == 1);
}

BOOST_AUTO_TEST_CASE(refunds_are_offered_only_when_the_host_gates_them) {
    Fixture f;
    const auto link = f.paid_link();
    f.service->refunds_offered = false;
    LinkDialog dialog(*f.service);
    BOOST_TEST(dialog.list_view("F-1").find(R"("id":"refund")") == std::string::npos);
    // A crafted event does nothing either.
    std::string view;
    dialog.event("vs-1", "F-1", StaffUser{"u-1", "Анна"},
                 R"({"kind":"row_action","action":"refund","table":"links","row_key":")" + link.merchant_order_id + R"("})",
                 [&](std::string v) { view = v; });
    f.host.run();
    BOOST_TEST(view.find("refund_form") == std::string::npos);
    f.service->refunds_offered = true;
    const auto offered = dialog.list_view("F-1");
    BOOST_TEST(offered.find(R"({"id":"refund","label":"Возврат","permission":"refund.manage"})") != std::string::npos);
    // The form's submit is marked too; a submit without the form open is not acted on.
    dialog.event("vs-1", "F-1", StaffUser{"u-1", "Анна"},
                 R"({"kind":"row_action","action":"refund","table":"links","row_key":")" + link.merchant_order_id + R"("})",
                 [&](std::string v) { view = v; });
    f.host.run();
    BOOST_TEST(view.find("refund_form") != std::string::npos);
    BOOST_TEST(view.find(R"("id":"submit_refund")") != std::string::npos);
    BOOST_TEST(view.find(R"("permission":"refund.manage")") != std::string::npos);
    dialog.event("vs-2", "F-1", StaffUser{"u-1", "Анна"},
                 R"({"kind":"button","action":"submit_refund","values":{"refund_mode":"full","reason":"x"}})",
                 [&](std::string v) { view = v; });
    f.host.run();
    BOOST_TEST(view.find("Откройте форму возврата заново") != std::string::npos);
    BOOST_TEST(f.sim_refunds() == 0u);
    // Through the form: a full refund.
    dialog.event("vs-1", "F-1", StaffUser{"u-2", "Ольга"},
                 R"({"kind":"button","action":"submit_refund","values":{"refund_mode":"full","reason":"Отмена брони","item_0":"","item_1":""}})",
                 [&](std::string v) { view = v; });
    f.host.run();
    BOOST_TEST(view.find("принят InvoiceBox") != std::string::npos);
    BOOST_TEST(f.sim_refunds() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
