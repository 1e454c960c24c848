// MailMessage: one e-mail as the host hands it to a transport, plus the checks and defaults every
// transport applies before composing it. Text is UTF-8; addresses are plain ASCII addr-specs
// ("guest@example.org"): internationalised addresses (SMTPUTF8) are not supported.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace pms::host::mail {

// A UTC instant with millisecond resolution; the same type as pms::host::UtcTime.
using MailTime = std::chrono::sys_time<std::chrono::milliseconds>;

struct MailMessage {
    std::string from;                     // sender addr-spec; empty = the transport's default
    std::string from_name;                // display name, UTF-8; may be empty
    std::string to;                       // one recipient addr-spec; required
    std::string to_name;                  // display name, UTF-8; may be empty
    std::string reply_to;                 // addr-spec; may be empty
    std::string subject;                  // UTF-8; required
    std::string text_body;                // UTF-8, any line ends; required
    std::optional<std::string> html_body; // UTF-8 HTML alternative; nullopt = text only
    std::string message_id;               // "<local@domain>"; empty = generated on send
    std::optional<MailTime> date;         // the Date header; nullopt = "now" on send
};

// Checks what the composer relies on: `to`, `subject`, `text_body` non-empty, `from` set;
// every address a plausible ASCII addr-spec; no CR, LF or NUL in any header field; every text
// field valid UTF-8 (so that encoded-words are never split inside a character); message_id,
// when set, of the form "<...@...>" in printable ASCII. Returns error::invalid_message with a
// detail naming the field (never its content), or an empty code.
[[nodiscard]] std::error_code validate_message(const MailMessage& message, std::string& detail);

// A fresh Message-ID "<utcms.counter.random@domain>"; unique within and across processes.
// `domain` is the sender's domain ("hotel.example"); an empty one becomes "pms.localhost".
[[nodiscard]] std::string make_message_id(std::string_view domain, MailTime now);

// The part after the last '@' of an address, or "" when there is none.
[[nodiscard]] std::string_view address_domain(std::string_view address) noexcept;

// Fills the fields a transport supplies: `from`/`from_name` from the defaults when empty, `date`
// from `now` when unset, `message_id` (from the sender's domain) when empty.
void fill_defaults(MailMessage& message, std::string_view default_from,
                   std::string_view default_from_name, MailTime now);

} // namespace pms::host::mail
