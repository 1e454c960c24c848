// Pure pieces: formatting, template, settings, basket, views.
#include <invoicebox/plugin/formatting.hpp>
#include <invoicebox/plugin/link_record.hpp>
#include <invoicebox/plugin/message_template.hpp>
#include <invoicebox/plugin/receipt_basket.hpp>
#include <invoicebox/plugin/settings.hpp>
#include <invoicebox/plugin/views.hpp>

#include <invoicebox/protocol/basket.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

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
    BOOST_TEST(format_money_ru(6768000) == "67 680,00 ₽");
    BOOST_TEST(format_money_ru(5) == "0,05 ₽");
    BOOST_TEST(format_money_ru(155050, "EUR") == "1 550,50 EUR");
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
    MessageValues v{"Анна", "15 500,00 ₽", "https://pay/x", "13.05.2025 12:00", "1001/1", "1001", "Берёзка"};
    const auto text = render_message("{guest_name}: {amount} {link} до {expiry}, {folio}/{booking} {hotel} {unknown} {{x}}", v);
    BOOST_TEST(text == "Анна: 15 500,00 ₽ https://pay/x до 13.05.2025 12:00, 1001/1/1001 Берёзка {unknown} {x}");
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
    BOOST_TEST(!validate_settings(R"({"merchant_id":"3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f","api_token":"t","api_key":"k",
        "notification_url":"http://127.0.0.1/hooks/x/hotel-1/notify"})"));
    auto s = parse_settings(R"({"merchant_id":"m","notification_url":"http://h/n/","legal_entities":[{"legal_entity_id":"le2","merchant_id":"m2","api_token":"t2","api_key":"k2"}]})");
    BOOST_REQUIRE(s);
    BOOST_TEST(notification_url_for(*s, s->overrides[0]) == "http://h/n/le/le2");
    BOOST_TEST(route_of_path("notify/le/le2").value() == "le2");
    BOOST_TEST(route_of_path("notify").value() == "");
    BOOST_TEST(s->shop_for("le2").merchant_id == "m2");
    BOOST_TEST(s->shop_for("other").merchant_id == "m");
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
                             "Создать ссылку", "Обновить статус ссылок", "Отмена", "pay_url", "Отменить ссылку"})
        BOOST_TEST(json.find(word) != std::string::npos, word);
    // Two open links (20 000) exceed the balance (15 500): the guard warns.
    BOOST_TEST(json.find("Открытые ссылки больше остатка") != std::string::npos);
    auto form = default_create_form(f, Settings{});
    BOOST_TEST(form.amount == "15500.00");
    BOOST_TEST(form.description == "Предоплата по заявке №471887 и номеру счёта 30682277");
    const auto create = render_create_view(f, form, 0);
    for (const char* word : {"Отправить пользователю", "1 час", "30 дней", "Сумма", "Описание"})
        BOOST_TEST(create.find(word) != std::string::npos, word);
}

BOOST_AUTO_TEST_SUITE_END()
