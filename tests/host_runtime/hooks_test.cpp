// The hooks through the runtime: folio buttons and view sessions (exactly one completion per
// click/event, double and missing completions, invalid views, pushed views), settings pages
// (schema checks, plugin validation, write-only secrets), payment kinds and their mapping, and
// inbound notification routing with a deadline.
#include "harness.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <future>
#include <thread>

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

/// The views pushed to the runtime's subscribers while it subscribes.
struct PushRecorder {
    explicit PushRecorder(Harness& h)
        : sub(h.runtime->subscribe_view_pushes([this](const ViewPush& p) {
              std::lock_guard lock(mutex);
              pushes.push_back(p);
          })) {}
    std::vector<ViewPush> taken() {
        std::lock_guard lock(mutex);
        return pushes;
    }
    std::mutex mutex;
    std::vector<ViewPush> pushes;
    Subscription sub; ///< last: the members it writes exist before it
};

/// The C fixture's dialog opened, with the views pushed from then on recorded.
struct OpenDialogWithPushes {
    Harness h;
    PushRecorder recorder{h};
    Result<ViewUpdate> opened = open(h);
    std::string session = opened.ok() ? opened.value().session_id : std::string{};

    static Result<ViewUpdate> open(Harness& h) {
        h.enable("test.c-basic");
        return click(h, "open");
    }
};

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

    // The deadline runs from receipt (issue 14): a click queued behind a plugin that holds its
    // strand is answered "timeout" by the host while the plugin is still busy, and the plugin
    // never sees it, even once the strand is free again.
    {
        auto holder = std::async(std::launch::async,
                                 [&] { return h.notify("test.c-basic", "block", "1200", 10s); });
        std::this_thread::sleep_for(100ms); // let "block" reach the strand first
        auto queued = click(h, "queued-click");
        const bool holder_still_running =
            holder.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
        BOOST_REQUIRE(!queued.ok());
        BOOST_CHECK(queued.error().code == RuntimeErrc::timeout);
        BOOST_CHECK(holder_still_running);
        BOOST_CHECK_EQUAL(holder.get().body, "unblocked");
        // A later click through the same strand proves the queued one would have run by now.
        BOOST_REQUIRE(click(h, "async").ok());
        BOOST_CHECK_EQUAL(h.logs.count("click queued-click"), 0u);
        BOOST_CHECK(h.logs.count("click async") >= 2u);
    }

    // The host survived all of it; the never-completed click is reported at destroy.
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "echo", "alive").http_status, 200);
    h.disable("test.c-basic");
    BOOST_CHECK_EQUAL(
        h.logs.count(LogLevel::plugin_misbehaving, "on_click view_done was never completed"), 1u);
}

BOOST_FIXTURE_TEST_CASE(pushed_views_reach_subscribers, OpenDialogWithPushes) {
    BOOST_REQUIRE(opened.ok());
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "push", session).body, "PMS_OK");
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "push-bad", session).body, "PMS_PROTOCOL_ERROR");
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "push", "vs-unknown").body, "PMS_NOT_FOUND");
    const auto pushes = recorder.taken();
    BOOST_REQUIRE_EQUAL(pushes.size(), 1u);
    BOOST_CHECK_EQUAL(pushes[0].session_id, session);
    BOOST_CHECK_EQUAL(pushes[0].plugin_id, "test.c-basic");
    BOOST_CHECK(pushes[0].folio == h.seed.main_folio);
    BOOST_CHECK_EQUAL(title_of(pushes[0].view_json), "Pushed");
    BOOST_CHECK_EQUAL(title_of(h.runtime->current_view(session)->view_json), "Pushed");
    recorder.sub.reset();
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "push", session).body, "PMS_OK");
    BOOST_CHECK_EQUAL(recorder.taken().size(), 1u);
}

