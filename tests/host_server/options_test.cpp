// The pms-host command line parser.
#include "options.hpp"

#include <boost/test/unit_test.hpp>

using namespace pms::host::app;

namespace {

Options parse_ok(std::vector<std::string> args) {
    auto result = parse_options(args);
    BOOST_TEST_REQUIRE(
        std::holds_alternative<Options>(result),
        (std::holds_alternative<std::string>(result) ? std::get<std::string>(result) : ""));
    return std::get<Options>(result);
}

std::string parse_error(std::vector<std::string> args) {
    auto result = parse_options(args);
    BOOST_TEST_REQUIRE(std::holds_alternative<std::string>(result));
    return std::get<std::string>(result);
}

} // namespace

BOOST_AUTO_TEST_SUITE(options)

BOOST_AUTO_TEST_CASE(defaults) {
    const auto o = parse_ok({});
    BOOST_TEST(o.listen_address == "127.0.0.1");
    BOOST_TEST(o.listen_port == 0);
    BOOST_TEST(o.threads == 2u);
    BOOST_TEST(!o.seed_demo);
}

BOOST_AUTO_TEST_CASE(every_flag) {
    const auto o = parse_ok({"--listen",
                             "127.0.0.1:8080",
                             "--data=/d",
                             "--plugins",
                             "/p",
                             "--web-root",
                             "/w",
                             "--seed-demo",
                             "--extra-ca",
                             "/ca.pem",
                             "--threads",
                             "4",
                             "--public-url",
                             "https://h.example/",
                             "--fake-clock",
                             "--enable",
                             "a.b.c:1",
                             "--setting",
                             "a.b.c:Hotel name:shop_id=x=y",
                             "--secret",
                             "a.b.c:1:/t/0/k=s",
                             "--log-level",
                             "debug"});
    BOOST_TEST(o.listen_port == 8080);
    BOOST_TEST(o.data_dir == "/d");
    BOOST_TEST(o.public_url == "https://h.example");
    BOOST_TEST(o.threads == 4u);
    BOOST_TEST(o.fake_clock);
    BOOST_TEST_REQUIRE(o.enables.size() == 1u);
    BOOST_TEST(o.enables[0].plugin_id == "a.b.c");
    BOOST_TEST(o.enables[0].property == "1");
    BOOST_TEST_REQUIRE(o.settings.size() == 2u);
    BOOST_TEST(o.settings[0].property == "Hotel name");
    BOOST_TEST(o.settings[0].key == "shop_id");
    BOOST_TEST(o.settings[0].value == "x=y");
    BOOST_TEST(o.settings[1].secret);
    BOOST_TEST(o.settings[1].key == "/t/0/k");
    BOOST_TEST(o.log_level == "debug");
}

BOOST_AUTO_TEST_CASE(the_two_doors_and_the_access_limits) {
    const auto o = parse_ok({"--hooks-listen", "127.0.0.1:8090", "--hooks-public-url",
                             "https://hooks.hotel.example/", "--allow-host", "pms.hotel.lan",
                             "--allow-host=pms.hotel.lan:8443", "--session-idle", "600",
                             "--session-max-age", "3600", "--max-streams-per-session", "2",
                             "--max-streams", "10"});
    BOOST_REQUIRE(o.hooks_listen.has_value());
    BOOST_TEST(o.hooks_listen->first == "127.0.0.1");
    BOOST_TEST(o.hooks_listen->second == 8090);
    BOOST_TEST(o.hooks_public_url == "https://hooks.hotel.example");
    BOOST_TEST(o.allowed_hosts.size() == 2u);
    BOOST_TEST(o.allowed_hosts.at(1) == "pms.hotel.lan:8443");
    BOOST_TEST(o.session_idle_s == 600u);
    BOOST_TEST(o.session_max_age_s == 3600u);
    BOOST_TEST(o.streams_per_session == 2u);
    BOOST_TEST(o.streams_total == 10u);
    BOOST_TEST(!parse_ok({}).hooks_listen.has_value());
    BOOST_TEST(parse_error({"--hooks-listen", "8090"}).find("--hooks-listen") != std::string::npos);
    BOOST_TEST(parse_error({"--session-idle", "0"}).find("--session-idle") != std::string::npos);
    BOOST_TEST(parse_error({"--max-streams", "many"}).find("--max-streams") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(secrets_from_files_and_the_environment_are_kept_as_written) {
    // The file and variable are read when the preset is applied, so that parsing stays pure.
    const auto o = parse_ok({"--secret", "p:1:api_token=@/run/secrets/token", "--secret",
                             "p:1:api_key=env:IB_KEY"});
    BOOST_REQUIRE(o.settings.size() == 2u);
    BOOST_TEST(o.settings[0].value == "@/run/secrets/token");
    BOOST_TEST(o.settings[0].secret);
    BOOST_TEST(o.settings[1].value == "env:IB_KEY");
}

BOOST_AUTO_TEST_CASE(ipv6_listen) {
    const auto o = parse_ok({"--listen", "[::1]:0"});
    BOOST_TEST(o.listen_address == "::1");
}

BOOST_AUTO_TEST_CASE(errors_name_the_argument_but_not_secrets) {
    BOOST_TEST(parse_error({"--bogus"}).find("--bogus") != std::string::npos);
    BOOST_TEST(parse_error({"--listen", "nope"}).find("--listen") != std::string::npos);
    BOOST_TEST(parse_error({"--listen", "1.2.3.4:70000"}).find("port") != std::string::npos);
    BOOST_TEST(parse_error({"--threads", "0"}).find("--threads") != std::string::npos);
    BOOST_TEST(parse_error({"--data"}).find("needs a value") != std::string::npos);
    const auto e = parse_error({"--secret", "plugin-only=TopSecretValue"});
    BOOST_TEST(e.find("TopSecretValue") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(smtp_and_mail_from) {
    BOOST_TEST(!parse_ok({}).smtp.has_value());
    BOOST_TEST(parse_ok({}).mail_from.empty());

    const auto o =
        parse_ok({"--smtp", "smtp://user:pa%40ss@127.0.0.1:1025?starttls=0&from=pms@hotel.example",
                  "--mail-from=frontdesk@hotel.example"});
    BOOST_TEST_REQUIRE(o.smtp.has_value());
    BOOST_TEST(o.smtp->host == "127.0.0.1");
    BOOST_TEST(o.smtp->port == 1025);
    BOOST_TEST(o.smtp->username == "user");
    BOOST_TEST(o.smtp->password == "pa@ss");
    BOOST_TEST(o.smtp->from == "pms@hotel.example");
    BOOST_TEST((o.smtp->tls == pms::host::mail::SmtpConfig::Tls::none));
    BOOST_TEST(o.mail_from == "frontdesk@hotel.example");

    // A bad URL is refused without echoing it, and never with the password.
    const auto bad = parse_error({"--smtp", "smtp://user:Hunter2Secret@?starttls=maybe"});
    BOOST_TEST(bad.find("--smtp") != std::string::npos);
    BOOST_TEST(bad.find("Hunter2Secret") == std::string::npos);
    const auto unsafe = parse_error({"--smtp=smtp://user:Hunter2Secret@mail.example.org:25"
                                     "?starttls=0"}); // a password in clear to a remote host
    BOOST_TEST(unsafe.find("--smtp") != std::string::npos);
    BOOST_TEST(unsafe.find("Hunter2Secret") == std::string::npos);
    BOOST_TEST(parse_error({"--smtp"}).find("needs a value") != std::string::npos);
    BOOST_TEST(parse_error({"--mail-from", "not an address"}).find("--mail-from") !=
               std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
