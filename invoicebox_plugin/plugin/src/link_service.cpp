// The payment-link workflow (link_service.hpp).
#include <invoicebox/plugin/link_service.hpp>

#include "join.hpp"

#include <invoicebox/plugin/failpoint.hpp>
#include <invoicebox/plugin/formatting.hpp>
#include <invoicebox/plugin/guest_mail.hpp>
#include <invoicebox/plugin/in_flight_window.hpp>
#include <invoicebox/plugin/message_template.hpp>
#include <invoicebox/plugin/receipt_basket.hpp>
#include <invoicebox/plugin/suspense_service.hpp>

#include <invoicebox/protocol/json_reader.hpp>
#include <invoicebox/protocol/order_codec.hpp>

#include <algorithm>
#include <unordered_map>

namespace invoicebox::plugin {

namespace pr = invoicebox::protocol;
using Code = pr::NotificationReplyCode;

namespace {

std::string staff_or(const std::string& who, Actor a) {
    if (!who.empty())
        return who;
    switch (a) {
    case Actor::notification: return "уведомление InvoiceBox";
    case Actor::poll: return "фоновая проверка";
    case Actor::refresh: return "проверка статуса";
    case Actor::recovery: return "восстановление после перезапуска";
    default: return "система";
    }
}

std::int64_t to_ms(const std::optional<pr::UtcTime>& t, std::int64_t fallback) {
    if (!t)
        return fallback;
    return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}

/// Staff's answer when their action could not be recorded (nothing of it was done).
constexpr const char* not_recorded_action = "Не удалось записать действие в базу PMS";

/// Staff's answer when a step of the guest's mail could not be recorded.
constexpr const char* mail_attempt_not_recorded = "Не удалось записать отправку письма в базу PMS";
constexpr const char* mail_result_not_recorded = "Не удалось записать результат отправки письма";

/// Staff's answer when a new link could not be recorded: nothing went to InvoiceBox.
constexpr const char* not_saved_message = "Не удалось сохранить ссылку в базе PMS. Ссылка не создана; повторите попытку";

/// Order ids per list request (refresh, open links): keeps the query string a sane URL.
constexpr std::size_t ids_per_list_read = 50;
// A pass's list reads by id outstanding at once. Unbounded, a pass over 10,000 open links sent
// ~200 reads at once, each on a connection of its own. Eight is twice the reference host's kept
// connections per origin (pms::net's max_idle_per_origin), so one page is parsed while others
// wait on the network; in pass time it measured as the unbounded pass, four measured slower.
constexpr std::size_t poll_reads_in_flight = 8;

/// The paid-orders poll of a shop without a cursor (first start, a shop just added) looks back
/// this far; once a cursor exists the poll continues from it, however long the host was down.
constexpr std::int64_t first_poll_lookback_ms = 7LL * 24 * 3600'000;

/// The links a read by id asks InvoiceBox about, each as its index entry, by order id: an answer
/// that says what its entry says changes nothing and is skipped without reading the record
/// (report_changes_nothing). The poll pass and the refresh share it.
class AskedLinks {
  public:
    void add(OpenLinkEntry entry) {
        const std::string order_id = entry.order_id;
        by_order_.emplace(order_id, std::move(entry));
    }
    bool answer_changes_nothing(ReportSource source, const pr::OrderGlance& order) const {
        const auto it = by_order_.find(order.id.str());
        return it != by_order_.end() && report_changes_nothing(it->second, source, order);
    }

  private:
    std::unordered_map<std::string, OpenLinkEntry> by_order_;
};

} // namespace

LinkService::LinkService(HostPorts& host) : host_(host), repo_(host) {}

LinkService::~LinkService() { *alive_ = false; }

void LinkService::configure(Settings s) {
    settings_ = std::move(s);
    applied_notifications_.clear(); // a key or a shop may have changed
    limiters_.clear();
    if (settings_.shop.complete())
        limiters_.push_back(rate_limiter_for(settings_.shop.merchant_id, settings_.shop.requests_per_30s));
    for (const auto& o : settings_.overrides)
        if (o.complete())
            limiters_.push_back(rate_limiter_for(o.merchant_id, o.requests_per_30s));
}

void LinkService::changed(const std::string& folio_id) {
    if (on_folio_changed)
        on_folio_changed(folio_id);
}

std::shared_ptr<ApiClient> LinkService::client_for(const std::string& merchant_id, const std::string& legal_entity_id) {
    if (!merchant_id.empty()) {
        if (settings_.shop.merchant_id == merchant_id)
            return ApiClient::make(host_, settings_.shop);
        for (const auto& o : settings_.overrides)
            if (o.merchant_id == merchant_id && o.complete())
                return ApiClient::make(host_, o);
    }
    const auto* shop = settings_.shop_for(legal_entity_id);
    if (!shop)
        return nullptr;
    return ApiClient::make(host_, *shop);
}

std::int64_t LinkService::open_total(const std::string& folio_id) {
    std::int64_t total = 0;
    for (const auto& l : repo_.for_folio(folio_id))
        if (l.is_open_unpaid())
            total += l.amount_minor;
    return total;
}

pr::CreateOrderRequest LinkService::build_request(const LinkRecord& link, const pr::Basket& basket, const ShopConfig& shop) {
    pr::CreateOrderRequest r;
    r.merchant_id = pr::MerchantId(shop.merchant_id);
    r.merchant_order_id = pr::MerchantOrderId(link.merchant_order_id);
    if (!link.folio_number.empty())
        r.merchant_order_id_visible = link.folio_number;
    r.description = link.description;
    r.currency = pr::currency_from_alpha(link.currency).value_or(pr::Currency::rub);
    r.language_id = "ru";
    r.expiration_date = std::chrono::floor<std::chrono::seconds>(
        std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(link.expires_at_ms)));
    r.set_basket(basket);
    r.customer.type = "private";
    if (!link.guest_name.empty())
        r.customer.name = link.guest_name;
    if (!link.guest_email.empty())
        r.customer.email = link.guest_email;
    if (auto url = notification_url_for(settings_, shop); !url.empty())
        r.notification_url = url;
    // The way back from InvoiceBox's page leads to the hotel's own site, and only when the
    // admin named one: a guest must never be sent to a PMS address (architecture §8).
    if (!settings_.hotel_site_url.empty()) {
        r.success_url = settings_.hotel_site_url;
        r.fail_url = settings_.hotel_site_url;
    }
    return r;
}

// ---- create ------------------------------------------------------------------------------