BOOST_FIXTURE_TEST_CASE(a_view_pushed_after_an_answer_is_newer_than_the_answer, OpenDialogWithPushes) {
    // The browser may get the push before the answer (one travels on the event stream, the
    // other on the event's HTTP request): the revisions say which is newer, and the session's
    // current view is the newer one whichever the host finished with last.
    BOOST_REQUIRE(opened.ok());
    BOOST_CHECK_GT(opened.value().revision, 0u);
    BOOST_CHECK_EQUAL(h.runtime->current_view(session)->revision, opened.value().revision);

    auto answered = event(h, session, "answer_then_push");
    BOOST_REQUIRE(answered.ok());
    BOOST_CHECK_EQUAL(title_of(answered.value().view_json), "Running");
    BOOST_CHECK_GT(answered.value().revision, opened.value().revision);
    const auto pushes = recorder.taken();
    BOOST_REQUIRE_EQUAL(pushes.size(), 1u);
    BOOST_CHECK_EQUAL(title_of(pushes[0].view_json), "Done");
    BOOST_CHECK_GT(pushes[0].revision, answered.value().revision);
    const auto current = h.runtime->current_view(session);
    BOOST_REQUIRE(current);
    BOOST_CHECK_EQUAL(title_of(current->view_json), "Done"); // not replaced by the older answer
    BOOST_CHECK_EQUAL(current->revision, pushes[0].revision);

    auto next = event(h, session, "next"); // a later answer is newer again
    BOOST_REQUIRE(next.ok());
    BOOST_CHECK_GT(next.value().revision, pushes[0].revision);
    BOOST_CHECK_EQUAL(title_of(h.runtime->current_view(session)->view_json), "Step 2");
}

