// Money and Quantity: exact decimal parsing and formatting, currencies.
#include "invoicebox/protocol/money.hpp"
#include "invoicebox/protocol/quantity.hpp"

#include <boost/test/unit_test.hpp>

#include <random>

using namespace invoicebox::protocol;

namespace {

std::int64_t minor(std::string_view text) {
    auto r = parse_amount_minor(text);
    BOOST_TEST_REQUIRE(r.has_value(), "parse failed for " << text);
    return *r;
}

DecimalError amount_error(std::string_view text) {
    auto r = parse_amount_minor(text);
    BOOST_TEST_REQUIRE(!r.has_value(), "unexpectedly parsed " << text);
    return r.error();
}

} // namespace

BOOST_AUTO_TEST_SUITE(money)

BOOST_AUTO_TEST_CASE(documented_round_trips) {
    BOOST_TEST(minor("0.1") == 10);
    BOOST_TEST(minor("2490.5") == 249050);
    BOOST_TEST(minor("67680.00") == 6768000);
    BOOST_TEST(minor("99999999.99") == 9999999999);
    BOOST_TEST(minor("415.08") == 41508);
    BOOST_TEST(minor("1550") == 155000);
    BOOST_TEST(minor("0") == 0);
    BOOST_TEST(format_amount(10) == "0.1");
    BOOST_TEST(format_amount(249050) == "2490.5");
    BOOST_TEST(format_amount(6768000) == "67680");
    BOOST_TEST(format_amount(9999999999) == "99999999.99");
    BOOST_TEST(format_amount(41508) == "415.08");
    BOOST_TEST(format_amount(0) == "0");
    BOOST_TEST(format_amount(-1) == "-0.01");
    BOOST_TEST(format_amount(-150) == "-1.5");
    BOOST_TEST(format_amount(std::numeric_limits<std::int64_t>::min()) == "-92233720368547758.08");
}

BOOST_AUTO_TEST_CASE(exponents_and_zero_spellings) {
    // Boost.JSON writes 1550.0 as 1.55E3; such text must still read exactly.
    BOOST_TEST(minor("1.55E3") == 155000);
    BOOST_TEST(minor("1.55e+3") == 155000);
    BOOST_TEST(minor("155000E-2") == 155000);
    BOOST_TEST(minor("1E-2") == 1);
    BOOST_TEST(minor("10e-3") == 1);
    BOOST_TEST(minor("-0") == 0);
    BOOST_TEST(minor("0.000") == 0);
    BOOST_TEST(minor("0e999999999999") == 0);
    BOOST_TEST(minor("-12.3") == -1230);
    BOOST_TEST(minor("1.500") == 150); // trailing zeros below the kopeck are exact, so accepted
}

BOOST_AUTO_TEST_CASE(malformed_amounts_are_refused) {
    for (std::string_view bad :
         {"", "-", "+1", "01", "1.", ".5", "1e", "1e+", " 1", "1 ", "1,5", "0x10", "NaN",
          "Infinity", "1..2", "--1", "1e1.5", "\"1\"", "1_000"})
        BOOST_TEST((amount_error(bad) == DecimalError::syntax), "input: " << bad);
}

BOOST_AUTO_TEST_CASE(too_precise_amounts_are_refused) {
    for (std::string_view bad : {"0.001", "0.123", "2490.505", "1E-3", "0.0000000001", "1.0001"})
        BOOST_TEST((amount_error(bad) == DecimalError::too_precise), "input: " << bad);
}

BOOST_AUTO_TEST_CASE(overflowing_amounts_are_refused) {
    for (std::string_view bad : {"10000000000000.01", "99999999999999999999", "1e400",
                                 "9223372036854775807", "-1e14", "1e99999999999999999999"})
        BOOST_TEST((amount_error(bad) == DecimalError::out_of_range), "input: " << bad);
    BOOST_TEST(minor("10000000000000") == max_amount_minor); // the limit itself is accepted
}

