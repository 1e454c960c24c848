// LogOutput: one record per line, and a log file that never grows past its size cap.
#define BOOST_TEST_MODULE host_app
#include <boost/test/unit_test.hpp>

#include "log_output.hpp"
#include "options.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using pms::host::LogLevel;
using pms::host::app::LogFileOptions;
using pms::host::app::LogOutput;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "pms-log-XXXXXX").string();
        path = ::mkdtemp(pattern.data());
    }
    ~TempDir() { fs::remove_all(path); }
};

std::string read_all(const fs::path& p) {
    std::ifstream in{p};
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::size_t count_lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

} // namespace

BOOST_AUTO_TEST_CASE(a_record_is_one_line_even_when_text_carries_newlines) {
    const auto line = LogOutput::format(1710410400123, LogLevel::warning, "plugin",
                                        "first\nforged 2025-01-01 error host: x\r");
    BOOST_TEST(line == "2024-03-14T10:00:00.123Z WARNING plugin: first forged 2025-01-01 error host: x ");
}

BOOST_AUTO_TEST_CASE(lines_below_the_level_are_dropped) {
    TempDir dir;
    const auto file = dir.path / "host.log";
    {
        LogOutput log{LogLevel::warning, LogFileOptions{file, 1 << 20, 2}};
        log.write(LogLevel::info, "server", "POST /hooks/... 200");
        log.write(LogLevel::debug, "server", "noise");
        log.write(LogLevel::error, "host", "kept");
    }
    const auto text = read_all(file);
    BOOST_TEST(count_lines(text) == 1u);
    BOOST_TEST(text.find("ERROR host: kept") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_file_rotates_by_size_and_keeps_n_files) {
    TempDir dir;
    const auto file = dir.path / "host.log";
    const std::string payload(100, 'x');
    const std::uint64_t cap = 1000;
    {
        LogOutput log{LogLevel::info, LogFileOptions{file, cap, 3}};
        for (int i = 0; i < 200; ++i)
            log.write(LogLevel::info, "server", payload + " #" + std::to_string(i));
    }
    // PATH, PATH.1 … PATH.3 and nothing older.
    BOOST_TEST(fs::exists(file));
    for (int n = 1; n <= 3; ++n)
        BOOST_TEST(fs::exists(fs::path{file.string() + "." + std::to_string(n)}));
    BOOST_TEST(!fs::exists(fs::path{file.string() + ".4"}));
    for (const auto& entry : fs::directory_iterator(dir.path))
        BOOST_TEST(fs::file_size(entry.path()) <= cap);
    // The newest record is in PATH, the one before the rotation in PATH.1: none are lost at the
    // boundary, and order is kept.
    const auto current = read_all(file);
    BOOST_TEST(current.find(" #199\n") != std::string::npos);
    const auto previous = read_all(file.string() + ".1");
    const auto first_current = current.substr(current.find('#') + 1);
    const int first_number = std::stoi(first_current);
    BOOST_TEST(previous.find(" #" + std::to_string(first_number - 1) + "\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_existing_file_is_appended_and_counts_towards_the_cap) {
    TempDir dir;
    const auto file = dir.path / "host.log";
    std::ofstream{file} << std::string(980, 'o') << '\n';
    {
        LogOutput log{LogLevel::info, LogFileOptions{file, 1000, 1}};
        log.write(LogLevel::info, "host", "started");
    }
    BOOST_TEST(read_all(file.string() + ".1").size() == 981u);
    BOOST_TEST(read_all(file).find("INFO host: started") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_log_file_is_readable_by_its_owner_only) {
    TempDir dir;
    const auto file = dir.path / "host.log";
    { LogOutput log{LogLevel::info, LogFileOptions{file, 1000, 1}}; }
    struct stat st{};
    BOOST_REQUIRE(::stat(file.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0077) == 0);
}

BOOST_AUTO_TEST_CASE(an_unwritable_log_file_is_refused_at_start_naming_it) {
    TempDir dir;
    const auto file = dir.path / "missing-folder" / "host.log";
    try {
        LogOutput log{LogLevel::info, LogFileOptions{file, 1000, 1}};
        BOOST_FAIL("a log file in a missing folder was accepted");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string{e.what()}.find(file.string()) != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(log_file_flags_are_parsed_and_checked) {
    using pms::host::app::Options;
    using pms::host::app::parse_options;
    auto parsed = parse_options({"--log-file", "/var/log/pms.log", "--log-max-size", "8M",
                                 "--log-keep", "2"});
    BOOST_REQUIRE(std::holds_alternative<Options>(parsed));
    const auto& o = std::get<Options>(parsed);
    BOOST_TEST(o.log_file.path == "/var/log/pms.log");
    BOOST_TEST(o.log_file.max_bytes == 8u * 1024 * 1024);
    BOOST_TEST(o.log_file.keep == 2u);
    BOOST_TEST(std::holds_alternative<std::string>(parse_options({"--log-max-size", "0"})));
    BOOST_TEST(std::holds_alternative<std::string>(parse_options({"--log-max-size", "12Q"})));
    BOOST_TEST(std::holds_alternative<std::string>(parse_options({"--log-keep", "1000"})));
}