BOOST_AUTO_TEST_CASE(settings_are_validated_and_secrets_stay_write_only) {
    Harness h;
    h.enable("test.c-basic");
    auto page = h.wait<SettingsPage>([&](Callback<SettingsPage> cb) {
        h.runtime->get_settings_page("test.c-basic", h.seed.property, std::move(cb));
    });
    BOOST_REQUIRE(page.ok());
    BOOST_CHECK(page.value().schema_json.find("\"x-secret\":true") != std::string::npos);
    BOOST_CHECK_EQUAL(page.value().values_json,
                      R"({"api_url":"https://api.example","mode":"test"})"); // schema defaults
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
                                       R"({"shop_id":"s3"})", "staff:17", std::move(cb));
    });
    BOOST_REQUIRE(action.ok());
    BOOST_CHECK_EQUAL(action.value().status, PMS_OK);
    BOOST_CHECK_MESSAGE(action.value().result_json.find("shop=s3 token_len=14") !=
                            std::string::npos,
                        action.value().result_json);
    auto unknown = h.wait<ActionOutcome>([&](Callback<ActionOutcome> cb) {
        h.runtime->run_settings_action("test.c-basic", h.seed.property, "launch", "{}",
                                       "staff:17", std::move(cb));
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

namespace {

Result<ActionOutcome> check_connection(Harness& h, const std::string& settings) {
    return h.wait<ActionOutcome>([&](Callback<ActionOutcome> cb) {
        h.runtime->run_settings_action("test.c-basic", h.seed.property, "check_connection",
                                       settings, "staff:17", std::move(cb));
    });
}

json::object field_errors(const SettingsSaveOutcome& outcome) {
    return json::parse(outcome.errors_json).as_object().at("fields").as_object();
}

std::vector<AuditEntry> audit_of(Harness& h, const std::string& action) {
    std::vector<AuditEntry> out;
    for (auto& e : h.storage->audit().list({}))
        if (e.action == action)
            out.push_back(e);
    return out;
}

} // namespace

// "x-secret-bound-to": the fixture's api_token is bound to api_url. A candidate that moves the
// URL never gets the stored token, neither through a save nor through a settings action, and
// the plugin is not even called; typing the token again is accepted.
BOOST_AUTO_TEST_CASE(a_secret_bound_to_a_changed_field_is_not_filled_in) {
    Harness h;
    h.enable("test.c-basic");
    auto first = save(h, R"({"shop_id":"s1","api_url":"https://api.saved.example",)"
                         R"("api_token":"t0ken-secret-1"})");
    BOOST_REQUIRE(first.ok());
    BOOST_REQUIRE_MESSAGE(first.value().saved, first.value().errors_json);
    const std::string reenter = "Введите «API токен» заново: изменено поле «Адрес API»";

    // Save: a new URL with the token left blank is refused on the token's field.
    auto moved = save(h, R"({"shop_id":"s-moved","api_url":"http://attacker.test","api_token":""})");
    BOOST_REQUIRE(moved.ok());
    BOOST_CHECK(!moved.value().saved);
    const auto errors = field_errors(moved.value());
    BOOST_REQUIRE(errors.contains("/api_token"));
    BOOST_CHECK_EQUAL(std::string{errors.at("/api_token").as_string()}, reenter);
    BOOST_CHECK_EQUAL(h.logs.count("validate shop=s-moved"), 0u); // the plugin never saw it
    // Nothing was stored: the old document and token are still in force.
    BOOST_CHECK(h.notify("test.c-basic", "settings").body.find("attacker") == std::string::npos);
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "secret").body, "PMS_OK len=14");

    // Action: the same candidate is refused by the host, run_action is not called.
    auto action = check_connection(h, R"({"shop_id":"s-act","api_url":"http://attacker.test"})");
    BOOST_REQUIRE(!action.ok());
    BOOST_CHECK(action.error().code == RuntimeErrc::invalid_argument);
    BOOST_CHECK_EQUAL(action.error().status, PMS_INVALID_ARGUMENT);
    BOOST_CHECK_EQUAL(action.error().message, reenter);
    BOOST_CHECK_EQUAL(h.logs.count("run_action check_connection shop=s-act "), 0u);
    // Leaving the URL out means its default, which also differs from the saved one.
    auto defaulted = check_connection(h, R"({"shop_id":"s-default"})");
    BOOST_REQUIRE(!defaulted.ok());
    BOOST_CHECK_EQUAL(defaulted.error().message, reenter);
    BOOST_CHECK_EQUAL(h.logs.count("run_action check_connection shop=s-default "), 0u);

    // With the token typed again the action runs with that token, not the stored one.
    auto typed = check_connection(
        h, R"({"shop_id":"s-typed","api_url":"http://other.test","api_token":"typed-token"})");
    BOOST_REQUIRE(typed.ok());
    BOOST_CHECK_EQUAL(typed.value().status, PMS_OK);
    BOOST_CHECK_MESSAGE(typed.value().result_json.find("shop=s-typed token_len=11") !=
                            std::string::npos,
                        typed.value().result_json);

    // Every run and every refusal is audited by whom, with the field, never a value.
    const auto actions = audit_of(h, "settings.action");
    BOOST_REQUIRE_EQUAL(actions.size(), 3u);
    for (const auto& e : actions) {
        BOOST_CHECK_EQUAL(e.actor, "staff:17");
        BOOST_CHECK_EQUAL(e.subject, "plugin:test.c-basic");
        BOOST_CHECK(e.property == h.seed.property);
        const auto d = json::parse(e.details_json).as_object();
        BOOST_CHECK_EQUAL(std::string{d.at("action").as_string()}, "check_connection");
        BOOST_CHECK_EQUAL(json::serialize(d.at("bound_fields_changed")), R"(["/api_url"])");
        for (const char* value : {"attacker", "other.test", "t0ken", "typed-token"})
            BOOST_CHECK_MESSAGE(e.details_json.find(value) == std::string::npos, e.details_json);
    }
    // Newest first.
    BOOST_CHECK(!json::parse(actions[0].details_json).at("refused").as_bool());
    BOOST_CHECK(json::parse(actions[1].details_json).at("refused").as_bool());
    BOOST_CHECK_EQUAL(json::serialize(json::parse(actions[2].details_json).at("secrets_to_reenter")),
                      R"(["/api_token"])");

    // Save with the token typed again: stored, and now bound to the new URL.
    auto resaved = save(h, R"({"shop_id":"s2","api_url":"http://other.test","api_token":"n3w-token-value"})");
    BOOST_REQUIRE(resaved.ok());
    BOOST_CHECK_MESSAGE(resaved.value().saved, resaved.value().errors_json);
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "secret").body, "PMS_OK len=15");
    const auto saves = audit_of(h, "settings.save");
    BOOST_REQUIRE(!saves.empty());
    BOOST_CHECK_MESSAGE(saves[0].details_json.find(R"("bound_fields_changed":["/api_url"])") !=
                            std::string::npos,
                        saves[0].details_json);
    BOOST_CHECK(saves[0].details_json.find("n3w") == std::string::npos);

    // Nothing bound changed: blank keeps and fills the stored token, as before.
    auto same = save(h, R"({"shop_id":"s3","api_url":"http://other.test","api_token":""})");
    BOOST_REQUIRE(same.ok());
    BOOST_CHECK_MESSAGE(same.value().saved, same.value().errors_json);
    BOOST_CHECK(h.logs.find("validate shop=s3 token_len=15") >= 0);
    auto unchanged = check_connection(h, R"({"shop_id":"s4","api_url":"http://other.test"})");
    BOOST_REQUIRE(unchanged.ok());
    BOOST_CHECK_EQUAL(unchanged.value().status, PMS_OK);
    BOOST_CHECK_MESSAGE(unchanged.value().result_json.find("shop=s4 token_len=15") !=
                            std::string::npos,
                        unchanged.value().result_json);
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "secret").body, "PMS_OK len=15");
}

// Inside an array item a bound name is the item's own field when the item has one
// (legal_entity_id), else the enclosing object's (api_url).
BOOST_AUTO_TEST_CASE(a_secret_in_an_array_item_is_bound_to_its_item_and_the_root) {
    Harness h;
    h.enable("test.c-basic");
    auto first = save(h, R"({"shop_id":"s1","api_token":"t0ken-secret-1","legal_entities":)"
                         R"([{"legal_entity_id":"2","api_token":"entity-secret-2"}]})");
    BOOST_REQUIRE(first.ok());
    BOOST_REQUIRE_MESSAGE(first.value().saved, first.value().errors_json);

    // Another legal entity in the same slot: its token must be typed, the root's is kept.
    auto other_entity = save(h, R"({"shop_id":"s1","api_token":"","legal_entities":)"
                                R"([{"legal_entity_id":"3","api_token":""}]})");
    BOOST_REQUIRE(other_entity.ok());
    BOOST_CHECK(!other_entity.value().saved);
    auto errors = field_errors(other_entity.value());
    BOOST_CHECK_EQUAL(errors.size(), 1u);
    BOOST_REQUIRE(errors.contains("/legal_entities/0/api_token"));
    BOOST_CHECK_EQUAL(std::string{errors.at("/legal_entities/0/api_token").as_string()},
                      "Введите «Токен юрлица» заново: изменено поле «Юридическое лицо»");

    // A new root URL: both tokens, each naming what changed.
    auto moved = save(h, R"({"shop_id":"s1","api_url":"http://attacker.test","api_token":"",)"
                         R"("legal_entities":[{"legal_entity_id":"3","api_token":""}]})");
    BOOST_REQUIRE(moved.ok());
    BOOST_CHECK(!moved.value().saved);
    errors = field_errors(moved.value());
    BOOST_CHECK_EQUAL(std::string{errors.at("/api_token").as_string()},
                      "Введите «API токен» заново: изменено поле «Адрес API»");
    BOOST_CHECK_EQUAL(std::string{errors.at("/legal_entities/0/api_token").as_string()},
                      "Введите «Токен юрлица» заново: изменены поля «Адрес API», «Юридическое лицо»");

    // Typed again: saved.
    auto retyped = save(h, R"({"shop_id":"s1","api_token":"","legal_entities":)"
                           R"([{"legal_entity_id":"3","api_token":"entity-secret-3x"}]})");
    BOOST_REQUIRE(retyped.ok());
    BOOST_CHECK_MESSAGE(retyped.value().saved, retyped.value().errors_json);
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "secret", "/legal_entities/0/api_token").body,
                      "PMS_OK len=16");
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "secret").body, "PMS_OK len=14");
}

