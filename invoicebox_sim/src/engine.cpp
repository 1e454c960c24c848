// Request routing, order lifecycle and persistence of the simulator (see engine.hpp).
#include "invoicebox/sim/engine.hpp"

#include "invoicebox/sim/list_query.hpp"
#include "invoicebox/sim/payment_page.hpp"
#include "invoicebox/sim/validation.hpp"

#include "invoicebox/sim/amount.hpp"
#include "invoicebox/sim/basket_rules.hpp"
#include "invoicebox/sim/json.hpp"
#include "invoicebox/sim/signing.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <numeric>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace invoicebox::sim {

namespace bj = boost::json;

namespace {

constexpr std::string_view json_type = "application/json";
constexpr int state_version = 1;

std::string envelope(JsonValue data) {
    JsonObject o;
    o.emplace("data", std::move(data));
    o.emplace("extendedData", JsonArray{});
    return to_json(JsonValue(std::move(o)));
}

// The answer of a list endpoint (orders, refunds): the matching rows sorted as asked, cut to
// the requested page, with the total count in metaData. Written as it goes: a RenderedRow refers
// to stored members that a tree would copy.
template <class Row, class WriteRow>
std::string sorted_page_envelope(std::vector<Row> rows, const ListQuery& q, WriteRow write_row) {
    sort_rows(rows, q);
    std::string out = R"({"data":[)";
    const std::size_t first = (q.page - 1) * q.page_size;
    for (std::size_t i = first; i < rows.size() && i < first + q.page_size; ++i) {
        if (i != first) {
            out.push_back(',');
        }
        write_row(out, rows[i]);
    }
    out += R"(],"metaData":{"totalCount":)";
    out += std::to_string(rows.size());
    out += R"(,"pageSize":)";
    out += std::to_string(q.page_size);
    out += R"(,"page":)";
    out += std::to_string(q.page);
    out += R"(},"extendedData":[]})";
    return out;
}

SimReply ok(std::string body) {
    return SimReply::json(200, std::move(body));
}

SimReply fail(const ApiError& e) {
    return SimReply::json(e.status, e.body());
}

// A 5xx as the real front end produces it: the application's JSON for 500, the proxy's HTML
// page for the gateway errors (a client must cope with a non-JSON error body).
SimReply fault_reply(int status) {
    if (status == 500) {
        return SimReply::json(
            500, R"({"error":{"message":"Internal server error","code":"internal_error"}})");
    }
    std::string reason = status == 502   ? "Bad Gateway"
                         : status == 503 ? "Service Temporarily Unavailable"
                         : status == 504 ? "Gateway Time-out"
                                         : "Server Error";
    const std::string title = std::to_string(status) + " " + reason;
    return SimReply::html(
        status, "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" +
                    title +
                    "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n");
}

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    while (!path.empty()) {
        if (path.front() == '/') {
            path.remove_prefix(1);
            continue;
        }
        const auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
    }
    return out;
}

std::optional<std::string_view> bearer_token(const SimRequest& req) {
    const auto h = req.header("Authorization");
    if (!h) {
        return std::nullopt;
    }
    std::string_view v = *h;
    while (!v.empty() && v.front() == ' ') {
        v.remove_prefix(1);
    }
    if (v.size() < 7 || !iequals(v.substr(0, 7), "bearer ")) {
        return std::string_view{}; // present but not a bearer token: invalid
    }
    v.remove_prefix(7);
    while (!v.empty() && (v.front() == ' ')) {
        v.remove_prefix(1);
    }
    while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) {
        v.remove_suffix(1);
    }
    return v;
}

std::optional<ApiError> parse_body(const SimRequest& req, JsonValue& out) {
    auto doc = parse_json(req.body);
    if (!doc) {
        return ApiError::bad_request("The request body is not valid JSON: " + doc.error().message);
    }
    out = std::move(doc).value();
    return std::nullopt;
}

// Control bodies (/__sim/…) carry no money, so Boost.JSON's own model is fine for them.
std::optional<bj::object> control_body(const SimRequest& req, ApiError& err) {
    if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) {
        return bj::object{};
    }
    bj::error_code ec;
    auto v = bj::parse(req.body, ec);
    if (ec || !v.is_object()) {
        err = ApiError::bad_request("The request body must be a JSON object");
        return std::nullopt;
    }
    return std::move(v.as_object());
}

std::optional<double> number_member(const bj::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_number()) {
        return std::nullopt;
    }
    return v->to_number<double>();
}

JsonValue rate_limit_json(const RateLimit& l) {
    JsonObject o;
    o.emplace("requests", json_int(static_cast<std::int64_t>(l.requests)));
    o.emplace("windowSeconds",
              json_int(std::chrono::duration_cast<std::chrono::seconds>(l.window).count()));
    return o;
}

std::optional<RateLimit> rate_limit_from(const bj::value& v) {
    if (!v.is_object()) {
        return std::nullopt;
    }
    const auto n = number_member(v.as_object(), "requests");
    const auto w = number_member(v.as_object(), "windowSeconds");
    if (!n || *n < 0 || (w && *w <= 0)) {
        return std::nullopt;
    }
    RateLimit l;
    l.requests = static_cast<std::size_t>(*n);
    l.window = Millis{static_cast<std::int64_t>(std::llround((w ? *w : 30.0) * 1000))};
    return l;
}

} // namespace

EngineConfig engine_config(const Options& o) {
    EngineConfig c;
    c.accounts = o.accounts;
    c.flavour = o.flavour;
    c.notification_url = o.notification_url;
    c.schedule = RetrySchedule::from_name(o.retry_schedule).value_or(RetrySchedule::fast());
    c.time_scale = o.time_scale;
    c.public_url = o.public_url;
    c.shop_name = o.shop_name;
    c.account_limit = o.account_limit;
    c.ip_limit = o.ip_limit;
    c.state_file = o.state_file;
    c.signature_algorithm = o.signature_algorithm;
    return c;
}

Engine::Engine(EngineConfig config, SimClock::Source clock, SteadySource steady)
    : initial_(config), config_(std::move(config)), clock_(std::move(clock)),
      steady_(std::move(steady)), account_limiter_(config_.account_limit),
      ip_limiter_(config_.ip_limit), notifier_(config_.schedule, config_.time_scale) {
    if (config_.state_file) {
        state_file_ = std::make_unique<StateFile>(*config_.state_file);
    }
}

// ---- public entry points ----------------------------------------------------------------

void Engine::set_public_url(std::string url) {
    std::lock_guard lock(mu_);
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    config_.public_url = url;
    initial_.public_url = std::move(url);
}

