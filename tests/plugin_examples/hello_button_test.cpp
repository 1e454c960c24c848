// ctest packaging.hello_button.{gcc,libcxx}: the example plugin (plugin_api/examples/hello_button),
// built out of tree against the installed SDK by packaging.hello_button.build_*, loaded into the
// real pms-host and driven only through the host's HTTP API, as staff and a provider would:
// enable it in «Стыковки», save its settings, click its folio button, press the dialog's
// buttons, post to its notification route.
//
// PMS_HELLO_BUTTON_PLUGINS names the plugins folder (holding only hello_button/);
// PMS_HELLO_BUTTON_STDLIB is the standard library the module was built with (libstdc++ or
// libc++). The test also checks which compiler and standard library the module carries, so
// that a libc++ build that silently fell back to g++ or libstdc++ cannot pass.
#define BOOST_TEST_MODULE hello_button
#include <boost/test/unit_test.hpp>

#include "host_process.hpp"

#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using pms::test::HostOptions;
using pms::test::HostProcess;
using pms::test::HttpReply;

constexpr const char* plugin_id = "com.example.pms.hello-button";

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
}

// Every text of a view's elements (headings, texts, notice titles and texts, field labels and
// values), one per line, so that checks read like what staff see.
std::string view_texts(const json::value& view) {
    std::string out;
    auto add = [&](const json::object& o, const char* key) {
        if (const auto* v = o.if_contains(key); v != nullptr && v->is_string())
            out.append(v->as_string().c_str()).append("\n");
    };
    for (const auto& e : view.at("elements").as_array()) {
        const auto& o = e.as_object();
        add(o, "title");
        add(o, "text");
        if (const auto* items = o.if_contains("items"))
            for (const auto& item : items->as_array()) {
                out.append(item.at("label").as_string().c_str()).append(": ");
                out.append(item.at("value").as_string().c_str()).append("\n");
            }
    }
    return out;
}

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

