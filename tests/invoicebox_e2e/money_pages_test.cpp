// Issue 9 through the real host (which validates every view the plugin sends):
//  - «История» of a paid link shows its trail: created by whom, the order, the payment, the
//    posting and the staff alert;
//  - «Нераспределённые платежи» as `accountant`: a payment InvoiceBox reports for an order the
//    PMS does not know appears on the page, is posted to a chosen account with a comment, once
//    (a second submit is refused), and `front_desk` does not see the page.
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

using namespace ibe2e;

namespace {

Reply deliver(World& w, const std::string& body) {
    pms::net::Headers h{{"Content-Type", "application/json"}, {"X-Signature", sign(api_key, body)}};
    return w.http.request("POST", w.hook_url(), body, h, 15s);
}

std::string page_url(World& w, const std::string& rest = "") {
    return w.api("/pages/" + std::string(plugin_id) + "/suspense" + rest);
}

} // namespace

BOOST_AUTO_TEST_SUITE(money_pages)

BOOST_AUTO_TEST_CASE(history_of_a_paid_link) {
    World w;
    w.start_host();
    w.map_payment_kind();
    auto v = w.click();
    auto made = w.create_link(v.session, "7000.00", false);
    BOOST_REQUIRE_MESSAGE(made.reply.status == 200, made.reply.describe());
    const auto order = w.sim_orders().at(0);
    const std::string moid(order.at("merchantOrderId").as_string());
    w.sim_pay(std::string(order.at("id").as_string()));
    BOOST_REQUIRE(World::wait_until([&] { return w.payments().size() == 1u && w.count_paid_notifications() == 1u; }, 30s));
    v = w.click();
    auto h = w.event(v.session, json::object{{"kind", "row_action"}, {"action", "history"}, {"table", "links"},
                                             {"row_key", moid}, {"values", json::object{}}});
    BOOST_REQUIRE_MESSAGE(h.reply.status == 200, h.reply.describe());
    // The whole document: all_text() reads only the cells it knows (status, link, …).
    const auto text = json::serialize(h.view);
    for (const char* step : {"Создание ссылки на 7\u00A0000,00\u00A0₽", "Заказ создан в InvoiceBox", "Оплачено 7\u00A0000,00\u00A0₽",
                             "Платёж проведён в счёт 30682277", "Уведомление сотрудникам: «Оплата по ссылке InvoiceBox»"})
        BOOST_CHECK_MESSAGE(text.find(step) != std::string::npos, std::string("history lacks «") + step + "»: " + text);
    auto back = w.event(v.session, json::object{{"action", "back"}, {"values", json::object{}}});
    BOOST_CHECK_EQUAL(World::link_rows(back.view).size(), 1u);
}

BOOST_AUTO_TEST_CASE(an_accountant_posts_an_unknown_payment_once) {
    World w;
    w.start_host();
    w.map_payment_kind();
    const auto balance0 = w.balance_due();
    const std::string order_id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    const std::string body = R"({"id":")" + order_id + R"(","merchantId":")" + std::string(merchant_id) +
                             R"(","merchantOrderId":"FOREIGN-1","status":"completed","amount":1234.5,"currencyId":"RUB"})";
    auto r = deliver(w, body);
    BOOST_CHECK_MESSAGE(r.status == 200 && r.json.is_object() && r.json.as_object().contains("code") &&
                            r.json.at("code").as_string() == "order_not_found",
                        r.describe());

    // front_desk does not see the page.
    w.sign_in("frontdesk");
    auto pages = w.http.get(w.api("/pages"));
    BOOST_REQUIRE_MESSAGE(pages.status == 200, pages.describe());
    BOOST_CHECK(pages.json.at("pages").as_array().empty());

    w.sign_in("accountant");
    pages = w.http.get(w.api("/pages"));
    BOOST_REQUIRE_MESSAGE(pages.status == 200, pages.describe());
    bool listed = false;
    for (const auto& p : pages.json.at("pages").as_array())
        listed |= p.at("page_id").as_string() == "suspense" && p.at("title").as_string() == "Нераспределённые платежи";
    BOOST_REQUIRE_MESSAGE(listed, pages.describe());

    auto open = w.http.post(page_url(w, "/open"), json::object{});
    BOOST_REQUIRE_MESSAGE(open.status == 200, open.describe());
    const std::string session(open.json.at("session_id").as_string());
    BOOST_CHECK(json::serialize(open.json.at("view")).find(order_id) != std::string::npos);
    auto event = [&](json::object ev) { return w.http.post(page_url(w, "/views/" + session + "/events"), ev); };
    auto form = event(json::object{{"kind", "row_action"}, {"action", "post"}, {"table", "suspense"},
                                   {"row_key", order_id}, {"values", json::object{}}});
    BOOST_REQUIRE_MESSAGE(form.status == 200, form.describe());
    const json::object values{{"order_id", order_id}, {"folio_id", w.folio_id()}, {"amount", "1234.50"},
                              {"comment", "Гость оплатил бронь по старой ссылке"}};
    auto posted = event(json::object{{"kind", "button"}, {"action", "submit_post"}, {"values", values}});
    BOOST_REQUIRE_MESSAGE(posted.status == 200, posted.describe());
    BOOST_CHECK_MESSAGE(World::all_text(posted.json.at("view")).find("Платёж проведён на счёт") != std::string::npos,
                        posted.describe());
    // A second submit of the same form (a double click, an old tab) posts nothing more.
    auto again = event(json::object{{"kind", "button"}, {"action", "submit_post"}, {"values", values}});
    BOOST_CHECK_EQUAL(again.status, 200);

    const auto pays = w.payments();
    BOOST_REQUIRE_EQUAL(pays.size(), 1u);
    BOOST_CHECK(std::string(pays[0].at("idempotency_key").as_string()).find("suspense:" + order_id) != std::string::npos);
    BOOST_CHECK_EQUAL(pays[0].at("amount_minor").to_number<std::int64_t>(), 123450);
    BOOST_CHECK_EQUAL(w.balance_due(), balance0 - 123450);
    // The page no longer lists it.
    auto reopened = w.http.post(page_url(w, "/open"), json::object{});
    BOOST_REQUIRE_EQUAL(reopened.status, 200);
    BOOST_CHECK(json::serialize(reopened.json.at("view")).find(order_id) == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
