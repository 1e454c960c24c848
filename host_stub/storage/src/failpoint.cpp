// See failpoint.hpp.
#include "failpoint.hpp"

#include "pms/host/storage/errors.hpp"

#include <charconv>
#include <csignal>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

namespace pms::host::detail {

namespace {

std::mutex hits_mutex;
std::map<std::string, std::uint64_t, std::less<>> hits;

/// How many times `name` has been reached in this process, this time included.
std::uint64_t count_hit(std::string_view name) {
    std::lock_guard lock{hits_mutex};
    auto it = hits.find(name);
    if (it == hits.end())
        it = hits.emplace(std::string{name}, 0).first;
    return ++it->second;
}

} // namespace

void failpoint_reset_counts() noexcept {
    std::lock_guard lock{hits_mutex};
    hits.clear();
}

void failpoint(std::string_view name) {
    const char* spec = std::getenv("PMS_FAILPOINT");
    if (spec == nullptr || *spec == '\0')
        return;
    std::uint64_t hit = 0; // counted once per call, only when the name is listed
    std::string_view rest{spec};
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string_view entry = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        std::uint64_t nth = 0;
        if (const auto hash = entry.find('#'); hash != std::string_view::npos) {
            const auto digits = entry.substr(hash + 1);
            std::from_chars(digits.data(), digits.data() + digits.size(), nth);
            entry = entry.substr(0, hash);
        }
        bool throw_instead = false;
        if (const auto eq = entry.find('='); eq != std::string_view::npos) {
            throw_instead = entry.substr(eq + 1) == "throw";
            entry = entry.substr(0, eq);
        }
        if (entry != name)
            continue;
        if (hit == 0)
            hit = count_hit(name);
        if (nth != 0 && hit != nth)
            continue;
        if (throw_instead)
            throw StorageError{StorageErrc::internal, "failpoint " + std::string{name}};
        std::raise(SIGKILL);
    }
}

} // namespace pms::host::detail
