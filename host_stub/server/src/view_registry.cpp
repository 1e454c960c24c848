// See view_registry.hpp.
#include "view_registry.hpp"

namespace pms::host::server {

ViewRegistry::Admission ViewRegistry::admit(const std::string& owner) const {
    std::lock_guard lock{mutex_};
    std::size_t mine = 0;
    for (const auto& [session, e] : views_)
        mine += e.owner == owner ? 1 : 0;
    if (mine >= limits_.per_session)
        return Admission::session_full;
    if (views_.size() >= limits_.total)
        return Admission::total_full;
    return Admission::ok;
}

void ViewRegistry::own(const std::string& session, const std::string& owner, Clock::time_point now) {
    std::lock_guard lock{mutex_};
    views_.insert_or_assign(session, Entry{owner, now});
}

bool ViewRegistry::use(const std::string& session, const std::string& owner, Clock::time_point now) {
    std::lock_guard lock{mutex_};
    const auto it = views_.find(session);
    if (it == views_.end() || it->second.owner != owner)
        return false;
    it->second.last_used = now;
    return true;
}

std::optional<std::string> ViewRegistry::owner_of(const std::string& session) const {
    std::lock_guard lock{mutex_};
    const auto it = views_.find(session);
    if (it == views_.end())
        return std::nullopt;
    return it->second.owner;
}

void ViewRegistry::forget(const std::string& session) {
    std::lock_guard lock{mutex_};
    views_.erase(session);
}

std::vector<std::string> ViewRegistry::take_all_of(const std::string& owner) {
    std::vector<std::string> out;
    std::lock_guard lock{mutex_};
    for (auto it = views_.begin(); it != views_.end();)
        if (it->second.owner == owner) {
            out.push_back(it->first);
            it = views_.erase(it);
        } else {
            ++it;
        }
    return out;
}

std::vector<std::string> ViewRegistry::take_idle(Clock::time_point now) {
    std::vector<std::string> out;
    std::lock_guard lock{mutex_};
    for (auto it = views_.begin(); it != views_.end();)
        if (now - it->second.last_used >= limits_.idle) {
            out.push_back(it->first);
            it = views_.erase(it);
        } else {
            ++it;
        }
    return out;
}

std::size_t ViewRegistry::size() const {
    std::lock_guard lock{mutex_};
    return views_.size();
}

} // namespace pms::host::server
