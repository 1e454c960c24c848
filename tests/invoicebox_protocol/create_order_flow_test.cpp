// CreateOrderFlow: every branch of the state machine (see create_order_flow.hpp).
#include "invoicebox/protocol/create_order_flow.hpp"

#include "fixtures.hpp"

#include <boost/test/unit_test.hpp>

using namespace invoicebox::protocol;
using namespace invoicebox::protocol::test;
using namespace std::chrono_literals;
using Flow = CreateOrderFlow;

namespace {

Flow make_flow(CreateFlowSettings s = {}) {
    return Flow(InvoiceboxApi(test_config()), request_81(), RetryPolicy({}, [] { return 0.0; }), s);
}

/// The order InvoiceBox would hold for request_81 (the §8.1 response).
Order created_order() {
    return InvoiceboxApi::parse_order(response(200, std::string(create_response_81))).value();
}

HttpOutcome ok_create() {
    return response(200, std::string(create_response_81));
}
HttpOutcome found(const std::vector<Order>& orders) {
    return response(200, orders_page(orders));
}
HttpOutcome timeout() {
    return unexpected(TransportError{TransportFailure::timeout, true, "read timeout"});
}
HttpOutcome dropped() {
    return unexpected(
        TransportError{TransportFailure::connection_dropped, true, "unexpected eof while reading"});
}
HttpOutcome refused() {
    return unexpected(TransportError{TransportFailure::connect_failed, false, "refused"});
}

// Returns the step by value: steps are temporaries, a reference into one would dangle.
template <class T>
T as(Flow::Step s) {
    BOOST_TEST_REQUIRE(std::holds_alternative<T>(s), "unexpected step index " << s.index());
    return std::get<T>(std::move(s));
}

} // namespace

BOOST_AUTO_TEST_SUITE(create_order_flow)

BOOST_AUTO_TEST_CASE(created_first_time) {
    auto flow = make_flow();
    const auto& send = as<Flow::SendCreate>(flow.start());
    BOOST_TEST(send.delay.count() == 0);
    BOOST_TEST(send.request.target == "/v3/billing/api/order/order");
    BOOST_TEST(send.request.body == create_request_81);
    const auto& done = as<Flow::Done>(flow.on_outcome(ok_create()));
    BOOST_TEST(!done.recovered);
    BOOST_TEST(done.order.id.str() == "0192f3a4-5b6c-7d8e-9f01-23456789abcd");
    BOOST_TEST(flow.finished());
    BOOST_TEST(flow.creates_sent() == 1);
    BOOST_TEST(flow.lookups_sent() == 0);
}

BOOST_AUTO_TEST_CASE(invalid_request_is_never_sent) {
    auto req = request_81();
    req.vat_amount = Money::of(1);
    Flow flow(InvoiceboxApi(test_config()), req, RetryPolicy({}, [] { return 0.0; }));
    const auto& failed = as<Flow::Failed>(flow.start());
    BOOST_TEST((failed.error.kind == ErrorKind::invalid_request));
    BOOST_TEST(flow.creates_sent() == 0);
}

BOOST_AUTO_TEST_CASE(business_errors_are_final) {
    for (auto [status, body] :
         {std::pair{422, std::string(error_422_81)},
          std::pair{401,
                    std::string(R"({"error":{"code":"unauthorized","message":"Unauthorized"}})")},
          std::pair{403, std::string(R"({"code":"forbidden","message":"no"})")}}) {
        auto flow = make_flow();
        flow.start();
        const auto& failed = as<Flow::Failed>(flow.on_outcome(response(status, body)));
        BOOST_TEST(failed.error.http_status == status);
        BOOST_TEST(flow.lookups_sent() == 0);
        BOOST_TEST(flow.finished());
    }
}

BOOST_AUTO_TEST_CASE(rate_limited_create_is_resent_after_retry_after) {
    auto flow = make_flow();
    const auto first = as<Flow::SendCreate>(flow.start()).request;
    const auto& again =
        as<Flow::SendCreate>(flow.on_outcome(response(429, "", {{"Retry-After", "5"}})));
    BOOST_TEST(again.delay.count() == 5000);
    BOOST_TEST(again.request.body == first.body); // the same merchantOrderId, byte for byte
    as<Flow::Done>(flow.on_outcome(ok_create()));
    BOOST_TEST(flow.creates_sent() == 2);
}

