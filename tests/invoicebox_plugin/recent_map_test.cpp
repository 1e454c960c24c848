// The plugin's in-memory keeping of what was used lately (recent_map.hpp): the budget, least
// recently used out first, and the idle lifetime that makes what is held follow recent traffic.
#include <invoicebox/plugin/recent_map.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <string_view>

using invoicebox::plugin::RecentMap;
using namespace std::chrono_literals;

namespace {

std::size_t bytes(std::string_view key, const std::string& value) { return key.size() + value.size(); }

/// A clock the test moves by hand.
struct ManualClock {
    RecentMap<std::string>::Clock::time_point t{};
    auto source() {
        return [this] { return t; };
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(recent_map)

BOOST_AUTO_TEST_CASE(the_least_recently_used_goes_first_once_over_the_budget) {
    ManualClock clock;
    RecentMap<std::string> kept(/*budget=*/6, 1h, &bytes, clock.source()); // three "kv" entries
    kept.put("a", "1");
    kept.put("b", "2");
    kept.put("c", "3");
    BOOST_TEST(kept.size() == 3u);
    BOOST_TEST(kept.cost() == 6u);
    BOOST_TEST(kept.find("a") != nullptr); // a is now the most recently used: b is the oldest
    kept.put("d", "4");
    BOOST_TEST(kept.find("b") == nullptr);
    BOOST_TEST(*kept.find("a") == "1");
    BOOST_TEST(*kept.find("c") == "3");
    BOOST_TEST(*kept.find("d") == "4");
    BOOST_TEST(kept.cost() == 6u);

    kept.put("c", "33"); // replaces, and the budget still holds: the oldest (a) goes
    BOOST_TEST(*kept.find("c") == "33");
    BOOST_TEST(kept.find("a") == nullptr);
    BOOST_TEST(kept.cost() == 5u);

    kept.put("big", "1234"); // 7 alone: over the budget, never kept, nothing else lost
    BOOST_TEST(kept.find("big") == nullptr);
    BOOST_TEST(kept.size() == 2u);
    BOOST_TEST(kept.erase("c"));
    BOOST_TEST(!kept.erase("c"));
    BOOST_TEST(kept.cost() == 2u);
}

BOOST_AUTO_TEST_CASE(an_entry_unused_for_the_idle_lifetime_goes) {
    ManualClock clock;
    RecentMap<std::string> kept(/*budget=*/1 << 20, 5min, &bytes, clock.source());
    kept.put("old", "x");
    clock.t += 3min;
    kept.put("hot", "y");
    clock.t += 1min;
    BOOST_TEST(kept.find("hot") != nullptr); // used at 4 min: its lifetime starts again
    clock.t += 1min + 59s;                   // old unused for 5:59, hot for 1:59
    BOOST_TEST(kept.find("old") == nullptr);
    BOOST_TEST(kept.size() == 1u);
    BOOST_TEST(kept.cost() == 4u);
    clock.t += 4min;                         // hot unused for 5:59
    BOOST_TEST(kept.find("hot") == nullptr);
    BOOST_TEST(kept.size() == 0u);
    BOOST_TEST(kept.cost() == 0u);
}

BOOST_AUTO_TEST_CASE(a_steady_stream_of_new_keys_holds_only_the_last_minutes) {
    // The soak's case: new links at a steady pace under a budget they would take hours to fill.
    ManualClock clock;
    RecentMap<std::string> kept(/*budget=*/4 << 20, 5min, &bytes, clock.source());
    for (int second = 0; second < 3600; second += 10) {
        kept.put("v1/link/" + std::to_string(second), std::string(2000, 'r'));
        clock.t += 10s;
    }
    BOOST_TEST(kept.size() == 30u); // 5 minutes of one every 10 s, not the hour's 360
}

BOOST_AUTO_TEST_SUITE_END()
