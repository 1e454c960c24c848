// See log_repeats.hpp.
#include "log_repeats.hpp"

namespace pms::host::detail {
namespace {

std::string key_of(LogLevel level, std::string_view origin, std::string_view text) {
    std::string key;
    key.reserve(origin.size() + text.size() + 3);
    key.push_back(static_cast<char>('0' + static_cast<int>(level)));
    key.append(origin);
    key.push_back('\x1f'); // not in an origin: "plugin:a" + "b…" never meets "plugin:ab" + "…"
    key.append(text);
    return key;
}

} // namespace

LogRepeats::LogRepeats(Options options) : options_{options} {
    if (options_.window.count() <= 0)
        options_.window = std::chrono::seconds{1};
}

bool LogRepeats::admit(LogLevel level, std::string_view origin, std::string_view text,
                       Clock::time_point now, std::vector<HeldBack>& due) {
    std::lock_guard lock(mutex_);
    const std::string key = key_of(level, origin, text);
    if (auto it = lines_.find(key); it != lines_.end()) {
        Entry& e = it->second;
        if (now - e.window_start >= options_.window) {
            // A new window: the old one's count first, so the log reads in order.
            if (e.held > 0)
                due.push_back(held_back(e));
            e.window_start = now;
            e.written = 1;
            e.held = 0;
            sweep_locked(now, due);
            return true;
        }
        if (e.written < options_.burst) {
            ++e.written;
            return true;
        }
        ++e.held;
        return false;
    }
    sweep_locked(now, due);
    if (lines_.size() < options_.max_tracked)
        lines_.emplace(key, Entry{level, std::string{origin}, std::string{text}, now, 1, 0});
    return true;
}

void LogRepeats::sweep_locked(Clock::time_point now, std::vector<HeldBack>& due) {
    // At most once a second: a flood of one line must not scan the map per line.
    if (now < next_sweep_)
        return;
    next_sweep_ = now + std::chrono::seconds{1};
    for (auto it = lines_.begin(); it != lines_.end();) {
        if (now - it->second.window_start < options_.window) {
            ++it;
            continue;
        }
        if (it->second.held > 0)
            due.push_back(held_back(it->second));
        it = lines_.erase(it);
    }
}

std::vector<LogRepeats::HeldBack> LogRepeats::take_due(Clock::time_point now) {
    std::vector<HeldBack> due;
    std::lock_guard lock(mutex_);
    next_sweep_ = {};
    sweep_locked(now, due);
    return due;
}

std::vector<LogRepeats::HeldBack> LogRepeats::take_all() {
    std::vector<HeldBack> due;
    std::lock_guard lock(mutex_);
    for (const auto& [_, e] : lines_)
        if (e.held > 0)
            due.push_back(held_back(e));
    lines_.clear();
    return due;
}

LogRepeats::HeldBack LogRepeats::held_back(const Entry& e) const {
    return HeldBack{e.level, e.origin, e.text, e.held, options_.window};
}

std::string LogRepeats::summary_text(const HeldBack& held) {
    return "the same line " + std::to_string(held.copies) + " more time" +
           (held.copies == 1 ? "" : "s") + " within " + std::to_string(held.window.count()) +
           " s (held back): " + held.text;
}

} // namespace pms::host::detail
