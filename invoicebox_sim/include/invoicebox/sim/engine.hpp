// The simulator without sockets: state, validation, lifecycle, routing, notifications queue,
// fault model and persistence. The server (server.hpp) feeds it requests and performs the
// notification POSTs it asks for; unit tests drive it directly.
//
// Routes (each API path under the configured flavour prefix, `/v3` or `/l3`):
//   GET    /security/api/auth/auth                          check token
//   POST   /billing/api/order/order                         create order
//   GET    /billing/api/order/order/{id}                    read one order ([mcp] only)
//   PUT    /billing/api/order/order/{id}                    update an unpaid order
//   DELETE /billing/api/order/order/{id}                    cancel
//   GET    /billing/api/order/order/{id}/refund-basket-item refundable items
//   POST   /billing/api/order/refund-order                  create refund
//   GET    /filter/api/order/order                          find orders
//   GET    /filter/api/order/refund-order                   list refunds
//   GET    /order/{orderContainerId}, POST …/pay             payment page
//   /__sim/…                                                test-only control (README.md)
//
// Thread-safe: every public member locks one mutex, so the server may call from any thread.
#pragma once

#include "invoicebox/sim/api_error.hpp"
#include "invoicebox/sim/clock.hpp"
#include "invoicebox/sim/faults.hpp"
#include "invoicebox/sim/http_types.hpp"
#include "invoicebox/sim/ids.hpp"
#include "invoicebox/sim/model.hpp"
#include "invoicebox/sim/notifier.hpp"
#include "invoicebox/sim/options.hpp"
#include "invoicebox/sim/rate_limiter.hpp"
#include "invoicebox/sim/retry_schedule.hpp"

#include "invoicebox/sim/signing.hpp"
#include "invoicebox/sim/state_file.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace invoicebox::sim {

struct EngineConfig {
    std::vector<Account> accounts;
    Flavour flavour = Flavour::v3;
    std::string notification_url;
    RetrySchedule schedule = RetrySchedule::fast();
    double time_scale = 1.0;
    std::string public_url; // base of paymentUrl, e.g. "http://127.0.0.1:8080"
    std::string shop_name = "Тестовый магазин";
    RateLimit account_limit{100, std::chrono::seconds{30}};
    RateLimit ip_limit{500, std::chrono::seconds{30}};
    std::optional<std::string> state_file;
    SignatureAlgorithm signature_algorithm = SignatureAlgorithm::hmac_sha1;
    Millis refund_completion{5'000}; // simulated time until a created refund is completed
};

// Builds the engine configuration from the command line.
EngineConfig engine_config(const Options& o);

class Engine {
  public:
    using SteadySource = std::function<std::chrono::steady_clock::time_point()>;

    explicit Engine(EngineConfig config, SimClock::Source clock = &system_now,
                    SteadySource steady = &std::chrono::steady_clock::now);

    // Reads the state file when one is configured and exists. Returns an error message when
    // the file exists but cannot be used (the engine then starts empty).
    std::optional<std::string> load_state();

    // Sets the base URL of payment links (after the server knows its port).
    void set_public_url(std::string url);
    std::string public_url();

    // Answers one HTTP request. Never throws.
    SimReply handle(const SimRequest& request);

    // Brings time-driven state up to date (expiry, refund completion) and returns the
    // notification POSTs due now.
    std::vector<Delivery> take_deliveries();

    // The answer to a delivery from take_deliveries().
    void complete_delivery(std::uint64_t attempt_id, const DeliveryAnswer& answer);

    // The next simulated instant at which something is due (expiry, retry, refund completion).
    std::optional<Instant> next_wakeup();
    Instant now();

    // Last failure to write the state file ("" when the last write succeeded).
    std::string state_error();

  private:
    // All private members run with mu_ held.
    SimReply dispatch(const SimRequest& req, std::string_view path, std::string_view query);
    SimReply api(const SimRequest& req, std::string_view path, std::string_view query);
    SimReply api_authorised(const SimRequest& req, const Account& account, std::string_view rest,
                            std::string_view query);
    SimReply sim_control(const SimRequest& req, std::string_view path, std::string_view query);
    SimReply payment_page(const SimRequest& req, std::string_view path);

