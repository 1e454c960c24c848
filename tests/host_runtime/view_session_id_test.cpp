// View session ids (view_session_id.hpp) survive the log's redaction, so a line that names a
// session can be found by it: an ungrouped hex id sometimes held a run of digits the log masks
// as a card number.
#include "logger.hpp"
#include "view_session_id.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <set>
#include <string>

using pms::host::detail::format_view_session_id;
using pms::host::detail::new_view_session_id;
using pms::host::detail::redact_patterns;

BOOST_AUTO_TEST_SUITE(view_session_id)

BOOST_AUTO_TEST_CASE(an_id_of_digits_only_is_not_masked_as_a_card_number) {
    // 0x41 then 0x11s: "4111111111111111…", a Luhn-valid test card number when ungrouped.
    std::array<unsigned char, 16> raw{};
    raw.fill(0x11);
    raw[0] = 0x41;
    const std::string id = format_view_session_id(raw);
    BOOST_TEST(id == "vs-41111111-11111111-11111111-11111111");
    const std::string line = "page closed " + id;
    BOOST_TEST(redact_patterns(line) == line);

    // What the grouping prevents: the same digits in one run are masked.
    const std::string ungrouped = "page closed vs-4111111111111111";
    BOOST_TEST(redact_patterns(ungrouped) != ungrouped);
}

BOOST_AUTO_TEST_CASE(new_ids_are_distinct_and_reach_the_log_as_they_are) {
    std::set<std::string> seen;
    for (int i = 0; i < 2000; ++i) {
        const std::string id = new_view_session_id();
        BOOST_TEST_REQUIRE(id.size() == 3u + 32u + 3u);
        BOOST_TEST_REQUIRE(id.rfind("vs-", 0) == 0u);
        BOOST_TEST_REQUIRE(redact_patterns(id) == id);
        seen.insert(id);
    }
    BOOST_TEST(seen.size() == 2000u);
}

BOOST_AUTO_TEST_SUITE_END()
