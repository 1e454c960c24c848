// The SQLite schema as an ordered list of migrations; PRAGMA user_version is the number applied.
#pragma once

#include "connection.hpp"

namespace pms::host::sqlite {

/// Identifies our files (PRAGMA application_id), so that another program's database is refused.
inline constexpr std::int64_t application_id = 0x504D5348; // "PMSH"

[[nodiscard]] int latest_schema_version() noexcept;

/// Applies the missing migrations up to `target` (0 = latest), each in its own write
/// transaction, re-reading the version inside it so concurrent openers apply each step once.
/// Returns the version of the database afterwards. Throws schema_too_new / corrupt.
int migrate(Connection& writer, int target);

} // namespace pms::host::sqlite
