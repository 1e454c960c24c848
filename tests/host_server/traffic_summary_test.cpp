// The provider door's log: one summary line per interval instead of a line per notification,
// and nothing at all when nothing happened.
#include "traffic_summary.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

using pms::host::server::TrafficSummary;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(traffic_summary)

BOOST_AUTO_TEST_CASE(counts_become_one_line_and_reset) {
    boost::asio::io_context ioc;
    std::vector<std::string> written;
    auto summary = std::make_shared<TrafficSummary>(
        ioc, 60s, [&](const std::string& line) { written.push_back(line); });
    BOOST_TEST(summary->take_line().empty());
    for (int i = 0; i < 998; ++i)
        summary->count_hook(200, true, 3ms);
    summary->count_hook(401, true, 40ms);
    summary->count_hook(503, false, 10'000ms);
    const auto line = summary->take_line();
    BOOST_TEST(line.find("1000 answered") != std::string::npos, line);
    BOOST_TEST(line.find("998 2xx, 1 4xx, 1 5xx; 1 by the host itself") != std::string::npos, line);
    BOOST_TEST(line.find("slowest 10000 ms") != std::string::npos, line);
    BOOST_TEST(summary->take_line().empty());
    // stop() writes what is left, once.
    summary->count_hook(200, true, 1ms);
    summary->stop();
    summary->stop();
    BOOST_TEST_REQUIRE(written.size() == 1u);
    BOOST_TEST(written.front().find("1 answered") != std::string::npos, written.front());
}

BOOST_AUTO_TEST_SUITE_END()
