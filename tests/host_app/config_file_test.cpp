// `--config FILE`: the options of a file, in place of the flag, so later flags override it.
#include <boost/test/unit_test.hpp>

#include "options.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;
using pms::host::app::expand_config_files;
using pms::host::app::Options;
using pms::host::app::parse_options;
using Args = std::vector<std::string>;

namespace {

struct ConfigFile {
    fs::path path;
    explicit ConfigFile(const std::string& text) {
        std::string pattern = (fs::temp_directory_path() / "pms-conf-XXXXXX").string();
        const int fd = ::mkstemp(pattern.data());
        ::close(fd);
        path = pattern;
        std::ofstream{path} << text;
    }
    ~ConfigFile() { fs::remove(path); }
};

} // namespace

BOOST_AUTO_TEST_CASE(a_config_file_expands_in_place_and_later_flags_win) {
    ConfigFile conf{"# pms-host options\n"
                    "listen = 0.0.0.0:8080\n"
                    "\n"
                    "data /var/lib/pms-host\n"
                    "   seed-demo   \n"
                    "allow-host=pms.hotel.example\r\n"};
    auto expanded = expand_config_files({"--threads", "4", "--config", conf.path.string(),
                                         "--listen", "127.0.0.1:9000"});
    BOOST_REQUIRE(std::holds_alternative<Args>(expanded));
    const Args want{"--threads", "4",     "--listen",     "0.0.0.0:8080",      "--data",
                    "/var/lib/pms-host",  "--seed-demo",  "--allow-host", "pms.hotel.example",
                    "--listen",           "127.0.0.1:9000"};
    BOOST_TEST(std::get<Args>(expanded) == want, boost::test_tools::per_element());
    auto parsed = parse_options(std::get<Args>(expanded));
    BOOST_REQUIRE(std::holds_alternative<Options>(parsed));
    const auto& o = std::get<Options>(parsed);
    BOOST_TEST(o.listen_port == 9000);
    BOOST_TEST(o.data_dir == "/var/lib/pms-host");
    BOOST_TEST(o.seed_demo);
}

BOOST_AUTO_TEST_CASE(the_view_caps_can_be_raised_from_a_config_file) {
    // The bench raises them so (issue 14); the file goes through the same option table.
    ConfigFile conf{"max-views-per-session 1064\nmax-views = 1064\nview-idle 600\n"};
    auto expanded = expand_config_files({"--config", conf.path.string(), "--max-views", "2000"});
    BOOST_REQUIRE(std::holds_alternative<Args>(expanded));
    auto parsed = parse_options(std::get<Args>(expanded));
    BOOST_REQUIRE(std::holds_alternative<Options>(parsed));
    const auto& o = std::get<Options>(parsed);
    BOOST_TEST(o.views_per_session == 1064u);
    BOOST_TEST(o.views_total == 2000u); // the later flag wins
    BOOST_TEST(o.view_idle_s == 600u);
}

BOOST_AUTO_TEST_CASE(command_line_spelling_is_accepted_with_values_taken_literally) {
    // The format of packaging/debian/pms-host/pms-host.conf.
    ConfigFile conf{"--listen 127.0.0.1:8080\n--data=/var/lib/pms-host\n"
                    "--setting invoicebox:Суперотель Москва:hotel_name=Отель «Берег»\n"};
    auto expanded = expand_config_files({"--config", conf.path.string()});
    BOOST_REQUIRE(std::holds_alternative<Args>(expanded));
    const Args want{"--listen", "127.0.0.1:8080", "--data", "/var/lib/pms-host", "--setting",
                    "invoicebox:Суперотель Москва:hotel_name=Отель «Берег»"};
    BOOST_TEST(std::get<Args>(expanded) == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_bad_config_line_is_named_by_file_and_line_without_its_value) {
    ConfigFile conf{"listen 127.0.0.1:0\n-secret invoicebox:1:api_key=topsecret\n"};
    auto expanded = expand_config_files({"--config=" + conf.path.string()});
    BOOST_REQUIRE(std::holds_alternative<std::string>(expanded));
    const auto& message = std::get<std::string>(expanded);
    BOOST_TEST(message.find(conf.path.string() + ":2") != std::string::npos);
    BOOST_TEST(message.find("topsecret") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_missing_or_nested_config_is_refused) {
    BOOST_TEST(std::holds_alternative<std::string>(expand_config_files({"--config"})));
    BOOST_TEST(std::holds_alternative<std::string>(
        expand_config_files({"--config", "/nonexistent/pms-host.conf"})));
    ConfigFile nested{"config /etc/other.conf\n"};
    BOOST_TEST(std::holds_alternative<std::string>(
        expand_config_files({"--config", nested.path.string()})));
}
