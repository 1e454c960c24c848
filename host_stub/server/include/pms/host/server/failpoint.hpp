// Named crash points for the crash tests (architecture §7: kill at a named step, never at
// random). The environment variable PMS_FAILPOINT holds a comma-separated list of names;
// reaching a listed name makes the process raise(SIGKILL) there (a pause point instead holds
// the thread for the entry's "=MS"). Unset (production) the check is one getenv. Header-only so
// that any host library can place failpoints without a link dependency; the names in use are
// listed in host_stub/API.md.
#pragma once

#include <algorithm>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string_view>
#include <thread>

namespace pms::host {

/// `name`'s entry in PMS_FAILPOINT: whether it is listed, and its option ("name=300" gives
/// "300", "name" gives "").
struct FailpointEntry {
    bool armed = false;
    std::string_view option;
};

[[nodiscard]] inline FailpointEntry failpoint_entry(std::string_view name) noexcept {
    const char* spec = std::getenv("PMS_FAILPOINT");
    if (spec == nullptr || *spec == '\0')
        return {};
    std::string_view rest{spec};
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string_view entry = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        std::string_view option;
        if (const auto eq = entry.find('='); eq != std::string_view::npos) {
            option = entry.substr(eq + 1);
            entry = entry.substr(0, eq);
        }
        if (entry == name)
            return {true, option};
    }
    return {};
}

/// True when `name` is listed in PMS_FAILPOINT (entries may carry "=..." options, ignored here).
[[nodiscard]] inline bool failpoint_armed(std::string_view name) noexcept {
    return failpoint_entry(name).armed;
}

/// Kills the process with SIGKILL when `name` is armed: no destructor, no flush, no reply —
/// exactly what a power cut at this step looks like to the data folder and to the peer.
inline void failpoint(std::string_view name) noexcept {
    if (failpoint_armed(name))
        std::raise(SIGKILL);
}

/// Holds the calling thread for "name=MS" milliseconds (at most 10 s) when `name` is armed: a
/// start-up or shutdown window that is microseconds wide in production, held open so that a
/// test can send its requests into it deterministically. Never placed on a request's path.
inline void failpoint_pause(std::string_view name) noexcept {
    const auto entry = failpoint_entry(name);
    if (!entry.armed)
        return;
    constexpr long max_ms = 10'000;
    long ms = 0; // no number: no pause
    const auto parsed =
        std::from_chars(entry.option.data(), entry.option.data() + entry.option.size(), ms);
    if (parsed.ec == std::errc::result_out_of_range)
        ms = max_ms;
    std::this_thread::sleep_for(std::chrono::milliseconds{std::clamp(ms, 0L, max_ms)});
}

} // namespace pms::host
