// The hooks through the runtime: folio buttons and view sessions (exactly one completion per
// click/event, double and missing completions, invalid views, pushed views), settings pages
// (schema checks, plugin validation, write-only secrets), payment kinds and their mapping, and
// inbound notification routing with a deadline.
#include "harness.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <thread>

using namespace pms::host;
using namespace pms::host::test;
namespace json = boost::json;

namespace {

Result<ViewUpdate> click(Harness& h, const std::string& button,
                         const std::string& plugin = "test.c-basic") {
    return h.wait<ViewUpdate>([&](Callback<ViewUpdate> cb) {
        h.runtime->click_button(plugin, button, h.folio_context(), std::move(cb));
    });
}

Result<ViewUpdate> event(Harness& h, const std::string& session, const std::string& action) {
    ViewEventInput e;
    e.action = action;
    e.values_json = R"({"amount":"15500.00","send_mail":true})";
    e.staff_user_id = "u-17";
    e.staff_user_name = "Anna";
    return h.wait<ViewUpdate>(
        [&](Callback<ViewUpdate> cb) { h.runtime->send_view_event(session, e, std::move(cb)); });
}

std::string title_of(const std::string& view) {
    return std::string{json::parse(view).as_object().at("title").as_string()};
}

Result<SettingsSaveOutcome> save(Harness& h, const std::string& settings,
                                 const std::string& plugin = "test.c-basic") {
    return h.wait<SettingsSaveOutcome>([&](Callback<SettingsSaveOutcome> cb) {
        h.runtime->save_settings(plugin, h.seed.property, settings, "staff:17", std::move(cb));
    });
}

} // namespace

BOOST_AUTO_TEST_SUITE(hooks)

BOOST_AUTO_TEST_CASE(buttons_are_listed_with_is_enabled) {
    Harness h;
    h.enable("test.c-basic");
    auto r = h.wait<std::vector<FolioButton>>([&](Callback<std::vector<FolioButton>> cb) {
        h.runtime->list_folio_buttons(h.folio_context(""), std::move(cb));
    });
    BOOST_REQUIRE(r.ok());
    const auto& buttons = r.value();
    BOOST_REQUIRE_EQUAL(buttons.size(), 7u);
    BOOST_CHECK_EQUAL(buttons[0].button_id, "open");
    BOOST_CHECK_EQUAL(buttons[0].label, "Open");
    BOOST_CHECK_EQUAL(buttons[0].icon, "link");
    BOOST_CHECK_EQUAL(buttons[0].plugin_id, "test.c-basic");
    BOOST_CHECK(buttons[0].enabled);
    BOOST_CHECK_EQUAL(buttons[5].button_id, "close");
    BOOST_CHECK(!buttons[5].enabled);

    // Another property has no instances: no buttons.
    FolioContext other = h.folio_context();
    other.property = PropertyId{999};
    auto none = h.wait<std::vector<FolioButton>>([&](Callback<std::vector<FolioButton>> cb) {
        h.runtime->list_folio_buttons(other, std::move(cb));
    });
    BOOST_REQUIRE(none.ok());
    BOOST_CHECK(none.value().empty());
}