BOOST_AUTO_TEST_CASE(format_parse_round_trip_random) {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::int64_t> d(-max_amount_minor, max_amount_minor);
    for (int i = 0; i < 20000; ++i) {
        const auto v = (i % 3 == 0) ? d(rng) % 100000 : d(rng);
        const auto text = format_amount(v);
        BOOST_TEST_REQUIRE(minor(text) == v);
        BOOST_TEST_REQUIRE(
            (text.find('.') == std::string::npos || text.size() - text.find('.') <= 3));
    }
}

BOOST_AUTO_TEST_CASE(currencies) {
    BOOST_TEST(alpha_code(Currency::rub) == "RUB");
    BOOST_TEST(numeric_code(Currency::rub) == 643);
    BOOST_TEST(numeric_code(Currency::usd) == 840);
    BOOST_TEST(numeric_code(Currency::eur) == 978);
    BOOST_TEST(numeric_code(Currency::gbp) == 826);
    for (const auto& c : known_currencies()) {
        BOOST_TEST((currency_from_alpha(c.alpha) == c.currency));
        BOOST_TEST((currency_from_numeric(c.numeric) == c.currency));
        BOOST_TEST(c.minor_digits == 2);
    }
    BOOST_TEST(!currency_from_alpha("rub").has_value()); // API names are case-sensitive
    BOOST_TEST(!currency_from_alpha("CNY").has_value());
    BOOST_TEST(!currency_from_numeric(156).has_value());
}

BOOST_AUTO_TEST_CASE(checked_arithmetic) {
    BOOST_TEST((checked_add(Money::of(150), Money::of(250)) == Money::of(400)));
    BOOST_TEST(!checked_add(Money::of(1, Currency::rub), Money::of(1, Currency::usd)).has_value());
    BOOST_TEST(!checked_add(Money::of(std::numeric_limits<std::int64_t>::max()), Money::of(1))
                    .has_value());
    BOOST_TEST((checked_sub(Money::of(150), Money::of(250)) == Money::of(-100)));
    BOOST_TEST(!checked_sub(Money::of(std::numeric_limits<std::int64_t>::min()), Money::of(1))
                    .has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(quantity)

BOOST_AUTO_TEST_CASE(parse_and_format) {
    BOOST_TEST(parse_quantity("3")->millionths == 3'000'000);
    BOOST_TEST(parse_quantity("0.5")->millionths == 500'000);
    BOOST_TEST(parse_quantity("1.25E1")->millionths == 12'500'000);
    BOOST_TEST(parse_quantity("0.000001")->millionths == 1);
    BOOST_TEST((parse_quantity("0.0000001").error() == DecimalError::too_precise));
    BOOST_TEST((parse_quantity("1000000001").error() == DecimalError::out_of_range));
    BOOST_TEST((parse_quantity("three").error() == DecimalError::syntax));
    BOOST_TEST(format_quantity(Quantity::units(3)) == "3");
    BOOST_TEST(format_quantity(Quantity{500'000}) == "0.5");
    BOOST_TEST(format_quantity(Quantity{1}) == "0.000001");
    BOOST_TEST(Quantity::units(2).is_whole());
    BOOST_TEST(!Quantity{1'500'000}.is_whole());
}

BOOST_AUTO_TEST_CASE(multiply_rounds_half_away_from_zero) {
    BOOST_TEST(*multiply_rounded(45000, Quantity::units(3)) == 135000);
    BOOST_TEST(*multiply_rounded(1, Quantity{500'000}) == 1); // 0.5 kopeck -> 1
    BOOST_TEST(*multiply_rounded(1, Quantity{499'999}) == 0);
    BOOST_TEST(*multiply_rounded(-1, Quantity{500'000}) == -1); // symmetric
    BOOST_TEST(*multiply_rounded(9999, Quantity::units(3)) == 29997);
    BOOST_TEST(!multiply_rounded(std::numeric_limits<std::int64_t>::max(), Quantity::units(2))
                    .has_value());
}

BOOST_AUTO_TEST_SUITE_END()
