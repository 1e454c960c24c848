// parse_smtp_config(): the SMTP setting string → SmtpConfig.
#include <pms/host/mail/error.hpp>
#include <pms/host/mail/smtp_config.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "hex_digit.hpp"

namespace pms::host::mail {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

using detail::hex_value;

std::optional<std::string> percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size())
            return std::nullopt;
        const int hi = hex_value(s[i + 1]);
        const int lo = hex_value(s[i + 2]);
        if (hi < 0 || lo < 0)
            return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

bool has_control(std::string_view s) noexcept {
    return std::any_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

// "500ms", "10s", "10" (seconds).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view s) {
    long long scale = 1000;
    if (s.ends_with("ms")) {
        scale = 1;
        s.remove_suffix(2);
    } else if (s.ends_with("s")) {
        s.remove_suffix(1);
    }
    long long v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || s.empty() || v <= 0 ||
        v > 24LL * 3600 * 1000 / scale)
        return std::nullopt;
    return std::chrono::milliseconds(v * scale);
}

std::optional<bool> parse_flag(std::string_view s) {
    const auto v = lower(s);
    if (v == "1" || v == "true" || v == "yes" || v == "on")
        return true;
    if (v == "0" || v == "false" || v == "no" || v == "off")
        return false;
    return std::nullopt;
}

bool is_host_name(std::string_view h) noexcept {
    if (h.empty() || h.size() > 253)
        return false;
    return std::all_of(h.begin(), h.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
    });
}

bool is_ipv6_literal(std::string_view h) noexcept {
    if (h.empty() || h.find(':') == std::string_view::npos)
        return false;
    return std::all_of(h.begin(), h.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
    });
}

