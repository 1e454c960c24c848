// VAT codes and the VAT contained in an amount.
#include "invoicebox/protocol/vat.hpp"

#include <boost/test/unit_test.hpp>

using namespace invoicebox::protocol;

BOOST_AUTO_TEST_SUITE(vat)

BOOST_AUTO_TEST_CASE(known_codes_round_trip) {
    BOOST_TEST(known_vat_codes().size() == 12u);
    for (auto c : known_vat_codes()) {
        const auto v = VatCode::parse(wire_name(c));
        BOOST_TEST(v.is_known());
        BOOST_TEST((v.known() == c));
        BOOST_TEST(v.wire() == wire_name(c));
    }
    BOOST_TEST(*VatCode::parse("RUS_VAT20").rate() == 20);
    BOOST_TEST(*VatCode::parse("RUS_VAT22_ADDED").rate() == 22);
    BOOST_TEST(is_added(KnownVatCode::vat22_added));
    BOOST_TEST(!is_added(KnownVatCode::vat22));
    BOOST_TEST(*VatCode::parse("VATNONE").rate() == 0);
    BOOST_TEST(*VatCode::parse("RUS_VAT0").rate() == 0);
    BOOST_TEST(*VatCode::parse("RUS_VAT5").rate() == 5);
    BOOST_TEST(*VatCode::parse("RUS_VAT7").rate() == 7);
    BOOST_TEST(*VatCode::parse("RUS_VAT10").rate() == 10);
    BOOST_TEST(VatCode().wire() == "VATNONE");
}

BOOST_AUTO_TEST_CASE(unknown_codes_are_preserved) {
    for (std::string_view s : {"NONE", "RUS_VAT25", "rus_vat20", "", "RUS_VAT120"}) {
        const auto v = VatCode::parse(s);
        BOOST_TEST(!v.is_known());
        BOOST_TEST(v.wire() == s);
        BOOST_TEST(!v.rate().has_value());
        BOOST_TEST(!vat_in_gross(12000, v).has_value());
    }
    BOOST_TEST((VatCode::parse("NONE") == VatCode::parse("NONE")));
    BOOST_TEST(!(VatCode::parse("NONE") == VatCode(KnownVatCode::vat_none)));
}

BOOST_AUTO_TEST_CASE(documented_examples) {
    BOOST_TEST(vat_in_gross(37188, 20) == 6198);   // 371.88 x 20/120 = 61.98 (§4.3)
    BOOST_TEST(vat_in_gross(135000, 20) == 22500); // 1350 -> 225 (§8.1)
    BOOST_TEST(vat_in_gross(219050, 20) == 36508); // 2190.5 -> 365.08 (§8.2)
    BOOST_TEST(vat_in_gross(30000, 20) == 5000);
    BOOST_TEST(vat_in_gross(29997, 20) == 5000); // 99.99 x 3 (§4.3)
    BOOST_TEST(vat_in_gross(20000, 0) == 0);
}

BOOST_AUTO_TEST_CASE(rounding_is_half_away_from_zero) {
    // 3 x 10/110 = 0.2727 -> 0; 6 x 10/110 = 0.545 -> 1; 11 x 10/110 = 1 exactly.
    BOOST_TEST(vat_in_gross(3, 10) == 0);
    BOOST_TEST(vat_in_gross(6, 10) == 1);
    BOOST_TEST(vat_in_gross(11, 10) == 1);
    // 3 x 20/120 = 0.5 exactly -> 1 (half up), -3 -> -1 (symmetric)
    BOOST_TEST(vat_in_gross(3, 20) == 1);
    BOOST_TEST(vat_in_gross(-3, 20) == -1);
    BOOST_TEST(vat_on_net(250, 20) == 50);
    BOOST_TEST(vat_on_net(3, 20) == 1); // 0.6 -> 1
    BOOST_TEST(vat_on_net(2, 20) == 0); // 0.4 -> 0
    // Added pricing: net 1000.00 at 20 % -> gross 1200.00 whose contained VAT is the added VAT.
    BOOST_TEST(vat_in_gross(100000 + vat_on_net(100000, 20), 20) == vat_on_net(100000, 20));
}

BOOST_AUTO_TEST_CASE(extreme_amounts_do_not_overflow) {
    const auto big = std::numeric_limits<std::int64_t>::max();
    BOOST_TEST(vat_in_gross(big, 22) > 0);
    BOOST_TEST(vat_in_gross(big, 22) < big);
    BOOST_TEST(vat_in_gross(-big, 22) < 0);
}

BOOST_AUTO_TEST_SUITE_END()