void LinkService::create_link(const CreateInput& in, const StaffUser& staff, std::function<void(CreateOutcome)> done) {
    CreateOutcome out;
    if (!configured()) {
        out.message = "Интеграция InvoiceBox не настроена: укажите идентификатор магазина, API токен и API ключ в настройках";
        done(std::move(out));
        return;
    }
    pms_status st = PMS_OK;
    auto json = host_.get_folio(in.folio_id, st);
    auto folio = json ? parse_folio(*json) : std::nullopt;
    if (!folio) {
        out.message = "Не удалось прочитать счёт " + in.folio_id + " (" + pms_status_name(st) + ")";
        done(std::move(out));
        return;
    }
    if (folio->closed) {
        out.message = "Счёт " + folio->folio_number + " закрыт: по нему нельзя создать ссылку на оплату";
        done(std::move(out));
        return;
    }
    // Staff type amounts as they read them: «10 000,00» as well as 10000.00.
    const auto amount = parse_staff_money(in.amount_text);
    if (!amount || *amount <= 0)
        out.field_errors["amount"] = "Укажите сумму больше нуля, например 15500.00";
    else if (*amount > folio->balance_due_minor)
        out.field_errors["amount"] = "Сумма больше остатка к оплате по счёту (" +
                                     format_money_ru(folio->balance_due_minor, folio->currency) + ")";
    if (in.description.empty())
        out.field_errors["description"] = "Укажите описание: его увидит гость на странице оплаты";
    else if (in.description.size() > 1000)
        out.field_errors["description"] = "Описание длиннее 1000 символов";
    const auto lifetime = lifetime_of(in.lifetime);
    if (!lifetime)
        out.field_errors["lifetime"] = "Выберите срок действия ссылки";
    if (in.send_mail && folio->guest_email.empty())
        out.field_errors["send_mail"] =
            "У основного гостя не указан e-mail: снимите отметку и отправьте ссылку гостю другим способом";
    if (in.send_mail && in.message_template.find("{link}") == std::string::npos)
        out.field_errors["message_template"] = "В сообщении нет подстановки {link}: гость не получит ссылку";
    if (!out.field_errors.empty()) {
        out.message = "Проверьте выделенные поля";
        done(std::move(out));
        return;
    }
    // The shop of the folio's own company, or no link at all: the money and the 54-FZ receipt
    // must never go to another company's shop (architecture §7).
    const auto* shop_ptr = settings_.shop_for(folio->legal_entity_id);
    if (!shop_ptr) {
        out.kind = CreateOutcome::Kind::no_shop;
        out.message = no_shop_message(folio->legal_entity_name.empty() ? folio->legal_entity_id : folio->legal_entity_name);
        done(std::move(out));
        return;
    }
    const auto& shop = *shop_ptr;
    auto receipt = build_receipt_basket(settings_, *folio, *amount);
    if (!receipt.basket) {
        out.message = receipt.message;
        done(std::move(out));
        return;
    }
    try {
        const auto open = open_total(folio->folio_id);
        if (!in.confirm_over_balance && open + *amount > folio->balance_due_minor) {
            out.kind = CreateOutcome::Kind::over_balance;
            out.message = "По счёту уже есть неоплаченные ссылки на " + format_money_ru(open, folio->currency) +
                          ". Вместе с новой ссылкой (" + format_money_ru(*amount, folio->currency) +
                          ") это больше остатка к оплате " + format_money_ru(folio->balance_due_minor, folio->currency) +
                          ": гость может заплатить дважды. Отмените лишние ссылки или подтвердите создание.";
            done(std::move(out));
            return;
        }
        const auto now = host_.now_utc_ms();
        std::vector<StoreOp> counter;
        LinkRecord link;
        link.merchant_order_id = repo_.next_merchant_order_id(folio->folio_id, counter);
        link.folio_id = folio->folio_id;
        link.folio_number = folio->folio_number;
        link.booking_id = folio->booking_id;
        link.booking_number = folio->booking_number;
        link.legal_entity_id = folio->legal_entity_id;
        link.merchant_id = shop.merchant_id;
        link.amount_minor = *amount;
        link.currency = folio->currency;
        link.vat_amount_minor = receipt.basket->vat_amount.minor;
        link.description = in.description;
        link.guest_name = folio->guest_name;
        link.guest_email = folio->guest_email;
        link.message_template = in.message_template;
        link.send_mail = in.send_mail;
        link.created_at_ms = now;
        link.expires_at_ms = now + std::chrono::duration_cast<std::chrono::milliseconds>(*lifetime).count();
        link.expires_at_ms -= link.expires_at_ms % 1000;
        link.created_by = staff.label();
        const auto request = build_request(link, *receipt.basket, shop);
        link.create_request = pr::create_order_body(request);
        add_audit(link, now, Actor::staff, staff.label(),
                  "Создание ссылки на " + format_money_ru(*amount, link.currency) + ", срок до " +
                      format_local_datetime(link.expires_at_ms, offset_at(link.expires_at_ms)) +
                      (in.send_mail ? ", с отправкой гостю на " + link.guest_email : ", без отправки гостю"));
        const std::string moid = link.merchant_order_id;
        // In flight from here: a poll pass does not recover a create this call is making.
        creating_.insert(moid);
        Transition t;
        t.link = std::move(link);
        auto alive = alive_;
        // The link and its number are recorded before InvoiceBox hears of it, off the strand
        // (issue 14); the request goes once that batch is durable.
        commit_async(std::move(t), std::move(counter),
                     [this, alive, moid, request, shop, now, staff, done = std::move(done)](
                         std::optional<std::string> error) mutable {
                         if (!*alive)
                             return;
                         if (error) {
                             creating_.erase(moid);
                             CreateOutcome failed;
                             failed.message = not_saved_message;
                             done(std::move(failed));
                             return;
                         }
                         // Recorded, not yet sent: a crash here leaves a `creating` link that
                         // start-up recovery looks up by merchantOrderId (and creates then, once).
                         failpoint("invoicebox.create.after_record");
                         auto client = ApiClient::make(host_, shop);
                         // A view event: the create (with its retries and rate-limit waits) ends
                         // within the budget.
                         client->set_deadline(now + ApiClient::staff_budget.count());
                         client->create(request, false,
                                        [this, alive, moid, staff, done = std::move(done)](ApiClient::CreateResult r) mutable {
                                            if (!*alive)
                                                return;
                                            creating_.erase(moid);
                                            finish_create(moid, r, Actor::staff, staff.label(), std::move(done));
                                        });
                     });
    } catch (const StoreError&) {
        out.message = not_saved_message;
        done(std::move(out));
    }
}

void LinkService::finish_create(const std::string& moid, const ApiClient::CreateResult& result, Actor actor,
                                const std::string& who, std::function<void(CreateOutcome)> done) {
    // Whatever is recorded here is recorded off the strand (issue 14); staff hear the outcome
    // once it is durable. Not recorded: InvoiceBox may hold the order, so the link is left for
    // the poller's lookup by merchantOrderId, and staff are told so.
    auto answer = [done](CreateOutcome out) {
        if (done)
            done(std::move(out));
    };
    auto not_recorded = [answer] {
        CreateOutcome out;
        out.kind = CreateOutcome::Kind::unconfirmed;
        out.message = "Не удалось записать результат в базу PMS; ссылка будет проверена автоматически";
        answer(std::move(out));
    };
    std::optional<LinkRecord> link;
    Transition t;
    CreateOutcome out;
    try {
        link = repo_.find(moid);
        if (!link) {
            out.message = "Ссылка пропала из базы PMS";
            answer(std::move(out));
            return;
        }
        if (auto* d = std::get_if<pr::CreateOrderFlow::Done>(&result)) {
            // InvoiceBox has the order, the PMS does not know yet: a crash here is resolved by
            // the lookup by merchantOrderId, never by a second order.
            failpoint("invoicebox.create.after_answer");
            const auto source = actor == Actor::recovery ? ReportSource::recovery
                                : actor == Actor::poll    ? ReportSource::poll_by_id
                                : actor == Actor::refresh ? ReportSource::refresh
                                                          : ReportSource::create_answer;
            t = plan_receive(OrderReport{source, d->order, who});
            if (t.reply != Code::success) {
                out.kind = CreateOutcome::Kind::failed;
                out.message = "InvoiceBox вернул заказ с другой суммой; ссылка не использована. Обратитесь в поддержку";
            } else {
                out.kind = CreateOutcome::Kind::created;
            }
        } else {
            const auto& f = std::get<pr::CreateOrderFlow::Failed>(result);
            host_.log(LogLevel::warning, "create " + moid + " failed: " + pr::describe(f.error));
            const auto now = host_.now_utc_ms();
            if (f.error.kind == pr::ErrorKind::outcome_unknown || f.error.outcome_unknown) {
                add_audit(*link, now, actor, staff_or(who, actor),
                          "Результат создания в InvoiceBox неизвестен; ссылка будет проверена автоматически");
                out.kind = CreateOutcome::Kind::unconfirmed;
                out.message = describe_for_staff(f.error);
            } else {
                link->state = LinkState::failed;
                link->error_message = describe_for_staff(f.error);
                add_audit(*link, now, actor, staff_or(who, actor), "InvoiceBox отклонил создание: " + link->error_message);
                out.kind = CreateOutcome::Kind::failed;
                out.message = link->error_message;
            }
            t.link = *link;
        }
    } catch (const StoreError&) {
        not_recorded();
        return;
    }
    const bool mail_queued = out.kind == CreateOutcome::Kind::created &&
                             std::any_of(t.effects.begin(), t.effects.end(),
                                         [](const Effect& e) { return e.kind == Effect::Kind::send_mail; });
    auto alive = alive_;
    commit_async(std::move(t), {},
                 [this, alive, moid, mail_queued, link = std::move(*link), out = std::move(out), answer,
                  not_recorded](std::optional<std::string> error) mutable {
                     if (!*alive)
                         return;
                     if (error)
                         return not_recorded();
                     auto recorded = [this, moid, link](CreateOutcome o) {
                         try {
                             auto now_recorded = repo_.find(moid);
                             o.link = now_recorded ? *now_recorded : link;
                         } catch (const StoreError&) {
                             o.link = link;
                         }
                         return o;
                     };
                     if (!mail_queued)
                         return answer(recorded(std::move(out)));
                     // The answer to staff waits for the mail, so the dialog can say it did not
                     // leave. (The effects this batch recorded start here, with this waiter; the
                     // follow-up's start finds them running.)
                     run_effects(moid, [recorded, out = std::move(out), answer](std::string err) mutable {
                         out.message = err;
                         answer(recorded(std::move(out)));
                     });
                 });
}

