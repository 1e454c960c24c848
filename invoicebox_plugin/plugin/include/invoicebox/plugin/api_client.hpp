// ApiClient: InvoiceBox calls over pms.http/1, inside the account's rate limit, with the protocol
// layer's retry decisions, and creates driven by CreateOrderFlow (an unknown outcome is resolved
// by looking the order up by merchantOrderId, never by creating again).
//
// One SharedRateLimiter per InvoiceBox account (merchantId), shared by every instance of the
// module (architecture §7). Delays wait on pms.executor/1 timers. Each call completes exactly
// once, also when the instance drains (a cancelled timer completes it as a transport failure).
#pragma once

#include <invoicebox/plugin/host_ports.hpp>
#include <invoicebox/plugin/settings.hpp>

#include <invoicebox/protocol/create_order_flow.hpp>
#include <invoicebox/protocol/endpoints.hpp>
#include <invoicebox/protocol/order_glance.hpp>
#include <invoicebox/protocol/rate_limiter.hpp>
#include <invoicebox/protocol/retry_policy.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <variant>

namespace invoicebox::plugin {

/// The module-wide limiter of an account: at most `requests_per_window` requests in any 30 s
/// (0 = no count). The account's budget is one setting; a save that changes it gives the clients
/// made after it a new limiter (the ones in flight finish on the old).
std::shared_ptr<protocol::SharedRateLimiter> rate_limiter_for(std::string_view merchant_id,
                                                              std::size_t requests_per_window);

/// A parsed page of a list as ApiClient::read_pages pages through it: the rows for the
/// reader, and of the rows listed (some may have been left out of `items`) how many there were
/// and the first one's id.
template <class Item>
struct ListedPage {
    std::vector<Item> items;
    std::size_t listed = 0;
    std::string first_id;
};

class ApiClient : public std::enable_shared_from_this<ApiClient> {
  public:
    using Outcome = protocol::HttpOutcome;
    using CreateResult = std::variant<protocol::CreateOrderFlow::Done, protocol::CreateOrderFlow::Failed>;

    static std::shared_ptr<ApiClient> make(HostPorts& host, const ShopConfig& shop);

    const protocol::InvoiceboxApi& api() const noexcept { return api_; }

    /// One request within the rate limit, repeated per RetryPolicy for reads and idempotent
    /// writes. `done` gets the last outcome.
    void call(protocol::HttpRequest request, protocol::RequestKind kind, std::function<void(Outcome)> done);

    /// Reads an order list to its end (architecture §8 "Every list read pages to the end"):
    /// `_page` 1, 2, … of `list_page_size` until a short page, each page one call() within the
    /// account's rate limit. `on_page` gets each page's orders in turn and returns false to
    /// stop (its reports could not be recorded: the rest is read next time). `done` runs once,
    /// with the error that ended the read early or nullopt when the last page was read. The
    /// orders come without their `basket_items` (never read from an answer: a link's basket is
    /// in its record).
    ///
    /// With `unchanged`, it is asked once about every listed order, and an order it calls
    /// unchanged is left out of `on_page`'s list; a page whose orders are all unchanged is
    /// judged by its glance alone and never decoded (order_glance.hpp; issue 14: decoding the
    /// unchanged pages was half of the host's CPU in a poll pass).
    void find_all_orders(protocol::OrderFilter filter,
                         std::function<bool(const std::vector<protocol::Order>&)> on_page,
                         std::function<void(std::optional<protocol::ApiError>)> done,
                         std::function<bool(const protocol::OrderGlance&)> unchanged = {});
    /// The same for refund lists (GET /filter/api/order/refund-order), page by page to a short
    /// page. Amounts without a currencyId are read as `currency`.
    void find_all_refunds(protocol::RefundFilter filter, protocol::Currency currency,
                          std::function<bool(const std::vector<protocol::Refund>&)> on_page,
                          std::function<void(std::optional<protocol::ApiError>)> done);
    /// InvoiceBox's largest page (the simulator caps `_pageSize` at 100 as well).
    static constexpr std::int64_t list_page_size = 100;
    /// A server that ignores `_page` answers the same full page forever: stop there.
    static constexpr std::int64_t max_list_pages = 1000;

