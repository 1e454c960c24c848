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
    /// Signs in as this demo user (password "demo") once the host listens; empty = stay
    /// anonymous.
    std::string sign_in_as = "admin";
    /// The data folder; empty = a fresh one in a temporary folder. Pass another host's
    /// data_dir() (after it stopped) to restart on the same data.
    std::filesystem::path data_dir;
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
    /// all_bodies() (to check that no secret ever left the host). Like a browser on the host's
    /// own page it sends the session cookie (unless `headers` has a Cookie) and, on a state
    /// change, `Origin: <base_url>` (unless `headers` has an Origin).
    HttpReply request(std::string method, const std::string& path, std::string body = {},
                      net::Headers headers = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(20));
    HttpReply get(const std::string& path) { return request("GET", path); }
    HttpReply post_json(const std::string& path, const boost::json::value& body,
                        net::Headers headers = {});
    HttpReply put_json(const std::string& path, const boost::json::value& body,
                       net::Headers headers = {});

    /// POST /api/session; on success later requests carry the session cookie.
    HttpReply sign_in(const std::string& login, const std::string& password = "demo");
    /// Forgets the session cookie (the session itself stays valid on the host).
    void forget_session() { cookie_.clear(); }
    /// "pms_session=<token>" or empty.
    [[nodiscard]] const std::string& cookie() const noexcept { return cookie_; }
    void set_cookie(std::string cookie) { cookie_ = std::move(cookie); }
    /// "Cookie: ...\r\n" for raw-socket requests (EventStream), or empty.
    [[nodiscard]] std::string cookie_header_line() const;
    /// Signs `login` in once more, on the side: returns that new session's cookie
    /// ("pms_session=<token>") and keeps this client's own cookie. Throws when refused.
    std::string extra_session(const std::string& login, const std::string& password = "demo");

    /// The base URL ("http://127.0.0.1:PORT") of the /hooks-only listener (--hooks-listen), as
    /// the host logs it at start-up; throws when the log does not say so within `timeout`.
    std::string hooks_base_url(std::chrono::milliseconds timeout = std::chrono::seconds(10));

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
    std::string cookie_;
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

/// One HTTP answer read from a raw socket.
struct RawReply {
    int status = 0;   ///< 0 when no complete status line and headers arrived
    std::string head; ///< status line and headers, up to the blank line
    std::string body; ///< the body by Content-Length; for a streamed answer what came so far

    /// First header `name` (case-insensitive), trimmed.
    [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
};

/// A client connection over a raw socket, for requests the HTTP client would not send (a
/// foreign Host, no Origin, a chosen source address) and for many concurrent requests.
class RawHttp {
  public:
    /// Connects to 127.0.0.1:`port`, from `source_address` (e.g. "127.0.0.2") when given.
    /// Throws std::runtime_error on failure.
    explicit RawHttp(std::uint16_t port, const std::string& source_address = {});
    ~RawHttp();
    RawHttp(const RawHttp&) = delete;
    RawHttp& operator=(const RawHttp&) = delete;

    bool send(std::string_view data);
    /// Reads one answer: the head, then the body by Content-Length (a chunked/streamed body is
    /// not waited for). status == 0 on timeout or when the peer closed first.
    RawReply read_reply(std::chrono::milliseconds timeout);
    /// Reads (and discards) until the peer closes; false on timeout.
    bool wait_closed(std::chrono::milliseconds timeout);
    /// Closes the socket now.
    void close();

  private:
    bool read_some(std::chrono::milliseconds timeout);

    int fd_ = -1;
    bool closed_ = false;
    std::string buffer_;
};

/// The text of an HTTP/1.1 request with `Host: host`, the given headers, Content-Length when
/// there is a body or the method changes state, and `Connection: close` unless `keep_alive`.
[[nodiscard]] std::string raw_request_text(
    const std::string& method, const std::string& path, const std::string& host,
    const std::vector<std::pair<std::string, std::string>>& headers = {},
    const std::string& body = {}, bool keep_alive = false);

/// One exchange on a fresh raw connection.
RawReply raw_exchange(std::uint16_t port, const std::string& request_text,
                      std::chrono::milliseconds timeout = std::chrono::seconds(20),
                      const std::string& source_address = {});

/// `pms-host ARGS...` run to completion (e.g. `user add ...`), with `stdin_text` piped to its
/// stdin (not a TTY), or /dev/null when nullopt. Output is stdout and stderr together.
struct CommandResult {
    std::optional<int> exit_code; ///< nullopt when it did not exit within the timeout
    std::string output;
};
CommandResult run_pms_host(const std::vector<std::string>& args,
                           const std::optional<std::string>& stdin_text = std::nullopt,
                           std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// Staff headers a client might send to claim an identity: the host must ignore them.
[[nodiscard]] net::Headers staff_headers(const std::string& id = "u-17",
                                         const std::string& name = "Anna");

} // namespace pms::test