// ---- mail ----------------------------------------------------------------------------------

void LinkService::resend_mail(const std::string& folio_id, const std::string& moid, const StaffUser& staff,
                              std::function<void(std::string)> done) {
    try {
        auto link = repo_.find(moid);
        if (link && link->folio_id != folio_id) {
            refuse_foreign_link(moid, folio_id, staff, "resend");
            done(foreign_link_message);
            return;
        }
        if (!link || !link->is_open_unpaid() || link->payment_url.empty()) {
            done("Отправить можно только действующую неоплаченную ссылку");
            return;
        }
        if (link->guest_email.empty()) {
            done("У основного гостя не указан e-mail");
            return;
        }
        if (mailing_.count(moid) || link->mail == MailState::pending) {
            done("Письмо уже отправляется");
            return;
        }
        // A rolling hour on the host's clock: the guest gets at most three copies an hour,
        // however often the button is pressed (and from however many sessions).
        const std::int64_t now = host_.now_utc_ms();
        std::erase_if(link->resend_at_ms, [now](std::int64_t t) { return t <= now - resend_window_ms || t > now; });
        if (link->resend_at_ms.size() >= max_resends_per_hour) {
            const std::int64_t next = *std::min_element(link->resend_at_ms.begin(), link->resend_at_ms.end()) +
                                      resend_window_ms;
            const std::string message = "Письмо по этой ссылке уже отправлялось повторно " +
                                        std::to_string(max_resends_per_hour) +
                                        " раза за последний час. Следующая повторная отправка возможна после " +
                                        format_local_datetime(next, offset_at(next));
            add_audit(*link, now, Actor::staff, staff.label(),
                      "Повторная отправка письма отклонена: не больше " + std::to_string(max_resends_per_hour) +
                          " писем в час по одной ссылке");
            Transition refused;
            refused.link = std::move(*link);
            commit_async(std::move(refused), {}, [message, done](std::optional<std::string> error) {
                done(error ? std::string(not_recorded_action) : message);
            });
            return;
        }
        link->resend_at_ms.push_back(now);
        add_audit(*link, now, Actor::staff, staff.label(),
                  link->mails_sent > 0 ? "Повторная отправка письма гостю" : "Отправка письма гостю");
        // The request and its mail effect in one batch: the mail goes at most once for it.
        Transition t;
        link->mail = MailState::pending;
        Effect e;
        e.kind = Effect::Kind::send_mail;
        e.owner = link->merchant_order_id;
        e.seq = ++link->effect_seq;
        e.actor = Actor::staff;
        e.who = staff.label();
        t.effects.push_back(std::move(e));
        t.link = std::move(*link);
        auto alive = alive_;
        commit_async(std::move(t), {}, [this, alive, moid, done](std::optional<std::string> error) {
            if (!*alive)
                return;
            if (error)
                return done(not_recorded_action);
            // Started here with staff's waiter; the follow-up's start then finds it running.
            run_effects(moid, done);
        });
    } catch (const StoreError&) {
        done(not_recorded_action);
    }
}

void LinkService::refuse_foreign_link(const std::string& moid, const std::string& folio_id, const StaffUser& staff,
                                      std::string_view action) {
    // Nothing of the link changes (not even its audit trail): it belongs to another folio, and
    // the view that asked shows a different one. The host log keeps the attempt.
    host_.log(LogLevel::warning, std::string("refused ") + std::string(action) + " of link " + moid +
                                     " from a view of folio " + folio_id + " by staff " + staff.id +
                                     ": the link belongs to another folio");
}

// ---- applying InvoiceBox's state: the one road ------------------------------------------------

LifecycleContext LinkService::context_for(const std::string& suspense_order_id, const std::string& moid) {
    LifecycleContext ctx;
    ctx.now_ms = host_.now_utc_ms();
    ctx.utc_offset_minutes = offset_at(ctx.now_ms);
    if (!suspense_order_id.empty())
        ctx.suspense = repo_.find_suspense(suspense_order_id);
    ctx.order_is_ours = !moid.empty() && repo_.is_ours(moid);
    return ctx;
}

void LinkService::commit(const Transition& t, std::vector<StoreOp> extra, std::set<std::string>* folios) {
    repo_.record(t, std::move(extra));
    // After the write, as for an asynchronous batch: a page redrawn from the store then shows
    // what was recorded.
    follow_up({&t, 1}, nullptr, folios);
}

void LinkService::write_async(std::vector<StoreOp> ops, std::function<void(std::optional<std::string>)> done) {
    ++writes_in_flight_;
    auto alive = alive_;
    host_.store_write_async(std::move(ops), [this, alive, done = std::move(done)](std::optional<std::string> error) {
        if (*alive)
            --writes_in_flight_;
        done(std::move(error));
    });
}

void LinkService::commit_async(Transition t, std::vector<StoreOp> extra,
                               std::function<void(std::optional<std::string>)> then) {
    auto ops = repo_.ops_for(t);
    for (auto& op : extra)
        ops.push_back(std::move(op));
    if (ops.empty() && writes_in_flight_ == 0) {
        // Nothing to write and nothing of ours on its way to the disk: everything this report
        // was judged on is durable already, so it is answered now (a replayed notification
        // costs no trip through the writer thread, issue 14).
        then(std::nullopt);
        return;
    }
    auto alive = alive_;
    auto shared = std::make_shared<Transition>(std::move(t));
    write_async(std::move(ops),
                       [this, alive, shared, then = std::move(then)](std::optional<std::string> error) {
                           // `then` carries the notification's answer: it runs even while the
                           // instance drains (the host runs every started batch's completion
                           // before deactivate), the follow-ups only while the service lives.
                           const bool durable = !error;
                           then(std::move(error));
                           if (durable && *alive)
                               follow_up({shared.get(), 1});
                       });
}

void LinkService::receive_page(std::vector<OrderReport> reports, std::function<void(ReceivedPage)> then) {
    record_page(reports.size(), [&](std::size_t i) { return std::optional<Transition>(plan_receive(reports[i])); },
                std::move(then));
}

bool LinkService::receive_refund_page(std::vector<RefundReport> reports, std::function<void(ReceivedPage)> then) {
    return record_page(reports.size(), [&](std::size_t i) { return plan_refund(reports[i]); }, std::move(then));
}

