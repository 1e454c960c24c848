// The right seller (issue 9, architecture §7): each legal entity's folio is paid into that
// company's own InvoiceBox shop — a second shop for «ООО «ЙЕС-АРЕНДА»» (the simulator's second
// account) next to «Суперотель»'s main shop — and a company without a shop gets no link at all.
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <set>

using namespace ibe2e;
namespace fs = std::filesystem;

namespace {

constexpr const char* second_folio_number = "30682278";

/// The id of the account `number` of the demo booking.
std::string account_id(World& w, const std::string& number) {
    auto r = w.http.get(w.api("/bookings/" + std::string(booking_number)));
    BOOST_REQUIRE_MESSAGE(r.status == 200, "booking: " + r.describe());
    for (const auto& a : r.json.at("accounts").as_array())
        if (a.at("number").as_string() == number)
            return std::string(a.at("id").as_string());
    BOOST_FAIL("no account " + number + " in booking 471887: " + r.body);
    return {};
}

/// The InvoiceBox button pressed on any account of the booking.
World::View click_on(World& w, const std::string& folio_id) {
    World::View v;
    v.reply = w.http.post(w.api("/folios/" + folio_id + "/buttons/" + plugin_id + "/" + button_id + "/click"),
                          json::object{{"locale", "ru-RU"}}, 45s);
    BOOST_REQUIRE_MESSAGE(v.reply.status == 200 && v.reply.json.is_object(), "click: " + v.reply.describe());
    v.session = std::string(v.reply.json.at("session_id").as_string());
    v.view = v.reply.json.at("view");
    return v;
}

std::vector<json::object> payments_of(World& w, const std::string& folio_id) {
    auto r = w.http.get(w.api("/folios/" + folio_id));
    BOOST_REQUIRE_MESSAGE(r.status == 200, "GET folio: " + r.describe());
    std::vector<json::object> out;
    for (const auto& p : r.json.at("payments").as_array())
        out.push_back(p.as_object());
    return out;
}

std::size_t postings_for(World& w, const std::string& folio_id, const std::string& order_id) {
    std::size_t n = 0;
    for (const auto& p : payments_of(w, folio_id))
        if (std::string(p.at("idempotency_key").as_string()).find(order_id) != std::string::npos)
            ++n;
    return n;
}

/// Creates a link for `amount` in an open dialog and returns the simulator's order of the new row.
json::object create_and_find_order(World& w, const World::View& dialog, const std::string& amount) {
    std::set<std::string> before;
    for (const auto& r : World::link_rows(w.refresh(dialog.session).view))
        before.insert(std::string(r.at("key").as_string()));
    auto made = w.create_link(dialog.session, amount, false);
    BOOST_REQUIRE_MESSAGE(made.reply.status == 200, "create: " + made.reply.describe());
    std::string moid;
    for (const auto& r : World::link_rows(made.view))
        if (!before.count(std::string(r.at("key").as_string())))
            moid = std::string(r.at("key").as_string());
    BOOST_REQUIRE_MESSAGE(!moid.empty(), "no new link row: " + made.reply.body);
    auto order = w.sim_order_by_moid(moid);
    BOOST_REQUIRE_MESSAGE(order, "no simulator order for " + moid);
    return *order;
}

std::string secret_in(World& w, const std::string& name, const std::string& value) {
    const auto path = w.dir.path() / ("secret-" + name);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << value << "\n";
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
    return path.string();
}

} // namespace

BOOST_AUTO_TEST_SUITE(seller)

