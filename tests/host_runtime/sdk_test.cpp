// The C++ SDK fixture through the real loader: coroutines on the host strand (SDK timer,
// pms.http/1 and pms.folio/1 through completion tokens), hooks that throw (the SDK's trampolines
// turn them into PMS_INTERNAL and the host survives), and a coroutine waiting on a timer at
// disable, resumed with "cancelled" before deactivate.
#include "harness.hpp"

#include <pms/net/http_server.hpp>

#include <boost/test/unit_test.hpp>

using namespace pms::host;
using namespace pms::host::test;

BOOST_AUTO_TEST_SUITE(sdk)

BOOST_AUTO_TEST_CASE(coroutines_and_exceptions_through_the_sdk) {
    Harness h;
    h.enable("test.sdk");
    BOOST_CHECK(h.logs.find("sdk activate") >= 0);

    auto hello = h.wait<ViewUpdate>([&](Callback<ViewUpdate> cb) {
        h.runtime->click_button("test.sdk", "hello", h.folio_context(), std::move(cb));
    });
    BOOST_REQUIRE_MESSAGE(hello.ok(), (hello.ok() ? std::string{} : hello.error().message));
    BOOST_CHECK(hello.value().view_json.find("Hello from a coroutine") != std::string::npos);
    BOOST_CHECK(hello.value().view_json.find("folio " + std::to_string(h.seed.main_folio.value)) !=
                std::string::npos);

    // A hook that throws: the SDK answers PMS_INTERNAL, logs PLUGIN_MISBEHAVING; host survives.
    auto thrown = h.wait<ViewUpdate>([&](Callback<ViewUpdate> cb) {
        h.runtime->click_button("test.sdk", "throw", h.folio_context(), std::move(cb));
    });
    BOOST_REQUIRE(!thrown.ok());
    BOOST_CHECK(thrown.error().code == RuntimeErrc::plugin_error);
    BOOST_CHECK_EQUAL(thrown.error().status, PMS_INTERNAL);
    BOOST_CHECK(h.logs.count(LogLevel::plugin_misbehaving, "fixture exception from on_click") >= 1);

    auto action = h.wait<ActionOutcome>([&](Callback<ActionOutcome> cb) {
        h.runtime->run_settings_action("test.sdk", h.seed.property, "throw", "{}", "staff:17",
                                       std::move(cb));
    });
    const pms_status action_status = action.ok() ? action.value().status : action.error().status;
    BOOST_CHECK_EQUAL(action_status, PMS_INTERNAL);

    const InboundReply reply = h.notify("test.sdk", "throw");
    BOOST_CHECK_GE(reply.http_status, 500);

    // Postings through the SDK's completion token.
    h.map_kind("test.sdk", "payment");
    const std::string args = std::to_string(h.seed.main_folio.value) + " 1000 test.sdk:payment:c-1";
    const std::string first = h.notify("test.sdk", "post", args).body;
    BOOST_CHECK_MESSAGE(first.rfind("ec=ok repeat=0 posting=", 0) == 0, first);
    const std::string again = h.notify("test.sdk", "post", args).body;
    BOOST_CHECK_MESSAGE(again.rfind("ec=ok repeat=1 posting=", 0) == 0, again);

    // HTTP from a coroutine.
    pms::net::HttpServer server{
        h.runtime->io_context(), {}, [](pms::net::Request, pms::net::Responder r) {
            r(pms::net::Response::text(200, "pong"));
        }};
    BOOST_CHECK_EQUAL(h.notify("test.sdk", "http", server.base_url() + "/x").body,
                      "ec=ok status=200 body=pong");
    server.stop();

    // A coroutine parked on a one-hour timer is resumed with "cancelled" by the drain.
    BOOST_CHECK_EQUAL(h.notify("test.sdk", "slow").body, "started");
    h.disable("test.sdk");
    const long timer = h.logs.find("sdk slow timer done: ");
    const long deactivate = h.logs.find("sdk deactivate pending=0");
    BOOST_TEST_INFO(h.logs.dump());
    BOOST_CHECK(timer >= 0);
    BOOST_CHECK(deactivate > timer);
    BOOST_CHECK(h.logs.lines()[timer].text.find("fired") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
