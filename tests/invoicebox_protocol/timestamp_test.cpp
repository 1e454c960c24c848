// RFC 3339 timestamps and plain dates.
#include "invoicebox/protocol/timestamp.hpp"

#include <boost/test/unit_test.hpp>

using namespace invoicebox::protocol;
using namespace std::chrono;

BOOST_AUTO_TEST_SUITE(timestamp)

BOOST_AUTO_TEST_CASE(parses_offsets_to_utc) {
    const auto utc = parse_timestamp("2024-11-05T09:12:44+00:00");
    BOOST_TEST_REQUIRE(utc.has_value());
    BOOST_TEST(format_timestamp(*utc) == "2024-11-05T09:12:44+00:00");
    BOOST_TEST((parse_timestamp("2024-11-05T12:12:44+03:00") == utc));
    BOOST_TEST((parse_timestamp("2024-11-05T12:12:44+0300") == utc));
    BOOST_TEST((parse_timestamp("2024-11-05T04:42:44-04:30") == utc));
    BOOST_TEST((parse_timestamp("2024-11-05T09:12:44Z") == utc));
    BOOST_TEST((parse_timestamp("2024-11-05t09:12:44z") == utc));
    BOOST_TEST((parse_timestamp("2024-11-05T09:12:44.123456Z") == utc));
    BOOST_TEST((parse_timestamp("2024-11-05T09:12:44") == utc)); // offset-less filter examples: UTC
    BOOST_TEST((parse_timestamp("2024-11-05 09:12:44+00:00") == utc));
    // Crossing midnight and a leap day.
    BOOST_TEST(format_timestamp(*parse_timestamp("2024-03-01T01:00:00+03:00")) ==
               "2024-02-29T22:00:00+00:00");
}

BOOST_AUTO_TEST_CASE(rejects_malformed) {
    for (std::string_view bad :
         {"", "2024-11-05", "2024-13-05T00:00:00Z", "2023-02-29T00:00:00Z", "2024-11-05T24:00:00Z",
          "2024-11-05T09:12:44+25:00", "2024-11-05T09:12:44 UTC", "2024-11-05T09:12",
          "2024-11-05T09:12:44.Z", "05.11.2024 09:12:44", "2024-11-05T09:12:44+03"})
        BOOST_TEST(!parse_timestamp(bad).has_value(), "accepted: " << bad);
}

BOOST_AUTO_TEST_CASE(dates) {
    const auto d = parse_date("2024-11-05");
    BOOST_TEST_REQUIRE(d.has_value());
    BOOST_TEST(format_date(*d) == "2024-11-05");
    BOOST_TEST(!parse_date("2024-11-31").has_value());
    BOOST_TEST(!parse_date("2024-11-05T00").has_value());
    BOOST_TEST(format_timestamp(UtcTime{}) == "1970-01-01T00:00:00+00:00");
}

BOOST_AUTO_TEST_SUITE_END()
