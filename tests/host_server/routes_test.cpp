// Every route of pms-host's HTTP server, against the real executable with the server fixture
// plugins: plugin list (loaded and refused), enable/disable, settings with a secret that never
// comes back, validation errors, payment mapping, folio data of the demo booking, folio buttons,
// views and view events, plugin pages (pms.admin-page/1), the notification route, notifications
// and the live event stream, static files and the JSON errors.
#include "host_process.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <thread>

namespace json = boost::json;
using namespace std::chrono_literals;
using pms::test::EventStream;
using pms::test::HostProcess;
using pms::test::staff_headers;

namespace {

const std::string fixture_id = "test.pms.server-fixture";
const std::string refused_id = "test.pms.server-refused";
const std::string secret_value = "S3cr3t-Token-4242-XYZ";

std::string property_path(HostProcess& host) {
    return "/api/properties/" + host.demo_property();
}

std::string plugin_path(HostProcess& host) {
    return property_path(host) + "/plugins/" + fixture_id;
}

void enable_fixture(HostProcess& host) {
    const auto reply = host.post_json(plugin_path(host) + "/enable", json::object{});
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    BOOST_TEST(reply.json.at("enabled").as_bool());
}

// The ★ account of booking 471887.
std::string main_folio_id(HostProcess& host) {
    const auto reply = host.get(property_path(host) + "/bookings/471887");
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    for (const auto& a : reply.json.at("accounts").as_array())
        if (a.at("is_main").as_bool())
            return std::string{a.at("id").as_string()};
    BOOST_FAIL("no main account");
    return {};
}

const json::object* find_by(const json::array& list, std::string_view key, std::string_view value) {
    for (const auto& item : list)
        if (item.is_object() && item.as_object().contains(key) && item.at(key).is_string() &&
            item.at(key).as_string() == value)
            return &item.as_object();
    return nullptr;
}

} // namespace

BOOST_AUTO_TEST_SUITE(routes)

BOOST_AUTO_TEST_CASE(health_and_plugin_list_with_refused_plugin) {
    HostProcess host;
    const auto health = host.get("/api/health");
    BOOST_TEST(health.status == 200);
    BOOST_TEST(health.json.at("status").as_string() == "ok");
    BOOST_TEST(health.json.at("fake_clock").as_bool());

    const auto reply = host.get("/api/plugins");
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    const auto& plugins = reply.json.at("plugins").as_array();
    const auto* fixture = find_by(plugins, "id", fixture_id);
    BOOST_TEST_REQUIRE(fixture != nullptr);
    BOOST_TEST(fixture->at("state").as_string() == "loaded");
    BOOST_TEST(fixture->at("capabilities").as_array().size() == 5u); // with pms.admin-page/1
    BOOST_TEST(fixture->at("properties").as_array().size() >= 1u);
    BOOST_TEST(!fixture->at("properties").as_array()[0].at("enabled").as_bool());

    const auto* refused = find_by(plugins, "id", refused_id);
    BOOST_TEST_REQUIRE(refused != nullptr);
    BOOST_TEST(refused->at("state").as_string() == "refused");
    const std::string reason{refused->at("refusal_reason").as_string()};
    BOOST_TEST(!reason.empty());
    BOOST_TEST(reason.find("99") != std::string::npos, reason);

    // Enabling a refused plugin is a clear error, not a crash.
    const auto enable =
        host.post_json(property_path(host) + "/plugins/" + refused_id + "/enable", json::object{});
    BOOST_TEST(enable.status == 409, enable.body);
    BOOST_TEST(enable.json.at("error").at("code").as_string() == "plugin_refused");
}

BOOST_AUTO_TEST_CASE(properties_bookings_and_folio_totals) {
    HostProcess host;
    const auto properties = host.get("/api/properties");
    BOOST_TEST_REQUIRE(properties.status == 200);
    const auto* demo =
        find_by(properties.json.at("properties").as_array(), "name", "Гранд Отель Суперотель");
    BOOST_TEST_REQUIRE(demo != nullptr);
    BOOST_TEST(demo->at("legal_entities").as_array().size() == 2u);

    const auto booking = host.get(property_path(host) + "/bookings/471887");
    BOOST_TEST_REQUIRE(booking.status == 200, booking.body);
    BOOST_TEST(booking.json.at("number").as_string() == "471887");
    const auto& accounts = booking.json.at("accounts").as_array();
    BOOST_TEST_REQUIRE(accounts.size() == 2u);
    const auto& main = accounts[0].as_object(); // ★ first
    BOOST_TEST(main.at("is_main").as_bool());
    BOOST_TEST(main.at("number").as_string() == "30682277");
    BOOST_TEST(main.at("totals").at("services_minor").as_int64() == 6768000);
    BOOST_TEST(main.at("totals").at("payments_minor").as_int64() == 0);
    BOOST_TEST(main.at("totals").at("balance_due_minor").as_int64() == 6768000);
    BOOST_TEST(main.at("lines").as_array().size() == 6u);
    BOOST_TEST(main.at("legal_entity").at("name").as_string() == "ООО «Суперотель»");

    const std::string folio = std::string{main.at("id").as_string()};
    const auto detail = host.get(property_path(host) + "/folios/" + folio);
    BOOST_TEST_REQUIRE(detail.status == 200, detail.body);
    BOOST_TEST(detail.json.at("totals").at("balance_due_minor").as_int64() == 6768000);
    BOOST_TEST(detail.json.at("currency").as_string() == "RUB");
    BOOST_TEST(detail.json.at("booking").at("number").as_string() == "471887");
    BOOST_TEST(detail.json.at("booking_accounts").as_array().size() == 2u);
    std::int64_t sum = 0;
    for (const auto& line : detail.json.at("lines").as_array())
        sum += line.at("amount_minor").as_int64();
    BOOST_TEST(sum == 6768000);

    BOOST_TEST(host.get(property_path(host) + "/folios/999999").status == 404);
    BOOST_TEST(host.get(property_path(host) + "/bookings/000000").status == 404);
    BOOST_TEST(host.get("/api/properties/999/folios/" + folio).status == 404);

    const auto categories = host.get(property_path(host) + "/payment-categories");
    BOOST_TEST_REQUIRE(categories.status == 200);
    BOOST_TEST(find_by(categories.json.at("categories").as_array(), "name", "Безналичный расчёт") !=
               nullptr);
}

