// The private state every route shares (HostServer::Impl) and the small helpers routes use:
// id parsing, mapping runtime failures to HTTP, running storage calls off the io threads, and
// who the staff user is.
#pragma once

#include "event_hub.hpp"
#include "static_files.hpp"

#include <pms/host/server/host_server.hpp>
#include <pms/net/http_server.hpp>

#include <boost/asio/thread_pool.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pms::host::server {

/// The staff user acting, from the body's "staff" object or the X-Staff-Id / X-Staff-Name
/// headers (the name percent-encoded, as HTTP headers are ASCII).
struct Staff {
    std::string id;
    std::string name;
    std::string locale;
};

/// One /api request, already split: `segments` are the percent-decoded path segments after
/// "/api".
struct ApiCall {
    net::Request request;
    net::Responder respond;
    std::vector<std::string> segments;
};

struct HostServer::Impl : std::enable_shared_from_this<HostServer::Impl> {
    Impl(Runtime& runtime, Storage& storage, ServerConfig config);

    Runtime& runtime;
    Storage& storage;
    ServerConfig config;
    StaticFiles static_files;
    std::shared_ptr<EventHub> hub;
    boost::asio::thread_pool blocking;
    std::unique_ptr<net::HttpServer> http;
    Subscription view_pushes;
    Subscription notifications;
    std::atomic<bool> stopped{false};

    // -- dispatch (host_server.cpp) --
    void handle(net::Request request, net::Responder respond);
    void handle_hook(net::Request request, net::Responder respond);
    void handle_api(ApiCall call);

    // -- routes (api_*.cpp) --
    void route_plugins(ApiCall& call);                              // /api/plugins
    void route_properties(ApiCall& call);                           // /api/properties[/{p}]
    void route_property_plugin(ApiCall& call, PropertyId property); // /plugins/...
    void route_folios(ApiCall& call, PropertyId property);          // /folios, /bookings
    void route_views(ApiCall& call, PropertyId property);           // /views/...
    void route_notifications(ApiCall& call, PropertyId property);   // /notifications/...
    void route_events(ApiCall& call, PropertyId property);          // /events (SSE)
    void route_test_clock(ApiCall& call);                           // /api/test/clock
    void route_qr(ApiCall& call);                                   // /api/qr.svg

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

    void log(LogLevel level, std::string_view text) const;
    [[nodiscard]] std::string public_base() const;
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

/// The staff user from `body` ("staff": {"id", "name"}, "locale") or the headers.
[[nodiscard]] Staff staff_of(const net::Request& request, const boost::json::object& body);

/// "staff:<id>" for the audit log, "api" when no staff user was named.
[[nodiscard]] std::string actor_of(const Staff& staff);

/// The JSON of a view answer, with the view document spliced in byte for byte (no re-encoding
/// of the plugin's numbers): {"session_id", "plugin_id", "property_id", "closed", "view"}.
[[nodiscard]] std::string view_update_json(const ViewUpdate& update);

/// JSON string literal of `text` (quotes included).
[[nodiscard]] std::string json_quote(std::string_view text);

} // namespace pms::host::server
