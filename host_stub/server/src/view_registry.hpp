// Which staff session opened each plugin view (a view answers to its opener only), and the
// caps on open views: per staff session and in total, and an idle time after which a view is
// closed (issue 14: view sessions had no cap and never expired, and every open view costs the
// plugin a re-render on each change). Thread-safe.
//
// Room is reserved before the plugin is asked for the first view, so that concurrent clicks
// cannot all pass the cap together. When a staff session is at its own cap, its least recently
// used view is evicted rather than the new one refused: a front desk that left dialogs open in
// tabs it closed (or a crashed browser) still gets the dialog it just asked for, and the one
// given up is the one nobody looked at for longest. The total cap is shared by every staff
// member, so there the newcomer is refused instead: one desk never closes another's dialog.
//
// It also enforces the view's "permission" member (view-v1.md, ABI 1.5): a button, row action or
// element naming a permission is removed from the view a staff member without it is sent, and
// the action ids that need a permission are remembered per view session, so that an event for
// one of them from such a staff member is refused before it reaches the plugin. The browser is
// never believed: what it may do is decided here, from the views the plugin sent.
#pragma once

#include <pms/host/auth/permissions.hpp>
#include <pms/host/runtime/recent_by_text.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pms::host::server {

/// A view as one staff role may see it (gate_view).
struct GatedView {
    /// The view without the elements whose "permission" the role lacks (the input, unchanged,
    /// when no element names a permission).
    std::string view_json;
    /// Every action id (button or row action `id`) marked with a permission, with the
    /// permission texts it needs (removed ones included).
    std::map<std::string, std::set<std::string>> gated;
};

/// True when `role` holds the permission named `permission` ("refund.manage"); an unknown name
/// is held by nobody, so a typo hides an action rather than opening it.
[[nodiscard]] bool role_may(pms::host::StaffRole role, std::string_view permission) noexcept;

/// Filters `view_json` for `role`: every object in an array (an element, a button, a row action,
/// a form field) whose "permission" the role lacks is removed, and its id noted in `gated`.
/// Text that is not JSON is returned as is (the runtime has validated the view already).
[[nodiscard]] GatedView gate_view(std::string_view view_json, pms::host::StaffRole role);

class ViewRegistry {
  public:
    using Clock = std::chrono::steady_clock;

    /// Set from AccessLimits (host_server.hpp), where the defaults live.
    struct Limits {
        std::size_t per_session;
        std::size_t total;
        std::chrono::seconds idle;
    };

    explicit ViewRegistry(Limits limits) : limits_{limits} {}

    enum class Admission {
        ok,          ///< room reserved
        session_full, ///< the staff session's views are all still being opened: nothing to evict
        total_full,  ///< every staff member together is at the total cap
    };
    struct Reserved {
        Admission admission = Admission::ok;
        /// Valid when `admission == ok`: hand it to own() or release().
        std::uint64_t ticket = 0;
        /// The view evicted to make room (the caller closes it in the runtime), if any.
        std::optional<std::string> evicted;
    };
    /// Reserves room for one more view of staff session `owner`; the reservation counts
    /// against both caps until own() or release().
    [[nodiscard]] Reserved reserve(const std::string& owner);
    /// Turns reservation `ticket` into the open view `session`, used at `now`.
    void own(std::uint64_t ticket, const std::string& session, Clock::time_point now);
    /// Gives back reservation `ticket` (the view did not open). Unknown tickets are ignored.
    void release(std::uint64_t ticket);

    /// True when `owner` opened `session` (and marks it used at `now`).
    bool use(const std::string& session, const std::string& owner, Clock::time_point now);
    /// The staff session that opened `session`, if it is known.
    [[nodiscard]] std::optional<std::string> owner_of(const std::string& session) const;
    void forget(const std::string& session);

    // ---- permissions (view-v1.md "permission") ----
    /// The role of the staff member who opened `session` (set right after own()). Until it is
    /// set, gate() shows no permission-marked element.
    void set_role(const std::string& session, pms::host::StaffRole role);
    /// `view_json` as the opener of `session` may see it; remembers its gated action ids for the
    /// session (a union over every view the session showed: an action once marked stays marked).
    [[nodiscard]] std::string gate(const std::string& session, std::string_view view_json);
    /// Remembers the gated action ids of a view of `session` without filtering it for anyone.
    void note_gated(const std::string& session, std::string_view view_json);
    /// The permissions an event with `action` needs in `session` (empty: none).
    [[nodiscard]] std::set<std::string> required_for(const std::string& session, const std::string& action) const;
    /// Forgets and returns every view of `owner`.
    std::vector<std::string> take_all_of(const std::string& owner);
    struct Taken {
        std::string session;
        std::string owner;
    };
    /// Forgets and returns every view unused since `now - idle`, with the staff session that
    /// opened it (whose pages are told).
    std::vector<Taken> take_idle(Clock::time_point now);

    /// Open views plus reservations.
    [[nodiscard]] std::size_t size() const;
    [[nodiscard]] const Limits& limits() const noexcept { return limits_; }

  private:
    struct Entry {
        std::string owner;
        Clock::time_point last_used;
        std::optional<pms::host::StaffRole> role;
        std::map<std::string, std::set<std::string>> gated; ///< action id -> permissions
    };
    void merge_gated(const std::string& session, const std::map<std::string, std::set<std::string>>& gated);
    void count_down(const std::string& owner); // mutex_ held
    [[nodiscard]] std::shared_ptr<const GatedView> gated(const std::optional<pms::host::StaffRole>& role,
                                                         std::string_view view_json);
    Limits limits_;
    /// Gatings by role and view text: a refresh answers every open dialog of a folio with the
    /// same view, which is then parsed and re-serialised once per role, not once per dialog.
    RecentByText<std::optional<pms::host::StaffRole>, std::shared_ptr<const GatedView>> recent_gates_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Entry> views_;
    std::unordered_map<std::uint64_t, std::string> reservations_; // ticket -> owner
    std::unordered_map<std::string, std::size_t> per_owner_;      // views + reservations
    std::uint64_t next_ticket_ = 1;
};

} // namespace pms::host::server
