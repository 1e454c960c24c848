// See os_text.hpp.
#include "os_text.hpp"

#include <cstdio>
#include <system_error>

namespace pms::host::detail {

std::string errno_text(int e) {
    return std::error_code{e, std::generic_category()}.message();
}

std::string octal_mode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

} // namespace pms::host::detail
