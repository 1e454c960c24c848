// How the storage words operating-system facts in its error messages (file modes, errno), in
// one place for the key file and the data folder.
#pragma once

#include <sys/types.h>

#include <string>

namespace pms::host::detail {

/// The text of errno value `e` ("No such file or directory").
[[nodiscard]] std::string errno_text(int e);

/// A file mode's permission bits as four octal digits ("0640").
[[nodiscard]] std::string octal_mode(mode_t mode);

} // namespace pms::host::detail
