// pms::host::mail error codes: why a message could not be composed, handed to an SMTP server or
// stored in the outbox. One enum class with its own category (as pms::net does), so that the
// runtime can map a failure to a `pms_status` and staff can be told what to fix.
#pragma once

#include <string>
#include <system_error>

namespace pms::host::mail {

// Values are stable (added at the end only).
enum class error {
    invalid_message =
        1,              // a required field is empty, a header holds CR/LF/NUL, bad UTF-8 or address
    invalid_config,     // the SMTP setting could not be parsed or is unsafe (see SmtpConfig)
    dns_failure,        // the SMTP host name did not resolve
    connection_refused, // nothing listens on the SMTP host and port
    connect_failed,     // other connect failure (unreachable, reset during connect)
    connect_timeout,    // TCP connect (and TLS handshake) did not finish in connect_timeout
    timeout,            // the whole exchange did not finish in total_timeout
    tls_unavailable,    // TLS was required but the server does not offer STARTTLS
    tls_failed,         // TLS handshake or certificate verification failed
    auth_failed,        // the server refused the user name / password, or requires a login
    sender_rejected,    // MAIL FROM refused
    recipient_rejected, // RCPT TO refused (unknown or refused address)
    message_rejected,   // the server refused the message after DATA (size, content, policy)
    connection_closed,  // the server closed or reset the connection mid-exchange
    protocol_error,     // the server did not speak SMTP as expected
    storage_error,      // the outbox folder could not be created or written
    cancelled,          // the transport was shut down before the message was sent
    internal,           // unexpected library failure (out of memory, libcurl misuse)
};

// The category object for pms::host::mail::error; name() is "pms.mail".
[[nodiscard]] const std::error_category& mail_category() noexcept;

[[nodiscard]] inline std::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), mail_category()};
}

// The symbolic name, e.g. "recipient_rejected".
[[nodiscard]] const char* to_string(error e) noexcept;

// True when sending the same message again later may succeed (the server or the network was
// unavailable); false when a person must change something first (address, settings, password).
[[nodiscard]] bool is_transient(std::error_code ec) noexcept;

} // namespace pms::host::mail

template <>
struct std::is_error_code_enum<pms::host::mail::error> : std::true_type {};
