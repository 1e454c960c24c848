// Open plugin views: the caps per staff session and in total, what happens at each cap, and
// idle expiry, on explicit time points (no sleeping).
#include "view_registry.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <ostream>

using pms::host::server::ViewRegistry;
using namespace std::chrono_literals;

namespace {

using Admission = ViewRegistry::Admission;

} // namespace

namespace pms::host::server {
// For Boost.Test's messages.
std::ostream& operator<<(std::ostream& out, ViewRegistry::Admission a) {
    return out << (a == ViewRegistry::Admission::ok             ? "ok"
                   : a == ViewRegistry::Admission::session_full ? "session_full"
                                                                : "total_full");
}
} // namespace pms::host::server

namespace {

ViewRegistry::Limits limits(std::size_t per_session, std::size_t total,
                            std::chrono::seconds idle = 60s) {
    return ViewRegistry::Limits{per_session, total, idle};
}

// Reserves and opens view `session` for `owner` at `at`; returns what reserve() said.
ViewRegistry::Reserved open(ViewRegistry& views, const std::string& owner,
                            const std::string& session, ViewRegistry::Clock::time_point at) {
    auto r = views.reserve(owner);
    if (r.admission == Admission::ok)
        views.own(r.ticket, session, at);
    return r;
}

const auto t0 = ViewRegistry::Clock::time_point{} + 1000h;

} // namespace

BOOST_AUTO_TEST_SUITE(view_registry)

BOOST_AUTO_TEST_CASE(at_the_session_cap_the_least_recently_used_view_of_that_session_goes) {
    ViewRegistry views{limits(2, 10)};
    BOOST_TEST(!open(views, "A", "a1", t0).evicted);
    BOOST_TEST(!open(views, "A", "a2", t0 + 1s).evicted);
    BOOST_TEST(!open(views, "B", "b1", t0).evicted);
    // a1 is older but was used later than a2.
    BOOST_TEST(views.use("a1", "A", t0 + 5s));
    const auto third = open(views, "A", "a3", t0 + 6s);
    BOOST_TEST(third.admission == Admission::ok);
    BOOST_TEST_REQUIRE(third.evicted.has_value());
    BOOST_TEST(*third.evicted == "a2");
    BOOST_TEST(!views.owner_of("a2"));
    BOOST_TEST(views.owner_of("a1").value_or("") == "A");
    BOOST_TEST(views.owner_of("b1").value_or("") == "B"); // another session's view is never taken
    BOOST_TEST(views.size() == 3u);
}

BOOST_AUTO_TEST_CASE(the_total_cap_refuses_and_never_evicts_another_sessions_view) {
    ViewRegistry views{limits(2, 3)};
    open(views, "A", "a1", t0);
    open(views, "A", "a2", t0);
    open(views, "B", "b1", t0);
    const auto refused = views.reserve("B");
    BOOST_TEST(refused.admission == Admission::total_full);
    BOOST_TEST(!refused.evicted);
    BOOST_TEST(views.size() == 3u);
    // A, at its own cap, may still swap one of its own for a new one.
    const auto swap = open(views, "A", "a3", t0 + 1s);
    BOOST_TEST(swap.admission == Admission::ok);
    BOOST_TEST(swap.evicted.has_value());
    // A closed view makes room for B again.
    views.forget("b1");
    BOOST_TEST(open(views, "B", "b2", t0).admission == Admission::ok);
}

BOOST_AUTO_TEST_CASE(views_being_opened_count_so_a_burst_cannot_pass_the_caps) {
    ViewRegistry views{limits(2, 3)};
    // Two clicks in flight (reserved, the plugin has not answered yet): nothing to evict.
    const auto r1 = views.reserve("A");
    const auto r2 = views.reserve("A");
    BOOST_TEST_REQUIRE((r1.admission == Admission::ok && r2.admission == Admission::ok));
    BOOST_TEST(views.reserve("A").admission == Admission::session_full);
    // In total too: one more for B fills it, the next is refused.
    const auto rb = views.reserve("B");
    BOOST_TEST_REQUIRE(rb.admission == Admission::ok);
    BOOST_TEST(views.reserve("C").admission == Admission::total_full);
    // A failed opening gives its room back; an owned one keeps it.
    views.release(r1.ticket);
    views.release(r1.ticket); // twice: no effect
    views.own(r2.ticket, "a2", t0);
    BOOST_TEST(views.size() == 2u);
    const auto again = views.reserve("A");
    BOOST_TEST(again.admission == Admission::ok);
    BOOST_TEST(!again.evicted);
}

