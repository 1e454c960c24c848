// HostServer: the HTTP face of pms-host on one pms::net::HttpServer —
//   /hooks/<plugin-id>/<property-id>/<rest>  inbound provider notifications, handed raw to the
//                                            plugin's pms.notification-sink/1 via the runtime;
//   /api/...                                 the JSON API of the web UI (host_stub/API.md);
//   /api/properties/<p>/events               live events (Server-Sent Events);
//   everything else                          static files from the web root.
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

namespace pms::host::server {

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
    /// Set when the host runs on a FakeClock (--fake-clock): enables /api/test/clock.
    FakeClock* fake_clock = nullptr;
    /// Threads for blocking storage calls.
    unsigned blocking_threads = 2;
    /// Where the server's own log lines go (never bodies, header values or query strings).
    std::function<void(LogLevel, std::string_view)> log;
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

    struct Impl;

  private:
    std::shared_ptr<Impl> impl_;
};

} // namespace pms::host::server
