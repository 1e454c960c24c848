// Named crash points for the crash tests (architecture §7: kill at named failpoints, never at
// random). PMS_FAILPOINT holds a comma-separated list of names; reaching a listed name raises
// SIGKILL, or throws StorageError(internal) when the entry is written "name=throw" (to test
// rollback in-process). A suffix "#N" (e.g. "store.batch.mid=throw#3") arms the entry only for
// the N-th time that name is reached in this process, counting from 1: the store writer reaches
// its store.batch.* points once per batch (never once per group commit), so N counts batches.
// Unset in production: the check is one getenv on write paths only.
#pragma once

#include <string_view>

namespace pms::host::detail {

void failpoint(std::string_view name);

/// Forgets how many times each name was reached, so that "#N" counts from the next hit.
/// For tests that arm a failpoint in-process.
void failpoint_reset_counts() noexcept;

} // namespace pms::host::detail
