// The unposted-payments page and decisions (suspense_service.hpp), pure: the view document, its
// events, «Провести на счёт…» and «Закрыть без проведения» and the host's answers to a posting.
#include <invoicebox/plugin/suspense_service.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

using namespace invoicebox::plugin;
namespace bj = boost::json;

namespace {

constexpr std::int64_t now = 1747047780000; // 2025-05-12T11:03:00Z, 14:03 in UTC+3

SuspenseRecord entry() {
    SuspenseRecord s;
    s.order_id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    s.merchant_order_id = "ABC234-F-1-3";
    s.folio_id = "F-1";
    s.amount_minor = 700050;
    s.currency = "RUB";
    s.reason_code = "currency_mismatch";
    s.reason = "валюта: оплата 7 000,50 $ в валюте USD, а ссылка в RUB";
    s.received_at_ms = now;
    s.business_date = "12.05.2025";
    return s;
}

} // namespace

BOOST_AUTO_TEST_SUITE(suspense_page)

BOOST_AUTO_TEST_CASE(the_list_shows_reason_amount_order_folio_and_time) {
    SuspensePageModel m;
    m.items = {entry()};
    m.offset_minutes = 180;
    const auto doc = bj::parse(render_suspense_page(m)).as_object();
    BOOST_TEST(doc.at("schema").as_string() == "pms.view/1");
    BOOST_TEST(doc.at("title").as_string() == "Нераспределённые платежи");
    const auto& table = doc.at("elements").as_array().at(0).as_object();
    BOOST_TEST(table.at("type").as_string() == "table");
    const auto& row = table.at("rows").as_array().at(0).as_object();
    BOOST_TEST(row.at("key").as_string() == entry().order_id);
    const auto& cells = row.at("cells").as_object();
    BOOST_TEST(cells.at("time").as_string() == "12.05.2025 14:03");
    BOOST_TEST(std::string(cells.at("reason").at("text").as_string()).rfind("валюта: ", 0) == 0u);
    BOOST_TEST(cells.at("amount").as_string() == "7\u00A0000,50\u00A0₽");
    BOOST_TEST(cells.at("order").as_string() == entry().order_id + " (ABC234-F-1-3)");
    BOOST_TEST(cells.at("folio").as_string() == "F-1");
    const auto& actions = row.at("actions").as_array();
    BOOST_REQUIRE(actions.size() == 2u);
    BOOST_TEST(actions[0].at("id").as_string() == "post");
    BOOST_TEST(actions[0].at("label").as_string() == "Провести на счёт…");
    BOOST_TEST(actions[1].at("id").as_string() == "close");
    BOOST_TEST(actions[1].at("label").as_string() == "Закрыть без проведения");
}

BOOST_AUTO_TEST_CASE(an_empty_list_says_so) {
    const auto doc = bj::parse(render_suspense_page({})).as_object();
    const auto& table = doc.at("elements").as_array().at(0).as_object();
    BOOST_TEST(table.at("rows").as_array().empty());
    BOOST_TEST(table.at("empty_text").as_string() == "Нет неразнесённых платежей");
}

BOOST_AUTO_TEST_CASE(the_post_form_asks_for_account_and_comment_and_shows_errors) {
    SuspensePageModel m;
    m.items = {entry()};
    m.form = "post";
    m.form_order_id = entry().order_id;
    m.errors["comment"] = "Укажите комментарий";
    const auto text = render_suspense_page(m);
    const auto doc = bj::parse(text).as_object();
    const bj::object* form = nullptr;
    for (const auto& e : doc.at("elements").as_array())
        if (e.as_object().at("type").as_string() == "form")
            form = &e.as_object();
    BOOST_REQUIRE(form);
    std::map<std::string, bj::object> fields;
    for (const auto& f : form->at("fields").as_array())
        fields[std::string(f.at("name").as_string())] = f.as_object();
    BOOST_TEST(fields.at("folio_id").at("value").as_string() == "F-1");
    BOOST_TEST(fields.at("folio_id").at("required").as_bool());
    BOOST_TEST(fields.at("amount").at("value").as_string() == "7000.50"); // what the guest paid
    BOOST_TEST(fields.at("amount").at("readonly").as_bool());
    BOOST_TEST(fields.at("comment").at("required").as_bool());
    BOOST_TEST(fields.at("comment").at("error").as_string() == "Укажите комментарий");
    BOOST_TEST(doc.at("buttons").as_array().at(0).at("id").as_string() == "submit_post");
}

