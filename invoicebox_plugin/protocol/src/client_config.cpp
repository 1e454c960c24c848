// ClientConfig helpers: base URL parsing (Boost.URL), flavour names, User-Agent.
#include "invoicebox/protocol/client_config.hpp"

#include "invoicebox/protocol/signature.hpp"

#include <pms/boost_impl/url_guard.hpp>

#include <boost/url/parse.hpp>

#include <cctype>

namespace invoicebox::protocol {

namespace {

std::string sanitize_token(std::string_view s) {
    std::string out;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f)
            continue;
        out += c == ' ' ? '-' : c;
    }
    return out;
}

bool has_ctl(std::string_view s) noexcept {
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f)
            return true;
    }
    return false;
}

} // namespace

std::string_view path_prefix(ApiFlavour f) noexcept {
    return f == ApiFlavour::l3 ? "/l3" : "/v3";
}

std::optional<ApiFlavour> flavour_from_string(std::string_view s) noexcept {
    if (iequals(s, "v3"))
        return ApiFlavour::v3;
    if (iequals(s, "l3"))
        return ApiFlavour::l3;
    return std::nullopt;
}

std::string make_user_agent(const UserAgentParts& p) {
    std::string ua = sanitize_token(p.app_name) + "/" + sanitize_token(p.app_version) + " (" +
                     sanitize_token(p.module_name) + " " + sanitize_token(p.module_version) + ")";
    for (const auto& e : p.extra) {
        const auto t = sanitize_token(e);
        if (!t.empty())
            ua += " " + t;
    }
    return ua;
}

std::string BaseUrl::origin() const {
    std::string o = scheme + "://" + host;
    const bool default_port =
        (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
    if (!default_port)
        o += ":" + std::to_string(port);
    return o;
}

Expected<BaseUrl, std::string> parse_base_url(std::string_view url) {
    // "scheme://" first, checked by hand: Boost.URL 1.81 trips an assertion (an abort in a
    // build with asserts) on a scheme followed by a rootless path it must refuse, such as
    // "htIp:]" (found by tests/fuzz, target settings). A base URL without an authority is
    // refused anyway.
    if (!pms::boost_impl::starts_with_scheme_and_authority(url))
        return unexpected(std::string("not an absolute URL: it must start with https:// or http://"));
    auto r = boost::urls::parse_absolute_uri(url);
    if (!r)
        return unexpected(std::string("not an absolute URL: ") + r.error().message());
    const auto& u = *r;
    BaseUrl b;
    b.scheme = std::string(u.scheme());
    for (auto& c : b.scheme)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (b.scheme != "https" && b.scheme != "http")
        return unexpected(std::string("scheme must be http or https"));
    if (!u.has_authority() || u.encoded_host().empty())
        return unexpected(std::string("URL has no host"));
    if (u.has_userinfo())
        return unexpected(std::string("URL must not carry user info"));
    if (u.has_query() || u.has_fragment())
        return unexpected(std::string("URL must not have a query or fragment"));
    b.host = std::string(u.encoded_host_and_port().substr(0, u.encoded_host().size()));
    if (u.has_port()) {
        const auto n = u.port_number();
        if (n == 0)
            return unexpected(std::string("bad port"));
        b.port = n;
    } else {
        b.port = b.scheme == "https" ? 443 : 80;
    }
    std::string path(u.encoded_path());
    // After an authority a path starts with '/'. Boost.URL 1.81 reads "http://127.0.0.1.evil.example"
    // as host 127.0.0.1 and path ".evil.example": refuse that rather than guess which host was meant.
    if (!path.empty() && path.front() != '/')
        return unexpected(std::string("URL has an invalid host"));
    while (!path.empty() && path.back() == '/')
        path.pop_back();
    b.path_prefix = path;
    return b;
}

std::optional<std::string> validate(const ClientConfig& c) {
    if (auto b = parse_base_url(c.base_url); !b)
        return "base URL: " + b.error();
    if (c.token.empty())
        return std::string("API token is empty");
    if (has_ctl(c.token) || c.token.find(' ') != std::string::npos)
        return std::string("API token contains spaces or control characters");
    if (has_ctl(c.user_agent))
        return std::string("User-Agent contains control characters");
    return std::nullopt;
}

} // namespace invoicebox::protocol
