// Scenario 1: the full flow through the real processes — configure, create a link with and
// without «Отправить пользователю», pay on the simulator, one posting with the mapped type, one
// staff notification, «Оплачен» in the dialog.
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

using namespace ibe2e;

BOOST_AUTO_TEST_SUITE(full_flow)

// The shipped plugins folder as it is: the host must load the plugin from its own
// pms.plugin-manifest/1 (plugin_api/schema/plugin-manifest-v1.md) and activate it.
BOOST_AUTO_TEST_CASE(plugin_loads_from_its_shipped_manifest) {
    World w;
    HostStart s;
    bool started = false;
    std::string why;
    try {
        started = w.start_host(s);
    } catch (const std::exception& e) {
        why = e.what();
    }
    BOOST_REQUIRE_MESSAGE(started, "pms-host does not start with the shipped plugins folder and --enable " +
                                       std::string(plugin_id) + ":1:\n" + why);
    auto r = w.http.get(w.host_url() + "/api/plugins");
    BOOST_REQUIRE_EQUAL(r.status, 200);
    bool active = false;
    for (const auto& p : r.json.at("plugins").as_array())
        if (p.at("id").as_string() == plugin_id && p.at("state").as_string() == "loaded")
            for (const auto& prop : p.at("properties").as_array())
                if (prop.at("property_id").as_string() == "1" && prop.at("instance").is_object() &&
                    prop.at("instance").at("state").as_string() == "active")
                    active = true;
    BOOST_CHECK_MESSAGE(active, "the plugin is not loaded and active: " + r.body);
}

