// The "pms.mail" error category.
#include <pms/host/mail/error.hpp>

namespace pms::host::mail {
namespace {

class MailCategory final : public std::error_category {
  public:
    const char* name() const noexcept override { return "pms.mail"; }

    std::string message(int value) const override {
        switch (static_cast<error>(value)) {
        case error::invalid_message:
            return "the message is invalid";
        case error::invalid_config:
            return "the mail settings are invalid";
        case error::dns_failure:
            return "the mail server's host name did not resolve";
        case error::connection_refused:
            return "the mail server refused the connection";
        case error::connect_failed:
            return "could not connect to the mail server";
        case error::connect_timeout:
            return "connecting to the mail server timed out";
        case error::timeout:
            return "the mail server did not answer in time";
        case error::tls_unavailable:
            return "the mail server does not offer STARTTLS";
        case error::tls_failed:
            return "TLS with the mail server failed";
        case error::auth_failed:
            return "the mail server refused the login";
        case error::sender_rejected:
            return "the mail server refused the sender address";
        case error::recipient_rejected:
            return "the mail server refused the recipient address";
        case error::message_rejected:
            return "the mail server refused the message";
        case error::connection_closed:
            return "the mail server closed the connection";
        case error::protocol_error:
            return "unexpected answer from the mail server";
        case error::storage_error:
            return "the outbox folder could not be written";
        case error::cancelled:
            return "the mail transport was shut down";
        case error::internal:
            return "internal mail error";
        }
        return "unknown mail error";
    }

    std::error_condition default_error_condition(int value) const noexcept override {
        switch (static_cast<error>(value)) {
        case error::connection_refused:
            return std::errc::connection_refused;
        case error::connect_timeout:
        case error::timeout:
            return std::errc::timed_out;
        case error::cancelled:
            return std::errc::operation_canceled;
        case error::invalid_message:
        case error::invalid_config:
            return std::errc::invalid_argument;
        default:
            return {value, *this};
        }
    }
};

} // namespace

const std::error_category& mail_category() noexcept {
    static const MailCategory category;
    return category;
}

const char* to_string(error e) noexcept {
    switch (e) {
    case error::invalid_message:
        return "invalid_message";
    case error::invalid_config:
        return "invalid_config";
    case error::dns_failure:
        return "dns_failure";
    case error::connection_refused:
        return "connection_refused";
    case error::connect_failed:
        return "connect_failed";
    case error::connect_timeout:
        return "connect_timeout";
    case error::timeout:
        return "timeout";
    case error::tls_unavailable:
        return "tls_unavailable";
    case error::tls_failed:
        return "tls_failed";
    case error::auth_failed:
        return "auth_failed";
    case error::sender_rejected:
        return "sender_rejected";
    case error::recipient_rejected:
        return "recipient_rejected";
    case error::message_rejected:
        return "message_rejected";
    case error::connection_closed:
        return "connection_closed";
    case error::protocol_error:
        return "protocol_error";
    case error::storage_error:
        return "storage_error";
    case error::cancelled:
        return "cancelled";
    case error::internal:
        return "internal";
    }
    return "unknown";
}

bool is_transient(std::error_code ec) noexcept {
    if (ec.category() != mail_category())
        return false;
    switch (static_cast<error>(ec.value())) {
    case error::dns_failure:
    case error::connection_refused:
    case error::connect_failed:
    case error::connect_timeout:
    case error::timeout:
    case error::connection_closed:
    case error::protocol_error:
    case error::storage_error:
        return true;
    default:
        return false;
    }
}

} // namespace pms::host::mail
