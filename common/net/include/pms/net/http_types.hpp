// Plain value types shared by the HTTP client and server: header lists, case-insensitive
// lookup, and log redaction of secret headers. No Boost or OpenSSL includes here.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pms::net {

// One header field as it appears on the wire (name keeps its original case).
struct Header {
    std::string name;
    std::string value;
    friend bool operator==(const Header&, const Header&) = default;
};

// Header fields in wire order; a name may repeat.
using Headers = std::vector<Header>;

// ASCII case-insensitive equality (header names, schemes, tokens).
bool iequals(std::string_view a, std::string_view b) noexcept;

// The value of the first header named `name` (case-insensitive), or nullopt.
// The view points into `headers` and lives as long as it is not modified.
std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) noexcept;

// A copy of `headers` safe to log: the values of Authorization, Proxy-Authorization and of
// every header named in `secret_names` (case-insensitive) are replaced by "***"; for the two
// Authorization headers the scheme word is kept ("Bearer ***") so that logs stay useful.
Headers redact_for_log(const Headers& headers, std::span<const std::string> secret_names = {});

// Formats headers as "Name: value" items joined by "; ", redacted as
// redact_for_log does. Meant for one-line log records.
std::string format_headers_for_log(const Headers& headers,
                                   std::span<const std::string> secret_names = {});

// Optional log sink used by the client and server. Nothing secret is ever passed to it
// (no header values, no bodies, no query strings). Called from io_context threads: must not block.
enum class LogLevel { debug, info, warning, error };
struct LogRecord {
    LogLevel level;
    std::string_view message;
};

} // namespace pms::net