std::string Engine::public_url() {
    std::lock_guard lock(mu_);
    return config_.public_url;
}

Instant Engine::now() {
    std::lock_guard lock(mu_);
    return clock_.now();
}

std::string Engine::state_error() {
    std::lock_guard lock(mu_);
    return state_error_;
}

SimReply Engine::handle(const SimRequest& req) {
    std::lock_guard lock(mu_);
    SimReply reply;
    try {
        tick(clock_.now());
        const std::string_view target = req.target;
        const auto qpos = target.find('?');
        const auto path = target.substr(0, qpos);
        const auto query =
            qpos == std::string_view::npos ? std::string_view{} : target.substr(qpos + 1);
        reply = dispatch(req, path, query);
    } catch (const std::exception& e) {
        reply = SimReply::json(500, ApiError{500, "internal_error", e.what(), {}}.body());
    }
    reply.headers.emplace_back("X-Request-Id", ids_.hex(16));
    if (dirty_) {
        save_state();
    }
    return reply;
}

std::vector<Delivery> Engine::take_deliveries() {
    std::lock_guard lock(mu_);
    const auto now = clock_.now();
    tick(now);
    auto out = notifier_.take_due(now, faults_);
    if (dirty_ || !out.empty()) {
        save_state();
    }
    return out;
}

void Engine::complete_delivery(std::uint64_t attempt_id, const DeliveryAnswer& answer) {
    std::lock_guard lock(mu_);
    notifier_.complete(attempt_id, answer, clock_.now());
    save_state();
}

std::optional<Instant> Engine::next_wakeup() {
    std::lock_guard lock(mu_);
    auto best = notifier_.next_due();
    auto consider = [&](Instant t) {
        if (!best || t < *best) {
            best = t;
        }
    };
    while (!expiries_.empty() && !expiry_is_current(expiries_.top())) {
        expiries_.pop();
    }
    if (!expiries_.empty()) {
        consider(expiries_.top().at);
    }
    for (const auto& r : refunds_) {
        if (r.status == RefundStatus::created) {
            consider(r.created_at + config_.refund_completion);
        }
    }
    return best;
}

// ---- routing ------------------------------------------------------------------------------

SimReply Engine::dispatch(const SimRequest& req, std::string_view path, std::string_view query) {
    if (path == "/__sim" || path.starts_with("/__sim/")) {
        return sim_control(req, path, query);
    }
    if (path.starts_with("/order/")) {
        return payment_page(req, path);
    }
    if (path.starts_with("/v3/") || path.starts_with("/l3/")) {
        const auto plan = faults_.plan_request(req.method, path);
        SimReply reply;
        using A = RequestFaultPlan::Action;
        if (plan.action == A::drop_before) {
            reply.disposition = SimReply::Disposition::drop;
        } else if (plan.action == A::error_before) {
            reply = fault_reply(plan.status);
        } else {
            reply = api(req, path, query);
            if (plan.action == A::drop_after) {
                reply.disposition = SimReply::Disposition::drop;
            } else if (plan.action == A::error_after) {
                reply = fault_reply(plan.status);
            }
        }
        reply.delay = plan.latency;
        return reply;
    }
    return fail(ApiError::not_found("No route for " + std::string(path)));
}

SimReply Engine::api(const SimRequest& req, std::string_view path, std::string_view query) {
    const bool right_flavour = path.substr(1, 2) == flavour_name(config_.flavour);
    const std::string_view rest = path.substr(3);
    if (!ip_limiter_.allow(req.remote_address, steady_())) {
        return fail(ApiError::too_many_requests());
    }
    const auto token = bearer_token(req);
    const Account* account = token ? account_by_token(*token) : nullptr;

    if (rest == "/security/api/auth/auth") {
        if (req.method != "GET") {
            return fail(ApiError{405, "method_not_allowed", "Method not allowed", {}});
        }
        // No token, or a shop of the other flavour: the anonymous user (invoicebox-api.md
        // §2.1, §9.2 item 8). A wrong token on the right prefix is a 401.
        if (!token || !right_flavour) {
            return ok(
                R"({"data":{"userId":null,"profile":null,"accessToken":null},"extendedData":[]})");
        }
        if (!account) {
            return fail(ApiError::unauthorized());
        }
        if (!account_limiter_.allow(account->merchant_id, steady_())) {
            return fail(ApiError::too_many_requests());
        }
        JsonObject data;
        data.emplace("userId", uuid_from_text("invoicebox-sim-user:" + account->merchant_id));
        data.emplace("profile", nullptr);
        data.emplace("accessToken", nullptr);
        return ok(envelope(std::move(data)));
    }
    if (!account || !right_flavour) {
        return fail(ApiError::unauthorized());
    }
    if (!account_limiter_.allow(account->merchant_id, steady_())) {
        return fail(ApiError::too_many_requests());
    }
    return api_authorised(req, *account, rest, query);
}

SimReply Engine::api_authorised(const SimRequest& req, const Account& account,
                                std::string_view rest, std::string_view query) {
    const auto seg = segments(rest);
    const auto& m = req.method;
    auto method_not_allowed = [] {
        return fail(ApiError{405, "method_not_allowed", "Method not allowed", {}});
    };
    // billing/api/order/...
    if (seg.size() >= 4 && seg[0] == "billing" && seg[1] == "api" && seg[2] == "order") {
        if (seg[3] == "order" && seg.size() == 4) {
            return m == "POST" ? create_order(account, req) : method_not_allowed();
        }
        if (seg[3] == "order" && seg.size() == 5) {
            const std::string id(seg[4]);
            if (m == "GET") {
                return get_order(account, id);
            }
            if (m == "PUT") {
                return update_order(account, id, req);
            }
            if (m == "DELETE") {
                return cancel_order(account, id);
            }
            return method_not_allowed();
        }
        if (seg[3] == "order" && seg.size() == 6 && seg[5] == "refund-basket-item") {
            return m == "GET" ? refundable_items(account, std::string(seg[4]))
                              : method_not_allowed();
        }
        if (seg[3] == "refund-order" && seg.size() == 4) {
            return m == "POST" ? create_refund(account, req) : method_not_allowed();
        }
    }
    if (seg.size() == 4 && seg[0] == "filter" && seg[1] == "api" && seg[2] == "order") {
        if (seg[3] == "order") {
            return m == "GET" ? find_orders(account, query) : method_not_allowed();
        }
        if (seg[3] == "refund-order") {
            return m == "GET" ? list_refunds(account, query) : method_not_allowed();
        }
    }
    return fail(ApiError::not_found("Not found"));
}

