// See failpoint.hpp.
#include "failpoint.hpp"

#include "pms/host/storage/errors.hpp"

#include <csignal>
#include <cstdlib>
#include <string>

namespace pms::host::detail {

void failpoint(std::string_view name) {
    const char* spec = std::getenv("PMS_FAILPOINT");
    if (spec == nullptr || *spec == '\0')
        return;
    std::string_view rest{spec};
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string_view entry = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        bool throw_instead = false;
        if (const auto eq = entry.find('='); eq != std::string_view::npos) {
            throw_instead = entry.substr(eq + 1) == "throw";
            entry = entry.substr(0, eq);
        }
        if (entry != name)
            continue;
        if (throw_instead)
            throw StorageError{StorageErrc::internal, "failpoint " + std::string{name}};
        std::raise(SIGKILL);
    }
}

} // namespace pms::host::detail
