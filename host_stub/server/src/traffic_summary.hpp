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
#include <memory>
#include <string>

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

    /// One answered /hooks request: its status, whether the plugin answered (or the host), and
    /// how long it took.
    void count_hook(int status, bool from_plugin, std::chrono::milliseconds took);

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
};

} // namespace pms::host::server
