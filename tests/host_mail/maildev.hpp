// MailDev: the real SMTP server of the mail tests (npm package `maildev`, pinned in the root
// package.json), started on 127.0.0.1 with free ports in its own process group and stopped with
// the test. Its web API (GET /email) tells what it received, decoded by its own MIME parser.
#pragma once

#include <pms/test_support/child_process.hpp>
#include <pms/test_support/temp_dir.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pms::host::mail::test {

class MailDev {
  public:
    // Starts `node_modules/.bin/maildev` from the source tree with `extra_args` (TLS, AUTH).
    // Fails the test (BOOST_FAIL) when node_modules is missing: CI runs `npm ci` first, so a
    // missing server is an installation error, never a reason to skip.
    explicit MailDev(std::vector<std::string> extra_args = {});
    ~MailDev();

    std::uint16_t smtp_port() const noexcept { return smtp_port_; }
    std::uint16_t web_port() const noexcept { return web_port_; }

    // GET /email: the messages received so far (a JSON array).
    boost::json::array emails();
    // Polls emails() until it holds at least `count` messages; returns them (maybe fewer after
    // the timeout).
    boost::json::array
    wait_for_emails(std::size_t count,
                    std::chrono::milliseconds timeout = std::chrono::seconds(15));

  private:
    pms::test::TempDir dir_{"pms-maildev"};
    std::uint16_t smtp_port_ = 0;
    std::uint16_t web_port_ = 0;
    std::unique_ptr<pms::test::ChildProcess> process_;
};

// A blocking GET of a loopback URL with libcurl; returns the body, throws on failure.
std::string http_get(const std::string& url);

} // namespace pms::host::mail::test