bool LinkService::record_page(std::size_t count, const std::function<std::optional<Transition>(std::size_t)>& plan,
                              std::function<void(ReceivedPage)> then) {
    struct Page {
        ReceivedPage received;
        std::size_t pending = 1; // the planning loop's own share
        std::function<void(ReceivedPage)> then;
        void settle() {
            if (--pending == 0) {
                auto t = std::move(then);
                t(std::move(received));
            }
        }
    };
    auto page = std::make_shared<Page>();
    page->then = std::move(then);
    bool planned_all = true;
    for (std::size_t i = 0; i < count; ++i) {
        std::optional<Transition> t;
        try {
            t = plan(i);
        } catch (const StoreError&) {
            planned_all = false;
            page->received.all_durable = false;
            break; // the store cannot be read: the next pass reads these reports again
        }
        if (!t)
            continue; // not this PMS's: nothing to record
        auto ops = repo_.ops_for(*t);
        if (ops.empty())
            continue; // nothing changed: nothing to record, nothing follows
        ++page->pending;
        auto planned = std::make_shared<Transition>(std::move(*t));
        write_async(std::move(ops), [page, planned](std::optional<std::string> error) {
            if (error)
                page->received.all_durable = false;
            else
                page->received.durable.push_back(std::move(*planned));
            page->settle();
        });
    }
    page->settle();
    return planned_all;
}

void LinkService::follow_up(std::span<const Transition> done, const std::shared_ptr<Join>& join,
                            std::set<std::string>* folios_out) {
    std::set<std::string> folios;
    std::set<std::string> owners;
    bool suspense = false;
    for (const auto& t : done) {
        if (t.link)
            folios.insert(t.link->folio_id);
        if (t.refund)
            folios.insert(t.refund->folio_id);
        suspense = suspense || t.suspense;
        for (const auto& e : t.effects)
            owners.insert(e.owner);
    }
    if (suspense && on_suspense_changed)
        on_suspense_changed();
    if (folios_out)
        folios_out->insert(folios.begin(), folios.end()); // the caller pushes one view per folio
    else
        for (const auto& folio : folios)
            changed(folio);
    for (const auto& owner : owners) {
        if (!join) {
            run_effects(owner);
            continue;
        }
        join->add();
        run_effects(owner, [join](std::string) { join->release(); });
    }
}

Transition LinkService::plan_receive(const OrderReport& report) {
    const auto& order = report.order;
    auto link = repo_.find(order.merchant_order_id.str());
    if (!link || (!link->order_id.empty() && link->order_id != order.id.str()))
        if (auto by_id = repo_.find_by_order_id(order.id.str()))
            link = std::move(by_id);
    // The suspense entry is read only when the report can touch it (an unpaid report of an open
    // link, the poller's usual case, costs one lookup instead of two).
    auto t = apply_report(link, report,
                          context_for(report_reads_suspense(report) ? order.id.str() : std::string(),
                                      order.merchant_order_id.str()));
    // A notification's refusal is logged once, by handle_notification, with the same ids.
    if (!link && report.source != ReportSource::notification)
        host_.log(LogLevel::warning, "order report (" + std::string(to_string(report.source)) + ") for unknown order " +
                                         order.id.str());
    return t;
}

Transition LinkService::receive(const OrderReport& report, std::set<std::string>* folios) {
    auto t = plan_receive(report);
    commit(t, {}, folios);
    return t;
}

void LinkService::retry_suspense() {
    // Each retry is its own pms.store/2 batch (the writer groups them): one that fails leaves its
    // entry held, to be retried with the next settings change or by staff.
    auto not_recorded = [this, alive = alive_](std::optional<std::string> error) {
        if (error && *alive)
            host_.log(LogLevel::error, "suspense retry: not recorded (" + *error + ")");
    };
    try {
        for (const auto& s : repo_.suspense_list()) {
            auto link = repo_.find(s.merchant_order_id);
            if (!link)
                continue;
            auto ctx = context_for(link->order_id, link->merchant_order_id);
            if (auto t = retry_posting(*link, ctx))
                commit_async(std::move(*t), {}, not_recorded);
        }
        // Refund postings held for a mapping or a closed folio: posted once that is fixed.
        for (const auto& r : repo_.refunds_needing_attention()) {
            if (r.posting != PostingState::suspense)
                continue;
            auto link = repo_.find(r.link_moid);
            if (!link)
                continue;
            if (auto t = retry_refund_posting(r, *link, context_for("", "")))
                commit_async(std::move(*t), {}, not_recorded);
        }
    } catch (const StoreError&) {
        host_.log(LogLevel::error, "suspense retry: store failure");
    }
}

void LinkService::adopt_legacy(const LinkRecord& l) {
    // Only a pending posting or a pending mail is left to adopt; any other link costs no read
    // (issue 14: every pass read each open link's outbox and suspense record for nothing).
    if (l.posting != PostingState::pending && l.mail != MailState::pending)
        return;
    if (effects_running_.count(l.merchant_order_id) || !repo_.effects_of(l.merchant_order_id).empty())
        return;
    const auto ctx = context_for(l.order_id, l.merchant_order_id);
    if (auto t = resume_posting(l, ctx)) {
        commit(*t);
        return;
    }
    if (l.mail == MailState::pending && !mailing_.count(l.merchant_order_id)) {
        // A mail recorded as pending with no effect left may have gone out already: at most once.
        LinkRecord link = l;
        link.mail = MailState::failed;
        link.mail_error = "отправка прервана перезапуском; письмо могло не уйти";
        add_audit(link, ctx.now_ms, Actor::recovery, "", "Письмо гостю: " + link.mail_error + ". Отправьте повторно при необходимости");
        repo_.save(link);
        changed(link.folio_id);
    }
}

// ---- the effect runner ------------------------------------------------------------------------

void LinkService::run_effects(const std::string& owner, std::function<void(std::string)> done) {
    if (done)
        effect_waiters_[owner].push_back(std::move(done));
    if (effects_running_.count(owner))
        return; // the running chain re-reads the outbox after each effect and picks new ones up
    effects_running_.insert(owner);
    effect_message_[owner].clear();
    effect_step(owner);
}

void LinkService::replay_effects(std::function<void()> done) {
    auto join = std::make_shared<Join>();
    join->done = std::move(done);
    std::vector<std::string> owners;
    try {
        owners = repo_.effect_owners();
    } catch (const StoreError&) {
        host_.log(LogLevel::error, "outbox: not readable; replayed on the next pass");
    }
    for (const auto& o : owners) {
        if (effects_running_.count(o))
            continue;
        join->add();
        run_effects(o, [join](std::string) { join->release(); });
    }
    join->release();
}

void LinkService::effect_chain_end(const std::string& owner) {
    effects_running_.erase(owner);
    const std::string message = effect_message_[owner];
    effect_message_.erase(owner);
    auto waiters = std::move(effect_waiters_[owner]);
    effect_waiters_.erase(owner);
    for (auto& w : waiters)
        w(message);
}

void LinkService::effect_step(const std::string& owner) {
    std::vector<Effect> pending;
    try {
        pending = repo_.effects_of(owner);
    } catch (const StoreError&) {
        host_.log(LogLevel::error, "outbox " + owner + ": not readable; replayed on the next pass");
    }
    if (pending.empty()) {
        effect_chain_end(owner);
        return;
    }
    const Effect e = pending.front();
    auto alive = alive_;
    switch (e.kind) {
    case Effect::Kind::post_payment:
        host_.post_payment(e.posting, [this, alive, owner, e](PostOutcome outcome, const PostingResult& r) {
            if (!*alive)
                return;
            // Posted at the host, nothing recorded: the replay posts again (a repeat of the same
            // key and payload) and only then records the outcome with its staff alert.
            failpoint("invoicebox.post.after_posting");
            if (outcome == PostOutcome::failed) {
                host_.log(LogLevel::warning, "posting " + owner + " not done yet (" + r.error_message + "); will retry");
                effect_chain_end(owner);
                return;
            }
            auto recorded = [this, alive, owner](bool ok) {
                if (!*alive)
                    return;
                if (!ok) {
                    host_.log(LogLevel::error, "posting " + owner + ": could not record the result; the retry is idempotent");
                    effect_chain_end(owner);
                    return;
                }
                effect_step(owner);
            };
            try {
                posting_done(e, outcome, r, recorded);
            } catch (const StoreError&) {
                recorded(false);
            }
        });
        return;
    case Effect::Kind::raise_alert:
    case Effect::Kind::resolve_alert: {
        // Alerts are synchronous and deduplicated by the host: the leading run of them is carried
        // out and removed in one batch (one store write per payment less). A crash before the
        // removal raises them again on replay, which the dedupe key keeps as one row, one toast.
        std::vector<StoreOp> erase;
        bool refused = false;
        for (const auto& a : pending) {
            if (a.kind != Effect::Kind::raise_alert && a.kind != Effect::Kind::resolve_alert)
                break;
            if (!carry_out_alert(a)) {
                refused = true; // kept in the outbox, with every effect after it: asked again on replay
                break;
            }
            erase.push_back(LinkRepository::erase_effect(a));
        }
        if (erase.empty()) {
            effect_chain_end(owner);
            return;
        }
        // The removal does not hold the strand: the chain goes on once it is durable.
        write_async(std::move(erase), [this, alive, owner, refused](std::optional<std::string> error) {
            if (!*alive)
                return;
            if (error)
                host_.log(LogLevel::error, "outbox " + owner + ": completed alerts not removed; replayed later");
            if (error || refused) {
                effect_chain_end(owner);
                return;
            }
            effect_step(owner);
        });
        return;
    }
    case Effect::Kind::send_mail:
        run_mail_effect(e);
        return;
    }
}

