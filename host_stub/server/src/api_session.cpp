// JSON API: staff sign-in and sign-out (POST/GET/DELETE /api/session) and the public health
// check. A sign-in never says whether the login exists: an unknown login is checked against a
// dummy hash and answered exactly like a wrong password, and failures are slowed per login and
// per client address (auth::LoginThrottle).
#include "server_impl.hpp"

#include "json_response.hpp"

#include <pms/host/auth/password.hpp>

#include <boost/asio/post.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace pms::host::server {

namespace json = boost::json;

namespace {

json::object session_json(const StaffIdentity& staff) {
    json::array permissions;
    for (const auto p : auth::permissions_of(staff.role))
        permissions.push_back(json::string{auth::to_string(p)});
    return {{"login", staff.login},
            {"name", staff.name},
            {"role", to_string(staff.role)},
            {"role_name", auth::display_name(staff.role)},
            {"permissions", std::move(permissions)}};
}

net::Response too_many_attempts(std::chrono::seconds wait) {
    json::object body{{"error", json::object{{"code", "too_many_attempts"},
                                             {"message", "Слишком много попыток входа"},
                                             {"retry_after_s", wait.count()}}}};
    auto response = json_ok(body, 429);
    response.headers.push_back({"Retry-After", std::to_string(wait.count())});
    return response;
}

std::string cookie(std::string_view value, long max_age_s, bool secure) {
    std::string c = "pms_session=" + std::string{value} +
                    "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_s);
    if (secure)
        c += "; Secure";
    return c;
}

} // namespace

// GET /api/health (public)
void HostServer::Impl::get_health(ApiRequest& r) {
    std::size_t loaded = 0;
    const auto plugins = runtime.plugins();
    for (const auto& p : plugins)
        loaded += p.state == PluginState::loaded ? 1 : 0;
    r.respond(json_ok(json::object{{"status", "ok"},
                                   {"version", config.version},
                                   {"public_url", public_base()},
                                   {"plugins_loaded", loaded},
                                   {"plugins_refused", plugins.size() - loaded},
                                   {"fake_clock", config.fake_clock != nullptr}}));
}

// POST /api/session {"login", "password"} (public)
void HostServer::Impl::post_session(ApiRequest& r) {
    const auto* login_value = r.body.if_contains("login");
    const auto* password_value = r.body.if_contains("password");
    if (login_value == nullptr || !login_value->is_string() || password_value == nullptr ||
        !password_value->is_string() || login_value->as_string().empty()) {
        r.respond(json_error(400, "invalid_request", "Введите логин и пароль"));
        return;
    }
    std::string login{login_value->as_string()};
    std::string password{password_value->as_string()};
    const std::string address = r.request.remote_address;
    const auto now = auth::LoginThrottle::Clock::now();
    if (const auto wait = throttle.wait_before(login, address, now)) {
        r.respond(too_many_attempts(*wait));
        return;
    }
    if (sign_ins_in_flight.fetch_add(1) >= config.limits.sign_ins_in_flight) {
        sign_ins_in_flight.fetch_sub(1);
        auto response = json_error(503, "busy", "Слишком много входов одновременно; повторите");
        response.headers.push_back({"Retry-After", "1"});
        r.respond(std::move(response));
        return;
    }
    const bool secure = r.request.tls || config.public_url.rfind("https://", 0) == 0;
    boost::asio::post(password_pool, [self = shared_from_this(), respond = r.respond,
                                      login = std::move(login), password = std::move(password),
                                      address, secure]() mutable {
        struct InFlight {
            std::atomic<std::size_t>& n;
            ~InFlight() { n.fetch_sub(1); }
        } in_flight{self->sign_ins_in_flight};
        // Asked again here: attempts sent together all passed the check above before any of
        // them failed. The password pool has one thread, so each attempt sees every earlier
        // failure and no more than the free attempts are ever checked.
        if (const auto wait =
                self->throttle.wait_before(login, address, auth::LoginThrottle::Clock::now())) {
            std::fill(password.begin(), password.end(), '\0');
            respond(too_many_attempts(*wait));
            return;
        }
        try {
            auto& staff = self->storage.staff();
            const auto user = staff.find_user(login);
            bool ok = false;
            if (user && !user->disabled) {
                const auto hash = staff.password_hash(user->id);
                ok = hash && auth::verify_password(*hash, password);
            } else {
                auth::verify_against_dummy(password); // as slow as a real check
            }
            std::fill(password.begin(), password.end(), '\0');
            if (!ok) {
                self->throttle.failed(login, address, auth::LoginThrottle::Clock::now());
                // A login nobody has is not repeated: people type their password into the
                // login field, and the log must never hold a password.
                self->log(LogLevel::info, "sign-in refused for " +
                                              (user ? "login '" + user->login + "'"
                                                    : std::string{"an unknown login"}) +
                                              " from " + address);
                respond(json_error(401, "invalid_credentials", "Неверный логин или пароль"));
                return;
            }
            self->throttle.succeeded(login);
            const std::string token = self->sessions->create(*user);
            try {
                AuditDraft a;
                a.actor = "staff:" + user->login;
                a.actor_name = user->name;
                a.action = "session.sign_in";
                a.subject = "staff:" + user->login;
                a.details_json = json::serialize(json::object{{"address", address}});
                self->storage.audit().append(a);
            } catch (const std::exception& e) {
                self->log(LogLevel::warning, std::string{"audit failed: "} + e.what());
            }
            self->log(LogLevel::info, "signed in: " + user->login + " from " + address);
            auto response = json_ok(session_json(StaffIdentity{user->login, user->name, user->role, {}}));
            response.headers.push_back(
                {"Set-Cookie",
                 cookie(token, static_cast<long>(self->config.limits.session_max_age.count()), secure)});
            respond(std::move(response));
        } catch (const std::exception& e) {
            self->log(LogLevel::error, std::string{"sign-in failed: "} + e.what());
            respond(json_error(500, "internal", "Internal error; see the host log"));
        }
    });
}

// GET /api/session (any signed-in staff member)
void HostServer::Impl::get_session(ApiRequest& r) {
    r.respond(json_ok(session_json(*r.staff)));
}

// DELETE /api/session (any signed-in staff member)
void HostServer::Impl::delete_session(ApiRequest& r) {
    const bool secure = r.request.tls || config.public_url.rfind("https://", 0) == 0;
    blocking_run(r.respond, [self = shared_from_this(), respond = r.respond, staff = *r.staff, secure] {
        self->sessions->end(staff.token_hash);
        self->hub->close_session(staff.token_hash);
        self->close_views_of(staff.token_hash);
        self->log(LogLevel::info, "signed out: " + staff.login);
        auto response = json_ok(json::object{{"signed_out", true}});
        response.headers.push_back({"Set-Cookie", cookie("", 0, secure)});
        respond(std::move(response));
    });
}

} // namespace pms::host::server
