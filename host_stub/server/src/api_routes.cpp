// The /api route table and the one place where every staff request is checked: the route's
// access rule (public, any signed-in staff member, one permission of auth::Permission, or the
// permission the plugin page {plugin}/{page} of {property} declares) is applied here, before
// any handler runs; handlers never decide who may call them.
//
// Order of the checks for a staff request (Host was checked by the caller):
//   1. a state change (POST/PUT/PATCH/DELETE) must be JSON from this host's own origin;
//   2. the path must be well formed;
//   3. the staff session (cookie `pms_session`) is looked up — without one, 401 for every
//      path but the public routes, known or not, so an anonymous caller learns nothing;
//   4. 404 for an unknown path, 405 for a known path with another method;
//   5. a page route: 404 when {property} or the page {plugin}/{page} is unknown (no active
//      instance lists it), else the page's declared permission is the route's permission;
//   6. 403 when the staff member's role lacks the route's permission;
//   7. the JSON body is parsed, then the handler runs.
#include "server_impl.hpp"

#include "json_response.hpp"

#include <pms/host/auth/permissions.hpp>

#include <boost/json/array.hpp>

#include <array>

namespace pms::host::server {

namespace json = boost::json;
using auth::Permission;

namespace {

// `page`: the permission is dynamic — the one the plugin page named by the route's {plugin} and
// {page} declares (pms.admin-page/1). The runtime refuses pages naming a permission outside
// auth::Permission, so every page resolves to one row of the one permission table.
enum class Access { public_route, signed_in, permission, page };

struct Route {
    std::string_view method;
    std::string_view pattern; ///< segments after "/api/"; {name} matches any one segment
    Access access;
    Permission permission; ///< when access == permission (ignored for page)
    void (HostServer::Impl::*handler)(ApiRequest&);
};

using I = HostServer::Impl;
constexpr auto pub = Access::public_route;
constexpr auto any = Access::signed_in;
constexpr auto perm = Access::permission;
constexpr auto page = Access::page;
constexpr auto folio_view = Permission::folio_view;
constexpr auto link_manage = Permission::link_manage;
constexpr auto integrations = Permission::integrations_admin;
constexpr auto users_admin = Permission::users_admin;

// clang-format off
const Route route_table[] = {
    {"GET",    "health",                                              pub,  folio_view,   &I::get_health},
    {"POST",   "session",                                             pub,  folio_view,   &I::post_session},
    {"GET",    "session",                                             any,  folio_view,   &I::get_session},
    {"DELETE", "session",                                             any,  folio_view,   &I::delete_session},

    {"GET",    "users",                                               perm, users_admin,  &I::get_users},
    {"POST",   "users",                                               perm, users_admin,  &I::post_users},
    {"POST",   "users/{login}/disable",                               perm, users_admin,  &I::post_user_disable},
    {"POST",   "users/{login}/enable",                                perm, users_admin,  &I::post_user_enable},
    {"POST",   "users/{login}/password",                              perm, users_admin,  &I::post_user_password},

    {"GET",    "plugins",                                             perm, integrations, &I::get_plugins},
    {"GET",    "properties",                                          perm, folio_view,   &I::get_properties},
    {"GET",    "properties/{property}",                               perm, folio_view,   &I::get_property},
    {"GET",    "properties/{property}/plugins",                       perm, integrations, &I::get_property_plugins},
    {"POST",   "properties/{property}/plugins/{plugin}/enable",       perm, integrations, &I::post_plugin_enable},
    {"POST",   "properties/{property}/plugins/{plugin}/disable",      perm, integrations, &I::post_plugin_disable},
    {"GET",    "properties/{property}/plugins/{plugin}/settings",     perm, integrations, &I::get_plugin_settings},
    {"PUT",    "properties/{property}/plugins/{plugin}/settings",     perm, integrations, &I::put_plugin_settings},
    {"POST",   "properties/{property}/plugins/{plugin}/settings",     perm, integrations, &I::put_plugin_settings},
    {"POST",   "properties/{property}/plugins/{plugin}/settings/actions/{action}",
                                                                      perm, integrations, &I::post_settings_action},
    {"GET",    "properties/{property}/plugins/{plugin}/payment-mapping", perm, integrations, &I::get_payment_mapping},
    {"PUT",    "properties/{property}/plugins/{plugin}/payment-mapping", perm, integrations, &I::put_payment_mapping},
    {"POST",   "properties/{property}/plugins/{plugin}/payment-mapping", perm, integrations, &I::put_payment_mapping},
    {"GET",    "properties/{property}/payment-categories",            perm, integrations, &I::get_payment_categories},
    // The host's mail sender: integrations.admin, as it shapes what the integrations send.
    {"GET",    "properties/{property}/mail-settings",                 perm, integrations, &I::get_mail_settings},
    {"PUT",    "properties/{property}/mail-settings",                 perm, integrations, &I::put_mail_settings},
    {"POST",   "properties/{property}/mail-settings",                 perm, integrations, &I::put_mail_settings},

    {"GET",    "properties/{property}/bookings/{number}",             perm, folio_view,   &I::get_booking},
    {"GET",    "properties/{property}/folios/{folio}",                perm, folio_view,   &I::get_folio},
    {"GET",    "properties/{property}/folios/{folio}/buttons",        perm, folio_view,   &I::get_folio_buttons},
    {"POST",   "properties/{property}/folios/{folio}/buttons/{plugin}/{button}/click",
                                                                      perm, link_manage,  &I::post_button_click},
    {"GET",    "properties/{property}/views/{session}",               perm, link_manage,  &I::get_view},
    {"DELETE", "properties/{property}/views/{session}",               perm, link_manage,  &I::close_view},
    {"POST",   "properties/{property}/views/{session}/close",         perm, link_manage,  &I::close_view},
    {"POST",   "properties/{property}/views/{session}/events",        perm, link_manage,  &I::post_view_event},

    // Plugin pages (pms.admin-page/1): the list is filtered by the caller's permissions; every
    // route of one page is guarded by the permission that page declares.
    {"GET",    "properties/{property}/pages",                         perm, folio_view,   &I::get_pages},
    {"GET",    "properties/{property}/pages/{plugin}/{page}",         page, folio_view,   &I::get_page},
    {"POST",   "properties/{property}/pages/{plugin}/{page}/open",    page, folio_view,   &I::post_page_open},
    {"GET",    "properties/{property}/pages/{plugin}/{page}/views/{session}",
                                                                      page, folio_view,   &I::get_page_view},
    {"DELETE", "properties/{property}/pages/{plugin}/{page}/views/{session}",
                                                                      page, folio_view,   &I::close_page_view},
    {"POST",   "properties/{property}/pages/{plugin}/{page}/views/{session}/close",
                                                                      page, folio_view,   &I::close_page_view},
    {"POST",   "properties/{property}/pages/{plugin}/{page}/views/{session}/events",
                                                                      page, folio_view,   &I::post_page_event},

    {"GET",    "properties/{property}/notifications",                 perm, folio_view,   &I::get_notifications},
    {"POST",   "properties/{property}/notifications/read-all",        perm, folio_view,   &I::post_notifications_read_all},
    {"POST",   "properties/{property}/notifications/{id}/read",       perm, folio_view,   &I::post_notification_read},
    {"GET",    "properties/{property}/events",                        perm, folio_view,   &I::get_events},

    {"GET",    "qr.svg",                                              perm, folio_view,   &I::get_qr},
    {"GET",    "test/clock",                                          perm, integrations, &I::test_clock},
    {"POST",   "test/clock",                                          perm, integrations, &I::test_clock},
};
// clang-format on

// Splits "a/{b}/c" into segments.
std::vector<std::string_view> pattern_segments(std::string_view pattern) {
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    while (pos <= pattern.size()) {
        const auto slash = pattern.find('/', pos);
        out.push_back(pattern.substr(pos, slash == std::string_view::npos ? std::string_view::npos
                                                                          : slash - pos));
        if (slash == std::string_view::npos)
            break;
        pos = slash + 1;
    }
    return out;
}

bool match(const Route& route, const std::vector<std::string>& segments,
           std::map<std::string, std::string, std::less<>>* params) {
    const auto pattern = pattern_segments(route.pattern);
    if (pattern.size() != segments.size())
        return false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const auto p = pattern[i];
        if (p.size() >= 2 && p.front() == '{' && p.back() == '}') {
            if (segments[i].empty())
                return false;
            if (params != nullptr)
                params->insert_or_assign(std::string{p.substr(1, p.size() - 2)}, segments[i]);
        } else if (p != segments[i]) {
            return false;
        }
    }
    return true;
}

// The value of cookie `name` in the Cookie header, or empty.
std::string_view cookie_value(const net::Request& request, std::string_view name) {
    const auto header = request.header("Cookie");
    if (!header)
        return {};
    std::string_view rest = *header;
    while (!rest.empty()) {
        const auto semi = rest.find(';');
        std::string_view pair = rest.substr(0, semi);
        rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
        while (!pair.empty() && pair.front() == ' ')
            pair.remove_prefix(1);
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == name)
            return pair.substr(eq + 1);
    }
    return {};
}

