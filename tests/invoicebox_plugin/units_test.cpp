// Pure pieces: formatting, template, settings, basket, views.
#include <invoicebox/plugin/api_client.hpp>
#include <invoicebox/plugin/applied_notifications.hpp>
#include <invoicebox/plugin/formatting.hpp>
#include <invoicebox/plugin/in_flight_window.hpp>
#include <invoicebox/plugin/link_record.hpp>
#include <invoicebox/plugin/message_template.hpp>
#include <invoicebox/plugin/receipt_basket.hpp>
#include <invoicebox/plugin/settings.hpp>
#include <invoicebox/plugin/views.hpp>

#include <invoicebox/protocol/basket.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <set>

using namespace invoicebox::plugin;
namespace pr = invoicebox::protocol;

namespace {

Folio sample_folio() {
    Folio f;
    f.folio_id = "F-1";
    f.folio_number = "30682277";
    f.booking_number = "471887";
    f.arrival = "2025-05-12";
    f.departure = "2025-05-14";
    f.guest_name = "Иван Петров";
    f.guest_email = "ivan@example.org";
    f.lines = {{"L1", "2025-05-12", "Проживание, стандарт", "2", 650000, 1300000, "vat20", "accommodation"},
               {"L2", "2025-05-13", "Завтрак", "2", 125000, 250000, "vat10", "food"}};
    f.charges_minor = 1550000;
    f.balance_due_minor = 1550000;
    return f;
}

} // namespace

BOOST_AUTO_TEST_SUITE(units)

BOOST_AUTO_TEST_CASE(money_and_dates_in_russian) {
    BOOST_TEST(format_money_ru(6768000) == "67\u00A0680,00\u00A0₽");
    BOOST_TEST(format_money_ru(5) == "0,05\u00A0₽");
    BOOST_TEST(format_money_ru(155050, "EUR") == "1\u00A0550,50\u00A0EUR");
    BOOST_TEST(format_decimal(1550000) == "15500.00");
    BOOST_TEST(parse_decimal_minor("15500.5").value() == 1550050);
    BOOST_TEST(parse_decimal_minor("15500,05").value() == 1550005);
    BOOST_TEST(!parse_decimal_minor("1.234"));
    BOOST_TEST(!parse_decimal_minor("-1"));
    BOOST_TEST(!parse_decimal_minor(""));
    // 2025-05-12T11:03:00Z at +03:00
    BOOST_TEST(format_local_datetime(1747047780000, 180) == "12.05.2025 14:03");
}

BOOST_AUTO_TEST_CASE(template_placeholders) {
    MessageValues v{"Анна", "15\u00A0500,00\u00A0₽", "https://pay/x", "13.05.2025 12:00", "1001/1", "1001", "Берёзка"};
    const auto text = render_message("{guest_name}: {amount} {link} до {expiry}, {folio}/{booking} {hotel} {unknown} {{x}}", v);
    BOOST_TEST(text == "Анна: 15\u00A0500,00\u00A0₽ https://pay/x до 13.05.2025 12:00, 1001/1/1001 Берёзка {unknown} {x}");
}

BOOST_AUTO_TEST_CASE(the_request_budget_is_one_setting_for_every_shop_and_zero_is_off) {
    // Issue 14: the plugin's limit was fixed at 100 per 30 s, so an account with another agreed
    // limit (or the bench's simulator without one) could not be served at its speed.
    const std::string base = R"({"legal_entity_id":"le1","merchant_id":"3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f","api_token":"t","api_key":"k",
        "notification_url":"http://127.0.0.1/hooks/x/hotel-1/notify","legal_entities":[{"legal_entity_id":"le2","merchant_id":"11111111-2222-3333-4444-555555555555","api_token":"t2","api_key":"k2"}])";
    auto with = [&](std::string limit) { return base + (limit.empty() ? "" : ",\"rate_limit_requests\":" + limit) + "}"; };
    const auto schema = boost::json::parse(settings_schema_json()).as_object();
    BOOST_TEST(schema.at("properties").at("rate_limit_requests").at("default").as_int64() == 100);
    BOOST_TEST(schema.at("properties").at("rate_limit_requests").at("minimum").as_int64() == 0);
    auto unset = parse_settings(with(""));
    BOOST_REQUIRE(unset);
    BOOST_TEST(unset->shop.requests_per_30s == 100u);
    auto off = parse_settings(with("0"));
    BOOST_REQUIRE(off);
    BOOST_TEST(off->shop.requests_per_30s == 0u);
    BOOST_TEST(off->overrides.at(0).requests_per_30s == 0u);
    auto agreed = parse_settings(with("250"));
    BOOST_TEST(agreed->overrides.at(0).requests_per_30s == 250u);
    BOOST_TEST(!validate_settings(with("0")));
    BOOST_TEST(!validate_settings(with("250")));
    for (const char* bad : {"-1", "100001", "1.5", "\"100\"", "true"}) {
        const auto errors = validate_settings(with(bad));
        BOOST_REQUIRE_MESSAGE(errors, bad);
        BOOST_TEST(boost::json::parse(*errors).at("fields").as_object().contains("/rate_limit_requests"), bad);
        // A bad value in the store is InvoiceBox's default, never "off".
        BOOST_TEST(parse_settings(with(bad))->shop.requests_per_30s == 100u, bad);
    }
    // A changed budget gives new clients a new limiter; the same budget shares one.
    const auto a = rate_limiter_for("acc-budget", 100);
    BOOST_TEST(rate_limiter_for("acc-budget", 100) == a);
    const auto b = rate_limiter_for("acc-budget", 0);
    BOOST_TEST(b != a);
    BOOST_TEST(b->max_requests() == 0u);
}

