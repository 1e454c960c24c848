// Counts what the provider door answered and writes one summary line a minute at `info`, so
// that a host receiving millions of notifications keeps a log a hotel can store: each
// notification's own access line is `debug` (issue 14, "Logs a hotel can keep"). Outcomes that
// matter (posted, refused with a reason, errors) are logged by whoever decides them.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace pms::host::server {

class TrafficSummary : public std::enable_shared_from_this<TrafficSummary> {
  public:
    /// `write` receives the summary line (called on an io thread, only when something
    /// happened in the interval).
    TrafficSummary(boost::asio::io_context& ioc, std::chrono::seconds interval,
                   std::function<void(const std::string&)> write);

    void start();
    /// Writes what is counted but not yet written, and stops the timer. Idempotent.
    void stop();

    /// One answered /hooks request: its route ("<plugin>@<property>"), its status, whether the
    /// plugin answered (or the host), and how long it took from receipt.
    void count_hook(std::string_view route, int status, bool from_plugin,
                    std::chrono::milliseconds took);

    /// Distinct routes listed per interval; the rest are summed up as "other routes" (the
    /// property id in a /hooks path is the sender's to choose).
    static constexpr std::size_t max_routes = 16;

    /// The line for the counts so far, resetting them; empty when nothing happened.
    [[nodiscard]] std::string take_line();

  private:
    void schedule();

    boost::asio::steady_timer timer_;
    std::chrono::seconds interval_;
    std::function<void(const std::string&)> write_;
    std::atomic<std::uint64_t> ok_{0};          // 2xx
    std::atomic<std::uint64_t> refused_{0};     // 4xx
    std::atomic<std::uint64_t> failed_{0};      // 5xx
    std::atomic<std::uint64_t> by_host_{0};     // answered by the host, not the plugin
    std::atomic<std::uint64_t> slowest_ms_{0};
    std::atomic<bool> stopped_{false};
    struct RouteCounts {
        std::uint64_t ok = 0, refused = 0, failed = 0;
    };
    std::mutex routes_mutex_;
    std::map<std::string, RouteCounts, std::less<>> routes_; // sorted: a stable line
    RouteCounts other_routes_;
};

} // namespace pms::host::server
