// Test harness for pms-host: starts the executable as a child process on loopback (port 0,
// a temporary data folder, --seed-demo, the server fixture plugins), reads the port from its
// first stdout line, sends HTTP requests with bounded waits, reads live-event streams over a raw
// socket, and captures the host's stderr in a file so tests can search the log.
#pragma once

#include <pms/net/http_client.hpp>
#include <pms/test_support/test_support.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace pms::test {

struct HostOptions {
    std::vector<std::string> extra_args;
    std::vector<std::pair<std::string, std::string>> env;
    bool seed_demo = true;
    bool fixture_plugins = true;
    bool fake_clock = true;
};

struct HttpReply {
    int status = 0;
    net::Headers headers;
    std::string body;
    boost::json::value json; ///< null when the body is not JSON
    std::error_code ec;      ///< set when the exchange failed (no HTTP response)

    [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const {
        return net::find_header(headers, name);
    }
};

/// A running pms-host.
class HostProcess {
  public:
    explicit HostProcess(HostOptions options = {});
    ~HostProcess();

    HostProcess(const HostProcess&) = delete;
    HostProcess& operator=(const HostProcess&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] const std::string& base_url() const noexcept { return base_url_; }
    [[nodiscard]] ChildProcess& child() noexcept { return *child_; }
    [[nodiscard]] const std::filesystem::path& data_dir() const noexcept { return data_dir_; }

    /// One HTTP exchange, bounded by `timeout`. Every body received is kept for
    /// all_bodies() (to check that no secret ever left the host).
    HttpReply request(std::string method, const std::string& path, std::string body = {},
                      net::Headers headers = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(20));
    HttpReply get(const std::string& path) { return request("GET", path); }
    HttpReply post_json(const std::string& path, const boost::json::value& body,
                        net::Headers headers = {});
    HttpReply put_json(const std::string& path, const boost::json::value& body,
                       net::Headers headers = {});

    /// Every response body received so far, concatenated.
    [[nodiscard]] const std::string& all_bodies() const noexcept { return bodies_; }

    /// The host's stderr so far.
    [[nodiscard]] std::string stderr_text() const;
    /// Waits until the host's stderr contains `needle`.
    bool wait_for_log(const std::string& needle, std::chrono::milliseconds timeout);

    /// The demo property's id (as the API writes it).
    [[nodiscard]] std::string demo_property();

    /// SIGTERM to the host's group and its exit status within `timeout` (nullopt if none).
    std::optional<int> terminate(std::chrono::milliseconds timeout);

  private:
    std::unique_ptr<TempDir> temp_;
    std::filesystem::path data_dir_;
    std::filesystem::path stderr_file_;
    std::unique_ptr<ChildProcess> child_;
    std::uint16_t port_ = 0;
    std::string base_url_;
    boost::asio::io_context ioc_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::thread io_thread_;
    std::unique_ptr<net::HttpClient> client_;
    std::string bodies_;
};

/// A raw-socket reader of a Server-Sent Events stream (the HTTP client buffers whole bodies).
class EventStream {
  public:
    /// Connects to 127.0.0.1:`port` and sends GET `path`. Throws on connect failure.
    EventStream(std::uint16_t port, const std::string& path, const std::string& extra_headers = {});
    ~EventStream();

    EventStream(const EventStream&) = delete;
    EventStream& operator=(const EventStream&) = delete;

    /// Reads until the received text contains `needle` (searching from `from`); returns its
    /// position, or nullopt on timeout or end of stream.
    std::optional<std::size_t> wait_for(const std::string& needle,
                                        std::chrono::milliseconds timeout, std::size_t from = 0);
    /// Reads until the peer closes the connection; false on timeout.
    bool wait_closed(std::chrono::milliseconds timeout);

    [[nodiscard]] const std::string& text() const noexcept { return text_; }

  private:
    bool read_some(std::chrono::milliseconds timeout); // false on EOF/error/timeout

    int fd_ = -1;
    bool closed_ = false;
    std::string text_;
};

/// Staff headers for clicks and view events.
[[nodiscard]] net::Headers staff_headers(const std::string& id = "u-17",
                                         const std::string& name = "Anna");

} // namespace pms::test
