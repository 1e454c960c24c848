// The private state every route shares (HostServer::Impl) and the small helpers routes use:
// id parsing, mapping runtime failures to HTTP, running storage calls off the io threads, and
// the signed-in staff member a request acts for.
#pragma once

#include "event_hub.hpp"
#include "request_guard.hpp"
#include "staff_sessions.hpp"
#include "static_files.hpp"
#include "traffic_summary.hpp"
#include "view_registry.hpp"

#include <pms/host/auth/login_throttle.hpp>
#include <pms/host/auth/permissions.hpp>
#include <pms/host/server/host_server.hpp>
#include <pms/net/http_server.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pms::host::server {

/// One /api request after the route table matched it and the guards let it through:
/// `segments` are the percent-decoded path segments after "/api", `params` the values of the
/// pattern's {placeholders}, `staff` who is signed in (set on every route but the public ones),
/// `body` the parsed JSON object of a state-changing request (empty for GET).
struct ApiRequest {
    net::Request request;
    net::Responder respond;
    std::vector<std::string> segments;
    std::map<std::string, std::string, std::less<>> params;
    std::optional<StaffIdentity> staff;
    boost::json::object body;
    std::string locale; ///< the first Accept-Language tag; never identity

    [[nodiscard]] const std::string& param(std::string_view name) const;
    /// {property} as an id; the route table only lets positive decimal ids through.
    [[nodiscard]] PropertyId property() const;
    /// The staff member as the runtime and the audit log see them.
    [[nodiscard]] std::string actor() const;
};

/// The last connection check of a module (module_checks.cpp).
struct ModuleCheck {
    std::string state;   ///< not_configured, checking, ok, failed
    std::string message; ///< the plugin's result message, or the host's reason
    std::string at;      ///< RFC 3339 time of the last completed check; empty before one
    std::string action;  ///< the x-check action's id
};

struct HostServer::Impl : std::enable_shared_from_this<HostServer::Impl> {
    Impl(Runtime& runtime, Storage& storage, ServerConfig config);

    Runtime& runtime;
    Storage& storage;
    ServerConfig config;
    StaticFiles static_files;
    std::shared_ptr<EventHub> hub;
    boost::asio::thread_pool blocking;
    /// Argon2id runs here, apart from storage calls, so a burst of sign-ins cannot stall them.
    /// One thread: sign-ins are checked against the throttle one at a time (api_session.cpp).
    boost::asio::thread_pool password_pool{1};
    std::atomic<std::size_t> sign_ins_in_flight{0};
    std::unique_ptr<RequestGuard> guard;
    std::shared_ptr<StaffSessions> sessions;
    auth::LoginThrottle throttle;
    std::shared_ptr<TrafficSummary> traffic;
    /// When the last "answered by the host" warning was written (steady ms), to keep them to
    /// one a second.
    std::atomic<std::int64_t> last_hook_failure_log_ms{-1'000'000};
    std::unique_ptr<net::HttpServer> http;
    std::unique_ptr<net::HttpServer> hooks_http; ///< --hooks-listen: /hooks/... only
    Subscription view_pushes;
    Subscription notifications;
    std::atomic<bool> stopped{false};
    /// Set (release) once the constructor has built everything a request uses. The listener
    /// accepts as soon as it is bound, on io threads already running, and its port is needed
    /// to build the request guard; a request that arrives before is answered 503 `starting`
    /// (it dereferenced the guard before it existed: a segfault at start-up under a probe).
    std::atomic<bool> serving{false};

    /// Which staff session opened each view session (a view answers only to its opener), and
    /// the view caps; `view_sweep` closes views idle past the limit.
    ViewRegistry views;
    boost::asio::steady_timer view_sweep;

    /// Module connection checks by (plugin, property id); see module_checks.cpp.
    mutable std::mutex checks_mutex;
    std::map<std::pair<std::string, std::int64_t>, ModuleCheck> checks;
    boost::asio::steady_timer module_check_timer;

    // -- dispatch (host_server.cpp, api_routes.cpp) --
    void handle(net::Request request, net::Responder respond);
    void handle_hooks_listener(net::Request request, net::Responder respond);
    void handle_hook(net::Request request, net::Responder respond);
    void handle_api(net::Request request, net::Responder respond);

