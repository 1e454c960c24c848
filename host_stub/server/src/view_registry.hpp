// Which staff session opened each plugin view (a view answers to its opener only), and the
// caps on open views: per staff session and in total, and an idle time after which a view is
// closed (issue 14: view sessions had no cap and never expired, and every open view costs the
// plugin a re-render on each change). Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace pms::host::server {

class ViewRegistry {
  public:
    using Clock = std::chrono::steady_clock;

    struct Limits {
        std::size_t per_session = 8;
        std::size_t total = 512;
        std::chrono::seconds idle{30 * 60};
    };

    explicit ViewRegistry(Limits limits) : limits_{limits} {}

    enum class Admission { ok, session_full, total_full };
    /// Whether staff session `owner` may open one more view now.
    [[nodiscard]] Admission admit(const std::string& owner) const;

    /// Records that `owner` opened view `session`.
    void own(const std::string& session, const std::string& owner, Clock::time_point now);
    /// True when `owner` opened `session` (and marks it used at `now`).
    bool use(const std::string& session, const std::string& owner, Clock::time_point now);
    /// The staff session that opened `session`, if it is known.
    [[nodiscard]] std::optional<std::string> owner_of(const std::string& session) const;
    void forget(const std::string& session);
    /// Forgets and returns every view of `owner`.
    std::vector<std::string> take_all_of(const std::string& owner);
    /// Forgets and returns every view unused since `now - idle`.
    std::vector<std::string> take_idle(Clock::time_point now);

    [[nodiscard]] std::size_t size() const;
    [[nodiscard]] const Limits& limits() const noexcept { return limits_; }

  private:
    struct Entry {
        std::string owner;
        Clock::time_point last_used;
    };
    Limits limits_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Entry> views_;
};

} // namespace pms::host::server