// ---- orders -------------------------------------------------------------------------------

Order* Engine::find_order(const std::string& id, const std::string& merchant_id) {
    const auto it = order_index_.find(id);
    if (it == order_index_.end()) {
        return nullptr;
    }
    auto& o = orders_[it->second];
    return (merchant_id.empty() || o.merchant_id == merchant_id) ? &o : nullptr;
}

const Account* Engine::account_by_token(std::string_view token) const {
    for (const auto& a : config_.accounts) {
        if (!token.empty() && constant_time_equal(a.token, token)) {
            return &a;
        }
    }
    return nullptr;
}

const Account* Engine::account_by_merchant(std::string_view merchant_id) const {
    for (const auto& a : config_.accounts) {
        if (a.merchant_id == merchant_id) {
            return &a;
        }
    }
    return nullptr;
}

SimReply Engine::create_order(const Account& account, const SimRequest& req) {
    JsonValue body;
    if (auto err = parse_body(req, body)) {
        return fail(*err);
    }
    const auto now = clock_.now();
    auto in = validate_create_order(body, now);
    if (!in) {
        return fail(in.error());
    }
    if (in->merchant_id != account.merchant_id) {
        return fail(ApiError::forbidden("The token has no access to shop " + in->merchant_id,
                                        "merchantId"));
    }
    for (const auto& o : orders_) {
        if (o.merchant_id == account.merchant_id && o.merchant_order_id == in->merchant_order_id) {
            return fail(
                ApiError::business("merchant_order_id_duplicate",
                                   "merchantOrderId " + in->merchant_order_id + " is already used",
                                   "merchantOrderId"));
        }
    }
    Order order;
    if (in->container_id) {
        const auto same = std::find_if(orders_.begin(), orders_.end(), [&](const Order& o) {
            return o.container_id == *in->container_id && o.merchant_id == account.merchant_id;
        });
        if (same == orders_.end()) {
            return fail(ApiError::validation("orderContainerId", "unknown invoice"));
        }
        order.container_id = *in->container_id;
    } else {
        order.container_id = ids_.uuid_v7(now);
    }
    order.id = ids_.uuid_v7(now);
    order.merchant_id = in->merchant_id;
    order.merchant_order_id = in->merchant_order_id;
    order.status = OrderStatus::created;
    order.created_at = now;
    order.expires_at = in->expires_at;
    order.currency = in->currency;
    order.amount_minor = in->amount_minor;
    order.vat_minor = in->vat_minor;
    order.items = std::move(in->items);
    order.fields = std::move(in->fields);
    order_index_[order.id] = orders_.size();
    orders_.push_back(std::move(order));
    touch(orders_.back());
    // Its list JSON is kept from now on, not rendered by the first list that holds it: after
    // 10,000 creates, the first poll pass spent 361 ms of the simulator's CPU rendering them
    // (55-72 ms in each pass after it), and so measured the simulator (bench/README.md).
    order_json(orders_.back());
    return ok(envelope(render_order(orders_.back(), config_.public_url)));
}

SimReply Engine::find_orders(const Account& account, std::string_view query) {
    auto q = parse_list_query(query, order_filter_fields());
    if (!q) {
        return fail(q.error());
    }
    // A list by id (the poller's "id[]=…" reads) renders only the orders named, through the id
    // index; any other query renders every order of the account. Either way the rows are judged
    // by the same conditions and stay in creation order (sort_rows relies on it). Rendering every
    // order for a 50-id read took ~30 ms with 2,000 orders, so a poll pass over 10,000 open links
    // measured the simulator, not the client (bench/README.md).
    std::vector<std::size_t> candidates;
    bool by_id = false;
    for (const auto& c : q->conditions) {
        if (c.field != "id" || (c.op != Condition::Op::eq && c.op != Condition::Op::in)) {
            continue;
        }
        by_id = true;
        for (const auto& id : c.values) {
            if (const auto it = order_index_.find(id); it != order_index_.end()) {
                candidates.push_back(it->second);
            }
        }
        break;
    }
    if (by_id) {
        std::sort(candidates.begin(), candidates.end());
        candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    } else {
        candidates.resize(orders_.size());
        std::iota(candidates.begin(), candidates.end(), std::size_t{0});
    }
    // The conditions and the sort judge the row; the answer writes the order's kept JSON, the
    // same text (order_json).
    struct OrderHit {
        RenderedRow row;
        const Order* order;
        const JsonValue* find(std::string_view field) const noexcept { return row.find(field); }
    };
    // A list by id and nothing else needs no row at all: the index found exactly the orders
    // the condition names, and with no sort they stay in creation order (the poller's reads).
    const bool ids_only = by_id && q->conditions.size() == 1 && q->order.empty();
    // A condition on the status is judged before the row is built, by the same rule (holds) on
    // the same value the row carries (order_row's "status"), and again with the rest: the
    // paid-orders read of every poll pass names status[]=completed, and building a row for each
    // of 16,000 orders to refuse most of them was most of the simulator's CPU in the bench's
    // pass (bench/README.md).
    std::vector<const Condition*> status_conditions;
    for (const auto& c : q->conditions) {
        if (c.field == "status") {
            status_conditions.push_back(&c);
        }
    }
    std::vector<OrderHit> rows;
    for (const auto i : candidates) {
        const auto& o = orders_[i];
        if (o.merchant_id != account.merchant_id) {
            continue;
        }
        if (ids_only) {
            rows.push_back(OrderHit{RenderedRow{}, &o});
            continue;
        }
        if (!status_conditions.empty()) {
            const JsonValue status{std::string(to_string(o.status))};
            if (!std::all_of(status_conditions.begin(), status_conditions.end(),
                             [&status](const Condition* c) { return holds(*c, status); })) {
                continue;
            }
        }
        auto row = order_row(o, config_.public_url);
        if (matches(row, *q)) {
            rows.push_back(OrderHit{std::move(row), &o});
        }
    }
    return ok(sorted_page_envelope(std::move(rows), *q, [this](std::string& out, const OrderHit& hit) {
        out += order_json(*hit.order);
    }));
}

const std::string& Engine::order_json(const Order& o) {
    auto& kept = order_json_[o.id];
    if (kept.json.empty() || kept.public_url != config_.public_url) {
        kept.public_url = config_.public_url;
        kept.json.clear();
        append_json(kept.json, order_row(o, config_.public_url));
    }
    return kept.json;
}

SimReply Engine::get_order(const Account& account, const std::string& id) {
    const auto* o = find_order(id, account.merchant_id);
    if (!o) {
        return fail(ApiError::not_found("Order not found"));
    }
    return ok(envelope(render_order(*o, config_.public_url)));
}

