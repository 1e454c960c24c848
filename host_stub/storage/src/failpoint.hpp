// Named crash points for the crash tests (architecture §7: kill at named failpoints, never at
// random). PMS_FAILPOINT holds a comma-separated list of names; reaching a listed name raises
// SIGKILL, or throws StorageError(internal) when the entry is written "name=throw" (to test
// rollback in-process). Unset in production: the check is one getenv on write paths only.
#pragma once

#include <string_view>

namespace pms::host::detail {

void failpoint(std::string_view name);

} // namespace pms::host::detail
