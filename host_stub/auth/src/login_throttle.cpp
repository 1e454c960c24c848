// See login_throttle.hpp.
#include <pms/host/auth/login_throttle.hpp>

#include <algorithm>

namespace pms::host::auth {
namespace {

std::string login_key(std::string_view login) {
    std::string key = "login:";
    for (const char c : login)
        key += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    return key;
}

std::string address_key(std::string_view address) {
    return "addr:" + std::string{address};
}

} // namespace

std::optional<std::chrono::seconds> LoginThrottle::wait_of(const std::string& key,
                                                           Clock::time_point now) const {
    const auto it = entries_.find(key);
    if (it == entries_.end() || it->second.failures < policy_.free_failures)
        return std::nullopt;
    const unsigned doublings = std::min(it->second.failures - policy_.free_failures, 20u);
    const auto wait = std::min<std::chrono::seconds>(policy_.first_wait * (1LL << doublings),
                                                     policy_.max_wait);
    const auto until = it->second.last_failure + wait;
    if (now >= until)
        return std::nullopt;
    return std::chrono::ceil<std::chrono::seconds>(until - now);
}

std::optional<std::chrono::seconds> LoginThrottle::wait_before(std::string_view login,
                                                               std::string_view address,
                                                               Clock::time_point now) {
    std::lock_guard lock{mutex_};
    const auto a = wait_of(login_key(login), now);
    const auto b = wait_of(address_key(address), now);
    if (!a)
        return b;
    if (!b)
        return a;
    return std::max(*a, *b);
}

void LoginThrottle::count(const std::string& key, Clock::time_point now) {
    auto& e = entries_[key];
    if (e.failures > 0 && now - e.last_failure > policy_.forget_after)
        e.failures = 0;
    ++e.failures;
    e.last_failure = now;
}

void LoginThrottle::forget_oldest(Clock::time_point now) {
    // Quiet keys first; then, if still too many, the least recently failed.
    for (auto it = entries_.begin(); it != entries_.end();)
        it = now - it->second.last_failure > policy_.forget_after ? entries_.erase(it)
                                                                  : std::next(it);
    while (entries_.size() > policy_.max_keys) {
        auto oldest = std::min_element(entries_.begin(), entries_.end(), [](auto& a, auto& b) {
            return a.second.last_failure < b.second.last_failure;
        });
        entries_.erase(oldest);
    }
}

void LoginThrottle::failed(std::string_view login, std::string_view address,
                           Clock::time_point now) {
    std::lock_guard lock{mutex_};
    count(login_key(login), now);
    count(address_key(address), now);
    if (entries_.size() > policy_.max_keys)
        forget_oldest(now);
}

void LoginThrottle::succeeded(std::string_view login) {
    std::lock_guard lock{mutex_};
    entries_.erase(login_key(login));
}

} // namespace pms::host::auth
