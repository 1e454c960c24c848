// pms::net error codes: one enum class with its own category, so that callers can tell the
// failure causes of an HTTP exchange apart (refused, DNS, timeouts, TLS, limits, framing).
#pragma once

#include <string>
#include <system_error>

namespace pms::net {

// Why an HTTP exchange failed. Values are stable (added at the end only).
// Each maps to a portable std::errc condition where one exists, so
// `ec == std::errc::operation_canceled` holds for `error::operation_aborted`.
enum class error {
    invalid_url = 1,       // the URL could not be parsed, or has no host
    unsupported_scheme,    // neither http nor https
    dns_failure,           // the host name did not resolve
    connection_refused,    // every resolved address refused the TCP connection
    connect_failed,        // other connect failure (unreachable, reset during connect)
    connect_timeout,       // TCP connect (and TLS handshake) did not finish in connect_timeout
    total_timeout,         // the whole exchange did not finish in total_timeout
    tls_handshake_failed,  // TLS handshake failed for a reason other than the two below
    certificate_untrusted, // peer certificate chain not trusted (unknown CA, expired, ...)
    host_name_mismatch,    // peer certificate does not name the requested host
    response_too_large,    // response header or body above the limit
    malformed_response,    // the peer did not speak valid HTTP/1.x
    connection_closed,     // peer closed/reset (or omitted TLS close_notify) mid-exchange
    operation_aborted,     // cancelled by cancel() or shutdown()
    client_shut_down,      // the client was shut down before the request started
    io_error,              // any other socket error (detail in ClientResponse::error_detail)
    body_too_large,        // server side: request body above max_body_bytes
    header_read_timeout,   // server side: request header not received in time
    invalid_request,       // client side: a header name or value holds CR, LF or NUL
};

// The category object for pms::net::error; name() is "pms.net".
const std::error_category& net_category() noexcept;

inline std::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), net_category()};
}

} // namespace pms::net

template <>
struct std::is_error_code_enum<pms::net::error> : std::true_type {};
