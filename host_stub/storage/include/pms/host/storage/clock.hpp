// The host's source of UTC time. Everything the host stores or compares is a UTC instant in
// milliseconds; the time source is injected so that tests (and the simulator sharing one clock
// with the host) control it. Property-local display is the browser's job (architecture §5).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

namespace pms::host {

/// A UTC instant with millisecond resolution, the only time type the host stores.
using UtcTime = std::chrono::sys_time<std::chrono::milliseconds>;

/// Milliseconds since the Unix epoch, for the C ABI (`pms.clock/1`) and for storage columns.
[[nodiscard]] constexpr std::int64_t to_utc_ms(UtcTime t) noexcept {
    return t.time_since_epoch().count();
}
[[nodiscard]] constexpr UtcTime from_utc_ms(std::int64_t ms) noexcept {
    return UtcTime{std::chrono::milliseconds{ms}};
}

/// Source of "now". Implementations are thread-safe: any thread may call `now()`.
class Clock {
  public:
    virtual ~Clock() = default;
    /// The current UTC instant. Never throws.
    [[nodiscard]] virtual UtcTime now() const noexcept = 0;
    /// The current UTC instant in milliseconds since the epoch.
    [[nodiscard]] std::int64_t now_utc_ms() const noexcept { return to_utc_ms(now()); }
};

/// Wall-clock time from `std::chrono::system_clock`, truncated to milliseconds.
class SystemClock final : public Clock {
  public:
    [[nodiscard]] UtcTime now() const noexcept override {
        return std::chrono::time_point_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now());
    }
};

/// A clock that moves only when told to; for tests. Thread-safe (the instant is atomic).
class FakeClock final : public Clock {
  public:
    explicit FakeClock(
        UtcTime start = from_utc_ms(1'741'946'400'000)) noexcept // 2025-03-14 10:00 UTC
        : now_ms_{to_utc_ms(start)} {}

    [[nodiscard]] UtcTime now() const noexcept override {
        return from_utc_ms(now_ms_.load(std::memory_order_acquire));
    }
    void set(UtcTime t) noexcept { now_ms_.store(to_utc_ms(t), std::memory_order_release); }
    void advance(std::chrono::milliseconds d) noexcept {
        now_ms_.fetch_add(d.count(), std::memory_order_acq_rel);
    }

  private:
    std::atomic<std::int64_t> now_ms_;
};

/// A process-wide system clock, for callers that do not inject one.
[[nodiscard]] inline std::shared_ptr<const Clock> shared_system_clock() {
    static const auto clock = std::make_shared<const SystemClock>();
    return clock;
}

} // namespace pms::host
