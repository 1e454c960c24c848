// Live events (Server-Sent Events): the open event streams per property, fan-out of staff
// notifications and pushed view updates to them, a heartbeat comment that finds dead peers,
// caps per staff session and in total, a maximum age after which a stream is closed (the
// browser reconnects and its session is checked again), closing every stream of a staff
// session that ended, and close_all() for shutdown (architecture §7: close live-event
// connections on SIGTERM).
#pragma once

#include <pms/net/http_server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace pms::host::server {

class EventHub : public std::enable_shared_from_this<EventHub> {
  public:
    /// Set from AccessLimits (host_server.hpp), where the defaults live.
    struct Limits {
        std::size_t per_session;
        std::size_t total;
        std::chrono::seconds max_age;
    };

    /// Heartbeats every `heartbeat` once start() ran. `ioc` must outlive the hub's timer.
    EventHub(boost::asio::io_context& ioc, std::chrono::milliseconds heartbeat, Limits limits);

    /// Starts the heartbeat timer.
    void start();

    enum class Admission { ok, session_full, total_full, closed };
    /// A place under the caps, held from admit() until add() turns it into an open stream, or
    /// given back when the last copy is dropped without add() (the request failed meanwhile).
    struct Reservation {
        std::weak_ptr<EventHub> hub;
        std::string owner;
        bool held = true; ///< guarded by the hub's mutex
        ~Reservation();
    };
    /// Whether one more stream of staff session `owner` fits under the caps now, counting the
    /// places reserved for streams still being opened; on `ok`, `reservation` holds one place.
    [[nodiscard]] Admission admit(const std::string& owner,
                                  std::shared_ptr<Reservation>& reservation);

    /// Adds an open stream for `property`, owned by staff session `owner` (a token hash), in
    /// the place `reservation` held (if any). After close_all() the stream is closed at once.
    /// Thread-safe.
    void add(const std::string& property, const std::string& owner, net::ResponseStream stream,
             const std::shared_ptr<Reservation>& reservation = {});

    /// Sends one SSE message to every open stream of `property`. Thread-safe.
    void publish(const std::string& property, std::string_view event, std::string_view data,
                 std::string_view id = {});
    /// The same, to the streams of staff session `owner` only (a view belongs to its opener).
    void publish_to(const std::string& property, const std::string& owner, std::string_view event,
                    std::string_view data);

    /// Closes every stream of staff session `owner` (signed out, expired, disabled).
    void close_session(const std::string& owner);

    /// Closes every stream, stops the heartbeat and refuses later streams. Idempotent and
    /// thread-safe.
    void close_all();

    /// Open streams (all properties).
    [[nodiscard]] std::size_t size() const;

  private:
    struct Entry {
        net::ResponseStream stream;
        std::string owner;
        std::chrono::steady_clock::time_point opened;
    };

    void schedule_heartbeat();
    void on_heartbeat();
    /// Sends `message` to the streams of `property` (of `owner` only, when not null).
    void send_matching(const std::string& property, const std::string* owner,
                       const std::string& message);

    void release(Reservation& reservation); // with mutex_ held

    mutable std::mutex mutex_;
    std::map<std::string, std::vector<Entry>, std::less<>> streams_;
    std::map<std::string, std::size_t, std::less<>> reserved_; ///< by owner
    std::size_t reserved_total_ = 0;
    bool closed_ = false;
    boost::asio::steady_timer timer_;
    std::chrono::milliseconds heartbeat_;
    Limits limits_;
};

} // namespace pms::host::server
