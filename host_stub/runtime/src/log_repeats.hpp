// Holds back a plugin's repeated log lines, so that a flood of the same event (a stranger posting
// forged notifications, a failing store answering every request alike) costs the log a few lines
// a minute instead of one per request (issue 14, "Logs a hotel can keep"). Each distinct line
// (origin, level, text) is written `burst` times per `window`; further copies in that window are
// counted, and one line says how many were held back once the window has ended. A plugin that
// wants a line per event must make the lines differ (an order number), which is what an event
// worth a line has anyway.
//
// The guard is a map of at most `max_tracked` lines. When it is full, a new line is written and not
// tracked: a plugin logging thousands of distinct lines a minute is not collapsed, never silenced.
#pragma once

#include <pms/host/runtime/runtime.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pms::host::detail {

class LogRepeats {
  public:
    using Clock = std::chrono::steady_clock;

    struct Options {
        std::chrono::seconds window{60};
        std::uint32_t burst = 3;
        std::size_t max_tracked = 512;
    };

    /// One line the guard held back copies of, to be written as its summary.
    struct HeldBack {
        LogLevel level = LogLevel::info;
        std::string origin;
        std::string text;
        std::uint64_t copies = 0;
        std::chrono::seconds window{0};
    };

    LogRepeats() : LogRepeats(Options{}) {}
    explicit LogRepeats(Options options);

    /// Whether the line is to be written now. `due` receives the summaries of windows that have
    /// ended by `now` (this line's own first, when its window ended). Thread-safe.
    [[nodiscard]] bool admit(LogLevel level, std::string_view origin, std::string_view text,
                             Clock::time_point now, std::vector<HeldBack>& due);

    /// The summaries of every window ended by `now`; their lines are forgotten.
    [[nodiscard]] std::vector<HeldBack> take_due(Clock::time_point now);

    /// The summaries of every line with copies held back, ended or not (shutdown).
    [[nodiscard]] std::vector<HeldBack> take_all();

    /// The line that reports `held`.
    [[nodiscard]] static std::string summary_text(const HeldBack& held);

  private:
    struct Entry {
        LogLevel level = LogLevel::info;
        std::string origin;
        std::string text;
        Clock::time_point window_start;
        std::uint32_t written = 0;
        std::uint64_t held = 0;
    };

    void sweep_locked(Clock::time_point now, std::vector<HeldBack>& due);
    [[nodiscard]] HeldBack held_back(const Entry& e) const;

    Options options_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> lines_; // key: level, origin and text
    Clock::time_point next_sweep_{};
};

} // namespace pms::host::detail