BOOST_AUTO_TEST_CASE(events_are_read_from_the_view_event_document) {
    auto ev = parse_suspense_event(R"({"schema":"pms.view-event/1","page_id":"suspense","kind":"row_action",
        "action":"close","table":"suspense","row_key":"ord-1","values":{},"staff":{"id":"u-9","name":"Бухгалтер"}})");
    BOOST_TEST(int(ev.kind) == int(SuspensePageEvent::Kind::open_close));
    BOOST_TEST(ev.order_id == "ord-1");
    BOOST_TEST(ev.staff_name == "Бухгалтер");
    ev = parse_suspense_event(R"({"kind":"button","action":"submit_post","values":{"order_id":"ord-1","folio_id":"F-2","comment":"x"}})");
    BOOST_TEST(int(ev.kind) == int(SuspensePageEvent::Kind::submit_post));
    BOOST_TEST(ev.order_id == "ord-1");
    BOOST_TEST(ev.values["folio_id"] == "F-2");
    BOOST_TEST(int(parse_suspense_event("not json").kind) == int(SuspensePageEvent::Kind::unknown));
    BOOST_TEST(int(parse_suspense_event(R"({"kind":"button","action":"launch"})").kind) ==
               int(SuspensePageEvent::Kind::unknown));
}

BOOST_AUTO_TEST_CASE(post_needs_an_open_account_and_a_comment) {
    const auto s = entry();
    auto d = decide_post(s, "", false, false, "x", "Бухгалтер (u-9)", now);
    BOOST_TEST(d.field_errors.count("folio_id") == 1u);
    d = decide_post(s, "F-9", false, false, "x", "Бухгалтер (u-9)", now);
    BOOST_TEST(d.field_errors.at("folio_id") == "Счёт F-9 не найден");
    d = decide_post(s, "F-1", true, true, "x", "Бухгалтер (u-9)", now);
    BOOST_TEST(d.field_errors.at("folio_id").find("закрыт") != std::string::npos);
    d = decide_post(s, "F-1", true, false, " \n", "Бухгалтер (u-9)", now);
    BOOST_TEST(d.field_errors.count("comment") == 1u);
    BOOST_TEST(!d.transition);
    d = decide_post(s, "F-1", true, false, "оплата за другой номер", "Бухгалтер (u-9)", now);
    BOOST_REQUIRE(d.transition);
    BOOST_REQUIRE(d.transition->effects.size() == 1u);
    const auto& e = d.transition->effects[0];
    BOOST_TEST(int(e.kind) == int(Effect::Kind::post_payment));
    BOOST_TEST(e.owner == suspense_owner(s.order_id));
    BOOST_TEST(e.posting.idempotency_key == "ru.invoicebox.pms.payment-link:suspense:" + s.order_id);
    BOOST_TEST(e.posting.amount_minor == 700050);
    BOOST_TEST(d.transition->suspense->resolution == "posting");
    BOOST_TEST(!d.transition->suspense->resolved); // not yet: the posting decides
    BOOST_TEST(int(d.transition->suspense->audit.back().actor) == int(Actor::staff));
    // Posting already chosen: a second decision is refused.
    auto again = decide_post(*d.transition->suspense, "F-1", true, false, "ещё", "Другой (u-2)", now);
    BOOST_TEST(!again.transition);
    auto close = decide_close(*d.transition->suspense, std::nullopt, "передумал", "Другой (u-2)", now);
    BOOST_TEST(!close.transition);
}

BOOST_AUTO_TEST_CASE(the_hosts_answer_to_a_staff_posting) {
    auto s = *decide_post(entry(), "F-2", true, false, "к", "Бухгалтер (u-9)", now).transition->suspense;
    LinkRecord link;
    link.merchant_order_id = "ABC234-F-1-3";
    link.order_id = entry().order_id;
    link.posting = PostingState::suspense;
    PostingResult r;
    r.posting_id = "P-5";
    BOOST_TEST(!apply_suspense_posting(s, link, PostOutcome::failed, r, now)); // retried later
    auto ok = apply_suspense_posting(s, link, PostOutcome::posted, r, now);
    BOOST_REQUIRE(ok);
    BOOST_TEST(ok->suspense->resolution == "posted");
    BOOST_TEST(ok->suspense->resolved);
    BOOST_TEST(ok->suspense->posting_id == "P-5");
    BOOST_REQUIRE(ok->link);
    BOOST_TEST(int(ok->link->posting) == int(PostingState::posted));
    BOOST_TEST(ok->link->audit.back().who == "Бухгалтер (u-9)");
    BOOST_TEST(int(ok->effects.at(0).kind) == int(Effect::Kind::resolve_alert));
    auto refused = apply_suspense_posting(s, link, PostOutcome::folio_closed, r, now);
    BOOST_REQUIRE(refused);
    BOOST_TEST(refused->suspense->resolution == ""); // open again, staff may choose another account
    BOOST_TEST(!refused->suspense->resolved);
    BOOST_TEST(!refused->link);
}

BOOST_AUTO_TEST_SUITE_END()