void LinkService::posting_done(const Effect& e, PostOutcome outcome, const PostingResult& r,
                               std::function<void(bool)> next) {
    // Every outcome is recorded through pms.store/2 with the removal of the post effect; the
    // chain goes on from the batch's completion.
    auto recorded = [next](std::optional<std::string> error) { next(!error); };
    if (is_refund_owner(e.owner))
        return refund_posting_done(e, outcome, r, recorded);
    if (e.owner.rfind("S-", 0) == 0) {
        // A staff resolution of a suspense entry (suspense_service.hpp).
        auto s = repo_.find_suspense(e.owner.substr(2));
        if (!s)
            return commit_async({}, {LinkRepository::erase_effect(e)}, recorded);
        std::optional<LinkRecord> link;
        if (!s->merchant_order_id.empty())
            link = repo_.find(s->merchant_order_id);
        auto t = apply_suspense_posting(*s, link, outcome, r, host_.now_utc_ms());
        if (!t) // only `failed` gives none, and the runner ends the chain before calling here
            throw StoreError("suspense posting " + e.owner + " not recorded; will retry");
        return commit_async(std::move(*t), {LinkRepository::erase_effect(e)}, recorded);
    }
    auto link = repo_.find(e.owner);
    if (!link)
        return commit_async({}, {LinkRepository::erase_effect(e)}, recorded);
    auto t = apply_posting(*link, outcome, r, context_for(link->order_id, link->merchant_order_id));
    // The alerts that follow from the outcome are raised now, before the outcome is recorded,
    // instead of going through the outbox: pms.notify/1 makes a raised alert durable no later
    // than the batch started after it, and a crash before that batch leaves the post effect,
    // whose replay posts again (same key) and raises the same alert (same dedupe key: one row,
    // one toast). That saves each payment a writer job and an outbox read (issue 14). An alert
    // the host refuses stays in the batch as an effect, which the chain raises next.
    std::vector<Effect> kept;
    kept.reserve(t.effects.size());
    for (auto& effect : t.effects) {
        const bool alert = effect.owner == e.owner && (effect.kind == Effect::Kind::raise_alert ||
                                                       effect.kind == Effect::Kind::resolve_alert);
        if (!alert || !kept.empty() || !carry_out_alert(effect))
            kept.push_back(std::move(effect)); // order kept: nothing is raised past a refused one
    }
    t.effects = std::move(kept);
    // The outcome and the removal of the post effect: one batch, made durable off the strand
    // (with whatever other batches wait at that moment). The chain goes on from its completion.
    commit_async(std::move(t), {LinkRepository::erase_effect(e)}, recorded);
}

bool LinkService::carry_out_alert(const Effect& alert) {
    if (alert.kind == Effect::Kind::resolve_alert) {
        host_.resolve_alert(alert.alert.dedupe_key); // not found: resolved already, which is fine
        return true;
    }
    failpoint("invoicebox.alert.before_raise");
    return host_.raise_alert(alert.alert);
}

Effect LinkService::mail_alert_effect(LinkRecord& link, Effect::Kind kind) const {
    Effect a;
    a.kind = kind;
    a.owner = link.merchant_order_id;
    a.seq = ++link.effect_seq;
    // One alert per link: a second failure updates it, a later successful mail resolves it.
    a.alert.dedupe_key = "mail:" + link.merchant_order_id;
    if (kind == Effect::Kind::raise_alert) {
        a.alert.level = StaffAlert::Level::warning;
        a.alert.title = "Письмо гостю не отправлено";
        a.alert.body = "Ссылка на оплату " + format_money_ru(link.amount_minor, link.currency) + " по счёту " +
                       link.folio_number + " не ушла на " + link.guest_email + ": " + link.mail_error +
                       ". Нажмите «Отправить ещё раз» в окне InvoiceBox или передайте ссылку гостю другим способом";
        a.alert.folio_id = link.folio_id;
    }
    return a;
}

void LinkService::run_mail_effect(const Effect& e) {
    // Each step is recorded through pms.store/2 (issue 14) and the chain goes on from its
    // completion: the mark "attempted" is durable before the mail is handed to the host.
    const std::string owner = e.owner;
    std::optional<LinkRecord> link;
    Transition t;
    std::vector<StoreOp> extra;
    bool send = false;
    try {
        link = repo_.find(owner);
        if (e.attempted) {
            // Handed to the host (or about to be) by a run that did not record the result: it may
            // have left. Mail goes at most once per request, so it is NOT sent again; staff see
            // it as not confirmed and can resend.
            if (link && link->mail == MailState::pending) {
                link->mail = MailState::failed;
                link->mail_error = "отправка прервана перезапуском; письмо могло не уйти";
                add_audit(*link, host_.now_utc_ms(), Actor::recovery, "",
                          "Письмо гостю: " + link->mail_error + ". Отправьте повторно при необходимости");
                // Nobody watched this one fail: the alert asks staff to check with the guest.
                t.effects.push_back(mail_alert_effect(*link, Effect::Kind::raise_alert));
                t.link = *link;
            }
            extra.push_back(LinkRepository::erase_effect(e));
        } else if (!link || link->payment_url.empty() || link->guest_email.empty()) {
            effect_message_[owner] = "Нет ссылки или e-mail гостя для отправки";
            extra.push_back(LinkRepository::erase_effect(e));
        } else {
            Effect attempted = e;
            attempted.attempted = true;
            extra.push_back(LinkRepository::put_effect(attempted));
            send = true;
        }
    } catch (const StoreError&) {
        return mail_not_recorded(owner, mail_attempt_not_recorded);
    }
    auto alive = alive_;
    commit_async(std::move(t), std::move(extra),
                 [this, alive, owner, e, send, link = std::move(link)](std::optional<std::string> error) {
                     if (!*alive)
                         return;
                     if (error)
                         return mail_not_recorded(owner, mail_attempt_not_recorded);
                     if (send)
                         send_guest_mail(e, *link);
                     else
                         effect_step(owner);
                 });
}

void LinkService::mail_not_recorded(const std::string& owner, const char* message) {
    // The chain stops here; the outbox keeps the effect, which the next replay takes up.
    effect_message_[owner] = message;
    effect_chain_end(owner);
}

