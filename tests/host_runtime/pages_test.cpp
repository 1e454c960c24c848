// Plugin pages (pms.admin-page/1, ABI 1.2) through the runtime: the pages are read once after
// activate and checked (a page naming a permission the host does not know refuses the plugin's
// pages, not the plugin); opening a page is a view session like a click (exactly one
// completion, the host's deadline, a failed opening leaves no session); page events carry the
// page, not a folio; pushes go through the page twin only; closing reaches on_view_closed.
// Also pms.property/1: the property's legal entities, with the ids the folio document uses.
#include "harness.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <thread>

using namespace pms::host;
using namespace pms::host::test;
namespace json = boost::json;

namespace {

AdminPageContext page_context(const Harness& h) {
    AdminPageContext c;
    c.property = h.seed.property;
    c.staff_user_id = "u-5";
    c.staff_user_name = "Olga";
    c.locale = "ru-RU";
    return c;
}

Result<ViewUpdate> open_page(Harness& h, const std::string& page,
                             const std::string& plugin = "test.c-basic") {
    return h.wait<ViewUpdate>([&](Callback<ViewUpdate> cb) {
        h.runtime->open_admin_page(plugin, page, page_context(h), std::move(cb));
    });
}

Result<ViewUpdate> page_event(Harness& h, const std::string& session, const std::string& action) {
    ViewEventInput e;
    e.action = action;
    e.staff_user_id = "u-5";
    e.staff_user_name = "Olga";
    return h.wait<ViewUpdate>(
        [&](Callback<ViewUpdate> cb) { h.runtime->send_view_event(session, e, std::move(cb)); });
}

json::object view_of(const std::string& text) {
    return json::parse(text).as_object();
}

std::string title_of(const std::string& view) {
    return std::string{view_of(view).at("title").as_string()};
}

std::string text_of(const std::string& view) {
    return std::string{view_of(view).at("elements").at(0).at("text").as_string()};
}

} // namespace

BOOST_AUTO_TEST_SUITE(pages)

BOOST_AUTO_TEST_CASE(pages_are_listed_with_section_and_permission) {
    Harness h;
    BOOST_CHECK(h.runtime->admin_pages(h.seed.property).empty()); // nothing enabled yet
    h.enable("test.c-basic");
    h.enable("test.sdk"); // no pages
    const auto pages = h.runtime->admin_pages(h.seed.property);
    BOOST_REQUIRE_EQUAL(pages.size(), 3u);
    BOOST_CHECK_EQUAL(pages[0].plugin_id, "test.c-basic");
    BOOST_CHECK_EQUAL(pages[0].page_id, "suspense");
    BOOST_CHECK_EQUAL(pages[0].title, "Fixture suspense");
    BOOST_CHECK_EQUAL(pages[0].section, "finance");
    BOOST_CHECK_EQUAL(pages[0].permission, "suspense.manage");
    BOOST_CHECK_EQUAL(pages[1].section, "reports");
    BOOST_CHECK_EQUAL(pages[2].page_id, "fail");
    BOOST_CHECK_EQUAL(pages[2].section, "admin"); // NULL section: the default
    BOOST_CHECK_EQUAL(pages[2].permission, "folio.view");

    const auto one = h.runtime->admin_page("test.c-basic", h.seed.property, "suspense");
    BOOST_REQUIRE(one);
    BOOST_CHECK_EQUAL(one->permission, "suspense.manage");
    BOOST_CHECK(!h.runtime->admin_page("test.c-basic", h.seed.property, "nope"));
    BOOST_CHECK(!h.runtime->admin_page("test.c-basic", PropertyId{999}, "suspense"));
    BOOST_CHECK(h.runtime->admin_pages(PropertyId{999}).empty());

    // Disabled: its pages are gone with it.
    h.disable("test.c-basic");
    BOOST_CHECK(h.runtime->admin_pages(h.seed.property).empty());
}

BOOST_AUTO_TEST_CASE(a_page_naming_an_unknown_permission_refuses_the_pages_not_the_plugin) {
    Harness h;
    h.enable("test.bad-page");
    BOOST_CHECK(h.runtime->instance("test.bad-page", h.seed.property)->state ==
                InstanceState::active);
    BOOST_CHECK(h.runtime->admin_pages(h.seed.property).empty());
    BOOST_CHECK(h.logs.count(LogLevel::plugin_misbehaving,
                             "requires the unknown permission 'suspense.admin'") == 1);
    auto refused = open_page(h, "suspense", "test.bad-page");
    BOOST_REQUIRE(!refused.ok());
    BOOST_CHECK(refused.error().code == RuntimeErrc::invalid_argument);
    // The rest of the plugin works.
    auto view = h.wait<ViewUpdate>([&](Callback<ViewUpdate> cb) {
        h.runtime->click_button("test.bad-page", "open", h.folio_context(), std::move(cb));
    });
    BOOST_CHECK(view.ok());
}

