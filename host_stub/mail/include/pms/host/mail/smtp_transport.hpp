// SmtpTransport: sends mail to an SMTP server with libcurl (SMTP, STARTTLS optional or required,
// SMTPS, AUTH, CA file, connect and total timeouts). libcurl's transfer runs on the transport's
// own worker threads, so async_send() never blocks its caller; shutdown() cuts a transfer in
// flight at once (curl_multi_wakeup), not at the next timeout.
//
// libcurl, not a hand-written protocol, speaks SMTP: it handles dot-stuffing, the AUTH
// mechanisms, STARTTLS and certificate and host-name verification (OpenSSL).
#pragma once

#include <pms/host/mail/composer.hpp>
#include <pms/host/mail/mail_transport.hpp>
#include <pms/host/mail/smtp_config.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace pms::host::mail {

namespace detail {
class WorkQueue;
struct SmtpShared;
} // namespace detail

class SmtpTransport final : public MailTransport {
  public:
    struct Options {
        // Parallel SMTP exchanges; each worker thread runs one at a time.
        std::size_t worker_threads = 1;
        ComposeOptions compose;
        // "Now" for the Date header and Message-ID of messages without them; default: the
        // system clock. Called on a worker thread.
        std::function<MailTime()> now;
        // One line per message (sent / failed, server, Message-ID, duration, cause), from a
        // worker thread. Never receives the password, the AUTH exchange or the message body.
        std::function<void(std::string_view line)> log;
    };

    // Does not connect. An invalid `config` (see SmtpConfig::validate) is not thrown: every
    // send then completes with error::invalid_config, so the failure reaches the sender.
    explicit SmtpTransport(SmtpConfig config);
    SmtpTransport(SmtpConfig config, Options options);
    ~SmtpTransport() override; // shutdown()

    SmtpTransport(const SmtpTransport&) = delete;
    SmtpTransport& operator=(const SmtpTransport&) = delete;

    // See MailTransport. Errors: invalid_message, invalid_config, dns_failure,
    // connection_refused, connect_failed, connect_timeout, timeout, tls_unavailable, tls_failed,
    // auth_failed, sender_rejected, recipient_rejected, message_rejected, connection_closed,
    // protocol_error, cancelled, internal.
    void async_send(MailMessage message, SendHandler handler) override;
    void shutdown() override;
    [[nodiscard]] std::string describe() const override;

  private:
    std::shared_ptr<detail::SmtpShared> shared_;
    std::unique_ptr<detail::WorkQueue> queue_;
};

} // namespace pms::host::mail
