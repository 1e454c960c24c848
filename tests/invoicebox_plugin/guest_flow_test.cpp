// What the guest gets and what staff are told about it (issue 10), through the real workflow
// against the fake host and the simulator's engine: the mail as the host receives it (HTML part,
// the property's name, the zone label), a mail that could not be sent (staff alert, «письмо не
// отправлено», «Отправить ещё раз»), the wording of a first and a repeated mail, the way back
// to the hotel's site from InvoiceBox's page, and VAT codes never shown raw.
#include "fake_host.hpp"
#include "test_shop.hpp"

#include <invoicebox/plugin/formatting.hpp>
#include <invoicebox/plugin/link_dialog.hpp>
#include <invoicebox/plugin/link_service.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <boost/test/unit_test.hpp>

using namespace test;
namespace bj = boost::json;

namespace {

struct Fixture {
    FakeHost host;
    std::unique_ptr<LinkService> service;
    std::unique_ptr<LinkDialog> dialog;
    Settings s = settings();

    Fixture() {
        host.folio_json = folio_doc;
        host.property = FakeHost::property_with({{"le-main", "ООО «Отель»"}}); // named «Суперотель»
        s.hotel_name.clear(); // the demo's case: the property's name speaks for the hotel
        start();
    }
    void start() {
        service = std::make_unique<LinkService>(host);
        service->configure(s);
        dialog = std::make_unique<LinkDialog>(*service);
    }
    CreateOutcome create(bool mail = true) {
        CreateInput in;
        in.folio_id = "F-1";
        in.amount_text = "1000.00";
        in.description = "Предоплата";
        in.message_template = default_message_template();
        in.lifetime = "24h";
        in.send_mail = mail;
        std::optional<CreateOutcome> out;
        service->create_link(in, StaffUser{"u-1", "Анна"}, [&](CreateOutcome o) { out = std::move(o); });
        host.run();
        BOOST_REQUIRE(out);
        BOOST_REQUIRE_MESSAGE(out->link && !out->link->payment_url.empty(), out->message);
        return *out;
    }
    /// The dialog's answer to an event (the list view after a row action).
    bj::object event(const std::string& json) {
        std::optional<std::string> view;
        dialog->event("s-1", "F-1", StaffUser{"u-1", "Анна"}, json, [&](std::string v) { view = std::move(v); });
        host.run();
        BOOST_REQUIRE(view);
        return bj::parse(*view).as_object();
    }
    bj::object list() { return bj::parse(dialog->list_view("F-1")).as_object(); }
};

const bj::object& links_table(const bj::object& view) {
    for (const auto& e : view.at("elements").as_array())
        if (e.as_object().contains("id") && e.at("id").as_string() == "links")
            return e.as_object();
    BOOST_FAIL("no links table in the view");
    throw std::logic_error("unreachable");
}

/// The row of link `moid` in the links table.
const bj::object& row_of(const bj::object& view, const std::string& moid) {
    for (const auto& r : links_table(view).at("rows").as_array())
        if (r.at("key").as_string() == moid)
            return r.as_object();
    BOOST_FAIL("no row " + moid);
    throw std::logic_error("unreachable");
}

/// The label of the row's «resend» action, "" when there is none.
std::string resend_label_of(const bj::object& row) {
    for (const auto& a : row.at("actions").as_array())
        if (a.at("id").as_string() == "resend")
            return std::string(a.at("label").as_string());
    return {};
}

std::string status_text_of(const bj::object& row) {
    return std::string(row.at("cells").at("status").at("text").as_string());
}

/// The texts of the view's notices, joined.
std::string notices_of(const bj::object& view) {
    std::string out;
    for (const auto& e : view.at("elements").as_array())
        if (e.at("type").as_string() == "notice")
            out += std::string(e.at("text").as_string()) + "\n";
    return out;
}

bool has(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

} // namespace

BOOST_AUTO_TEST_SUITE(guest_flow)

BOOST_FIXTURE_TEST_CASE(the_mail_is_html_too_with_the_property_name_and_the_zone, Fixture) {
    const auto link = *create().link;
    BOOST_REQUIRE(host.outbox.size() == 1u);
    const auto& m = host.outbox[0];
    const auto expiry = format_local_datetime(link.expires_at_ms, 180);
    BOOST_TEST(has(m.text_body, "Ссылка действительна до " + expiry + " (МСК)."), m.text_body);
    BOOST_TEST(has(m.text_body, "в отеле Суперотель перейдите"), m.text_body);
    BOOST_TEST(has(m.text_body, "С уважением, Суперотель"));
    BOOST_TEST(!has(m.text_body, "  "), m.text_body);
    BOOST_TEST(!m.html_body.empty());
    BOOST_TEST(has(m.html_body, ">Суперотель</h1>"), m.html_body);
    BOOST_TEST(has(m.html_body, expiry + " (МСК)"));
    BOOST_TEST(has(m.html_body, "<a href=\"" + link.payment_url + "\" style=\"display:inline-block;"), m.html_body);
    BOOST_TEST(host.property_reads >= 1);

    // The admin's «Название отеля» wins; another zone is labelled by its offset.
    s.hotel_name = "Берёзка";
    start();
    host.timezone = "Asia/Yekaterinburg";
    host.offset_minutes = 300;
    const auto second = *create().link;
    BOOST_REQUIRE(host.outbox.size() == 2u);
    BOOST_TEST(has(host.outbox[1].text_body, "до " + format_local_datetime(second.expires_at_ms, 300) + " (UTC+5)."),
               host.outbox[1].text_body);
    BOOST_TEST(has(host.outbox[1].html_body, ">Берёзка</h1>"));
    BOOST_TEST(!has(host.outbox[1].html_body, "Суперотель"));
}

BOOST_FIXTURE_TEST_CASE(a_mail_that_did_not_leave_raises_one_alert_and_offers_to_send_again, Fixture) {
    host.refuse_mail = "550 mailbox unavailable";
    const auto out = create();
    const auto moid = out.link->merchant_order_id;
    BOOST_TEST(has(out.message, "Письмо не отправлено: 550 mailbox unavailable"), out.message);
    const std::string key = "mail:" + moid;
    BOOST_REQUIRE(host.alerts.count(key) == 1u);
    BOOST_TEST(host.alerts[key].second == 1);
    BOOST_TEST(host.alerts[key].first.folio_id == "F-1");
    BOOST_TEST(has(host.alerts[key].first.body, "ivan@example.org"));
    BOOST_TEST(has(host.alerts[key].first.body, "550 mailbox unavailable"));
    auto row = row_of(list(), moid);
    BOOST_TEST(has(status_text_of(row), "письмо не отправлено"), status_text_of(row));
    BOOST_TEST(resend_label_of(row) == "Отправить ещё раз");
    BOOST_TEST(host.outbox.empty());

    // Sent again, it fails again: still one alert row (updated), no second one.
    auto view = event(R"({"action":"resend","row_key":")" + moid + R"("})");
    BOOST_TEST(has(notices_of(view), "Письмо не отправлено"), notices_of(view));
    BOOST_TEST(host.alerts.size() == 1u);
    BOOST_TEST(host.alerts[key].second == 2);

    // The mail server is back: the mail leaves, the alert is resolved, and since no mail went
    // before this one, it is not «повторно».
    host.refuse_mail.reset();
    view = event(R"({"action":"resend","row_key":")" + moid + R"("})");
    BOOST_TEST(has(notices_of(view), "Письмо отправлено"), notices_of(view));
    BOOST_TEST(!has(notices_of(view), "повторно"), notices_of(view));
    BOOST_TEST(host.outbox.size() == 1u);
    BOOST_TEST((host.resolved_alerts == std::vector<std::string>{key}));
    row = row_of(view, moid);
    BOOST_TEST(has(status_text_of(row), "письмо отправлено"));
    BOOST_TEST(resend_label_of(row) == "Отправить письмо повторно");
}

BOOST_FIXTURE_TEST_CASE(repeat_wording_only_after_a_mail_went, Fixture) {
    const auto moid = create(false).link->merchant_order_id;
    BOOST_TEST(host.outbox.empty());
    BOOST_TEST(resend_label_of(row_of(list(), moid)) == "Отправить письмо");

    auto view = event(R"({"action":"resend","row_key":")" + moid + R"("})");
    BOOST_TEST(has(notices_of(view), "Письмо отправлено"));
    BOOST_TEST(!has(notices_of(view), "повторно"), notices_of(view));
    BOOST_TEST(resend_label_of(row_of(view, moid)) == "Отправить письмо повторно");
    auto link = service->repository().find(moid);
    BOOST_REQUIRE(link);
    BOOST_TEST(link->mails_sent == 1);
    bool first_send_audited = false;
    for (const auto& a : link->audit)
        first_send_audited = first_send_audited || a.what == "Отправка письма гостю";
    BOOST_TEST(first_send_audited);

    view = event(R"({"action":"resend","row_key":")" + moid + R"("})");
    BOOST_TEST(has(notices_of(view), "Письмо отправлено повторно"), notices_of(view));
    BOOST_TEST(host.outbox.size() == 2u);
    BOOST_TEST(service->repository().find(moid)->mails_sent == 2);
    BOOST_TEST(service->repository().find(moid)->audit.back().what.find("Письмо со ссылкой отправлено") == 0u);
}

BOOST_FIXTURE_TEST_CASE(links_created_with_a_mail_offer_the_repeat, Fixture) {
    const auto moid = create(true).link->merchant_order_id;
    BOOST_TEST(resend_label_of(row_of(list(), moid)) == "Отправить письмо повторно");
    const auto view = event(R"({"action":"resend","row_key":")" + moid + R"("})");
    BOOST_TEST(has(notices_of(view), "Письмо отправлено повторно"), notices_of(view));
}

BOOST_FIXTURE_TEST_CASE(invoicebox_page_leads_back_to_the_hotel_site_only_when_set, Fixture) {
    // Without «Сайт отеля»: no successUrl/failUrl, and the paid page has no way back. The request
    // as stored (kept apart from the link's record).
    const auto request_of = [&](const LinkRecord& l) { return service->repository().create_request_of(l); };
    auto link = *create(false).link;
    BOOST_TEST_REQUIRE(!request_of(link).empty());
    BOOST_TEST(!has(request_of(link), "successUrl"), request_of(link));
    BOOST_TEST(!has(request_of(link), "failUrl"));
    BOOST_TEST(!has(request_of(link), "returnUrl"));
    const auto container = [](const std::string& url) { return url.substr(url.find("/order/")); };
    auto page = host.sim_call("POST", container(link.payment_url) + "/pay", "");
    BOOST_TEST_REQUIRE(page.status == 200, page.body);
    BOOST_TEST(!has(page.body, "Вернуться в магазин"), page.body);

    // With it: both URLs are the site, and the paid page links back there.
    s.hotel_site_url = "https://hotel.example.ru/";
    start();
    link = *create(false).link;
    const auto request = bj::parse(request_of(link)).as_object();
    BOOST_TEST(request.at("successUrl").as_string() == "https://hotel.example.ru/", request_of(link));
    BOOST_TEST(request.at("failUrl").as_string() == "https://hotel.example.ru/");
    BOOST_TEST(!request.contains("returnUrl"));
    page = host.sim_call("POST", container(link.payment_url) + "/pay", "");
    BOOST_TEST_REQUIRE(page.status == 200, page.body);
    BOOST_TEST(has(page.body, R"(id="back" class="back" href="https://hotel.example.ru/")"), page.body);
}

BOOST_AUTO_TEST_CASE(hotel_site_setting_is_optional_and_a_web_address) {
    const auto schema = bj::parse(settings_schema_json()).as_object();
    const auto& site = schema.at("properties").at("hotel_site_url").as_object();
    BOOST_TEST(site.at("title").as_string() == "Сайт отеля");
    for (const auto& r : schema.at("required").as_array())
        BOOST_TEST(r.as_string() != "hotel_site_url");
    const std::string base = R"({"merchant_id":"3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f","api_token":"0a1b2c3d4e5f60718293a4b5c6d7e8f9",)"
                             R"("api_key":"k","legal_entity_id":"le-main","notification_url":"https://pms.example/hooks/x")";
    BOOST_TEST(!validate_settings(base + "}"));
    BOOST_TEST(!validate_settings(base + R"(,"hotel_site_url":""})"));
    BOOST_TEST(!validate_settings(base + R"(,"hotel_site_url":"https://hotel.example.ru/ru?x=1"})"));
    BOOST_TEST(!validate_settings(base + R"(,"hotel_site_url":"http://hotel.example.ru"})"));
    for (const char* bad : {"hotel.example.ru", "javascript:alert(1)", "https://", "https://ho tel.ru",
                            "https://hotel.ru/\"><script>", "ftp://hotel.ru", "https:///path"}) {
        const auto errors = validate_settings(base + R"(,"hotel_site_url":)" + bj::serialize(bj::value(bad)) + "}");
        BOOST_REQUIRE_MESSAGE(errors, bad);
        BOOST_TEST(bj::parse(*errors).at("fields").as_object().contains("/hotel_site_url"), bad);
    }
    // The PMS's own server (that of the notification URL) is no page for a guest.
    const auto pms_site = validate_settings(base + R"(,"hotel_site_url":"https://PMS.example/"})");
    BOOST_REQUIRE(pms_site);
    BOOST_TEST(has(*pms_site, "Это адрес PMS"), *pms_site);
    BOOST_TEST(!validate_settings(base + R"(,"hotel_site_url":"https://pms.example.ru/"})"));
    // A saved value that is not a web address is never sent.
    BOOST_TEST(parse_settings(R"j({"hotel_site_url":"javascript:alert(1)"})j")->hotel_site_url.empty());
    BOOST_TEST(parse_settings(R"({"hotel_site_url":" https://hotel.example.ru "})")->hotel_site_url ==
               "https://hotel.example.ru");
}

// Issue 10, item 5: «VATNONE» must not reach staff. The plugin shows VAT codes only as the
// settings' choices; its dialog never carries a wire or folio code.
BOOST_FIXTURE_TEST_CASE(vat_codes_are_shown_in_words, Fixture) {
    const auto schema = bj::parse(settings_schema_json()).as_object();
    const auto& vat = schema.at("properties").at("vat_code").as_object();
    std::vector<std::string> labels;
    for (const auto& l : vat.at("x-enum-labels").as_array())
        labels.emplace_back(l.as_string());
    BOOST_TEST((labels == std::vector<std::string>{"Без НДС", "НДС 0 %", "НДС 5 %", "НДС 7 %", "НДС 10 %", "НДС 20 %",
                                                    "НДС 22 %"}));
    create();
    const auto moid = service->repository().for_folio("F-1").front().merchant_order_id;
    for (const auto& view : {dialog->list_view("F-1"), bj::serialize(event(R"({"action":"history","row_key":")" + moid + R"("})")),
                             bj::serialize(event(R"({"action":"create"})"))})
        for (const char* raw : {"VATNONE", "RUS_VAT", "vat20", "vat10", "\"none\""})
            BOOST_TEST(!has(view, raw), raw << " in " << view);
}

// Issue 10, item 5: staff and the guest name an order alike. InvoiceBox's page shows
// merchantOrderIdVisible, the folio number; the link's history shows that number first.
BOOST_FIXTURE_TEST_CASE(history_names_the_order_as_the_guest_saw_it, Fixture) {
    const auto link = *create(false).link;
    const auto request = bj::parse(service->repository().create_request_of(link)).as_object();
    BOOST_TEST(request.at("merchantOrderIdVisible").as_string() == "30682277");
    const auto page = host.sim_call("GET", link.payment_url.substr(link.payment_url.find("/order/")), "");
    BOOST_TEST(has(page.body, R"(<dd class="order-number">30682277</dd>)"), page.body);
    const auto view = event(R"({"action":"history","row_key":")" + link.merchant_order_id + R"("})");
    const auto& items = view.at("elements").at(0).at("items").as_array();
    BOOST_TEST(items.at(0).at("label").as_string() == "Номер заказа у гостя");
    BOOST_TEST(items.at(0).at("value").as_string() == "30682277");
    BOOST_TEST(items.at(1).at("value").as_string() == link.merchant_order_id);
}

// Issue 10, item 8: at 1366×768 the history must not sit below the fold. The summary is three
// lines, and the QR code (≈200 px) is shown for the link just created and otherwise on demand.
BOOST_FIXTURE_TEST_CASE(the_list_keeps_the_qr_code_for_a_new_link_and_on_demand, Fixture) {
    auto kinds_of = [](const bj::object& view) {
        std::vector<std::string> kinds;
        for (const auto& e : view.at("elements").as_array())
            kinds.emplace_back(std::string(e.at("type").as_string()) +
                               (e.as_object().contains("kind") ? ":" + std::string(e.at("kind").as_string()) : ""));
        return kinds;
    };
    auto buttons_of = [](const bj::object& view) {
        std::vector<std::string> ids;
        for (const auto& b : view.at("buttons").as_array())
            ids.emplace_back(b.at("id").as_string());
        return ids;
    };
    // No link yet: no QR, no button for it; the summary is three lines.
    auto view = list();
    BOOST_TEST((kinds_of(view) == std::vector<std::string>{"fields", "table"}));
    BOOST_TEST(view.at("elements").at(0).at("items").as_array().size() == 3u);
    const auto before = buttons_of(view);
    BOOST_TEST(std::count(before.begin(), before.end(), "show_qr") == 0);

    // Created through the dialog: the answer shows the new link's QR above the list.
    view = event(R"({"action":"submit_create","values":{"amount":"1000.00","description":"Предоплата",)"
                 R"("message_template":"{link}","lifetime":"24h","send_mail":false}})");
    BOOST_TEST(has(notices_of(view), "Скопируйте ссылку или покажите гостю QR-код"), notices_of(view));
    const auto link = service->repository().for_folio("F-1").front();
    BOOST_TEST((kinds_of(view) == std::vector<std::string>{"notice", "fields", "value:pay_url", "table"}));

    // Reopened (or after any other action): no QR in the way, a button for it instead.
    view = list();
    BOOST_TEST((kinds_of(view) == std::vector<std::string>{"fields", "table"}));
    const auto ids = buttons_of(view);
    BOOST_TEST(std::count(ids.begin(), ids.end(), "show_qr") == 1);
    view = event(R"({"action":"show_qr"})");
    BOOST_TEST((kinds_of(view) == std::vector<std::string>{"text", "value:pay_url"}));
    BOOST_TEST(view.at("elements").at(1).at("value").as_string() == link.payment_url);
    BOOST_TEST(buttons_of(view).front() == "back");
    view = event(R"({"action":"back"})");
    BOOST_TEST((kinds_of(view) == std::vector<std::string>{"fields", "table"}));
}

BOOST_AUTO_TEST_SUITE_END()