SimReply Engine::update_order(const Account& account, const std::string& id,
                              const SimRequest& req) {
    auto* o = find_order(id, account.merchant_id);
    if (!o) {
        return fail(ApiError::not_found("Order not found"));
    }
    if (o->status != OrderStatus::created) {
        return fail(ApiError::business("wrong_order_status", "An order in status " +
                                                                 std::string(to_string(o->status)) +
                                                                 " cannot be changed"));
    }
    JsonValue body;
    if (auto err = parse_body(req, body)) {
        return fail(*err);
    }
    auto next = validate_update_order(*o, body, clock_.now());
    if (!next) {
        return fail(next.error());
    }
    *o = std::move(next).value();
    touch(*o);
    return ok(envelope(render_order(*o, config_.public_url)));
}

SimReply Engine::cancel_order(const Account& account, const std::string& id) {
    auto* o = find_order(id, account.merchant_id);
    if (!o) {
        return fail(ApiError::not_found("Order not found"));
    }
    if (o->status != OrderStatus::created) {
        return fail(ApiError::business("wrong_order_status", "An order in status " +
                                                                 std::string(to_string(o->status)) +
                                                                 " cannot be canceled"));
    }
    change_status(*o, OrderStatus::canceled);
    return ok(envelope(render_order(*o, config_.public_url)));
}

// ---- refunds ------------------------------------------------------------------------------

std::vector<Engine::LineBalance> Engine::refundable(const Order& parent) const {
    std::vector<LineBalance> left;
    for (const auto& it : parent.items) {
        left.push_back({it.total_amount, it.total_vat_amount});
    }
    for (const auto& r : refunds_) {
        if (r.parent_id != parent.id || r.status == RefundStatus::canceled) {
            continue;
        }
        for (const auto& ri : r.items) {
            for (std::size_t i = 0; i < parent.items.size(); ++i) {
                if (parent.items[i].sku == ri.sku && left[i].amount >= ri.total_amount) {
                    left[i].amount -= ri.total_amount;
                    left[i].vat -= std::min(left[i].vat, ri.total_vat_amount);
                    break;
                }
            }
        }
    }
    return left;
}

SimReply Engine::refundable_items(const Account& account, const std::string& id) {
    const auto* o = find_order(id, account.merchant_id);
    if (!o) {
        return fail(ApiError::not_found("Order not found"));
    }
    if (o->status != OrderStatus::completed) {
        return fail(ApiError::business("wrong_order_status", "Only a paid order can be refunded"));
    }
    const auto left = refundable(*o);
    const auto* basket = o->fields.find("basketItems");
    const auto* items = basket ? basket->if_array() : nullptr;
    JsonArray out;
    for (std::size_t i = 0; items && i < items->size() && i < left.size(); ++i) {
        if (left[i].amount <= 0) {
            continue;
        }
        auto item = *(*items)[i].if_object();
        set_member(item, "availableAmount", json_amount(left[i].amount));
        set_member(item, "availableVatAmount", json_amount(left[i].vat));
        out.emplace_back(std::move(item));
    }
    return ok(envelope(std::move(out)));
}

SimReply Engine::create_refund(const Account& account, const SimRequest& req) {
    JsonValue body;
    if (auto err = parse_body(req, body)) {
        return fail(*err);
    }
    return accept_refund(account.merchant_id, body);
}

SimReply Engine::accept_refund(const std::string& merchant_id, const JsonValue& body) {
    const auto parent_id = refund_parent_id(body);
    if (!parent_id) {
        return fail(parent_id.error());
    }
    const auto* parent = find_order(*parent_id, merchant_id);
    if (!parent) {
        return fail(ApiError::not_found("Order " + *parent_id + " not found"));
    }
    if (parent->status != OrderStatus::completed) {
        return fail(ApiError::business("wrong_order_status",
                                       "Only a paid order can be refunded; cancel an unpaid one"));
    }
    auto refund = validate_create_refund(body, *parent);
    if (!refund) {
        return fail(refund.error());
    }
    for (const auto& r : refunds_) {
        if (r.merchant_id == merchant_id && r.merchant_order_id == refund->merchant_order_id) {
            return fail(ApiError::business("merchant_order_id_duplicate",
                                           "merchantOrderId " + refund->merchant_order_id +
                                               " is already used by a refund",
                                           "merchantOrderId"));
        }
    }
    auto left = refundable(*parent);
    for (std::size_t k = 0; k < refund->items.size(); ++k) {
        const auto& ri = refund->items[k];
        const std::string field = "basketItems[" + std::to_string(k) + "]";
        bool known = false;
        bool placed = false;
        for (std::size_t i = 0; i < parent->items.size() && !placed; ++i) {
            if (parent->items[i].sku != ri.sku) {
                continue;
            }
            known = true;
            if (left[i].amount >= ri.total_amount) {
                left[i].amount -= ri.total_amount;
                placed = true;
            }
        }
        if (!known) {
            return fail(ApiError::validation(field + ".sku", "no such item in the order"));
        }
        if (!placed) {
            return fail(ApiError::business("wrong_total_amount",
                                           "The refund exceeds what is left to refund of this item",
                                           field + ".totalAmount"));
        }
    }
    const auto now = clock_.now();
    refund->id = ids_.uuid_v7(now);
    refund->created_at = now;
    refunds_.push_back(std::move(refund).value());
    touch(refunds_.back());
    return ok(envelope(render_refund(refunds_.back())));
}

