// AppliedNotifications (applied_notifications.hpp).
#include <invoicebox/plugin/applied_notifications.hpp>

#include <utility>

namespace invoicebox::plugin {

AppliedNotifications::AppliedNotifications(std::size_t capacity, Clock::duration max_idle,
                                           std::function<Clock::time_point()> now)
    : seen_(capacity, max_idle, &RecentMap<Seen>::one_each, std::move(now)) {}

std::string AppliedNotifications::key(std::string_view merchant_id, std::string_view signature) {
    std::string k;
    k.reserve(merchant_id.size() + 1 + signature.size());
    k.append(merchant_id).append(1, '/').append(signature);
    return k;
}

bool AppliedNotifications::contains(std::string_view merchant_id, std::string_view signature) {
    return seen_.find(key(merchant_id, signature)) != nullptr;
}

void AppliedNotifications::add(std::string_view merchant_id, std::string_view signature) {
    seen_.put(key(merchant_id, signature), Seen{});
}

void AppliedNotifications::clear() noexcept {
    seen_.clear();
}

} // namespace invoicebox::plugin
