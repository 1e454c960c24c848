// Sign-in session tokens: 256 random bits in the cookie, only their hash in the database, so
// that a copy of the database cannot be replayed as a session.
#pragma once

#include <string>
#include <string_view>

namespace pms::host::auth {

/// 32 random bytes as 64 lower-case hex digits.
[[nodiscard]] std::string new_session_token();

/// Hex of BLAKE2b-256 of `token`; what the storage keeps.
[[nodiscard]] std::string session_token_hash(std::string_view token);

/// A token as new_session_token() writes it (64 hex digits); anything else is never looked up.
[[nodiscard]] bool plausible_session_token(std::string_view token) noexcept;

} // namespace pms::host::auth
