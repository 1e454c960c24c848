// See view_registry.hpp.
#include "view_registry.hpp"

namespace pms::host::server {

ViewRegistry::Reserved ViewRegistry::reserve(const std::string& owner) {
    std::lock_guard lock{mutex_};
    Reserved out;
    auto& mine = per_owner_[owner];
    if (mine >= limits_.per_session) {
        // Evict the least recently used open view of this staff session; reservations still in
        // flight are not views yet and cannot be evicted.
        auto oldest = views_.end();
        for (auto it = views_.begin(); it != views_.end(); ++it)
            if (it->second.owner == owner &&
                (oldest == views_.end() || it->second.last_used < oldest->second.last_used))
                oldest = it;
        if (oldest == views_.end()) {
            if (mine == 0)
                per_owner_.erase(owner);
            out.admission = Admission::session_full;
            return out;
        }
        out.evicted = oldest->first;
        views_.erase(oldest);
        --mine;
    } else if (views_.size() + reservations_.size() >= limits_.total) {
        if (mine == 0)
            per_owner_.erase(owner);
        out.admission = Admission::total_full;
        return out;
    }
    out.ticket = next_ticket_++;
    reservations_.emplace(out.ticket, owner);
    ++mine;
    return out;
}

void ViewRegistry::own(std::uint64_t ticket, const std::string& session, Clock::time_point now) {
    std::lock_guard lock{mutex_};
    const auto it = reservations_.find(ticket);
    if (it == reservations_.end())
        return;
    std::string owner = std::move(it->second);
    reservations_.erase(it);
    // The same session id twice (never from the runtime) must not count twice.
    if (const auto old = views_.find(session); old != views_.end()) {
        count_down(old->second.owner);
        views_.erase(old);
    }
    views_.emplace(session, Entry{std::move(owner), now});
}

void ViewRegistry::release(std::uint64_t ticket) {
    std::lock_guard lock{mutex_};
    const auto it = reservations_.find(ticket);
    if (it == reservations_.end())
        return;
    count_down(it->second);
    reservations_.erase(it);
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
    const auto it = views_.find(session);
    if (it == views_.end())
        return;
    count_down(it->second.owner);
    views_.erase(it);
}

std::vector<std::string> ViewRegistry::take_all_of(const std::string& owner) {
    std::vector<std::string> out;
    std::lock_guard lock{mutex_};
    for (auto it = views_.begin(); it != views_.end();)
        if (it->second.owner == owner) {
            out.push_back(it->first);
            count_down(owner);
            it = views_.erase(it);
        } else {
            ++it;
        }
    return out;
}

std::vector<ViewRegistry::Taken> ViewRegistry::take_idle(Clock::time_point now) {
    std::vector<Taken> out;
    std::lock_guard lock{mutex_};
    for (auto it = views_.begin(); it != views_.end();)
        if (now - it->second.last_used >= limits_.idle) {
            out.push_back(Taken{it->first, it->second.owner});
            count_down(it->second.owner);
            it = views_.erase(it);
        } else {
            ++it;
        }
    return out;
}

std::size_t ViewRegistry::size() const {
    std::lock_guard lock{mutex_};
    return views_.size() + reservations_.size();
}

void ViewRegistry::count_down(const std::string& owner) {
    const auto it = per_owner_.find(owner);
    if (it == per_owner_.end())
        return;
    if (--it->second == 0)
        per_owner_.erase(it);
}

} // namespace pms::host::server
