// HostMailTransport: the runtime's MailTransport over a pms::host::mail::MailTransport.
#include <pms/host/runtime/mail_transport.hpp>

#include <pms/host/mail/error.hpp>
#include <pms/host/mail/mail_message.hpp>
#include <pms/host/mail/mail_transport.hpp>

#include <stdexcept>
#include <utility>

namespace pms::host {
namespace {

pms_status status_of(std::error_code ec) noexcept {
    using mail::error;
    if (!ec)
        return PMS_OK;
    if (ec.category() != mail::mail_category())
        return PMS_NETWORK_ERROR;
    switch (static_cast<error>(ec.value())) {
    case error::invalid_message:
    case error::sender_rejected:
    case error::recipient_rejected:
        return PMS_INVALID_ARGUMENT;
    case error::connect_timeout:
    case error::timeout:
        return PMS_TIMEOUT;
    case error::cancelled:
        return PMS_CANCELLED;
    case error::storage_error:
        return PMS_STORAGE_ERROR;
    case error::invalid_config:
        return PMS_UNAVAILABLE;
    default:
        return PMS_NETWORK_ERROR;
    }
}

// Replaces every occurrence of `what` in `text` with `with` (the server may echo addresses).
void scrub(std::string& text, const std::string& what, std::string_view with) {
    if (what.empty())
        return;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
        text.replace(at, what.size(), with);
}

} // namespace

HostMailTransport::HostMailTransport(std::shared_ptr<mail::MailTransport> transport)
    : transport_(std::move(transport)) {
    if (!transport_)
        throw std::invalid_argument("HostMailTransport: null transport");
}

void HostMailTransport::send(MailMessage message,
                             std::function<void(MailSendResult)> done) noexcept {
    try {
        mail::MailMessage m;
        m.from = std::move(message.from);
        m.from_name = std::move(message.from_name);
        m.to = std::move(message.to);
        m.to_name = std::move(message.to_name);
        m.reply_to = std::move(message.reply_to);
        m.subject = std::move(message.subject);
        m.text_body = std::move(message.text_body);
        if (!message.html_body.empty())
            m.html_body = std::move(message.html_body);
        // The recipient's local part is personal data: the detail names the domain only.
        std::string to = m.to;
        const auto at = to.find('@');
        const std::string masked = at == std::string::npos ? "*" : "*" + to.substr(at);
        transport_->async_send(std::move(m), [done = std::move(done), to = std::move(to),
                                              masked](std::error_code ec, std::string detail) {
            MailSendResult r;
            r.status = status_of(ec);
            if (ec) {
                scrub(detail, to, masked);
                const char* name = ec.category() == mail::mail_category()
                                       ? mail::to_string(static_cast<mail::error>(ec.value()))
                                       : "error";
                r.detail = detail.empty() ? std::string{name} : std::string{name} + ": " + detail;
            }
            try {
                done(std::move(r));
            } catch (...) {
                // The runtime's completion does not throw; never let it escape a mail worker.
            }
        });
    } catch (...) {
        // async_send() did not take the message (out of memory): report it here, once.
        try {
            done(MailSendResult{PMS_INTERNAL, "the message could not be queued"});
        } catch (...) {
        }
    }
}

void HostMailTransport::shutdown() noexcept {
    try {
        transport_->shutdown();
    } catch (...) {
    }
}

std::string HostMailTransport::describe() const {
    return transport_->describe();
}

} // namespace pms::host