void LinkService::send_guest_mail(const Effect& e, const LinkRecord& link) {
    const std::string owner = e.owner;
    failpoint("invoicebox.mail.before_send");
    // Read when the mail goes, not when the link was made: a renamed hotel mails its new name.
    GuestMailContext ctx;
    ctx.hotel = guest_hotel_name(settings_, host_.property_json());
    ctx.expiry_offset_minutes = offset_at(link.expires_at_ms);
    ctx.zone_label = zone_label(host_.property_timezone(), ctx.expiry_offset_minutes);
    const MailMessage m = compose_guest_mail(link, settings_, ctx);
    mailing_.insert(owner);
    auto alive = alive_;
    host_.send_mail(m, [this, alive, owner, e](MailOutcome outcome, std::string err) {
        if (!*alive)
            return;
        // The host took the mail; the result is not recorded yet. The replay finds the effect
        // marked attempted and does not send it again.
        failpoint("invoicebox.mail.after_send");
        mailing_.erase(owner);
        std::string result;
        Effect attempted = e;
        attempted.attempted = true;
        Transition t;
        try {
            if (auto link = repo_.find(owner)) {
                const auto now = host_.now_utc_ms();
                const std::string by = e.who.empty() ? std::string("система") : e.who;
                if (outcome == MailOutcome::sent) {
                    // An earlier failure raised an alert: this mail answers it.
                    if (!link->mail_error.empty())
                        t.effects.push_back(mail_alert_effect(*link, Effect::Kind::resolve_alert));
                    link->mail = MailState::sent;
                    link->mail_error.clear();
                    ++link->mails_sent;
                    add_audit(*link, now, e.actor, by, "Письмо со ссылкой отправлено на " + link->guest_email);
                } else {
                    link->mail = MailState::failed;
                    link->mail_error = outcome == MailOutcome::interrupted ? "отправка прервана; письмо могло не уйти"
                                                                           : (err.empty() ? "ошибка отправки" : err);
                    result = "Письмо не отправлено: " + link->mail_error + ". Скопируйте ссылку и отправьте её гостю";
                    add_audit(*link, now, e.actor, by, result);
                    // Staff may have closed the dialog (or a replay sent it with nobody
                    // watching): the alert, recorded with the failure in one batch, tells them.
                    t.effects.push_back(mail_alert_effect(*link, Effect::Kind::raise_alert));
                }
                t.link = std::move(*link);
            }
        } catch (const StoreError&) {
            return mail_not_recorded(owner, mail_result_not_recorded);
        }
        commit_async(std::move(t), {LinkRepository::erase_effect(attempted)},
                     [this, alive, owner, result = std::move(result)](std::optional<std::string> error) {
                         if (!*alive)
                             return;
                         if (error)
                             return mail_not_recorded(owner, mail_result_not_recorded);
                         if (!result.empty())
                             effect_message_[owner] = result;
                         effect_step(owner);
                     });
    });
}

// ---- notifications -------------------------------------------------------------------------

void LinkService::log_refusal(pr::NotificationReplyCode code, std::string_view reason) {
    host_.log(LogLevel::warning, "notification refused (" + std::string(pr::wire_name(code)) + "): " + std::string(reason));
}

void LinkService::handle_notification(std::string_view path, std::string_view raw_body, const pr::HttpHeaders& headers,
                                      std::function<void(pr::NotificationReply, NotificationOutcome)> reply) {
    auto answer = [&reply](Code c, std::string reason) {
        reply(pr::make_notification_reply(c), NotificationOutcome{c, std::move(reason)});
    };
    // Every refusal is logged with its reason, in words that do not change with what a stranger
    // sends (no path, no body): the host holds back a line's repeats, so a flood of forgeries
    // costs the log a few lines a minute (issue 14, "refused with reason").
    auto refuse = [&](Code c, const std::string& reason) {
        log_refusal(c, reason);
        answer(c, reason);
    };
    const auto route = route_of_path(path);
    const ShopConfig* shop = route ? settings_.shop_by_route(*route) : nullptr;
    if (!shop) {
        refuse(Code::order_not_found, "unknown notification route");
        return;
    }
    if (!shop->complete()) {
        // Not configured yet: a technical failure on our side, so InvoiceBox retries later.
        refuse(Code::out_of_service, "shop not configured");
        return;
    }
    pr::NotificationSettings ns;
    ns.api_key = shop->api_key;
    ns.merchant_id = pr::MerchantId(shop->merchant_id);
    ns.signing_key = shop->signing_key();
    auto reject = [&](const pr::NotificationRejection& r) { refuse(r.reply, r.reason); };
    auto signature = pr::check_notification_signature(ns, raw_body, pr::find_header(headers, pr::signature_header));
    if (!signature)
        return reject(signature.error());
    if (applied_notifications_.contains(shop->merchant_id, *signature)) {
        // These exact bytes were applied and answered success, their record durable: the
        // same answer, without reading them again (InvoiceBox's retry, a replay).
        answer(Code::success, "repeated");
        return;
    }
    auto verified = pr::read_signed_notification(ns, raw_body);
    if (!verified)
        return reject(verified.error());
    if (verified->monitoring_probe) {
        answer(Code::success, "monitoring probe");
        return;
    }
    const std::string moid = verified->order.merchant_order_id.str();
    const std::string order_id = verified->order.id.str();
    Transition t;
    try {
        t = plan_receive(OrderReport{ReportSource::notification, std::move(verified->order), ""});
    } catch (const StoreError& e) {
        host_.log(LogLevel::error, std::string("notification not read: ") + e.what());
        answer(Code::out_of_service, "store failure");
        return;
    }
    // The record is made durable off the strand, grouped with whatever else waits (issue 14);
    // the answer goes first from its completion, the view updates and effects after it:
    // InvoiceBox waits for nothing but the durable record, however many dialogs show the folio.
    // A duplicate that changes nothing still waits for the batches before it (the first
    // delivery's record), so `success` never acknowledges what is not durable yet.
    const Code code = t.reply;
    auto alive = alive_;
    commit_async(std::move(t), {},
                 [this, alive, code, merchant = shop->merchant_id, signature = std::move(*signature),
                  moid, order_id,
                  reply = std::move(reply)](std::optional<std::string> error) {
                     if (error) {
                         if (*alive)
                             host_.log(LogLevel::error, "notification not recorded: " + *error);
                         reply(pr::make_notification_reply(Code::out_of_service),
                               NotificationOutcome{Code::out_of_service, "store failure"});
                         return;
                     }
                     if (code == Code::success && *alive)
                         applied_notifications_.add(merchant, signature);
                     else if (*alive)
                         // Signed by InvoiceBox, so its order number is worth the line: the
                         // lifecycle refused it (unknown, another shop's, another amount); paid
                         // money it refused waits in suspense, where staff see it.
                         log_refusal(code, "order " + moid + " (InvoiceBox " + order_id + ") of shop " + merchant);
                     // The outcome says what was done: "applied" only for an applied report.
                     reply(pr::make_notification_reply(code),
                           NotificationOutcome{code, code == Code::success           ? "applied"
                                                     : code == Code::order_not_found ? "unknown order"
                                                                                     : "refused: " + std::string(pr::wire_name(code))});
                 });
}

// ---- refresh, cancel -----------------------------------------------------------------------