BOOST_AUTO_TEST_CASE(a_view_session_click_events_and_close) {
    Harness h;
    h.enable("test.c-basic");
    auto opened = click(h, "open");
    BOOST_REQUIRE(opened.ok());
    const std::string session = opened.value().session_id;
    BOOST_CHECK(session.rfind("vs-", 0) == 0);
    BOOST_CHECK_EQUAL(title_of(opened.value().view_json), "Step 1");
    BOOST_CHECK(!opened.value().closed);
    BOOST_REQUIRE(h.runtime->current_view(session));
    BOOST_CHECK_EQUAL(title_of(h.runtime->current_view(session)->view_json), "Step 1");
    BOOST_CHECK(h.logs.find("click open by u-17 session " + session) >= 0);

    auto next = event(h, session, "next");
    BOOST_REQUIRE(next.ok());
    BOOST_CHECK_EQUAL(title_of(next.value().view_json), "Step 2");

    // The host builds the event document: staff, session and folio come with it.
    auto echo = event(h, session, "echo");
    BOOST_REQUIRE(echo.ok());
    BOOST_CHECK_MESSAGE(echo.value().view_json.find("staff=Anna session_ok=1") != std::string::npos,
                        echo.value().view_json);

    // An error completion keeps the session and its previous view.
    auto declined = event(h, session, "error");
    BOOST_REQUIRE(!declined.ok());
    BOOST_CHECK(declined.error().code == RuntimeErrc::plugin_error);
    BOOST_CHECK_EQUAL(declined.error().status, PMS_DECLINED);
    BOOST_CHECK_EQUAL(title_of(h.runtime->current_view(session)->view_json), "echo");

    // Two events at once: the second waits for the first completion.
    std::vector<std::string> order;
    std::mutex mutex;
    std::atomic<int> done{0};
    ViewEventInput slow;
    slow.action = "slow";
    slow.staff_user_id = "u-17";
    ViewEventInput quick = slow;
    quick.action = "next";
    auto record = [&](Result<ViewUpdate> r) {
        std::lock_guard lock(mutex);
        order.push_back(r.ok() ? title_of(r.value().view_json) : "error");
        ++done;
    };
    h.runtime->send_view_event(session, slow, record);
    h.runtime->send_view_event(session, quick, record);
    for (int i = 0; i < 400 && done < 2; ++i)
        std::this_thread::sleep_for(5ms);
    BOOST_REQUIRE_EQUAL(order.size(), 2u);
    BOOST_CHECK_EQUAL(order[0], "Later");
    BOOST_CHECK_EQUAL(order[1], "Step 2");

    h.runtime->close_view(session);
    BOOST_CHECK(h.logs.wait_for("view closed " + session));
    BOOST_CHECK(!h.runtime->current_view(session));
    auto after = event(h, session, "next");
    BOOST_REQUIRE(!after.ok());
    BOOST_CHECK(after.error().code == RuntimeErrc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(clicks_that_fail_misbehave_or_close) {
    HarnessOptions o;
    o.hook_timeout = 300ms;
    Harness h{o};
    h.enable("test.c-basic");

    auto fail = click(h, "fail"); // on_click returns PMS_INTERNAL (a C plugin's "throw")
    BOOST_REQUIRE(!fail.ok());
    BOOST_CHECK(fail.error().code == RuntimeErrc::plugin_error);
    BOOST_CHECK_EQUAL(fail.error().status, PMS_INTERNAL);

    auto twice = click(h, "twice");
    BOOST_REQUIRE(twice.ok());
    BOOST_CHECK_EQUAL(title_of(twice.value().view_json), "First");
    BOOST_CHECK(h.logs.wait_for("completion called twice"));
    BOOST_CHECK_EQUAL(
        h.logs.count(LogLevel::plugin_misbehaving, "on_click view_done completion called twice"),
        1u);

    const auto started = std::chrono::steady_clock::now();
    auto never = click(h, "never");
    BOOST_REQUIRE(!never.ok());
    BOOST_CHECK(never.error().code == RuntimeErrc::timeout);
    BOOST_CHECK(std::chrono::steady_clock::now() - started >= 250ms);

    auto bad = click(h, "bad-view");
    BOOST_REQUIRE(!bad.ok());
    BOOST_CHECK(bad.error().code == RuntimeErrc::plugin_misbehaving);

    auto closed = click(h, "close");
    BOOST_REQUIRE(closed.ok());
    BOOST_CHECK(closed.value().closed);
    BOOST_CHECK(!h.runtime->current_view(closed.value().session_id));

    auto later = click(h, "async");
    BOOST_REQUIRE(later.ok());
    BOOST_CHECK_EQUAL(title_of(later.value().view_json), "Later");

    auto unknown = click(h, "no-such-button");
    BOOST_REQUIRE(!unknown.ok());
    BOOST_CHECK_EQUAL(unknown.error().status, PMS_NOT_FOUND);

    // The host survived all of it; the never-completed click is reported at destroy.
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "echo", "alive").http_status, 200);
    h.disable("test.c-basic");
    BOOST_CHECK_EQUAL(
        h.logs.count(LogLevel::plugin_misbehaving, "on_click view_done was never completed"), 1u);
}

