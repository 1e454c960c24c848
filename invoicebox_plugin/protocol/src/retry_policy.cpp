// Retry decisions; the rules are listed in retry_policy.hpp.
#include "invoicebox/protocol/retry_policy.hpp"

#include <algorithm>
#include <random>

namespace invoicebox::protocol {

RandomSource default_random_source() {
    // One engine per thread: copies of a policy may run on different strands at once.
    return [] {
        thread_local std::mt19937_64 engine{std::random_device{}()};
        return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
    };
}

std::string_view to_string(RetryAction a) noexcept {
    switch (a) {
    case RetryAction::retry:
        return "retry";
    case RetryAction::resolve_by_lookup:
        return "resolve_by_lookup";
    case RetryAction::give_up:
        break;
    }
    return "give_up";
}

RetryPolicy::RetryPolicy(RetrySettings settings, RandomSource random)
    : settings_(settings), random_(random ? std::move(random) : default_random_source()) {}

bool RetryPolicy::is_transient(const ApiError& e) noexcept {
    switch (e.kind) {
    case ErrorKind::transport:
        return e.transport != TransportFailure::cancelled;
    case ErrorKind::rate_limited:
    case ErrorKind::server_error:
    case ErrorKind::malformed_response:
        return true;
    case ErrorKind::http_other:
        return e.http_status == 408 || e.http_status == 425;
    default:
        return false;
    }
}

bool RetryPolicy::certainly_not_applied(const ApiError& e) noexcept {
    if (e.kind == ErrorKind::transport)
        return !e.outcome_unknown;
    // 429: refused by the limiter; 408/425: the server did not take the request.
    return e.kind == ErrorKind::rate_limited ||
           (e.kind == ErrorKind::http_other && (e.http_status == 408 || e.http_status == 425));
}

std::chrono::milliseconds RetryPolicy::backoff(int attempts_made) const {
    using std::chrono::milliseconds;
    const int exponent = std::clamp(attempts_made - 1, 0, 30);
    const auto base = settings_.base_delay.count();
    const auto max = settings_.max_delay.count();
    long long cap = base;
    for (int i = 0; i < exponent && cap < max; ++i)
        cap *= 2;
    cap = std::min<long long>(cap, max);
    double r = random_();
    r = std::clamp(r, 0.0, 1.0);
    return milliseconds(cap / 2 + static_cast<long long>(r * static_cast<double>(cap - cap / 2)));
}

std::optional<std::chrono::milliseconds>
RetryPolicy::server_delay(const ApiError& e, std::optional<UtcTime> now) const {
    if (e.retry_after)
        return std::chrono::duration_cast<std::chrono::milliseconds>(*e.retry_after);
    if (e.retry_after_date && now) {
        const auto d = *e.retry_after_date - *now;
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            std::max(d, decltype(d)::zero()));
    }
    return std::nullopt;
}

RetryDecision RetryPolicy::decide(RequestKind kind, int attempts_made, const ApiError& e,
                                  std::optional<UtcTime> now) const {
    const auto server = server_delay(e, now);
    if (server && *server > settings_.max_retry_after)
        return kind == RequestKind::create && e.outcome_unknown
                   ? RetryDecision{RetryAction::resolve_by_lookup, backoff(attempts_made)}
                   : RetryDecision{RetryAction::give_up, std::chrono::milliseconds{0}};
    auto delay = backoff(attempts_made);
    if (server)
        delay = std::max(delay, *server);

    if (kind == RequestKind::create) {
        // An unknown outcome is resolved by a lookup however many attempts were made.
        if (e.outcome_unknown)
            return {RetryAction::resolve_by_lookup, delay};
        if (certainly_not_applied(e) && is_transient(e) &&
            attempts_made < settings_.max_write_attempts)
            return {RetryAction::retry, delay};
        return {RetryAction::give_up, std::chrono::milliseconds{0}};
    }
    const int max =
        kind == RequestKind::read ? settings_.max_read_attempts : settings_.max_write_attempts;
    if (is_transient(e) && attempts_made < max)
        return {RetryAction::retry, delay};
    return {RetryAction::give_up, std::chrono::milliseconds{0}};
}

} // namespace invoicebox::protocol
