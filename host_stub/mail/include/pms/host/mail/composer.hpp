// The composer: turns a MailMessage into the RFC 5322 bytes that go to the SMTP server or into
// the outbox. CRLF line ends; Date, From, To, Reply-To, Subject, Message-ID and MIME-Version
// headers; non-ASCII subject and display names as RFC 2047 encoded-words; a text/plain part, or
// multipart/alternative with text/plain and text/html, each UTF-8, in base64 or quoted-printable.
// This is the host's one composer: every transport (SMTP, outbox) sends what it returns.
#pragma once

#include <pms/host/mail/mail_message.hpp>

#include <string>
#include <system_error>

namespace pms::host::mail {

enum class BodyEncoding {
    automatic,        // whichever of the two is shorter for this body
    base64,           // 76-character lines
    quoted_printable, // readable for mostly-ASCII text
};

struct ComposeOptions {
    BodyEncoding text_encoding = BodyEncoding::automatic;
    BodyEncoding html_encoding = BodyEncoding::automatic;
    // The multipart boundary; empty = a fresh random one ("=_pms_" + 24 hex digits, which can
    // never occur in base64 or quoted-printable output). Tests set it to compare bytes.
    std::string boundary;
    // An "X-Mailer"-like product header; empty = none.
    std::string user_agent = "pms-host";
};

struct ComposedMessage {
    std::error_code ec; // error::invalid_message when validate_message() refused it
    std::string detail; // names the offending field, never its content
    std::string bytes;  // the message, CRLF line ends, ending with CRLF
};

// Composes `message`, which must have `date` and `message_id` set (see fill_defaults()).
[[nodiscard]] ComposedMessage compose_message(const MailMessage& message,
                                              const ComposeOptions& options = {});

// The RFC 5322 date-time of `t` in UTC, e.g. "Fri, 14 Mar 2025 10:00:00 +0000".
[[nodiscard]] std::string format_rfc5322_date(MailTime t);

// "Name <address>" for a header: the name as it is when it is plain ASCII text, as a quoted
// string when it holds specials, as encoded-words otherwise; just the address when the name is
// empty. `header_name_length` is the length of "From: " etc., for the first line's budget.
// Folded with CRLF + space where needed.
[[nodiscard]] std::string format_mailbox(std::string_view name, std::string_view address,
                                         std::size_t header_name_length);

} // namespace pms::host::mail
