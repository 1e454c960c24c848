// JSON API: staff accounts for admins (permission users.admin) — list, add, disable, enable,
// set a password. The CLI (`pms-host user ...`) does the same on the same storage; a disabled
// user's sessions end within a second either way (StaffSessions re-checks them).
#include "server_impl.hpp"

#include "folio_json.hpp"
#include "json_response.hpp"

#include <pms/host/auth/password.hpp>
#include <pms/host/storage/errors.hpp>

#include <boost/asio/post.hpp>
#include <boost/json/array.hpp>

namespace pms::host::server {

namespace json = boost::json;

namespace {

json::object user_json(const StaffUser& u) {
    return {{"login", u.login},
            {"name", u.name},
            {"role", to_string(u.role)},
            {"role_name", auth::display_name(u.role)},
            {"disabled", u.disabled},
            {"created_at", rfc3339(u.created_at)}};
}

bool plausible_login(std::string_view login) {
    if (login.empty() || login.size() > 64)
        return false;
    for (const char c : login)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_' || c == '@'))
            return false;
    return true;
}

void audit_user(Storage& storage, const ApiRequest& r, std::string_view action,
                const std::string& login) {
    AuditDraft a;
    a.actor = r.actor();
    a.actor_name = r.staff ? r.staff->name : std::string{};
    a.action = std::string{action};
    a.subject = "staff:" + login;
    storage.audit().append(a);
}

} // namespace

// GET /api/users
void HostServer::Impl::get_users(ApiRequest& r) {
    blocking_answer(r.respond, [this] {
        json::array list;
        for (const auto& u : storage.staff().list_users())
            list.push_back(user_json(u));
        return json_ok(json::object{{"users", std::move(list)}});
    });
}

// POST /api/users {"login", "name", "role", "password"}
void HostServer::Impl::post_users(ApiRequest& r) {
    const std::string login = string_member(r.body, "login");
    const std::string name = string_member(r.body, "name");
    const auto role = parse_staff_role(string_member(r.body, "role"));
    const std::string password = string_member(r.body, "password");
    json::object fields;
    if (!plausible_login(login))
        fields["/login"] = "Латинские буквы, цифры и . - _ @, до 64 символов";
    if (name.empty())
        fields["/name"] = "Укажите имя";
    if (!role)
        fields["/role"] = "Роль: admin, front_desk или accountant";
    if (auto problem = auth::password_problem(password); !problem.empty())
        fields["/password"] = problem;
    if (!fields.empty()) {
        r.respond(json_field_errors(fields, {}));
        return;
    }
    boost::asio::post(password_pool, [self = shared_from_this(), r, login, name, role = *role,
                                      password]() mutable {
        try {
            StaffUserDraft draft{login, name, role, auth::hash_password(password)};
            const auto user = self->storage.staff().add_user(draft);
            audit_user(self->storage, r, "staff.add", login);
            r.respond(json_ok(user_json(user), 201));
        } catch (const StorageError& e) {
            if (e.errc() == StorageErrc::already_exists) {
                r.respond(json_field_errors(json::object{{"/login", "Такой логин уже есть"}}, {}));
                return;
            }
            self->log(LogLevel::error, std::string{"adding a staff user failed: "} + e.what());
            r.respond(json_error(500, "storage_error", "The host's storage failed; see the host log"));
        } catch (const std::exception& e) {
            self->log(LogLevel::error, std::string{"adding a staff user failed: "} + e.what());
            r.respond(json_error(500, "internal", "Internal error; see the host log"));
        }
    });
}

void HostServer::Impl::set_user_disabled(ApiRequest& r, bool disabled) {
    const std::string login = r.param("login");
    if (disabled && r.staff && r.staff->login == login) {
        r.respond(json_error(409, "cannot_disable_self", "Нельзя отключить свою учётную запись"));
        return;
    }
    blocking_run(r.respond, [self = shared_from_this(), r, login, disabled] {
        if (!self->storage.staff().set_disabled(login, disabled)) {
            r.respond(json_error(404, "unknown_user", "Нет пользователя '" + login + "'"));
            return;
        }
        audit_user(self->storage, r, disabled ? "staff.disable" : "staff.enable", login);
        const auto user = self->storage.staff().find_user(login);
        r.respond(json_ok(user ? user_json(*user) : json::object{}));
    });
}

// POST /api/users/{login}/disable, /enable
void HostServer::Impl::post_user_disable(ApiRequest& r) {
    set_user_disabled(r, true);
}

void HostServer::Impl::post_user_enable(ApiRequest& r) {
    set_user_disabled(r, false);
}

// POST /api/users/{login}/password {"password"}
void HostServer::Impl::post_user_password(ApiRequest& r) {
    const std::string password = string_member(r.body, "password");
    if (auto problem = auth::password_problem(password); !problem.empty()) {
        r.respond(json_field_errors(json::object{{"/password", problem}}, {}));
        return;
    }
    boost::asio::post(password_pool, [self = shared_from_this(), r, password]() mutable {
        try {
            const std::string login = r.param("login");
            if (!self->storage.staff().set_password_hash(login, auth::hash_password(password))) {
                r.respond(json_error(404, "unknown_user", "Нет пользователя '" + login + "'"));
                return;
            }
            audit_user(self->storage, r, "staff.password", login);
            r.respond(json_ok(json::object{{"login", login}, {"password_changed", true}}));
        } catch (const std::exception& e) {
            self->log(LogLevel::error, std::string{"setting a password failed: "} + e.what());
            r.respond(json_error(500, "internal", "Internal error; see the host log"));
        }
    });
}

} // namespace pms::host::server