BOOST_AUTO_TEST_CASE(pushed_views_reach_subscribers) {
    Harness h;
    h.enable("test.c-basic");
    std::vector<ViewPush> pushes;
    std::mutex mutex;
    Subscription sub = h.runtime->subscribe_view_pushes([&](const ViewPush& p) {
        std::lock_guard lock(mutex);
        pushes.push_back(p);
    });
    auto opened = click(h, "open");
    BOOST_REQUIRE(opened.ok());
    const std::string session = opened.value().session_id;
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "push", session).body, "PMS_OK");
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "push-bad", session).body, "PMS_PROTOCOL_ERROR");
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "push", "vs-unknown").body, "PMS_NOT_FOUND");
    {
        std::lock_guard lock(mutex);
        BOOST_REQUIRE_EQUAL(pushes.size(), 1u);
        BOOST_CHECK_EQUAL(pushes[0].session_id, session);
        BOOST_CHECK_EQUAL(pushes[0].plugin_id, "test.c-basic");
        BOOST_CHECK(pushes[0].folio == h.seed.main_folio);
        BOOST_CHECK_EQUAL(title_of(pushes[0].view_json), "Pushed");
    }
    BOOST_CHECK_EQUAL(title_of(h.runtime->current_view(session)->view_json), "Pushed");
    sub.reset();
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "push", session).body, "PMS_OK");
    std::lock_guard lock(mutex);
    BOOST_CHECK_EQUAL(pushes.size(), 1u);
}

