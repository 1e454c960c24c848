// Sliding-window-log rate limiter: exact ("at most N in any window"), and N is small (100), so
// keeping one time stamp per request is cheap.
#include "invoicebox/protocol/rate_limiter.hpp"

#include <algorithm>

namespace invoicebox::protocol {

RateLimiter::RateLimiter(std::size_t max_requests, Duration window)
    : RateLimiter(max_requests, window, std::max<std::size_t>(max_requests, 1) / 5) {}

RateLimiter::RateLimiter(std::size_t max_requests, Duration window, std::size_t staff_reserve)
    : unlimited_(max_requests == 0), max_(std::max<std::size_t>(max_requests, 1)),
      // Background work always keeps at least one slot, or a poller could never run.
      reserve_(std::min(staff_reserve, max_ - 1)), window_(std::max(window, Duration{1})) {}

RateLimiter::TimePoint RateLimiter::clamp(TimePoint now) {
    latest_ = std::max(latest_, now);
    return latest_;
}

void RateLimiter::evict(TimePoint now) {
    // A request sent at t occupies [t, t + window).
    while (!sent_.empty() && sent_.front() + window_ <= now)
        sent_.pop_front();
}

RateLimiter::Duration RateLimiter::time_until_available(TimePoint now, Priority priority) {
    now = clamp(now);
    evict(now);
    Duration wait{0};
    // With `cap` slots and `used` taken, the next is free once used - cap + 1 counted requests
    // left the window: the oldest of them leaves last. Requests in flight leave only after
    // their answer, so when they alone fill the slots the caller asks again shortly.
    const std::size_t cap = capacity(priority);
    const std::size_t used = sent_.size() + in_flight_;
    if (!unlimited_ && used >= cap) {
        const std::size_t surplus = used - cap;
        wait = surplus < sent_.size() ? std::chrono::ceil<Duration>(sent_[surplus] + window_ - now)
                                      : in_flight_retry;
    }
    if (blocked_until_ > now)
        wait = std::max(wait, std::chrono::ceil<Duration>(blocked_until_ - now));
    return wait;
}

RateLimiter::Admission RateLimiter::try_acquire(TimePoint now, Priority priority) {
    // A request answered the moment it is admitted.
    const auto admission = try_start(now, priority);
    if (admission.granted)
        finish(now);
    return admission;
}

RateLimiter::Admission RateLimiter::try_start(TimePoint now, Priority priority) {
    now = clamp(now);
    const auto wait = time_until_available(now, priority);
    if (wait > Duration{0})
        return {false, wait};
    if (!unlimited_)
        ++in_flight_;
    return {true, Duration{0}};
}

void RateLimiter::finish(TimePoint now) {
    // With the count off nothing is counted: the log would only grow.
    if (unlimited_ || in_flight_ == 0)
        return;
    --in_flight_;
    sent_.push_back(clamp(now));
}

void RateLimiter::penalize(TimePoint now, Duration retry_after) {
    now = clamp(now);
    blocked_until_ = std::max(blocked_until_, now + retry_after);
}

std::size_t RateLimiter::in_window(TimePoint now) {
    evict(clamp(now));
    return sent_.size() + in_flight_;
}

} // namespace invoicebox::protocol
