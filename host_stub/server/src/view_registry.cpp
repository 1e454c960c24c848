// See view_registry.hpp.
#include "view_registry.hpp"

#include <boost/json.hpp>

namespace pms::host::server {

namespace {

namespace json = boost::json;

constexpr std::string_view permission_member = "permission";

/// Removes the objects of every array below `v` whose permission `role` lacks (all of them when
/// `role` is unknown), noting every marked id.
void strip(json::value& v, const std::optional<StaffRole>& role,
           std::map<std::string, std::set<std::string>>& gated) {
    if (auto* a = v.if_array()) {
        for (auto it = a->begin(); it != a->end();) {
            if (auto* o = it->if_object()) {
                if (const auto* p = o->if_contains(permission_member)) {
                    // A permission that is not a string is one nobody holds.
                    const std::string needed = p->is_string() ? std::string{p->as_string()} : std::string{"?"};
                    if (const auto* id = o->if_contains("id"); id && id->is_string())
                        gated[std::string{id->as_string()}].insert(needed);
                    if (!role || !role_may(*role, needed)) {
                        // Its children may name actions too: note them before it goes.
                        json::value gone = std::move(*it);
                        it = a->erase(it);
                        std::map<std::string, std::set<std::string>> inner;
                        strip(gone, std::nullopt, inner);
                        for (auto& [k, perms] : inner)
                            gated[k].insert(perms.begin(), perms.end());
                        // The children need the parent's permission as well.
                        for (auto& [k, perms] : inner)
                            gated[k].insert(needed);
                        continue;
                    }
                }
            }
            strip(*it, role, gated);
            ++it;
        }
    } else if (auto* o = v.if_object()) {
        for (auto& member : *o)
            strip(member.value(), role, gated);
    }
}

} // namespace

bool role_may(StaffRole role, std::string_view permission) noexcept {
    const auto p = auth::parse_permission(permission);
    return p && auth::role_has(role, *p);
}

namespace {

/// False when no element can name a permission (the text has no such member name at all).
bool names_a_permission(std::string_view view_json) {
    return view_json.find("\"permission\"") != std::string_view::npos;
}

GatedView gate_view_as(std::string_view view_json, const std::optional<StaffRole>& role) {
    GatedView out;
    // Most views name no permission: they pass untouched, without a parse.
    if (!names_a_permission(view_json)) {
        out.view_json = std::string{view_json};
        return out;
    }
    json::error_code ec;
    json::value doc = json::parse(view_json, ec);
    if (ec) {
        out.view_json = std::string{view_json};
        return out;
    }
    strip(doc, role, out.gated);
    out.view_json = json::serialize(doc);
    return out;
}

} // namespace

GatedView gate_view(std::string_view view_json, StaffRole role) {
    return gate_view_as(view_json, role);
}

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
    views_.emplace(session, Entry{std::move(owner), now, std::nullopt, {}});
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

void ViewRegistry::set_role(const std::string& session, StaffRole role) {
    std::lock_guard lock{mutex_};
    if (const auto it = views_.find(session); it != views_.end())
        it->second.role = role;
}

void ViewRegistry::merge_gated(const std::string& session, const std::map<std::string, std::set<std::string>>& gated) {
    if (gated.empty())
        return;
    std::lock_guard lock{mutex_};
    const auto it = views_.find(session);
    if (it == views_.end())
        return;
    for (const auto& [action, perms] : gated)
        it->second.gated[action].insert(perms.begin(), perms.end());
}

std::shared_ptr<const GatedView> ViewRegistry::gated(const std::optional<StaffRole>& role,
                                                     std::string_view view_json) {
    if (auto known = recent_gates_.find(role, view_json))
        return *known;
    auto fresh = std::make_shared<const GatedView>(gate_view_as(view_json, role)); // no lock held
    recent_gates_.add(role, view_json, fresh);
    return fresh;
}

std::string ViewRegistry::gate(const std::string& session, std::string_view view_json) {
    std::optional<StaffRole> role;
    {
        std::lock_guard lock{mutex_};
        if (const auto it = views_.find(session); it != views_.end())
            role = it->second.role;
    }
    // A view naming no permission passes untouched; checked before the cache so that such
    // texts (most views) take no cache slot (gate_view_as checks it for its other callers).
    if (!names_a_permission(view_json))
        return std::string{view_json};
    const auto result = gated(role, view_json);
    merge_gated(session, result->gated);
    return result->view_json;
}

void ViewRegistry::note_gated(const std::string& session, std::string_view view_json) {
    if (names_a_permission(view_json))
        merge_gated(session, gated(std::nullopt, view_json)->gated);
}

std::set<std::string> ViewRegistry::required_for(const std::string& session, const std::string& action) const {
    std::lock_guard lock{mutex_};
    const auto it = views_.find(session);
    if (it == views_.end())
        return {};
    const auto a = it->second.gated.find(action);
    return a == it->second.gated.end() ? std::set<std::string>{} : a->second;
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