    SimReply create_order(const Account& account, const SimRequest& req);
    SimReply find_orders(const Account& account, std::string_view query);
    SimReply get_order(const Account& account, const std::string& id);
    SimReply update_order(const Account& account, const std::string& id, const SimRequest& req);
    SimReply cancel_order(const Account& account, const std::string& id);
    SimReply refundable_items(const Account& account, const std::string& id);
    SimReply create_refund(const Account& account, const SimRequest& req);
    // The acceptance rules of a refund request on behalf of shop `merchant_id` (the API and the
    // cabinet both come through here).
    SimReply accept_refund(const std::string& merchant_id, const JsonValue& body);
    // A refund made in InvoiceBox's cabinet (`POST /__sim/orders/{id}/refund`).
    SimReply cabinet_refund(const Order& parent, const boost::json::object& control);
    SimReply list_refunds(const Account& account, std::string_view query);

    Order* find_order(const std::string& id, const std::string& merchant_id);
    const Account* account_by_token(std::string_view token) const;
    const Account* account_by_merchant(std::string_view merchant_id) const;

    // Lifecycle.
    void tick(Instant now);
    std::optional<ApiError> pay(Order& order, bool late, std::optional<Instant> paid_at);
    void change_status(Order& order, OrderStatus status);
    void notify(const Order& order);
    void send_probe(const std::string& url, const Account& account);

    // Remaining refundable money per basket line of `parent`.
    struct LineBalance {
        std::int64_t amount = 0;
        std::int64_t vat = 0;
    };
    std::vector<LineBalance> refundable(const Order& parent) const;

    void reset();
    // What changed since the last save: the journal line carries these (state_file.hpp).
    // Every change of an order passes here (the state file relies on it), so it also forgets
    // the order's rendered JSON.
    void touch(const Order& order) {
        changed_orders_.insert(order.id);
        order_json_.erase(order.id);
        schedule_expiry(order);
        dirty_ = true;
    }
    void touch(const Refund& refund) { changed_refunds_.insert(refund.id); dirty_ = true; }
    void save_state();
    // Applies one journal line of generation `generation` to orders_/refunds_; the pending
    // notifications and the clock offset it carries replace `notifications`/`offset_ms`.
    std::optional<std::string> replay_journal_line(const std::string& line, std::int64_t generation,
                                                   std::optional<JsonArray>& notifications,
                                                   std::optional<std::int64_t>& offset_ms);
    JsonObject describe_config() const;

    std::mutex mu_;
    EngineConfig initial_;
    EngineConfig config_;
    SimClock clock_;
    SteadySource steady_;
    IdGenerator ids_;
    FaultModel faults_;
    RateLimiter account_limiter_;
    RateLimiter ip_limiter_;
    Notifier notifier_;
    std::vector<Order> orders_;                      // creation order
    std::unordered_map<std::string, std::size_t> order_index_; // id -> index
    std::vector<Refund> refunds_;
    // The JSON a list answer writes for an order (OrderView::api), rendered once per change of
    // the order and kept with the public URL it was rendered for. A poll pass lists thousands
    // of unchanged orders: writing them again each time was ~60 % of the simulator's CPU in the
    // pass, on cores the measured host shares (bench/README.md). touch() forgets an order's;
    // reset() and load_state() forget all.
    struct RenderedOrder {
        std::string public_url;
        std::string json;
    };
    std::unordered_map<std::string, RenderedOrder> order_json_;
    const std::string& order_json(const Order& o);
    // The orders in status created, earliest expiry first, so that tick() and next_wakeup()
    // look at the due ones only. Both run on every request and every pump of the notifier, and
    // each was a scan of every order, three a request, so a request cost more with every order
    // held (measured minor in the bench's poll pass: bench/README.md, `82eabca`). touch()
    // schedules an order still created at its current expiry; an entry whose order was paid,
    // canceled or given another expiry since is stale and dropped when it comes up. reset() and
    // load_state() rebuild it from the orders.
    struct Expiry {
        Instant at;
        std::size_t index; // into orders_; the same instant expires in creation order
        friend bool operator>(const Expiry& a, const Expiry& b) noexcept {
            return a.at != b.at ? a.at > b.at : a.index > b.index;
        }
    };
    std::priority_queue<Expiry, std::vector<Expiry>, std::greater<>> expiries_;
    void schedule_expiry(const Order& order);
    bool expiry_is_current(const Expiry& e) const;
    void rebuild_expiries();
    bool dirty_ = false;
    std::string state_error_;
    std::unique_ptr<StateFile> state_file_; // with --state
    std::set<std::string> changed_orders_;
    std::set<std::string> changed_refunds_;
    bool snapshot_due_ = true; // the next save writes everything (start, reset, a failed write)
    std::int64_t generation_ = 0;
};

} // namespace invoicebox::sim