BOOST_AUTO_TEST_CASE(settings_are_validated_and_secrets_stay_write_only) {
    Harness h;
    h.enable("test.c-basic");
    auto page = h.wait<SettingsPage>([&](Callback<SettingsPage> cb) {
        h.runtime->get_settings_page("test.c-basic", h.seed.property, std::move(cb));
    });
    BOOST_REQUIRE(page.ok());
    BOOST_CHECK(page.value().schema_json.find("\"x-secret\":true") != std::string::npos);
    BOOST_CHECK_EQUAL(page.value().values_json, R"({"mode":"test"})"); // schema defaults
    BOOST_CHECK(page.value().secrets_set.empty());

    // Schema errors, field by field.
    auto missing = save(h, R"({"mode":"prod","extra":1})");
    BOOST_REQUIRE(missing.ok());
    BOOST_CHECK(!missing.value().saved);
    const auto errors =
        json::parse(missing.value().errors_json).as_object().at("fields").as_object();
    BOOST_CHECK(errors.contains("/shop_id"));
    BOOST_CHECK(errors.contains("/api_token"));
    BOOST_CHECK(errors.contains("/mode"));
    BOOST_CHECK(errors.contains("/extra"));

    // The plugin's own validation.
    auto bad_shop = save(h, R"({"shop_id":"bad","api_token":"t0ken-secret-1"})");
    BOOST_REQUIRE(bad_shop.ok());
    BOOST_CHECK(!bad_shop.value().saved);
    BOOST_CHECK_MESSAGE(bad_shop.value().errors_json.find("Unknown shop") != std::string::npos,
                        bad_shop.value().errors_json);

    auto ok =
        save(h, R"({"shop_id":"s1","api_token":"t0ken-secret-1","mode":"live",)"
                R"("legal_entities":[{"legal_entity_id":"2","api_token":"entity-secret-2"}]})");
    BOOST_REQUIRE(ok.ok());
    BOOST_CHECK_MESSAGE(ok.value().saved, ok.value().errors_json);
    BOOST_CHECK(h.logs.wait_for("settings changed"));

    page = h.wait<SettingsPage>([&](Callback<SettingsPage> cb) {
        h.runtime->get_settings_page("test.c-basic", h.seed.property, std::move(cb));
    });
    BOOST_REQUIRE(page.ok());
    BOOST_CHECK(page.value().values_json.find("t0ken") == std::string::npos);
    BOOST_CHECK(page.value().values_json.find("entity-secret") == std::string::npos);
    BOOST_CHECK(page.value().values_json.find("\"shop_id\":\"s1\"") != std::string::npos);
    BOOST_CHECK((page.value().secrets_set ==
                 std::vector<std::string>{"/api_token", "/legal_entities/0/api_token"}));

    // pms.settings/1 as the plugin sees it.
    const std::string seen = h.notify("test.c-basic", "settings").body;
    BOOST_CHECK(seen.find("t0ken") == std::string::npos);
    BOOST_CHECK(seen.find("\"mode\":\"live\"") != std::string::npos);
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "secret").body, "PMS_OK len=14");
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "secret", "/legal_entities/0/api_token").body,
                      "PMS_OK len=15");
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "secret", "/nope").body, "PMS_NOT_FOUND len=0");
    // The plugin logged its secret: the host masked it (and the Authorization value).
    BOOST_CHECK(h.logs.find("the secret is ***; header Authorization: Bearer ***") >= 0);
    BOOST_CHECK_EQUAL(h.logs.count("t0ken-secret-1"), 0u);
    BOOST_CHECK_EQUAL(h.logs.count("abcdef123456"), 0u);

    // Saving with the secret blank keeps the stored value; the plugin validated with it filled in.
    auto blank = save(h, R"({"shop_id":"s2","api_token":""})");
    BOOST_REQUIRE(blank.ok());
    BOOST_CHECK_MESSAGE(blank.value().saved, blank.value().errors_json);
    BOOST_CHECK(h.logs.find("validate shop=s2 token_len=14") >= 0);
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "secret").body, "PMS_OK len=14");

    // A settings action runs against candidate settings with the stored secret filled in.
    auto action = h.wait<ActionOutcome>([&](Callback<ActionOutcome> cb) {
        h.runtime->run_settings_action("test.c-basic", h.seed.property, "check_connection",
                                       R"({"shop_id":"s3"})", std::move(cb));
    });
    BOOST_REQUIRE(action.ok());
    BOOST_CHECK_EQUAL(action.value().status, PMS_OK);
    BOOST_CHECK_MESSAGE(action.value().result_json.find("shop=s3 token_len=14") !=
                            std::string::npos,
                        action.value().result_json);
    auto unknown = h.wait<ActionOutcome>([&](Callback<ActionOutcome> cb) {
        h.runtime->run_settings_action("test.c-basic", h.seed.property, "launch", "{}",
                                       std::move(cb));
    });
    BOOST_REQUIRE(!unknown.ok());
    BOOST_CHECK(unknown.error().code == RuntimeErrc::invalid_argument);

    // The audit trail has the saves, without secret values.
    const auto audit = h.storage->audit().list({});
    BOOST_CHECK(std::any_of(audit.begin(), audit.end(), [](const AuditEntry& e) {
        return e.action == "settings.save" && e.actor == "staff:17" &&
               e.details_json.find("t0ken") == std::string::npos;
    }));
}

BOOST_AUTO_TEST_CASE(a_settings_action_that_never_completes_times_out) {
    HarnessOptions o;
    o.hook_timeout = 200ms;
    Harness h{o};
    h.enable("test.c-basic");
    auto never = h.wait<ActionOutcome>([&](Callback<ActionOutcome> cb) {
        h.runtime->run_settings_action("test.c-basic", h.seed.property, "never", "{}",
                                       std::move(cb));
    });
    BOOST_REQUIRE(!never.ok());
    BOOST_CHECK(never.error().code == RuntimeErrc::timeout);
}