// A key for an error text: only when it looks like one. A '?' inside an unencoded password
// would make the rest of the password look like a query key, which must not be echoed.
std::string printable_key(std::string_view key) {
    const bool plain = !key.empty() && key.size() <= 32 &&
                       std::all_of(key.begin(), key.end(),
                                   [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
    return plain ? "'" + std::string(key) + "'" : std::string("(not shown)");
}

SmtpConfigParse fail(std::string detail) {
    SmtpConfigParse r;
    r.ec = error::invalid_config;
    r.detail = std::move(detail);
    return r;
}

} // namespace

bool is_loopback_host(std::string_view host) noexcept {
    if (host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1")
        return true;
    return host.starts_with("127.") && std::all_of(host.begin(), host.end(), [](char c) {
               return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
           });
}

std::error_code SmtpConfig::validate(std::string& detail) const {
    detail.clear();
    auto bad = [&](std::string text) {
        detail = std::move(text);
        return std::error_code(error::invalid_config);
    };
    if (!is_host_name(host) && !is_ipv6_literal(host))
        return bad("the host is missing or invalid");
    if (port == 0)
        return bad("the port must be 1-65535");
    if (from.empty() || from.find('@') == std::string::npos || has_control(from) ||
        from.find_first_of(" <>\"") != std::string::npos)
        return bad("from is not a valid address");
    if (has_control(from_name))
        return bad("from_name holds a control character");
    if (has_control(username) || has_control(password))
        return bad("the user name or password holds a control character");
    if (username.empty() && !password.empty())
        return bad("a password needs a user name");
    if (!helo_domain.empty() && !is_host_name(helo_domain))
        return bad("the EHLO domain is not a host name");
    if (connect_timeout.count() <= 0 || total_timeout.count() <= 0)
        return bad("timeouts must be positive");
    const bool encrypted = tls == Tls::starttls_required || tls == Tls::implicit;
    if (!username.empty() && !encrypted && !allow_plain_auth && !is_loopback_host(host))
        return bad("the password would cross the network unencrypted: use starttls=required or "
                   "smtps://, or set allow_plain_auth=1");
    return {};
}

std::string SmtpConfig::describe() const {
    std::string s = tls == Tls::implicit ? "smtps://" : "smtp://";
    if (!username.empty())
        s += username + "@";
    s += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    s += ":" + std::to_string(port);
    switch (tls) {
    case Tls::none:
        s += " (plain)";
        break;
    case Tls::starttls_optional:
        s += " (STARTTLS when offered)";
        break;
    case Tls::starttls_required:
        s += " (STARTTLS required)";
        break;
    case Tls::implicit:
        s += " (TLS)";
        break;
    }
    return s;
}

SmtpConfigParse parse_smtp_config(std::string_view url) {
    SmtpConfigParse result;
    SmtpConfig& c = result.config;

    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos)
        return fail("the setting must start with smtp:// or smtps://");
    const auto scheme = lower(url.substr(0, scheme_end));
    if (scheme == "smtp") {
        c.tls = SmtpConfig::Tls::starttls_optional;
        c.port = 25;
    } else if (scheme == "smtps") {
        c.tls = SmtpConfig::Tls::implicit;
        c.port = 465;
    } else {
        return fail("unsupported scheme '" + scheme + "' (smtp or smtps)");
    }
    std::string_view rest = url.substr(scheme_end + 3);
    if (const auto hash = rest.find('#'); hash != std::string_view::npos)
        return fail("a '#' fragment is not allowed (percent-encode it as %23)");

    std::string_view query;
    if (const auto q = rest.find('?'); q != std::string_view::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    std::string_view path;
    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
        path = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
    }

    // Authority: the user name may itself be an address, so the userinfo ends at the last '@'.
    std::string_view hostport = rest;
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
        const auto userinfo = rest.substr(0, at);
        hostport = rest.substr(at + 1);
        const auto colon = userinfo.find(':');
        auto user = percent_decode(userinfo.substr(0, colon));
        if (!user)
            return fail("the user name is not valid percent-encoding");
        c.username = std::move(*user);
        if (colon != std::string_view::npos) {
            auto pass = percent_decode(userinfo.substr(colon + 1));
            if (!pass)
                return fail("the password is not valid percent-encoding");
            c.password = std::move(*pass);
        }
        if (c.username.empty())
            return fail("the user name is empty");
    }

    std::string_view port_text;
    if (hostport.starts_with('[')) {
        const auto close = hostport.find(']');
        if (close == std::string_view::npos)
            return fail("unterminated IPv6 address");
        c.host = std::string(hostport.substr(1, close - 1));
        const auto after = hostport.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':')
                return fail("unexpected text after the IPv6 address");
            port_text = after.substr(1);
        }
        if (!is_ipv6_literal(c.host))
            return fail("invalid IPv6 address");
    } else {
        const auto colon = hostport.rfind(':');
        c.host = std::string(hostport.substr(0, colon));
        if (colon != std::string_view::npos)
            port_text = hostport.substr(colon + 1);
        if (!is_host_name(c.host))
            return fail("the host is missing or invalid");
    }
    if (!port_text.empty()) {
        unsigned v = 0;
        const auto* end = port_text.data() + port_text.size();
        const auto [p, ec] = std::from_chars(port_text.data(), end, v);
        if (ec != std::errc{} || p != end || v == 0 || v > 65535)
            return fail("the port must be 1-65535");
        c.port = static_cast<std::uint16_t>(v);
    }

    if (!path.empty()) {
        auto helo = percent_decode(path);
        if (!helo)
            return fail("the EHLO domain is not valid percent-encoding");
        c.helo_domain = std::move(*helo);
    }

    bool starttls_given = false;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto item = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (item.empty())
            continue;
        const auto eq = item.find('=');
        const auto key = lower(item.substr(0, eq));
        auto value_opt =
            percent_decode(eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1));
        if (!value_opt)
            return fail("the value of " + printable_key(key) + " is not valid percent-encoding");
        const std::string value = std::move(*value_opt);

        if (key == "starttls") {
            starttls_given = true;
            if (lower(value) == "required") {
                c.tls = SmtpConfig::Tls::starttls_required;
            } else if (lower(value) == "optional") {
                c.tls = SmtpConfig::Tls::starttls_optional;
            } else if (auto f = parse_flag(value)) {
                c.tls = *f ? SmtpConfig::Tls::starttls_optional : SmtpConfig::Tls::none;
            } else {
                return fail("starttls must be 0, 1 or required");
            }
        } else if (key == "from") {
            c.from = value;
        } else if (key == "from_name") {
            c.from_name = value;
        } else if (key == "ca_file") {
            c.ca_file = value;
        } else if (key == "helo") {
            c.helo_domain = value;
        } else if (key == "connect_timeout" || key == "timeout") {
            auto d = parse_duration(value);
            if (!d)
                return fail(key + " must be a positive duration such as 10s or 500ms");
            (key == "timeout" ? c.total_timeout : c.connect_timeout) = *d;
        } else if (key == "allow_plain_auth") {
            auto f = parse_flag(value);
            if (!f)
                return fail("allow_plain_auth must be 0 or 1");
            c.allow_plain_auth = *f;
        } else {
            return fail("unknown setting " + printable_key(key) +
                        " (characters such as @ : / ? # in a password must be percent-encoded)");
        }
    }
    if (starttls_given && scheme == "smtps")
        return fail("starttls does not apply to smtps:// (TLS from connect)");

    if (auto ec = c.validate(result.detail)) {
        result.ec = ec;
        result.config = SmtpConfig{};
    }
    return result;
}

} // namespace pms::host::mail