std::string first_language(const net::Request& request) {
    const auto h = request.header("Accept-Language");
    if (!h)
        return {};
    std::string_view tag = *h;
    tag = tag.substr(0, tag.find_first_of(",;"));
    while (!tag.empty() && tag.front() == ' ')
        tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ')
        tag.remove_suffix(1);
    return tag == "*" ? std::string{} : std::string{tag};
}

// The decoded segments of `path` after "/api"; nullopt on a malformed escape or an encoded '/'.
std::optional<std::vector<std::string>> api_segments(std::string_view path) {
    std::vector<std::string> segments;
    std::size_t pos = 0;
    while (pos < path.size()) {
        if (path[pos] == '/') {
            ++pos;
            continue;
        }
        const auto slash = path.find('/', pos);
        const auto raw = path.substr(pos, slash == std::string_view::npos ? std::string_view::npos
                                                                          : slash - pos);
        auto decoded = net::percent_decode(raw);
        if (!decoded || decoded->find('/') != std::string::npos)
            return std::nullopt;
        segments.push_back(std::move(*decoded));
        if (slash == std::string_view::npos)
            break;
        pos = slash + 1;
    }
    if (!segments.empty())
        segments.erase(segments.begin()); // "api"
    return segments;
}

std::string access_text(const Route& r) {
    switch (r.access) {
    case Access::public_route:
        return "public";
    case Access::signed_in:
        return "signed_in";
    case Access::permission:
        return std::string{auth::to_string(r.permission)};
    case Access::page:
        return "page";
    }
    return "public";
}

} // namespace

