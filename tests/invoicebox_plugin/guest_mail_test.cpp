// The guest's mail as composed (issue 10): multipart text + HTML, the hotel's name (the
// property's unless «Название отеля» overrides it), the expiry with its zone label, every value
// HTML-escaped, a button-styled link, and no hole where an optional value is missing. Pure: no
// host, no simulator.
#include <invoicebox/plugin/formatting.hpp>
#include <invoicebox/plugin/guest_mail.hpp>
#include <invoicebox/plugin/message_template.hpp>
#include <invoicebox/plugin/settings.hpp>

#include <boost/test/unit_test.hpp>

using namespace invoicebox::plugin;

namespace {

constexpr const char* property_doc =
    R"({"schema":"pms.property/1","property_id":"hotel-1","name":"Гранд Отель «Заря»","legal_entities":[]})";

LinkRecord sample_link() {
    LinkRecord l;
    l.merchant_order_id = "QQV4S7-F-1-1";
    l.folio_id = "F-1";
    l.folio_number = "30682277";
    l.booking_number = "471887";
    l.amount_minor = 6768000;
    l.currency = "RUB";
    l.guest_name = "Иван Петров";
    l.guest_email = "ivan@example.org";
    l.payment_url = "https://pay.invoicebox.ru/order/abc";
    l.expires_at_ms = 1796696280000; // 2026-12-08T02:18:00Z = 05:18 in Moscow
    return l;
}

Settings sample_settings() {
    Settings s;
    s.message_template = default_message_template();
    s.mail_subject = "Ссылка на оплату бронирования";
    return s;
}

GuestMailContext moscow(std::string hotel) {
    GuestMailContext c;
    c.hotel = std::move(hotel);
    c.expiry_offset_minutes = 180;
    c.zone_label = zone_label("Europe/Moscow", 180);
    return c;
}

bool has(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

} // namespace

BOOST_AUTO_TEST_SUITE(guest_mail)

BOOST_AUTO_TEST_CASE(zone_label_is_msk_for_moscow_else_the_offset) {
    BOOST_TEST(zone_label("Europe/Moscow", 180) == "МСК");
    BOOST_TEST(zone_label("Asia/Yekaterinburg", 300) == "UTC+5");
    BOOST_TEST(zone_label("Asia/Kolkata", 330) == "UTC+5:30");
    BOOST_TEST(zone_label("America/Sao_Paulo", -180) == "UTC-3");
    BOOST_TEST(zone_label("", 0) == "UTC");
    // Another zone at Moscow's offset is still named by its offset, not «МСК».
    BOOST_TEST(zone_label("Europe/Istanbul", 180) == "UTC+3");
}

BOOST_AUTO_TEST_CASE(hotel_name_is_the_setting_else_the_property) {
    Settings s;
    BOOST_TEST(guest_hotel_name(s, std::string(property_doc)) == "Гранд Отель «Заря»");
    BOOST_TEST(guest_hotel_name(s, std::nullopt).empty()); // a host older than 1.2
    s.hotel_name = "   ";
    BOOST_TEST(guest_hotel_name(s, std::string(property_doc)) == "Гранд Отель «Заря»");
    s.hotel_name = "Берёзка";
    BOOST_TEST(guest_hotel_name(s, std::string(property_doc)) == "Берёзка");
    BOOST_TEST(parse_property_name("not json").empty());
}

BOOST_AUTO_TEST_CASE(both_parts_name_the_hotel_amount_booking_and_expiry_with_its_zone) {
    const auto m = compose_guest_mail(sample_link(), sample_settings(), moscow("Гранд Отель «Заря»"));
    BOOST_TEST(m.to == "ivan@example.org");
    BOOST_TEST(m.subject == "Ссылка на оплату бронирования");
    // Text part.
    BOOST_TEST(has(m.text_body, "в отеле Гранд Отель «Заря» перейдите"), m.text_body);
    BOOST_TEST(has(m.text_body, "67\u00A0680,00\u00A0₽"));
    BOOST_TEST(has(m.text_body, "№471887"));
    BOOST_TEST(has(m.text_body, "до 08.12.2026 05:18 (МСК)"), m.text_body);
    BOOST_TEST(has(m.text_body, "https://pay.invoicebox.ru/order/abc"));
    BOOST_TEST(!has(m.text_body, "  "), m.text_body);
    BOOST_TEST(has(m.text_body, "С уважением, Гранд Отель «Заря»"));
    // HTML part: a document, the hotel as its heading, the amount unbreakable, a styled button.
    const auto& h = m.html_body;
    BOOST_TEST(h.starts_with("<!DOCTYPE html>"));
    BOOST_TEST(has(h, "<h1 style=\"font-size:20px;margin:0 0 16px\">Гранд Отель «Заря»</h1>"), h);
    BOOST_TEST(has(h, "<b>67\u00A0680,00\u00A0₽</b>"), h);
    BOOST_TEST(has(h, "№471887"));
    BOOST_TEST(has(h, "08.12.2026 05:18 (МСК)"));
    BOOST_TEST(has(h, "<a href=\"https://pay.invoicebox.ru/order/abc\" style=\"display:inline-block;"), h);
    BOOST_TEST(has(h, ">Оплатить 67\u00A0680,00\u00A0₽</a>"), h);
    BOOST_TEST(has(h, "<br>"));
    BOOST_TEST(!has(h, "{"), h); // no placeholder left
}

BOOST_AUTO_TEST_CASE(every_substituted_value_is_html_escaped) {
    auto link = sample_link();
    link.guest_name = "<script>alert('x')</script> & Co";
    link.booking_number = "47\"1887";
    link.payment_url = "https://pay.invoicebox.ru/order/a?b=1&c=\"2\"";
    const auto m = compose_guest_mail(link, sample_settings(), moscow("Отель <b>«Заря»</b>"));
    const auto& h = m.html_body;
    BOOST_TEST(!has(h, "<script>"), h);
    BOOST_TEST(has(h, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co"), h);
    BOOST_TEST(!has(h, "<b>«Заря»</b>"));
    BOOST_TEST(has(h, "Отель &lt;b&gt;«Заря»&lt;/b&gt;"));
    BOOST_TEST(has(h, "47&quot;1887"));
    BOOST_TEST(has(h, "href=\"https://pay.invoicebox.ru/order/a?b=1&amp;c=&quot;2&quot;\""), h);
    // The template's own text is escaped too.
    auto s = sample_settings();
    s.message_template = "Оплатите <тут>: {link} & спасибо";
    const auto m2 = compose_guest_mail(sample_link(), s, moscow("Заря"));
    BOOST_TEST(has(m2.html_body, "Оплатите &lt;тут&gt;: <a href="), m2.html_body);
    BOOST_TEST(has(m2.html_body, "&amp; спасибо"));
    BOOST_TEST(has(m2.text_body, "Оплатите <тут>: https://pay.invoicebox.ru/order/abc & спасибо"));
    // Only a web address becomes the button's href.
    link = sample_link();
    link.payment_url = "javascript:alert(1)";
    BOOST_TEST(!has(compose_guest_mail(link, sample_settings(), moscow("Заря")).html_body, "href=\"javascript:"));
}

BOOST_AUTO_TEST_CASE(no_hole_where_the_hotel_name_is_missing) {
    const auto m = compose_guest_mail(sample_link(), sample_settings(), moscow(""));
    BOOST_TEST(!has(m.text_body, "  "), m.text_body);
    BOOST_TEST(has(m.text_body, "в отеле перейдите"), m.text_body);
    BOOST_TEST(m.text_body.ends_with("С уважением"), m.text_body);
    BOOST_TEST(!has(m.text_body, "С уважением,"));
    BOOST_TEST(!has(m.html_body, "<h1"));
    BOOST_TEST(!has(m.html_body, "С уважением,"), m.html_body);
}

BOOST_AUTO_TEST_CASE(a_template_without_the_link_still_carries_it) {
    auto s = sample_settings();
    auto link = sample_link();
    link.message_template = "Здравствуйте, {guest_name}!";
    const auto m = compose_guest_mail(link, s, moscow("Заря"));
    BOOST_TEST(has(m.text_body, "Ссылка на оплату: https://pay.invoicebox.ru/order/abc"));
    BOOST_TEST(has(m.html_body, "<a href=\"https://pay.invoicebox.ru/order/abc\" style=\"display:inline-block;"));
}

BOOST_AUTO_TEST_CASE(empty_values_take_their_separator_with_them) {
    const MessageWriter plain{[](std::string_view t) { return std::string(t); },
                              [](std::string_view, std::string_view v) { return std::string(v); }};
    MessageValues v;
    v.guest_name = "Анна";
    BOOST_TEST(render_message_for_guest("Привет, {guest_name}!", v, plain) == "Привет, Анна!");
    BOOST_TEST(render_message_for_guest("Отель {hotel}, номер", v, plain) == "Отель, номер");
    BOOST_TEST(render_message_for_guest("С уважением, {hotel}\nPS", v, plain) == "С уважением\nPS");
    BOOST_TEST(render_message_for_guest("a  b   c \nd", v, plain) == "a b c\nd");
    BOOST_TEST(render_message_for_guest("{{x}} {unknown}", v, plain) == "{x} {unknown}");
    // A value of spaces is as empty as none.
    v.hotel = "  ";
    BOOST_TEST(render_message_for_guest("в отеле {hotel} ждём", v, plain) == "в отеле ждём");
}

BOOST_AUTO_TEST_SUITE_END()
