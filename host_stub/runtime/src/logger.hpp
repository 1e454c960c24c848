// The runtime's log: one sink for the host and every plugin instance, with redaction applied to
// every line before it reaches the sink. Redaction masks (1) every secret value saved for any
// instance (the host reads them back into this registry at activation and after each save),
// (2) credentials after "Authorization:", "Bearer " and "Basic ", and (3) card-number-like digit
// runs (13-19 digits passing the Luhn check). It is a backstop, not a licence to log secrets.
// A plugin's repeated lines are then held back (log_repeats.hpp): a flood of one event costs the
// log a few lines a minute. The host's own lines are never held back.
#pragma once

#include "log_repeats.hpp"

#include <pms/host/runtime/runtime.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace pms::host::detail {

class Logger {
  public:
    Logger(LogSink sink, LogLevel min_level, LogRepeats::Options repeats = {});

    [[nodiscard]] bool enabled(LogLevel level) const noexcept;

    /// Redacts `text` and hands one line to the sink, unless it is a plugin's line repeated more
    /// than the guard lets through (origin "plugin:…"). Thread-safe; never throws.
    void write(LogLevel level, std::string_view origin, std::string_view text) noexcept;

    /// Writes the "held back" summary of every repeat window ended by `now` (all of them with
    /// `everything`, at shutdown). The runtime calls it from a timer; never throws.
    void flush_repeats(std::chrono::steady_clock::time_point now, bool everything = false) noexcept;

    /// Replaces the secret values known for `owner` (e.g. "plugin@property"). Values shorter
    /// than 4 bytes are not registered (they would mask ordinary words).
    void set_secrets(const std::string& owner, std::vector<std::string> values);

    /// The redacted form of `text` (exposed for tests).
    [[nodiscard]] std::string redact(std::string_view text) const;

  private:
    void write_held_back(const std::vector<LogRepeats::HeldBack>& held) noexcept;

    LogSink sink_;
    LogLevel min_level_;
    LogRepeats repeats_;
    mutable std::shared_mutex secrets_mutex_;
    std::map<std::string, std::vector<std::string>> secrets_by_owner_;
    std::vector<std::string> all_secrets_; // longest first
};

/// Masks credentials and card numbers but not registered secrets.
[[nodiscard]] std::string redact_patterns(std::string_view text);

} // namespace pms::host::detail
