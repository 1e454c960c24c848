// Client-side rate limiter: at most N requests in any sliding window of W (InvoiceBox's default
// is 100 requests per 30 s per account, invoicebox-api.md §1.5; excess gets HTTP 429).
//
// Time is passed in, never read, so tests drive it and the plugin uses the host's clock. One
// limiter per InvoiceBox account, shared by every property instance using that account
// (architecture §7): instances run on different strands, so share a SharedRateLimiter.
//
// Two priorities share the window. Background work (the poller, start-up recovery) may fill it
// only up to N minus a reserve; the reserve is kept for staff actions, so a front-desk refresh
// never waits behind a poller that has used the account's whole budget (issue 14). Staff requests
// count against the same N: the account limit is never passed.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>

namespace invoicebox::protocol {

class RateLimiter {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;
    using Duration = std::chrono::milliseconds;

    enum class Priority : unsigned char { staff, background };

    struct Admission {
        bool granted = false;
        Duration wait{0}; ///< when not granted: ask again after this long
    };

    /// `staff_reserve` slots of every window are not given to background requests; by default a
    /// fifth of the limit (20 of InvoiceBox's 100), never all of it. `max_requests` 0 switches
    /// the count off (an account whose limit InvoiceBox lifted, a simulator without one): every
    /// request is granted at once, and only a 429's Retry-After (penalize) still holds them back.
    explicit RateLimiter(std::size_t max_requests = 100,
                         Duration window = std::chrono::seconds(30));
    RateLimiter(std::size_t max_requests, Duration window, std::size_t staff_reserve);

    /// Takes a slot at `now` if one is free for `priority`, counted from `now`: for a request
    /// that reaches InvoiceBox when it is admitted. Times must not go backwards (a smaller `now`
    /// is treated as the latest time seen).
    Admission try_acquire(TimePoint now, Priority priority = Priority::staff);
    /// Takes a slot for a request about to be sent, which holds it while in flight; finish()
    /// at its answer (exactly once per granted start) counts it from then on. InvoiceBox
    /// counts a request when it arrives, somewhere between our send and its answer: counted
    /// until the answer and from the answer, no 30 s window of arrivals can hold more than the
    /// limit, however long requests queue in the host's connection pool (bench/: admissions
    /// counted at send let 112 arrive in one window, 8 refused).
    Admission try_start(TimePoint now, Priority priority = Priority::staff);
    void finish(TimePoint now);
    /// How long until a slot is free for `priority` (0 = now), without taking it.
    Duration time_until_available(TimePoint now, Priority priority = Priority::staff);
    /// After a 429: no slot is granted before now + retry_after (InvoiceBox's count of our
    /// requests may differ from ours, e.g. another client on the same account).
    void penalize(TimePoint now, Duration retry_after);
    /// Requests counted in the window ending at `now`, those in flight included.
    std::size_t in_window(TimePoint now);

    /// 0: the count is off (see the constructor).
    std::size_t max_requests() const noexcept { return unlimited_ ? 0 : max_; }
    std::size_t staff_reserve() const noexcept { return reserve_; }
    Duration window() const noexcept { return window_; }

  private:
    /// How soon to ask again when only requests in flight fill the window.
    static constexpr Duration in_flight_retry{50};

    TimePoint clamp(TimePoint now);
    void evict(TimePoint now);
    std::size_t capacity(Priority p) const noexcept { return p == Priority::staff ? max_ : max_ - reserve_; }

    bool unlimited_;
    std::size_t max_;
    std::size_t reserve_;
    Duration window_;
    std::deque<TimePoint> sent_; ///< admissions (try_acquire) and answers (finish), in time order
    std::size_t in_flight_ = 0;  ///< started, not finished
    TimePoint blocked_until_{};
    TimePoint latest_{};
};

/// A RateLimiter behind a mutex, for one account shared by several instances. The lock is held
/// only for the bookkeeping (no I/O, no waiting inside).
class SharedRateLimiter {
  public:
    explicit SharedRateLimiter(std::size_t max_requests = 100,
                               RateLimiter::Duration window = std::chrono::seconds(30))
        : limiter_(max_requests, window) {}

    RateLimiter::Admission try_acquire(RateLimiter::TimePoint now,
                                       RateLimiter::Priority p = RateLimiter::Priority::staff) {
        std::lock_guard lock(m_);
        return limiter_.try_acquire(now, p);
    }
    RateLimiter::Duration time_until_available(RateLimiter::TimePoint now,
                                               RateLimiter::Priority p = RateLimiter::Priority::staff) {
        std::lock_guard lock(m_);
        return limiter_.time_until_available(now, p);
    }
    RateLimiter::Admission try_start(RateLimiter::TimePoint now,
                                     RateLimiter::Priority p = RateLimiter::Priority::staff) {
        std::lock_guard lock(m_);
        return limiter_.try_start(now, p);
    }
    void finish(RateLimiter::TimePoint now) {
        std::lock_guard lock(m_);
        limiter_.finish(now);
    }
    void penalize(RateLimiter::TimePoint now, RateLimiter::Duration retry_after) {
        std::lock_guard lock(m_);
        limiter_.penalize(now, retry_after);
    }
    /// The limit it was made with (0 = off).
    std::size_t max_requests() {
        std::lock_guard lock(m_);
        return limiter_.max_requests();
    }

  private:
    std::mutex m_;
    RateLimiter limiter_;
};

} // namespace invoicebox::protocol