BOOST_AUTO_TEST_CASE(settings_schema_and_validation) {
    auto schema = boost::json::parse(settings_schema_json()).as_object();
    BOOST_TEST(schema.at("properties").at("api_token").at("x-secret").as_bool());
    BOOST_TEST(schema.at("properties").at("api_key").at("x-secret").as_bool());
    BOOST_TEST(schema.at("x-actions").at(0).at("label").as_string() == "Проверить подключение");
    auto errors = validate_settings(R"({"merchant_id":"nope","api_flavour":"v3","api_token":"12345-API:abc"})");
    BOOST_REQUIRE(errors);
    auto e = boost::json::parse(*errors).at("fields").as_object();
    BOOST_TEST(e.contains("/merchant_id"));
    BOOST_TEST(e.contains("/api_key"));
    BOOST_TEST(e.contains("/api_flavour")); // an L3 token with v3
    BOOST_TEST(e.contains("/notification_url"));
    BOOST_TEST(!validate_settings(R"({"legal_entity_id":"le1","merchant_id":"3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f","api_token":"t","api_key":"k",
        "notification_url":"http://127.0.0.1/hooks/x/hotel-1/notify"})"));
    auto s = parse_settings(R"({"legal_entity_id":"le1","merchant_id":"m","notification_url":"http://h/n/","legal_entities":[{"legal_entity_id":"le2","merchant_id":"m2","api_token":"t2","api_key":"k2"}]})");
    BOOST_REQUIRE(s);
    BOOST_TEST(notification_url_for(*s, s->overrides[0]) == "http://h/n/le/le2");
    // The main shop keeps the route without "/le/": orders created before it named its company carry it.
    BOOST_TEST(notification_url_for(*s, s->shop) == "http://h/n");
    BOOST_TEST(route_of_path("notify/le/le2").value() == "le2");
    BOOST_TEST(route_of_path("notify").value() == "");
    s->shop.api_token = "t";
    s->shop.api_key = "k";
    BOOST_TEST_REQUIRE(s->shop_for("le2"));
    BOOST_TEST(s->shop_for("le2")->merchant_id == "m2");
    BOOST_TEST_REQUIRE(s->shop_for("le1"));
    BOOST_TEST(s->shop_for("le1")->merchant_id == "m");
    BOOST_TEST(s->configured());
}

// Architecture §7: a company without its own shop gets no link, never the main shop's.
BOOST_AUTO_TEST_CASE(every_shop_names_its_legal_entity_and_there_is_no_fallback) {
    auto s = parse_settings(R"({"legal_entity_id":"le1","merchant_id":"m","legal_entities":[{"legal_entity_id":"le2","merchant_id":"m2"}]})");
    BOOST_REQUIRE(s);
    s->shop.api_token = "t";
    s->shop.api_key = "k";
    BOOST_TEST(s->shop_for("other") == nullptr);
    BOOST_TEST(s->shop_for("") == nullptr);
    BOOST_TEST(s->shop_for("le2") == nullptr); // override without its secrets is not a shop yet
    BOOST_TEST(no_shop_message("ООО «ЙЕС-АРЕНДА»").starts_with("Для юрлица «ООО «ЙЕС-АРЕНДА»» не настроен магазин InvoiceBox"));

    // Saved before shops named their company: complete, but not configured until the admin chooses.
    auto old = parse_settings(R"({"merchant_id":"m"})");
    BOOST_REQUIRE(old);
    old->shop.api_token = "t";
    old->shop.api_key = "k";
    BOOST_TEST(old->shop.complete());
    BOOST_TEST(!old->configured());
    BOOST_TEST(old->shop_for("le1") == nullptr);

    // The settings page refuses a main shop without a legal entity, in Russian, and a second
    // shop for the main shop's company.
    auto errors = validate_settings(R"({"merchant_id":"3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f","api_token":"t","api_key":"k",
        "notification_url":"http://127.0.0.1/hooks/x/1/notify",
        "legal_entities":[{"legal_entity_id":"","merchant_id":"3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2e","api_token":"t2","api_key":"k2"}]})");
    BOOST_REQUIRE(errors);
    auto e = boost::json::parse(*errors).at("fields").as_object();
    BOOST_TEST_REQUIRE(e.contains("/legal_entity_id"));
    BOOST_TEST(std::string(e.at("/legal_entity_id").as_string()).find("Выберите юридическое лицо") == 0);
    BOOST_TEST(e.contains("/legal_entities/0/legal_entity_id"));
    errors = validate_settings(R"({"legal_entity_id":"1","merchant_id":"3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f","api_token":"t","api_key":"k",
        "notification_url":"http://127.0.0.1/hooks/x/1/notify",
        "legal_entities":[{"legal_entity_id":"1","merchant_id":"3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2e","api_token":"t2","api_key":"k2"}]})");
    BOOST_REQUIRE(errors);
    e = boost::json::parse(*errors).at("fields").as_object();
    BOOST_TEST(!e.contains("/legal_entity_id"));
    BOOST_TEST_REQUIRE(e.contains("/legal_entities/0/legal_entity_id"));
    BOOST_TEST(std::string(e.at("/legal_entities/0/legal_entity_id").as_string()) ==
               "Для этого юридического лица уже указан основной магазин");

    // The schema offers the company choice on the main shop, first on the page.
    const auto schema = boost::json::parse(settings_schema_json()).as_object();
    BOOST_TEST(schema.at("properties").at("legal_entity_id").at("x-widget").as_string() == "legal-entity");
    BOOST_TEST(schema.at("x-order").at(0).as_string() == "legal_entity_id");
}