    /// Creates the order (or, with `recovery`, looks it up first) to the flow's end.
    void create(protocol::CreateOrderRequest request, bool recovery, std::function<void(CreateResult)> done);

    /// Timeout of one API request. InvoiceBox documents none; 20 s is its own notification timeout.
    static constexpr std::chrono::milliseconds request_timeout{20'000};

    /// The whole budget of a staff action (a view event): the host gives up on a view event after
    /// 30 s, so every create/refresh/cancel started by staff finishes within this, whatever the
    /// rate limiter or the retry policy would like to wait.
    static constexpr std::chrono::milliseconds staff_budget{20'000};
    /// A request is not started with less than this left before the deadline.
    static constexpr std::chrono::milliseconds min_request_time{1'000};

    /// Bounds every call and create of this client by `deadline_utc_ms` (host clock): a wait for
    /// the rate limiter or a retry that would pass it is not made. A request the limiter holds
    /// back is then answered as a local 429 with Retry-After (certainly not sent); a create
    /// whose every attempt certainly did not reach InvoiceBox fails with that error, otherwise
    /// with outcome_unknown (resolved later by lookup). Without a deadline (background work) the
    /// client waits for the limiter as long as needed.
    void set_deadline(std::int64_t deadline_utc_ms) noexcept { deadline_ms_ = deadline_utc_ms; }

  private:
    ApiClient(HostPorts& host, const ShopConfig& shop);
    void send_once(protocol::HttpRequest request, std::chrono::milliseconds delay, std::function<void(Outcome)> done);
    /// One page of a list and, while pages come back full, the next (find_all_orders): the
    /// same rules for every list. `request(api, filter)` builds the page's request, `parse(o)`
    /// reads its rows into a ListedPage; `what` names the list in errors.
    template <class Item, class Filter, class MakeRequest, class Parse>
    void read_pages(std::shared_ptr<Filter> filter, std::string previous_first_id, const char* what,
                    MakeRequest request, Parse parse, std::function<bool(const std::vector<Item>&)> on_page,
                    std::function<void(std::optional<protocol::ApiError>)> done);
    void attempt(std::shared_ptr<protocol::HttpRequest> request, protocol::RequestKind kind, int attempts,
                 std::function<void(Outcome)> done);
    struct CreateProgress;
    void drive(std::shared_ptr<protocol::CreateOrderFlow> flow, std::shared_ptr<CreateProgress> progress,
               protocol::CreateOrderFlow::Step step, std::function<void(CreateResult)> done);
    protocol::RateLimiter::TimePoint steady_now();
    /// A client with a deadline serves staff (a view event), one without serves background work
    /// (poller, recovery, effects): background never takes the limiter's staff reserve.
    protocol::RateLimiter::Priority priority() const noexcept {
        return deadline_ms_ ? protocol::RateLimiter::Priority::staff : protocol::RateLimiter::Priority::background;
    }
    /// Time left before the deadline (nullopt: no deadline).
    std::optional<std::chrono::milliseconds> remaining();
    /// Whether waiting `delay` and then sending a request would pass the deadline.
    bool past_deadline_after(std::chrono::milliseconds delay);
    /// A 429 answered by us for a request the rate limiter holds back: never sent.
    protocol::HttpResponse local_rate_limited(std::chrono::milliseconds wait) const;

    HostPorts& host_;
    protocol::InvoiceboxApi api_;
    std::shared_ptr<protocol::SharedRateLimiter> limiter_;
    protocol::RetryPolicy policy_;
    std::optional<std::int64_t> deadline_ms_;
};

/// A Russian explanation of an API failure for staff: what happened and what to do, with the
/// InvoiceBox code in brackets for support (never the code alone).
std::string describe_for_staff(const protocol::ApiError& e);

} // namespace invoicebox::plugin
