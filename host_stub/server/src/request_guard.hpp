// The checks every request to the staff door must pass before any route sees it
// (issue 8, architecture §8 "Two doors"): the `Host` must be one this host serves (no DNS
// rebinding), and a state-changing request must be JSON from this host's own origin (no
// cross-site form or fetch). The notification door (/hooks/...) skips all of this: it is
// authenticated by the plugin's signature check alone.
#pragma once

#include <pms/net/http_server.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pms::host::server {

/// "host" or "host:port" of a URL authority or a Host header, lower-cased; the port is
/// nullopt when absent.
struct Authority {
    std::string host;
    std::optional<std::uint16_t> port;
};

/// Parses "example.com", "example.com:8080", "[::1]:80". nullopt when malformed.
[[nodiscard]] std::optional<Authority> parse_authority(std::string_view text);

class RequestGuard {
  public:
    /// `served` are the authorities this host answers to (see served_authorities()).
    explicit RequestGuard(std::vector<Authority> served);

    /// What a host listening on `address`:`port` with `public_url` (may be empty) and the
    /// extra names `extra` ("name" or "name:port") serves: the listen address (or, for a
    /// loopback or wildcard address, localhost, 127.0.0.1 and [::1]) at the port, and the
    /// public URL's authority.
    [[nodiscard]] static std::vector<Authority>
    served_authorities(const std::string& address, std::uint16_t port,
                       const std::string& public_url, const std::vector<std::string>& extra);

    /// 421 `unknown_host` when the Host header names no served authority (or is missing).
    [[nodiscard]] std::optional<net::Response> check_host(const net::Request& request) const;

    /// For POST, PUT, PATCH and DELETE: 415 unless `Content-Type: application/json`, 403
    /// `bad_origin` unless `Origin` (or, without it, `Referer`) is this host's own origin as
    /// the Host header names it.
    [[nodiscard]] std::optional<net::Response>
    check_state_change(const net::Request& request) const;

    [[nodiscard]] static bool changes_state(std::string_view method) noexcept;

    [[nodiscard]] const std::vector<Authority>& served() const noexcept { return served_; }

  private:
    [[nodiscard]] bool serves(const Authority& a) const;

    std::vector<Authority> served_;
};

} // namespace pms::host::server