BOOST_AUTO_TEST_CASE(not_sent_create_is_resent_until_the_cap) {
    auto flow = make_flow();
    flow.start();
    as<Flow::SendCreate>(flow.on_outcome(refused()));
    as<Flow::SendCreate>(flow.on_outcome(refused()));
    const auto& failed = as<Flow::Failed>(flow.on_outcome(refused()));
    BOOST_TEST((failed.error.kind == ErrorKind::transport));
    BOOST_TEST(flow.creates_sent() == 3);
    BOOST_TEST(flow.lookups_sent() == 0);
}

BOOST_AUTO_TEST_CASE(timeout_then_found_by_lookup) {
    auto flow = make_flow();
    flow.start();
    const auto& lookup = as<Flow::SendLookup>(flow.on_outcome(timeout()));
    BOOST_TEST(lookup.delay.count() == 2000); // settle delay before looking
    BOOST_TEST(lookup.request.target ==
               "/v3/filter/api/order/"
               "order?merchantOrderId=10026&_page=1&_pageSize=100&page=1&pageSize=100");
    const auto& done = as<Flow::Done>(flow.on_outcome(found({created_order()})));
    BOOST_TEST(done.recovered);
    BOOST_TEST(done.order.merchant_order_id.str() == "10026");
    BOOST_TEST(flow.creates_sent() == 1);
}

BOOST_AUTO_TEST_CASE(server_error_then_not_found_then_created) {
    auto flow = make_flow();
    flow.start();
    as<Flow::SendLookup>(flow.on_outcome(response(502, "<html>Bad Gateway</html>")));
    const auto& resend = as<Flow::SendCreate>(flow.on_outcome(found({})));
    BOOST_TEST(resend.request.body == create_request_81);
    as<Flow::Done>(flow.on_outcome(ok_create()));
    BOOST_TEST(flow.creates_sent() == 2);
    BOOST_TEST(flow.lookups_sent() == 1);
}

BOOST_AUTO_TEST_CASE(garbled_success_is_resolved_by_lookup) {
    auto flow = make_flow();
    flow.start();
    as<Flow::SendLookup>(flow.on_outcome(response(200, "{\"data\":")));
    BOOST_TEST(as<Flow::Done>(flow.on_outcome(found({created_order()}))).recovered);
}

BOOST_AUTO_TEST_CASE(found_with_other_amount_is_a_conflict) {
    auto flow = make_flow();
    flow.start();
    as<Flow::SendLookup>(flow.on_outcome(dropped()));
    auto other = created_order();
    other.amount = Money::of(155100);
    const auto& failed = as<Flow::Failed>(flow.on_outcome(found({other})));
    BOOST_TEST((failed.error.kind == ErrorKind::conflict));
    BOOST_TEST(flow.creates_sent() == 1); // and no second create
}

BOOST_AUTO_TEST_CASE(found_in_other_currency_is_a_conflict) {
    auto flow = make_flow();
    flow.start();
    as<Flow::SendLookup>(flow.on_outcome(timeout()));
    auto other = created_order();
    other.amount.currency = Currency::eur;
    BOOST_TEST(
        (as<Flow::Failed>(flow.on_outcome(found({other}))).error.kind == ErrorKind::conflict));
}

BOOST_AUTO_TEST_CASE(rows_of_other_orders_are_ignored) {
    // If the server ignores the merchantOrderId filter it returns unrelated orders.
    auto flow = make_flow();
    flow.start();
    as<Flow::SendLookup>(flow.on_outcome(timeout()));
    auto unrelated = created_order();
    unrelated.merchant_order_id = MerchantOrderId("10027");
    const auto& resend = as<Flow::SendCreate>(flow.on_outcome(found({unrelated})));
    BOOST_TEST(resend.request.body == create_request_81);
}

BOOST_AUTO_TEST_CASE(several_matches_prefer_the_paid_one) {
    auto flow = make_flow();
    flow.start();
    as<Flow::SendLookup>(flow.on_outcome(timeout()));
    auto canceled = created_order();
    canceled.status = OrderStatus::of(OrderStatusKind::canceled);
    auto paid = created_order();
    paid.id = OrderId("paid-one");
    paid.status = OrderStatus::of(OrderStatusKind::completed);
    const auto& done = as<Flow::Done>(flow.on_outcome(found({canceled, created_order(), paid})));
    BOOST_TEST(done.order.id.str() == "paid-one");
}

