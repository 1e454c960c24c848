// The runtime's log: one sink for the host and every plugin instance, with redaction applied to
// every line before it reaches the sink. Redaction masks (1) every secret value saved for any
// instance (the host reads them back into this registry at activation and after each save),
// (2) credentials after "Authorization:", "Bearer " and "Basic ", and (3) card-number-like digit
// runs (13-19 digits passing the Luhn check). It is a backstop, not a licence to log secrets.
#pragma once

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
    Logger(LogSink sink, LogLevel min_level);

    [[nodiscard]] bool enabled(LogLevel level) const noexcept;

    /// Redacts `text` and hands one line to the sink. Thread-safe; never throws.
    void write(LogLevel level, std::string_view origin, std::string_view text) noexcept;

    /// Replaces the secret values known for `owner` (e.g. "plugin@property"). Values shorter
    /// than 4 bytes are not registered (they would mask ordinary words).
    void set_secrets(const std::string& owner, std::vector<std::string> values);

    /// The redacted form of `text` (exposed for tests).
    [[nodiscard]] std::string redact(std::string_view text) const;

  private:
    LogSink sink_;
    LogLevel min_level_;
    mutable std::shared_mutex secrets_mutex_;
    std::map<std::string, std::vector<std::string>> secrets_by_owner_;
    std::vector<std::string> all_secrets_; // longest first
};

/// Masks credentials and card numbers but not registered secrets.
[[nodiscard]] std::string redact_patterns(std::string_view text);

} // namespace pms::host::detail