BOOST_AUTO_TEST_CASE(a_settings_action_that_never_completes_times_out) {
    HarnessOptions o;
    o.hook_timeout = 200ms;
    Harness h{o};
    h.enable("test.c-basic");
    auto never = h.wait<ActionOutcome>([&](Callback<ActionOutcome> cb) {
        h.runtime->run_settings_action("test.c-basic", h.seed.property, "never", "{}",
                                       "staff:17", std::move(cb));
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

    // The deadline runs from receipt: a notification queued behind a plugin that holds its
    // strand is answered 503 by the host while the plugin is still busy, and is never handed
    // to the plugin afterwards.
    auto blocked = std::async(std::launch::async,
                              [&] { return h.notify("test.c-basic", "block", "1500", 10s); });
    std::this_thread::sleep_for(100ms); // let "block" reach the strand first
    const InboundReply queued = h.notify("test.c-basic", "echo", "queued", 200ms);
    const bool block_still_running =
        blocked.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
    BOOST_CHECK_EQUAL(queued.http_status, 503);
    BOOST_CHECK(!queued.from_plugin);
    BOOST_CHECK(block_still_running);
    BOOST_CHECK_EQUAL(blocked.get().body, "unblocked");
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "echo", "after").body, "echo after deadline=yes");

    // The plugin is told what is left of the deadline, counted from receipt: time spent in the
    // queue behind other work is gone. A queued one past its deadline is answered by the host
    // and the plugin never sees it, even once the strand is free again.
    {
        auto holder = std::async(std::launch::async,
                                 [&] { return h.notify("test.c-basic", "block", "1000", 10s); });
        std::this_thread::sleep_for(100ms);
        auto waited = std::async(std::launch::async, [&] {
            return h.notify("test.c-basic", "deadline", "waited", 2000ms);
        });
        const InboundReply late = h.notify("test.c-basic", "deadline", "too-late", 150ms);
        BOOST_CHECK_EQUAL(late.http_status, 503);
        BOOST_CHECK(!late.from_plugin);
        BOOST_CHECK_EQUAL(holder.get().body, "unblocked");
        const InboundReply left = waited.get();
        BOOST_REQUIRE_EQUAL(left.http_status, 200);
        const long ms = std::stol(left.body.substr(left.body.find('=') + 1));
        BOOST_CHECK_MESSAGE(ms > 0 && ms <= 1700, "deadline_ms " << ms << " after ~900 ms queued");
        BOOST_CHECK(h.logs.wait_for("sink saw waited"));
        // A later request through the same strand proves that the late one would have run by now.
        BOOST_CHECK_EQUAL(h.notify("test.c-basic", "deadline", "after").http_status, 200);
        BOOST_CHECK(h.logs.wait_for("sink saw after"));
        BOOST_CHECK_EQUAL(h.logs.count("sink saw too-late"), 0u);
    }

    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "unavailable").http_status, 503);
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "no-such-command").http_status, 404);
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "echo", "", 1s, PropertyId{999}).http_status, 404);
    BOOST_CHECK_EQUAL(h.notify("no.such.plugin", "echo").http_status, 404);
    BOOST_CHECK_EQUAL(h.notify("test.c-second", "echo").http_status, 404); // loaded, not enabled
}

BOOST_AUTO_TEST_SUITE_END()