// The cabinet refunds what is left of the order (or `amountMinor` kopecks of it, taken line by
// line in basket order) with a basket that passes the same rules as an API refund: an untouched
// line is refunded as it was sold, a part of a line as one unit whose VAT follows the line's code.
SimReply Engine::cabinet_refund(const Order& parent, const bj::object& control) {
    if (parent.status != OrderStatus::completed) {
        return fail(ApiError::business("wrong_order_status", "Only a paid order can be refunded"));
    }
    const auto left = refundable(parent);
    std::int64_t total_left = 0;
    for (const auto& l : left) {
        total_left += l.amount;
    }
    std::int64_t wanted = total_left;
    if (const auto* a = control.if_contains("amountMinor")) {
        if (!a->is_int64() || a->as_int64() <= 0 || a->as_int64() > total_left) {
            return fail(ApiError::validation(
                "amountMinor", "must be an integer number of kopecks in [1, " +
                                   std::to_string(total_left) + "] (what is left to refund)"));
        }
        wanted = a->as_int64();
    }
    if (wanted == 0) {
        return fail(ApiError::business("wrong_total_amount", "Nothing is left to refund"));
    }
    std::string description = "Возврат из личного кабинета";
    if (const auto* d = control.if_contains("description"); d && d->is_string()) {
        description = std::string(d->as_string());
    }
    const auto* sold = parent.fields.find("basketItems");
    const auto* sold_items = sold ? sold->if_array() : nullptr;
    JsonArray items;
    std::int64_t amount = 0;
    std::int64_t vat = 0;
    for (std::size_t i = 0; sold_items && i < sold_items->size() && i < left.size() && amount < wanted; ++i) {
        const auto* original = (*sold_items)[i].if_object();
        if (original == nullptr || left[i].amount <= 0) {
            continue;
        }
        const auto part = std::min(left[i].amount, wanted - amount);
        JsonObject item = *original;
        std::int64_t part_vat = left[i].vat;
        if (part != parent.items[i].total_amount) {
            const auto rate = vat_rate_percent(parent.items[i].vat_code).value_or(0);
            part_vat = mul_div_round(part, rate, 100 + rate);
            set_member(item, "quantity", JsonNumber{"1"});
            set_member(item, "amount", json_amount(part));
            set_member(item, "amountWoVat", json_amount(part - part_vat));
            set_member(item, "totalAmount", json_amount(part));
            set_member(item, "totalVatAmount", json_amount(part_vat));
        }
        amount += part;
        vat += part_vat;
        items.emplace_back(std::move(item));
    }
    JsonObject body;
    body.emplace("parentId", parent.id);
    body.emplace("merchantOrderId", "cabinet-" + ids_.uuid_v7(clock_.now()));
    body.emplace("description", std::move(description));
    body.emplace("amount", json_amount(amount));
    body.emplace("vatAmount", json_amount(vat));
    body.emplace("basketItems", std::move(items));
    return accept_refund(parent.merchant_id, JsonValue(std::move(body)));
}

SimReply Engine::list_refunds(const Account& account, std::string_view query) {
    auto q = parse_list_query(query, refund_filter_fields());
    if (!q) {
        return fail(q.error());
    }
    std::vector<RenderedRow> rows;
    for (const auto& r : refunds_) {
        if (r.merchant_id != account.merchant_id) {
            continue;
        }
        auto row = refund_row(r);
        if (matches(row, *q)) {
            rows.push_back(std::move(row));
        }
    }
    return ok(sorted_page_envelope(std::move(rows), *q,
                                   [](std::string& out, const RenderedRow& row) { append_json(out, row); }));
}

// ---- lifecycle ----------------------------------------------------------------------------

void Engine::schedule_expiry(const Order& order) {
    if (order.status != OrderStatus::created) {
        return;
    }
    if (const auto it = order_index_.find(order.id); it != order_index_.end()) {
        expiries_.push(Expiry{order.expires_at, it->second});
    }
}

bool Engine::expiry_is_current(const Expiry& e) const {
    const auto& o = orders_[e.index];
    return o.status == OrderStatus::created && o.expires_at == e.at;
}

void Engine::rebuild_expiries() {
    expiries_ = {};
    for (std::size_t i = 0; i < orders_.size(); ++i) {
        if (orders_[i].status == OrderStatus::created) {
            expiries_.push(Expiry{orders_[i].expires_at, i});
        }
    }
}

void Engine::tick(Instant now) {
    while (!expiries_.empty() && expiries_.top().at <= now) {
        const Expiry due = expiries_.top();
        expiries_.pop();
        if (expiry_is_current(due)) {
            change_status(orders_[due.index], OrderStatus::expired);
        }
    }
    for (auto& r : refunds_) {
        if (r.status == RefundStatus::created && r.created_at + config_.refund_completion <= now) {
            r.status = faults_.cancel_refund() ? RefundStatus::canceled : RefundStatus::completed;
            touch(r);
        }
    }
}

std::optional<ApiError> Engine::pay(Order& order, bool late, std::optional<Instant> paid_at) {
    if (order.status == OrderStatus::completed) {
        return ApiError::business("wrong_order_status", "The order is already paid");
    }
    if (order.status != OrderStatus::created && !late) {
        return ApiError::business("wrong_order_status",
                                  "An order in status " + std::string(to_string(order.status)) +
                                      " cannot be paid (send \"late\": true for a late payment)");
    }
    order.paid_at = paid_at.value_or(clock_.now());
    change_status(order, OrderStatus::completed);
    return std::nullopt;
}

void Engine::change_status(Order& order, OrderStatus status) {
    order.status = status;
    touch(order);
    notify(order);
}

void Engine::notify(const Order& order) {
    const auto* account = account_by_merchant(order.merchant_id);
    if (!account) {
        return;
    }
    NotificationSpec spec;
    spec.order_id = order.id;
    spec.merchant_order_id = order.merchant_order_id;
    spec.order_status = std::string(to_string(order.status));
    spec.merchant_id = order.merchant_id;
    spec.url = order.field("notificationUrl");
    if (spec.url.empty()) {
        spec.url = config_.notification_url;
    }
    spec.body = to_json(
        JsonValue(render_order(order, config_.public_url, OrderView::notification)));
    spec.signature = sign_body(account->api_key, spec.body, config_.signature_algorithm);
    notifier_.enqueue(std::move(spec), clock_.now(), faults_);
    dirty_ = true;
}

void Engine::send_probe(const std::string& url, const Account& account) {
    // The monitoring request (invoicebox-api.md §5.4): a well-formed order notification with the
    // all-f id and an empty merchantOrderId, signed like any other.
    Order probe;
    const auto now = clock_.now();
    probe.id = std::string(probe_order_id);
    probe.container_id = std::string(probe_order_id);
    probe.merchant_id = account.merchant_id;
    probe.status = OrderStatus::completed;
    probe.created_at = now;
    probe.paid_at = now;
    probe.expires_at = now + std::chrono::hours{24};
    probe.amount_minor = 100;
    probe.vat_minor = 0;
    JsonObject item;
    item.emplace("sku", "monitoring");
    item.emplace("name", "Проверка доступности");
    item.emplace("measure", "шт.");
    item.emplace("measureCode", "796");
    item.emplace("quantity", json_int(1));
    item.emplace("amount", json_amount(100));
    item.emplace("amountWoVat", json_amount(100));
    item.emplace("totalAmount", json_amount(100));
    item.emplace("totalVatAmount", json_amount(0));
    item.emplace("vatCode", "VATNONE");
    item.emplace("type", "service");
    item.emplace("paymentType", "full_prepayment");
    probe.fields.emplace("description", "Тестовое уведомление мониторинга");
    probe.fields.emplace("basketItems", JsonArray{JsonValue(std::move(item))});
    probe.fields.emplace("customer", JsonObject{});
    NotificationSpec spec;
    spec.order_id = probe.id;
    spec.order_status = "completed";
    spec.merchant_id = account.merchant_id;
    spec.url = url;
    spec.probe = true;
    spec.body = to_json(
        JsonValue(render_order(probe, config_.public_url, OrderView::notification)));
    spec.signature = sign_body(account.api_key, spec.body, config_.signature_algorithm);
    notifier_.enqueue(std::move(spec), now, faults_);
}

