// RetryPolicy: which failures are retried, backoff with injected jitter, Retry-After, and the
// create rule (unknown outcome -> lookup, never a blind repeat).
#include "invoicebox/protocol/retry_policy.hpp"

#include "fixtures.hpp"

#include <boost/test/unit_test.hpp>

using namespace invoicebox::protocol;
using namespace invoicebox::protocol::test;
using namespace std::chrono_literals;

namespace {

RetryPolicy fixed(double r) {
    return RetryPolicy({}, [r] { return r; });
}

ApiError http(int status, HttpHeaders h = {}) {
    return error_from_response(response(status, "", std::move(h)));
}
ApiError transport(TransportFailure f, bool sent = true) {
    return error_from_transport({f, sent, ""});
}

} // namespace

BOOST_AUTO_TEST_SUITE(retry)

BOOST_AUTO_TEST_CASE(backoff_doubles_with_equal_jitter) {
    const auto low = fixed(0.0);
    const auto high = fixed(0.999999);
    BOOST_TEST(low.backoff(1).count() == 250); // cap 500: half fixed
    BOOST_TEST(high.backoff(1).count() == 499);
    BOOST_TEST(low.backoff(2).count() == 500);    // cap 1000
    BOOST_TEST(low.backoff(3).count() == 1000);   // cap 2000
    BOOST_TEST(low.backoff(20).count() == 15000); // capped at max_delay 30 s
    BOOST_TEST(high.backoff(100).count() <= 30000);
    // The default source is usable and stays in range.
    RetryPolicy real;
    for (int i = 0; i < 100; ++i) {
        const auto d = real.backoff(2);
        BOOST_TEST_REQUIRE((d >= 500ms && d <= 1000ms));
    }
}

BOOST_AUTO_TEST_CASE(reads_retry_transient_failures) {
    const auto p = fixed(0.5);
    for (int status : {408, 425, 429, 500, 502, 503, 504}) {
        const auto d = p.decide(RequestKind::read, 1, http(status));
        BOOST_TEST((d.action == RetryAction::retry), "status " << status);
    }
    for (auto f : {TransportFailure::timeout, TransportFailure::connection_dropped,
                   TransportFailure::connect_failed, TransportFailure::other})
        BOOST_TEST((p.decide(RequestKind::read, 1, transport(f)).action == RetryAction::retry));
    BOOST_TEST((p.decide(RequestKind::read, 1, transport(TransportFailure::cancelled)).action ==
                RetryAction::give_up));
    BOOST_TEST(
        (p.decide(RequestKind::read, 1, malformed_response(response(200, "x"), "bad")).action ==
         RetryAction::retry));
    for (int status : {400, 401, 403, 404, 409, 422})
        BOOST_TEST((p.decide(RequestKind::read, 1, http(status)).action == RetryAction::give_up),
                   "status " << status);
    ApiError anon;
    anon.kind = ErrorKind::not_authenticated;
    BOOST_TEST((p.decide(RequestKind::read, 1, anon).action == RetryAction::give_up));
}

BOOST_AUTO_TEST_CASE(attempts_are_capped) {
    const auto p = fixed(0.5);
    BOOST_TEST((p.decide(RequestKind::read, 3, http(503)).action == RetryAction::retry));
    BOOST_TEST((p.decide(RequestKind::read, 4, http(503)).action == RetryAction::give_up));
    BOOST_TEST(
        (p.decide(RequestKind::idempotent_write, 2, http(503)).action == RetryAction::retry));
    BOOST_TEST(
        (p.decide(RequestKind::idempotent_write, 3, http(503)).action == RetryAction::give_up));
}

BOOST_AUTO_TEST_CASE(retry_after_is_honoured) {
    const auto p = fixed(0.0);
    const auto d = p.decide(RequestKind::read, 1, http(429, {{"Retry-After", "12"}}));
    BOOST_TEST((d.action == RetryAction::retry));
    BOOST_TEST(d.delay.count() == 12000);
    // Shorter than the backoff: the backoff wins.
    BOOST_TEST(p.decide(RequestKind::read, 3, http(429, {{"Retry-After", "0"}})).delay.count() ==
               1000);
    // Too long: give up, the caller reschedules (a poll, not a hot loop).
    BOOST_TEST((p.decide(RequestKind::read, 1, http(429, {{"Retry-After", "3600"}})).action ==
                RetryAction::give_up));
    // An HTTP date needs `now`.
    const auto e = http(503, {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}});
    const auto now = *parse_timestamp("2015-10-21T07:27:30Z");
    BOOST_TEST(p.decide(RequestKind::read, 1, e, now).delay.count() == 30000);
    BOOST_TEST(p.decide(RequestKind::read, 1, e).delay.count() == 250);
}

BOOST_AUTO_TEST_CASE(creates_are_never_repeated_blindly) {
    const auto p = fixed(0.5);
    // Unknown outcome: look it up, whatever the attempt count.
    for (const auto& e :
         {transport(TransportFailure::timeout), transport(TransportFailure::connection_dropped),
          http(500), http(502), malformed_response(response(200, ""), "empty")}) {
        BOOST_TEST((p.decide(RequestKind::create, 1, e).action == RetryAction::resolve_by_lookup));
        BOOST_TEST((p.decide(RequestKind::create, 10, e).action == RetryAction::resolve_by_lookup));
    }
    // Huge Retry-After on an unknown create: still resolve by lookup, not give up.
    BOOST_TEST((p.decide(RequestKind::create, 1, http(503, {{"Retry-After", "99999"}})).action ==
                RetryAction::resolve_by_lookup));
    // Certainly not applied: may be sent again, within the cap.
    for (const auto& e :
         {transport(TransportFailure::connect_failed, false), http(429), http(408), http(425)}) {
        BOOST_TEST((p.decide(RequestKind::create, 1, e).action == RetryAction::retry));
        BOOST_TEST((p.decide(RequestKind::create, 3, e).action == RetryAction::give_up));
    }
    // Business errors are final.
    for (int status : {400, 401, 403, 404, 422})
        BOOST_TEST((p.decide(RequestKind::create, 1, http(status)).action == RetryAction::give_up));
    BOOST_TEST(RetryPolicy::certainly_not_applied(http(429)));
    BOOST_TEST(!RetryPolicy::certainly_not_applied(http(500)));
    BOOST_TEST(!RetryPolicy::certainly_not_applied(transport(TransportFailure::timeout)));
    BOOST_TEST(to_string(RetryAction::resolve_by_lookup) == "resolve_by_lookup");
}

BOOST_AUTO_TEST_SUITE_END()