BOOST_AUTO_TEST_CASE(a_view_unused_for_the_idle_time_is_taken_and_use_keeps_it) {
    ViewRegistry views{limits(8, 100, 30s)};
    open(views, "A", "a1", t0);
    open(views, "A", "a2", t0);
    BOOST_TEST(views.take_idle(t0 + 29s).empty());
    BOOST_TEST(views.use("a2", "A", t0 + 20s));
    BOOST_TEST(!views.use("a2", "B", t0 + 20s)); // another session's look is no use
    const auto idle = views.take_idle(t0 + 30s);
    BOOST_TEST_REQUIRE(idle.size() == 1u);
    BOOST_TEST(idle.front().session == "a1");
    BOOST_TEST(idle.front().owner == "A");
    BOOST_TEST(views.take_idle(t0 + 49s).empty());
    BOOST_TEST(views.take_idle(t0 + 50s).size() == 1u);
    BOOST_TEST(views.size() == 0u);
}

BOOST_AUTO_TEST_CASE(a_staff_session_that_ends_takes_its_views_and_their_room_with_it) {
    ViewRegistry views{limits(2, 4)};
    open(views, "A", "a1", t0);
    open(views, "A", "a2", t0);
    open(views, "B", "b1", t0);
    auto taken = views.take_all_of("A");
    std::sort(taken.begin(), taken.end());
    BOOST_TEST((taken == std::vector<std::string>{"a1", "a2"}));
    BOOST_TEST(views.size() == 1u);
    // Full room again, with nothing to evict.
    BOOST_TEST(!open(views, "A", "a3", t0).evicted);
    BOOST_TEST(!open(views, "A", "a4", t0).evicted);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- "permission" (view-v1.md, 1.5) ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(gate_view_removes_what_the_role_may_not_do_and_lists_every_guarded_id) {
    using pms::host::server::gate_view;
    using pms::host::StaffRole;
    const std::string view =
        R"({"schema":"pms.view/1","title":"T","elements":[)"
        R"({"type":"table","id":"t","columns":[],"rows":[{"key":"r","cells":{},"actions":[)"
        R"({"id":"history","label":"H"},{"id":"refund","label":"R","permission":"refund.manage"}]}]},)"
        R"({"type":"form","id":"f","permission":"suspense.manage","fields":[]},)"
        R"({"type":"text","text":"x"}],)"
        R"("buttons":[{"id":"submit_refund","label":"S","permission":"refund.manage"},)"
        R"({"id":"odd","label":"O","permission":"no.such"},{"id":"back","label":"B"}]})";
    const auto desk = gate_view(view, StaffRole::front_desk);
    BOOST_TEST(desk.view_json.find("\"refund\"") == std::string::npos);
    BOOST_TEST(desk.view_json.find("submit_refund") == std::string::npos);
    BOOST_TEST(desk.view_json.find("\"f\"") == std::string::npos);
    BOOST_TEST(desk.view_json.find("odd") == std::string::npos); // an unknown permission: nobody
    BOOST_TEST(desk.view_json.find("history") != std::string::npos);
    BOOST_TEST(desk.view_json.find("back") != std::string::npos);
    BOOST_TEST(desk.gated.size() == 4u);
    BOOST_TEST(desk.gated.at("refund").count("refund.manage") == 1u);
    const auto accountant = gate_view(view, StaffRole::accountant);
    BOOST_TEST(accountant.view_json.find("\"refund\"") != std::string::npos);
    BOOST_TEST(accountant.view_json.find("submit_refund") != std::string::npos);
    BOOST_TEST(accountant.view_json.find("\"f\"") != std::string::npos);
    BOOST_TEST(accountant.view_json.find("odd") == std::string::npos);
    BOOST_TEST(accountant.gated.size() == 4u);
    // A view naming no permission is passed on byte for byte.
    const std::string plain = R"({"schema":"pms.view/1","title":"T","elements":[],"x":1.5})";
    BOOST_TEST(gate_view(plain, StaffRole::front_desk).view_json == plain);
}

BOOST_AUTO_TEST_CASE(a_session_remembers_its_guarded_actions_and_shows_nothing_guarded_without_a_role) {
    ViewRegistry views{limits(8, 8)};
    const auto t0 = ViewRegistry::Clock::time_point{};
    open(views, "desk", "vs-1", t0);
    const std::string guarded =
        R"({"schema":"pms.view/1","title":"T","elements":[],"buttons":[{"id":"refund","label":"R","permission":"refund.manage"}]})";
    // No role known yet: the guarded element is not shown.
    BOOST_TEST(views.gate("vs-1", guarded).find("refund") == std::string::npos);
    views.set_role("vs-1", pms::host::StaffRole::accountant);
    BOOST_TEST(views.gate("vs-1", guarded).find("refund") != std::string::npos);
    // Still required after a view without it.
    (void)views.gate("vs-1", R"({"schema":"pms.view/1","title":"T","elements":[]})");
    BOOST_TEST(views.required_for("vs-1", "refund").count("refund.manage") == 1u);
    BOOST_TEST(views.required_for("vs-1", "back").empty());
    views.forget("vs-1");
    BOOST_TEST(views.required_for("vs-1", "refund").empty());
}


// The gating of a view is remembered by role and exact text (a refresh answers every open
// dialog with the same view): sessions of different roles sharing one view text each get their
// own role's view, and each session still learns the view's guarded actions on a remembered hit.
BOOST_AUTO_TEST_CASE(sessions_sharing_a_view_text_each_get_their_own_roles_gating) {
    using pms::host::StaffRole;
    ViewRegistry views{limits(8, 16)};
    const auto t0 = ViewRegistry::Clock::time_point{};
    const std::string guarded =
        R"({"schema":"pms.view/1","title":"T","elements":[],"buttons":[{"id":"refund","label":"R","permission":"refund.manage"},{"id":"back","label":"B"}]})";
    const StaffRole roles[] = {StaffRole::accountant, StaffRole::front_desk, StaffRole::admin};
    for (int round = 0; round < 3; ++round) // the second and third rounds are remembered hits
        for (std::size_t i = 0; i < std::size(roles); ++i) {
            const std::string session = "vs-" + std::to_string(round) + "-" + std::to_string(i);
            open(views, "desk-" + std::to_string(i), session, t0);
            views.set_role(session, roles[i]);
            const std::string shown = views.gate(session, guarded);
            const bool may_refund = roles[i] != StaffRole::front_desk;
            BOOST_TEST((shown.find("\"refund\"") != std::string::npos) == may_refund, shown);
            BOOST_TEST(shown.find("back") != std::string::npos);
            BOOST_TEST(views.required_for(session, "refund").count("refund.manage") == 1u);
        }
    // A different text is never served from another's entry, even when only a byte differs.
    std::string other = guarded;
    other.replace(other.find("\"B\""), 3, "\"C\"");
    open(views, "desk-9", "vs-other", t0);
    views.set_role("vs-other", StaffRole::accountant);
    const std::string shown = views.gate("vs-other", other);
    BOOST_TEST(shown.find("\"C\"") != std::string::npos, shown);
    BOOST_TEST(shown.find("\"B\"") == std::string::npos, shown);
}

BOOST_AUTO_TEST_CASE(recent_by_text_matches_tag_and_whole_text_and_forgets_the_oldest) {
    pms::host::RecentByText<int, std::string, 2> recent;
    BOOST_TEST(!recent.find(1, "a"));
    recent.add(1, "a", "A1");
    recent.add(2, "a", "A2");
    BOOST_TEST(*recent.find(1, "a") == "A1");
    BOOST_TEST(*recent.find(2, "a") == "A2");
    BOOST_TEST(!recent.find(1, "ab"));  // a longer text
    BOOST_TEST(!recent.find(1, ""));    // a shorter one
    BOOST_TEST(!recent.find(3, "a"));   // another tag
    recent.add(1, "b", "B1");           // full: (1, "a") goes
    BOOST_TEST(!recent.find(1, "a"));
    BOOST_TEST(*recent.find(2, "a") == "A2");
    BOOST_TEST(*recent.find(1, "b") == "B1");
}