// ---- payment page -------------------------------------------------------------------------

SimReply Engine::payment_page(const SimRequest& req, std::string_view path) {
    const auto seg = segments(path); // "order", id[, "pay"]
    if (seg.size() < 2 || seg.size() > 3 || (seg.size() == 3 && seg[2] != "pay")) {
        return SimReply::html(404, render_not_found());
    }
    const std::string container(seg[1]);
    std::vector<Order*> orders;
    for (auto& o : orders_) {
        if (o.container_id == container) {
            orders.push_back(&o);
        }
    }
    if (orders.empty()) {
        return SimReply::html(404, render_not_found());
    }
    auto page_orders = [&] {
        std::vector<PageOrder> out;
        for (const auto* o : orders) {
            PageOrder p;
            p.number = o->field("merchantOrderIdVisible");
            if (p.number.empty()) {
                p.number = o->merchant_order_id;
            }
            p.description = o->field("description");
            p.amount_minor = o->amount_minor;
            p.currency = o->currency;
            p.expires_at = o->expires_at;
            p.status = std::string(to_string(o->status));
            p.success_url = o->field("successUrl");
            p.fail_url = o->field("failUrl");
            p.return_url = o->field("returnUrl");
            out.push_back(std::move(p));
        }
        return out;
    };
    const std::string& shop = config_.shop_name;
    if (seg.size() == 2) {
        if (req.method != "GET" && req.method != "HEAD") {
            return SimReply::html(405, render_not_found());
        }
        return SimReply::html(
            200, render_payment_page(shop, page_orders(), payment_path(container) + "/pay"));
    }
    if (req.method != "POST") {
        return SimReply::html(405, render_not_found());
    }
    bool paid = false;
    for (auto* o : orders) {
        if (o->status == OrderStatus::created) {
            paid = !pay(*o, false, std::nullopt).has_value() || paid;
        }
    }
    return SimReply::html(paid ? 200 : 409, render_payment_result(shop, page_orders(), paid));
}

// ---- test-only control --------------------------------------------------------------------

