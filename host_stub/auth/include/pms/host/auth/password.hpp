// Staff passwords: Argon2id through libsodium's crypto_pwhash_str (salt, limits and algorithm
// encoded in the stored string). A password is never stored, logged or kept longer than the
// call that hashes or checks it.
#pragma once

#include <string>
#include <string_view>

namespace pms::host::auth {

/// Rules a new password must meet; the message is Russian, for the CLI and the UI.
/// Returns an empty string when `password` is acceptable.
[[nodiscard]] std::string password_problem(std::string_view password);

/// The encoded Argon2id hash of `password` (libsodium's interactive limits: 64 MiB, ~0.1 s on
/// 2 cores). Throws std::runtime_error when memory for the hash cannot be had.
[[nodiscard]] std::string hash_password(std::string_view password);

/// True when `password` matches `encoded_hash`. A malformed hash is simply no match.
[[nodiscard]] bool verify_password(const std::string& encoded_hash, std::string_view password);

/// Spends the time a real check would on a hash no password matches, so that an unknown login
/// answers as slowly as a known one with a wrong password.
void verify_against_dummy(std::string_view password);

} // namespace pms::host::auth
