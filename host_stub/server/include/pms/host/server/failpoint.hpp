// Named crash points for the crash tests (architecture §7: kill at a named step, never at
// random). The environment variable PMS_FAILPOINT holds a comma-separated list of names;
// reaching a listed name makes the process raise(SIGKILL) there. Unset (production) the check
// is one getenv. Header-only so that any host library can place failpoints without a link
// dependency; the names in use are listed in host_stub/API.md.
#pragma once

#include <csignal>
#include <cstdlib>
#include <string_view>

namespace pms::host {

/// True when `name` is listed in PMS_FAILPOINT (entries may carry "=..." options, ignored here).
[[nodiscard]] inline bool failpoint_armed(std::string_view name) noexcept {
    const char* spec = std::getenv("PMS_FAILPOINT");
    if (spec == nullptr || *spec == '\0')
        return false;
    std::string_view rest{spec};
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string_view entry = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (const auto eq = entry.find('='); eq != std::string_view::npos)
            entry = entry.substr(0, eq);
        if (entry == name)
            return true;
    }
    return false;
}

/// Kills the process with SIGKILL when `name` is armed: no destructor, no flush, no reply —
/// exactly what a power cut at this step looks like to the data folder and to the peer.
inline void failpoint(std::string_view name) noexcept {
    if (failpoint_armed(name))
        std::raise(SIGKILL);
}

} // namespace pms::host
