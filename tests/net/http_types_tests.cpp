// The Beast-free parts of pms::net: header lookup, log redaction, percent-decoding, SSE
// framing and the error category.
#include <pms/net/http_types.hpp>

#include <pms/net/error.hpp>
#include <pms/net/http_server.hpp>

#include <boost/test/unit_test.hpp>

using namespace pms::net;

BOOST_AUTO_TEST_SUITE(http_types)

BOOST_AUTO_TEST_CASE(header_lookup_is_case_insensitive) {
    Headers h{{"Content-Type", "a"}, {"X-Dup", "1"}, {"x-dup", "2"}};
    BOOST_TEST(find_header(h, "content-type").value_or("") == "a");
    BOOST_TEST(find_header(h, "X-DUP").value_or("") == "1");
    BOOST_TEST(!find_header(h, "missing"));
    BOOST_TEST(iequals("Authorization", "aUTHORIZATION"));
    BOOST_TEST(!iequals("Authorization", "Authorizatio"));
}

BOOST_AUTO_TEST_CASE(redaction_masks_authorization_and_named_secrets) {
    Headers h{{"authorization", "Bearer abc.def"},
              {"Proxy-Authorization", "tokenonly"},
              {"X-Signature", "deadbeef"},
              {"Content-Type", "application/json"}};
    std::vector<std::string> secrets{"x-signature"};
    auto r = redact_for_log(h, secrets);
    BOOST_TEST(r[0].value == "Bearer ***");
    BOOST_TEST(r[1].value == "***");
    BOOST_TEST(r[2].value == "***");
    BOOST_TEST(r[3].value == "application/json");
    BOOST_TEST(h[0].value == "Bearer abc.def"); // the input is untouched
    auto line = format_headers_for_log(h, secrets);
    BOOST_TEST(line.find("abc.def") == std::string::npos);
    BOOST_TEST(line.find("deadbeef") == std::string::npos);
    BOOST_TEST(line.find("Content-Type: application/json") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(percent_decoding) {
    BOOST_TEST(percent_decode("/a%20b%2Fc").value_or("") == "/a b/c");
    BOOST_TEST(percent_decode("a+b").value_or("") == "a+b");
    BOOST_TEST(percent_decode("a+b", true).value_or("") == "a b");
    BOOST_TEST(!percent_decode("bad%2"));
    BOOST_TEST(!percent_decode("bad%zz"));
    BOOST_TEST(!percent_decode("%"));
    BOOST_TEST(percent_decode("%D0%98").value_or("") == "\xD0\x98");
}

BOOST_AUTO_TEST_CASE(query_parameters) {
    Request r;
    r.query = "a=1&b=x%20y&&c&a=2&bad=%zz&d=";
    auto params = r.query_params();
    BOOST_REQUIRE(params.size() == 5u);
    BOOST_TEST(params[1].second == "x y");
    BOOST_TEST(r.query_param("a").value_or("") == "1");
    BOOST_TEST(r.query_param("c").value_or("?") == "");
    BOOST_TEST(!r.query_param("bad"));
}

BOOST_AUTO_TEST_CASE(sse_framing) {
    BOOST_TEST(sse_message("x") == "data: x\n\n");
    BOOST_TEST(sse_message("a\nb", "upd", "7") == "id: 7\nevent: upd\ndata: a\ndata: b\n\n");
    BOOST_TEST(sse_message("") == "data: \n\n");
}

BOOST_AUTO_TEST_CASE(error_codes_compare_with_portable_conditions) {
    std::error_code ec = error::operation_aborted;
    BOOST_TEST(ec.category().name() == std::string("pms.net"));
    BOOST_TEST((ec == std::errc::operation_canceled));
    BOOST_TEST((make_error_code(error::connect_timeout) == std::errc::timed_out));
    BOOST_TEST((make_error_code(error::total_timeout) == std::errc::timed_out));
    BOOST_TEST(make_error_code(error::certificate_untrusted).message() ==
               "peer certificate not trusted");
    BOOST_TEST(make_error_code(error::connection_refused) != make_error_code(error::dns_failure));
}

BOOST_AUTO_TEST_SUITE_END()
