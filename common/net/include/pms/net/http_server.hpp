// HttpServer: an asynchronous HTTP/1.1 server over plain TCP or TLS (Beast + OpenSSL) for the
// PMS host and the InvoiceBox simulator. One request at a time per connection, keep-alive,
// header/body limits and timeouts, a response deadline answered by the server itself, exactly
// one response per request, dropped connections (fault injection) and streamed responses
// (Server-Sent Events).
//
// The Beast/OpenSSL machinery lives in src/http_server.cpp; this header stays light.
#pragma once

#include <pms/net/error.hpp>
#include <pms/net/http_types.hpp>
#include <pms/net/tls.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace pms::net {

// Decodes %XX escapes (and '+' as a space when `plus_as_space`, for query strings).
// Returns nullopt on a malformed escape. The result may hold any bytes (not checked as UTF-8).
std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space = false);

// One request as received. Owned by the handler once passed.
struct Request {
    std::string method;         // as received, e.g. "POST"
    std::string target;         // as received, e.g. "/hook/p1?x=%20"
    std::string path;           // target before '?', still percent-encoded
    std::string query;          // target after '?', without it; empty when absent
    Headers headers;            // wire order, original case
    std::string body;           // the bytes exactly as sent (de-chunked if chunked)
    std::string remote_address; // peer IP as text
    std::uint16_t remote_port = 0;
    bool tls = false;      // arrived over TLS
    unsigned version = 11; // 10 or 11

    // First header named `name`, case-insensitive.
    std::optional<std::string_view> header(std::string_view name) const noexcept {
        return find_header(headers, name);
    }
    // percent_decode(path); nullopt if malformed.
    std::optional<std::string> decoded_path() const { return percent_decode(path); }
    // The query's name=value pairs, decoded ('+' is a space), in order. Malformed pairs are
    // skipped; a name without '=' has an empty value.
    std::vector<std::pair<std::string, std::string>> query_params() const;
    // The first decoded value of query parameter `name`, or nullopt.
    std::optional<std::string> query_param(std::string_view name) const;
};

// A complete response. The server adds Content-Length, Connection and Server; a handler-set
// Content-Length or Transfer-Encoding is ignored.
struct Response {
    int status = 200;
    Headers headers;
    std::string body;
    // Close the connection after this response even if the client asked for keep-alive (a
    // refused client should give its connection slot back at once).
    bool close_connection = false;

    static Response text(int status, std::string body); // text/plain; charset=utf-8
    static Response json(int status, std::string body); // application/json
};

// Formats one Server-Sent Events message: optional "id:" and "event:" lines, one "data:" line
// per line of `data`, and the blank line that ends the message.
std::string sse_message(std::string_view data, std::string_view event = {},
                        std::string_view id = {});

namespace detail {
struct ResponderState;
struct StreamState;
} // namespace detail

// Handle on a streamed response (chunked transfer encoding), e.g. Server-Sent Events.
// Copyable; every member is thread-safe. A default-constructed handle is not valid().
class ResponseStream {
  public:
    ResponseStream() = default;
    explicit ResponseStream(std::shared_ptr<detail::StreamState> state) noexcept
        : state_(std::move(state)) {}

    bool valid() const noexcept { return state_ != nullptr; }
    // Queues `data` as one chunk (empty data is ignored). Chunks are written in call order.
    // Returns false once the stream is closed (by close(), the peer, an error, or stop()).
    bool send(std::string data) const;
    // Ends the stream: writes the last chunk, then closes the connection. Idempotent.
    void close() const;
    // False once the stream has ended for any reason.
    bool is_open() const noexcept;
    // Registers `fn` to run once, on an io_context thread, when the stream ends for any reason.
    // If it has already ended, `fn` is posted. Only the last registered function runs.
    void on_close(std::function<void()> fn) const;

  private:
    std::shared_ptr<detail::StreamState> state_;
};

