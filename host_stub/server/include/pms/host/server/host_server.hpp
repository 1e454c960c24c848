// HostServer: the HTTP face of pms-host on one pms::net::HttpServer —
//   /hooks/<plugin-id>/<property-id>/<rest>  inbound provider notifications, handed raw to the
//                                            plugin's pms.notification-sink/1 via the runtime;
//   /api/...                                 the JSON API of the web UI (host_stub/API.md);
//   /api/properties/<p>/events               live events (Server-Sent Events);
//   everything else                          static files from the web root.
//
// Two doors (architecture §8): /hooks/... is authenticated by the plugin's signature check
// alone; everything else is the staff door — a known Host, a signed-in staff session with the
// route's permission (one table, api_routes.cpp), and JSON from this host's own origin for
// every state change.
//
// Handlers never block an io thread: storage reads and writes run on a small pool of the
// server's own, plugin work goes through the runtime's asynchronous calls, and the answer is
// given through the (thread-safe) responder from wherever the work completes.
#pragma once

#include <pms/host/runtime/runtime.hpp>
#include <pms/host/storage/clock.hpp>
#include <pms/host/storage/storage.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pms::host::server {

/// Every default cap and expiry of the staff door, in one place (documented in
/// host_stub/API.md; `pms-host --help` names the flags that change them).
struct AccessLimits {
    /// A staff session ends after this long without a request.
    std::chrono::seconds session_idle{8 * 60 * 60};
    /// ... and this long after sign-in, whatever happens.
    std::chrono::seconds session_max_age{24 * 60 * 60};
    /// Last-seen times are written to the storage at most this often.
    std::chrono::seconds session_touch_interval{60};
    /// Sessions in memory are checked against the storage this often (disabled users).
    std::chrono::milliseconds session_recheck{500};
    /// Live-event streams: per staff session and in total. Both stay well below
    /// `max_connections` so that streams can never take the connections /hooks needs.
    std::size_t streams_per_session = 4;
    std::size_t streams_total = 64;
    /// A stream is closed after this long; the browser reconnects with Last-Event-ID and the
    /// session is checked again.
    std::chrono::seconds stream_max_age{30 * 60};
    /// Open connections per listener; at the limit the listener stops accepting.
    std::size_t max_connections = 256;
    /// Sign-ins being checked (Argon2id) at once; more get 503.
    std::size_t sign_ins_in_flight = 16;
    /// Open plugin views (dialogs and plugin pages): per staff session and in total; a view
    /// unused this long is closed (the plugin stops re-rendering it). At the per-session cap
    /// that session's least recently used view is closed for the new one; at the total cap the
    /// new one is refused (ViewRegistry, host_stub/API.md "Open views").
    std::size_t views_per_session = 8;
    std::size_t views_total = 512;
    std::chrono::seconds view_idle{30 * 60};
    /// Notifications are logged one line each at debug; at info, one summary per interval
    /// (by outcome and by route), written only when there was traffic.
    std::chrono::seconds traffic_summary_interval{60};
};

struct ServerConfig {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0; ///< 0 = any free port
    /// The web UI folder; empty or missing = only the fallback page at "/".
    std::filesystem::path web_root;
    /// Request bodies above this get 413 (the notification route included).
    std::size_t max_body_bytes = 1024 * 1024;
    /// How long a plugin may take to answer an inbound notification before the host answers
    /// 503 itself (the provider retries).
    std::chrono::milliseconds hook_deadline{std::chrono::seconds(10)};
    /// The server's own response deadline for every other request; keep it above the runtime's
    /// hook_timeout so that the runtime's timeout (a clear JSON error) comes first.
    std::chrono::milliseconds response_deadline{std::chrono::seconds(40)};
    /// Heartbeat comment interval on event streams (finds dead peers).
    std::chrono::milliseconds sse_heartbeat{std::chrono::seconds(15)};
    /// How the outside world reaches this host ("https://pms.example.com"); empty = the
    /// server's own base URL. Used for the notification URLs shown to admins.
    std::string public_url;
    /// Where InvoiceBox and other providers reach /hooks/... from outside
    /// ("https://hooks.example.com"); empty = `public_url`. Notification URLs are built from it.
    std::string hooks_public_url;
    /// A second listener that serves /hooks/... only (everything else 404), so that only the
    /// notification endpoint faces the internet. Port 0 with an empty address = none.
    std::string hooks_address;
    std::uint16_t hooks_port = 0;
    bool hooks_listener = false;
    /// Host names this host answers to besides the listen address and the public URL's host
    /// ("pms.hotel.lan" or "pms.hotel.lan:8080").
    std::vector<std::string> allowed_hosts;
    AccessLimits limits;
    /// Set when the host runs on a FakeClock (--fake-clock): enables /api/test/clock.
    FakeClock* fake_clock = nullptr;
    /// Threads for blocking storage calls.
    unsigned blocking_threads = 2;
    /// Where the server's own log lines go (never bodies, header values or query strings).
    std::function<void(LogLevel, std::string_view)> log;
    /// The lowest level `log` keeps: a per-request debug line is not even built below it (two
    /// string builds per notification at info, for nothing; issue 14).
    LogLevel log_level = LogLevel::debug;
    /// How often an enabled module's connection check (its "x-check" settings action) runs
    /// again by itself; it also runs after enabling and after each save.
    std::chrono::seconds module_check_interval{5 * 60};
    /// The version reported by /api/health.
    std::string version = "0.1.0";
};

class HostServer {
  public:
    /// Binds and starts serving on `runtime.io_context()`. Throws std::system_error when the
    /// address cannot be bound. `runtime` and `storage` must outlive the server.
    HostServer(Runtime& runtime, Storage& storage, ServerConfig config);
    /// Calls stop().
    ~HostServer();

    HostServer(const HostServer&) = delete;
    HostServer& operator=(const HostServer&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept;
    /// "http://127.0.0.1:<port>"
    [[nodiscard]] std::string base_url() const;
    /// The public URL in use (config.public_url, else base_url()).
    [[nodiscard]] std::string public_url() const;

    /// Stops accepting, closes every live-event stream and every connection (requests still
    /// waiting get 503), unsubscribes from the runtime and waits for the blocking pool.
    /// Call before runtime.shutdown(). Idempotent.
    void stop();

    /// Open live-event streams (for tests and logs).
    [[nodiscard]] std::size_t event_stream_count() const;

    /// The base URL of the /hooks-only listener, empty without one.
    [[nodiscard]] std::string hooks_base_url() const;

    /// One row of the /api route table: what a test walks to prove every route is guarded.
    struct RouteInfo {
        std::string method;  ///< "GET", "POST", ...
        std::string pattern; ///< after "/api/", e.g. "properties/{property}/folios/{folio}"
        /// "public", "signed_in" (any staff member), a permission name ("folio.view"), or
        /// "page": the permission the plugin page {plugin}/{page} declares (pms.admin-page/1).
        std::string access;
    };
    [[nodiscard]] static std::vector<RouteInfo> routes();

    struct Impl;

  private:
    std::shared_ptr<Impl> impl_;
};

} // namespace pms::host::server
