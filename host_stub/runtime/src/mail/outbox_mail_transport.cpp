// OutboxMailTransport and the RFC 5322 / RFC 2045-2047 formatting of a message.
#include <pms/host/runtime/mail_transport.hpp>

#include <openssl/rand.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <system_error>
#include <unistd.h>

namespace pms::host {
namespace {

constexpr char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                           (static_cast<unsigned char>(in[i + 1]) << 8) |
                           static_cast<unsigned char>(in[i + 2]);
        out += b64_alphabet[(v >> 18) & 63];
        out += b64_alphabet[(v >> 12) & 63];
        out += b64_alphabet[(v >> 6) & 63];
        out += b64_alphabet[v & 63];
    }
    if (i + 1 == in.size()) {
        const unsigned v = static_cast<unsigned char>(in[i]) << 16;
        out += b64_alphabet[(v >> 18) & 63];
        out += b64_alphabet[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == in.size()) {
        const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                           (static_cast<unsigned char>(in[i + 1]) << 8);
        out += b64_alphabet[(v >> 18) & 63];
        out += b64_alphabet[(v >> 12) & 63];
        out += b64_alphabet[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

// Base64 in lines of 76 characters (RFC 2045), CRLF-terminated.
std::string base64_body(std::string_view in) {
    const std::string b = base64(in);
    std::string out;
    for (std::size_t i = 0; i < b.size(); i += 76)
        out.append(b, i, 76).append("\r\n");
    return out;
}

bool printable_ascii(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 || c > 0x7E)
            return false;
    return true;
}

// A display name as a quoted-string or encoded words, then the address.
std::string mailbox(const std::string& name, const std::string& address) {
    if (name.empty())
        return address;
    std::string shown;
    if (printable_ascii(name)) {
        shown = "\"";
        for (char c : name) {
            if (c == '"' || c == '\\')
                shown += '\\';
            shown += c;
        }
        shown += '"';
    } else {
        shown = encode_header_words(name);
    }
    return shown + " <" + address + ">";
}

std::string hex_random(std::size_t bytes) {
    std::string raw(bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
        static std::atomic<std::uint64_t> fallback{0x9e3779b97f4a7c15ULL};
        for (auto& c : raw)
            c = static_cast<char>(fallback.fetch_add(0x9e3779b97f4a7c15ULL) >> 56);
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

std::string rfc5322_date(UtcTime t) {
    using namespace std::chrono;
    static constexpr const char* wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* mn[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const weekday w{day};
    const hh_mm_ss<seconds> time{floor<seconds>(t - day)};
    char text[64];
    std::snprintf(text, sizeof text, "%s, %02u %s %04d %02d:%02d:%02d +0000", wd[w.c_encoding()],
                  static_cast<unsigned>(ymd.day()), mn[static_cast<unsigned>(ymd.month()) - 1],
                  static_cast<int>(ymd.year()), static_cast<int>(time.hours().count()),
                  static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));
    return text;
}

// Normalises line ends to CRLF.
std::string crlf(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            out += "\r\n";
            if (i + 1 < text.size() && text[i + 1] == '\n')
                ++i;
        } else if (text[i] == '\n') {
            out += "\r\n";
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string part(const char* type, std::string_view body) {
    return std::string{"Content-Type: "} + type +
           "; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64_body(crlf(body));
}

} // namespace

std::string encode_header_words(const std::string& text) {
    if (printable_ascii(text))
        return text;
    // Each word: "=?UTF-8?B?" + base64 + "?=" <= 75 chars -> at most 45 bytes of input per word.
    constexpr std::size_t max_bytes = 45;
    std::string out;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = std::min(text.size(), at + max_bytes);
        // Never split a UTF-8 character: back off to a lead byte.
        while (end < text.size() && end > at &&
               (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
            --end;
        if (end == at)
            end = std::min(text.size(), at + max_bytes);
        if (!out.empty())
            out += "\r\n ";
        out += "=?UTF-8?B?" + base64(std::string_view{text}.substr(at, end - at)) + "?=";
        at = end;
    }
    return out;
}

std::string format_rfc5322(const MailMessage& m, UtcTime now, const std::string& message_id) {
    std::string out;
    out += "Date: " + rfc5322_date(now) + "\r\n";
    out += "From: " + mailbox(m.from_name, m.from) + "\r\n";
    out += "To: " + mailbox(m.to_name, m.to) + "\r\n";
    if (!m.reply_to.empty())
        out += "Reply-To: " + m.reply_to + "\r\n";
    out += "Subject: " + encode_header_words(m.subject) + "\r\n";
    out += "Message-ID: <" + message_id + ">\r\n";
    out += "MIME-Version: 1.0\r\n";
    if (!m.plugin_id.empty())
        out += "X-PMS-Plugin: " + m.plugin_id + "; property=" + m.property_id + "\r\n";
    if (m.html_body.empty()) {
        out += part("text/plain", m.text_body);
    } else {
        const std::string boundary = "=_pms_" + hex_random(12);
        out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
        out += "This is a multi-part message in MIME format.\r\n";
        out += "--" + boundary + "\r\n" + part("text/plain", m.text_body);
        out += "--" + boundary + "\r\n" + part("text/html", m.html_body);
        out += "--" + boundary + "--\r\n";
    }
    return out;
}

OutboxMailTransport::OutboxMailTransport(std::filesystem::path outbox_dir, const Clock& clock)
    : dir_{std::move(outbox_dir)}, clock_{clock} {}

void OutboxMailTransport::send(MailMessage message,
                               std::function<void(MailSendResult)> done) noexcept {
    MailSendResult result;
    int fd = -1;
    std::filesystem::path tmp;
    try {
        static std::atomic<std::uint64_t> counter{0};
        std::filesystem::create_directories(dir_);
        const UtcTime now = clock_.now();
        const std::string stem = std::to_string(to_utc_ms(now)) + "-" +
                                 std::to_string(counter.fetch_add(1)) + "-" + hex_random(4);
        const std::string domain = message.from.substr(message.from.find('@') + 1);
        const std::string text = format_rfc5322(message, now, stem + "@" + domain);
        tmp = dir_ / (".tmp-" + stem);
        const std::filesystem::path final_path = dir_ / (stem + ".eml");
        fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
        if (fd < 0)
            throw std::system_error(errno, std::generic_category(), "open");
        std::size_t written = 0;
        while (written < text.size()) {
            const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                throw std::system_error(errno, std::generic_category(), "write");
            }
            written += static_cast<std::size_t>(n);
        }
        if (::fsync(fd) != 0)
            throw std::system_error(errno, std::generic_category(), "fsync");
        ::close(fd);
        fd = -1;
        std::filesystem::rename(tmp, final_path);
        // Make the rename durable too.
        const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            ::fsync(dfd);
            ::close(dfd);
        }
        result.status = PMS_OK;
    } catch (const std::exception& e) {
        if (fd >= 0)
            ::close(fd);
        std::error_code ec;
        if (!tmp.empty())
            std::filesystem::remove(tmp, ec);
        result.status = PMS_UNAVAILABLE; // mail.h has no storage error
        result.detail = std::string{"outbox: "} + e.what();
    }
    try {
        done(std::move(result));
    } catch (...) {
    }
}

} // namespace pms::host