BOOST_AUTO_TEST_CASE(a_page_session_open_events_and_close) {
    Harness h;
    h.enable("test.c-basic");
    auto opened = open_page(h, "suspense");
    BOOST_REQUIRE(opened.ok());
    const std::string session = opened.value().session_id;
    BOOST_CHECK(session.rfind("vs-", 0) == 0);
    BOOST_CHECK_EQUAL(opened.value().page_id, "suspense");
    BOOST_CHECK_EQUAL(title_of(opened.value().view_json), "Page 1");
    BOOST_CHECK_EQUAL(text_of(opened.value().view_json), "page=suspense staff=Olga");
    BOOST_CHECK(h.logs.find("page open suspense by u-5 session " + session) >= 0);
    const auto current = h.runtime->current_view(session);
    BOOST_REQUIRE(current);
    BOOST_CHECK_EQUAL(current->page_id, "suspense");
    BOOST_CHECK(current->folio.value == 0);

    auto next = page_event(h, session, "next");
    BOOST_REQUIRE(next.ok());
    BOOST_CHECK_EQUAL(title_of(next.value().view_json), "Page 2");
    BOOST_CHECK_EQUAL(next.value().page_id, "suspense");

    // The event document names the page and no folio; the C context names the page too.
    auto echo = page_event(h, session, "echo");
    BOOST_REQUIRE(echo.ok());
    BOOST_CHECK_EQUAL(text_of(echo.value().view_json),
                      "page_id=suspense folio_id= ctx_page=suspense");

    // An error completion keeps the session and its previous view.
    auto declined = page_event(h, session, "error");
    BOOST_REQUIRE(!declined.ok());
    BOOST_CHECK(declined.error().code == RuntimeErrc::plugin_error);
    BOOST_CHECK_EQUAL(title_of(h.runtime->current_view(session)->view_json), "Echo");

    h.runtime->close_view(session);
    BOOST_CHECK(h.logs.wait_for("page closed " + session));
    // Through the page hook, never the folio button's.
    BOOST_CHECK(h.logs.find("view closed " + session) < 0);
    BOOST_CHECK(!h.runtime->current_view(session));
    auto after = page_event(h, session, "next");
    BOOST_REQUIRE(!after.ok());
    BOOST_CHECK(after.error().code == RuntimeErrc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(an_empty_view_closes_the_page) {
    Harness h;
    h.enable("test.c-basic");
    auto opened = open_page(h, "suspense");
    BOOST_REQUIRE(opened.ok());
    const std::string session = opened.value().session_id;
    auto closed = page_event(h, session, "close");
    BOOST_REQUIRE(closed.ok());
    BOOST_CHECK(closed.value().closed);
    BOOST_CHECK(h.logs.wait_for("page closed " + session));
    BOOST_CHECK(!h.runtime->current_view(session));
}

BOOST_AUTO_TEST_CASE(openings_that_fail_time_out_or_name_no_page_leave_no_session) {
    HarnessOptions options;
    options.hook_timeout = 300ms;
    Harness h{options};
    h.enable("test.c-basic");

    auto failed = open_page(h, "fail");
    BOOST_REQUIRE(!failed.ok());
    BOOST_CHECK(failed.error().code == RuntimeErrc::plugin_error);
    BOOST_CHECK_EQUAL(failed.error().status, PMS_INTERNAL);

    auto never = open_page(h, "never");
    BOOST_REQUIRE(!never.ok());
    BOOST_CHECK(never.error().code == RuntimeErrc::timeout);

    auto unknown = open_page(h, "no-such-page");
    BOOST_REQUIRE(!unknown.ok());
    BOOST_CHECK(unknown.error().code == RuntimeErrc::invalid_argument);

    auto nobody = h.wait<ViewUpdate>([&](Callback<ViewUpdate> cb) {
        AdminPageContext c = page_context(h);
        c.staff_user_id.clear();
        h.runtime->open_admin_page("test.c-basic", "suspense", c, std::move(cb));
    });
    BOOST_REQUIRE(!nobody.ok());
    BOOST_CHECK(nobody.error().code == RuntimeErrc::invalid_argument);

    // The timed-out session was closed: the plugin heard of it.
    BOOST_CHECK(h.logs.wait_for("page closed vs-"));
}

BOOST_AUTO_TEST_CASE(a_draining_instance_cancels_a_pending_opening) {
    Harness h;
    h.enable("test.c-basic");
    std::promise<Result<ViewUpdate>> answer;
    std::atomic<int> calls{0};
    h.runtime->open_admin_page("test.c-basic", "never", page_context(h), [&](Result<ViewUpdate> r) {
        if (++calls == 1)
            answer.set_value(std::move(r));
    });
    BOOST_REQUIRE(h.logs.wait_for("page open never"));
    h.disable("test.c-basic");
    auto future = answer.get_future();
    BOOST_REQUIRE(future.wait_for(5s) == std::future_status::ready);
    const auto r = future.get();
    BOOST_REQUIRE(!r.ok());
    BOOST_CHECK(r.error().code == RuntimeErrc::cancelled);
    std::this_thread::sleep_for(20ms);
    BOOST_CHECK_EQUAL(calls.load(), 1);
}

BOOST_AUTO_TEST_CASE(pushes_into_a_page_go_through_the_page_twin_only) {
    Harness h;
    h.enable("test.c-basic");
    std::vector<ViewPush> pushes;
    std::mutex mutex;
    Subscription sub = h.runtime->subscribe_view_pushes([&](const ViewPush& p) {
        std::lock_guard lock(mutex);
        pushes.push_back(p);
    });
    auto opened = open_page(h, "suspense");
    BOOST_REQUIRE(opened.ok());
    const std::string session = opened.value().session_id;
    auto after = page_event(h, session, "push");
    BOOST_REQUIRE(after.ok());
    BOOST_CHECK_EQUAL(text_of(after.value().view_json),
                      "push=PMS_OK folio_twin=PMS_NOT_FOUND");
    std::lock_guard lock(mutex);
    BOOST_REQUIRE_EQUAL(pushes.size(), 1u);
    BOOST_CHECK_EQUAL(pushes[0].session_id, session);
    BOOST_CHECK_EQUAL(pushes[0].page_id, "suspense");
    BOOST_CHECK(pushes[0].folio.value == 0);
    BOOST_CHECK_EQUAL(title_of(pushes[0].view_json), "Pushed");
}

BOOST_AUTO_TEST_CASE(a_folio_dialog_is_not_pushed_through_the_page_twin) {
    Harness h;
    h.enable("test.c-basic");
    auto clicked = h.wait<ViewUpdate>([&](Callback<ViewUpdate> cb) {
        h.runtime->click_button("test.c-basic", "open", h.folio_context(), std::move(cb));
    });
    BOOST_REQUIRE(clicked.ok());
    BOOST_CHECK(clicked.value().page_id.empty());
    // A folio event still carries its folio and no page.
    ViewEventInput e;
    e.action = "echo";
    e.staff_user_id = "u-17";
    e.staff_user_name = "Anna";
    auto echo = h.wait<ViewUpdate>([&](Callback<ViewUpdate> cb) {
        h.runtime->send_view_event(clicked.value().session_id, e, std::move(cb));
    });
    BOOST_REQUIRE(echo.ok());
    BOOST_CHECK(echo.value().page_id.empty());
}

BOOST_AUTO_TEST_CASE(the_property_document_lists_the_legal_entities) {
    Harness h;
    h.enable("test.c-basic");
    auto opened = open_page(h, "suspense");
    BOOST_REQUIRE(opened.ok());
    auto r = page_event(h, opened.value().session_id, "property");
    BOOST_REQUIRE(r.ok());
    BOOST_CHECK_EQUAL(title_of(r.value().view_json), "PMS_OK");
    const auto doc = json::parse(text_of(r.value().view_json)).as_object();
    BOOST_CHECK_EQUAL(doc.at("schema").as_string(), "pms.property/1");
    BOOST_CHECK_EQUAL(doc.at("property_id").as_string(), std::to_string(h.seed.property.value));
    BOOST_CHECK(!doc.at("name").as_string().empty());
    const auto& entities = doc.at("legal_entities").as_array();
    BOOST_REQUIRE_EQUAL(entities.size(), 2u);
    // Ordered by id, each id as the folio document writes legal_entity.id.
    const auto first = std::min(h.seed.superhotel.value, h.seed.yes_arenda.value);
    const auto second = std::max(h.seed.superhotel.value, h.seed.yes_arenda.value);
    BOOST_CHECK_EQUAL(entities[0].at("id").as_string(), std::to_string(first));
    BOOST_CHECK_EQUAL(entities[1].at("id").as_string(), std::to_string(second));
    bool found_yes = false;
    for (const auto& e : entities)
        if (e.at("id").as_string() == std::to_string(h.seed.yes_arenda.value)) {
            found_yes = true;
            BOOST_CHECK(std::string{e.at("name").as_string()}.find("ЙЕС-АРЕНДА") !=
                        std::string::npos);
            BOOST_CHECK(e.as_object().contains("tax_id"));
        }
    BOOST_CHECK(found_yes);
}

BOOST_AUTO_TEST_SUITE_END()