void LinkService::refresh_folio(const std::string& folio_id, const StaffUser& staff, std::function<void(std::string)> on_done) {
    if (auto running = refresh_waiters_.find(folio_id); running != refresh_waiters_.end()) {
        // One flight per folio: the running refresh reads InvoiceBox now, so its answer serves this
        // press as well (issue 14: 200 presses, one request).
        running->second.push_back(std::move(on_done));
        return;
    }
    refresh_waiters_[folio_id].push_back(std::move(on_done));
    // Every waiter gets the one answer, once; the entry goes first so a waiter that refreshes
    // again starts a new flight.
    auto done = [this, folio_id](const std::string& message) {
        auto node = refresh_waiters_.extract(folio_id);
        if (node)
            for (auto& w : node.mapped())
                w(message);
    };
    std::vector<LinkRecord> links;
    try {
        links = repo_.for_folio(folio_id);
    } catch (const StoreError&) {
        done("Не удалось прочитать ссылки из базы PMS");
        return;
    }
    // A view event: every request of the refresh ends within the staff budget.
    const std::int64_t deadline = host_.now_utc_ms() + ApiClient::staff_budget.count();
    auto join = std::make_shared<Join>();
    auto error = std::make_shared<std::string>();
    auto alive = alive_;
    // The views were pushed as the changes became durable (follow_up, finish_create, the
    // effects); a refresh that changed nothing pushes nothing: the presses get their answer.
    join->done = [alive, error, done = std::move(done)] {
        if (!*alive)
            return;
        done(*error);
    };
    std::map<std::string, std::vector<pr::OrderId>> by_shop;
    // What each link read by id last recorded: an answer that says the same costs no second read.
    auto asked = std::make_shared<AskedLinks>();
    for (const auto& l : links) {
        if (l.state == LinkState::creating && !creating_.count(l.merchant_order_id)) {
            auto client = client_for(l.merchant_id, l.legal_entity_id);
            auto req_json = pr::parse_json(repo_.create_request_of(l));
            auto req = req_json ? pr::read_create_order_request(*req_json) : pr::Expected<pr::CreateOrderRequest, pr::DecodeError>(pr::unexpected(pr::DecodeError{}));
            if (!client || !req)
                continue;
            client->set_deadline(deadline);
            join->add();
            creating_.insert(l.merchant_order_id);
            const std::string moid = l.merchant_order_id;
            client->create(*req, true, [this, alive, moid, join, staff](ApiClient::CreateResult r) {
                if (!*alive)
                    return;
                creating_.erase(moid);
                finish_create(moid, r, Actor::refresh, staff.label(), [join](CreateOutcome) { join->release(); });
            });
        } else if (!l.order_id.empty() && (l.posting == PostingState::none || l.posting == PostingState::suspense)) {
            // Suspense too: one held for a wrong amount posts when InvoiceBox now reports the
            // right one (the lifecycle decides; a re-read of anything else changes nothing).
            by_shop[l.merchant_id].push_back(pr::OrderId(l.order_id));
            asked->add(open_entry_of(l));
        }
        if (l.posting == PostingState::pending) {
            try {
                adopt_legacy(l);
            } catch (const StoreError&) {
            }
            join->add();
            run_effects(l.merchant_order_id, [join](std::string) { join->release(); });
        }
    }
    // Every link of the folio, in chunks of ids_per_list_read (the query stays a sane URL), each
    // chunk read page by page to its end: a folio with 310 paid links posts all 310.
    for (auto& [merchant, ids] : by_shop) {
        auto client = client_for(merchant, "");
        if (!client)
            continue;
        client->set_deadline(deadline);
        for (std::size_t i = 0; i < ids.size(); i += ids_per_list_read) {
            pr::OrderFilter f;
            f.ids.assign(ids.begin() + static_cast<std::ptrdiff_t>(i),
                         ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + ids_per_list_read)));
            join->add();
            client->find_all_orders(
                std::move(f),
                [this, alive, join, error, staff](const std::vector<pr::Order>& items) {
                    if (!*alive)
                        return false;
                    std::vector<OrderReport> reports;
                    for (const auto& order : items) // those that change something
                        reports.push_back(OrderReport{ReportSource::refresh, order, staff.label()});
                    // The refresh answers staff once the page is durable and its postings ran.
                    join->add();
                    receive_page(std::move(reports), [this, alive, join, error](ReceivedPage page) {
                        if (*alive) {
                            if (!page.all_durable && error->empty())
                                *error = "Не удалось записать статусы в базу PMS";
                            follow_up(page.durable, join);
                        }
                        join->release();
                    });
                    return true;
                },
                [alive, join, error](std::optional<pr::ApiError> e) {
                    if (!*alive)
                        return;
                    if (e && error->empty())
                        *error = describe_for_staff(*e);
                    join->release();
                },
                [asked](const pr::OrderGlance& order) {
                    return asked->answer_changes_nothing(ReportSource::refresh, order);
                });
        }
    }
    join->release();
}

void LinkService::cancel_link(const std::string& folio_id, const std::string& moid, const StaffUser& staff,
                              std::function<void(std::string)> done) {
    std::optional<LinkRecord> link;
    try {
        link = repo_.find(moid);
    } catch (const StoreError&) {
        done("Не удалось прочитать ссылку из базы PMS");
        return;
    }
    if (link && link->folio_id != folio_id) {
        refuse_foreign_link(moid, folio_id, staff, "cancel");
        done(foreign_link_message);
        return;
    }
    if (!link || link->order_id.empty() || !link->is_open_unpaid()) {
        done("Отменить можно только созданную неоплаченную ссылку");
        return;
    }
    auto client = client_for(link->merchant_id, link->legal_entity_id);
    if (!client) {
        done("Интеграция InvoiceBox не настроена");
        return;
    }
    client->set_deadline(host_.now_utc_ms() + ApiClient::staff_budget.count());
    auto alive = alive_;
    client->call(client->api().cancel_order(pr::OrderId(link->order_id)), pr::RequestKind::idempotent_write,
                 [this, alive, moid, staff, done = std::move(done)](pr::HttpOutcome o) {
                     if (!*alive)
                         return;
                     auto order = pr::InvoiceboxApi::parse_order(o);
                     Transition t;
                     std::string refusal; // InvoiceBox's, for staff; empty when it canceled
                     try {
                         auto link = repo_.find(moid);
                         if (!link) {
                             done("Ссылка пропала из базы PMS");
                             return;
                         }
                         if (order) {
                             t = plan_receive(OrderReport{ReportSource::staff_cancel, *order, staff.label()});
                         } else {
                             refusal = describe_for_staff(order.error());
                             add_audit(*link, host_.now_utc_ms(), Actor::staff, staff.label(),
                                       "Отмена не выполнена: " + refusal);
                             t.link = std::move(*link);
                         }
                     } catch (const StoreError&) {
                         done("Не удалось записать отмену в базу PMS");
                         return;
                     }
                     // Recorded off the strand (issue 14); staff hear the outcome once durable.
                     commit_async(std::move(t), {},
                                  [refusal = std::move(refusal), done](std::optional<std::string> error) {
                                      done(error ? std::string("Не удалось записать отмену в базу PMS") : refusal);
                                  });
                 });
}

// ---- poller and recovery ---------------------------------------------------------------------

void LinkService::start() {
    running_ = true;
    auto alive = alive_;
    poll_once(Actor::recovery, [this, alive] {
        if (*alive)
            schedule_poll();
    });
}

void LinkService::stop() {
    running_ = false;
    if (poll_timer_ != 0)
        host_.cancel_timer(poll_timer_);
    poll_timer_ = 0;
}

void LinkService::schedule_poll() {
    if (!running_)
        return;
    auto alive = alive_;
    poll_timer_ = host_.start_timer(std::chrono::seconds(settings_.poll_interval_seconds), [this, alive](bool cancelled) {
        if (cancelled || !*alive)
            return;
        poll_timer_ = 0;
        if (!running_)
            return;
        poll_once(Actor::poll, [this, alive] {
            if (*alive)
                schedule_poll();
        });
    });
}

