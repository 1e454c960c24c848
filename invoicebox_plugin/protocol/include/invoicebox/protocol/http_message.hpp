// Plain HTTP request/response values exchanged with whatever does the I/O (the host's
// pms.http/1 in the plugin, Beast in the simulator, nothing at all in the tests).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::protocol {

enum class HttpMethod : std::uint8_t { get, post, put, delete_ };

std::string_view to_string(HttpMethod m) noexcept; ///< "GET", "POST", "PUT", "DELETE"

struct HttpHeader {
    std::string name;
    std::string value;
    friend bool operator==(const HttpHeader&, const HttpHeader&) = default;
};

using HttpHeaders = std::vector<HttpHeader>;

/// First header with this name, compared case-insensitively.
std::optional<std::string_view> find_header(const HttpHeaders& headers,
                                            std::string_view name) noexcept;

struct HttpRequest {
    HttpMethod method = HttpMethod::get;
    std::string target; ///< path and query, e.g. "/v3/filter/api/order/order?merchantOrderId=A1"
    HttpHeaders headers;
    std::string body; ///< empty for GET and DELETE
};

struct HttpResponse {
    int status = 0;
    HttpHeaders headers;
    std::string body;
};

/// Why no HTTP response arrived. Whether the request may have reached the server decides
/// whether a write's outcome is unknown (architecture §7: a request that failed on a pooled
/// connection has an unknown outcome).
enum class TransportFailure : std::uint8_t {
    connect_failed,     ///< DNS, TCP or TLS handshake failed: nothing was sent
    timeout,            ///< no (complete) response in time
    connection_dropped, ///< closed/reset mid-exchange ("unexpected eof while reading",
                        ///< stream_truncated)
    cancelled,          ///< we cancelled it (shutdown)
    other,
};

std::string_view to_string(TransportFailure f) noexcept;

struct TransportError {
    TransportFailure failure = TransportFailure::other;
    /// False only when the transport knows no byte of the request was sent.
    bool request_may_have_been_sent = true;
    std::string detail; ///< for logs
};

} // namespace invoicebox::protocol
