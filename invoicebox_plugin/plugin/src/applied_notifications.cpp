// AppliedNotifications (applied_notifications.hpp).
#include <invoicebox/plugin/applied_notifications.hpp>

#include <utility>

namespace invoicebox::plugin {

std::string AppliedNotifications::key(std::string_view merchant_id, std::string_view signature) {
    std::string k;
    k.reserve(merchant_id.size() + 1 + signature.size());
    k.append(merchant_id).append(1, '/').append(signature);
    return k;
}

bool AppliedNotifications::contains(std::string_view merchant_id, std::string_view signature) const {
    const auto k = key(merchant_id, signature);
    return newer_.count(k) != 0 || older_.count(k) != 0;
}

void AppliedNotifications::add(std::string_view merchant_id, std::string_view signature) {
    if (capacity_ == 0)
        return;
    auto k = key(merchant_id, signature);
    if (older_.count(k) != 0)
        return;
    if (newer_.size() >= capacity_) {
        older_ = std::exchange(newer_, {});
    }
    newer_.insert(std::move(k));
}

void AppliedNotifications::clear() noexcept {
    newer_.clear();
    older_.clear();
}

} // namespace invoicebox::plugin