// The way a handler answers a request. Copyable (copies share one state) and thread-safe: it
// may be invoked from any thread, at any time, but only the first answer of any kind
// (response, drop, stream) counts. Later calls are ignored, return false (or an invalid
// stream) and are reported to the server's log sink. An answer after the response deadline
// (the server has answered 503) or after the connection closed is likewise ignored.
class Responder {
  public:
    explicit Responder(std::shared_ptr<detail::ResponderState> state) noexcept
        : state_(std::move(state)) {}

    // Sends `response`. Returns true if this was the answer.
    bool operator()(Response response) const;
    // Closes the connection without any response (fault injection: the client sees the
    // connection close after its request was sent). Returns true if this was the answer.
    bool drop() const;
    // Sends the status line and headers of a streamed response (chunked, Connection: close)
    // and returns the stream handle; invalid if this was not the answer. For SSE pass
    // {"Content-Type", "text/event-stream"} and {"Cache-Control", "no-cache"}.
    ResponseStream stream(int status, Headers headers) const;
    // True once any answer (or the server's own 503/close) has been made.
    bool answered() const noexcept;

  private:
    std::shared_ptr<detail::ResponderState> state_;
};

struct ServerOptions {
    std::string address = "127.0.0.1";        // IPv4 or IPv6 literal to bind
    std::uint16_t port = 0;                   // 0 = any free port; see HttpServer::port()
    std::optional<ServerTls> tls;             // set = HTTPS only
    std::size_t max_body_bytes = 1024 * 1024; // larger bodies get 413 and a close
    std::size_t max_header_bytes = 16 * 1024; // larger headers get 431 and a close
    // From connection start (or the end of the previous response) to the end of the request
    // header; also bounds the TLS handshake and the idle time between keep-alive requests.
    std::chrono::milliseconds header_read_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds body_read_timeout{std::chrono::seconds(30)};
    // If the handler has not answered in this time the server answers 503 itself.
    std::chrono::milliseconds response_deadline{std::chrono::seconds(30)};
    std::chrono::milliseconds write_timeout{std::chrono::seconds(30)}; // per response write
    bool keep_alive = true;            // false: close after every response
    std::size_t max_connections = 256; // at the limit the server stops accepting until one ends
    std::string server_header = "pms-net";
    // Added to every response and stream unless the handler set a header of the same name
    // (e.g. security headers every answer of a web UI carries).
    Headers default_headers;
    // Optional log sink: connection errors, late or repeated answers, handler exceptions.
    // Never receives header values, bodies or query strings.
    std::function<void(const LogRecord&)> log;
};

// Asynchronous HTTP/1.1 server.
class HttpServer {
  public:
    // Called once per request on an io_context thread; must not block. It may answer through
    // `respond` at once or later from any thread. An exception escaping it is logged and
    // answered with 500.
    using Handler = std::function<void(Request request, Responder respond)>;

    // Binds and listens at once (so port() is known on return), loads the TLS files, and
    // starts accepting on `ioc`. Throws std::system_error on failure (address in use,
    // unreadable certificate or key). `ioc` must outlive the server.
    HttpServer(boost::asio::io_context& ioc, ServerOptions options, Handler handler);

    // Calls stop(). Safe after the io_context has stopped (pending work is then released with
    // the io_context).
    ~HttpServer();

    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // The bound port (the real one when options.port was 0).
    std::uint16_t port() const noexcept;
    // "http://127.0.0.1:<port>" or "https://..." (IPv6 in brackets).
    std::string base_url() const;

    // Closes the acceptor and every connection: idle ones at once, a request still waiting for
    // its handler gets 503 (Connection: close), a response being written is finished (bounded
    // by write_timeout), streams get their last chunk. No handler is invoked after stop()
    // returns. Idempotent; safe from any thread (the work runs on the io_context).
    void stop();

    // Open connections right now.
    std::size_t connection_count() const;

    struct Impl;

  private:
    std::shared_ptr<Impl> impl_;
};

} // namespace pms::net
