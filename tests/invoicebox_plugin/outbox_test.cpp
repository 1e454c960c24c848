// The effect outbox (architecture §8) against the fake host and the simulator's engine:
//  - a store failure at the N-th store write of a notification's handling, for every N (SQLite's
//    fault-injection style: count the batches, fail one, go on until a run reaches no failure),
//    then a restart over the same store: one posting and one alert row every time;
//  - a "crash" (the service destroyed, its completions dropped) after the host posted and before
//    the outcome was recorded: the replay posts again as a repeat and raises the alert once;
//  - a crash after the mail left: the mail is not sent again;
//  - the staff resolution of a suspense entry posts exactly once.
#include "fake_host.hpp"
#include "test_shop.hpp"

#include <invoicebox/plugin/link_dialog.hpp>
#include <invoicebox/plugin/link_service.hpp>
#include <invoicebox/plugin/suspense_service.hpp>

#include <invoicebox/protocol/notification.hpp>
#include <invoicebox/protocol/signature.hpp>

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
    /// A new service over the same store, as after a process restart. Completions of the old
    /// one still queued in the host are dropped by its `alive` guard, as a crash would.
    void restart() {
        service = std::make_unique<LinkService>(host);
        service->configure(settings());
    }
    LinkRecord create(bool mail) {
        CreateInput in{"F-1", "1000.00", "Предоплата", default_message_template(), "24h", mail, false};
        std::optional<CreateOutcome> out;
        service->create_link(in, StaffUser{"u-1", "Анна"}, [&](CreateOutcome o) { out = std::move(o); });
        host.run();
        BOOST_REQUIRE(out);
        BOOST_REQUIRE(out->link);
        return *out->link;
    }
    std::optional<NotificationOutcome> notify(const invoicebox::sim::Delivery& d) {
        std::optional<NotificationOutcome> out;
        service->handle_notification("notify", d.body, {{"Content-Type", "application/json"}, {"x-signature", d.signature}},
                                     [&](pr::NotificationReply, NotificationOutcome o) { out = o; });
        // Answered once its record is durable (a pms.store/2 completion): up to the answer only.
        host.run_until([&] { return out.has_value(); });
        return out;
    }
    invoicebox::sim::Delivery pay(const std::string& order_id) {
        auto r = host.sim_call("POST", "/__sim/orders/" + order_id + "/pay", "{}");
        BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
        auto ds = host.engine->take_deliveries();
        BOOST_REQUIRE(!ds.empty());
        return ds.front();
    }
    /// Start-up recovery: replays the outbox and reads InvoiceBox again.
    void recover() {
        service->poll_once(Actor::recovery);
        host.run();
    }
    std::size_t pending_effects() {
        std::size_t n = 0;
        host.store_scan("v1/outbox/", [&](std::string_view, std::string_view) {
            ++n;
            return true;
        });
        return n;
    }
    LinkRecord link(const std::string& moid) { return *service->repository().find(moid); }
};

} // namespace

BOOST_AUTO_TEST_SUITE(outbox)

BOOST_AUTO_TEST_CASE(a_store_failure_at_every_write_of_a_notification_ends_with_one_posting_and_one_alert) {
    int failures_reached = 0;
    for (int n = 1; n <= 50; ++n) {
        BOOST_TEST_CONTEXT("store write " << n << " fails") {
            Fixture f;
            const auto l = f.create(false);
            const auto d = f.pay(l.order_id);
            f.host.store_writes = 0;
            f.host.fail_write_at = n;
            const auto first = f.notify(d);
            f.host.run();
            const bool reached = f.host.store_writes >= n;
            f.host.fail_write_at = 0;
            if (!reached) {
                // Every write of the handling passed: the sweep is complete.
                BOOST_TEST(f.host.postings.size() == 1u);
                break;
            }
            ++failures_reached;
            // The process "restarts" over the same store; InvoiceBox delivers again when it
            // was not answered success, and recovery replays the outbox.
            f.restart();
            if (!first || int(first->code) != int(Code::success)) {
                const auto again = f.notify(d);
                BOOST_REQUIRE(again);
                BOOST_TEST(int(again->code) == int(Code::success));
            }
            f.host.run();
            f.recover();
            BOOST_TEST(f.host.postings.size() == 1u);
            BOOST_TEST(f.host.alerts.count("paid:" + l.order_id) == 1u); // one notification row
            BOOST_TEST(f.pending_effects() == 0u);
            BOOST_TEST(int(f.link(l.merchant_order_id).posting) == int(PostingState::posted));
            for (const auto& [key, p] : f.host.postings)
                BOOST_TEST(p.p.amount_minor == 100000);
        }
    }
    // The handling writes: the link with its post effect, then the outcome with the post
    // effect's removal (its alert is raised just before, not through the outbox). The sweep
    // must have failed each of them.
    BOOST_TEST(failures_reached == 2);
}