    // -- routes (api_*.cpp); each is a leaf of the route table (api_routes.cpp) --
    void get_health(ApiRequest& r);
    void post_session(ApiRequest& r);
    void get_session(ApiRequest& r);
    void delete_session(ApiRequest& r);
    void get_users(ApiRequest& r);
    void post_users(ApiRequest& r);
    void post_user_disable(ApiRequest& r);
    void post_user_enable(ApiRequest& r);
    void post_user_password(ApiRequest& r);
    void set_user_disabled(ApiRequest& r, bool disabled);
    void get_plugins(ApiRequest& r);
    void get_properties(ApiRequest& r);
    void get_property(ApiRequest& r);
    void get_property_plugins(ApiRequest& r);
    void post_plugin_enable(ApiRequest& r);
    void post_plugin_disable(ApiRequest& r);
    void get_plugin_settings(ApiRequest& r);
    void put_plugin_settings(ApiRequest& r);
    void post_settings_action(ApiRequest& r);
    void get_payment_mapping(ApiRequest& r);
    void put_payment_mapping(ApiRequest& r);
    void get_payment_categories(ApiRequest& r);
    void get_mail_settings(ApiRequest& r);
    void put_mail_settings(ApiRequest& r);
    void set_plugin_enabled(ApiRequest& r, bool enable);
    void answer_payment_mapping(net::Responder respond, PropertyId property, std::string plugin_id);
    void get_booking(ApiRequest& r);
    void get_folio(ApiRequest& r);
    void get_folio_buttons(ApiRequest& r);
    void post_button_click(ApiRequest& r);
    void get_view(ApiRequest& r);
    void close_view(ApiRequest& r);
    void post_view_event(ApiRequest& r);
    void get_pages(ApiRequest& r);
    void get_page(ApiRequest& r);
    void post_page_open(ApiRequest& r);
    void get_page_view(ApiRequest& r);
    void close_page_view(ApiRequest& r);
    void post_page_event(ApiRequest& r);
    void get_notifications(ApiRequest& r);
    void post_notifications_read_all(ApiRequest& r);
    void post_notification_read(ApiRequest& r);
    void get_events(ApiRequest& r);
    void test_clock(ApiRequest& r);
    void get_qr(ApiRequest& r);

