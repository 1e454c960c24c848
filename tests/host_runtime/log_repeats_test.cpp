// The log's guard against a plugin's repeated lines (log_repeats.hpp) and its use by the runtime's
// logger: a flood of one line costs the log a few lines and one count per window; distinct lines,
// other levels, other instances and the host's own lines are never held back.
#include "log_repeats.hpp"
#include "logger.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using pms::host::LogLevel;
using pms::host::LogLine;
using pms::host::detail::Logger;
using pms::host::detail::LogRepeats;
using namespace std::chrono_literals;

namespace {

struct Written {
    LogLevel level;
    std::string origin;
    std::string text;
};

} // namespace

BOOST_AUTO_TEST_SUITE(log_repeats)

BOOST_AUTO_TEST_CASE(a_line_repeated_within_its_window_is_written_burst_times_then_counted) {
    LogRepeats guard{{.window = 60s, .burst = 3, .max_tracked = 16}};
    const auto t0 = LogRepeats::Clock::time_point{} + 1000s;
    std::vector<LogRepeats::HeldBack> due;
    int written = 0;
    for (int i = 0; i < 1000; ++i)
        written += guard.admit(LogLevel::warning, "plugin:a@1", "notification rejected: signature mismatch",
                               t0 + std::chrono::milliseconds(i), due)
                       ? 1
                       : 0;
    BOOST_CHECK_EQUAL(written, 3);
    BOOST_CHECK(due.empty());
    BOOST_CHECK(guard.take_due(t0 + 59s).empty()); // the window has not ended

    const auto ended = guard.take_due(t0 + 60s);
    BOOST_REQUIRE_EQUAL(ended.size(), 1u);
    BOOST_CHECK_EQUAL(ended[0].copies, 997u);
    BOOST_CHECK_EQUAL(ended[0].origin, "plugin:a@1");
    BOOST_CHECK(ended[0].level == LogLevel::warning);
    BOOST_CHECK_EQUAL(LogRepeats::summary_text(ended[0]),
                      "the same line 997 more times within 60 s (held back): notification rejected: "
                      "signature mismatch");
    // Forgotten once reported: the next copy opens a new window and is written.
    BOOST_CHECK(guard.admit(LogLevel::warning, "plugin:a@1", "notification rejected: signature mismatch",
                            t0 + 61s, due));
    BOOST_CHECK(guard.take_all().empty());
}

BOOST_AUTO_TEST_CASE(the_next_copy_after_the_window_reports_the_count_before_it_is_written) {
    LogRepeats guard{{.window = 10s, .burst = 1, .max_tracked = 16}};
    const auto t0 = LogRepeats::Clock::time_point{} + 1000s;
    std::vector<LogRepeats::HeldBack> due;
    BOOST_CHECK(guard.admit(LogLevel::error, "plugin:a@1", "store failure", t0, due));
    BOOST_CHECK(!guard.admit(LogLevel::error, "plugin:a@1", "store failure", t0 + 1s, due));
    BOOST_CHECK(!guard.admit(LogLevel::error, "plugin:a@1", "store failure", t0 + 2s, due));
    BOOST_CHECK(due.empty());
    BOOST_CHECK(guard.admit(LogLevel::error, "plugin:a@1", "store failure", t0 + 10s, due));
    BOOST_REQUIRE_EQUAL(due.size(), 1u);
    BOOST_CHECK_EQUAL(due[0].copies, 2u);
    BOOST_CHECK_EQUAL(due[0].text, "store failure");
}