BOOST_AUTO_TEST_CASE(a_crash_after_the_posting_and_before_its_record_raises_the_alert_once) {
    Fixture f;
    const auto l = f.create(false);
    const auto d = f.pay(l.order_id);
    const auto out = f.notify(d);
    BOOST_REQUIRE(out);
    BOOST_TEST(int(out->code) == int(Code::success));
    // The posting is queued at the host: the service "dies" now, the host still posts.
    f.restart();
    f.host.run();
    BOOST_TEST(f.host.postings.size() == 1u);
    BOOST_TEST(f.host.alerts.count("paid:" + l.order_id) == 0u);
    BOOST_TEST(int(f.link(l.merchant_order_id).posting) == int(PostingState::pending));
    BOOST_TEST(f.pending_effects() == 1u);
    f.recover();
    BOOST_TEST(f.host.postings.size() == 1u);
    BOOST_REQUIRE(f.host.alerts.count("paid:" + l.order_id) == 1u);
    BOOST_TEST(f.host.alerts["paid:" + l.order_id].second == 1); // raised once
    BOOST_TEST(int(f.link(l.merchant_order_id).posting) == int(PostingState::posted));
    BOOST_TEST(f.pending_effects() == 0u);
    bool repeat_audited = false;
    for (const auto& a : f.link(l.merchant_order_id).audit)
        repeat_audited |= a.what.find("повтор без двойного проведения") != std::string::npos;
    BOOST_TEST(repeat_audited);
}