SimReply Engine::sim_control(const SimRequest& req, std::string_view path, std::string_view query) {
    const auto seg = segments(path); // "__sim", ...
    const auto& m = req.method;
    ApiError err;
    auto not_found = [&] {
        return fail(ApiError::not_found("No test route " + std::string(path)));
    };
    if (seg.size() < 2) {
        return not_found();
    }
    const auto what = seg[1];
    std::string filter_order;
    std::string filter_status;
    std::string filter_merchant_order;
    for (const auto& [k, v] : decode_query(query)) {
        if (k == "orderId") {
            filter_order = v;
        } else if (k == "status") {
            filter_status = v;
        } else if (k == "merchantOrderId") {
            filter_merchant_order = v;
        }
    }

    if (what == "health" && seg.size() == 2) {
        JsonObject d;
        d.emplace("status", "ok");
        d.emplace("pendingNotifications", json_int(static_cast<std::int64_t>(notifier_.pending())));
        return ok(envelope(std::move(d)));
    }
    if (what == "orders" && seg.size() == 2 && m == "GET") {
        JsonArray rows;
        for (const auto& o : orders_) {
            if ((filter_status.empty() || to_string(o.status) == filter_status) &&
                (filter_merchant_order.empty() || o.merchant_order_id == filter_merchant_order)) {
                rows.emplace_back(render_order(o, config_.public_url));
            }
        }
        return ok(envelope(std::move(rows)));
    }
    if (what == "orders" && seg.size() == 4 && m == "POST") {
        auto* o = find_order(std::string(seg[2]), "");
        if (!o) {
            return fail(ApiError::not_found("Order not found"));
        }
        auto body = control_body(req, err);
        if (!body) {
            return fail(err);
        }
        if (seg[3] == "pay") {
            bool late = false;
            if (const auto* l = body->if_contains("late")) {
                late = l->is_bool() && l->as_bool();
            }
            if (auto e = pay(*o, late, std::nullopt)) {
                return fail(*e);
            }
            return ok(envelope(render_order(*o, config_.public_url)));
        }
        if (seg[3] == "notify") {
            notify(*o);
            return ok(envelope(render_order(*o, config_.public_url)));
        }
        if (seg[3] == "refund") {
            return cabinet_refund(*o, *body);
        }
        return not_found();
    }
    if (what == "refunds" && seg.size() == 2 && m == "GET") {
        JsonArray rows;
        for (const auto& r : refunds_) {
            rows.emplace_back(render_refund(r));
        }
        return ok(envelope(std::move(rows)));
    }
    if (what == "clock") {
        if (seg.size() == 3 && m == "POST") {
            auto body = control_body(req, err);
            if (!body) {
                return fail(err);
            }
            if (seg[2] == "advance") {
                const auto secs = number_member(*body, "seconds");
                if (!secs || *secs < 0) {
                    return fail(ApiError::validation("seconds", "must be a non-negative number"));
                }
                clock_.advance(Millis{static_cast<std::int64_t>(std::llround(*secs * 1000))});
            } else if (seg[2] == "set") {
                const auto* now = body->if_contains("now");
                const auto t = (now && now->is_string())
                                   ? parse_rfc3339(std::string_view(now->as_string()))
                                   : std::nullopt;
                if (!t) {
                    return fail(
                        ApiError::validation("now", "must be an RFC 3339 date-time with offset"));
                }
                clock_.set(*t);
            } else {
                return not_found();
            }
            dirty_ = true;
            tick(clock_.now());
        } else if (!(seg.size() == 2 && m == "GET")) {
            return not_found();
        }
        JsonObject d;
        d.emplace("now", format_rfc3339(clock_.now()));
        d.emplace("nowMs", json_int(clock_.now().time_since_epoch().count()));
        d.emplace("offsetSeconds",
                  JsonNumber{write_scaled(clock_.offset().count(), 3)});
        return ok(envelope(std::move(d)));
    }
    if (what == "faults" && seg.size() == 3 && seg[2] == "stats" && m == "GET") {
        const auto text = bj::serialize(faults_.stats().describe());
        auto parsed = parse_json(text);
        return ok(envelope(parsed ? std::move(parsed).value() : JsonValue(JsonObject{})));
    }
    if (what == "faults" && seg.size() == 2) {
        if (m == "POST" || m == "PUT") {
            bj::error_code ec;
            const auto v = req.body.empty() ? bj::value(bj::object{}) : bj::parse(req.body, ec);
            if (ec) {
                return fail(ApiError::bad_request("The request body is not valid JSON"));
            }
            if (auto e = faults_.configure(v)) {
                return fail(ApiError::validation("faults", *e));
            }
        } else if (m == "DELETE") {
            faults_.clear();
        } else if (m != "GET") {
            return not_found();
        }
        const auto text = bj::serialize(faults_.describe());
        auto parsed = parse_json(text);
        return ok(envelope(parsed ? std::move(parsed).value() : JsonValue(JsonObject{})));
    }
    if (what == "notifications") {
        if (seg.size() == 2 && m == "GET") {
            return ok(envelope(notifier_.describe_attempts(filter_order)));
        }
        if (seg.size() == 3 && seg[2] == "flush" && m == "POST") {
            notifier_.flush_held(clock_.now());
            return ok(envelope(JsonObject{}));
        }
        if (seg.size() == 3 && seg[2] == "probe" && m == "POST") {
            auto body = control_body(req, err);
            if (!body) {
                return fail(err);
            }
            const Account* account = &config_.accounts.front();
            if (const auto* mid = body->if_contains("merchantId"); mid && mid->is_string()) {
                account = account_by_merchant(std::string_view(mid->as_string()));
                if (!account) {
                    return fail(ApiError::validation("merchantId", "unknown shop"));
                }
            }
            std::string url = config_.notification_url;
            if (const auto* u = body->if_contains("url"); u && u->is_string()) {
                url = std::string(u->as_string());
            }
            if (url.empty()) {
                return fail(ApiError::validation("url", "no notification URL configured"));
            }
            send_probe(url, *account);
            return ok(envelope(JsonObject{}));
        }
        return not_found();
    }
    if (what == "config" && seg.size() == 2) {
        if (m == "POST" || m == "PUT") {
            auto body = control_body(req, err);
            if (!body) {
                return fail(err);
            }
            EngineConfig next = config_;
            for (const auto& kv : *body) {
                const auto key = std::string_view(kv.key());
                const auto& v = kv.value();
                if (key == "rateLimit" || key == "ipRateLimit") {
                    const auto l = rate_limit_from(v);
                    if (!l) {
                        return fail(ApiError::validation(
                            std::string(key), "needs {\"requests\": N, \"windowSeconds\": S}"));
                    }
                    (key == "rateLimit" ? next.account_limit : next.ip_limit) = *l;
                } else if (key == "notificationUrl" && v.is_string()) {
                    next.notification_url = std::string(v.as_string());
                } else if (key == "retrySchedule" && v.is_string()) {
                    auto s = RetrySchedule::from_name(std::string_view(v.as_string()));
                    if (!s) {
                        return fail(ApiError::validation("retrySchedule", "fast or real"));
                    }
                    next.schedule = *s;
                } else if (key == "timeScale" && v.is_number() && v.to_number<double>() > 0) {
                    next.time_scale = v.to_number<double>();
                } else if (key == "refundCompletionSeconds" && v.is_number() &&
                           v.to_number<double>() >= 0) {
                    next.refund_completion = Millis{
                        static_cast<std::int64_t>(std::llround(v.to_number<double>() * 1000))};
                } else {
                    return fail(
                        ApiError::validation(std::string(key), "unknown or invalid setting"));
                }
            }
            config_ = std::move(next);
            account_limiter_.set_limit(config_.account_limit);
            ip_limiter_.set_limit(config_.ip_limit);
            notifier_.set_schedule(config_.schedule);
            notifier_.set_time_scale(config_.time_scale);
        } else if (m != "GET") {
            return not_found();
        }
        return ok(envelope(describe_config()));
    }
    if (what == "reset" && seg.size() == 2 && m == "POST") {
        reset();
        return ok(envelope(JsonObject{}));
    }
    return not_found();
}

JsonObject Engine::describe_config() const {
    JsonObject d;
    d.emplace("flavour", std::string(flavour_name(config_.flavour)));
    JsonArray shops;
    for (const auto& a : config_.accounts) {
        shops.emplace_back(a.merchant_id); // tokens and keys are secrets: never in an answer
    }
    d.emplace("merchantIds", std::move(shops));
    d.emplace("publicUrl", config_.public_url);
    d.emplace("notificationUrl", config_.notification_url);
    d.emplace("retrySchedule", std::string(config_.schedule.name()));
    char scale[32];
    std::snprintf(scale, sizeof scale, "%.6g", config_.time_scale);
    d.emplace("timeScale", JsonNumber{scale});
    d.emplace("rateLimit", rate_limit_json(config_.account_limit));
    d.emplace("ipRateLimit", rate_limit_json(config_.ip_limit));
    d.emplace("refundCompletionSeconds",
              JsonNumber{write_scaled(config_.refund_completion.count(), 3)});
    d.emplace("signatureAlgorithm", std::string(to_string(config_.signature_algorithm)));
    return d;
}

void Engine::reset() {
    orders_.clear();
    order_json_.clear();
    order_index_.clear();
    expiries_ = {};
    refunds_.clear();
    notifier_.reset();
    faults_.clear();
    clock_.set_offset(Millis{0});
    const auto public_url = config_.public_url;
    config_ = initial_;
    config_.public_url = public_url;
    account_limiter_.set_limit(config_.account_limit);
    ip_limiter_.set_limit(config_.ip_limit);
    notifier_.set_schedule(config_.schedule);
    notifier_.set_time_scale(config_.time_scale);
    snapshot_due_ = true;
    dirty_ = true;
}

// ---- persistence --------------------------------------------------------------------------