BOOST_AUTO_TEST_CASE(secrets_are_bound_to_the_api_address_and_flavour) {
    const auto schema = boost::json::parse(settings_schema_json()).as_object();
    const auto& props = schema.at("properties").as_object();
    for (const char* secret : {"api_token", "api_key"}) {
        BOOST_TEST(boost::json::serialize(props.at(secret).at("x-secret-bound-to")) == R"(["api_base_url","api_flavour"])",
                   secret);
        // An override's secrets: the root's address (they use it), their own flavour and company.
        BOOST_TEST(boost::json::serialize(
                       props.at("legal_entities").at("items").at("properties").at(secret).at("x-secret-bound-to")) ==
                       R"(["api_base_url","api_flavour","legal_entity_id"])",
                   secret);
    }
    BOOST_TEST(props.at("api_host_confirmed").at("title").as_string() == "Подтверждаю адрес API");
    BOOST_TEST(props.at("api_host_confirmed").at("type").as_string() == "string");
    BOOST_TEST(!props.at("api_host_confirmed").as_object().contains("x-secret"));
}

namespace {

// The settings errors for a valid document with `extra` members added.
boost::json::object errors_with(const std::string& extra) {
    const std::string doc = R"({"legal_entity_id":"1","merchant_id":"3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f","api_token":"t","api_key":"k",)"
                            R"("notification_url":"http://127.0.0.1/hooks/x/1/notify")" +
                            (extra.empty() ? "" : "," + extra) + "}";
    auto errors = validate_settings(doc);
    if (!errors)
        return {};
    return boost::json::parse(*errors).at("fields").as_object();
}

} // namespace