BOOST_AUTO_TEST_CASE(enable_and_disable_per_property) {
    HostProcess host;
    const auto before = host.get(property_path(host) + "/plugins");
    BOOST_TEST_REQUIRE(before.status == 200);
    BOOST_TEST(
        !find_by(before.json.at("plugins").as_array(), "id", fixture_id)->at("enabled").as_bool());

    enable_fixture(host);
    const auto after = host.get(property_path(host) + "/plugins");
    const auto* entry = find_by(after.json.at("plugins").as_array(), "id", fixture_id);
    BOOST_TEST(entry->at("enabled").as_bool());
    BOOST_TEST(entry->at("instance").at("state").as_string() == "active");
    const std::string url{entry->at("notification_url").as_string()};
    BOOST_TEST(url == host.base_url() + "/hooks/" + fixture_id + "/" + host.demo_property() + "/");

    const auto folio = main_folio_id(host);
    auto buttons = host.get(property_path(host) + "/folios/" + folio + "/buttons");
    BOOST_TEST_REQUIRE(buttons.status == 200, buttons.body);
    BOOST_TEST(buttons.json.at("buttons").as_array().size() == 1u);

    const auto disable = host.post_json(plugin_path(host) + "/disable", json::object{});
    BOOST_TEST_REQUIRE(disable.status == 200, disable.body);
    BOOST_TEST(!disable.json.at("enabled").as_bool());
    buttons = host.get(property_path(host) + "/folios/" + folio + "/buttons");
    BOOST_TEST(buttons.json.at("buttons").as_array().empty());

    BOOST_TEST(
        host.post_json(property_path(host) + "/plugins/no.such.plugin/enable", json::object{})
            .status == 404);
    BOOST_TEST(host.request("GET", plugin_path(host) + "/enable").status == 405);
}

