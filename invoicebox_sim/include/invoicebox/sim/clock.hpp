// The simulator's notion of "now" and the RFC 3339 times of the InvoiceBox wire format.
//
// InvoiceBox stores times in UTC and writes them as ATOM / RFC 3339 with an offset
// (`2020-12-22T00:00:00+00:00`, invoicebox-api.md §1.5). The simulator's clock is the system
// clock plus an offset that tests move forward (`POST /__sim/clock/advance`), so that order
// expiry and the notification retry schedule can be exercised without waiting.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace invoicebox::sim {

// A UTC instant with millisecond resolution.
using Instant = std::chrono::sys_time<std::chrono::milliseconds>;
using Millis = std::chrono::milliseconds;

// The current system time, truncated to milliseconds.
Instant system_now();

// Simulated wall clock: a time source plus an adjustable offset.
// Not thread-safe; the owner (the engine) serialises access.
class SimClock {
  public:
    using Source = std::function<Instant()>;

    // `source` defaults to the system clock; unit tests pass a fixed source.
    explicit SimClock(Source source = &system_now);

    // Source time plus the offset.
    Instant now() const;

    // Moves the clock by `delta` (may be negative; tests only move it forward).
    void advance(Millis delta);

    // Makes now() return `t` at this moment; later it keeps running from there.
    void set(Instant t);

    Millis offset() const { return offset_; }
    void set_offset(Millis offset) { offset_ = offset; }

  private:
    Source source_;
    Millis offset_{0};
};

// Parses an RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
// When `offset_optional` is true a value without offset is read as UTC (the docs' filter
// examples such as `createdAt[_ge]=2021-01-27T00:00:00`); otherwise it is rejected, as the
// API requires the client to send the offset. A bare date `YYYY-MM-DD` is accepted only with
// `offset_optional` and means midnight UTC.
std::optional<Instant> parse_rfc3339(std::string_view text, bool offset_optional = false);

// Formats as `YYYY-MM-DDTHH:MM:SS+00:00` (seconds resolution, UTC), the form InvoiceBox sends.
std::string format_rfc3339(Instant t);

// Formats `t` shifted by `utc_offset` as `DD.MM.YYYY HH:MM`, for the payment page.
std::string format_ru_datetime(Instant t, std::chrono::minutes utc_offset);

} // namespace invoicebox::sim