void Engine::save_state() {
    dirty_ = false;
    if (!state_file_) {
        changed_orders_.clear();
        changed_refunds_.clear();
        return;
    }
    JsonObject root;
    if (snapshot_due_ || state_file_->journal_outgrown()) {
        // Everything, as a new generation: the journal starts empty after it.
        root.emplace("version", json_int(state_version));
        root.emplace("generation", json_int(generation_ + 1));
        root.emplace("clockOffsetMs", json_int(clock_.offset().count()));
        JsonArray orders;
        for (const auto& o : orders_) {
            orders.emplace_back(order_to_state(o));
        }
        root.emplace("orders", std::move(orders));
        JsonArray refunds;
        for (const auto& r : refunds_) {
            refunds.emplace_back(refund_to_state(r));
        }
        root.emplace("refunds", std::move(refunds));
        root.emplace("notifications", notifier_.save_pending());
        if (auto e = state_file_->write_snapshot(to_json(JsonValue(std::move(root))) + "\n")) {
            state_error_ = *e;
            snapshot_due_ = true;
            return;
        }
        ++generation_;
        snapshot_due_ = false;
    } else {
        // One line: the orders and refunds that changed, the pending notifications and the clock.
        root.emplace("generation", json_int(generation_));
        root.emplace("clockOffsetMs", json_int(clock_.offset().count()));
        JsonArray orders;
        for (const auto& id : changed_orders_) {
            if (const auto it = order_index_.find(id); it != order_index_.end()) {
                orders.emplace_back(order_to_state(orders_[it->second]));
            }
        }
        root.emplace("orders", std::move(orders));
        JsonArray refunds;
        for (const auto& r : refunds_) {
            if (changed_refunds_.count(r.id) != 0) {
                refunds.emplace_back(refund_to_state(r));
            }
        }
        root.emplace("refunds", std::move(refunds));
        root.emplace("notifications", notifier_.save_pending());
        if (auto e = state_file_->append(to_json(JsonValue(std::move(root))))) {
            state_error_ = *e;
            snapshot_due_ = true; // the next save writes everything, so nothing stays unsaved
            return;
        }
    }
    changed_orders_.clear();
    changed_refunds_.clear();
    state_error_.clear();
}

namespace {

std::optional<std::int64_t> int_member(const JsonObject& o, std::string_view key) {
    const auto* v = o.find(key);
    if (!v || !v->if_number()) {
        return std::nullopt;
    }
    std::int64_t out = 0;
    const auto& t = v->if_number()->text;
    if (std::from_chars(t.data(), t.data() + t.size(), out).ec != std::errc{}) {
        return std::nullopt;
    }
    return out;
}

} // namespace

std::optional<std::string> Engine::replay_journal_line(const std::string& line,
                                                       std::int64_t generation,
                                                       std::optional<JsonArray>& notifications,
                                                       std::optional<std::int64_t>& offset_ms) {
    auto doc = parse_json(line);
    if (!doc || !doc->if_object()) {
        return "a journal line is not valid JSON";
    }
    const auto& o = *doc->if_object();
    if (int_member(o, "generation") != generation) {
        return std::nullopt; // left by a crash before the last snapshot's truncation: older
    }
    if (const auto* a = o.find("orders"); a && a->if_array()) {
        for (const auto& v : *a->if_array()) {
            auto order = order_from_state(v);
            if (!order) {
                return order.error();
            }
            if (const auto it = order_index_.find(order->id); it != order_index_.end()) {
                orders_[it->second] = std::move(order).value();
            } else {
                order_index_[order->id] = orders_.size();
                orders_.push_back(std::move(order).value());
            }
        }
    }
    if (const auto* a = o.find("refunds"); a && a->if_array()) {
        for (const auto& v : *a->if_array()) {
            auto refund = refund_from_state(v);
            if (!refund) {
                return refund.error();
            }
            auto it = std::find_if(refunds_.begin(), refunds_.end(),
                                   [&](const Refund& r) { return r.id == refund->id; });
            if (it != refunds_.end()) {
                *it = std::move(refund).value();
            } else {
                refunds_.push_back(std::move(refund).value());
            }
        }
    }
    if (const auto* a = o.find("notifications"); a && a->if_array()) {
        notifications = *a->if_array();
    }
    if (const auto off = int_member(o, "clockOffsetMs")) {
        offset_ms = off;
    }
    return std::nullopt;
}

std::optional<std::string> Engine::load_state() {
    std::lock_guard lock(mu_);
    order_json_.clear(); // the orders are about to be replaced
    if (!state_file_) {
        return std::nullopt;
    }
    StateFile::Contents contents;
    if (auto e = state_file_->read(contents)) {
        return "cannot read the state: " + *e;
    }
    if (!contents.snapshot) {
        return std::nullopt; // journal lines without a snapshot predate it: nothing to restore
    }
    const auto& file = state_file_->path();
    JsonReadLimits limits;
    limits.max_bytes = std::size_t{1} << 30;
    auto doc = parse_json(*contents.snapshot, limits);
    if (!doc || !doc->if_object()) {
        return "state file " + file + " is not valid JSON";
    }
    const auto& root = *doc->if_object();
    const auto* version = root.find("version");
    if (!version || !version->if_number() ||
        version->if_number()->text != std::to_string(state_version)) {
        return "state file " + file + " has an unknown version";
    }
    std::vector<Order> orders;
    std::vector<Refund> refunds;
    if (const auto* a = root.find("orders"); a && a->if_array()) {
        for (const auto& v : *a->if_array()) {
            auto o = order_from_state(v);
            if (!o) {
                return "state file: " + o.error();
            }
            orders.push_back(std::move(o).value());
        }
    }
    if (const auto* a = root.find("refunds"); a && a->if_array()) {
        for (const auto& v : *a->if_array()) {
            auto r = refund_from_state(v);
            if (!r) {
                return "state file: " + r.error();
            }
            refunds.push_back(std::move(r).value());
        }
    }
    std::optional<std::int64_t> offset_ms;
    if (root.contains("clockOffsetMs")) {
        offset_ms = int_member(root, "clockOffsetMs");
        if (!offset_ms) {
            return "state file: bad clockOffsetMs";
        }
    }
    std::optional<JsonArray> notifications;
    if (const auto* a = root.find("notifications"); a && a->if_array()) {
        notifications = *a->if_array();
    }
    const std::int64_t generation = int_member(root, "generation").value_or(0); // 0: before journals
    orders_ = std::move(orders);
    refunds_ = std::move(refunds);
    order_index_.clear();
    for (std::size_t i = 0; i < orders_.size(); ++i) {
        order_index_[orders_[i].id] = i;
    }
    for (const auto& line : contents.journal) {
        if (auto e = replay_journal_line(line, generation, notifications, offset_ms)) {
            return "state journal of " + file + ": " + *e;
        }
    }
    rebuild_expiries();
    if (offset_ms) {
        clock_.set_offset(Millis{*offset_ms});
    }
    if (notifications) {
        notifier_.restore_pending(*notifications, clock_.now());
    }
    generation_ = generation;
    snapshot_due_ = true; // fold what was replayed into a fresh snapshot at the first change
    return std::nullopt;
}

} // namespace invoicebox::sim