const std::string& ApiRequest::param(std::string_view name) const {
    static const std::string none;
    const auto it = params.find(name);
    return it == params.end() ? none : it->second;
}

PropertyId ApiRequest::property() const {
    return PropertyId{parse_id(param("property")).value_or(0)};
}

std::string ApiRequest::actor() const {
    return staff ? "staff:" + staff->login : std::string{"api"};
}

std::vector<HostServer::RouteInfo> HostServer::routes() {
    std::vector<RouteInfo> out;
    for (const auto& r : route_table)
        out.push_back({std::string{r.method}, std::string{r.pattern}, access_text(r)});
    return out;
}

void HostServer::Impl::handle_api(net::Request request, net::Responder respond) {
    if (auto refused = guard->check_state_change(request)) {
        respond(std::move(*refused));
        return;
    }
    auto segments = api_segments(request.path);
    if (!segments) {
        respond(json_error(400, "bad_path", "The path has a malformed percent escape"));
        return;
    }

    const Route* route = nullptr;
    std::string allow;
    for (const auto& r : route_table) {
        if (!match(r, *segments, nullptr))
            continue;
        const bool same = r.method == request.method ||
                          (request.method == "HEAD" && r.method == "GET");
        if (same && route == nullptr)
            route = &r;
        if (allow.find(r.method) == std::string::npos)
            allow += (allow.empty() ? "" : ", ") + std::string{r.method};
    }

    std::string locale = first_language(request);
    auto call = std::make_shared<ApiRequest>(ApiRequest{std::move(request), respond,
                                                        std::move(*segments), {}, std::nullopt, {},
                                                        std::move(locale)});
    if (route != nullptr)
        match(*route, call->segments, &call->params);

    // Runs once the staff member (if any) is known.
    auto proceed = [self = shared_from_this(), call, route,
                    allow = std::move(allow)](std::optional<StaffIdentity> staff) {
        auto& r = *call;
        try {
            const bool is_public = route != nullptr && route->access == Access::public_route;
            if (!is_public && !staff) {
                r.respond(json_error(401, "not_signed_in", "Войдите в систему"));
                return;
            }
            if (route == nullptr) {
                r.respond(allow.empty() ? no_such_route(r.request) : method_not_allowed(allow));
                return;
            }
            std::optional<Permission> required;
            if (route->access == Access::permission)
                required = route->permission;
            if (route->access == Access::page) {
                // A page route always has {property}, {plugin} and {page}.
                const auto property = parse_id(r.param("property"));
                if (!property) {
                    r.respond(json_error(404, "unknown_property", "Property ids are positive numbers"));
                    return;
                }
                const auto declared = self->runtime.admin_page(r.param("plugin"), PropertyId{*property},
                                                               r.param("page"));
                required = declared ? auth::parse_permission(declared->permission) : std::nullopt;
                if (!required) {
                    r.respond(json_error(404, "unknown_page",
                                         "No page '" + r.param("page") + "' of plugin '" +
                                             r.param("plugin") + "' in this property"));
                    return;
                }
            }
            if (required && !auth::role_has(staff->role, *required)) {
                json::object body{{"error", json::object{{"code", "forbidden"},
                                                         {"message", "Недостаточно прав"},
                                                         {"permission", auth::to_string(*required)}}}};
                r.respond(json_ok(body, 403));
                return;
            }
            if (r.params.count("property") != 0 && !parse_id(r.param("property"))) {
                r.respond(json_error(404, "unknown_property", "Property ids are positive numbers"));
                return;
            }
            if (RequestGuard::changes_state(r.request.method)) {
                net::Response bad_body;
                auto body = parse_json_object(r.request.body, bad_body);
                if (!body) {
                    r.respond(std::move(bad_body));
                    return;
                }
                r.body = std::move(*body);
            }
            r.staff = std::move(staff);
            ((*self).*(route->handler))(r);
        } catch (const std::exception& e) {
            self->log(LogLevel::error, std::string{"request failed: "} + e.what());
            r.respond(json_error(500, "internal", "Internal error; see the host log"));
        }
    };

    if (route != nullptr && route->access == Access::public_route &&
        cookie_value(call->request, "pms_session").empty()) {
        proceed(std::nullopt);
        return;
    }
    const auto token = cookie_value(call->request, "pms_session");
    if (token.empty()) {
        proceed(std::nullopt);
        return;
    }
    sessions->authenticate(token, std::move(proceed));
}

} // namespace pms::host::server
