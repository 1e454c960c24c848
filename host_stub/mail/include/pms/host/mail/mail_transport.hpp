// MailTransport: how the host hands a message to whatever delivers it (an SMTP server, or the
// outbox folder). Sending is asynchronous and completes exactly once; a transport never blocks
// the caller's thread (SMTP and file I/O run on the transport's own worker threads), so it may
// be called from an Asio io thread or a plugin strand.
#pragma once

#include <pms/host/mail/mail_message.hpp>

#include <functional>
#include <string>
#include <system_error>

namespace pms::host::mail {

// Completion of async_send(). `ec` is empty on success (accepted by the SMTP server, or stored
// in the outbox) or a pms::host::mail::error. `detail` is one line for logs and staff: on
// success where the message went (the server's answer, or the outbox file), on failure the
// cause (the server's reply, the OS error). It never holds a password or the message body.
using SendHandler = std::function<void(std::error_code ec, std::string detail)>;

class MailTransport {
  public:
    virtual ~MailTransport() = default;

    // Starts sending `message`: fills the defaults (sender, Date, Message-ID; see
    // fill_defaults()), composes it (composer.hpp) and delivers it.
    //
    // `handler` is invoked exactly once, on one of the transport's worker threads, never from
    // within this function: post to your own strand from it. It must not throw, and must not
    // call shutdown() or destroy the transport... except that destroying the transport from
    // the handler is tolerated (the worker thread then detaches and ends on its own).
    // After shutdown() a message is not sent: `handler` gets error::cancelled.
    // Thread-safe: may be called from any thread, concurrently.
    virtual void async_send(MailMessage message, SendHandler handler) = 0;

    // Stops accepting work: messages sent afterwards complete with error::cancelled. What
    // happens to queued ones is the transport's: SmtpTransport cancels them and cuts an
    // exchange in flight at once (error::cancelled, unless it completed first);
    // OutboxTransport still writes them (local and quick). Returns when every handler has run.
    // Idempotent; the destructor calls it. Must not be called from a handler.
    virtual void shutdown() = 0;

    // One line naming where mail goes, for logs and the admin page, e.g.
    // "smtp://pms@mail.hotel.example:587 (STARTTLS required)" or "outbox /var/lib/pms/outbox".
    // Never holds a password.
    [[nodiscard]] virtual std::string describe() const = 0;
};

} // namespace pms::host::mail
