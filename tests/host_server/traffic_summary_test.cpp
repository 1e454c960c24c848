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
        summary->count_hook("p@1", 200, true, 3ms);
    summary->count_hook("p@1", 401, true, 40ms);
    summary->count_hook("q@2", 503, false, 10'000ms);
    const auto line = summary->take_line();
    BOOST_TEST(line.find("1000 answered") != std::string::npos, line);
    BOOST_TEST(line.find("998 2xx, 1 4xx, 1 5xx; 1 by the host itself") != std::string::npos, line);
    BOOST_TEST(line.find("slowest 10000 ms") != std::string::npos, line);
    // ... and by route: which plugin and property got what.
    BOOST_TEST(line.find("; p@1: 998 2xx, 1 4xx; q@2: 1 5xx") != std::string::npos, line);
    BOOST_TEST(summary->take_line().empty());
    // stop() writes what is left, once.
    summary->count_hook("p@1", 200, true, 1ms);
    summary->stop();
    summary->stop();
    BOOST_TEST_REQUIRE(written.size() == 1u);
    BOOST_TEST(written.front().find("1 answered") != std::string::npos, written.front());
}

BOOST_AUTO_TEST_CASE(routes_named_by_the_sender_cannot_grow_the_line_without_bound) {
    boost::asio::io_context ioc;
    auto summary = std::make_shared<TrafficSummary>(ioc, 60s, [](const std::string&) {});
    // The property id of a /hooks path is anyone's to choose.
    for (int i = 0; i < 1000; ++i)
        summary->count_hook("p@" + std::to_string(1000 + i), 404, false, 1ms);
    const auto line = summary->take_line();
    BOOST_TEST(line.find("1000 answered") != std::string::npos, line);
    BOOST_TEST(line.find("p@1015: 1 4xx") != std::string::npos, line);
    BOOST_TEST(line.find("p@1016") == std::string::npos, line);
    BOOST_TEST(line.find("other routes: 984 4xx") != std::string::npos, line);
    // The routes start afresh with the next interval.
    summary->count_hook("p@1999", 200, true, 1ms);
    BOOST_TEST(summary->take_line().find("p@1999: 1 2xx") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