BOOST_AUTO_TEST_CASE(settings_secret_is_write_only) {
    HostProcess host;
    enable_fixture(host);
    const std::string settings = plugin_path(host) + "/settings";

    auto page = host.get(settings);
    BOOST_TEST_REQUIRE(page.status == 200, page.body);
    BOOST_TEST(page.json.at("schema").at("properties").as_object().contains("api_token"));
    BOOST_TEST(page.json.at("secrets").at("/api_token").at("set").as_bool() == false);
    // API 1.3 "x-prefill": the empty field shows the exact notification URL of this property.
    const std::string hook_url{page.json.at("notification_url").as_string()};
    BOOST_TEST(hook_url.find("/hooks/" + fixture_id + "/" + host.demo_property() + "/") !=
               std::string::npos);
    BOOST_TEST(page.json.at("values").at("hook_url").as_string() == hook_url);
    BOOST_TEST(json::serialize(page.json.at("prefilled")) == R"(["/hook_url"])");

    auto saved = host.put_json(
        settings,
        json::object{
            {"values", {{"shop_id", "shop-1"}, {"api_token", secret_value}, {"retries", 5}}}});
    BOOST_TEST_REQUIRE(saved.status == 200, saved.body);
    BOOST_TEST(saved.json.at("saved").as_bool());
    BOOST_TEST(saved.json.at("values").at("shop_id").as_string() == "shop-1");
    BOOST_TEST(!saved.json.at("values").as_object().contains("api_token"));
    BOOST_TEST(saved.json.at("secrets").at("/api_token").at("set").as_bool());

    page = host.get(settings);
    BOOST_TEST(page.json.at("values").at("retries").as_int64() == 5);
    BOOST_TEST(page.json.at("values").at("hook_url").as_string() == hook_url); // still blank
    saved = host.put_json(settings, json::object{{"values", {{"shop_id", "shop-1"},
                                                             {"hook_url", "https://proxy.example/h"}}}});
    BOOST_TEST_REQUIRE(saved.status == 200, saved.body);
    BOOST_TEST(saved.json.at("values").at("hook_url").as_string() == "https://proxy.example/h");
    BOOST_TEST(saved.json.at("prefilled").as_array().empty());
    BOOST_TEST(page.json.at("secrets").at("/api_token").at("set").as_bool());

    // A blank secret keeps the stored one: the action sees the stored token filled in.
    saved = host.put_json(settings,
                          json::object{{"values", {{"shop_id", "shop-2"}, {"api_token", ""}}}});
    BOOST_TEST_REQUIRE(saved.status == 200, saved.body);
    BOOST_TEST(saved.json.at("secrets").at("/api_token").at("set").as_bool());
    const auto action =
        host.post_json(settings + "/actions/check",
                       json::object{{"values", {{"shop_id", "shop-2"}, {"api_token", ""}}}});
    BOOST_TEST_REQUIRE(action.status == 200, action.body);
    BOOST_TEST(action.json.at("ok").as_bool());
    BOOST_TEST(action.json.at("result").at("message").as_string() ==
               "Checked: token length " + std::to_string(secret_value.size()));
    BOOST_TEST(host.post_json(settings + "/actions/nope", json::object{}).status >= 400);

    // The fixture logs the token carelessly after each save; the host must have masked it.
    BOOST_TEST(host.wait_for_log("fixture settings changed, token=", 5s));
    BOOST_TEST(host.all_bodies().find(secret_value) == std::string::npos);
    BOOST_TEST(host.stderr_text().find(secret_value) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(settings_validation_errors_are_422) {
    HostProcess host;
    enable_fixture(host);
    const std::string settings = plugin_path(host) + "/settings";

    // The plugin's validate(): a cross-field rule.
    auto reply = host.put_json(settings, json::object{{"values", {{"shop_id", "bad"}}}});
    BOOST_TEST_REQUIRE(reply.status == 422, reply.body);
    BOOST_TEST(reply.json.at("errors").as_object().contains("/shop_id"));
    BOOST_TEST(reply.json.at("error").at("code").as_string() == "validation_failed");

    // The schema: a required field missing, a maximum exceeded.
    reply = host.put_json(settings, json::object{{"values", json::object{}}});
    BOOST_TEST(reply.status == 422, reply.body);
    BOOST_TEST(!reply.json.at("errors").as_object().empty());
    reply = host.put_json(settings, json::object{{"values", {{"shop_id", "ok"}, {"retries", 42}}}});
    BOOST_TEST(reply.status == 422, reply.body);

    // Malformed requests.
    reply = host.request("PUT", settings, "{not json", {{"Content-Type", "application/json"}});
    BOOST_TEST(reply.status == 400);
    BOOST_TEST(reply.json.at("error").at("code").as_string() == "invalid_json");
    reply = host.put_json(settings, json::object{{"nothing", 1}});
    BOOST_TEST(reply.status == 400);
}

// The host's mail sender (issue 10): a default that is not localhost (the property's name,
// no-reply@ the public URL's host), saved by an admin, validated, refused to front desk, and
// overridden by --mail-from for operations.
BOOST_AUTO_TEST_CASE(mail_settings_default_save_validate) {
    pms::test::HostOptions options;
    options.extra_args = {"--public-url", "https://pms.grand.example:8443/"};
    HostProcess host{options};
    const std::string mail = property_path(host) + "/mail-settings";
    const auto property = host.get(property_path(host));
    BOOST_TEST_REQUIRE(property.status == 200, property.body);

    auto page = host.get(mail);
    BOOST_TEST_REQUIRE(page.status == 200, page.body);
    BOOST_TEST(page.json.at("sender_address").as_string() == "no-reply@pms.grand.example");
    BOOST_TEST(page.json.at("sender_name").as_string() == property.json.at("name").as_string());
    BOOST_TEST(page.json.at("source").as_string() == "default");
    BOOST_TEST(page.json.at("effective").at("address").as_string() == "no-reply@pms.grand.example");

    auto bad = host.put_json(mail, json::object{{"sender_name", "Отель\r\nBcc: x@y.example"},
                                                {"sender_address", "no-reply@localhost\r\n"}});
    BOOST_TEST_REQUIRE(bad.status == 422, bad.body);
    BOOST_TEST(bad.json.at("errors").as_object().contains("/sender_name"));
    BOOST_TEST(bad.json.at("errors").as_object().contains("/sender_address"));
    bad = host.put_json(mail, json::object{{"sender_name", "Отель"}, {"sender_address", "отель"}});
    BOOST_TEST(bad.status == 422, bad.body);
    BOOST_TEST(host.get(mail).json.at("source").as_string() == "default");

    auto saved = host.put_json(mail, json::object{{"sender_name", " Гранд Отель "},
                                                  {"sender_address", "booking@grand.example"}});
    BOOST_TEST_REQUIRE(saved.status == 200, saved.body);
    BOOST_TEST(saved.json.at("saved").as_bool());
    page = host.get(mail);
    BOOST_TEST(page.json.at("sender_name").as_string() == "Гранд Отель");
    BOOST_TEST(page.json.at("sender_address").as_string() == "booking@grand.example");
    BOOST_TEST(page.json.at("effective").at("source").as_string() == "settings");

    // Front desk may neither read nor change it.
    const auto cookie = host.extra_session("frontdesk");
    const auto refused = host.request("GET", mail, "", {{"Cookie", cookie}});
    BOOST_TEST(refused.status == 403, refused.body);
}

BOOST_AUTO_TEST_CASE(mail_from_on_the_command_line_wins) {
    pms::test::HostOptions options;
    options.extra_args = {"--public-url", "https://pms.grand.example/", "--mail-from",
                          "ops@relay.example"};
    HostProcess host{options};
    const std::string mail = property_path(host) + "/mail-settings";
    const auto saved = host.put_json(mail, json::object{{"sender_name", "Гранд Отель"},
                                                        {"sender_address", "booking@grand.example"}});
    BOOST_TEST_REQUIRE(saved.status == 200, saved.body);
    BOOST_TEST(saved.json.at("sender_address").as_string() == "booking@grand.example");
    BOOST_TEST(saved.json.at("effective").at("address").as_string() == "ops@relay.example");
    BOOST_TEST(saved.json.at("effective").at("source").as_string() == "command_line");
}

// The module's state (issue 10, API 1.3 "x-check"): never "ok" right after enabling; the host
// runs the declared check itself after enabling and after each save.
BOOST_AUTO_TEST_CASE(module_check_runs_after_enable_and_save) {
    HostProcess host;
    const auto check_state = [&host]() -> json::object {
        for (int i = 0; i < 100; ++i) {
            const auto list = host.get(property_path(host) + "/plugins");
            const auto* entry = find_by(list.json.at("plugins").as_array(), "id", fixture_id);
            if (entry != nullptr && entry->at("check").is_object() &&
                entry->at("check").at("state").as_string() != "checking")
                return entry->at("check").as_object();
            std::this_thread::sleep_for(50ms);
        }
        BOOST_FAIL("the module check never finished");
        return {};
    };
    const auto before = host.get(property_path(host) + "/plugins");
    BOOST_TEST(find_by(before.json.at("plugins").as_array(), "id", fixture_id)->at("check").is_null());

    enable_fixture(host);
    auto c = check_state();
    BOOST_TEST(c.at("state").as_string() == "not_configured", json::serialize(c));
    BOOST_TEST(c.at("action").as_string() == "check");

    const std::string settings = plugin_path(host) + "/settings";
    auto saved = host.put_json(settings, json::object{{"values", {{"shop_id", "shop-1"}}}});
    BOOST_TEST_REQUIRE(saved.status == 200, saved.body);
    c = check_state();
    BOOST_TEST(c.at("state").as_string() == "failed", json::serialize(c));
    BOOST_TEST(c.at("message").as_string() == "Checked: token length 0");
    BOOST_TEST(!c.at("checked_at").as_string().empty());

    saved = host.put_json(settings, json::object{{"values", {{"shop_id", "shop-1"},
                                                             {"api_token", secret_value}}}});
    BOOST_TEST_REQUIRE(saved.status == 200, saved.body);
    c = check_state();
    BOOST_TEST(c.at("state").as_string() == "ok", json::serialize(c));
    BOOST_TEST(host.all_bodies().find(secret_value) == std::string::npos);

    BOOST_TEST_REQUIRE(host.post_json(plugin_path(host) + "/disable", json::object{}).status == 200);
    const auto after = host.get(property_path(host) + "/plugins");
    BOOST_TEST(find_by(after.json.at("plugins").as_array(), "id", fixture_id)->at("check").is_null());
}

BOOST_AUTO_TEST_CASE(payment_mapping_round_trip) {
    HostProcess host;
    enable_fixture(host);
    const std::string mapping = plugin_path(host) + "/payment-mapping";

    auto reply = host.get(mapping);
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    const auto& kinds = reply.json.at("kinds").as_array();
    BOOST_TEST_REQUIRE(kinds.size() == 2u);
    BOOST_TEST(find_by(kinds, "code", "payment")->at("mapping").is_null());
    BOOST_TEST(find_by(kinds, "code", "refund")->at("direction").as_string() == "outgoing");
    const auto* cashless =
        find_by(reply.json.at("categories").as_array(), "name", "Безналичный расчёт");
    BOOST_TEST_REQUIRE(cashless != nullptr);
    const auto* online =
        find_by(cashless->at("types").as_array(), "name", "Онлайн-оплата (ссылка)");
    BOOST_TEST_REQUIRE(online != nullptr);
    const std::string category{cashless->at("id").as_string()};
    const std::string type{online->at("id").as_string()};

    reply = host.put_json(
        mapping, json::object{{"mappings", json::array{json::object{{"kind", "payment"},
                                                                    {"category_id", category},
                                                                    {"type_id", type}}}}});
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    const auto* payment = find_by(reply.json.at("kinds").as_array(), "code", "payment");
    BOOST_TEST(payment->at("mapping").at("category_id").as_string() == category);
    BOOST_TEST(payment->at("mapping").at("type_id").as_string() == type);

    reply = host.get(mapping);
    BOOST_TEST(find_by(reply.json.at("kinds").as_array(), "code", "payment")
                   ->at("mapping")
                   .at("type_id")
                   .as_string() == type);
    BOOST_TEST(
        find_by(reply.json.at("kinds").as_array(), "code", "refund")->at("mapping").is_null());

    reply = host.put_json(
        mapping, json::object{{"mappings", json::array{json::object{{"kind", "no-such-kind"},
                                                                    {"category_id", category},
                                                                    {"type_id", type}}}}});
    BOOST_TEST(reply.status == 400, reply.body);
    reply = host.put_json(
        mapping, json::object{{"mappings", json::array{json::object{{"kind", "payment"}}}}});
    BOOST_TEST(reply.status == 400);
}

BOOST_AUTO_TEST_CASE(folio_button_click_and_view_events) {
    HostProcess host;
    enable_fixture(host);
    const auto folio = main_folio_id(host);
    const std::string folio_path = property_path(host) + "/folios/" + folio;

    const auto buttons = host.get(folio_path + "/buttons");
    BOOST_TEST_REQUIRE(buttons.status == 200, buttons.body);
    const auto& button = buttons.json.at("buttons").as_array().at(0);
    BOOST_TEST(button.at("plugin_id").as_string() == fixture_id);
    BOOST_TEST(button.at("button_id").as_string() == "fixture-dialog");
    BOOST_TEST(button.at("label").as_string() == "Fixture dialog");
    BOOST_TEST(button.at("enabled").as_bool());

    const std::string click = folio_path + "/buttons/" + fixture_id + "/fixture-dialog/click";
    // Nobody signed in: no view, whatever the request claims.
    auto reply = host.post_json(click, json::object{{"staff", {{"id", "u-17"}, {"name", "Anna"}}}},
                                {{"Cookie", ""}, {"X-Staff-Id", "u-17"}});
    BOOST_TEST(reply.status == 401, reply.body);
    BOOST_TEST(reply.json.at("error").at("code").as_string() == "not_signed_in");

    // Signed in as admin: the staff user the plugin sees is the session's login; the staff
    // headers (and body members) a client sends are ignored.
    reply = host.post_json(click, json::object{}, staff_headers("u-17", "Anna%20Petrova"));
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    const std::string session{reply.json.at("session_id").as_string()};
    BOOST_TEST(!session.empty());
    BOOST_TEST(reply.json.at("view").at("title").as_string() == "Fixture step 1");
    BOOST_TEST(reply.json.at("view").at("elements").at(0).at("text").as_string() ==
               "folio " + folio + " by admin");
    // The money default stays text, byte for byte.
    BOOST_TEST(reply.body.find("\"value\":\"1550.00\"") != std::string::npos);

    const std::string view_path = property_path(host) + "/views/" + session;
    auto current = host.get(view_path);
    BOOST_TEST_REQUIRE(current.status == 200, current.body);
    BOOST_TEST(current.json.at("folio_id").as_string() == folio);

    reply = host.post_json(view_path + "/events",
                           json::object{{"kind", "button"},
                                        {"action", "next"},
                                        {"values", {{"amount", "1550.00"}}},
                                        {"staff", {{"id", "u-18"}, {"name", "Boris"}}}},
                           staff_headers("u-19", "Vera"));
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    BOOST_TEST(reply.json.at("view").at("title").as_string() == "Fixture step 2");
    BOOST_TEST(reply.json.at("view").at("elements").at(0).at("text").as_string() ==
               "event by admin, amount ok");

    // Bad events: no action, an unknown kind, a row action without its row, a number as a
    // form value, an unknown session.
    BOOST_TEST(host.post_json(view_path + "/events", json::object{{"kind", "button"}}).status ==
               400);
    BOOST_TEST(host.post_json(view_path + "/events",
                              json::object{{"kind", "swipe"}, {"action", "next"}})
                   .status == 400);
    BOOST_TEST(host.post_json(view_path + "/events",
                              json::object{{"kind", "row_action"}, {"action", "next"}})
                   .status == 400);
    BOOST_TEST(host.post_json(view_path + "/events",
                              json::object{{"action", "next"}, {"values", {{"n", 1}}}})
                   .status == 400);
    reply = host.post_json(property_path(host) + "/views/vs-nope/events",
                           json::object{{"action", "x"}});
    BOOST_TEST(reply.status == 404);
    BOOST_TEST(reply.json.at("error").at("code").as_string() == "unknown_view");
    // The session survived the bad events.
    BOOST_TEST(host.get(view_path).status == 200);

    // The plugin closes the dialog.
    reply = host.post_json(view_path + "/events", json::object{{"action", "close"}});
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    BOOST_TEST(reply.json.at("closed").as_bool());
    BOOST_TEST(reply.json.at("view").is_null());
    BOOST_TEST(host.get(view_path).status == 404);

    // A second dialog closed by the staff (DELETE is a state change: JSON from our origin).
    reply = host.post_json(click, json::object{{"staff", {{"id", "u-17"}, {"name", "Anna"}}}});
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    BOOST_TEST(reply.json.at("view").at("elements").at(0).at("text").as_string() ==
               "folio " + folio + " by admin");
    const std::string second{reply.json.at("session_id").as_string()};
    BOOST_TEST(second != session);
    BOOST_TEST(host.request("DELETE", property_path(host) + "/views/" + second, "",
                            {{"Content-Type", "application/json"}})
                   .status == 200);
    BOOST_TEST(host.get(property_path(host) + "/views/" + second).status == 404);

    // A third closed with POST .../close.
    reply = host.post_json(click, json::object{});
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    const std::string third{reply.json.at("session_id").as_string()};
    reply = host.post_json(property_path(host) + "/views/" + third + "/close", json::object{});
    BOOST_TEST(reply.status == 200, reply.body);
    BOOST_TEST(reply.json.at("closed").as_bool());
    BOOST_TEST(host.get(property_path(host) + "/views/" + third).status == 404);

    BOOST_TEST(host.post_json(folio_path + "/buttons/" + fixture_id + "/no-button/click",
                              json::object{})
                   .status >= 400);
}

BOOST_AUTO_TEST_CASE(notification_route_passes_the_plugin_reply_through) {
    HostProcess host;
    enable_fixture(host);
    const std::string property = host.demo_property();
    const std::string hooks = "/hooks/" + fixture_id + "/" + property;
    // Providers have no staff session: the notification door does not ask for one.
    const std::string staff_cookie = host.cookie();
    host.forget_session();

    std::string body = "{\"id\":\"n-1\",\"amount\":1550.0}";
    body.push_back('\0');
    body += "\xff\xfe raw bytes";
    auto reply = host.request("POST", hooks + "/echo?x=%20y", body,
                              {{"Content-Type", "application/json"}, {"X-Signature", "abc"}});
    BOOST_TEST_REQUIRE(reply.status == 202, reply.body);
    BOOST_TEST(reply.body == body);
    BOOST_TEST(reply.header("Content-Type").value_or("") == "application/octet-stream");
    BOOST_TEST(reply.header("X-Fixture-Path").value_or("") == "echo");
    BOOST_TEST(reply.header("X-Fixture-Body-Bytes").value_or("") == std::to_string(body.size()));

    reply = host.request("POST", hooks + "/invoicebox/notify", "{}");
    BOOST_TEST(reply.status == 200);
    BOOST_TEST(reply.body == "{\"status\":\"success\"}");
    BOOST_TEST(reply.header("X-Fixture-Path").value_or("") == "invoicebox/notify");

    // Any method reaches the plugin.
    reply = host.request("GET", hooks + "/probe");
    BOOST_TEST(reply.status == 200);

    reply = host.request("POST", hooks + "/unavailable", "{}");
    BOOST_TEST(reply.status == 503, reply.body);
    BOOST_TEST(reply.json.is_object());

    reply = host.request("POST", "/hooks/no.such.plugin/" + property + "/x", "{}");
    BOOST_TEST(reply.status == 404);
    BOOST_TEST(reply.json.at("error").at("code").as_string() == "unknown_plugin");
    reply = host.request("POST", "/hooks/" + fixture_id + "/999/x", "{}");
    BOOST_TEST(reply.status == 404);
    reply = host.request("POST", "/hooks/" + fixture_id + "/not-a-number/x", "{}");
    BOOST_TEST(reply.status == 404);
    reply = host.request("POST", "/hooks/" + refused_id + "/" + property + "/x", "{}");
    BOOST_TEST(reply.status == 404);

    // Disabled again: 404 without calling the plugin.
    host.set_cookie(staff_cookie);
    BOOST_TEST_REQUIRE(host.post_json(plugin_path(host) + "/disable", json::object{}).status ==
                       200);
    reply = host.request("POST", hooks + "/echo", "x");
    BOOST_TEST(reply.status == 404);
}

BOOST_AUTO_TEST_CASE(live_events_carry_notifications_and_pushed_views) {
    HostProcess host;
    enable_fixture(host);
    const std::string property = host.demo_property();
    const auto folio = main_folio_id(host);

    // Open a dialog so that the plugin has a session to push into.
    auto click = host.post_json(property_path(host) + "/folios/" + folio + "/buttons/" +
                                    fixture_id + "/fixture-dialog/click",
                                json::object{});
    BOOST_TEST_REQUIRE(click.status == 200, click.body);
    const std::string session{click.json.at("session_id").as_string()};

    // Without a session the stream is refused.
    EventStream anonymous{host.port(), "/api/properties/" + property + "/events"};
    BOOST_TEST_REQUIRE(anonymous.wait_for("\r\n\r\n", 10s).has_value(), anonymous.text());
    BOOST_TEST(anonymous.text().rfind("HTTP/1.1 401", 0) == 0, anonymous.text());

    EventStream events{host.port(), "/api/properties/" + property + "/events",
                       host.cookie_header_line()};
    BOOST_TEST_REQUIRE(events.wait_for("event: ready", 10s).has_value(), events.text());
    BOOST_TEST(events.text().find("text/event-stream") != std::string::npos);
    // Another staff member's stream: notifications are for everyone, a view only for its opener.
    const std::string colleague = host.extra_session("frontdesk");
    EventStream others{host.port(), "/api/properties/" + property + "/events",
                       "Cookie: " + colleague + "\r\n"};
    BOOST_TEST_REQUIRE(others.wait_for("event: ready", 10s).has_value(), others.text());

    const auto hook =
        host.request("POST", "/hooks/" + fixture_id + "/" + property + "/notify", "{}");
    BOOST_TEST_REQUIRE(hook.status == 200, hook.body);
    const auto note = events.wait_for("event: notification", 10s);
    BOOST_TEST_REQUIRE(note.has_value(), events.text());
    BOOST_TEST(events.wait_for("Fixture notification 1", 5s, *note).has_value());
    const auto view = events.wait_for("event: view", 10s);
    BOOST_TEST_REQUIRE(view.has_value(), events.text());
    BOOST_TEST(events.wait_for(session, 5s, *view).has_value());
    BOOST_TEST(events.wait_for("Fixture pushed", 5s, *view).has_value());
    BOOST_TEST(others.wait_for("Fixture notification 1", 5s).has_value(), others.text());
    BOOST_TEST(!others.wait_for("event: view", 1s).has_value(), others.text());
    BOOST_TEST(others.text().find(session) == std::string::npos, others.text());

    // The pushed view is now the session's current view.
    const auto current = host.get(property_path(host) + "/views/" + session);
    BOOST_TEST(current.json.at("view").at("title").as_string() == "Fixture pushed");

    // The notification list and mark-read.
    auto list = host.get(property_path(host) + "/notifications");
    BOOST_TEST_REQUIRE(list.status == 200, list.body);
    BOOST_TEST(list.json.at("unread").as_int64() == 1);
    const auto& first = list.json.at("notifications").at(0);
    BOOST_TEST(first.at("title").as_string() == "Fixture notification 1");
    BOOST_TEST(first.at("source").as_string() == fixture_id);
    const std::string id{first.at("id").as_string()};
    const auto read =
        host.post_json(property_path(host) + "/notifications/" + id + "/read", json::object{});
    BOOST_TEST_REQUIRE(read.status == 200, read.body);
    BOOST_TEST(read.json.at("read").as_bool());
    BOOST_TEST(read.json.at("unread").as_int64() == 0);
    BOOST_TEST(
        host.post_json(property_path(host) + "/notifications/99999/read", json::object{}).status ==
        404);

    // A client reconnecting with Last-Event-ID 0 gets what it missed.
    EventStream replay{host.port(), "/api/properties/" + property + "/events",
                       host.cookie_header_line() + "Last-Event-ID: 0\r\n"};
    const auto ready = replay.wait_for("event: ready", 10s);
    BOOST_TEST_REQUIRE(ready.has_value());
    BOOST_TEST(replay.wait_for("Fixture notification 1", 10s, *ready).has_value());

    BOOST_TEST(host.get("/api/properties/999/events").status == 404);
}

// A plugin page end to end as the admin: listed with its section and permission, opened (a view
// session answering to its opener), an event (the plugin sees the page and no folio), a push
// reaching the opener's live stream, a reload, and the close. A page session is not reachable
// through the folio dialogs' views/{session} routes, nor through another page's routes.
BOOST_AUTO_TEST_CASE(plugin_page_list_open_event_push_close) {
    HostProcess host;
    const std::string pages = property_path(host) + "/pages";
    auto list = host.get(pages);
    BOOST_TEST_REQUIRE(list.status == 200, list.body);
    BOOST_TEST(list.json.at("pages").as_array().empty()); // the plugin is not enabled yet
    BOOST_TEST(host.get(pages + "/" + fixture_id + "/suspense").status == 404);

    enable_fixture(host);
    list = host.get(pages);
    BOOST_TEST_REQUIRE(list.status == 200, list.body);
    const auto* page = find_by(list.json.at("pages").as_array(), "page_id", "suspense");
    BOOST_TEST_REQUIRE(page != nullptr, list.body);
    BOOST_TEST(page->at("plugin_id").as_string() == fixture_id);
    BOOST_TEST(page->at("section").as_string() == "finance");
    BOOST_TEST(page->at("permission").as_string() == "suspense.manage");
    BOOST_TEST(page->at("title").as_string() == "Фикстура: нераспределённые");

    const std::string base = pages + "/" + fixture_id + "/suspense";
    const auto info = host.get(base);
    BOOST_TEST_REQUIRE(info.status == 200, info.body);
    BOOST_TEST(info.json.at("title").as_string() == "Фикстура: нераспределённые");
    BOOST_TEST(host.get(pages + "/" + fixture_id + "/no-such-page").status == 404);

    const auto opened = host.post_json(base + "/open", json::object{});
    BOOST_TEST_REQUIRE(opened.status == 200, opened.body);
    const std::string session{opened.json.at("session_id").as_string()};
    BOOST_TEST(opened.json.at("page_id").as_string() == "suspense");
    BOOST_TEST(opened.json.at("view").at("title").as_string() == "Fixture page");
    BOOST_TEST(opened.json.at("view").at("elements").at(0).at("text").as_string() ==
               "page suspense by admin");

    const auto event = host.post_json(base + "/views/" + session + "/events",
                                      json::object{{"kind", "row_action"},
                                                   {"action", "post"},
                                                   {"table", "unposted"},
                                                   {"row_key", "order-1"}});
    BOOST_TEST_REQUIRE(event.status == 200, event.body);
    BOOST_TEST(event.json.at("view").at("elements").at(0).at("text").as_string() ==
               "page event by admin on suspense, page ok");

    // Not through the dialogs' routes, and not as another page of the plugin.
    BOOST_TEST(host.get(property_path(host) + "/views/" + session).status == 404);
    BOOST_TEST(host.post_json(property_path(host) + "/views/" + session + "/events",
                              json::object{{"action", "next"}})
                   .status == 404);

    // A push into the page reaches the opener's stream, and is the page's current view.
    EventStream events{host.port(), "/api/properties/" + host.demo_property() + "/events",
                       host.cookie_header_line()};
    BOOST_TEST_REQUIRE(events.wait_for("event: ready", 10s).has_value(), events.text());
    const auto hook = host.request("POST", "/hooks/" + fixture_id + "/" + host.demo_property() +
                                               "/notify", "{}");
    BOOST_TEST_REQUIRE(hook.status == 200, hook.body);
    const auto pushed = events.wait_for("Fixture page pushed", 10s);
    BOOST_TEST_REQUIRE(pushed.has_value(), events.text());
    BOOST_TEST(events.text().find("\"page_id\":\"suspense\"") != std::string::npos, events.text());
    const auto current = host.get(base + "/views/" + session);
    BOOST_TEST_REQUIRE(current.status == 200, current.body);
    BOOST_TEST(current.json.at("view").at("title").as_string() == "Fixture page pushed");

    const auto closed = host.post_json(base + "/views/" + session + "/close", json::object{});
    BOOST_TEST_REQUIRE(closed.status == 200, closed.body);
    BOOST_TEST(host.get(base + "/views/" + session).status == 404);
    BOOST_TEST(host.post_json(base + "/views/" + session + "/events",
                              json::object{{"action", "refresh"}})
                   .status == 404);

    // Disabled: the page is gone from the list and its routes.
    BOOST_TEST_REQUIRE(host.post_json(plugin_path(host) + "/disable", json::object{}).status == 200);
    list = host.get(pages);
    BOOST_TEST(list.json.at("pages").as_array().empty(), list.body);
    BOOST_TEST(host.post_json(base + "/open", json::object{}).status == 404);
}

BOOST_AUTO_TEST_CASE(static_files_and_json_errors) {
    pms::test::TempDir web{"pms-host-web"};
    const auto root = web.path() / "root";
    {
        std::filesystem::create_directories(root / "js");
        std::ofstream{root / "index.html"} << "<!doctype html><title>UI</title>";
        std::ofstream{root / "js" / "app.js"} << "console.log('ui');";
        std::ofstream{root / "style.css"} << "body{}";
        std::ofstream{root / ".hidden"} << "TOP-SECRET";
        std::ofstream{web.path() / "secret.txt"} << "TOP-SECRET";
        std::filesystem::create_symlink(web.path() / "secret.txt", root / "link.txt");
    }
    pms::test::HostOptions options;
    options.extra_args = {"--web-root", root.string()};
    HostProcess host{options};

    auto reply = host.get("/");
    BOOST_TEST(reply.status == 200);
    BOOST_TEST(reply.body == "<!doctype html><title>UI</title>");
    BOOST_TEST(std::string{reply.header("Content-Type").value_or("")}.rfind("text/html", 0) == 0);
    reply = host.get("/js/app.js");
    BOOST_TEST(reply.status == 200);
    BOOST_TEST(std::string{reply.header("Content-Type").value_or("")}.rfind("text/javascript", 0) ==
               0);
    reply = host.get("/style.css");
    BOOST_TEST(std::string{reply.header("Content-Type").value_or("")}.rfind("text/css", 0) == 0);

    // No way out of the web root: dot segments (plain or encoded), hidden files, symlinks out.
    for (const char* path : {"/../secret.txt", "/%2e%2e/secret.txt", "/js/../../secret.txt",
                             "/js/%2E%2E/%2e%2e/secret.txt", "/..%2fsecret.txt", "/.hidden",
                             "/link.txt", "/js/..%5c..%5csecret.txt"}) {
        reply = host.get(path);
        BOOST_TEST(reply.status >= 400, path);
        BOOST_TEST(reply.body.find("TOP-SECRET") == std::string::npos, path);
    }
    BOOST_TEST(host.get("/missing.png").status == 404);
    BOOST_TEST(host.request("POST", "/index.html", "x").status == 405);

    // Every API error is JSON.
    reply = host.get("/api/nothing-here");
    BOOST_TEST(reply.status == 404);
    BOOST_TEST(reply.json.at("error").at("code").as_string() == "no_such_route");
    // A state change that is not JSON is refused before routing (415), a JSON one gets 405.
    reply = host.request("DELETE", "/api/plugins");
    BOOST_TEST(reply.status == 415);
    BOOST_TEST(reply.json.at("error").at("code").as_string() == "unsupported_media_type");
    reply = host.request("DELETE", "/api/plugins", "", {{"Content-Type", "application/json"}});
    BOOST_TEST(reply.status == 405);
    BOOST_TEST(reply.header("Allow").value_or("") == "GET");
    BOOST_TEST(reply.json.is_object());
    BOOST_TEST(host.get("/api/properties/abc").status == 404);

    // The request body limit.
    reply = host.request("POST", "/hooks/" + fixture_id + "/" + host.demo_property() + "/echo",
                         std::string(2 * 1024 * 1024, 'x'));
    BOOST_TEST((reply.status == 413 || reply.ec), reply.status);
}

BOOST_AUTO_TEST_CASE(qr_code_of_a_payment_link) {
    HostProcess host{pms::test::HostOptions{}};
    auto reply = host.get("/api/qr.svg?text=" + std::string{"http%3A%2F%2F127.0.0.1%3A8081%2Fpay%2Fabc"});
    BOOST_TEST(reply.status == 200);
    BOOST_TEST(reply.header("Content-Type").value_or("") == "image/svg+xml");
    BOOST_TEST(reply.body.rfind("<svg", 0) == 0);
    BOOST_TEST(reply.body.find("<path fill=\"#000\" d=\"M") != std::string::npos);
    // Another link draws another code; a missing text is a JSON error, not an empty image.
    BOOST_TEST(host.get("/api/qr.svg?text=other").body != reply.body);
    reply = host.get("/api/qr.svg");
    BOOST_TEST(reply.status == 400);
    BOOST_TEST(reply.json.at("error").at("code").as_string() == "invalid_request");
}

BOOST_AUTO_TEST_CASE(fallback_page_without_web_root) {
    pms::test::HostOptions options;
    options.extra_args = {"--web-root", "/nonexistent/pms-web"};
    HostProcess host{options};
    const auto reply = host.get("/");
    BOOST_TEST(reply.status == 200);
    BOOST_TEST(reply.body.find("/api/plugins") != std::string::npos);
    BOOST_TEST(host.get("/index.html").status == 404);
}

BOOST_AUTO_TEST_SUITE_END()
