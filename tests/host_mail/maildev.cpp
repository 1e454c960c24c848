// MailDev: start, wait for, query and stop the maildev SMTP server for the tests.
#include "maildev.hpp"

#include <pms/test_support/free_port.hpp>

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <curl/curl.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace pms::host::mail::test {

namespace {

size_t collect(char* data, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
}

} // namespace

std::string http_get(const std::string& url) {
    CURL* curl = curl_easy_init();
    if (!curl)
        throw std::runtime_error("curl_easy_init failed");
    std::string body;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    const CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK)
        throw std::runtime_error(url + ": " + curl_easy_strerror(rc));
    if (status != 200)
        throw std::runtime_error(url + ": HTTP " + std::to_string(status));
    return body;
}

MailDev::MailDev(std::vector<std::string> extra_args) {
    // The source tree holds node_modules; PMS_SOURCE_DIR in the environment overrides the
    // configured one (e.g. to test from an installed copy).
    const char* env_root = std::getenv("PMS_SOURCE_DIR");
    const std::filesystem::path root = env_root && *env_root ? env_root : PMS_SOURCE_DIR;
    const auto program = root / "node_modules" / ".bin" / "maildev";
    if (!std::filesystem::exists(program))
        BOOST_FAIL("maildev is not installed: "
                   << program << " is missing. Run `npm ci` in " << root
                   << " (scripts/pms.sh test does) before the mail tests.");

    smtp_port_ = pms::test::find_free_port();
    do {
        web_port_ = pms::test::find_free_port();
    } while (web_port_ == smtp_port_);

    pms::test::ChildProcess::Options o;
    o.program = program;
    // Both listeners on loopback only: --web-ip defaults to --ip in maildev 2.
    o.args = {"--smtp",
              std::to_string(smtp_port_),
              "--web",
              std::to_string(web_port_),
              "--ip",
              "127.0.0.1",
              "--web-ip",
              "127.0.0.1",
              "--mail-directory",
              (dir_.path() / "mail").string()};
    o.args.insert(o.args.end(), extra_args.begin(), extra_args.end());
    o.working_directory = root;
    o.wait_first_line = true;
    o.first_line_timeout = std::chrono::seconds(30);
    o.stop_grace = std::chrono::seconds(3);
    process_ = std::make_unique<pms::test::ChildProcess>(o);

    // maildev prints one line per listener once it is up.
    bool smtp_up = false;
    bool web_up = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    auto look = [&](const std::string& line) {
        if (line.find("SMTP Server running") != std::string::npos)
            smtp_up = true;
        if (line.find("webapp running") != std::string::npos)
            web_up = true;
    };
    look(process_->first_line());
    while (!(smtp_up && web_up) && std::chrono::steady_clock::now() < deadline) {
        auto line = process_->read_line(std::chrono::milliseconds(500));
        if (line)
            look(*line);
        else if (!process_->running())
            break;
    }
    if (!(smtp_up && web_up))
        BOOST_FAIL("maildev did not start (smtp " << smtp_up << ", web " << web_up << ")");
    // The web API answers once its routes are mounted, a moment after the line.
    for (int i = 0; i < 100; ++i) {
        try {
            (void)emails();
            return;
        } catch (const std::exception&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    BOOST_FAIL("maildev's web API did not answer");
}

MailDev::~MailDev() = default;

boost::json::array MailDev::emails() {
    const auto body = http_get("http://127.0.0.1:" + std::to_string(web_port_) + "/email");
    return boost::json::parse(body).as_array();
}

boost::json::array MailDev::wait_for_emails(std::size_t count, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto list = emails();
        if (list.size() >= count || std::chrono::steady_clock::now() >= deadline)
            return list;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

} // namespace pms::host::mail::test
