// pms_host_auth: who may do what (the table of architecture §8, exactly), how passwords and
// session tokens are kept, and how failed sign-ins are slowed.
#define BOOST_TEST_MODULE host_auth
#include <boost/test/unit_test.hpp>

#include <pms/host/auth/login_throttle.hpp>
#include <pms/host/auth/password.hpp>
#include <pms/host/auth/permissions.hpp>
#include <pms/host/auth/session_token.hpp>

#include <set>

using namespace pms::host;
using namespace pms::host::auth;
using namespace std::chrono_literals;

namespace {

std::set<std::string> names_of(StaffRole role) {
    std::set<std::string> out;
    for (const auto p : permissions_of(role))
        out.insert(std::string{to_string(p)});
    return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(roles_hold_the_permissions_of_architecture_section_8) {
    const std::set<std::string> front_desk{"folio.view", "link.manage"};
    const std::set<std::string> accountant{"folio.view", "link.manage", "suspense.manage",
                                           "refund.manage"};
    const std::set<std::string> admin{"folio.view",    "link.manage",        "suspense.manage",
                                      "refund.manage", "integrations.admin", "users.admin"};
    BOOST_TEST(names_of(StaffRole::front_desk) == front_desk);
    BOOST_TEST(names_of(StaffRole::accountant) == accountant);
    BOOST_TEST(names_of(StaffRole::admin) == admin);
    for (const auto p : all_permissions)
        BOOST_TEST((parse_permission(to_string(p)) == p));
    BOOST_TEST(!parse_permission("integrations").has_value());
    BOOST_TEST((parse_staff_role("front_desk") == StaffRole::front_desk));
    BOOST_TEST(!parse_staff_role("root").has_value());
}

BOOST_AUTO_TEST_CASE(passwords_are_argon2id_hashes_that_only_the_password_matches) {
    const std::string hash = hash_password("корректная лошадь");
    BOOST_TEST(hash.rfind("$argon2id$", 0) == 0u, hash);
    BOOST_TEST(hash.find("корректная") == std::string::npos);
    BOOST_TEST(verify_password(hash, "корректная лошадь"));
    BOOST_TEST(!verify_password(hash, "корректная лошадь "));
    BOOST_TEST(!verify_password(hash, ""));
    BOOST_TEST(!verify_password("not a hash", "x"));
    BOOST_TEST(!verify_password("", "x"));
    // Salted: the same password hashes differently each time.
    BOOST_TEST(hash_password("same") != hash_password("same"));
    BOOST_TEST(!password_problem("abc").empty());
    BOOST_TEST(!password_problem("line\nbreak").empty());
    BOOST_TEST(password_problem("demo").empty());
}

BOOST_AUTO_TEST_CASE(session_tokens_are_random_and_stored_only_as_hashes) {
    const auto a = new_session_token();
    const auto b = new_session_token();
    BOOST_TEST(a != b);
    BOOST_TEST(plausible_session_token(a));
    BOOST_TEST(!plausible_session_token(a.substr(1)));
    BOOST_TEST(!plausible_session_token(std::string(64, 'G')));
    const auto h = session_token_hash(a);
    BOOST_TEST(h.size() == 64u);
    BOOST_TEST(h != a);
    BOOST_TEST(session_token_hash(a) == h);
    BOOST_TEST(session_token_hash(b) != h);
}

BOOST_AUTO_TEST_CASE(failed_sign_ins_wait_after_five_and_the_wait_doubles) {
    LoginThrottle throttle;
    const auto t0 = LoginThrottle::Clock::time_point{} + 1000s;
    for (int i = 0; i < 5; ++i) {
        BOOST_TEST(!throttle.wait_before("anna", "10.0.0.1", t0).has_value());
        throttle.failed("anna", "10.0.0.1", t0);
    }
    auto wait = throttle.wait_before("anna", "10.0.0.1", t0);
    BOOST_REQUIRE(wait.has_value());
    BOOST_TEST(wait->count() == 2);
    // The login is throttled from any address, and case does not help.
    BOOST_TEST(throttle.wait_before("ANNA", "10.9.9.9", t0).has_value());
    // After the wait a try is allowed; failing again doubles it.
    BOOST_TEST(!throttle.wait_before("anna", "10.0.0.1", t0 + 2s).has_value());
    throttle.failed("anna", "10.0.0.1", t0 + 2s);
    wait = throttle.wait_before("anna", "10.0.0.1", t0 + 2s);
    BOOST_REQUIRE(wait.has_value());
    BOOST_TEST(wait->count() == 4);
    // A success clears the login's count but not the address's.
    throttle.succeeded("anna");
    BOOST_TEST(!throttle.wait_before("anna", "10.9.9.9", t0 + 2s).has_value());
    BOOST_TEST(throttle.wait_before("boris", "10.0.0.1", t0 + 2s).has_value());
}

BOOST_AUTO_TEST_CASE(one_address_guessing_many_logins_is_throttled_too) {
    LoginThrottle throttle;
    const auto t0 = LoginThrottle::Clock::time_point{} + 1000s;
    for (int i = 0; i < 5; ++i)
        throttle.failed("user" + std::to_string(i), "192.0.2.7", t0);
    BOOST_TEST(throttle.wait_before("user99", "192.0.2.7", t0).has_value());
    BOOST_TEST(!throttle.wait_before("user99", "192.0.2.8", t0).has_value());
}

BOOST_AUTO_TEST_CASE(the_wait_is_capped_and_the_table_is_bounded) {
    LoginThrottle::Policy policy;
    policy.max_keys = 50;
    LoginThrottle throttle{policy};
    const auto t0 = LoginThrottle::Clock::time_point{} + 1000s;
    for (int i = 0; i < 40; ++i)
        throttle.failed("anna", "10.0.0.1", t0);
    const auto wait = throttle.wait_before("anna", "10.0.0.1", t0);
    BOOST_REQUIRE(wait.has_value());
    BOOST_TEST(wait->count() == 15 * 60);
    for (int i = 0; i < 200; ++i)
        throttle.failed("u" + std::to_string(i), "10.1.0." + std::to_string(i), t0 + std::chrono::seconds(i));
    // The newest keys are kept.
    for (int i = 0; i < 5; ++i)
        throttle.failed("u199", "10.1.0.199", t0 + 300s);
    BOOST_TEST(throttle.wait_before("u199", "10.2.2.2", t0 + 300s).has_value());
}
