// Staff accounts and their sign-in sessions: who may use the host's web UI and API. The host
// vouches for the staff member a plugin sees (view events, audit actors) from these records
// alone; nothing a client declares about itself is believed.
//
// Passwords arrive here already hashed (Argon2id, `pms/host/auth/password.hpp`): the storage
// never sees a password in clear. Session tokens arrive hashed too, so a copy of the database
// does not let anyone sign in.
#pragma once

#include "pms/host/storage/clock.hpp"
#include "pms/host/storage/ids.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pms::host {

using StaffUserId = Id<struct StaffUserTag>;

/// The roles of architecture §8. What each may do is the server's permission table.
enum class StaffRole { admin, front_desk, accountant };

/// "admin", "front_desk", "accountant".
[[nodiscard]] const char* to_string(StaffRole role) noexcept;
/// The role named `text` (the to_string names), or nullopt.
[[nodiscard]] std::optional<StaffRole> parse_staff_role(std::string_view text) noexcept;

struct StaffUser {
    StaffUserId id;
    std::string login; ///< unique, as typed at creation (compared exactly)
    std::string name;  ///< shown in the UI and recorded as the audit actor's name
    StaffRole role = StaffRole::front_desk;
    bool disabled = false;
    UtcTime created_at{};
};

struct StaffUserDraft {
    std::string login;
    std::string name;
    StaffRole role = StaffRole::front_desk;
    std::string password_hash; ///< an encoded Argon2id hash string, never a password
};

/// A live sign-in session with the user it belongs to.
struct StaffSession {
    std::string token_hash; ///< hex of a hash of the cookie's token
    StaffUser user;
    UtcTime created_at{};
    UtcTime last_seen{};  ///< as last written (the server keeps a fresher one in memory)
    UtcTime expires_at{}; ///< absolute expiry, fixed at sign-in
};

/// Thread-safe. Throws `StorageError` on failure (`already_exists` for a login in use,
/// `invalid_argument` for an empty login or hash).
class StaffRepository {
  public:
    virtual ~StaffRepository() = default;

    virtual StaffUser add_user(const StaffUserDraft& draft) = 0;
    [[nodiscard]] virtual std::optional<StaffUser> find_user(std::string_view login) = 0;
    /// The stored password hash of an enabled or disabled user.
    [[nodiscard]] virtual std::optional<std::string> password_hash(StaffUserId user) = 0;
    /// Every user, by login.
    [[nodiscard]] virtual std::vector<StaffUser> list_users() = 0;
    /// Disabling also ends every session of the user, in the same transaction. False when no
    /// such login.
    virtual bool set_disabled(std::string_view login, bool disabled) = 0;
    /// Replaces the hash and ends every session of the user. False when no such login.
    virtual bool set_password_hash(std::string_view login, const std::string& hash) = 0;

    virtual void create_session(const std::string& token_hash, StaffUserId user, UtcTime now,
                                UtcTime expires_at) = 0;
    /// The session with its user; nullopt when unknown or its user is disabled. Expiry is the
    /// caller's rule (it keeps the freshest last-seen time).
    [[nodiscard]] virtual std::optional<StaffSession> find_session(std::string_view token_hash) = 0;
    /// Writes the last-seen times of several sessions in one transaction (unknown ones are
    /// skipped).
    virtual void touch_sessions(const std::vector<std::pair<std::string, UtcTime>>& seen) = 0;
    virtual bool delete_session(std::string_view token_hash) = 0;
    /// Removes sessions idle since before `idle_before` or past their absolute expiry at `now`.
    virtual std::size_t delete_expired_sessions(UtcTime idle_before, UtcTime now) = 0;
};

} // namespace pms::host