BOOST_AUTO_TEST_CASE(an_alert_the_host_refuses_stays_in_the_outbox_until_it_is_taken) {
    Fixture f;
    const auto l = f.create(false);
    const auto d = f.pay(l.order_id);
    f.host.refuse_alerts = true; // pms.notify/1 answers PMS_STORAGE_ERROR
    const auto out = f.notify(d);
    f.host.run();
    BOOST_REQUIRE(out);
    BOOST_TEST(int(out->code) == int(Code::success));
    BOOST_TEST(f.host.postings.size() == 1u);
    BOOST_TEST(int(f.link(l.merchant_order_id).posting) == int(PostingState::posted));
    BOOST_TEST(f.host.alerts.empty());
    BOOST_TEST(f.pending_effects() == 1u); // the alert, recorded with the outcome
    f.recover();                           // still refused: kept
    BOOST_TEST(f.pending_effects() == 1u);
    f.host.refuse_alerts = false;
    f.recover();
    BOOST_REQUIRE(f.host.alerts.count("paid:" + l.order_id) == 1u);
    BOOST_TEST(f.host.alerts["paid:" + l.order_id].second == 1);
    BOOST_TEST(f.pending_effects() == 0u);
    BOOST_TEST(f.host.postings.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_crash_after_the_mail_left_does_not_send_it_again) {
    Fixture f;
    CreateInput in{"F-1", "1000.00", "Предоплата", default_message_template(), "24h", true, false};
    f.service->create_link(in, StaffUser{"u-1", "Анна"}, [](CreateOutcome) {});
    // Run until the mail is handed to the host, then "crash" before its result is recorded.
    for (int i = 0; i < 10000 && f.host.outbox.empty() && !f.host.queue.empty(); ++i) {
        auto fn = std::move(f.host.queue.front());
        f.host.queue.pop_front();
        fn();
    }
    BOOST_REQUIRE(f.host.outbox.size() == 1u);
    f.restart();
    f.host.run();
    f.recover();
    f.recover();
    BOOST_TEST(f.host.outbox.size() == 1u); // at most once
    const auto links = f.service->repository().for_folio("F-1");
    BOOST_REQUIRE(links.size() == 1u);
    BOOST_TEST(int(links[0].mail) == int(MailState::failed)); // not confirmed: staff may resend
    BOOST_TEST(f.pending_effects() == 0u);
}

BOOST_AUTO_TEST_CASE(a_mail_recorded_but_not_yet_attempted_is_sent_after_a_restart) {
    Fixture f;
    // The mail effect is recorded with the create answer; the send fails to be marked attempted
    // (store write refused), so nothing left: the replay sends it, once.
    CreateInput in{"F-1", "1000.00", "Предоплата", default_message_template(), "24h", true, false};
    f.service->create_link(in, StaffUser{"u-1", "Анна"}, [](CreateOutcome) {});
    // The write that marks the mail attempted fails: the mail is not sent then.
    bool refused = false;
    f.host.fail_if = [&](const std::vector<StoreOp>& ops) {
        for (const auto& op : ops)
            if (op.key.starts_with("v1/outbox/") && op.value.find("\"attempted\":true") != std::string::npos)
                return refused = true;
        return false;
    };
    f.host.run();
    f.host.fail_if = nullptr;
    BOOST_TEST(refused);
    BOOST_TEST(f.host.outbox.empty());
    f.restart();
    f.recover();
    BOOST_TEST(f.host.outbox.size() == 1u);
    f.recover();
    BOOST_TEST(f.host.outbox.size() == 1u);
    BOOST_TEST(int(f.service->repository().for_folio("F-1").at(0).mail) == int(MailState::sent));
}

BOOST_AUTO_TEST_CASE(staff_post_a_suspense_entry_exactly_once) {
    Fixture f;
    SuspenseRecord s;
    s.order_id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    s.merchant_order_id = "SOMEONE-ELSE";
    s.amount_minor = 1234567;
    s.currency = "RUB";
    s.reason_code = "unknown_order";
    s.reason = "в PMS нет ссылки с номером «SOMEONE-ELSE»";
    s.received_at_ms = f.host.now - 1000;
    f.service->repository().save_suspense(s);
    SuspenseService suspense(*f.service);
    BOOST_TEST(suspense.unposted().size() == 1u);

    std::optional<SuspenseDecision> d;
    suspense.post_to_folio(s.order_id, "F-1", "  ", StaffUser{"u-9", "Бухгалтер"}, [&](SuspenseDecision x) { d = x; });
    BOOST_REQUIRE(d);
    BOOST_TEST(!d->transition);
    BOOST_TEST(d->field_errors.count("comment") == 1u);
    BOOST_TEST(f.host.post_calls == 0);

    d.reset();
    suspense.post_to_folio(s.order_id, "F-1", "гость оплатил по старой ссылке", StaffUser{"u-9", "Бухгалтер"},
                           [&](SuspenseDecision x) { d = x; });
    // A double click while the first is in flight is refused: one posting.
    std::optional<SuspenseDecision> d2;
    suspense.post_to_folio(s.order_id, "F-1", "ещё раз", StaffUser{"u-9", "Бухгалтер"}, [&](SuspenseDecision x) { d2 = x; });
    f.host.run();
    BOOST_REQUIRE(d);
    BOOST_TEST(d->transition.has_value());
    BOOST_TEST(d->message == "");
    BOOST_REQUIRE(d2);
    BOOST_TEST(!d2->transition);
    BOOST_REQUIRE(f.host.postings.size() == 1u);
    const auto& p = f.host.postings.begin()->second.p;
    BOOST_TEST(p.idempotency_key == suspense_idempotency_key(s.order_id));
    BOOST_TEST(p.amount_minor == 1234567); // what the guest paid
    BOOST_TEST(p.folio_id == "F-1");
    BOOST_TEST(suspense.unposted().empty());
    auto after = f.service->repository().find_suspense(s.order_id);
    BOOST_REQUIRE(after);
    BOOST_TEST(after->resolution == "posted");
    BOOST_TEST(after->resolved_by == "Бухгалтер (u-9)");
    BOOST_REQUIRE(after->audit.size() >= 2u);
    BOOST_TEST(int(after->audit.front().actor) == int(Actor::staff));
    BOOST_TEST(after->audit.front().who == "Бухгалтер (u-9)");
    // Replays change nothing.
    f.recover();
    BOOST_TEST(f.host.postings.size() == 1u);
    BOOST_TEST(f.pending_effects() == 0u);
}

BOOST_AUTO_TEST_CASE(the_account_staff_choose_is_read_and_refused_unless_open_and_in_the_currency) {
    Fixture f;
    auto with = [](std::string doc, const std::string& from, const std::string& to) {
        doc.replace(doc.find(from), from.size(), to);
        return doc;
    };
    const std::string open_doc = folio_doc;
    f.host.folios_by_id["F-1"] = open_doc;
    f.host.folios_by_id["F-2"] = with(with(open_doc, R"("folio_id":"F-1")", R"("folio_id":"F-2")"), R"("status":"open")",
                                      R"("status":"closed")");
    f.host.folios_by_id["F-3"] = with(with(open_doc, R"("folio_id":"F-1")", R"("folio_id":"F-3")"), R"("currency":"RUB")",
                                      R"("currency":"USD")");
    SuspenseRecord s;
    s.order_id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";
    s.merchant_order_id = "SOMEONE-ELSE";
    s.amount_minor = 500000;
    s.currency = "RUB";
    s.reason_code = "amount_mismatch";
    s.reason = "сумма не совпадает";
    s.received_at_ms = f.host.now - 1000;
    f.service->repository().save_suspense(s);
    SuspenseService suspense(*f.service);
    const StaffUser staff{"u-9", "Бухгалтер"};
    auto attempt = [&](const std::string& folio) {
        std::optional<SuspenseDecision> d;
        suspense.post_to_folio(s.order_id, folio, "оплата за другой счёт", staff, [&](SuspenseDecision x) { d = x; });
        f.host.run();
        BOOST_REQUIRE(d);
        return *d;
    };
    auto d = attempt("F-404");
    BOOST_TEST(!d.transition);
    BOOST_TEST(d.field_errors["folio_id"] == "Счёт F-404 не найден");
    d = attempt("F-2");
    BOOST_TEST(!d.transition);
    BOOST_TEST(d.field_errors["folio_id"].find("закрыт") != std::string::npos);
    d = attempt("F-3");
    BOOST_TEST(!d.transition);
    BOOST_TEST(d.field_errors["folio_id"].find("ведётся в USD") != std::string::npos);
    // A read that failed is not "no such account": no field blamed, nothing recorded.
    f.host.folio_read_status = PMS_STORAGE_ERROR;
    d = attempt("F-1");
    BOOST_TEST(!d.transition);
    BOOST_TEST(d.field_errors.empty());
    BOOST_TEST(d.message.find("Не удалось прочитать счёт F-1") != std::string::npos);
    BOOST_TEST(f.host.post_calls == 0);
    BOOST_TEST(suspense.unposted().size() == 1u);
    // The open account in the payment's currency, typed with stray spaces: posted there once.
    f.host.folio_read_status = PMS_OK;
    d = attempt(" F-1 ");
    BOOST_TEST(d.transition.has_value());
    BOOST_REQUIRE(f.host.postings.size() == 1u);
    BOOST_TEST(f.host.postings.begin()->second.p.folio_id == "F-1");
    BOOST_TEST(suspense.unposted().empty());
}

BOOST_AUTO_TEST_CASE(staff_close_a_suspense_entry_with_a_reason) {
    Fixture f;
    SuspenseRecord s;
    s.order_id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";
    s.amount_minor = 500;
    s.reason_code = "currency_mismatch";
    s.reason = "валюта: оплата 5,00 $";
    f.service->repository().save_suspense(s);
    SuspenseService suspense(*f.service);
    auto close = [&](const std::string& reason) {
        std::optional<SuspenseDecision> d;
        suspense.close(s.order_id, reason, StaffUser{"u-9", "Бухгалтер"}, [&](SuspenseDecision r) { d = std::move(r); });
        f.host.run();
        BOOST_REQUIRE(d);
        return *d;
    };
    auto refused = close("");
    BOOST_TEST(!refused.transition);
    BOOST_TEST(refused.field_errors.count("reason") == 1u);
    const int writes_before = f.host.store_writes;
    const int async_before = f.host.async_writes;
    auto ok = close("возвращено гостю в InvoiceBox");
    BOOST_TEST(ok.transition.has_value());
    BOOST_TEST(f.host.async_writes > async_before); // recorded through pms.store/2, no fsync on the strand
    BOOST_TEST(f.host.store_writes - writes_before == f.host.async_writes - async_before);
    BOOST_TEST(suspense.unposted().empty());
    BOOST_TEST(f.host.postings.empty());
    auto after = f.service->repository().find_suspense(s.order_id);
    BOOST_TEST(after->resolution == "closed");
    BOOST_TEST(after->resolution_comment == "возвращено гостю в InvoiceBox");
    // A later report of the same order does not reopen it.
    auto again = close("ещё раз");
    BOOST_TEST(!again.transition);

    // A decision that cannot be recorded is not taken, and staff are told.
    SuspenseRecord other = s;
    other.order_id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5e";
    f.service->repository().save_suspense(other);
    f.host.fail_writes = true;
    std::optional<SuspenseDecision> failed;
    suspense.close(other.order_id, "возвращено", StaffUser{"u-9", "Бухгалтер"}, [&](SuspenseDecision r) { failed = std::move(r); });
    f.host.run();
    f.host.fail_writes = false;
    BOOST_REQUIRE(failed);
    BOOST_TEST(!failed->transition);
    BOOST_TEST(failed->message == "Не удалось записать решение в базу PMS");
    BOOST_TEST(f.service->repository().find_suspense(other.order_id)->resolution.empty());
}

BOOST_AUTO_TEST_CASE(the_suspense_page_posts_through_its_form) {
    Fixture f;
    SuspenseRecord s;
    s.order_id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d";
    s.amount_minor = 700000;
    s.reason_code = "amount_mismatch";
    s.reason = "сумма заказа 7\u00A0000,00\u00A0₽ не совпадает с суммой ссылки 6\u00A0000,00\u00A0₽";
    s.folio_id = "F-1";
    f.service->repository().save_suspense(s);
    SuspenseService suspense(*f.service);
    const auto page = suspense.open_page();
    BOOST_TEST(page.find(s.order_id) != std::string::npos);
    BOOST_TEST(page.find("Провести на счёт…") != std::string::npos);
    std::string view;
    suspense.page_event(R"({"kind":"row_action","action":"post","table":"suspense","row_key":")" + s.order_id +
                            R"(","values":{},"staff":{"id":"u-9","name":"Бухгалтер"}})",
                        StaffUser{"u-9", "Бухгалтер"}, [&](std::string v) { view = v; });
    BOOST_TEST(view.find("\"name\":\"comment\"") != std::string::npos);
    suspense.page_event(R"({"kind":"button","action":"submit_post","values":{"order_id":")" + s.order_id +
                            R"(","folio_id":"F-1","amount":"7000.00","comment":"доплата за завтрак"}})",
                        StaffUser{"u-9", "Бухгалтер"}, [&](std::string v) { view = v; });
    f.host.run();
    BOOST_TEST(view.find("Платёж проведён на счёт F-1") != std::string::npos, view);
    BOOST_TEST(f.host.postings.size() == 1u);
}

