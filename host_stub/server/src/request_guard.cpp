// See request_guard.hpp.
#include "request_guard.hpp"

#include "json_response.hpp"

#include <charconv>

namespace pms::host::server {
namespace {

std::string lower(std::string_view text) {
    std::string out{text};
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool is_loopback_or_wildcard(std::string_view address) {
    return address == "0.0.0.0" || address == "::" || address == "::1" ||
           address == "localhost" || address.substr(0, 4) == "127.";
}

// The scheme and authority of an absolute URL ("https://a.b:8443/x" -> "https", "a.b:8443").
std::optional<std::pair<std::string, std::string_view>> split_url(std::string_view url) {
    const auto sep = url.find("://");
    if (sep == std::string_view::npos || sep == 0)
        return std::nullopt;
    std::string scheme = lower(url.substr(0, sep));
    std::string_view rest = url.substr(sep + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (rest.find('@') != std::string_view::npos)
        return std::nullopt; // userinfo has no place in an origin
    return std::pair{std::move(scheme), rest};
}

std::uint16_t default_port(std::string_view scheme) {
    return scheme == "https" ? 443 : 80;
}

} // namespace

std::optional<Authority> parse_authority(std::string_view text) {
    if (text.empty() || text.size() > 255)
        return std::nullopt;
    Authority a;
    std::string_view host = text;
    std::string_view port;
    if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos)
            return std::nullopt;
        host = text.substr(0, close + 1);
        const auto after = text.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':')
                return std::nullopt;
            port = after.substr(1);
        }
    } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    if (host.empty())
        return std::nullopt;
    for (const char c : host)
        if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '\\' || c == '@' ||
            c == '?' || c == '#')
            return std::nullopt;
    a.host = lower(host);
    if (!port.empty()) {
        unsigned value = 0;
        const auto r = std::from_chars(port.data(), port.data() + port.size(), value);
        if (r.ec != std::errc{} || r.ptr != port.data() + port.size() || value == 0 ||
            value > 65535)
            return std::nullopt;
        a.port = static_cast<std::uint16_t>(value);
    }
    return a;
}

RequestGuard::RequestGuard(std::vector<Authority> served) : served_{std::move(served)} {}

std::vector<Authority> RequestGuard::served_authorities(const std::string& address,
                                                        std::uint16_t port,
                                                        const std::string& public_url,
                                                        const std::vector<std::string>& extra) {
    std::vector<Authority> out;
    if (is_loopback_or_wildcard(address)) {
        for (const char* name : {"localhost", "127.0.0.1", "[::1]"})
            out.push_back({name, port});
    }
    if (address != "0.0.0.0" && address != "::") {
        const std::string host = address.find(':') != std::string::npos ? "[" + address + "]"
                                                                         : address;
        out.push_back({lower(host), port});
    }
    if (auto url = split_url(public_url))
        if (auto a = parse_authority(url->second)) {
            if (!a->port)
                a->port = default_port(url->first);
            out.push_back(*a);
        }
    for (const auto& name : extra)
        if (auto a = parse_authority(name)) {
            if (!a->port)
                a->port = port;
            out.push_back(*a);
        }
    return out;
}

bool RequestGuard::serves(const Authority& a) const {
    for (const auto& s : served_) {
        if (s.host != a.host)
            continue;
        // A Host header without a port came through the scheme's default port (a proxy).
        if (!a.port ? (s.port == 80 || s.port == 443) : s.port == a.port)
            return true;
    }
    return false;
}

bool RequestGuard::changes_state(std::string_view method) noexcept {
    return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

std::optional<net::Response> RequestGuard::check_host(const net::Request& request) const {
    const auto header = request.header("Host");
    const auto authority = header ? parse_authority(*header) : std::nullopt;
    if (authority && serves(*authority))
        return std::nullopt;
    auto response = json_error(421, "unknown_host",
                               "This host does not serve that name; use its configured address");
    response.close_connection = true;
    return response;
}

std::optional<net::Response> RequestGuard::check_state_change(const net::Request& request) const {
    if (!changes_state(request.method))
        return std::nullopt;
    const auto type = request.header("Content-Type");
    const std::string media = type ? lower(type->substr(0, type->find(';'))) : std::string{};
    std::string_view trimmed = media;
    while (!trimmed.empty() && trimmed.back() == ' ')
        trimmed.remove_suffix(1);
    if (trimmed != "application/json")
        return json_error(415, "unsupported_media_type",
                          "State-changing requests must send Content-Type: application/json");

    // Referer only stands in for a missing Origin: "Origin: null" (an opaque origin — a
    // sandboxed frame, a data: URL, a cross-site redirect) is an answer, and a foreign one.
    std::optional<std::string_view> origin = request.header("Origin");
    if (!origin)
        origin = request.header("Referer");
    const auto url = origin ? split_url(*origin) : std::nullopt;
    const auto from = url ? parse_authority(url->second) : std::nullopt;
    const auto host_header = request.header("Host");
    const auto host = host_header ? parse_authority(*host_header) : std::nullopt;
    bool same = false;
    if (from && host && (url->first == "http" || url->first == "https") &&
        from->host == host->host) {
        const std::uint16_t from_port = from->port.value_or(default_port(url->first));
        same = host->port ? *host->port == from_port : true;
    }
    if (!same)
        return json_error(403, "bad_origin",
                          "The request does not come from this host's own pages (Origin)");
    return std::nullopt;
}

} // namespace pms::host::server
