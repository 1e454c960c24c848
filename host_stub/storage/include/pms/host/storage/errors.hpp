// Failures of the storage itself (I/O, locking, corruption) and misuse (unknown ids, invalid
// arguments). These are thrown as `StorageError`; business outcomes such as an idempotent repeat
// or a conflicting payment are ordinary return values of the operations that produce them.
#pragma once

#include <stdexcept>
#include <string>
#include <system_error>

namespace pms::host {

enum class StorageErrc {
    busy = 1,         ///< the database stayed locked longer than the busy timeout
    io,               ///< the file could not be opened, read or written
    corrupt,          ///< the file is not a database or is damaged
    full,             ///< disk full
    schema_too_new,   ///< the file was written by a newer host; refusing to touch it
    not_found,        ///< a referenced row (folio, property, category...) does not exist
    already_exists,   ///< a uniqueness rule would be broken
    invalid_argument, ///< a value is malformed (empty key, bad currency, invalid JSON...)
    folio_closed,     ///< the folio is closed to new lines
    internal,         ///< anything else the backend reported
};

[[nodiscard]] const std::error_category& storage_category() noexcept;

[[nodiscard]] inline std::error_code make_error_code(StorageErrc e) noexcept {
    return {static_cast<int>(e), storage_category()};
}

/// Thrown by every storage operation that cannot complete. `code()` is a `StorageErrc`.
class StorageError : public std::system_error {
  public:
    StorageError(StorageErrc e, const std::string& what)
        : std::system_error{make_error_code(e), what} {}
    [[nodiscard]] StorageErrc errc() const noexcept {
        return static_cast<StorageErrc>(code().value());
    }
};

} // namespace pms::host

template <>
struct std::is_error_code_enum<pms::host::StorageErrc> : std::true_type {};