BOOST_AUTO_TEST_CASE(distinct_text_level_or_origin_is_a_distinct_line) {
    LogRepeats guard{{.window = 60s, .burst = 1, .max_tracked = 16}};
    const auto t0 = LogRepeats::Clock::time_point{} + 1000s;
    std::vector<LogRepeats::HeldBack> due;
    BOOST_CHECK(guard.admit(LogLevel::warning, "plugin:a@1", "x", t0, due));
    BOOST_CHECK(guard.admit(LogLevel::warning, "plugin:a@1", "y", t0, due));
    BOOST_CHECK(guard.admit(LogLevel::error, "plugin:a@1", "x", t0, due));
    BOOST_CHECK(guard.admit(LogLevel::warning, "plugin:a@2", "x", t0, due));
    // The separator keeps "plugin:a" + "bx" apart from "plugin:ab" + "x".
    BOOST_CHECK(guard.admit(LogLevel::warning, "plugin:a", "bx", t0, due));
    BOOST_CHECK(guard.admit(LogLevel::warning, "plugin:ab", "x", t0, due));
    BOOST_CHECK(!guard.admit(LogLevel::warning, "plugin:a@1", "x", t0, due));
    const auto all = guard.take_all();
    BOOST_REQUIRE_EQUAL(all.size(), 1u);
    BOOST_CHECK_EQUAL(all[0].copies, 1u);
}

BOOST_AUTO_TEST_CASE(a_full_guard_writes_new_lines_untracked_never_drops_them) {
    LogRepeats guard{{.window = 60s, .burst = 1, .max_tracked = 2}};
    const auto t0 = LogRepeats::Clock::time_point{} + 1000s;
    std::vector<LogRepeats::HeldBack> due;
    BOOST_CHECK(guard.admit(LogLevel::info, "plugin:a@1", "one", t0, due));
    BOOST_CHECK(guard.admit(LogLevel::info, "plugin:a@1", "two", t0, due));
    for (int i = 0; i < 5; ++i)
        BOOST_CHECK(guard.admit(LogLevel::info, "plugin:a@1", "three", t0, due));
    BOOST_CHECK(!guard.admit(LogLevel::info, "plugin:a@1", "one", t0, due));
    // Once the tracked windows end, the room is given back.
    BOOST_CHECK(guard.take_due(t0 + 60s).size() == 1u);
    BOOST_CHECK(guard.admit(LogLevel::info, "plugin:a@1", "three", t0 + 61s, due));
    BOOST_CHECK(!guard.admit(LogLevel::info, "plugin:a@1", "three", t0 + 62s, due));
}

BOOST_AUTO_TEST_CASE(the_logger_holds_back_a_plugins_repeats_not_the_hosts) {
    std::vector<Written> lines;
    Logger log{[&](const LogLine& l) { lines.push_back({l.level, std::string{l.origin}, std::string{l.text}}); },
               LogLevel::info, {.window = 3600s, .burst = 2, .max_tracked = 16}};
    log.set_secrets("a@1", {"s3cr3t-value"});
    for (int i = 0; i < 50; ++i) {
        log.write(LogLevel::warning, "plugin:a@1", "rejected with s3cr3t-value");
        log.write(LogLevel::warning, "runtime", "host line");
        log.write(LogLevel::debug, "plugin:a@1", "below the level: neither written nor counted");
    }
    int plugin_lines = 0, host_lines = 0;
    for (const auto& l : lines) {
        plugin_lines += l.origin == "plugin:a@1" ? 1 : 0;
        host_lines += l.origin == "runtime" ? 1 : 0;
        BOOST_CHECK(l.text.find("s3cr3t-value") == std::string::npos);
    }
    BOOST_CHECK_EQUAL(plugin_lines, 2);
    BOOST_CHECK_EQUAL(host_lines, 50);

    lines.clear();
    log.flush_repeats(std::chrono::steady_clock::now()); // the hour has not ended
    BOOST_CHECK(lines.empty());
    log.flush_repeats(std::chrono::steady_clock::now(), true); // shutdown: everything held
    BOOST_REQUIRE_EQUAL(lines.size(), 1u);
    BOOST_CHECK(lines[0].level == LogLevel::warning);
    BOOST_CHECK_EQUAL(lines[0].origin, "plugin:a@1");
    BOOST_CHECK_EQUAL(lines[0].text, "the same line 48 more times within 3600 s (held back): rejected with ***");
}

BOOST_AUTO_TEST_SUITE_END()
