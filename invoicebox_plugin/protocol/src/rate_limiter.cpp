// Sliding-window-log rate limiter: exact ("at most N in any window"), and N is small (100), so
// keeping one time stamp per request is cheap.
#include "invoicebox/protocol/rate_limiter.hpp"

#include <algorithm>

namespace invoicebox::protocol {

RateLimiter::RateLimiter(std::size_t max_requests, Duration window)
    : max_(std::max<std::size_t>(max_requests, 1)), window_(std::max(window, Duration{1})) {}

RateLimiter::TimePoint RateLimiter::clamp(TimePoint now) {
    latest_ = std::max(latest_, now);
    return latest_;
}

void RateLimiter::evict(TimePoint now) {
    // A request sent at t occupies [t, t + window).
    while (!sent_.empty() && sent_.front() + window_ <= now)
        sent_.pop_front();
}

RateLimiter::Duration RateLimiter::time_until_available(TimePoint now) {
    now = clamp(now);
    evict(now);
    Duration wait{0};
    if (sent_.size() >= max_)
        wait = std::chrono::ceil<Duration>(sent_[sent_.size() - max_] + window_ - now);
    if (blocked_until_ > now)
        wait = std::max(wait, std::chrono::ceil<Duration>(blocked_until_ - now));
    return wait;
}

RateLimiter::Admission RateLimiter::try_acquire(TimePoint now) {
    now = clamp(now);
    const auto wait = time_until_available(now);
    if (wait > Duration{0})
        return {false, wait};
    sent_.push_back(now);
    return {true, Duration{0}};
}

void RateLimiter::penalize(TimePoint now, Duration retry_after) {
    now = clamp(now);
    blocked_until_ = std::max(blocked_until_, now + retry_after);
}

std::size_t RateLimiter::in_window(TimePoint now) {
    evict(clamp(now));
    return sent_.size();
}

} // namespace invoicebox::protocol
