// Rate-limited, retrying InvoiceBox calls over HostPorts (api_client.hpp).
#include <invoicebox/plugin/api_client.hpp>

#include <invoicebox/protocol/api_error.hpp>

#include <map>
#include <mutex>

namespace invoicebox::plugin {

namespace pr = invoicebox::protocol;

std::shared_ptr<pr::SharedRateLimiter> rate_limiter_for(std::string_view merchant_id) {
    static std::mutex m;
    static std::map<std::string, std::weak_ptr<pr::SharedRateLimiter>, std::less<>> limiters;
    std::lock_guard lock(m);
    auto& slot = limiters[std::string(merchant_id)];
    if (auto l = slot.lock())
        return l;
    auto l = std::make_shared<pr::SharedRateLimiter>(100, std::chrono::seconds(30));
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
    : host_(host), api_(config_of(shop)), limiter_(rate_limiter_for(shop.merchant_id)) {}

std::shared_ptr<ApiClient> ApiClient::make(HostPorts& host, const ShopConfig& shop) {
    return std::shared_ptr<ApiClient>(new ApiClient(host, shop));
}

pr::RateLimiter::TimePoint ApiClient::steady_now() {
    return pr::RateLimiter::TimePoint(std::chrono::milliseconds(host_.now_utc_ms()));
}

void ApiClient::send_once(pr::HttpRequest request, std::chrono::milliseconds delay, std::function<void(Outcome)> done) {
    auto self = shared_from_this();
    auto go = [self, request = std::move(request), done = std::move(done)](bool cancelled) mutable {
        if (cancelled) {
            done(cancelled_outcome());
            return;
        }
        const auto adm = self->limiter_->try_acquire(self->steady_now());
        if (!adm.granted) {
            self->send_once(std::move(request), std::max(adm.wait, std::chrono::milliseconds(50)), std::move(done));
            return;
        }
        const std::string url = self->api_.url(request);
        self->host_.http_send(request, url, request_timeout, [self, done = std::move(done)](Outcome o) mutable {
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
                  if (d.action != pr::RetryAction::retry) {
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

void ApiClient::create(pr::CreateOrderRequest request, bool recovery, std::function<void(CreateResult)> done) {
    auto flow = std::make_shared<pr::CreateOrderFlow>(api_, std::move(request), policy_);
    auto first = recovery ? flow->start_recovery() : flow->start();
    drive(flow, std::move(first), std::move(done));
}

void ApiClient::drive(std::shared_ptr<pr::CreateOrderFlow> flow, pr::CreateOrderFlow::Step step,
                      std::function<void(CreateResult)> done) {
    auto self = shared_from_this();
    if (auto* d = std::get_if<pr::CreateOrderFlow::Done>(&step)) {
        done(std::move(*d));
        return;
    }
    if (auto* f = std::get_if<pr::CreateOrderFlow::Failed>(&step)) {
        done(std::move(*f));
        return;
    }
    pr::HttpRequest req;
    std::chrono::milliseconds delay{0};
    if (auto* c = std::get_if<pr::CreateOrderFlow::SendCreate>(&step)) {
        req = std::move(c->request);
        delay = c->delay;
    } else {
        auto& l = std::get<pr::CreateOrderFlow::SendLookup>(step);
        req = std::move(l.request);
        delay = l.delay;
    }
    send_once(std::move(req), delay, [self, flow, done = std::move(done)](Outcome o) mutable {
        if (!o && o.error().failure == pr::TransportFailure::cancelled && !o.error().request_may_have_been_sent) {
            pr::ApiError e;
            e.kind = pr::ErrorKind::outcome_unknown;
            e.message = "stopped before the outcome was known";
            e.outcome_unknown = true;
            done(pr::CreateOrderFlow::Failed{std::move(e)});
            return;
        }
        self->drive(flow, flow->on_outcome(o), std::move(done));
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
        text = "InvoiceBox временно ограничил число запросов. Повторите через минуту";
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
