// How the runtime sends the e-mails plugins hand to `pms.mail/1`: the runtime's small
// `MailTransport` interface, and `HostMailTransport`, the one implementation, which adapts any
// pms::host::mail::MailTransport (pms_host_mail: the host's one composer, with the outbox and
// the SMTP transports) to it. The default is HostMailTransport over mail::OutboxTransport.
#pragma once

#include <pms/plugin_api/status.h>

#include <functional>
#include <memory>
#include <string>

namespace pms::host::mail {
class MailTransport;
} // namespace pms::host::mail

namespace pms::host {

/// One message, already validated by the runtime (to, subject and text body non-empty, no CR/LF
/// in header fields).
struct MailMessage {
    std::string from;      ///< sender address, the host's ("pms-host@localhost" by default)
    std::string from_name; ///< sender display name; may be empty
    std::string to;
    std::string to_name;  ///< may be empty
    std::string reply_to; ///< may be empty
    std::string subject;  ///< UTF-8
    std::string text_body;
    std::string html_body; ///< empty = text only
    /// Who sent it, for logs: plugin id and property id (decimal).
    std::string plugin_id;
    std::string property_id;
};

/// The outcome of one send: PMS_OK (accepted by the server, or stored in the outbox),
/// PMS_INVALID_ARGUMENT (message or address rejected), PMS_UNAVAILABLE (mail not configured
/// usably), PMS_NETWORK_ERROR, PMS_TIMEOUT, PMS_CANCELLED (the host is shutting down),
/// PMS_STORAGE_ERROR. `detail` is empty on success and never holds message content.
struct MailSendResult {
    pms_status status = PMS_OK;
    std::string detail;
};

/// Delivers messages. Implementations are thread-safe.
class MailTransport {
  public:
    virtual ~MailTransport() = default;

    /// Sends `message`. The runtime calls this on its blocking thread pool, so an implementation
    /// may block (file I/O, fsync) or start asynchronous work. `done` must be called exactly
    /// once, from any thread, possibly before send() returns. Must not throw.
    virtual void send(MailMessage message, std::function<void(MailSendResult)> done) noexcept = 0;

    /// Called once by Runtime::shutdown(), after every instance has stopped and before the io
    /// and blocking pools stop: messages still in flight complete (or are cancelled) before it
    /// returns; later sends complete with PMS_CANCELLED. Default: nothing to stop.
    virtual void shutdown() noexcept {}
};

/// Adapts a pms::host::mail::MailTransport (OutboxTransport, SmtpTransport) to the runtime:
/// converts the message, maps the pms.mail error to a pms_status (invalid_message,
/// sender_rejected, recipient_rejected -> PMS_INVALID_ARGUMENT; connect_timeout, timeout ->
/// PMS_TIMEOUT; cancelled -> PMS_CANCELLED; storage_error -> PMS_STORAGE_ERROR; invalid_config ->
/// PMS_UNAVAILABLE; anything else -> PMS_NETWORK_ERROR), and forwards shutdown().
class HostMailTransport final : public MailTransport {
  public:
    /// `transport` must not be null.
    explicit HostMailTransport(std::shared_ptr<mail::MailTransport> transport);

    void send(MailMessage message, std::function<void(MailSendResult)> done) noexcept override;
    void shutdown() noexcept override;

    /// Where mail goes, without secrets (the wrapped transport's describe()).
    [[nodiscard]] std::string describe() const;
    [[nodiscard]] const std::shared_ptr<mail::MailTransport>& transport() const noexcept {
        return transport_;
    }

  private:
    std::shared_ptr<mail::MailTransport> transport_;
};

} // namespace pms::host
