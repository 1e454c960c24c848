// compose_message(): MailMessage → RFC 5322 / MIME bytes.
#include <pms/host/mail/composer.hpp>
#include <pms/host/mail/error.hpp>
#include <pms/host/mail/rfc2047.hpp>
#include <pms/host/mail/transfer_encoding.hpp>

#include "utf8.hpp"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

namespace pms::host::mail {
namespace {

// RFC 2047 §2: a line that holds an encoded-word is at most 76 characters; we fold every
// header at that width (RFC 5322 recommends 78).
constexpr std::size_t kFoldWidth = 76;

// Joins `tokens`, each preceded by a space, on a line that already holds `column` characters,
// breaking with CRLF before a token that would pass the fold width. A token longer than the
// width stays whole on its own line; an empty token (a second space) never starts a line, so
// that no line is whitespace only.
std::string fold_tokens(std::size_t column, const std::vector<std::string>& tokens) {
    std::string out;
    bool first = true;
    for (const auto& t : tokens) {
        if (!first && !t.empty() && column + 1 + t.size() > kFoldWidth) {
            out += "\r\n";
            column = 0;
        }
        out += ' ';
        out += t;
        column += 1 + t.size();
        first = false;
    }
    return out;
}

// "Name:" + the folded tokens + CRLF.
std::string fold_header(std::string_view name, const std::vector<std::string>& tokens) {
    std::string out(name);
    out += ':';
    out += fold_tokens(out.size(), tokens);
    out += "\r\n";
    return out;
}

// Plain ASCII text split at spaces into tokens for fold_header().
std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> tokens;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        auto sp = text.find(' ', pos);
        if (sp == std::string_view::npos)
            sp = text.size();
        // Keep runs of spaces: an empty token re-creates the extra space when joined.
        tokens.emplace_back(text.substr(pos, sp - pos));
        pos = sp + 1;
    }
    return tokens;
}

bool is_atext_phrase(std::string_view s) noexcept {
    if (s.empty() || s.front() == ' ' || s.back() == ' ')
        return false;
    for (unsigned char c : s) {
        const bool atext = std::isalnum(c) || c == ' ' ||
                           std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) !=
                               std::string_view::npos;
        if (!atext)
            return false;
    }
    return s.find("=?") == std::string_view::npos;
}

std::string unstructured_header(std::string_view name, std::string_view value) {
    if (is_plain_header_text(value) && value.find('\t') == std::string_view::npos)
        return fold_header(name, split_words(value));
    return fold_header(name, encode_header_words(value, kFoldWidth - name.size() - 2));
}

std::string random_boundary() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%016llx%08llx", static_cast<unsigned long long>(rng()),
                  static_cast<unsigned long long>(rng() & 0xFFFFFFFFu));
    return std::string("=_pms_") + buf;
}

struct EncodedBody {
    const char* cte;
    std::string text;
};

EncodedBody encode_body(std::string_view body, BodyEncoding how) {
    const std::string canonical = to_crlf(body);
    if (how == BodyEncoding::base64)
        return {"base64", base64_encode_lines(canonical)};
    std::string qp = quoted_printable_encode(canonical);
    if (how == BodyEncoding::quoted_printable)
        return {"quoted-printable", std::move(qp)};
    std::string b64 = base64_encode_lines(canonical);
    if (qp.size() <= b64.size())
        return {"quoted-printable", std::move(qp)};
    return {"base64", std::move(b64)};
}

void append_part_headers(std::string& out, const char* media_type, const EncodedBody& body) {
    out += "Content-Type: ";
    out += media_type;
    out += "; charset=UTF-8\r\nContent-Transfer-Encoding: ";
    out += body.cte;
    out += "\r\n";
}

} // namespace

std::string format_rfc5322_date(MailTime t) {
    using namespace std::chrono;
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto secs = floor<seconds>(t);
    const auto day = floor<days>(secs);
    const year_month_day ymd{day};
    const weekday wd{day};
    const hh_mm_ss hms{secs - day};
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d +0000", kDays[wd.c_encoding()],
                  static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1],
                  static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
    return buf;
}

std::string format_mailbox(std::string_view name, std::string_view address,
                           std::size_t header_name_length) {
    std::vector<std::string> tokens;
    if (!name.empty()) {
        if (is_atext_phrase(name)) {
            for (auto& w : split_words(name))
                tokens.push_back(std::move(w));
        } else if (detail::is_printable_ascii(name) && name.find('\t') == std::string_view::npos) {
            std::string quoted = "\"";
            for (char c : name) {
                if (c == '"' || c == '\\')
                    quoted += '\\';
                quoted += c;
            }
            quoted += '"';
            tokens.push_back(std::move(quoted));
        } else {
            tokens = encode_header_words(name, kFoldWidth - header_name_length - 1);
        }
    }
    tokens.push_back("<" + std::string(address) + ">");
    // fold_tokens() puts a space before the first token; the caller's "From: " has one.
    return fold_tokens(header_name_length - 1, tokens).substr(1);
}

ComposedMessage compose_message(const MailMessage& m, const ComposeOptions& options) {
    ComposedMessage result;
    if (auto ec = validate_message(m, result.detail)) {
        result.ec = ec;
        return result;
    }
    if (!m.date || m.message_id.empty()) {
        result.ec = error::invalid_message;
        result.detail = "date and message_id must be set (fill_defaults)";
        return result;
    }

    std::string& out = result.bytes;
    out.reserve(m.text_body.size() * 2 + (m.html_body ? m.html_body->size() * 2 : 0) + 1024);
    out += "Date: " + format_rfc5322_date(*m.date) + "\r\n";
    out += "From: " + format_mailbox(m.from_name, m.from, 6) + "\r\n";
    out += "To: " + format_mailbox(m.to_name, m.to, 4) + "\r\n";
    if (!m.reply_to.empty())
        out += "Reply-To: <" + m.reply_to + ">\r\n";
    out += unstructured_header("Subject", m.subject);
    out += "Message-ID: " + m.message_id + "\r\n";
    if (!options.user_agent.empty() && detail::is_printable_ascii(options.user_agent))
        out += "User-Agent: " + options.user_agent + "\r\n";
    out += "MIME-Version: 1.0\r\n";

    const EncodedBody text = encode_body(m.text_body, options.text_encoding);
    if (!m.html_body) {
        append_part_headers(out, "text/plain", text);
        out += "\r\n";
        out += text.text;
        return result;
    }

    const EncodedBody html = encode_body(*m.html_body, options.html_encoding);
    const std::string boundary = options.boundary.empty() ? random_boundary() : options.boundary;
    out += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n";
    out += "\r\n";
    out += "This is a multi-part message in MIME format.\r\n";
    // RFC 2046 §5.1.4: alternatives in increasing faithfulness, so HTML last.
    out += "\r\n--" + boundary + "\r\n";
    append_part_headers(out, "text/plain", text);
    out += "\r\n";
    out += text.text;
    out += "\r\n--" + boundary + "\r\n";
    append_part_headers(out, "text/html", html);
    out += "\r\n";
    out += html.text;
    out += "\r\n--" + boundary + "--\r\n";
    return result;
}

} // namespace pms::host::mail