std::string read_file(const fs::path& p) {
    std::ifstream in{p, std::ios::binary};
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

BOOST_AUTO_TEST_CASE(loads_enables_clicks_and_answers_pings) {
    const fs::path plugins = env("PMS_HELLO_BUTTON_PLUGINS");
    const std::string stdlib = env("PMS_HELLO_BUTTON_STDLIB");
    BOOST_TEST_REQUIRE(!plugins.empty(), "PMS_HELLO_BUTTON_PLUGINS is not set");
    BOOST_TEST_REQUIRE(fs::exists(plugins / "hello_button" / "hello_button.so"),
                       plugins.string() +
                           " holds no hello_button.so: packaging.hello_button.build_* "
                           "builds it (ctest runs it first as a fixture)");
    // Only the example in the folder: plugins_loaded == 1 below then means this module.
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(plugins))
        ++entries;
    BOOST_TEST_REQUIRE(entries == 1u);

    HostOptions options;
    options.fixture_plugins = false;
    options.extra_args = {"--plugins", plugins.string()};
    HostProcess host(options);

    // Loaded, nothing refused.
    const auto health = host.get("/api/health");
    BOOST_TEST_REQUIRE(health.status == 200);
    BOOST_TEST(health.json.at("plugins_loaded").as_int64() == 1);
    BOOST_TEST(health.json.at("plugins_refused").as_int64() == 0);

    const std::string prop = host.demo_property();
    const std::string base = "/api/properties/" + prop;

    // A fresh data folder has it loaded but disabled for the property: no instance, so its
    // notification route is not there yet.
    const auto plugin_list = host.get(base + "/plugins");
    BOOST_TEST_REQUIRE(plugin_list.status == 200, plugin_list.body);
    BOOST_TEST_REQUIRE(plugin_list.json.at("plugins").as_array().size() == 1u, plugin_list.body);
    BOOST_TEST(plugin_list.json.at("plugins").at(0).at("id").as_string() == plugin_id);
    BOOST_TEST(!plugin_list.json.at("plugins").at(0).at("enabled").as_bool());
    const auto early_ping =
        host.request("POST", "/hooks/" + std::string{plugin_id} + "/" + prop + "/ping", "{}",
                     {{"Content-Type", "application/json"}});
    BOOST_TEST(early_ping.status == 404, early_ping.body);

    // «Стыковки»: enable for the property.
    const auto enable = host.post_json(base + "/plugins/" + plugin_id + "/enable", json::object{});
    BOOST_TEST_REQUIRE(enable.status == 200, enable.body);
    BOOST_TEST(enable.json.at("enabled").as_bool());
    BOOST_TEST(enable.json.at("instance").at("state").as_string() == "active");

    // The settings page comes from the plugin's schema, with its defaults before a save.
    const auto page = host.get(base + "/plugins/" + plugin_id + "/settings");
    BOOST_TEST_REQUIRE(page.status == 200, page.body);
    BOOST_TEST(page.json.at("schema").at("properties").as_object().contains("greeting"));
    BOOST_TEST(page.json.at("values").at("greeting").as_string() == "Здравствуйте");
    const auto save = host.put_json(
        base + "/plugins/" + plugin_id + "/settings",
        json::object{{"values", {{"greeting", "Добрый день"}, {"show_clicks", true}}}});
    BOOST_TEST_REQUIRE(save.status == 200, save.body);
    // The schema's own rules hold: an empty greeting is refused (minLength 1).
    const auto bad_save = host.put_json(base + "/plugins/" + plugin_id + "/settings",
                                        json::object{{"values", {{"greeting", ""}}}});
    BOOST_TEST(bad_save.status == 422, bad_save.body);

    // The demo booking's ★ account and its main guest.
    const auto booking = host.get(base + "/bookings/471887");
    BOOST_TEST_REQUIRE(booking.status == 200, booking.body);
    const std::string folio{booking.json.at("accounts").at(0).at("id").as_string()};
    const std::string guest{booking.json.at("main_guest").at("name").as_string()};
    BOOST_TEST_REQUIRE(!guest.empty());

    // The button is on the folio's toolbar.
    const auto buttons = host.get(base + "/folios/" + folio + "/buttons");
    BOOST_TEST_REQUIRE(buttons.status == 200, buttons.body);
    bool listed = false;
    for (const auto& b : buttons.json.at("buttons").as_array())
        listed = listed || (b.at("plugin_id").as_string() == plugin_id &&
                            b.at("button_id").as_string() == "hello" && b.at("enabled").as_bool());
    BOOST_TEST_REQUIRE(listed, buttons.body);

    // Click: the plugin read the folio (guest's name), the settings (greeting) and its store.
    auto click_button = [&] {
        return host.post_json(base + "/folios/" + folio + "/buttons/" + plugin_id + "/hello/click",
                              json::object{});
    };
    const auto click = click_button();
    BOOST_TEST_REQUIRE(click.status == 200, click.body);
    const std::string session{click.json.at("session_id").as_string()};
    std::string texts = view_texts(click.json.at("view"));
    BOOST_TEST(contains(texts, "Добрый день, " + guest + "!"), texts);
    BOOST_TEST(contains(texts, "Нажатий на этом счёте: 1"), texts);
    BOOST_TEST(contains(texts, "Пингов ещё не было"), texts);

    auto event = [&](const std::string& action) {
        return host.post_json(
            base + "/views/" + session + "/events",
            json::object{{"kind", "button"}, {"action", action}, {"values", json::object{}}});
    };
    auto ping = [&](const std::string& method, const std::string& body) {
        return host.request(method, "/hooks/" + std::string{plugin_id} + "/" + prop + "/ping", body,
                            {{"Content-Type", "application/json"}});
    };

    // The notification route: recorded, counted, answered by the plugin byte for byte.
    const auto ping1 = ping("POST", R"({"message":"привет от провайдера"})");
    BOOST_TEST_REQUIRE(ping1.status == 200, ping1.body);
    BOOST_TEST(ping1.json.at("recorded").as_bool());
    BOOST_TEST(ping1.json.at("pings").as_int64() == 1);
    const auto wrong_method = ping("PUT", "{}");
    BOOST_TEST(wrong_method.status == 405, wrong_method.body);
    BOOST_TEST(wrong_method.header("Allow").value_or("") == "POST");

    auto again = event("again");
    BOOST_TEST_REQUIRE(again.status == 200, again.body);
    texts = view_texts(again.json.at("view"));
    BOOST_TEST(contains(texts, "Нажатий на этом счёте: 2"), texts);
    BOOST_TEST(contains(texts, "Последний пинг: привет от провайдера"), texts);

    // A ping that is not JSON is still recorded (answered once durable, read later) ...
    const auto ping2 = ping("POST", "not json at all");
    BOOST_TEST_REQUIRE(ping2.status == 200, ping2.body);
    BOOST_TEST(ping2.json.at("pings").as_int64() == 2);
    // ... and reading it on the next click throws inside the plugin, which catches it and
    // says so in the view: still a greeting, not an error.
    const auto click2 = click_button();
    BOOST_TEST_REQUIRE(click2.status == 200, click2.body);
    BOOST_TEST(click2.json.at("session_id").as_string() != session);
    texts = view_texts(click2.json.at("view"));
    BOOST_TEST(contains(texts, "Нажатий на этом счёте: 3"), texts);
    BOOST_TEST(contains(texts, "Последний пинг не прочитан"), texts);
    BOOST_TEST(contains(texts, "Добрый день, " + guest + "!"), texts);

    // An exception that escapes a hook on purpose stops in the SDK: the host gets a status
    // (PMS_INTERNAL → 502 plugin_error), logs the plugin's text, keeps running and keeps the
    // dialog open.
    const auto boom = event("boom");
    BOOST_TEST(boom.status == 502, boom.body);
    BOOST_TEST(boom.json.at("error").at("status").as_string() == "PMS_INTERNAL", boom.body);
    BOOST_TEST(host.wait_for_log("failed on purpose", std::chrono::seconds(5)), host.stderr_text());
    again = event("again");
    BOOST_TEST_REQUIRE(again.status == 200, again.body);
    BOOST_TEST(contains(view_texts(again.json.at("view")), "Нажатий на этом счёте: 4"));
    BOOST_TEST(host.get("/api/health").status == 200);

    // Which compiler and standard library the module really carries, so that a build that
    // silently fell back to g++ or libstdc++ cannot pass as the libc++ one. pms_add_plugin links
    // libc++ statically and hidden: the module needs neither libc++.so nor libstdc++.so, and
    // the host process maps only its own libstdc++.
    const std::string module = read_file(plugins / "hello_button" / "hello_button.so");
    const std::string maps = read_file("/proc/" + std::to_string(host.child().pid()) + "/maps");
    BOOST_TEST(contains(maps, "hello_button.so"));
    BOOST_TEST(contains(maps, "/libstdc++.so.6"));
    BOOST_TEST(!contains(maps, "/libc++.so.1"));
    if (stdlib == "libc++") {
        BOOST_TEST(contains(module, "clang version"), "the module was not built by clang");
        BOOST_TEST(contains(module, "NSt3__1"), "the module has no libc++ (std::__1) inside");
        BOOST_TEST(!contains(module, "libstdc++.so.6"), "the module needs libstdc++");
        BOOST_TEST(!contains(module, "libc++.so.1"), "libc++ is linked dynamically");
    } else {
        BOOST_TEST(contains(module, "GCC: ("));
        BOOST_TEST(!contains(module, "NSt3__1"));
    }

    // A clean stop: the instance is drained and destroyed, the module unloaded, exit 0.
    BOOST_TEST(host.terminate(std::chrono::seconds(20)).value_or(-1) == 0);
}