    // -- helpers --
    /// Runs `work` on the blocking pool and answers with its result; StorageError and other
    /// exceptions become a JSON 500 (the message is logged, not sent: it may name files).
    void blocking_answer(net::Responder respond, std::function<net::Response()> work);
    /// Runs `work` on the blocking pool; exceptions answer 500 through `respond`.
    void blocking_run(net::Responder respond, std::function<void()> work);
    /// Checks on the blocking pool that the property exists, then runs `next` there (404 when
    /// it does not).
    void with_property(net::Responder respond, PropertyId property,
                       std::function<void(const Property&)> next);
    /// with_property for a bounded read (a folio, a booking, the newest notifications): both
    /// run on this io thread, where the request arrived. Under a notification flood the hop to
    /// the pool and back queued the read twice, for a core and then behind the flood's
    /// handlers (issue 14, `GET` folio p99). Reads only: a WAL reader never waits for the
    /// writer, and fsync stays off the io threads (architecture §7).
    void with_property_read(const net::Responder& respond, PropertyId property,
                            const std::function<void(const Property&)>& next);
    /// Runs `work` here; exceptions answer 500 through `respond` (blocking_run's rules).
    void answer_failures(const net::Responder& respond, const std::function<void()>& work);
    /// Room reserved for one view (ViewRegistry::reserve) while the plugin opens it: given
    /// back unless claimed, whichever way the request ends (unknown folio, plugin error, the
    /// plugin closing the view at once), because the lambdas that carry it are its only owners.
    struct ViewSlot {
        std::shared_ptr<Impl> server;
        std::uint64_t ticket = 0;
        bool claimed = false;
        ViewSlot(std::shared_ptr<Impl> s, std::uint64_t t) : server{std::move(s)}, ticket{t} {}
        ViewSlot(const ViewSlot&) = delete;
        ViewSlot& operator=(const ViewSlot&) = delete;
        ~ViewSlot();
    };
    /// Turns the reserved room into view `session_id`, which answers to the reserving staff
    /// session only, showing what `role` may do; forgotten on close.
    void own_view(ViewSlot& slot, const std::string& session_id, StaffRole role);
    void forget_view(const std::string& session_id);
    /// Closes the views of a staff session that ended (sign-out, expiry, disabled user).
    void close_views_of(const std::string& token_hash);
    /// Closes the views idle past AccessLimits::view_idle, then runs again later.
    void schedule_view_sweep();
    /// The open view {session} of {property} that the caller opened; answers 404 otherwise.
    /// On the views/{session} routes only folio dialogs are found; on the page routes only
    /// sessions of the route's {plugin}/{page} (`page_route`), so that a page session is
    /// always driven under the permission its page declares.
    std::optional<ViewPush> own_open_view(ApiRequest& r, bool page_route = false);
    /// Reserves room for one more view of the caller (closing the caller's least recently
    /// used view when the caller is at the per-session cap), or answers 429/503 and returns
    /// null.
    std::shared_ptr<ViewSlot> admit_view(ApiRequest& r);
    /// Closes view `session_id` that the host gave up (`reason`: "cap" when evicted for room,
    /// "idle" when unused too long): the plugin forgets it and the owner's open pages are
    /// told, so the dialog disappears instead of failing on its next click.
    void close_view_for_host(const std::string& session_id, const std::string& owner_token_hash,
                             std::string_view reason);
    /// Parses a view event body into `event` (the staff member comes from the session), or
    /// answers 400 and returns false.
    bool parse_view_event(ApiRequest& r, ViewEventInput& event);
    /// Sends a parsed event for the open view `current` (own_open_view's answer, read once per
    /// request) to the runtime and answers with the next view.
    void send_view_event(ApiRequest& r, const ViewPush& current, ViewEventInput event);

    // -- module connection checks (module_checks.cpp) --
    /// Runs the plugin's x-check action with its saved settings (or records not_configured).
    void run_module_check(const std::string& plugin_id, PropertyId property);
    void check_all_modules();
    void schedule_module_checks();
    void set_module_check(const std::string& plugin_id, PropertyId property, ModuleCheck check);
    void forget_module_check(const std::string& plugin_id, PropertyId property);
    /// {"state", "message", "action", "checked_at"} or null.
    [[nodiscard]] boost::json::value module_check_json(const std::string& plugin_id,
                                                       PropertyId property) const;
    [[nodiscard]] std::string now_text() const;

    void log(LogLevel level, std::string_view text) const;
    /// Whether a line at `level` would be kept (config.log_level): build costly lines only then.
    [[nodiscard]] bool logs(LogLevel level) const;
    /// A notification the host answered itself with a 5xx (deadline, drain, plugin error).
    void log_host_hook_failure(const std::string& route, int status, std::string_view body);
    [[nodiscard]] std::string public_base() const;
    [[nodiscard]] std::string hooks_base() const;
    [[nodiscard]] std::string notification_url(std::string_view plugin_id,
                                               PropertyId property) const;
};

/// A positive decimal id ("42"), or nullopt.
[[nodiscard]] std::optional<std::int64_t> parse_id(std::string_view text);

/// Maps a runtime failure to an HTTP error response.
[[nodiscard]] net::Response failure_response(const Failure& failure);

/// 405 with an Allow header.
[[nodiscard]] net::Response method_not_allowed(std::string_view allow);

/// 404 for an /api path that names no route.
[[nodiscard]] net::Response no_such_route(const net::Request& request);

/// The JSON of a view answer, with the view document spliced in byte for byte (no re-encoding
/// of the plugin's numbers): {"session_id", "plugin_id", "property_id", "closed", "view"}, and
/// "page_id" for a page session.
[[nodiscard]] std::string view_update_json(const ViewUpdate& update);

/// JSON string literal of `text` (quotes included).
[[nodiscard]] std::string json_quote(std::string_view text);

} // namespace pms::host::server