BOOST_AUTO_TEST_CASE(open_suspense_pages_showing_the_list_get_every_change) {
    Fixture f;
    SuspenseService suspense(*f.service);
    f.service->on_suspense_changed = [&] { suspense.push_updates(); };
    suspense.page_opened("A"); // the list
    suspense.page_opened("B"); // will open a form
    suspense.page_opened("C"); // closed by the host without telling the plugin
    f.host.closed_pages.insert("C");

    // A payment in another currency arrives: a new unposted payment.
    const auto l = f.create(false);
    auto wrong = f.pay(l.order_id).body;
    const std::string rub = R"("currencyId":"RUB")";
    BOOST_REQUIRE(wrong.find(rub) != std::string::npos);
    wrong.replace(wrong.find(rub), rub.size(), R"("currencyId":"USD")");
    f.service->handle_notification("notify", wrong,
                                   {{"Content-Type", "application/json"}, {"x-signature", pr::sign(api_key, wrong)}},
                                   [](pr::NotificationReply, NotificationOutcome) {});
    f.host.run();
    BOOST_REQUIRE_EQUAL(suspense.unposted().size(), 1u);
    BOOST_REQUIRE(f.host.pushes_to("A") >= 1u);
    BOOST_TEST(f.host.last_push_to("A").find(l.order_id) != std::string::npos);
    BOOST_TEST(f.host.pushes_to("C") == 0u);
    BOOST_TEST(suspense.open_sessions() == 2u); // C forgotten once the host said it is closed

    // B opens «Провести на счёт…»: a change must not wipe what B is typing.
    std::string b_view;
    suspense.page_event(R"({"kind":"row_action","action":"close","table":"suspense","row_key":")" + l.order_id +
                            R"(","values":{}})",
                        StaffUser{"u-9", "Бухгалтер"}, [&](std::string v) { b_view = std::move(v); }, "B");
    BOOST_TEST(b_view.find("\"name\":\"reason\"") != std::string::npos, b_view);
    const auto b_before = f.host.pushes_to("B");
    const auto a_before = f.host.pushes_to("A");

    // Another staff member resolves it: A sees the list without it, B is left alone.
    std::optional<SuspenseDecision> closed;
    suspense.close(l.order_id, "возвращено гостю", StaffUser{"u-2", "Ольга"}, [&](SuspenseDecision d) { closed = std::move(d); });
    f.host.run();
    BOOST_REQUIRE(closed);
    BOOST_REQUIRE(closed->transition);
    BOOST_TEST(f.host.pushes_to("A") > a_before);
    BOOST_TEST(f.host.last_push_to("A").find(l.order_id) == std::string::npos);
    BOOST_TEST(f.host.last_push_to("A").find("Нераспределённые платежи") != std::string::npos);
    BOOST_TEST(f.host.pushes_to("B") == b_before);

    // Closed sessions get nothing more.
    suspense.page_closed("A");
    const auto total = f.host.page_pushes.size();
    suspense.push_updates();
    BOOST_TEST(f.host.page_pushes.size() == total);
}

