// SmtpConfig: where and how the host sends mail over SMTP, read from one URL-like setting:
//
//   smtp://[user[:password]@]host[:port][/helo-domain][?key=value&...]
//   smtps://...                                   (TLS from the first byte, port 465)
//
// User, password and values are percent-decoded ("%40" for '@'; '+' stays '+'). Keys:
//   starttls=0|1|required   smtp:// only: 0 plain, 1 STARTTLS when offered (the default),
//                           required: refuse to send unless STARTTLS succeeds
//   from=addr, from_name=text  the default sender of host mail
//   ca_file=/path           trust these CA certificates (PEM) instead of the system store
//   connect_timeout=10s, timeout=60s   connect (+TLS +greeting) and whole-exchange bounds;
//                                      "500ms", "10s" or plain seconds
//   allow_plain_auth=1      allow a password over an unencrypted connection to a host that is
//                           not loopback (refused by default)
// Example: smtp://user:pass@127.0.0.1:1025?starttls=0&from=pms@hotel.example
//
// The password is a secret: describe(), every error detail and every log line leave it out.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace pms::host::mail {

struct SmtpConfig {
    enum class Tls {
        none,              // plain SMTP
        starttls_optional, // STARTTLS when the server offers it, else plain
        starttls_required, // STARTTLS or no mail (error::tls_unavailable)
        implicit,          // smtps://: TLS from connect
    };

    std::string host; // name or IP address (IPv6 without brackets)
    std::uint16_t port = 25;
    Tls tls = Tls::starttls_optional;
    std::string username;                    // empty = no AUTH
    std::string password;                    // secret
    std::string helo_domain;                 // EHLO argument; empty = libcurl's default
    std::string from = "pms-host@localhost"; // default sender address
    std::string from_name;                   // default sender display name
    std::filesystem::path ca_file;           // empty = the system trust store
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds total_timeout{std::chrono::seconds(60)};
    bool allow_plain_auth = false;

    // Checks the combination: a host, a plausible sender, timeouts > 0, TLS settings that make
    // sense, and no password over plain text to a non-loopback host unless allow_plain_auth.
    // Returns error::invalid_config with a detail that names the problem (never the password).
    [[nodiscard]] std::error_code validate(std::string& detail) const;

    // The setting without the password, e.g. "smtp://user@127.0.0.1:1025 (plain)".
    [[nodiscard]] std::string describe() const;
};

struct SmtpConfigParse {
    std::error_code ec; // empty, or error::invalid_config
    std::string detail; // what is wrong (key names, never the password)
    SmtpConfig config;  // valid when !ec
};

// Parses and validates a setting as described above.
[[nodiscard]] SmtpConfigParse parse_smtp_config(std::string_view url);

// True for "localhost", 127.0.0.0/8 and ::1.
[[nodiscard]] bool is_loopback_host(std::string_view host) noexcept;

} // namespace pms::host::mail