void LinkService::poll_once(Actor actor, std::function<void()> done) {
    if (polling_ || !configured()) {
        if (done)
            done();
        return;
    }
    polling_ = true;
    auto alive = alive_;
    const auto now = host_.now_utc_ms();
    // What the pass did, for its one line at info: how long a pass takes against how many open
    // links is what an admin (and bench/) needs to size the interval and the request budget.
    struct Tally {
        std::size_t open_links = 0;
        std::size_t unchanged = 0; ///< of them, answered as last recorded: no record read
        std::size_t pages = 0;     ///< list pages answered (by id and paid since the cursor)
    };
    auto tally = std::make_shared<Tally>();
    auto join = std::make_shared<Join>();
    join->done = [this, alive, tally, now, actor, done = std::move(done)] {
        if (!*alive)
            return;
        polling_ = false;
        host_.log(LogLevel::info, std::string(actor == Actor::recovery ? "start-up recovery" : "poller") +
                                      ": pass done in " + std::to_string(host_.now_utc_ms() - now) + " ms: " +
                                      std::to_string(tally->open_links) + " open links read by id (" +
                                      std::to_string(tally->unchanged) + " unchanged), " +
                                      std::to_string(tally->pages) + " list pages");
        if (done)
            done();
    };
    std::vector<OpenLinkEntry> open;
    try {
        open = repo_.open_links();
    } catch (const StoreError&) {
        join->release();
        return;
    }
    std::map<std::string, std::vector<pr::OrderId>> by_shop;
    auto asked = std::make_shared<AskedLinks>();
    for (auto& entry : open) {
        // The index entry says what the pass needs: most links are only read by id at InvoiceBox,
        // and their records are read when an answer brings news (plan_receive), not before.
        if (!entry.needs_record()) {
            if (entry.read_by_id()) {
                by_shop[entry.merchant_id].push_back(pr::OrderId(entry.order_id));
                ++tally->open_links;
                asked->add(std::move(entry));
            }
            continue;
        }
        std::optional<LinkRecord> found;
        try {
            found = repo_.find(entry.merchant_order_id);
        } catch (const StoreError&) {
            continue;
        }
        if (!found)
            continue;
        const LinkRecord& l = *found;
        if (l.state == LinkState::creating) {
            if (creating_.count(l.merchant_order_id))
                continue;
            auto client = client_for(l.merchant_id, l.legal_entity_id);
            auto req_json = pr::parse_json(repo_.create_request_of(l));
            if (!client || !req_json)
                continue;
            auto req = pr::read_create_order_request(*req_json);
            if (!req)
                continue;
            join->add();
            creating_.insert(l.merchant_order_id);
            const std::string moid = l.merchant_order_id;
            client->create(*req, true, [this, alive, moid, join, actor](ApiClient::CreateResult r) {
                if (!*alive)
                    return;
                creating_.erase(moid);
                finish_create(moid, r, actor, "", [join](CreateOutcome) { join->release(); });
            });
            continue;
        }
        if (open_entry_of(l).read_by_id()) {
            by_shop[l.merchant_id].push_back(pr::OrderId(l.order_id));
            ++tally->open_links;
        }
        try {
            adopt_legacy(l);
        } catch (const StoreError&) {
        }
    }
    // Pending effects (postings, alerts, mail) of every owner: a crash, a transient host failure
    // or a failed removal left them; the outbox replays them here, at start-up and each pass.
    join->add();
    replay_effects([join] { join->release(); });
    // Open links by id (their expiry and cancellation), in chunks of ids, each read to its end,
    // at most poll_reads_in_flight at a time.
    auto window = std::make_shared<InFlightWindow>(poll_reads_in_flight);
    for (auto& [merchant, ids] : by_shop) {
        auto client = client_for(merchant, "");
        if (!client)
            continue;
        for (std::size_t i = 0; i < ids.size(); i += ids_per_list_read) {
            pr::OrderFilter f;
            f.ids.assign(ids.begin() + static_cast<std::ptrdiff_t>(i),
                         ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + ids_per_list_read)));
            join->add();
            window->add([this, alive, join, actor, tally, asked, client, f = std::move(f)](
                            std::function<void()> finished) mutable {
                const auto source = actor == Actor::recovery ? ReportSource::recovery : ReportSource::poll_by_id;
                client->find_all_orders(
                    std::move(f),
                    [this, alive, join, tally, source](const std::vector<pr::Order>& items) {
                        if (!*alive)
                            return false;
                        ++tally->pages;
                        std::vector<OrderReport> reports;
                        for (const auto& order : items) // those that change something
                            reports.push_back(OrderReport{source, order, ""});
                        // One view update per folio and page, not per order; the pass ends once the
                        // page is durable. A report not recorded is read again by the next pass.
                        join->add();
                        receive_page(std::move(reports), [this, alive, join](ReceivedPage page) {
                            if (*alive)
                                follow_up(page.durable);
                            join->release();
                        });
                        return true;
                    },
                    [this, alive, join, finished = std::move(finished)](std::optional<pr::ApiError> e) {
                        if (!*alive)
                            return; // the service is gone: the window starts nothing more
                        finished();
                        if (e)
                            host_.log(LogLevel::warning, "poller: open links not read to the end: " + pr::describe(*e));
                        join->release();
                    },
                    [tally, asked, source](const pr::OrderGlance& order) {
                        if (!asked->answer_changes_nothing(source, order))
                            return false;
                        ++tally->unchanged;
                        return true;
                    });
            });
        }
    }
    // Paid orders since each shop's durable cursor (status/paidAt filters, ascending by paidAt,
    // id breaking ties so that pages of one read never overlap or leave a gap): catches late
    // payments of expired or canceled links and payments whose notification never arrived.
    // The read starts AT the cursor's second, not after it: orders paid in that second may sit
    // on a page not yet applied. Reading them again is harmless (applying a report is
    // idempotent; a posted link is skipped).
    std::vector<const ShopConfig*> shops{&settings_.shop};
    for (const auto& o : settings_.overrides)
        if (o.complete())
            shops.push_back(&o);
    for (const ShopConfig* shop : shops) {
        std::int64_t since = 0;
        try {
            // No cursor yet (first start, or a shop just added): look back a bounded while.
            since = repo_.paid_cursor(shop->merchant_id).value_or(now - first_poll_lookback_ms);
        } catch (const StoreError&) {
            continue;
        }
        auto client = ApiClient::make(host_, *shop);
        pr::OrderFilter f;
        f.statuses = {"completed"};
        f.merchant_id = pr::MerchantId(shop->merchant_id);
        f.paid_from = std::chrono::floor<std::chrono::seconds>(
            std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(since)));
        f.sort = {pr::SortKey{"paidAt", false}, pr::SortKey{"id", false}};
        const std::string merchant = shop->merchant_id;
        // Set once a page of this read was not recorded in full: no later page may move the
        // cursor past it (pages complete in order), and the read stops at the next page.
        auto read_failed = std::make_shared<bool>(false);
        join->add();
        client->find_all_orders(
            std::move(f),
            [this, alive, join, actor, merchant, since, tally, read_failed](const std::vector<pr::Order>& items) {
                if (!*alive || *read_failed)
                    return false;
                ++tally->pages;
                std::int64_t page_max = 0;
                std::vector<OrderReport> reports;
                for (const auto& order : items) {
                    if (!order.status.is_paid())
                        continue;
                    page_max = std::max(page_max, to_ms(order.paid_at, 0));
                    reports.push_back(OrderReport{
                        actor == Actor::recovery ? ReportSource::recovery : ReportSource::poll_by_paid, order, ""});
                }
                join->add();
                receive_page(std::move(reports), [this, alive, join, merchant, since, page_max,
                                                  read_failed](ReceivedPage page) {
                    if (!*alive)
                        return join->release();
                    follow_up(page.durable); // one view update per folio and page
                    if (!page.all_durable && !*read_failed) {
                        // The cursor stays where it was, and the next pass reads this page again.
                        *read_failed = true;
                        host_.log(LogLevel::error, "poller: a page of paid orders was not recorded in full; "
                                                   "the next pass reads it again");
                    }
                    // Every report of the page (and of the pages before it) is durably recorded,
                    // postings following from the records: only now may the cursor pass them.
                    // Whole seconds, never backwards.
                    const std::int64_t cursor = page_max - page_max % 1000;
                    bool moves = false;
                    try {
                        moves = !*read_failed && cursor > since && cursor > repo_.paid_cursor(merchant).value_or(0);
                    } catch (const StoreError&) {
                    }
                    if (!moves)
                        return join->release();
                    write_async({LinkRepository::paid_cursor_op(merchant, cursor)},
                                [join](std::optional<std::string>) { join->release(); });
                });
                return true;
            },
            [this, alive, join](std::optional<pr::ApiError> e) {
                if (!*alive)
                    return;
                if (e)
                    host_.log(LogLevel::warning, "poller: paid orders not read to the end: " + pr::describe(*e));
                join->release();
            });
    }
    // Refunds: every shop's refund list (completions to post, cabinet refunds, lost creates).
    join->add();
    poll_refunds(actor, [join] { join->release(); });
    if (++poll_count_ % 10 == 0 || actor == Actor::recovery)
        retry_suspense();
    join->release();
}

} // namespace invoicebox::plugin
