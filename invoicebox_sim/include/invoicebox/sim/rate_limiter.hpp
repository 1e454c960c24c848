// Request rate limits: by default 100 requests per 30 s per account and 500 per 30 s per IP
// address; excess requests are answered HTTP 429 (invoicebox-api.md §1.5). Sliding window
// over the real (steady) clock, since the limit protects the service, not simulated time.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <string>

namespace invoicebox::sim {

struct RateLimit {
    std::size_t requests = 0; // 0 = unlimited
    std::chrono::milliseconds window{30'000};
};

// Not thread-safe; the engine serialises access.
class RateLimiter {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;

    explicit RateLimiter(RateLimit limit = {}) : limit_(limit) {}

    // Counts one request for `key` at `now`; false when it exceeds the limit (and is then
    // not counted, as a rejected request does not use up the allowance).
    bool allow(const std::string& key, TimePoint now);

    void set_limit(RateLimit limit) {
        limit_ = limit;
        seen_.clear();
    }
    const RateLimit& limit() const { return limit_; }
    void reset() { seen_.clear(); }

  private:
    RateLimit limit_;
    std::map<std::string, std::deque<TimePoint>> seen_;
};

} // namespace invoicebox::sim