BOOST_AUTO_TEST_CASE(payment_kinds_and_their_mapping) {
    Harness h;
    h.enable("test.c-basic");
    auto kinds = h.wait<std::vector<PaymentKind>>([&](Callback<std::vector<PaymentKind>> cb) {
        h.runtime->list_payment_kinds("test.c-basic", h.seed.property, std::move(cb));
    });
    BOOST_REQUIRE(kinds.ok());
    BOOST_REQUIRE_EQUAL(kinds.value().size(), 2u);
    BOOST_CHECK_EQUAL(kinds.value()[0].code, "payment");
    BOOST_CHECK(kinds.value()[0].direction == PaymentDirection::incoming);
    BOOST_CHECK(kinds.value()[1].direction == PaymentDirection::outgoing);
    BOOST_CHECK(!kinds.value()[0].category);

    h.map_kind("test.c-basic", "payment");
    BOOST_CHECK(h.logs.wait_for("mapping changed"));
    kinds = h.wait<std::vector<PaymentKind>>([&](Callback<std::vector<PaymentKind>> cb) {
        h.runtime->list_payment_kinds("test.c-basic", h.seed.property, std::move(cb));
    });
    BOOST_REQUIRE(kinds.ok());
    BOOST_CHECK(kinds.value()[0].category == h.seed.cashless);
    BOOST_CHECK(kinds.value()[0].type == h.seed.online_link);
    BOOST_CHECK(!kinds.value()[1].category);

    auto unknown = h.wait<Unit>([&](Callback<Unit> cb) {
        h.runtime->save_payment_mapping("test.c-basic", h.seed.property,
                                        {{"tip", h.seed.cashless, h.seed.online_link}}, "",
                                        std::move(cb));
    });
    BOOST_REQUIRE(!unknown.ok());
    BOOST_CHECK(unknown.error().code == RuntimeErrc::invalid_argument);
    auto wrong_type = h.wait<Unit>([&](Callback<Unit> cb) {
        h.runtime->save_payment_mapping("test.c-basic", h.seed.property,
                                        {{"refund", h.seed.cash, h.seed.online_link}}, "",
                                        std::move(cb));
    });
    BOOST_REQUIRE(!wrong_type.ok());
    BOOST_CHECK(wrong_type.error().code == RuntimeErrc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(notifications_are_routed_with_a_deadline) {
    Harness h;
    h.enable("test.c-basic");

    const InboundReply echo = h.notify("test.c-basic", "echo", "hi");
    BOOST_CHECK_EQUAL(echo.http_status, 200);
    BOOST_CHECK(echo.from_plugin);
    BOOST_CHECK_EQUAL(echo.body, "echo hi deadline=yes");
    BOOST_CHECK_EQUAL(echo.content_type, "text/plain");

    const auto started = std::chrono::steady_clock::now();
    const InboundReply never = h.notify("test.c-basic", "never", "", 200ms);
    const auto took = std::chrono::steady_clock::now() - started;
    BOOST_CHECK_EQUAL(never.http_status, 503);
    BOOST_CHECK(!never.from_plugin);
    BOOST_CHECK(took >= 190ms);
    BOOST_CHECK(took < 3s);

    const InboundReply twice = h.notify("test.c-basic", "twice");
    BOOST_CHECK_EQUAL(twice.http_status, 200);
    BOOST_CHECK_EQUAL(twice.body, "first");
    BOOST_CHECK(h.logs.wait_for("notification reply completion called twice"));

    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "unavailable").http_status, 503);
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "no-such-command").http_status, 404);
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "echo", "", 1s, PropertyId{999}).http_status, 404);
    BOOST_CHECK_EQUAL(h.notify("no.such.plugin", "echo").http_status, 404);
    BOOST_CHECK_EQUAL(h.notify("test.c-second", "echo").http_status, 404); // loaded, not enabled
}

BOOST_AUTO_TEST_SUITE_END()
