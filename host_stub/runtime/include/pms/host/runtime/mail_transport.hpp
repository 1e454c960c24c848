// How the host sends the e-mails plugins hand to `pms.mail/1`: a `MailTransport` interface, and
// the outbox transport that writes each message as an RFC 5322 file into a folder (the demo and
// the tests read them there). An SMTP transport implements the same interface later.
#pragma once

#include <pms/host/storage/clock.hpp>
#include <pms/plugin_api/status.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

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
    /// Who sent it, for the file name / logs: plugin id and property id (decimal).
    std::string plugin_id;
    std::string property_id;
};

/// The outcome of one send: PMS_OK (accepted by the server, or stored in the outbox),
/// PMS_INVALID_ARGUMENT (address rejected), PMS_UNAVAILABLE, PMS_NETWORK_ERROR, PMS_TIMEOUT,
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
};

/// Writes each message into `outbox_dir` as `<utc-ms>-<counter>-<random>.eml`, atomically: the
/// file is written and fsynced under a temporary name (`.tmp-*`) and then renamed, so a reader
/// never sees a partial message. Creates the folder when missing.
class OutboxMailTransport final : public MailTransport {
  public:
    OutboxMailTransport(std::filesystem::path outbox_dir, const Clock& clock);

    void send(MailMessage message, std::function<void(MailSendResult)> done) noexcept override;

    [[nodiscard]] const std::filesystem::path& directory() const noexcept { return dir_; }

  private:
    std::filesystem::path dir_;
    const Clock& clock_;
};

/// The RFC 5322 text of `message` (CRLF line ends): Date (from `now`), From, To, Reply-To,
/// Subject (RFC 2047 "=?UTF-8?B?...?=" encoded when not plain ASCII, folded), Message-ID,
/// MIME-Version, and either one text/plain part or multipart/alternative with text/plain and
/// text/html parts, each UTF-8 and base64-encoded. Display names are RFC 2047 encoded when
/// needed. Exposed for tests.
[[nodiscard]] std::string format_rfc5322(const MailMessage& message, UtcTime now,
                                         const std::string& message_id);

/// RFC 2047 encoded-word(s) for a header value: the text itself when it is printable ASCII,
/// else one or more "=?UTF-8?B?...?=" words (at most 75 characters each, split on UTF-8
/// character boundaries), separated by CRLF + space. Exposed for tests.
[[nodiscard]] std::string encode_header_words(const std::string& text);

} // namespace pms::host