BOOST_AUTO_TEST_CASE(configure_create_mail_pay_post_once) {
    World w;
    w.start_host();
    w.map_payment_kind();

    // The plugin is active and configured: the button is enabled on the folio.
    auto buttons = w.http.request("GET", w.api("/folios/" + w.folio_id() + "/buttons"), {}, {}, 10s);
    BOOST_CHECK_MESSAGE(buttons.status == 200, "GET /api/properties/1/folios/" + w.folio_id() + "/buttons: " + buttons.describe());
    bool enabled = false;
    if (buttons.status == 200)
        for (const auto& b : buttons.json.at("buttons").as_array())
            if (b.at("plugin_id").as_string() == plugin_id && b.at("button_id").as_string() == button_id)
                enabled = b.at("enabled").as_bool();
    BOOST_CHECK_MESSAGE(enabled, "InvoiceBox button not listed as enabled: " + buttons.body);

    // «Проверить подключение» against the simulator with the saved secrets.
    auto check = w.http.post(w.api("/plugins/" + std::string(plugin_id) + "/settings/actions/check_connection"),
                             json::object{{"values", json::object{{"merchant_id", merchant_id},
                                                                  {"api_base_url", w.sim_url()},
                                                                  {"notification_url", w.hook_url()}}}});
    BOOST_CHECK_MESSAGE(check.status == 200 && check.json.at("ok").as_bool(), "check_connection: " + check.describe());

    const auto balance0 = w.balance_due();
    BOOST_REQUIRE_GT(balance0, 2'550'000);

    auto v = w.click();
    BOOST_CHECK_MESSAGE(World::all_text(v.view).find("Платежные ссылки InvoiceBox") != std::string::npos, v.reply.body);

    // The create form's defaults: the unpaid balance and the description of the issue.
    auto form = w.open_create_form(v.session);
    const auto form_text = json::serialize(form.view);
    BOOST_CHECK_MESSAGE(form_text.find("Предоплата по заявке №471887 и номеру счёта 30682277") != std::string::npos,
                        "default description: " + form_text);

    // 1. WITH «Отправить пользователю»: 15 500,00 ₽, mailed to the main guest.
    auto a = w.create_link(v.session, "15500.00", true);
    BOOST_REQUIRE_MESSAGE(a.reply.status == 200, "create A: " + a.reply.describe());
    auto rows = World::link_rows(a.view);
    BOOST_REQUIRE_MESSAGE(rows.size() == 1, "one link after the first create: " + a.reply.body);
    const std::string moid_a = std::string(rows[0].at("key").as_string());
    const std::string url_a = std::string(rows[0].at("cells").at("link").as_string());
    BOOST_CHECK_EQUAL(World::status_of(rows[0]).rfind("Создан", 0), 0u);
    auto order_a = w.sim_order_by_moid(moid_a);
    BOOST_REQUIRE_MESSAGE(order_a, "no simulator order for " + moid_a);
    BOOST_CHECK_EQUAL(std::string(order_a->at("paymentUrl").as_string()), url_a);
    BOOST_CHECK_EQUAL(order_a->at("amount").to_number<double>(), 15500.0);

    BOOST_REQUIRE_MESSAGE(World::wait_until([&] { return w.outbox_files().size() == 1; }, 10s),
                          "expected exactly one mail in the outbox, found " + std::to_string(w.outbox_files().size()));
    const auto mail = read_mail(w.outbox_files().front());
    const auto booking = w.http.get(w.api("/bookings/471887"));
    const std::string guest_email = std::string(booking.json.at("main_guest").at("email").as_string());
    const std::string guest_name = std::string(booking.json.at("main_guest").at("name").as_string());
    BOOST_CHECK_MESSAGE(mail.to.find(guest_email) != std::string::npos, "To: " + mail.to);
    BOOST_CHECK_MESSAGE(mail.text.find(url_a) != std::string::npos, "mail lacks the link:\n" + mail.text);
    // The rendered default template: guest name, amount, booking, folio, no placeholder left.
    BOOST_CHECK_MESSAGE(mail.text.find("Здравствуйте, " + guest_name) != std::string::npos, mail.text);
    BOOST_CHECK_MESSAGE(mail.text.find("15\u00A0500,00") != std::string::npos, mail.text);
    BOOST_CHECK_MESSAGE(mail.text.find("471887") != std::string::npos, mail.text);
    BOOST_CHECK_MESSAGE(mail.text.find("30682277") != std::string::npos, mail.text);
    BOOST_CHECK_MESSAGE(mail.text.find('{') == std::string::npos, "unrendered placeholder:\n" + mail.text);

    // 2. WITHOUT «Отправить пользователю»: 10 000,00 ₽, nothing mailed.
    auto b = w.create_link(v.session, "10000.00", false);
    BOOST_REQUIRE_MESSAGE(b.reply.status == 200, "create B: " + b.reply.describe());
    rows = World::link_rows(b.view);
    BOOST_REQUIRE_EQUAL(rows.size(), 2u);
    std::string moid_b;
    for (const auto& r : rows)
        if (r.at("key").as_string() != moid_a)
            moid_b = std::string(r.at("key").as_string());
    BOOST_REQUIRE(!moid_b.empty());
    BOOST_CHECK_NE(moid_a, moid_b);
    std::this_thread::sleep_for(1s); // give a wrongly queued mail a chance to appear
    BOOST_CHECK_EQUAL(w.outbox_files().size(), 1u);
    BOOST_CHECK_EQUAL(w.sim_orders().size(), 2u);

    // 3. Pay A on the simulator: one payment with the mapped category/type and the amount.
    w.sim_pay(std::string(order_a->at("id").as_string()));
    BOOST_REQUIRE_MESSAGE(World::wait_until([&] { return !w.payments().empty(); }, 15s),
                          "no payment posted after the notification; host log:\n" + w.host_log().substr(0, 4000));
    std::this_thread::sleep_for(500ms);
    auto pays = w.payments();
    BOOST_REQUIRE_EQUAL(pays.size(), 1u);
    BOOST_CHECK_EQUAL(pays[0].at("amount_minor").to_number<std::int64_t>(), 1'550'000);
    BOOST_CHECK_EQUAL(std::string(pays[0].at("currency").as_string()), "RUB");
    BOOST_CHECK_EQUAL(std::string(pays[0].at("category").at("name").as_string()), "Безналичный расчёт");
    BOOST_CHECK_EQUAL(std::string(pays[0].at("type").at("name").as_string()), "Онлайн-оплата (ссылка)");
    BOOST_CHECK_EQUAL(std::string(pays[0].at("posted_by_plugin").as_string()), plugin_id);
    BOOST_CHECK_MESSAGE(std::string(pays[0].at("idempotency_key").as_string()).find(std::string(order_a->at("id").as_string())) !=
                            std::string::npos,
                        "idempotency key without the InvoiceBox order id: " + json::serialize(pays[0]));
    BOOST_CHECK_EQUAL(w.balance_due(), balance0 - 1'550'000);

    // Exactly one staff notification «Получена оплата …» naming the amount, account and booking.
    BOOST_REQUIRE(World::wait_until([&] { return w.count_paid_notifications() >= 1; }, 5s));
    BOOST_CHECK_EQUAL(w.count_paid_notifications(), 1u);
    std::string paid_text;
    for (const auto& n : w.notifications())
        if (std::string(n.at("body").as_string()).find("Получена оплата") != std::string::npos)
            paid_text = std::string(n.at("body").as_string());
    BOOST_CHECK_MESSAGE(paid_text.find("15\u00A0500,00\u00A0₽") != std::string::npos && paid_text.find("30682277") != std::string::npos &&
                            paid_text.find("471887") != std::string::npos,
                        "notification text: " + paid_text);

    // The sim counts the notification delivered with {"status":"success"}.
    auto notes = w.sim_notifications(std::string(order_a->at("id").as_string()));
    bool delivered = false;
    for (const auto& n : notes)
        if (n.at("outcome").as_string() == "delivered")
            delivered = true;
    BOOST_CHECK_MESSAGE(delivered, "sim notifications: " + json::serialize(json::value_from(notes)));

    // 4. «Обновить статус ссылок» shows A «Оплачен», B still «Создан».
    auto r = w.refresh(v.session);
    BOOST_REQUIRE_MESSAGE(r.reply.status == 200, "refresh: " + r.reply.describe());
    for (const auto& row : World::link_rows(r.view)) {
        const auto st = World::status_of(row);
        if (row.at("key").as_string() == moid_a)
            BOOST_CHECK_MESSAGE(st.rfind("Оплачен", 0) == 0 && st.find("проводится") == std::string::npos, "A: " + st);
        else
            BOOST_CHECK_MESSAGE(st.rfind("Создан", 0) == 0, "B: " + st);
    }
    // Still one payment and one notification after the refresh.
    BOOST_CHECK_EQUAL(w.payments().size(), 1u);
    BOOST_CHECK_EQUAL(w.count_paid_notifications(), 1u);
    BOOST_CHECK_EQUAL(w.sim_orders().size(), 2u);
}

BOOST_AUTO_TEST_SUITE_END()
