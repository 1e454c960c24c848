// When a failed notification is sent again.
//
// InvoiceBox repeats a notification that was not acknowledged (non-200, invalid JSON, a
// timeout, or `out_of_service`) up to 10 more times during the next 24 hours
// (invoicebox-api.md §5.3); the exact intervals are not published. The `real` schedule below
// spreads ten retries over 22.5 hours with growing gaps [inferred]. The default `fast` schedule
// is the development compression fixed in architecture.md §7: first retry within 5 s, all ten
// within a minute.
#pragma once

#include "invoicebox/sim/clock.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace invoicebox::sim {

class RetrySchedule {
  public:
    enum class Kind { fast, real };

    static RetrySchedule fast();
    static RetrySchedule real();
    static std::optional<RetrySchedule> from_name(std::string_view name);

    // The delay between attempt `attempt` (1-based, the one that just failed) and the next,
    // or nullopt when `attempt` was the last one allowed.
    std::optional<Millis> delay_after(int attempt) const;

    // Retries after the first attempt (10).
    int max_retries() const { return static_cast<int>(delays_.size()); }
    Kind kind() const { return kind_; }
    std::string_view name() const { return kind_ == Kind::fast ? "fast" : "real"; }
    const std::vector<Millis>& delays() const { return delays_; }

  private:
    RetrySchedule(Kind kind, std::vector<Millis> delays);

    Kind kind_;
    std::vector<Millis> delays_;
};

} // namespace invoicebox::sim