BOOST_AUTO_TEST_CASE(each_legal_entity_is_paid_into_its_own_shop) {
    World w;
    HostStart start;
    const std::string p = std::string(plugin_id) + ":1:";
    start.extra_args = {"--setting", p + "legal_entities/0/legal_entity_id=" + yes_arenda_legal_entity_id,
                        "--setting", p + "legal_entities/0/merchant_id=" + foreign_merchant_id,
                        "--secret", p + "legal_entities/0/api_token=@" + secret_in(w, "le2_token", foreign_token),
                        "--secret", p + "legal_entities/0/api_key=@" + secret_in(w, "le2_key", foreign_key)};
    w.start_host(start);
    w.map_payment_kind();

    // The presets name the seed's legal entities by id: make sure the ids mean those companies.
    auto property = w.http.get(w.host_url() + "/api/properties/1");
    BOOST_REQUIRE_MESSAGE(property.status == 200, "GET property: " + property.describe());
    std::map<std::string, std::string> entities;
    for (const auto& e : property.json.at("legal_entities").as_array())
        entities[std::string(e.at("id").as_string())] = std::string(e.at("name").as_string());
    BOOST_REQUIRE_EQUAL(entities[superhotel_legal_entity_id], "ООО «Суперотель»");
    BOOST_REQUIRE_EQUAL(entities[yes_arenda_legal_entity_id], "ООО «ЙЕС-АРЕНДА»");

    const std::string main_folio = w.folio_id();
    const std::string second_folio = account_id(w, second_folio_number);

    auto main_dialog = click_on(w, main_folio);
    const auto order_a = create_and_find_order(w, main_dialog, "1500.00");
    auto second_dialog = click_on(w, second_folio);
    const auto order_b = create_and_find_order(w, second_dialog, "2500.00");

    // Which shop received which order: «Суперотель»'s account got A, «ЙЕС-АРЕНДА»'s got B.
    BOOST_CHECK_EQUAL(std::string(order_a.at("merchantId").as_string()), merchant_id);
    BOOST_CHECK_EQUAL(std::string(order_b.at("merchantId").as_string()), foreign_merchant_id);
    const std::string a_id(order_a.at("id").as_string());
    const std::string b_id(order_b.at("id").as_string());

    w.sim_pay(a_id);
    w.sim_pay(b_id);
    BOOST_REQUIRE_MESSAGE(World::wait_until([&] { return postings_for(w, main_folio, a_id) == 1 &&
                                                         postings_for(w, second_folio, b_id) == 1; },
                                            60s),
                          "payments not posted:\n" + w.host_log());
    // Each posting landed on its own folio, once, and nowhere else.
    BOOST_CHECK_EQUAL(postings_for(w, main_folio, b_id), 0u);
    BOOST_CHECK_EQUAL(postings_for(w, second_folio, a_id), 0u);
    for (const auto& pay : payments_of(w, second_folio))
        if (std::string(pay.at("idempotency_key").as_string()).find(b_id) != std::string::npos)
            BOOST_CHECK_EQUAL(pay.at("amount_minor").to_number<std::int64_t>(), 250000);
    // B's notification was signed with the second shop's key and came to its own route.
    bool to_second_route = false;
    for (const auto& n : w.sim_notifications(b_id))
        if (n.contains("url") && std::string(n.at("url").as_string()).find("/le/" + std::string(yes_arenda_legal_entity_id)) !=
                                     std::string::npos)
            to_second_route = true;
    BOOST_CHECK_MESSAGE(to_second_route, "order B was not notified on the second shop's route");
}

BOOST_AUTO_TEST_CASE(legal_entity_without_a_shop_gets_an_explanation_and_no_order) {
    World w;
    w.start_host(); // the main shop only: «Суперотель»'s
    w.map_payment_kind();
    const std::string second_folio = account_id(w, second_folio_number);

    auto v = click_on(w, second_folio);
    const auto text = World::all_text(v.view);
    BOOST_CHECK_MESSAGE(text.find("Для юрлица «ООО «ЙЕС-АРЕНДА»» не настроен магазин InvoiceBox") != std::string::npos,
                        "no explanation in the dialog: " + v.reply.body);
    bool create_enabled = true;
    for (const auto& b : v.view.at("buttons").as_array())
        if (b.at("id").as_string() == "create")
            create_enabled = !(b.as_object().contains("disabled") && b.at("disabled").as_bool());
    BOOST_CHECK_MESSAGE(!create_enabled, "«Создать ссылку» is offered: " + v.reply.body);

    // Even a submit sent by hand creates nothing at InvoiceBox.
    auto submit = w.event(v.session, json::object{{"action", "submit_create"},
                                                  {"values", json::object{{"amount", "1000.00"},
                                                                          {"description", "Предоплата"},
                                                                          {"message_template", "{link}"},
                                                                          {"lifetime", "24h"},
                                                                          {"send_mail", false}}}});
    BOOST_CHECK_MESSAGE(submit.reply.status == 200, "submit: " + submit.reply.describe());
    BOOST_CHECK_MESSAGE(World::all_text(submit.view).find("не настроен магазин InvoiceBox") != std::string::npos,
                        "submit answer: " + submit.reply.body);
    BOOST_CHECK_EQUAL(w.sim_orders().size(), 0u);
    BOOST_CHECK(World::link_rows(w.refresh(v.session).view).empty());

    // The main shop's company is unaffected: its account still gets its link.
    auto main_dialog = click_on(w, w.folio_id());
    const auto order = create_and_find_order(w, main_dialog, "1000.00");
    BOOST_CHECK_EQUAL(std::string(order.at("merchantId").as_string()), merchant_id);
}

BOOST_AUTO_TEST_SUITE_END()