BOOST_AUTO_TEST_CASE(transient_lookup_failures_are_retried_then_unknown) {
    auto flow =
        make_flow({.max_create_attempts = 3, .max_lookup_attempts = 3, .settle_delay = 1000ms});
    flow.start();
    as<Flow::SendLookup>(flow.on_outcome(timeout()));
    const auto& l2 = as<Flow::SendLookup>(flow.on_outcome(response(503, "")));
    BOOST_TEST(l2.delay.count() == 250); // backoff with zero jitter
    as<Flow::SendLookup>(flow.on_outcome(timeout()));
    const auto& failed = as<Flow::Failed>(flow.on_outcome(timeout()));
    BOOST_TEST((failed.error.kind == ErrorKind::outcome_unknown));
    BOOST_TEST(failed.error.outcome_unknown);
    BOOST_TEST(flow.creates_sent() == 1);
    BOOST_TEST(flow.lookups_sent() == 3);
}

BOOST_AUTO_TEST_CASE(final_lookup_error_leaves_the_outcome_unknown) {
    auto flow = make_flow();
    flow.start();
    as<Flow::SendLookup>(flow.on_outcome(timeout()));
    const auto& failed =
        as<Flow::Failed>(flow.on_outcome(response(401, R"({"error":{"code":"unauthorized"}})")));
    BOOST_TEST((failed.error.kind == ErrorKind::outcome_unknown));
    BOOST_TEST(flow.creates_sent() == 1);
}

BOOST_AUTO_TEST_CASE(duplicate_merchant_order_id_is_resolved_by_lookup) {
    const std::string duplicate =
        write_error_body("merchant_order_id_duplicate", "duplicate",
                         std::vector<FieldError>{{"merchantOrderId", "wrong_value", ""}});
    auto flow = make_flow();
    flow.start();
    const auto& lookup = as<Flow::SendLookup>(flow.on_outcome(response(422, duplicate)));
    BOOST_TEST(lookup.delay.count() == 0);
    BOOST_TEST(as<Flow::Done>(flow.on_outcome(found({created_order()}))).recovered);

    // Taken but not (yet) listed: look again, never create; give up as unknown at the cap.
    auto lagging =
        make_flow({.max_create_attempts = 3, .max_lookup_attempts = 2, .settle_delay = 0ms});
    lagging.start();
    as<Flow::SendLookup>(lagging.on_outcome(response(422, duplicate)));
    as<Flow::SendLookup>(lagging.on_outcome(found({})));
    BOOST_TEST(
        (as<Flow::Failed>(lagging.on_outcome(found({}))).error.kind == ErrorKind::outcome_unknown));
    BOOST_TEST(lagging.creates_sent() == 1);
}

BOOST_AUTO_TEST_CASE(creates_exhausted_after_lookups_find_nothing) {
    auto flow =
        make_flow({.max_create_attempts = 2, .max_lookup_attempts = 5, .settle_delay = 0ms});
    flow.start();
    as<Flow::SendLookup>(flow.on_outcome(timeout()));
    as<Flow::SendCreate>(flow.on_outcome(found({})));
    as<Flow::SendLookup>(flow.on_outcome(timeout()));
    const auto& failed = as<Flow::Failed>(flow.on_outcome(found({})));
    BOOST_TEST((failed.error.kind == ErrorKind::outcome_unknown));
    BOOST_TEST(flow.creates_sent() == 2);
}

BOOST_AUTO_TEST_CASE(recovery_after_a_crash_starts_with_a_lookup) {
    auto flow = make_flow();
    const auto& lookup = as<Flow::SendLookup>(flow.start_recovery());
    BOOST_TEST(lookup.delay.count() == 0);
    BOOST_TEST(flow.creates_sent() == 0);
    const auto& create = as<Flow::SendCreate>(flow.on_outcome(found({})));
    BOOST_TEST(create.request.body == create_request_81);

    auto found_flow = make_flow();
    found_flow.start_recovery();
    BOOST_TEST(as<Flow::Done>(found_flow.on_outcome(found({created_order()}))).recovered);
    BOOST_TEST(found_flow.creates_sent() == 0);
}

BOOST_AUTO_TEST_CASE(outcome_without_a_pending_request_is_refused) {
    auto flow = make_flow();
    BOOST_TEST(
        (as<Flow::Failed>(flow.on_outcome(ok_create())).error.kind == ErrorKind::invalid_request));
    flow.start();
    flow.on_outcome(ok_create());
    BOOST_TEST(std::holds_alternative<Flow::Failed>(flow.on_outcome(ok_create())));
}

BOOST_AUTO_TEST_SUITE_END()
