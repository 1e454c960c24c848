// `pms-host --help`: the access caps it names are the defaults the server applies (AccessLimits,
// the one place they are set), so the text cannot drift from them.
#include <boost/test/unit_test.hpp>

#include "options.hpp"

#include <pms/host/server/host_server.hpp>

#include <string>
#include <vector>

BOOST_AUTO_TEST_SUITE(usage)

BOOST_AUTO_TEST_CASE(the_help_names_the_caps_the_server_applies) {
    const std::string help = pms::host::app::usage();
    const pms::host::server::AccessLimits d;
    auto says = [&](const std::string& flag, const std::string& defaults) {
        const auto at = help.find(flag);
        BOOST_REQUIRE_MESSAGE(at != std::string::npos, flag << " is not in --help");
        const auto line_end = help.find('\n', at);
        const std::string line = help.substr(at, line_end - at);
        BOOST_TEST(line.find("(default " + defaults + ")") != std::string::npos, line);
    };
    says("--session-idle", std::to_string(d.session_idle.count()));
    says("--session-max-age", std::to_string(d.session_max_age.count()));
    says("--max-streams-per-session", std::to_string(d.streams_per_session) + " and " + std::to_string(d.streams_total));
    says("--max-views-per-session", std::to_string(d.views_per_session) + " and " + std::to_string(d.views_total));
    says("--view-idle", std::to_string(d.view_idle.count()));
    // The text around the caps is whole: the first and the last lines are still there.
    BOOST_TEST(help.find("Usage: pms-host [options]") == 0u);
    BOOST_TEST(help.find("SIGINT/SIGTERM stop the host cleanly") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
