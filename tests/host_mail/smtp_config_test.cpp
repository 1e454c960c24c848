// Tests of smtp_config.hpp: the SMTP setting string, and that its password never shows.
#include <pms/host/mail/smtp_config.hpp>

#include <pms/host/mail/error.hpp>

#include <boost/test/unit_test.hpp>

using namespace pms::host::mail;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(smtp_config)

BOOST_AUTO_TEST_CASE(parses_the_documented_example) {
    const auto r =
        parse_smtp_config("smtp://user:pass@127.0.0.1:1025?starttls=0&from=pms@hotel.example");
    BOOST_REQUIRE_MESSAGE(!r.ec, r.detail);
    const auto& c = r.config;
    BOOST_TEST(c.host == "127.0.0.1");
    BOOST_TEST(c.port == 1025);
    BOOST_TEST((c.tls == SmtpConfig::Tls::none));
    BOOST_TEST(c.username == "user");
    BOOST_TEST(c.password == "pass");
    BOOST_TEST(c.from == "pms@hotel.example");
    BOOST_TEST(c.describe() == "smtp://user@127.0.0.1:1025 (plain)");
}

BOOST_AUTO_TEST_CASE(defaults_and_schemes) {
    auto r = parse_smtp_config("smtp://mail.hotel.example");
    BOOST_REQUIRE_MESSAGE(!r.ec, r.detail);
    BOOST_TEST(r.config.port == 25);
    BOOST_TEST((r.config.tls == SmtpConfig::Tls::starttls_optional));
    BOOST_TEST((r.config.connect_timeout == 10s));
    BOOST_TEST((r.config.total_timeout == 60s));
    BOOST_TEST(r.config.from == "pms-host@localhost");

    r = parse_smtp_config("SMTPS://relay.example/pms.hotel.example");
    BOOST_REQUIRE_MESSAGE(!r.ec, r.detail);
    BOOST_TEST(r.config.port == 465);
    BOOST_TEST((r.config.tls == SmtpConfig::Tls::implicit));
    BOOST_TEST(r.config.helo_domain == "pms.hotel.example");

    r = parse_smtp_config("smtp://[::1]:2525?starttls=required&connect_timeout=500ms&timeout=3");
    BOOST_REQUIRE_MESSAGE(!r.ec, r.detail);
    BOOST_TEST(r.config.host == "::1");
    BOOST_TEST(r.config.port == 2525);
    BOOST_TEST((r.config.tls == SmtpConfig::Tls::starttls_required));
    BOOST_TEST((r.config.connect_timeout == 500ms));
    BOOST_TEST((r.config.total_timeout == 3s));
    BOOST_TEST(r.config.describe() == "smtp://[::1]:2525 (STARTTLS required)");
}

BOOST_AUTO_TEST_CASE(percent_decoding_of_user_password_and_values) {
    const auto r = parse_smtp_config(
        "smtps://pms%40hotel.example:p%40ss%3Aw%2Fo%3Frd%25@smtp.hotel.example:465"
        "?from=pms%2Bbot@hotel.example&from_name=%D0%9E%D1%82%D0%B5%D0%BB%D1%8C%20%C2%AB%D0%AF%C2%"
        "BB"
        "&ca_file=/etc/pms/ca.pem");
    BOOST_REQUIRE_MESSAGE(!r.ec, r.detail);
    BOOST_TEST(r.config.username == "pms@hotel.example");
    BOOST_TEST(r.config.password == "p@ss:w/o?rd%");
    BOOST_TEST(r.config.from == "pms+bot@hotel.example");
    BOOST_TEST(r.config.from_name == "Отель «Я»");
    BOOST_TEST(r.config.ca_file == "/etc/pms/ca.pem");
    BOOST_TEST(r.config.describe().find("p@ss") == std::string::npos);
    BOOST_TEST(r.config.describe() == "smtps://pms@hotel.example@smtp.hotel.example:465 (TLS)");
}

BOOST_AUTO_TEST_CASE(a_password_never_goes_unencrypted_to_a_remote_host) {
    auto r = parse_smtp_config("smtp://u:hunter2@mail.hotel.example:587");
    BOOST_TEST((r.ec == error::invalid_config));
    BOOST_TEST(r.detail.find("unencrypted") != std::string::npos, r.detail);
    BOOST_TEST(r.detail.find("hunter2") == std::string::npos);
    BOOST_TEST(!parse_smtp_config("smtp://u:hunter2@mail.hotel.example:587?starttls=required").ec);
    BOOST_TEST(!parse_smtp_config("smtps://u:hunter2@mail.hotel.example").ec);
    BOOST_TEST(!parse_smtp_config("smtp://u:hunter2@mail.hotel.example?allow_plain_auth=1").ec);
    BOOST_TEST(!parse_smtp_config("smtp://u:hunter2@localhost:1025?starttls=0").ec);
}

BOOST_AUTO_TEST_CASE(errors_name_the_problem_but_never_the_password) {
    const char* const bad[] = {
        "http://u:hunter2@127.0.0.1",       // scheme
        "smtp://u:hunter2@",                // no host
        "smtp://u:hunter2@127.0.0.1:0",     // port
        "smtp://u:hunter2@127.0.0.1:99999", // port
        "smtp://u:hunter2@127.0.0.1:x",     // port
        "smtp://u:hun?ter2@127.0.0.1",      // '?' in a password, not encoded
        "smtp://u:hunter2@127.0.0.1?starttls=maybe",
        "smtp://u:hunter2@127.0.0.1?timeout=-1",
        "smtp://u:hunter2@127.0.0.1?bogus=1",
        "smtp://u:hunter2%zz@127.0.0.1",          // bad escape in the password
        "smtps://u:hunter2@127.0.0.1?starttls=1", // starttls with smtps
        "smtp://u:hunter2@127.0.0.1?from=not-an-address",
        "smtp://u:hunter2@127.0.0.1#frag",
        "smtp://:hunter2@127.0.0.1", // password without user
        "smtp://u:hunter2@[::1",
    };
    for (const char* url : bad) {
        const auto r = parse_smtp_config(url);
        BOOST_TEST((r.ec == error::invalid_config), url);
        BOOST_TEST(!r.detail.empty(), url);
        BOOST_TEST(r.detail.find("hunter2") == std::string::npos, url << " -> " << r.detail);
        BOOST_TEST(r.detail.find("hun") == std::string::npos, url << " -> " << r.detail);
        BOOST_TEST(r.detail.find("ter2") == std::string::npos, url << " -> " << r.detail);
        BOOST_TEST(r.config.password.empty(), "a failed parse keeps no secret");
    }
}

BOOST_AUTO_TEST_CASE(loopback_hosts) {
    BOOST_TEST(is_loopback_host("127.0.0.1"));
    BOOST_TEST(is_loopback_host("127.1.2.3"));
    BOOST_TEST(is_loopback_host("::1"));
    BOOST_TEST(is_loopback_host("localhost"));
    BOOST_TEST(!is_loopback_host("127.example.com"));
    BOOST_TEST(!is_loopback_host("10.0.0.1"));
}

BOOST_AUTO_TEST_SUITE_END()
