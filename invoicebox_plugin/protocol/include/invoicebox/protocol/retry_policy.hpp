// RetryPolicy: pure decisions "retry after D", "resolve by lookup" or "give up" for a failed
// call. No timers here: the caller waits D on its own executor.
//
// Rules (invoicebox-api.md §2.12, §9.2; architecture §7):
//  * reads are retried on transport failures, 408, 425, 429, 5xx and unreadable 2xx bodies;
//  * idempotent writes (update PUT, cancel DELETE) likewise: repeating them has the same effect;
//  * a CREATE (order or refund) is repeated only when it certainly did not happen (not sent,
//    408, 425, 429); when its outcome is unknown the answer is resolve_by_lookup — find it by
//    merchantOrderId — never a blind second create (see create_order_flow.hpp);
//  * everything else (401, 403, 422, not_authenticated, invalid_request, ...) is final.
// Delays: exponential backoff with "equal jitter" (half fixed, half random, so retries from many
// instances spread out but never fire immediately), raised to Retry-After when the server asks.
#pragma once

#include "invoicebox/protocol/api_error.hpp"
#include "invoicebox/protocol/timestamp.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

namespace invoicebox::protocol {

enum class RequestKind : std::uint8_t {
    read,             ///< GET
    idempotent_write, ///< PUT update, DELETE cancel
    create,           ///< POST order, POST refund
};

struct RetrySettings {
    int max_read_attempts = 4;  ///< attempts in total, the first included
    int max_write_attempts = 3; ///< for idempotent writes and certainly-not-applied creates
    std::chrono::milliseconds base_delay{500};
    std::chrono::milliseconds max_delay{30'000};
    /// A Retry-After longer than this is not waited for: give up and let the caller reschedule.
    std::chrono::seconds max_retry_after{300};
};

/// Uniform random numbers in [0, 1). Injected so that tests are deterministic.
using RandomSource = std::function<double()>;

/// A non-deterministic source for production use (a per-thread engine seeded from
/// std::random_device, so copies may be used from several threads).
RandomSource default_random_source();

enum class RetryAction : std::uint8_t {
    retry,             ///< send the same request again after `delay`
    resolve_by_lookup, ///< a create's outcome is unknown: look it up (after `delay`)
    give_up,
};

std::string_view to_string(RetryAction a) noexcept;

struct RetryDecision {
    RetryAction action = RetryAction::give_up;
    std::chrono::milliseconds delay{0};
};

class RetryPolicy {
  public:
    explicit RetryPolicy(RetrySettings settings = {},
                         RandomSource random = default_random_source());

    /// `attempts_made` counts the attempts already sent, the failed one included (1 after the
    /// first failure). `now` is needed only for a Retry-After given as an HTTP date.
    RetryDecision decide(RequestKind kind, int attempts_made, const ApiError& error,
                         std::optional<UtcTime> now = std::nullopt) const;

    /// Backoff before attempt `attempts_made + 1`: cap = min(max, base * 2^(attempts_made-1)),
    /// delay = cap/2 + random * cap/2.
    std::chrono::milliseconds backoff(int attempts_made) const;

    /// Whether a failure of a read is worth repeating at all.
    static bool is_transient(const ApiError& e) noexcept;
    /// Whether a failed request certainly had no effect on the server.
    static bool certainly_not_applied(const ApiError& e) noexcept;

    const RetrySettings& settings() const noexcept { return settings_; }

  private:
    std::optional<std::chrono::milliseconds> server_delay(const ApiError& e,
                                                          std::optional<UtcTime> now) const;

    RetrySettings settings_;
    RandomSource random_;
};

} // namespace invoicebox::protocol
