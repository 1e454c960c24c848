// Sliding-window rate limiter (see rate_limiter.hpp).
#include "invoicebox/sim/rate_limiter.hpp"

namespace invoicebox::sim {

bool RateLimiter::allow(const std::string& key, TimePoint now) {
    if (limit_.requests == 0) {
        return true;
    }
    auto& q = seen_[key];
    while (!q.empty() && q.front() <= now - limit_.window) {
        q.pop_front();
    }
    if (q.size() >= limit_.requests) {
        return false;
    }
    q.push_back(now);
    return true;
}

} // namespace invoicebox::sim
