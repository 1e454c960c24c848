// Staff accounts and sessions on SQLite. Disabling a user or changing a password deletes the
// user's sessions in the same transaction, so the next lookup (the server re-checks a session
// at least once a second) finds none.
#include "sqlite_staff_repository.hpp"

#include <array>

namespace pms::host {

const char* to_string(StaffRole role) noexcept {
    switch (role) {
    case StaffRole::admin:
        return "admin";
    case StaffRole::front_desk:
        return "front_desk";
    case StaffRole::accountant:
        return "accountant";
    }
    return "front_desk";
}

std::optional<StaffRole> parse_staff_role(std::string_view text) noexcept {
    for (const StaffRole r : {StaffRole::admin, StaffRole::front_desk, StaffRole::accountant})
        if (text == to_string(r))
            return r;
    return std::nullopt;
}

} // namespace pms::host

namespace pms::host::sqlite {
namespace {

constexpr const char* user_columns =
    "u.id, u.login, u.name, u.role, u.disabled, u.created_at_ms";

StaffUser read_user(const Statement& st, int first) {
    StaffUser u;
    u.id = StaffUserId{st.int64(first)};
    u.login = st.text(first + 1);
    u.name = st.text(first + 2);
    u.role = parse_staff_role(st.text(first + 3)).value_or(StaffRole::front_desk);
    u.disabled = st.int64(first + 4) != 0;
    u.created_at = from_utc_ms(st.int64(first + 5));
    return u;
}

void delete_sessions_of(Connection& c, std::int64_t user_id) {
    c.prepare("DELETE FROM staff_sessions WHERE user_id = ?1").bind(1, user_id).run();
}

std::optional<std::int64_t> user_id_of(Connection& c, std::string_view login) {
    auto st = c.prepare("SELECT id FROM staff_users WHERE login = ?1");
    st.bind(1, login);
    if (!st.step())
        return std::nullopt;
    return st.int64(0);
}

} // namespace

StaffUser SqliteStaffRepository::add_user(const StaffUserDraft& d) {
    if (d.login.empty() || d.password_hash.empty())
        throw StorageError{StorageErrc::invalid_argument, "staff: empty login or password hash"};
    return db_.write([&](Connection& c) {
        if (user_id_of(c, d.login))
            throw StorageError{StorageErrc::already_exists,
                               "staff: the login '" + d.login + "' is taken"};
        const auto now = db_.now_ms();
        c.prepare("INSERT INTO staff_users (login, name, role, password_hash, disabled, "
                  "created_at_ms, updated_at_ms) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5)")
            .bind(1, std::string_view{d.login})
            .bind(2, std::string_view{d.name})
            .bind(3, std::string_view{to_string(d.role)})
            .bind(4, std::string_view{d.password_hash})
            .bind(5, now)
            .run();
        StaffUser u;
        u.id = StaffUserId{c.last_insert_rowid()};
        u.login = d.login;
        u.name = d.name;
        u.role = d.role;
        u.created_at = from_utc_ms(now);
        return u;
    });
}

std::optional<StaffUser> SqliteStaffRepository::find_user(std::string_view login) {
    return db_.read([&](Connection& c) -> std::optional<StaffUser> {
        auto st = c.prepare(std::string{"SELECT "} + user_columns +
                            " FROM staff_users u WHERE u.login = ?1");
        st.bind(1, login);
        if (!st.step())
            return std::nullopt;
        return read_user(st, 0);
    });
}

std::optional<std::string> SqliteStaffRepository::password_hash(StaffUserId user) {
    return db_.read([&](Connection& c) -> std::optional<std::string> {
        auto st = c.prepare("SELECT password_hash FROM staff_users WHERE id = ?1");
        st.bind(1, user.value);
        if (!st.step())
            return std::nullopt;
        return st.text(0);
    });
}

std::vector<StaffUser> SqliteStaffRepository::list_users() {
    return db_.read([&](Connection& c) {
        auto st = c.prepare(std::string{"SELECT "} + user_columns +
                            " FROM staff_users u ORDER BY u.login");
        std::vector<StaffUser> out;
        while (st.step())
            out.push_back(read_user(st, 0));
        return out;
    });
}

bool SqliteStaffRepository::set_disabled(std::string_view login, bool disabled) {
    return db_.write([&](Connection& c) {
        const auto id = user_id_of(c, login);
        if (!id)
            return false;
        c.prepare("UPDATE staff_users SET disabled = ?2, updated_at_ms = ?3 WHERE id = ?1")
            .bind(1, *id)
            .bind(2, std::int64_t{disabled ? 1 : 0})
            .bind(3, db_.now_ms())
            .run();
        if (disabled)
            delete_sessions_of(c, *id);
        return true;
    });
}

bool SqliteStaffRepository::set_password_hash(std::string_view login, const std::string& hash) {
    if (hash.empty())
        throw StorageError{StorageErrc::invalid_argument, "staff: empty password hash"};
    return db_.write([&](Connection& c) {
        const auto id = user_id_of(c, login);
        if (!id)
            return false;
        c.prepare("UPDATE staff_users SET password_hash = ?2, updated_at_ms = ?3 WHERE id = ?1")
            .bind(1, *id)
            .bind(2, std::string_view{hash})
            .bind(3, db_.now_ms())
            .run();
        delete_sessions_of(c, *id);
        return true;
    });
}

void SqliteStaffRepository::create_session(const std::string& token_hash, StaffUserId user,
                                           UtcTime now, UtcTime expires_at) {
    if (token_hash.empty())
        throw StorageError{StorageErrc::invalid_argument, "staff: empty session token hash"};
    db_.write([&](Connection& c) {
        c.prepare("INSERT INTO staff_sessions (token_hash, user_id, created_at_ms, last_seen_ms, "
                  "expires_at_ms) VALUES (?1, ?2, ?3, ?3, ?4)")
            .bind(1, std::string_view{token_hash})
            .bind(2, user.value)
            .bind(3, to_utc_ms(now))
            .bind(4, to_utc_ms(expires_at))
            .run();
    });
}

std::optional<StaffSession> SqliteStaffRepository::find_session(std::string_view token_hash) {
    return db_.read([&](Connection& c) -> std::optional<StaffSession> {
        auto st = c.prepare(std::string{"SELECT "} + user_columns +
                            ", s.created_at_ms, s.last_seen_ms, s.expires_at_ms "
                            "FROM staff_sessions s JOIN staff_users u ON u.id = s.user_id "
                            "WHERE s.token_hash = ?1 AND u.disabled = 0");
        st.bind(1, token_hash);
        if (!st.step())
            return std::nullopt;
        StaffSession s;
        s.token_hash = std::string{token_hash};
        s.user = read_user(st, 0);
        s.created_at = from_utc_ms(st.int64(6));
        s.last_seen = from_utc_ms(st.int64(7));
        s.expires_at = from_utc_ms(st.int64(8));
        return s;
    });
}

void SqliteStaffRepository::touch_sessions(
    const std::vector<std::pair<std::string, UtcTime>>& seen) {
    if (seen.empty())
        return;
    db_.write([&](Connection& c) {
        for (const auto& [hash, at] : seen)
            c.prepare("UPDATE staff_sessions SET last_seen_ms = max(last_seen_ms, ?2) "
                      "WHERE token_hash = ?1")
                .bind(1, std::string_view{hash})
                .bind(2, to_utc_ms(at))
                .run();
    });
}

bool SqliteStaffRepository::delete_session(std::string_view token_hash) {
    return db_.write([&](Connection& c) {
        c.prepare("DELETE FROM staff_sessions WHERE token_hash = ?1").bind(1, token_hash).run();
        return c.changes() > 0;
    });
}

std::size_t SqliteStaffRepository::delete_expired_sessions(UtcTime idle_before, UtcTime now) {
    return db_.write([&](Connection& c) {
        c.prepare("DELETE FROM staff_sessions WHERE last_seen_ms < ?1 OR expires_at_ms <= ?2")
            .bind(1, to_utc_ms(idle_before))
            .bind(2, to_utc_ms(now))
            .run();
        return static_cast<std::size_t>(c.changes());
    });
}

} // namespace pms::host::sqlite
