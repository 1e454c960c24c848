// Validation and defaults of MailMessage.
#include <pms/host/mail/error.hpp>
#include <pms/host/mail/mail_message.hpp>

#include "utf8.hpp"

#include <atomic>
#include <cstdio>
#include <random>

namespace pms::host::mail {

namespace detail {

bool is_valid_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t n = 0;
        char32_t cp = 0;
        char32_t min = 0;
        if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
            min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
            min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
            min = 0x10000;
        } else {
            return false;
        }
        if (i + n >= s.size())
            return false; // truncated sequence
        for (std::size_t k = 1; k <= n; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

} // namespace detail

namespace {

bool has_line_break(std::string_view s) noexcept {
    return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// A deliberately simple addr-spec check: one '@' splitting a non-empty local part and a domain
// with a dot-free-or-dotted label syntax, printable ASCII without spaces, quotes, angle brackets,
// commas or semicolons. It rejects what would break the header or the SMTP envelope; the server
// decides the rest.
bool is_plausible_address(std::string_view a) noexcept {
    if (a.empty() || a.size() > 254)
        return false;
    const auto at = a.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == a.size())
        return false;
    if (a.find('@') != at)
        return false;
    for (unsigned char c : a) {
        if (c <= 0x20 || c >= 0x7F)
            return false;
        switch (c) {
        case '<':
        case '>':
        case '(':
        case ')':
        case ',':
        case ';':
        case ':':
        case '"':
        case '\\':
        case '[':
        case ']':
            return false;
        default:
            break;
        }
    }
    const auto domain = a.substr(at + 1);
    if (domain.front() == '.' || domain.back() == '.' ||
        domain.find("..") != std::string_view::npos)
        return false;
    return true;
}

std::error_code invalid(std::string& detail, std::string text) {
    detail = std::move(text);
    return error::invalid_message;
}

} // namespace

std::error_code validate_message(const MailMessage& m, std::string& detail) {
    detail.clear();
    struct Field {
        const char* name;
        const std::string* value;
    };
    const Field header_fields[] = {{"from", &m.from},
                                   {"from_name", &m.from_name},
                                   {"to", &m.to},
                                   {"to_name", &m.to_name},
                                   {"reply_to", &m.reply_to},
                                   {"subject", &m.subject},
                                   {"message_id", &m.message_id}};
    for (const auto& f : header_fields) {
        if (has_line_break(*f.value))
            return invalid(detail, std::string(f.name) + " holds a line break or NUL");
        if (!detail::is_valid_utf8(*f.value))
            return invalid(detail, std::string(f.name) + " is not valid UTF-8");
    }
    if (m.from.empty())
        return invalid(detail, "from is empty");
    if (m.to.empty())
        return invalid(detail, "to is empty");
    if (m.subject.empty())
        return invalid(detail, "subject is empty");
    if (m.text_body.empty())
        return invalid(detail, "text_body is empty");
    if (!is_plausible_address(m.from))
        return invalid(detail, "from is not a valid address");
    if (!is_plausible_address(m.to))
        return invalid(detail, "to is not a valid address");
    if (!m.reply_to.empty() && !is_plausible_address(m.reply_to))
        return invalid(detail, "reply_to is not a valid address");
    if (!detail::is_valid_utf8(m.text_body))
        return invalid(detail, "text_body is not valid UTF-8");
    if (m.html_body && !detail::is_valid_utf8(*m.html_body))
        return invalid(detail, "html_body is not valid UTF-8");
    if (!m.message_id.empty()) {
        const auto& id = m.message_id;
        if (id.size() < 5 || id.front() != '<' || id.back() != '>' ||
            id.find('@') == std::string::npos || !detail::is_printable_ascii(id) ||
            id.find_first_of(" \t") != std::string::npos)
            return invalid(detail, "message_id is not of the form <local@domain>");
    }
    return {};
}

std::string_view address_domain(std::string_view address) noexcept {
    const auto at = address.rfind('@');
    return at == std::string_view::npos ? std::string_view{} : address.substr(at + 1);
}

std::string make_message_id(std::string_view domain, MailTime now) {
    static std::atomic<unsigned long long> counter{0};
    // One random tag per process (distinguishes processes and restarts), the counter the
    // messages within it.
    static const unsigned long long process_tag = [] {
        std::random_device rd;
        return (static_cast<unsigned long long>(rd()) << 32) ^ rd();
    }();
    thread_local std::mt19937_64 rng{std::random_device{}()};
    char buf[96];
    std::snprintf(buf, sizeof buf, "%lld.%llu.%016llx%08llx",
                  static_cast<long long>(now.time_since_epoch().count()),
                  counter.fetch_add(1, std::memory_order_relaxed) + 1, process_tag,
                  static_cast<unsigned long long>(rng() & 0xFFFFFFFFu));
    std::string id = "<";
    id += buf;
    id += '@';
    id += domain.empty() ? std::string_view("pms.localhost") : domain;
    id += '>';
    return id;
}

void fill_defaults(MailMessage& m, std::string_view default_from,
                   std::string_view default_from_name, MailTime now) {
    if (m.from.empty()) {
        m.from = default_from;
        if (m.from_name.empty())
            m.from_name = default_from_name;
    }
    if (!m.date)
        m.date = now;
    if (m.message_id.empty())
        m.message_id = make_message_id(address_domain(m.from), now);
}

} // namespace pms::host::mail
