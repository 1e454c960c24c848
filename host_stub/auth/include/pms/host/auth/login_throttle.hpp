// Slows password guessing: failed sign-ins are counted per login and per client address, and
// past a few free attempts each key must wait, doubling with every further failure. The
// answer is the same whether the login exists or not (the caller never says which).
//
// In memory only: a restart forgets the counts, which costs an attacker a restart of the host
// they cannot cause. Bounded: the oldest keys are forgotten past `max_keys`.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace pms::host::auth {

class LoginThrottle {
  public:
    using Clock = std::chrono::steady_clock;

    struct Policy {
        unsigned free_failures = 5;                      ///< failures before any wait
        std::chrono::seconds first_wait{2};              ///< after the first counted failure
        std::chrono::seconds max_wait{15 * 60};          ///< the doubling stops here
        std::chrono::seconds forget_after{60 * 60};      ///< a quiet key starts over
        std::size_t max_keys = 20'000;
    };

    LoginThrottle() = default;
    explicit LoginThrottle(Policy policy) : policy_{policy} {}

    /// How long the caller must wait before `login` may be tried from `address`; nullopt when
    /// it may be tried now. The longer of the two keys' waits.
    [[nodiscard]] std::optional<std::chrono::seconds>
    wait_before(std::string_view login, std::string_view address, Clock::time_point now);

    /// Counts a failed attempt for both keys.
    void failed(std::string_view login, std::string_view address, Clock::time_point now);

    /// Clears the login's count (the address keeps its own: one good password does not buy an
    /// address more guesses at other logins).
    void succeeded(std::string_view login);

  private:
    struct Entry {
        unsigned failures = 0;
        Clock::time_point last_failure{};
    };
    [[nodiscard]] std::optional<std::chrono::seconds> wait_of(const std::string& key,
                                                              Clock::time_point now) const;
    void count(const std::string& key, Clock::time_point now);
    void forget_oldest(Clock::time_point now);

    Policy policy_{};
    std::mutex mutex_;
    std::map<std::string, Entry, std::less<>> entries_;
};

} // namespace pms::host::auth
