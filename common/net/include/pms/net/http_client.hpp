// HttpClient: an asynchronous HTTP/1.1 client over plain TCP or TLS (Beast + OpenSSL), with a
// keep-alive pool per origin, connect/total timeouts, response size limits, cancellation, and
// an error taxonomy fine enough to decide whether a request may have reached the server.
//
// The Beast/OpenSSL machinery lives in src/http_client.cpp; this header stays light.
#pragma once

#include <pms/net/error.hpp>
#include <pms/net/http_types.hpp>
#include <pms/net/tls.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

namespace boost::asio {
class io_context;
}

namespace pms::net {

struct ClientOptions {
    ClientTls tls;                       // trust store, peer + host name check
    std::size_t max_idle_per_origin = 4; // 0 disables keep-alive reuse
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(30)};    // pooled connection life
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)}; // DNS + TCP + TLS
    std::chrono::milliseconds total_timeout{std::chrono::seconds(30)};   // whole exchange
    std::size_t max_response_bytes = 8 * 1024 * 1024; // body limit (header limit: 64 KiB)
    std::string user_agent = "pms-net/1";             // sent unless the request sets one
    // Optional sink for one-line records (request line without query, status, timing, cause).
    // Never receives header values or bodies.
    std::function<void(const LogRecord&)> log;
};

struct ClientRequest {
    std::string method = "GET"; // any token; "GET", "POST", ...
    std::string url;            // http://host[:port]/path?query or https://...
    Headers headers;            // Host, Content-Length and User-Agent are added when absent
    std::string body;           // sent with Content-Length (also when empty for POST/PUT/PATCH)
    std::optional<std::chrono::milliseconds> connect_timeout; // default: options
    std::optional<std::chrono::milliseconds> total_timeout;   // default: options
    std::optional<std::size_t> max_response_bytes;            // default: options
    // Send the body with Transfer-Encoding: chunked and no Content-Length, as InvoiceBox's own
    // clients send notifications (the simulator uses this to play them faithfully).
    bool send_chunked = false;
};

struct ClientResponse {
    // Empty on a complete HTTP exchange, whatever the status (a 3xx is returned as is: the
    // client never follows redirects). Otherwise a pms::net::error (see error.hpp).
    std::error_code ec;
    int status = 0; // 0 when no status line was received
    Headers headers;
    std::string body;
    std::chrono::milliseconds elapsed{0}; // from async_send to completion
    // True when the request may have reached the server: bytes were written and then the
    // exchange failed (timeout, reset, close, drop), or it failed on a reused pooled
    // connection after writing. The caller must resolve the outcome by a lookup, not a retry.
    bool outcome_unknown = false;
    bool reused_connection = false; // the exchange ran on a pooled connection
    std::string error_detail;       // human-readable cause (OpenSSL text...), no secrets

    // First header named `name`, case-insensitive.
    std::optional<std::string_view> header(std::string_view name) const noexcept {
        return find_header(headers, name);
    }
};

// Asynchronous HTTP/1.1 client. Thread-safe: every member may be called from any thread.
// Each request runs on its own strand of the io_context given to the constructor.
class HttpClient {
  public:
    using OpId = std::uint64_t; // never 0
    using ResponseHandler = std::function<void(ClientResponse)>;

    // Builds the TLS context (system store + options.tls.extra_ca_file).
    // Throws std::system_error if the CA file cannot be loaded.
    // `ioc` must outlive the client and every operation it started.
    HttpClient(boost::asio::io_context& ioc, ClientOptions options = {});

    // Calls shutdown(). Operations still in flight complete with operation_aborted; their
    // completions are posted as usual (or destroyed with the io_context if it is stopped).
    ~HttpClient();

    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Starts one request. `handler` is called exactly once with the outcome, never from within
    // this function, through a post to the client's io_context (first overload) or to
    // `completion_executor` (second overload, e.g. a plugin instance's strand).
    // After shutdown() the handler receives error::client_shut_down.
    // Returns an id for cancel().
    OpId async_send(ClientRequest request, ResponseHandler handler);
    OpId async_send(ClientRequest request, boost::asio::any_io_executor completion_executor,
                    ResponseHandler handler);

    // Completes the operation with error::operation_aborted (outcome_unknown set if bytes were
    // already written). Returns false if `id` is unknown or already completed; in that case
    // nothing happens. The handler still runs exactly once in total.
    bool cancel(OpId id);

    // Cancels every operation in flight, closes pooled connections and refuses new requests.
    // Idempotent.
    void shutdown();

    // Number of operations started and not completed yet.
    std::size_t in_flight() const;
    // Number of idle pooled connections (all origins).
    std::size_t idle_connections() const;

    const ClientOptions& options() const noexcept;

    struct Impl;

  private:
    std::shared_ptr<Impl> impl_;
};

} // namespace pms::net
