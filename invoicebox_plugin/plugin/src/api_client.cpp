// Rate-limited, retrying InvoiceBox calls over HostPorts (api_client.hpp).
#include <invoicebox/plugin/api_client.hpp>

#include <invoicebox/protocol/api_error.hpp>

#include <algorithm>
#include <map>
#include <mutex>

namespace invoicebox::plugin {

namespace pr = invoicebox::protocol;

std::shared_ptr<pr::SharedRateLimiter> rate_limiter_for(std::string_view merchant_id, std::size_t requests_per_window) {
    static std::mutex m;
    static std::map<std::string, std::weak_ptr<pr::SharedRateLimiter>, std::less<>> limiters;
    std::lock_guard lock(m);
    auto& slot = limiters[std::string(merchant_id)];
    if (auto l = slot.lock(); l && l->max_requests() == requests_per_window)
        return l;
    auto l = std::make_shared<pr::SharedRateLimiter>(requests_per_window, std::chrono::seconds(30));
    slot = l;
    return l;
}

namespace {

pr::ClientConfig config_of(const ShopConfig& shop) {
    pr::ClientConfig c;
    c.base_url = shop.base_url;
    c.flavour = shop.flavour;
    c.token = shop.api_token;
    c.user_agent = pr::make_user_agent({"PmsHost", "0.1.0", "InvoiceboxPmsPlugin", "0.1.0", {}});
    return c;
}

pr::HttpOutcome cancelled_outcome() {
    return pr::unexpected(pr::TransportError{pr::TransportFailure::cancelled, false, "instance stopping"});
}

} // namespace

ApiClient::ApiClient(HostPorts& host, const ShopConfig& shop)
    : host_(host), api_(config_of(shop)), limiter_(rate_limiter_for(shop.merchant_id, shop.requests_per_30s)) {}

std::shared_ptr<ApiClient> ApiClient::make(HostPorts& host, const ShopConfig& shop) {
    return std::shared_ptr<ApiClient>(new ApiClient(host, shop));
}

pr::RateLimiter::TimePoint ApiClient::steady_now() {
    return pr::RateLimiter::TimePoint(std::chrono::milliseconds(host_.now_utc_ms()));
}

std::optional<std::chrono::milliseconds> ApiClient::remaining() {
    if (!deadline_ms_)
        return std::nullopt;
    return std::chrono::milliseconds(std::max<std::int64_t>(0, *deadline_ms_ - host_.now_utc_ms()));
}

bool ApiClient::past_deadline_after(std::chrono::milliseconds delay) {
    const auto left = remaining();
    return left && delay + min_request_time > *left;
}

pr::HttpResponse ApiClient::local_rate_limited(std::chrono::milliseconds wait) const {
    pr::HttpResponse r;
    r.status = 429;
    const auto secs = std::max<long long>(1, (wait.count() + 999) / 1000);
    r.headers.push_back({"Retry-After", std::to_string(secs)});
    r.body = R"({"error":{"code":"too_many_requests","message":"held back by the client rate limiter, not sent"}})";
    return r;
}

namespace {

// A 429 without Retry-After: tell the caller how long the account's limiter now holds requests.
void add_retry_after(pr::HttpOutcome& o, pr::SharedRateLimiter& limiter, pr::RateLimiter::TimePoint now) {
    if (!o || o->status != 429)
        return;
    if (pr::find_header(o->headers, "Retry-After"))
        return;
    const auto wait = limiter.time_until_available(now);
    o->headers.push_back({"Retry-After", std::to_string(std::max<long long>(1, (wait.count() + 999) / 1000))});
}

} // namespace

void ApiClient::send_once(pr::HttpRequest request, std::chrono::milliseconds delay, std::function<void(Outcome)> done) {
    auto self = shared_from_this();
    auto go = [self, request = std::move(request), done = std::move(done)](bool cancelled) mutable {
        if (cancelled) {
            done(cancelled_outcome());
            return;
        }
        const auto adm = self->limiter_->try_start(self->steady_now(), self->priority());
        if (!adm.granted) {
            const auto wait = std::max(adm.wait, std::chrono::milliseconds(50));
            if (self->past_deadline_after(wait)) {
                // A staff action never waits for the limiter past its deadline: answer now.
                done(Outcome(self->local_rate_limited(adm.wait)));
                return;
            }
            self->send_once(std::move(request), wait, std::move(done));
            return;
        }
        auto timeout = request_timeout;
        if (const auto left = self->remaining())
            timeout = std::max(std::min(timeout, *left), min_request_time);
        const std::string url = self->api_.url(request);
        self->host_.http_send(request, url, timeout, [self, done = std::move(done)](Outcome o) mutable {
            // The host completes every send exactly once: the slot taken above is counted from
            // the answer on (rate_limiter.hpp, try_start).
            self->limiter_->finish(self->steady_now());
            if (o && o->status == 429) {
                const auto e = pr::error_from_response(*o);
                self->limiter_->penalize(self->steady_now(), e.retry_after ? std::chrono::milliseconds(*e.retry_after)
                                                                           : std::chrono::milliseconds(30'000));
            }
            done(std::move(o));
        });
    };
    if (delay.count() <= 0) {
        go(false);
        return;
    }
    host_.start_timer(delay, std::move(go));
}

void ApiClient::call(pr::HttpRequest request, pr::RequestKind kind, std::function<void(Outcome)> done) {
    attempt(std::make_shared<pr::HttpRequest>(std::move(request)), kind, 1, std::move(done));
}

void ApiClient::attempt(std::shared_ptr<pr::HttpRequest> request, pr::RequestKind kind, int attempts,
                        std::function<void(Outcome)> done) {
    auto self = shared_from_this();
    send_once(*request, std::chrono::milliseconds(0),
              [self, request, kind, attempts, done = std::move(done)](Outcome o) mutable {
                  std::optional<pr::ApiError> err;
                  if (!o)
                      err = pr::error_from_transport(o.error());
                  else if (o->status >= 400 || o->status < 200)
                      err = pr::error_from_response(*o);
                  if (!err || (!o && o.error().failure == pr::TransportFailure::cancelled)) {
                      done(std::move(o));
                      return;
                  }
                  const auto d = self->policy_.decide(kind, attempts, *err);
                  if (d.action != pr::RetryAction::retry || self->past_deadline_after(d.delay)) {
                      add_retry_after(o, *self->limiter_, self->steady_now());
                      done(std::move(o));
                      return;
                  }
                  self->host_.start_timer(d.delay, [self, request, kind, attempts, done = std::move(done),
                                                    o = std::move(o)](bool cancelled) mutable {
                      if (cancelled) {
                          done(std::move(o));
                          return;
                      }
                      self->attempt(request, kind, attempts + 1, std::move(done));
                  });
              });
}

namespace {

pr::ApiError malformed_list(std::string message) {
    pr::ApiError e;
    e.kind = pr::ErrorKind::malformed_response;
    e.message = std::move(message);
    return e;
}

/// What read_pages needs of a page's rows (glances, orders or refunds: each has an `id`).
template <class Item, class Row>
void note_listed(ListedPage<Item>& page, const std::vector<Row>& rows) {
    page.listed = rows.size();
    if (!rows.empty())
        page.first_id = rows.front().id.str();
}

/// A page of orders for find_all_orders: the orders `unchanged` does not call unchanged, each
/// asked about once. The full decode runs only when the glance cannot vouch for the whole page
/// (a page it cannot read, or an order that changes something), and then once for the page.
pr::Result<ListedPage<pr::Order>> read_order_page(const pr::HttpOutcome& o,
                                                  const std::function<bool(const pr::OrderGlance&)>& unchanged) {
    ListedPage<pr::Order> page;
    std::vector<std::size_t> wanted; // rows of the glanced page that change something
    std::optional<std::vector<pr::OrderGlance>> glances;
    if (unchanged)
        glances = pr::glance_order_page(o);
    if (glances) {
        note_listed(page, *glances);
        for (std::size_t i = 0; i < glances->size(); ++i)
            if (!unchanged((*glances)[i]))
                wanted.push_back(i);
        if (wanted.empty())
            return page;
    }
    // The workflow judges status, money and ids; the basket it sent is in its own record, so
    // the answers' baskets (most of each page's bytes) are not built (issue 14).
    auto full = pr::InvoiceboxApi::parse_orders(o, pr::InvoiceboxApi::OrderListDetail::without_basket_items);
    if (!full)
        return pr::unexpected(std::move(full).error());
    auto& orders = full->items;
    if (glances) {
        // The same document read twice: the same rows, in the same order.
        if (orders.size() != glances->size())
            return pr::unexpected(malformed_list("an order page reads differently twice"));
        for (auto i : wanted)
            page.items.push_back(std::move(orders[i]));
        return page;
    }
    note_listed(page, orders);
    for (auto& order : orders)
        if (!unchanged || !unchanged(pr::glance_of(order)))
            page.items.push_back(std::move(order));
    return page;
}

} // namespace

template <class Item, class Filter, class MakeRequest, class Parse>
void ApiClient::read_pages(std::shared_ptr<Filter> filter, std::string previous_first_id, const char* what,
                           MakeRequest request, Parse parse, std::function<bool(const std::vector<Item>&)> on_page,
                           std::function<void(std::optional<pr::ApiError>)> done) {
    auto self = shared_from_this();
    call(request(api_, *filter), pr::RequestKind::read,
         [self, filter, previous_first_id, what, request, parse, on_page = std::move(on_page),
          done = std::move(done)](Outcome o) mutable {
             auto page = parse(o);
             if (!page) {
                 done(page.error());
                 return;
             }
             // The same first row as the page before: the server ignored `_page`.
             if (page->listed != 0 && !previous_first_id.empty() && page->first_id == previous_first_id) {
                 done(malformed_list(std::string(what) + " page " + std::to_string(filter->paging->page) +
                                     " repeats the page before it"));
                 return;
             }
             if (!on_page(page->items)) {
                 done(std::nullopt);
                 return;
             }
             // A short page is the last one. metaData.totalCount is not trusted for this: it
             // moves while orders are paid during the read, and a server may leave it out.
             if (static_cast<std::int64_t>(page->listed) < filter->paging->page_size) {
                 done(std::nullopt);
                 return;
             }
             if (filter->paging->page >= max_list_pages) {
                 done(malformed_list("more than " + std::to_string(max_list_pages) + " " + what + " pages"));
                 return;
             }
             ++filter->paging->page;
             self->template read_pages<Item>(filter, std::move(page->first_id), what, request, parse,
                                             std::move(on_page), std::move(done));
         });
}

void ApiClient::find_all_orders(pr::OrderFilter filter, std::function<bool(const std::vector<pr::Order>&)> on_page,
                                std::function<void(std::optional<pr::ApiError>)> done,
                                std::function<bool(const pr::OrderGlance&)> unchanged) {
    auto f = std::make_shared<pr::OrderFilter>(std::move(filter));
    f->paging = pr::Paging{1, list_page_size};
    read_pages<pr::Order>(
        std::move(f), {}, "order", [](const pr::InvoiceboxApi& api, const pr::OrderFilter& q) { return api.find_orders(q); },
        [unchanged = std::move(unchanged)](const Outcome& o) { return read_order_page(o, unchanged); },
        std::move(on_page), std::move(done));
}

void ApiClient::find_all_refunds(pr::RefundFilter filter, pr::Currency currency,
                                 std::function<bool(const std::vector<pr::Refund>&)> on_page,
                                 std::function<void(std::optional<pr::ApiError>)> done) {
    auto f = std::make_shared<pr::RefundFilter>(std::move(filter));
    f->paging = pr::Paging{1, list_page_size};
    read_pages<pr::Refund>(
        std::move(f), {}, "refund",
        [](const pr::InvoiceboxApi& api, const pr::RefundFilter& q) { return api.list_refunds(q); },
        [currency](const Outcome& o) -> pr::Result<ListedPage<pr::Refund>> {
            auto page = pr::InvoiceboxApi::parse_refunds(o, currency);
            if (!page)
                return pr::unexpected(std::move(page).error());
            ListedPage<pr::Refund> listed;
            note_listed(listed, page->items);
            listed.items = std::move(page->items);
            return listed;
        },
        std::move(on_page), std::move(done));
}

struct ApiClient::CreateProgress {
    /// A create of this flow (or, in recovery, one before it) may have reached InvoiceBox.
    bool maybe_applied = false;
    /// The failure of the last create, when it certainly was not applied.
    std::optional<pr::ApiError> last_not_applied;
};

void ApiClient::create(pr::CreateOrderRequest request, bool recovery, std::function<void(CreateResult)> done) {
    auto flow = std::make_shared<pr::CreateOrderFlow>(api_, std::move(request), policy_);
    auto progress = std::make_shared<CreateProgress>();
    progress->maybe_applied = recovery;
    auto first = recovery ? flow->start_recovery() : flow->start();
    drive(flow, progress, std::move(first), std::move(done));
}

void ApiClient::drive(std::shared_ptr<pr::CreateOrderFlow> flow, std::shared_ptr<CreateProgress> progress,
                      pr::CreateOrderFlow::Step step, std::function<void(CreateResult)> done) {
    auto self = shared_from_this();
    if (auto* d = std::get_if<pr::CreateOrderFlow::Done>(&step)) {
        done(std::move(*d));
        return;
    }
    if (auto* f = std::get_if<pr::CreateOrderFlow::Failed>(&step)) {
        if (f->error.kind == pr::ErrorKind::rate_limited && !f->error.retry_after) {
            const auto wait = limiter_->time_until_available(steady_now(), priority());
            f->error.retry_after = std::chrono::seconds(std::max<long long>(1, (wait.count() + 999) / 1000));
        }
        done(std::move(*f));
        return;
    }
    pr::HttpRequest req;
    std::chrono::milliseconds delay{0};
    const bool is_create = std::holds_alternative<pr::CreateOrderFlow::SendCreate>(step);
    if (auto* c = std::get_if<pr::CreateOrderFlow::SendCreate>(&step)) {
        req = std::move(c->request);
        delay = c->delay;
    } else {
        auto& l = std::get<pr::CreateOrderFlow::SendLookup>(step);
        req = std::move(l.request);
        delay = l.delay;
    }
    if (past_deadline_after(delay)) {
        // A staff action is out of time. Not applied for sure only if no create of this flow
        // may have reached InvoiceBox; otherwise the link stays for lookup-based recovery.
        if (is_create && !progress->maybe_applied && progress->last_not_applied) {
            done(pr::CreateOrderFlow::Failed{*progress->last_not_applied});
            return;
        }
        pr::ApiError e;
        e.kind = pr::ErrorKind::outcome_unknown;
        e.message = "out of time for a staff action before the outcome was known";
        e.outcome_unknown = true;
        done(pr::CreateOrderFlow::Failed{std::move(e)});
        return;
    }
    send_once(std::move(req), delay, [self, flow, progress, is_create, done = std::move(done)](Outcome o) mutable {
        if (!o && o.error().failure == pr::TransportFailure::cancelled && !o.error().request_may_have_been_sent) {
            pr::ApiError e;
            e.kind = pr::ErrorKind::outcome_unknown;
            e.message = "stopped before the outcome was known";
            e.outcome_unknown = true;
            done(pr::CreateOrderFlow::Failed{std::move(e)});
            return;
        }
        if (is_create) {
            std::optional<pr::ApiError> err;
            if (!o)
                err = pr::error_from_transport(o.error());
            else if (o->status >= 400 || o->status < 200)
                err = pr::error_from_response(*o);
            if (err && pr::RetryPolicy::certainly_not_applied(*err)) {
                progress->last_not_applied = std::move(err);
            } else {
                progress->maybe_applied = true;
                progress->last_not_applied.reset();
            }
        }
        self->drive(flow, progress, flow->on_outcome(o), std::move(done));
    });
}

std::string describe_for_staff(const pr::ApiError& e) {
    using K = pr::ErrorKind;
    std::string text;
    switch (e.kind) {
    case K::unauthorized:
        text = "InvoiceBox не принял API токен. Проверьте токен в настройках интеграции";
        break;
    case K::forbidden:
        text = "InvoiceBox запретил операцию для этого магазина. Проверьте идентификатор магазина и права токена";
        break;
    case K::not_authenticated:
        text = "InvoiceBox не узнал токен: проверьте версию API (v3 или l3) и адрес API в настройках";
        break;
    case K::rate_limited:
        text = e.retry_after ? "InvoiceBox временно ограничил число запросов, повторите через " +
                                   std::to_string(std::max<long long>(1, e.retry_after->count())) + " с"
                             : "InvoiceBox временно ограничил число запросов, повторите через минуту";
        break;
    case K::server_error:
        text = "Сервис InvoiceBox временно недоступен (ошибка на стороне InvoiceBox). Повторите позже";
        break;
    case K::transport:
        text = "Нет связи с InvoiceBox (сеть недоступна или сервис не ответил вовремя). Повторите позже";
        break;
    case K::outcome_unknown:
        text = "Не удалось подтвердить результат в InvoiceBox. Ссылка будет проверена автоматически; "
               "не создавайте её повторно";
        break;
    case K::conflict:
        text = "В InvoiceBox уже есть заказ с этим номером, но с другой суммой. Обратитесь в поддержку";
        break;
    case K::malformed_response:
        text = "InvoiceBox прислал непонятный ответ. Повторите позже";
        break;
    case K::not_found:
        text = "Заказ не найден в InvoiceBox";
        break;
    case K::validation:
    case K::invalid_request:
    case K::bad_request:
    case K::http_other:
        switch (e.known_code()) {
        case pr::ApiErrorCode::wrong_expiration_date:
            text = "InvoiceBox не принял срок действия ссылки. Выберите другой срок";
            break;
        case pr::ApiErrorCode::wrong_currency:
            text = "InvoiceBox не принимает валюту этого счёта";
            break;
        case pr::ApiErrorCode::wrong_basket_item_total_amount:
        case pr::ApiErrorCode::wrong_basket_item_total_vat_amount:
        case pr::ApiErrorCode::wrong_basket_item_amount_wo_vat:
        case pr::ApiErrorCode::wrong_total_amount:
        case pr::ApiErrorCode::wrong_total_vat_amount:
            text = "InvoiceBox не принял состав чека (суммы или НДС позиций не сходятся)";
            break;
        case pr::ApiErrorCode::wrong_order_status:
            text = "Операция невозможна в текущем статусе ссылки (возможно, она уже оплачена или отменена)";
            break;
        case pr::ApiErrorCode::merchant_order_id_duplicate:
            text = "Заказ с таким номером уже есть в InvoiceBox";
            break;
        case pr::ApiErrorCode::language_not_found:
            text = "InvoiceBox не поддерживает выбранный язык страницы оплаты";
            break;
        default:
            text = "InvoiceBox отклонил запрос";
            if (!e.message.empty())
                text += ": " + e.message;
        }
        break;
    }
    if (!e.code.empty())
        text += " (код InvoiceBox: " + e.code + ")";
    else if (e.http_status != 0)
        text += " (HTTP " + std::to_string(e.http_status) + ")";
    return text;
}

} // namespace invoicebox::plugin
