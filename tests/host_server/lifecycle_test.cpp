// pms-host as a process: SIGTERM closes the live-event streams and exits 0 in bounded time,
// a failpoint in the notification route kills the process at that step, command-line presets
// (--enable, --setting, --secret) configure a plugin before the first request, a request that
// arrives while the server is still being built is answered 503 `starting`, and the start-up
// log names the allocator the process runs on.
#include "host_process.hpp"

#include <boost/json/object.hpp>
#include <boost/test/unit_test.hpp>

#include <pms/test_support/free_port.hpp>

#include <atomic>
#include <csignal>
#include <optional>
#include <thread>
#include <vector>

namespace json = boost::json;
using namespace std::chrono_literals;
using pms::test::EventStream;
using pms::test::HostProcess;

namespace {
const std::string fixture_id = "test.pms.server-fixture";
}

BOOST_AUTO_TEST_SUITE(lifecycle)

BOOST_AUTO_TEST_CASE(sigterm_closes_event_streams_and_exits_zero) {
    HostProcess host;
    const std::string property = host.demo_property();
    BOOST_TEST_REQUIRE(
        host.post_json("/api/properties/" + property + "/plugins/" + fixture_id + "/enable",
                       json::object{})
            .status == 200);
    EventStream events{host.port(), "/api/properties/" + property + "/events",
                       host.cookie_header_line()};
    BOOST_TEST_REQUIRE(events.wait_for("event: ready", 10s).has_value());

    const auto started = std::chrono::steady_clock::now();
    host.child().signal_group(SIGTERM);
    BOOST_TEST(events.wait_closed(10s), "the event stream was not closed on SIGTERM");
    const auto status = host.child().wait_exit(20s);
    BOOST_TEST_REQUIRE(status.has_value(), "pms-host did not exit within 20 s of SIGTERM");
    BOOST_TEST(*status == 0);
    BOOST_TEST((std::chrono::steady_clock::now() - started < 20s));
    BOOST_TEST(host.stderr_text().find("fixture deactivated") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(failpoint_kills_after_the_reply_is_built) {
    pms::test::HostOptions options;
    options.env = {{"PMS_FAILPOINT", "hooks.after_reply_built"}};
    options.extra_args = {"--enable", fixture_id + ":1"};
    HostProcess host{options};
    const auto reply = host.request(
        "POST", "/hooks/" + fixture_id + "/" + host.demo_property() + "/notify", "{}", {}, 10s);
    BOOST_TEST(reply.status == 0, "a response came back: " << reply.status);
    const auto status = host.child().wait_exit(10s);
    BOOST_TEST_REQUIRE(status.has_value());
    BOOST_TEST(*status == 128 + SIGKILL);
}

// Logs a hotel can keep (issue 14): at info a notification costs no line of its own; the
// counts come as one summary (per interval, and what is left at shutdown), and an error the
// host answered itself is logged at once, but not once per request of a flood.
BOOST_AUTO_TEST_CASE(at_info_notifications_are_summed_up_not_logged_one_by_one) {
    auto count = [](const std::string& text, const std::string& needle) {
        std::size_t n = 0;
        for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
            ++n;
        return n;
    };
    for (const std::string level : {"info", "debug"}) {
        BOOST_TEST_CONTEXT("--log-level " << level) {
            pms::test::HostOptions options;
            options.extra_args = {"--enable", fixture_id + ":1", "--log-level", level};
            HostProcess host{options};
            const std::string hooks = "/hooks/" + fixture_id + "/1";
            for (int i = 0; i < 3; ++i)
                BOOST_TEST_REQUIRE(host.request("POST", hooks + "/echo", "x").status == 202);
            for (int i = 0; i < 5; ++i)
                BOOST_TEST_REQUIRE(host.request("POST", hooks + "/unavailable", "x").status == 503);
            for (int i = 0; i < 10; ++i)
                BOOST_TEST_REQUIRE(host.request("POST", hooks + "/forged", "x").status == 400);
            BOOST_TEST(host.wait_for_log("answered 503 by the host", 5s));
            const auto status = host.terminate(20s);
            BOOST_TEST_REQUIRE(status.has_value());
            BOOST_TEST(*status == 0);
            const std::string log = host.stderr_text();
            // One access line per notification at debug only.
            BOOST_TEST(count(log, "hook POST " + fixture_id) == (level == "debug" ? 18u : 0u), log);
            // Five refusals a few milliseconds apart: not five warnings.
            BOOST_TEST(count(log, "answered 503 by the host") <= 2u, log);
            // The plugin's line per forged notification: the first three, then one count of
            // the rest (held back by the host, written at the latest when it stops).
            BOOST_TEST(count(log, "fixture refused a notification: signature mismatch") == 4u, log);
            BOOST_TEST(log.find("the same line 7 more times within 60 s (held back): fixture refused a "
                                "notification: signature mismatch") != std::string::npos,
                       log);
            // The summary, by outcome and by route, written when the host stops.
            BOOST_TEST(log.find("18 answered (3 2xx, 10 4xx, 5 5xx; 5 by the host itself)") !=
                           std::string::npos,
                       log);
            BOOST_TEST(log.find(fixture_id + "@1: 3 2xx, 10 4xx, 5 5xx") != std::string::npos, log);
        }
    }
}

BOOST_AUTO_TEST_CASE(command_line_presets_configure_a_plugin) {
    const std::string secret = "Cli-Secret-Value-9876";
    pms::test::HostOptions options;
    options.extra_args = {"--enable",     fixture_id + ":Гранд Отель Суперотель",
                          "--setting",    fixture_id + ":1:shop_id=cli-shop",
                          "--setting",    fixture_id + ":1:retries=7",
                          "--secret",     fixture_id + ":1:api_token=" + secret,
                          "--public-url", "https://pms.example.com/"};
    HostProcess host{options};
    const std::string base = "/api/properties/" + host.demo_property() + "/plugins/" + fixture_id;
    const auto page = host.get(base + "/settings");
    BOOST_TEST_REQUIRE(page.status == 200, page.body);
    BOOST_TEST(page.json.at("values").at("shop_id").as_string() == "cli-shop");
    BOOST_TEST(page.json.at("values").at("retries").as_int64() == 7);
    BOOST_TEST(page.json.at("secrets").at("/api_token").at("set").as_bool());
    BOOST_TEST(page.json.at("notification_url").as_string() ==
               "https://pms.example.com/hooks/" + fixture_id + "/" + host.demo_property() + "/");
    BOOST_TEST(host.all_bodies().find(secret) == std::string::npos);
    BOOST_TEST(host.wait_for_log("fixture settings changed, token=", 5s));
    BOOST_TEST(host.stderr_text().find(secret) == std::string::npos);

    const auto status = host.terminate(20s);
    BOOST_TEST_REQUIRE(status.has_value());
    BOOST_TEST(*status == 0);
}

// The allocator the build chose is the one the process runs on, configured as the build meant:
// jemalloc takes its settings from the executable's `malloc_conf` only if that symbol is the one
// it sees; a sanitized build runs on the sanitizer's allocator, any other on glibc's, held to
// one heap by the runtime.
BOOST_AUTO_TEST_CASE(start_up_names_the_allocator_it_runs_on) {
    HostProcess host;
    BOOST_TEST_REQUIRE(host.wait_for_log("allocator ", 5s));
    const std::string log = host.stderr_text();
    const auto from = log.find("allocator ");
    const std::string line = log.substr(from, log.find('\n', from) - from);
#ifdef PMS_EXPECT_JEMALLOC
    BOOST_TEST(line.starts_with("allocator jemalloc 5."), line);
    BOOST_TEST(line.ends_with(", 1 arena"), line);
#elif defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    BOOST_TEST(line == "allocator the sanitizer's");
#else
    BOOST_TEST(line == "allocator glibc malloc, 1 heap");
#endif
}

// The listener accepts as soon as it is bound, on io threads already running, while the server
// is still being built; a request in that window dereferenced the request guard before it
// existed and killed the host (SIGSEGV, seen by the bench's start-up probe). The pause point
// holds the window open for 500 ms, and a probe sends requests into it from before the start.
BOOST_AUTO_TEST_CASE(a_request_during_start_up_is_answered_starting) {
    const std::uint16_t port = pms::test::find_free_port();
    std::atomic<bool> started{false};
    std::vector<pms::test::RawReply> answers;
    std::thread probe([&] {
        const std::string request = pms::test::raw_request_text(
            "GET", "/api/health", "127.0.0.1:" + std::to_string(port), {}, "", false);
        while (!started.load()) {
            try {
                auto reply = pms::test::raw_exchange(port, request, 2s);
                if (reply.status != 0)
                    answers.push_back(std::move(reply));
            } catch (const std::exception&) {
                // not listening yet
            }
            std::this_thread::sleep_for(5ms);
        }
    });
    pms::test::HostOptions options;
    options.env = {{"PMS_FAILPOINT", "server.pause_before_serving=500"}};
    options.extra_args = {"--listen", "127.0.0.1:" + std::to_string(port)};
    std::optional<HostProcess> host;
    try {
        host.emplace(options);
    } catch (const std::exception& e) {
        started = true;
        probe.join();
        BOOST_FAIL("pms-host did not start: " << e.what());
    }
    started = true;
    probe.join();

    BOOST_TEST_REQUIRE(!answers.empty(), "no request reached the host while it started");
    for (const auto& reply : answers) {
        if (reply.status == 200)
            continue; // after the pause, before the host printed its address
        BOOST_TEST(reply.status == 503);
        BOOST_TEST(reply.body.find("\"starting\"") != std::string::npos, reply.body);
    }
    BOOST_TEST(answers.front().status == 503);
    BOOST_TEST(host->get("/api/health").status == 200);
    const auto status = host->terminate(20s);
    BOOST_TEST_REQUIRE(status.has_value());
    BOOST_TEST(*status == 0);
}

BOOST_AUTO_TEST_CASE(bad_command_line_is_refused) {
    pms::test::ChildProcess::Options child;
    child.program = PMS_HOST_EXE;
    child.args = {"--no-such-flag"};
    child.wait_first_line = false;
    pms::test::ChildProcess process{child};
    const auto status = process.wait_exit(10s);
    BOOST_TEST_REQUIRE(status.has_value());
    BOOST_TEST(*status == 2);
}

BOOST_AUTO_TEST_SUITE_END()