BOOST_AUTO_TEST_CASE(api_address_is_https_except_on_loopback) {
    // InvoiceBox itself, or nothing (the default), needs nothing more.
    BOOST_TEST(errors_with("").empty());
    BOOST_TEST(errors_with(R"("api_base_url":"https://api.invoicebox.ru")").empty());
    BOOST_TEST(errors_with(R"("api_base_url":"https://API.InvoiceBox.ru/")").empty());
    // Plain http is refused off this machine, including for InvoiceBox's own host.
    for (const char* url : {"http://api.invoicebox.ru", "http://10.0.0.5:8081", "http://127.0.0.1.evil.example",
                            "http://localhost.evil.example", "http://127.1", "http://[::2]:8081", "ftp://127.0.0.1",
                            "api.invoicebox.ru"}) {
        const auto e = errors_with(std::string(R"("api_base_url":")") + url + R"(","api_host_confirmed":"x")");
        BOOST_TEST_REQUIRE(e.contains("/api_base_url"), url);
        BOOST_TEST(std::string(e.at("/api_base_url").as_string()).find("https://") != std::string::npos, url);
    }
    BOOST_TEST(std::string(errors_with(R"("api_base_url":"http://10.0.0.5:8081")").at("/api_base_url").as_string()) ==
               "Адрес API должен начинаться с https:// (например, https://api.invoicebox.ru). http:// допускается "
               "только для адресов этого компьютера: 127.0.0.1, localhost, [::1]");
    // Loopback may use http (the simulator), confirmed like any other host.
    BOOST_TEST(errors_with(R"("api_base_url":"http://127.0.0.1:8081","api_host_confirmed":"127.0.0.1")").empty());
    BOOST_TEST(errors_with(R"("api_base_url":"http://127.200.3.4:8081","api_host_confirmed":"127.200.3.4")").empty());
    BOOST_TEST(errors_with(R"("api_base_url":"http://LocalHost:8081/v","api_host_confirmed":" localhost ")").empty());
    BOOST_TEST(errors_with(R"("api_base_url":"http://[::1]:8081","api_host_confirmed":"[::1]")").empty());
    BOOST_TEST(errors_with(R"("api_base_url":"http://[::1]:8081","api_host_confirmed":"::1")").empty());
}

BOOST_AUTO_TEST_CASE(another_api_host_must_be_confirmed_by_name) {
    const std::string warning = "Адрес API ведёт не на InvoiceBox (api.invoicebox.ru), а на «proxy.example.com». Этому "
                                "серверу будут уходить API токен и данные платежей, а его ответы об оплате PMS проведёт "
                                "в счета как полученные деньги. Если вы уверены в этом адресе, впишите в это поле: "
                                "proxy.example.com";
    for (const char* confirmed : {"", "yes", "api.invoicebox.ru", "proxy.example.co", "https://proxy.example.com"}) {
        const auto e = errors_with(std::string(R"("api_base_url":"https://proxy.example.com/ib","api_host_confirmed":")") +
                                   confirmed + "\"");
        BOOST_TEST_REQUIRE(e.size() == 1u, confirmed);
        BOOST_TEST(std::string(e.at("/api_host_confirmed").as_string()) == warning, confirmed);
    }
    // Not given at all: the same.
    BOOST_TEST(errors_with(R"("api_base_url":"https://proxy.example.com")").contains("/api_host_confirmed"));
    BOOST_TEST(errors_with(R"("api_base_url":"https://proxy.example.com","api_host_confirmed":"proxy.example.com")").empty());
    BOOST_TEST(errors_with(R"("api_base_url":"https://Proxy.Example.com:8443","api_host_confirmed":" PROXY.example.com ")")
                   .empty());
    // The simulator on loopback is confirmed the same way.
    const auto sim = errors_with(R"("api_base_url":"http://127.0.0.1:8081")");
    BOOST_TEST_REQUIRE(sim.contains("/api_host_confirmed"));
    BOOST_TEST(std::string(sim.at("/api_host_confirmed").as_string()).find("впишите в это поле: 127.0.0.1") !=
               std::string::npos);
    // The same rules outside validate(): before an action and when saved settings are loaded.
    BOOST_TEST(api_address_problem(R"({"api_base_url":"https://proxy.example.com"})").value_or("") == warning);
    BOOST_TEST(!api_address_problem(R"({"api_base_url":"https://proxy.example.com","api_host_confirmed":"proxy.example.com"})"));
    BOOST_TEST(!api_address_problem(R"({})"));
    BOOST_TEST(api_address_problem(R"({"api_base_url":"http://evil.example"})").has_value());
}

BOOST_AUTO_TEST_CASE(receipt_basket_names_vat_and_partial_split) {
    Settings s;
    s.item_name_template = default_item_name_template();
    s.hotel_name = "Отель «Берёзка»";
    s.receipt_payment_type = "prepayment";
    auto f = sample_folio();
    auto full = build_receipt_basket(s, f, 1550000);
    BOOST_REQUIRE(full.basket);
    BOOST_TEST(full.basket->items.size() == 2u);
    BOOST_TEST(full.basket->items[0].name == "Проживание, стандарт, 12.05.2025, Отель «Берёзка»");
    BOOST_TEST(full.basket->items[0].vat_code.wire() == "RUS_VAT20");
    BOOST_TEST(full.basket->items[1].vat_code.wire() == "RUS_VAT10");
    BOOST_TEST(full.basket->items[0].payment_type.value == "prepayment");
    for (const auto& it : full.basket->items)
        BOOST_TEST(it.name.find("Бронь") == std::string::npos);
    auto part = build_receipt_basket(s, f, 500001);
    BOOST_REQUIRE(part.basket);
    BOOST_TEST(part.basket->amount.minor == 500001);
    BOOST_TEST(pr::check_basket(part.basket->items, part.basket->amount, part.basket->vat_amount).empty());
    BOOST_TEST(!build_receipt_basket(s, f, 1550001).basket);
    f.lines[1].vat_code = "vat99";
    BOOST_TEST(int(build_receipt_basket(s, f, 1000).error) == int(ReceiptError::unknown_vat));
}

BOOST_AUTO_TEST_CASE(link_record_round_trip) {
    LinkRecord r;
    r.merchant_order_id = "ABC-F-1-1";
    r.amount_minor = 100;
    r.ib_status = "completed";
    r.posting = PostingState::posted;
    add_audit(r, 5, Actor::notification, "", "Оплачено");
    auto back = parse_link_record(serialize(r));
    BOOST_REQUIRE(back);
    BOOST_TEST(int(back->posting) == int(PostingState::posted));
    BOOST_TEST(int(back->audit.at(0).actor) == int(Actor::notification));
    BOOST_TEST(!parse_link_record(R"({"v":99,"merchant_order_id":"x"})"));
}

// Records are written by the streaming writer (link_record.cpp): every field comes back as it
// went in, text with quotes, slashes, line breaks, control characters and Cyrillic included.
BOOST_AUTO_TEST_CASE(every_field_of_a_link_and_a_suspense_record_round_trips) {
    const std::string awkward = "«Гость» \"quoted\" back\\slash a/b\nline\ttab\x01\x1f end";
    LinkRecord r;
    r.merchant_order_id = "ABC-F-1-1";
    r.folio_id = "7";
    r.folio_number = "30682277";
    r.booking_id = "3";
    r.booking_number = "471887";
    r.legal_entity_id = "2";
    r.merchant_id = "6b0e1d2c-3a4b-4c5d-8e6f-7a8b9c0d1e21";
    r.amount_minor = 9'007'199'254'740'993; // beyond a double's exact integers
    r.currency = "RUB";
    r.vat_amount_minor = -5;
    r.description = awkward;
    r.guest_name = "Иван Петров";
    r.guest_email = "ivan@example.org";
    r.message_template = awkward;
    r.send_mail = true;
    r.created_at_ms = 1'796'584'035'533;
    r.expires_at_ms = 1'796'843'235'000;
    r.created_by = "Анна (admin)";
    r.create_request = R"({"a":"b/c"})";
    r.state = LinkState::open;
    r.order_id = "01a24cc0-d4cf-774e-9a9a-e553a3766cea";
    r.payment_url = "http://127.0.0.1:1/order/x?a=1&b=2";
    r.ib_status = "completed";
    r.error_message = awkward;
    r.paid_at_ms = 1'796'584'070'000;
    r.paid_amount_minor = 100;
    r.posting = PostingState::suspense;
    r.posting_id = "1000";
    r.posting_category = "Безналичный расчёт";
    r.posting_type = "Онлайн-оплата (ссылка)";
    r.suspense_reason = awkward;
    r.mail = MailState::failed;
    r.mail_error = awkward;
    r.mails_sent = 2;
    r.resend_at_ms = {1, 2, 3};
    r.effect_seq = 42;
    add_audit(r, 5, Actor::notification, "", "Оплачено");
    add_audit(r, 6, Actor::refresh, awkward, awkward);
    const std::string text = serialize(r);
    BOOST_TEST(text.find("\\/") == std::string::npos); // slashes are not escaped in the stored form
    auto back = parse_link_record(text);
    BOOST_REQUIRE(back);
    BOOST_TEST(back->merchant_order_id == r.merchant_order_id);
    BOOST_TEST(back->folio_id == r.folio_id);
    BOOST_TEST(back->folio_number == r.folio_number);
    BOOST_TEST(back->booking_id == r.booking_id);
    BOOST_TEST(back->booking_number == r.booking_number);
    BOOST_TEST(back->legal_entity_id == r.legal_entity_id);
    BOOST_TEST(back->merchant_id == r.merchant_id);
    BOOST_TEST(back->amount_minor == r.amount_minor);
    BOOST_TEST(back->currency == r.currency);
    BOOST_TEST(back->vat_amount_minor == r.vat_amount_minor);
    BOOST_TEST(back->description == awkward);
    BOOST_TEST(back->guest_name == r.guest_name);
    BOOST_TEST(back->guest_email == r.guest_email);
    BOOST_TEST(back->message_template == awkward);
    BOOST_TEST(back->send_mail);
    BOOST_TEST(back->created_at_ms == r.created_at_ms);
    BOOST_TEST(back->expires_at_ms == r.expires_at_ms);
    BOOST_TEST(back->created_by == r.created_by);
    BOOST_TEST(back->create_request == r.create_request);
    BOOST_TEST(int(back->state) == int(r.state));
    BOOST_TEST(back->order_id == r.order_id);
    BOOST_TEST(back->payment_url == r.payment_url);
    BOOST_TEST(back->ib_status == r.ib_status);
    BOOST_TEST(back->error_message == awkward);
    BOOST_TEST(back->paid_at_ms == r.paid_at_ms);
    BOOST_TEST(back->paid_amount_minor == r.paid_amount_minor);
    BOOST_TEST(int(back->posting) == int(r.posting));
    BOOST_TEST(back->posting_id == r.posting_id);
    BOOST_TEST(back->posting_category == r.posting_category);
    BOOST_TEST(back->posting_type == r.posting_type);
    BOOST_TEST(back->suspense_reason == awkward);
    BOOST_TEST(int(back->mail) == int(r.mail));
    BOOST_TEST(back->mail_error == awkward);
    BOOST_TEST(back->mails_sent == r.mails_sent);
    BOOST_TEST(back->resend_at_ms == r.resend_at_ms);
    BOOST_TEST(back->effect_seq == r.effect_seq);
    BOOST_REQUIRE(back->audit.size() == 2u);
    BOOST_TEST(back->audit[1].at_ms == 6);
    BOOST_TEST(int(back->audit[1].actor) == int(Actor::refresh));
    BOOST_TEST(back->audit[1].who == awkward);
    BOOST_TEST(back->audit[1].what == awkward);
    BOOST_TEST(serialize(*back) == text);

    SuspenseRecord e;
    e.order_id = "01a24cc0";
    e.merchant_order_id = "ABC-F-1-1";
    e.folio_id = "7";
    e.amount_minor = 12345;
    e.currency = "RUB";
    e.reason_code = "amount_mismatch";
    e.reason = awkward;
    e.business_date = "2026-12-06";
    e.received_at_ms = 77;
    e.resolved = true;
    e.resolution = "posted";
    e.target_folio_id = "8";
    e.resolved_by = "Анна (admin)";
    e.resolution_comment = awkward;
    e.resolved_at_ms = 88;
    e.posting_id = "1001";
    e.effect_seq = 3;
    e.audit.push_back(AuditEntry{9, Actor::staff, "Анна", awkward});
    const std::string suspense_text = serialize(e);
    auto s_back = parse_suspense_record(suspense_text);
    BOOST_REQUIRE(s_back);
    BOOST_TEST(s_back->order_id == e.order_id);
    BOOST_TEST(s_back->merchant_order_id == e.merchant_order_id);
    BOOST_TEST(s_back->folio_id == e.folio_id);
    BOOST_TEST(s_back->amount_minor == e.amount_minor);
    BOOST_TEST(s_back->currency == e.currency);
    BOOST_TEST(s_back->reason_code == e.reason_code);
    BOOST_TEST(s_back->reason == awkward);
    BOOST_TEST(s_back->business_date == e.business_date);
    BOOST_TEST(s_back->received_at_ms == e.received_at_ms);
    BOOST_TEST(s_back->resolved);
    BOOST_TEST(s_back->resolution == e.resolution);
    BOOST_TEST(s_back->target_folio_id == e.target_folio_id);
    BOOST_TEST(s_back->resolved_by == e.resolved_by);
    BOOST_TEST(s_back->resolution_comment == awkward);
    BOOST_TEST(s_back->resolved_at_ms == e.resolved_at_ms);
    BOOST_TEST(s_back->posting_id == e.posting_id);
    BOOST_TEST(s_back->effect_seq == e.effect_seq);
    BOOST_REQUIRE(s_back->audit.size() == 1u);
    BOOST_TEST(s_back->audit[0].what == awkward);
    BOOST_TEST(serialize(*s_back) == suspense_text);
}

BOOST_AUTO_TEST_CASE(views_show_columns_statuses_and_form_defaults) {
    auto f = sample_folio();
    LinkRecord a;
    a.merchant_order_id = "P-F-1-1";
    a.state = LinkState::open;
    a.ib_status = "created";
    a.order_id = "o1";
    a.payment_url = "http://sim/order/c1";
    a.amount_minor = 1000000;
    a.guest_email = "ivan@example.org";
    LinkRecord b = a;
    b.merchant_order_id = "P-F-1-2";
    b.ib_status = "hold";
    LinkRecord c = a;
    c.merchant_order_id = "P-F-1-3";
    c.ib_status = "expired";
    ListViewModel m;
    m.folio = &f;
    m.links = {a, b, c};
    const auto json = render_links_view(m);
    for (const char* word : {"Платежные ссылки InvoiceBox", "Ссылка", "Сумма", "Описание", "Номер лицевого счёта",
                             "Дата и время создания", "Статус", "Создан", "hold", "Истёк", "Скопировать ссылку",
                             "Создать ссылку", "Обновить статус ссылок", "Отмена", "QR-код для гостя", "Отменить ссылку"})
        BOOST_TEST(json.find(word) != std::string::npos, word);
    // The QR code opens on demand; the link just created shows it in the list (issue 10).
    BOOST_TEST(json.find("pay_url") == std::string::npos);
    m.qr_for = "P-F-1-1";
    BOOST_TEST(render_links_view(m).find("pay_url") != std::string::npos);
    // Two open links (20 000) exceed the balance (15 500): the guard warns.
    BOOST_TEST(json.find("Открытые ссылки больше остатка") != std::string::npos);
    auto form = default_create_form(f, Settings{});
    BOOST_TEST(form.amount == "15500.00");
    BOOST_TEST(form.description == "Предоплата по заявке №471887 и номеру счёта 30682277");
    const auto create = render_create_view(f, form, 0);
    for (const char* word : {"Отправить пользователю", "1 час", "30 дней", "Сумма", "Описание"})
        BOOST_TEST(create.find(word) != std::string::npos, word);
}

BOOST_AUTO_TEST_CASE(applied_notifications_are_kept_per_shop_and_bounded) {
    AppliedNotifications::Clock::time_point now{};
    AppliedNotifications applied(2, std::chrono::minutes(5), [&now] { return now; });
    applied.add("shop-a", "sig-1");
    BOOST_TEST(applied.contains("shop-a", "sig-1"));
    BOOST_TEST(!applied.contains("shop-b", "sig-1")); // the same signature for another shop
    applied.add("shop-a", "sig-2");
    BOOST_TEST(applied.contains("shop-a", "sig-1")); // seen again: sig-2 is now the oldest
    applied.add("shop-a", "sig-3");                   // full: the least recently seen goes
    BOOST_TEST(applied.contains("shop-a", "sig-1"));
    BOOST_TEST(!applied.contains("shop-a", "sig-2"));
    BOOST_TEST(applied.contains("shop-a", "sig-3"));
    BOOST_TEST(applied.size() == 2u);

    now += std::chrono::minutes(4);
    BOOST_TEST(applied.contains("shop-a", "sig-3")); // a replay keeps it
    now += std::chrono::minutes(2);                  // sig-1 unseen for 6 minutes, sig-3 for 2
    BOOST_TEST(!applied.contains("shop-a", "sig-1"));
    BOOST_TEST(applied.contains("shop-a", "sig-3"));
    BOOST_TEST(applied.size() == 1u);
    applied.clear();
    BOOST_TEST(!applied.contains("shop-a", "sig-3"));
    BOOST_TEST(applied.size() == 0u);
}

BOOST_AUTO_TEST_CASE(shortened_text_is_cut_at_a_character_and_marked) {
    BOOST_TEST(shorten_text("Чайник", 6) == "Чайник");
    BOOST_TEST(shorten_text("Чайник", 5) == "Чайн…");
    BOOST_TEST(shorten_text("ab", 1) == "…");
    BOOST_TEST(shorten_text("", 3) == "");
    BOOST_TEST(shorten_text("x", 0) == "");
    BOOST_TEST(shorten_text("a€b€", 3) == "a€…"); // 3-byte characters stay whole
}

BOOST_AUTO_TEST_CASE(every_window_of_the_longest_links_fits_the_view_cap_and_lists_each_link_once) {
    // Issue 14: a folio of 420 links answered 502 (its view passed the host's 256 KiB cap), and
    // «Показать ещё» grew the list without a ceiling. Here every link is as long as a link can
    // be (a 1,000-character description, a long InvoiceBox error and suspense reason, every row
    // action): each window still fits, never lists more than the schema's 500 rows, and paging
    // older and back newer lists every link exactly once.
    auto f = sample_folio();
    const std::string long_text = [] {
        std::string t;
        for (int i = 0; i < 1000; ++i)
            t += "Ж";
        return t;
    }();
    std::vector<LinkRecord> links;
    for (int i = 0; i < 420; ++i) {
        LinkRecord l;
        l.merchant_order_id = "P-F-1-" + std::to_string(1000000 + i);
        l.state = LinkState::failed;
        l.ib_status = "created";
        l.order_id = "0190a1b2-c3d4-7e5f-8a9b-" + std::to_string(100000000000 + i);
        l.payment_url = "https://pay.invoicebox.ru/order/0190a1b2-c3a0-71aa-9bcd-" + std::to_string(100000000000 + i);
        l.amount_minor = 123456789;
        l.description = long_text;
        l.error_message = long_text;
        l.suspense_reason = long_text;
        l.posting = PostingState::suspense;
        l.guest_email = "guest.with.a.rather.long.address@example.org";
        l.folio_number = "30682277";
        links.push_back(l);
    }
    ListViewModel m;
    m.folio = &f;
    m.links = links;
    std::set<std::string> listed;
    auto keys_of = [](const std::string& view) {
        std::vector<std::string> keys;
        const auto doc = boost::json::parse(view); // kept: a range-for does not extend a temporary's parent
        for (const auto& e : doc.as_object().at("elements").as_array())
            if (e.as_object().at("type").as_string() == "table")
                for (const auto& r : e.as_object().at("rows").as_array())
                    keys.emplace_back(r.as_object().at("key").as_string());
        return keys;
    };
    auto has_button = [](const std::string& view, std::string_view id) {
        const auto doc = boost::json::parse(view);
        for (const auto& b : doc.as_object().at("buttons").as_array())
            if (b.as_object().at("id").as_string() == id)
                return true;
        return false;
    };
    int windows = 0;
    std::string view;
    for (;;) {
        view = render_links_view(m);
        BOOST_TEST_REQUIRE(view.size() < 256u * 1024u, "window at " << m.window.offset << ": " << view.size() << " bytes");
        const auto keys = keys_of(view);
        BOOST_TEST_REQUIRE(keys.size() <= links_window_rows);
        listed.insert(keys.begin(), keys.end());
        ++windows;
        if (!has_button(view, "more_links"))
            break;
        m.window = m.window.older();
        BOOST_TEST_REQUIRE(windows < 20);
    }
    BOOST_TEST(listed.size() == links.size());
    BOOST_TEST(view.find("Показаны ссылки 321–420 из 420") != std::string::npos);
    BOOST_TEST(has_button(view, "newer_links"));
    // Back to the newest: the window moves a page at a time and stops at the first link.
    while (has_button(view, "newer_links")) {
        m.window = m.window.newer();
        view = render_links_view(m);
    }
    BOOST_TEST(keys_of(view).front() == links.front().merchant_order_id);
    BOOST_TEST(keys_of(view).size() == links_window_rows);
    BOOST_TEST(view.find("Показаны 100 последних ссылок из 420") != std::string::npos);
    // The table cut the long texts; the link's «История» shows them whole.
    BOOST_TEST(view.find(long_text) == std::string::npos);
    const auto history = render_history_view(links.front(), 0);
    const auto items = boost::json::parse(history).as_object().at("elements").as_array().at(0).as_object().at("items");
    std::size_t whole = 0;
    for (const auto& item : items.as_array())
        whole += item.as_object().at("value").as_string() == long_text;
    BOOST_TEST(whole == 3u); // the description, the error and the suspense reason
}

BOOST_AUTO_TEST_CASE(in_flight_window_starts_in_order_and_never_more_than_its_limit) {
    using invoicebox::plugin::InFlightWindow;
    auto window = std::make_shared<InFlightWindow>(2);
    std::vector<int> started;
    std::vector<std::function<void()>> finish; // by job
    for (int i = 0; i < 5; ++i)
        window->add([&started, &finish, i](std::function<void()> finished) {
            started.push_back(i);
            finish.resize(std::max<std::size_t>(finish.size(), std::size_t(i) + 1));
            finish[std::size_t(i)] = std::move(finished);
        });
    BOOST_TEST((started == std::vector<int>{0, 1}));
    BOOST_TEST(window->outstanding() == 2u);
    BOOST_TEST(window->queued() == 3u);
    finish[1]();
    finish[1](); // a second call opens nothing
    BOOST_TEST((started == std::vector<int>{0, 1, 2}));
    BOOST_TEST(window->outstanding() == 2u);
    finish[0]();
    finish[2]();
    BOOST_TEST((started == std::vector<int>{0, 1, 2, 3, 4}));
    finish[3]();
    finish[4]();
    BOOST_TEST(window->outstanding() == 0u);
    BOOST_TEST(window->queued() == 0u);

    // Jobs that finish while they are started (a refusal before any request) let the rest run
    // from the same loop, not from a call nested per job.
    auto sync = std::make_shared<InFlightWindow>(1);
    std::function<void()> first_done;
    sync->add([&first_done](std::function<void()> finished) { first_done = std::move(finished); });
    int ran = 0;
    int depth = 0;
    int deepest = 0;
    for (int i = 0; i < 1'000; ++i) // queued behind the first
        sync->add([&](std::function<void()> finished) {
            deepest = std::max(deepest, ++depth);
            ++ran;
            finished();
            --depth;
        });
    BOOST_TEST(ran == 0);
    first_done();
    BOOST_TEST(ran == 1'000);
    BOOST_TEST(deepest == 1);
    BOOST_TEST(sync->outstanding() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
