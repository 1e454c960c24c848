// The QR module: a payment URL becomes a square SVG whose module grid matches libqrencode's
// version for that length, and unusable input is refused instead of drawn.
#include "pms/host/qr/qr_svg.hpp"

#define BOOST_TEST_MODULE host_qr
#include <boost/test/included/unit_test.hpp>

#include <regex>
#include <string>

BOOST_AUTO_TEST_CASE(payment_url_becomes_square_svg) {
    const auto svg = pms::host::qr_svg("http://127.0.0.1:8081/pay/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
    BOOST_REQUIRE(svg);
    std::smatch m;
    BOOST_REQUIRE(std::regex_search(*svg, m, std::regex(R"re(viewBox="0 0 (\d+) (\d+)")re")));
    BOOST_TEST(m[1].str() == m[2].str());
    const int size = std::stoi(m[1].str());
    const int modules = size - 8; // the quiet zone is 4 modules on each side
    BOOST_TEST((modules - 21) % 4 == 0); // QR versions are 21, 25, 29, … modules wide
    BOOST_TEST(modules >= 25);
    BOOST_TEST(svg->find("<path fill=\"#000\" d=\"M") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(different_texts_draw_different_codes) {
    BOOST_TEST(*pms::host::qr_svg("https://pay.example/a") != *pms::host::qr_svg("https://pay.example/b"));
}

BOOST_AUTO_TEST_CASE(empty_or_oversized_text_is_refused) {
    BOOST_TEST(!pms::host::qr_svg(""));
    BOOST_TEST(!pms::host::qr_svg(std::string(2001, 'x')));
}