BOOST_AUTO_TEST_CASE(each_link_row_opens_its_history) {
    Fixture f;
    const auto l = f.create(true);
    const auto d = f.pay(l.order_id);
    f.notify(d);
    f.host.run();
    LinkDialog dialog(*f.service);
    std::string view;
    dialog.open("vs-1", "F-1", [&](std::string v) { view = std::move(v); });
    f.host.run();
    BOOST_TEST(view.find(R"({"id":"history","label":"История"})") != std::string::npos, view);
    dialog.event("vs-1", "F-1", StaffUser{"u-1", "Анна"},
                 R"({"kind":"row_action","action":"history","table":"links","row_key":")" + l.merchant_order_id +
                     R"(","values":{}})",
                 [&](std::string v) { view = std::move(v); });
    for (const char* step : {"Создание ссылки на 1\u00A0000,00\u00A0₽", "Анна (u-1)", "Заказ создан в InvoiceBox",
                             "Письмо со ссылкой отправлено на ivan@example.org", "Оплачено 1\u00A0000,00\u00A0₽",
                             "уведомление InvoiceBox", "Платёж проведён в счёт 30682277",
                             "Уведомление сотрудникам: «Оплата по ссылке InvoiceBox»"})
        BOOST_TEST(view.find(step) != std::string::npos, step);
    // Another folio's session gets no trail of this link.
    dialog.open("vs-2", "F-2", [&](std::string) {});
    f.host.run();
    dialog.event("vs-2", "F-2", StaffUser{"u-2", "Борис"},
                 R"({"kind":"row_action","action":"history","table":"links","row_key":")" + l.merchant_order_id +
                     R"(","values":{}})",
                 [&](std::string v) { view = std::move(v); });
    BOOST_TEST(view.find("Создание ссылки") == std::string::npos);
    BOOST_TEST(view.find("История недоступна") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
