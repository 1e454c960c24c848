// CreateOrderFlow transitions; the state diagram is in create_order_flow.hpp.
#include "invoicebox/protocol/create_order_flow.hpp"

#include <algorithm>

namespace invoicebox::protocol {

namespace {

// Which of several matching orders to link when merchantOrderId was not unique: a paid one
// first (money arrived there), then a live one, then anything.
int preference(const Order& o) noexcept {
    switch (o.status.kind()) {
    case OrderStatusKind::completed:
        return 0;
    case OrderStatusKind::hold:
        return 1;
    case OrderStatusKind::created:
        return 2;
    case OrderStatusKind::draft:
    case OrderStatusKind::unknown:
        return 3;
    case OrderStatusKind::expired:
    case OrderStatusKind::canceled:
        return 4;
    }
    return 5;
}

} // namespace

CreateOrderFlow::CreateOrderFlow(InvoiceboxApi api, CreateOrderRequest request, RetryPolicy policy,
                                 CreateFlowSettings settings)
    : api_(std::move(api)), request_(std::move(request)), policy_(std::move(policy)),
      settings_(settings) {}

CreateOrderFlow::Step CreateOrderFlow::start() {
    auto req = api_.create_order(request_);
    if (!req)
        return fail(std::move(req).error());
    create_request_ = std::move(req).value();
    return send_create(std::chrono::milliseconds{0});
}

CreateOrderFlow::Step CreateOrderFlow::start_recovery() {
    if (auto req = api_.create_order(request_))
        create_request_ = std::move(req).value();
    return send_lookup(std::chrono::milliseconds{0});
}

CreateOrderFlow::Step CreateOrderFlow::on_outcome(const HttpOutcome& outcome) {
    switch (state_) {
    case State::awaiting_create:
        return on_create(outcome);
    case State::awaiting_lookup:
        return on_lookup(outcome);
    case State::idle:
    case State::finished:
        break;
    }
    ApiError e;
    e.kind = ErrorKind::invalid_request;
    e.message = "CreateOrderFlow: outcome fed with no request outstanding";
    return Failed{std::move(e)};
}

CreateOrderFlow::Step CreateOrderFlow::send_create(std::chrono::milliseconds delay) {
    state_ = State::awaiting_create;
    ++creates_sent_;
    return SendCreate{create_request_, delay};
}

CreateOrderFlow::Step CreateOrderFlow::send_lookup(std::chrono::milliseconds delay) {
    state_ = State::awaiting_lookup;
    ++lookups_sent_;
    return SendLookup{api_.find_orders_by_merchant_order_id(request_.merchant_order_id), delay};
}

CreateOrderFlow::Step CreateOrderFlow::fail(ApiError e) {
    state_ = State::finished;
    return Failed{std::move(e)};
}

CreateOrderFlow::Step CreateOrderFlow::fail_unknown(std::string why) {
    ApiError e;
    e.kind = ErrorKind::outcome_unknown;
    e.outcome_unknown = true;
    e.message = "order " + request_.merchant_order_id.str() + ": " + why;
    return fail(std::move(e));
}

CreateOrderFlow::Step CreateOrderFlow::on_create(const HttpOutcome& outcome) {
    auto order = InvoiceboxApi::parse_order(outcome);
    if (order) {
        state_ = State::finished;
        return Done{std::move(order).value(), false};
    }
    const ApiError& e = order.error();
    if (e.is(ApiErrorCode::merchant_order_id_duplicate)) {
        // An earlier attempt (maybe before a crash) created it: find that order.
        duplicate_reported_ = true;
        if (lookups_sent_ >= settings_.max_lookup_attempts)
            return fail_unknown("merchantOrderId is taken and lookups are exhausted");
        return send_lookup(std::chrono::milliseconds{0});
    }
    ++consecutive_create_failures_;
    const auto decision = policy_.decide(RequestKind::create, consecutive_create_failures_, e);
    switch (decision.action) {
    case RetryAction::retry:
        if (creates_sent_ < settings_.max_create_attempts)
            return send_create(decision.delay);
        return fail(e);
    case RetryAction::resolve_by_lookup:
        if (lookups_sent_ >= settings_.max_lookup_attempts)
            return fail_unknown("create outcome unknown and lookups are exhausted");
        return send_lookup(std::max(decision.delay, settings_.settle_delay));
    case RetryAction::give_up:
        break;
    }
    return fail(e);
}

CreateOrderFlow::Step CreateOrderFlow::on_lookup(const HttpOutcome& outcome) {
    auto page = InvoiceboxApi::parse_orders(outcome);
    if (!page) {
        ++consecutive_lookup_failures_;
        const auto decision =
            policy_.decide(RequestKind::read, consecutive_lookup_failures_, page.error());
        if (decision.action == RetryAction::retry && lookups_sent_ < settings_.max_lookup_attempts)
            return send_lookup(decision.delay);
        // A final lookup error (401 after a token change, ...) still leaves the create unresolved.
        return fail_unknown("lookup failed: " + describe(page.error()));
    }
    consecutive_lookup_failures_ = 0;

    // The server filter may be ignored (§9.3), so match on our side too.
    std::vector<const Order*> same_id;
    for (const auto& o : page->items)
        if (o.merchant_order_id == request_.merchant_order_id)
            same_id.push_back(&o);
    std::vector<const Order*> matching;
    for (const auto* o : same_id)
        if (o->amount == request_.amount)
            matching.push_back(o);

    if (!matching.empty()) {
        const auto* best =
            *std::min_element(matching.begin(), matching.end(), [](const Order* a, const Order* b) {
                return preference(*a) < preference(*b);
            });
        state_ = State::finished;
        return Done{*best, true};
    }
    if (!same_id.empty()) {
        ApiError e;
        e.kind = ErrorKind::conflict;
        e.message = "an order with merchantOrderId " + request_.merchant_order_id.str() +
                    " exists with a different amount or currency";
        return fail(std::move(e));
    }
    // Nothing found.
    if (duplicate_reported_) {
        // InvoiceBox said the id is taken, so the order exists: its list may lag. Look again.
        if (lookups_sent_ < settings_.max_lookup_attempts)
            return send_lookup(policy_.backoff(lookups_sent_));
        return fail_unknown("merchantOrderId is taken but no order was found");
    }
    if (create_request_.target.empty())
        return fail_unknown("order not found and the request cannot be rebuilt");
    if (creates_sent_ < settings_.max_create_attempts)
        return send_create(policy_.backoff(creates_sent_));
    return fail_unknown("order not found and create attempts are exhausted");
}

} // namespace invoicebox::protocol
