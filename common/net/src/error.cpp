// The pms.net error category: messages and the portable conditions each error maps to.
#include <pms/net/error.hpp>

namespace pms::net {
namespace {

class NetCategory final : public std::error_category {
  public:
    const char* name() const noexcept override { return "pms.net"; }

    std::string message(int value) const override {
        switch (static_cast<error>(value)) {
        case error::invalid_url:
            return "invalid URL";
        case error::unsupported_scheme:
            return "unsupported URL scheme";
        case error::dns_failure:
            return "host name did not resolve";
        case error::connection_refused:
            return "connection refused";
        case error::connect_failed:
            return "connect failed";
        case error::connect_timeout:
            return "connect timed out";
        case error::total_timeout:
            return "request timed out";
        case error::tls_handshake_failed:
            return "TLS handshake failed";
        case error::certificate_untrusted:
            return "peer certificate not trusted";
        case error::host_name_mismatch:
            return "peer certificate does not match the host name";
        case error::response_too_large:
            return "response too large";
        case error::malformed_response:
            return "malformed HTTP response";
        case error::connection_closed:
            return "connection closed by peer";
        case error::operation_aborted:
            return "operation aborted";
        case error::client_shut_down:
            return "client shut down";
        case error::io_error:
            return "I/O error";
        case error::body_too_large:
            return "request body too large";
        case error::header_read_timeout:
            return "request header read timed out";
        case error::invalid_request:
            return "invalid request header";
        }
        return "unknown pms.net error";
    }

    // Lets callers compare with std::errc without knowing our enum.
    std::error_condition default_error_condition(int value) const noexcept override {
        switch (static_cast<error>(value)) {
        case error::connection_refused:
            return std::errc::connection_refused;
        case error::connect_timeout:
        case error::total_timeout:
        case error::header_read_timeout:
            return std::errc::timed_out;
        case error::operation_aborted:
            return std::errc::operation_canceled;
        case error::response_too_large:
        case error::body_too_large:
            return std::errc::message_size;
        case error::invalid_url:
        case error::unsupported_scheme:
        case error::invalid_request:
            return std::errc::invalid_argument;
        case error::connection_closed:
            return std::errc::connection_reset;
        default:
            return {value, *this};
        }
    }
};

} // namespace

const std::error_category& net_category() noexcept {
    static const NetCategory category;
    return category;
}

} // namespace pms::net
