// Live events (Server-Sent Events): the open event streams per property, fan-out of staff
// notifications and pushed view updates to them, a heartbeat comment that finds dead peers,
// and close_all() for shutdown (architecture §7: close live-event connections on SIGTERM).
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
    /// Heartbeats every `heartbeat` once start() ran. `ioc` must outlive the hub's timer.
    EventHub(boost::asio::io_context& ioc, std::chrono::milliseconds heartbeat);

    /// Starts the heartbeat timer.
    void start();

    /// Adds an open stream for `property`. After close_all() the stream is closed at once.
    /// Thread-safe.
    void add(const std::string& property, net::ResponseStream stream);

    /// Sends one SSE message to every open stream of `property`. Thread-safe.
    void publish(const std::string& property, std::string_view event, std::string_view data,
                 std::string_view id = {});

    /// Closes every stream, stops the heartbeat and refuses later streams. Idempotent and
    /// thread-safe.
    void close_all();

    /// Open streams (all properties).
    [[nodiscard]] std::size_t size() const;

  private:
    void schedule_heartbeat();
    void on_heartbeat();

    mutable std::mutex mutex_;
    std::map<std::string, std::vector<net::ResponseStream>, std::less<>> streams_;
    bool closed_ = false;
    boost::asio::steady_timer timer_;
    std::chrono::milliseconds heartbeat_;
};

} // namespace pms::host::server
