// Notification signatures: HMAC vectors, the §8.2 worked example, constant-time compare, header
// lookup.
#include "invoicebox/protocol/signature.hpp"

#include "notification_body.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <vector>

using namespace invoicebox::protocol;
using namespace invoicebox::protocol::test;

namespace {

std::string without_slash_escapes(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '/') {
            out += '/';
            ++i;
        } else {
            out += s[i];
        }
    }
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(signature)

BOOST_AUTO_TEST_CASE(rfc2202_and_rfc4231_vectors) {
    // RFC 2202 test case 2 (HMAC-SHA1) and RFC 4231 test case 2 (HMAC-SHA256).
    BOOST_TEST(sign("Jefe", "what do ya want for nothing?") ==
               "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    BOOST_TEST(sign("Jefe", "what do ya want for nothing?", SignatureAlgorithm::hmac_sha256) ==
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    BOOST_TEST(sign("", "").size() == 40u);
}

BOOST_AUTO_TEST_CASE(worked_example_82_is_accepted) {
    BOOST_TEST(notification_82.size() == 1297u);
    BOOST_TEST(sign(notification_82_key, notification_82) == notification_82_signature);
    BOOST_TEST(verify_signature(notification_82_key, notification_82, notification_82_signature));
    // Header values may arrive upper-cased or padded by proxies.
    BOOST_TEST(verify_signature(notification_82_key, notification_82,
                                "  A4F2F1735DC956CE9E8A8B02739C00596B0702A9\r\n"));
}

BOOST_AUTO_TEST_CASE(a_signing_key_signs_as_the_one_shot_does) {
    // The RFC vectors, the worked example, an empty body and key, and a key longer than the
    // hash's block (HMAC hashes it first: RFC 2202 test case 6).
    const SigningKey jefe{"Jefe"};
    BOOST_TEST(jefe.sign("what do ya want for nothing?") == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    const SigningKey jefe256{"Jefe", SignatureAlgorithm::hmac_sha256};
    BOOST_TEST(jefe256.sign("what do ya want for nothing?") ==
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    const SigningKey long_key{std::string(80, '\xaa')};
    BOOST_TEST(long_key.sign("Test Using Larger Than Block-Size Key - Hash Key First") ==
               "aa4ae5e15272d00e95705637ce8a3b55ed402112");
    BOOST_TEST(SigningKey{""}.sign("") == sign("", ""));
    const SigningKey shop{notification_82_key};
    // Many bodies from the one keyed state: each starts from the key, never from the last body.
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST(shop.sign(notification_82) == notification_82_signature);
        BOOST_TEST(shop.sign("") == sign(notification_82_key, ""));
    }
    BOOST_TEST(shop.is(notification_82_key, SignatureAlgorithm::hmac_sha1));
    BOOST_TEST(!shop.is("other-key", SignatureAlgorithm::hmac_sha1));
    BOOST_TEST(!shop.is(notification_82_key, SignatureAlgorithm::hmac_sha256));
}

BOOST_AUTO_TEST_CASE(worked_example_82_reserialised_is_rejected) {
    const auto reencoded = without_slash_escapes(notification_82);
    BOOST_TEST(reencoded.size() < notification_82.size());
    BOOST_TEST(!verify_signature(notification_82_key, reencoded, notification_82_signature));
    BOOST_TEST(sign(notification_82_key, reencoded) == notification_82_reencoded_signature);
}

BOOST_AUTO_TEST_CASE(wrong_inputs_are_rejected) {
    BOOST_TEST(!verify_signature("other-key", notification_82, notification_82_signature));
    BOOST_TEST(!verify_signature(notification_82_key, notification_82, ""));
    BOOST_TEST(!verify_signature(notification_82_key, notification_82, "   "));
    BOOST_TEST(!verify_signature(notification_82_key, notification_82,
                                 notification_82_signature.substr(0, 39)));
    // SHA-256 of the same bytes is a different signature.
    BOOST_TEST(!verify_signature(notification_82_key, notification_82, notification_82_signature,
                                 SignatureAlgorithm::hmac_sha256));
    const auto s256 = sign(notification_82_key, notification_82, SignatureAlgorithm::hmac_sha256);
    BOOST_TEST(s256.size() == 64u);
    BOOST_TEST(verify_signature(notification_82_key, notification_82, s256,
                                SignatureAlgorithm::hmac_sha256));
}

BOOST_AUTO_TEST_CASE(constant_time_compare) {
    BOOST_TEST(constant_time_equal("abc", "abc"));
    BOOST_TEST(!constant_time_equal("abc", "abd"));
    BOOST_TEST(!constant_time_equal("abc", "abcd"));
    BOOST_TEST(constant_time_equal("", ""));
}

BOOST_AUTO_TEST_CASE(algorithm_names) {
    BOOST_TEST((signature_algorithm_from_string("SHA1") == SignatureAlgorithm::hmac_sha1));
    BOOST_TEST((signature_algorithm_from_string("hmac-sha256") == SignatureAlgorithm::hmac_sha256));
    BOOST_TEST(!signature_algorithm_from_string("md5").has_value());
    BOOST_TEST(to_string(SignatureAlgorithm::hmac_sha1) == "hmac-sha1");
}

BOOST_AUTO_TEST_CASE(header_lookup_ignores_case) {
    std::vector<std::pair<std::string, std::string>> headers{{"content-type", "application/json"},
                                                             {"x-signature", "abc"}};
    BOOST_TEST(*find_header_ci(headers, signature_header) == "abc");
    std::map<std::string, std::string> upper{{"X-SIGNATURE", "def"}};
    BOOST_TEST(*find_header_ci(upper, "X-Signature") == "def");
    BOOST_TEST(!find_header_ci(headers, "X-Request-Id").has_value());
    BOOST_TEST(iequals("X-Signature", "x-SIGNATURE"));
    BOOST_TEST(!iequals("X-Signature", "X-Signatures"));
}

BOOST_AUTO_TEST_SUITE_END()
