// The payment-link workflow (link_service.hpp).
#include <invoicebox/plugin/link_service.hpp>

#include <invoicebox/plugin/formatting.hpp>
#include <invoicebox/plugin/message_template.hpp>
#include <invoicebox/plugin/receipt_basket.hpp>

#include <invoicebox/protocol/json_reader.hpp>
#include <invoicebox/protocol/order_codec.hpp>

#include <algorithm>

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

/// The reason of a payment held back for its currency (suspense reason «валюта»).
constexpr std::string_view currency_mismatch_prefix = "валюта: ";

std::string currency_mismatch_reason(const pr::Order& order, const LinkRecord& link) {
    return std::string(currency_mismatch_prefix) + "оплата " +
           format_money_ru(order.amount.minor, std::string(pr::alpha_code(order.currency()))) + " в валюте " +
           std::string(pr::alpha_code(order.currency())) + ", а ссылка в " + link.currency;
}

/// Order ids per list request (refresh, open links): keeps the query string a sane URL.
constexpr std::size_t ids_per_list_read = 50;

/// The paid-orders poll of a shop without a cursor (first start, a shop just added) looks back
/// this far; once a cursor exists the poll continues from it, however long the host was down.
constexpr std::int64_t first_poll_lookback_ms = 7LL * 24 * 3600'000;

/// Counts outstanding parts of a pass and runs `done` once when the last one finishes.
struct Join {
    int pending = 1; // the starter's own share, released by release()
    std::function<void()> done;
    void add() { ++pending; }
    void release() {
        if (--pending == 0 && done) {
            auto d = std::move(done);
            d();
        }
    }
};

} // namespace

LinkService::LinkService(HostPorts& host) : host_(host), repo_(host) {}

LinkService::~LinkService() { *alive_ = false; }

void LinkService::configure(Settings s) { settings_ = std::move(s); }

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
    const auto amount = parse_decimal_minor(in.amount_text);
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
        LinkRecord link;
        link.merchant_order_id = repo_.next_merchant_order_id(folio->folio_id);
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
        repo_.save(link);
        const std::string moid = link.merchant_order_id;
        creating_.insert(moid);
        auto client = ApiClient::make(host_, shop);
        // A view event: the create (with its retries and rate-limit waits) ends within the budget.
        client->set_deadline(now + ApiClient::staff_budget.count());
        auto alive = alive_;
        client->create(request, false, [this, alive, moid, staff, done = std::move(done)](ApiClient::CreateResult r) mutable {
            if (!*alive)
                return;
            creating_.erase(moid);
            finish_create(moid, r, Actor::staff, staff.label(), std::move(done));
        });
    } catch (const StoreError&) {
        out.message = "Не удалось сохранить ссылку в базе PMS. Ссылка не создана; повторите попытку";
        done(std::move(out));
    }
}

void LinkService::finish_create(const std::string& moid, const ApiClient::CreateResult& result, Actor actor,
                                const std::string& who, std::function<void(CreateOutcome)> done) {
    CreateOutcome out;
    try {
        auto link = repo_.find(moid);
        if (!link) {
            out.message = "Ссылка пропала из базы PMS";
            if (done)
                done(std::move(out));
            return;
        }
        if (auto* d = std::get_if<pr::CreateOrderFlow::Done>(&result)) {
            const auto code = apply_order(*link, d->order, actor, who);
            if (code != Code::success) {
                out.kind = CreateOutcome::Kind::failed;
                out.message = "InvoiceBox вернул заказ с другой суммой; ссылка не использована. Обратитесь в поддержку";
                out.link = link;
                if (done)
                    done(std::move(out));
                changed(link->folio_id);
                return;
            }
            out.kind = CreateOutcome::Kind::created;
            out.link = *link;
            changed(link->folio_id);
            if (link->send_mail && link->mail == MailState::none && link->posting == PostingState::none) {
                send_link_mail(moid, actor, who, [this, moid, out = std::move(out), done = std::move(done)](std::string err) mutable {
                    try {
                        if (auto l = repo_.find(moid))
                            out.link = *l;
                    } catch (const StoreError&) {
                    }
                    out.message = err;
                    if (done)
                        done(std::move(out));
                });
                return;
            }
            if (done)
                done(std::move(out));
            return;
        }
        const auto& f = std::get<pr::CreateOrderFlow::Failed>(result);
        const auto now = host_.now_utc_ms();
        host_.log(LogLevel::warning, "create " + moid + " failed: " + pr::describe(f.error));
        if (f.error.kind == pr::ErrorKind::outcome_unknown || f.error.outcome_unknown) {
            add_audit(*link, now, actor, staff_or(who, actor),
                      "Результат создания в InvoiceBox неизвестен; ссылка будет проверена автоматически");
            repo_.save(*link);
            out.kind = CreateOutcome::Kind::unconfirmed;
            out.message = describe_for_staff(f.error);
        } else {
            link->state = LinkState::failed;
            link->error_message = describe_for_staff(f.error);
            add_audit(*link, now, actor, staff_or(who, actor), "InvoiceBox отклонил создание: " + link->error_message);
            repo_.save(*link);
            out.kind = CreateOutcome::Kind::failed;
            out.message = link->error_message;
        }
        out.link = *link;
        changed(link->folio_id);
    } catch (const StoreError&) {
        out.kind = CreateOutcome::Kind::unconfirmed;
        out.message = "Не удалось записать результат в базу PMS; ссылка будет проверена автоматически";
    }
    if (done)
        done(std::move(out));
}

// ---- mail --------------------------------------------------------------------------------

void LinkService::send_link_mail(const std::string& moid, Actor actor, const std::string& who,
                                 std::function<void(std::string)> done) {
    if (mailing_.count(moid)) {
        done("Письмо уже отправляется");
        return;
    }
    std::optional<LinkRecord> link;
    try {
        link = repo_.find(moid);
        if (!link || link->payment_url.empty() || link->guest_email.empty()) {
            done("Нет ссылки или e-mail гостя для отправки");
            return;
        }
        link->mail = MailState::pending;
        repo_.save(*link);
    } catch (const StoreError&) {
        done("Не удалось записать отправку письма в базу PMS");
        return;
    }
    MessageValues v;
    v.guest_name = link->guest_name;
    v.amount = format_money_ru(link->amount_minor, link->currency);
    v.link = link->payment_url;
    v.expiry = format_local_datetime(link->expires_at_ms, offset_at(link->expires_at_ms));
    v.folio = link->folio_number;
    v.booking = link->booking_number;
    v.hotel = settings_.hotel_name;
    MailMessage m;
    m.to = link->guest_email;
    m.to_name = link->guest_name;
    m.subject = settings_.mail_subject.empty() ? "Ссылка на оплату" : settings_.mail_subject;
    m.text_body = render_message(link->message_template.empty() ? settings_.message_template : link->message_template, v);
    if (m.text_body.find(link->payment_url) == std::string::npos)
        m.text_body += "\n\nСсылка на оплату: " + link->payment_url;
    mailing_.insert(moid);
    auto alive = alive_;
    host_.send_mail(m, [this, alive, moid, actor, who, done = std::move(done)](pms_status s, std::string err) {
        if (!*alive)
            return;
        mailing_.erase(moid);
        std::string result;
        try {
            auto link = repo_.find(moid);
            if (link) {
                const auto now = host_.now_utc_ms();
                if (s == PMS_OK) {
                    link->mail = MailState::sent;
                    link->mail_error.clear();
                    add_audit(*link, now, actor, staff_or(who, actor), "Письмо со ссылкой отправлено на " + link->guest_email);
                } else if (s == PMS_CANCELLED) {
                    // Stopping: stays pending, recovery sends it again.
                    result = "Отправка письма прервана";
                } else {
                    link->mail = MailState::failed;
                    link->mail_error = err.empty() ? pms_status_name(s) : err;
                    result = "Письмо не отправлено: " + link->mail_error + ". Скопируйте ссылку и отправьте её гостю";
                    add_audit(*link, now, actor, staff_or(who, actor), result);
                }
                repo_.save(*link);
                changed(link->folio_id);
            }
        } catch (const StoreError&) {
            result = "Не удалось записать результат отправки письма";
        }
        done(result);
    });
}

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
        if (mailing_.count(moid)) {
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
            repo_.save(*link);
            done(message);
            return;
        }
        link->resend_at_ms.push_back(now);
        add_audit(*link, now, Actor::staff, staff.label(), "Повторная отправка письма гостю");
        repo_.save(*link);
    } catch (const StoreError&) {
        done("Не удалось записать действие в базу PMS");
        return;
    }
    send_link_mail(moid, Actor::staff, staff.label(), std::move(done));
}

void LinkService::refuse_foreign_link(const std::string& moid, const std::string& folio_id, const StaffUser& staff,
                                      std::string_view action) {
    // Nothing of the link changes (not even its audit trail): it belongs to another folio, and
    // the view that asked shows a different one. The host log keeps the attempt.
    host_.log(LogLevel::warning, std::string("refused ") + std::string(action) + " of link " + moid +
                                     " from a view of folio " + folio_id + " by staff " + staff.id +
                                     ": the link belongs to another folio");
}

// ---- applying InvoiceBox's state -----------------------------------------------------------

void LinkService::record_suspense(LinkRecord* link, const pr::Order& order, std::string reason_code, std::string reason) {
    const auto now = host_.now_utc_ms();
    SuspenseRecord s;
    if (auto existing = repo_.find_suspense(order.id.str()); existing && existing->reason_code == reason_code &&
                                                              !existing->resolved) {
        s = *existing; // the same problem seen again: keep the first business date
    } else {
        s.order_id = order.id.str();
        s.merchant_order_id = order.merchant_order_id.str();
        s.amount_minor = order.amount.minor;
        s.currency = std::string(pr::alpha_code(order.currency()));
        s.received_at_ms = now;
        s.business_date = format_local_date(now, offset_at(now));
    }
    s.reason_code = std::move(reason_code);
    s.reason = std::move(reason);
    s.resolved = false;
    if (link) {
        s.folio_id = link->folio_id;
        repo_.save(*link, s);
    } else {
        repo_.save_suspense(s);
    }
    StaffAlert a;
    a.level = StaffAlert::Level::error;
    a.dedupe_key = "suspense:" + s.order_id;
    a.title = "Оплата InvoiceBox не разнесена";
    a.body = "Получена оплата " + format_money_ru(s.amount_minor, s.currency) + " (заказ InvoiceBox " + s.order_id +
             (s.merchant_order_id.empty() ? "" : ", номер " + s.merchant_order_id) + ", дата " + s.business_date +
             "), но она не проведена в счёт: " + s.reason + ". Платёж сохранён в списке неразнесённых оплат.";
    a.folio_id = s.folio_id;
    host_.raise_alert(a);
}

bool LinkService::amount_in_suspense(const LinkRecord& link) {
    if (link.posting != PostingState::suspense || link.order_id.empty())
        return false;
    try {
        if (auto s = repo_.find_suspense(link.order_id); s && !s->resolved)
            return s->reason_code == "amount_mismatch" || s->reason_code == "currency_mismatch";
    } catch (const StoreError&) {
        // fall back to the link's own reason
    }
    return link.suspense_reason.rfind(amount_mismatch_prefix, 0) == 0 ||
           link.suspense_reason.rfind(currency_mismatch_prefix, 0) == 0;
}

Code LinkService::apply_order(LinkRecord& link, const pr::Order& order, Actor actor, const std::string& who) {
    const auto now = host_.now_utc_ms();
    const std::string by = staff_or(who, actor);
    const std::string currency(pr::alpha_code(order.currency()));
    bool dirty = false;
    if (link.order_id.empty()) {
        if (order.amount.minor != link.amount_minor || currency != link.currency) {
            // An order under our merchantOrderId with another amount is never adopted.
            if (order.status.is_paid()) {
                if (currency != link.currency)
                    record_suspense(nullptr, order, "currency_mismatch", currency_mismatch_reason(order, link));
                else
                    record_suspense(nullptr, order, "amount_mismatch",
                                    "сумма заказа " + format_money_ru(order.amount.minor, currency) +
                                        " не совпадает с суммой ссылки " + format_money_ru(link.amount_minor, link.currency));
            }
            return Code::order_wrong_amount;
        }
        link.order_id = order.id.str();
        link.payment_url = order.payment_url.value_or("");
        add_audit(link, now, actor, by, "Заказ создан в InvoiceBox: " + link.order_id);
        dirty = true;
    } else if (link.order_id != order.id.str()) {
        if (order.status.is_paid()) {
            record_suspense(nullptr, order, "other_order",
                            "ссылка " + link.merchant_order_id + " уже связана с другим заказом InvoiceBox " + link.order_id);
            return Code::order_already_paid;
        }
        return Code::order_not_found;
    }
    if (link.state != LinkState::open) {
        link.state = LinkState::open;
        link.error_message.clear();
        dirty = true;
    }
    if (link.payment_url.empty() && order.payment_url) {
        link.payment_url = *order.payment_url;
        dirty = true;
    }
    if (order.status.is_paid()) {
        const bool amount_matches = order.amount.minor == link.amount_minor && currency == link.currency;
        if (link.posting != PostingState::none) {
            if (!amount_matches || !amount_in_suspense(link)) {
                // A duplicate of what is already recorded; a wrong amount is refused again and
                // changes nothing (the first one is in suspense, or the right one is posted).
                if (dirty)
                    repo_.save(link);
                return amount_matches ? Code::success : Code::order_wrong_amount;
            }
            // Held back for a wrong amount, and now InvoiceBox reports this order paid with the
            // link's amount: post it (once, keyed on the order id) and close the suspense entry.
            const std::string was = link.suspense_reason;
            link.ib_status = order.status.wire();
            link.paid_at_ms = to_ms(order.paid_at, now);
            link.paid_amount_minor = order.amount.minor;
            link.posting = PostingState::pending;
            link.suspense_reason.clear();
            add_audit(link, now, actor, by,
                      "Оплачено " + format_money_ru(order.amount.minor, currency) +
                          ": сумма совпадает со ссылкой; запись о расхождении (" + was +
                          ") закрыта в списке неразнесённых оплат");
            if (auto sus = repo_.find_suspense(link.order_id); sus && !sus->resolved) {
                sus->resolved = true;
                repo_.save(link, *sus);
            } else {
                repo_.save(link);
            }
            host_.resolve_alert("suspense:" + link.order_id);
            return Code::success;
        }
        const std::string prev = link.ib_status;
        link.ib_status = order.status.wire();
        link.paid_at_ms = to_ms(order.paid_at, now);
        link.paid_amount_minor = order.amount.minor;
        if (!amount_matches) {
            // Architecture §8 "Currency mismatch": InvoiceBox documents no order_wrong_currency,
            // so a payment in another currency is held in the unposted list with reason «валюта»
            // and answered with the documented order_wrong_amount (§5.4: "compare amount (and
            // currency) … otherwise answer order_wrong_amount"), which InvoiceBox does not retry.
            const bool wrong_currency = currency != link.currency;
            link.posting = PostingState::suspense;
            link.suspense_reason = wrong_currency ? currency_mismatch_reason(order, link)
                                                  : amount_mismatch_prefix + format_money_ru(order.amount.minor, currency) +
                                                        " не совпадает с суммой ссылки " +
                                                        format_money_ru(link.amount_minor, link.currency);
            add_audit(link, now, actor, by, "Оплата не проведена: " + link.suspense_reason);
            record_suspense(&link, order, wrong_currency ? "currency_mismatch" : "amount_mismatch", link.suspense_reason);
            return Code::order_wrong_amount;
        }
        link.posting = PostingState::pending;
        const bool late = prev == "expired" || prev == "canceled";
        add_audit(link, now, actor, by,
                  "Оплачено " + format_money_ru(order.amount.minor, currency) +
                      (late ? " (поздняя оплата: ссылка была " + std::string(prev == "expired" ? "истёкшей" : "отменённой") + ")"
                            : ""));
        repo_.save(link);
        return Code::success;
    }
    if (link.posting != PostingState::none || link.ib_status == "completed") {
        // Out of order: a paid link never goes back to an unpaid status.
        if (dirty)
            repo_.save(link);
        return Code::success;
    }
    if (link.ib_status != order.status.wire()) {
        const std::string prev = link.ib_status;
        link.ib_status = order.status.wire();
        add_audit(link, now, actor, by, "Статус InvoiceBox: " + (prev.empty() ? std::string("—") : prev) + " → " + link.ib_status);
        dirty = true;
        if (link.ib_status == "expired") {
            StaffAlert a;
            a.level = StaffAlert::Level::info;
            a.dedupe_key = "expired:" + link.merchant_order_id;
            a.title = "Срок ссылки на оплату истёк";
            a.body = "Ссылка на " + format_money_ru(link.amount_minor, link.currency) + " по счёту " + link.folio_number +
                     (link.booking_number.empty() ? "" : ", заявка №" + link.booking_number) +
                     " не оплачена и истекла. При необходимости создайте новую.";
            a.folio_id = link.folio_id;
            host_.raise_alert(a);
        }
    }
    if (dirty)
        repo_.save(link);
    return Code::success;
}

// ---- posting -------------------------------------------------------------------------------

void LinkService::post_payment(const std::string& moid, std::function<void()> done) {
    auto finish = [&done] {
        if (done)
            done();
    };
    if (posting_.count(moid)) {
        finish();
        return;
    }
    std::optional<LinkRecord> link;
    try {
        link = repo_.find(moid);
    } catch (const StoreError&) {
        finish();
        return;
    }
    if (!link || link->posting != PostingState::pending || link->order_id.empty()) {
        finish();
        return;
    }
    PaymentPosting p;
    p.folio_id = link->folio_id;
    p.amount_minor = link->paid_amount_minor;
    p.currency = link->currency;
    p.kind = "payment";
    p.idempotency_key = std::string(plugin_id) + ":payment:" + link->order_id;
    p.provider_reference = link->order_id;
    p.description = "Оплата по ссылке InvoiceBox, заказ " + link->merchant_order_id;
    p.occurred_at_utc_ms = link->paid_at_ms;
    posting_.insert(moid);
    auto alive = alive_;
    host_.post_payment(p, [this, alive, moid, done = std::move(done)](pms_status s, const PostingResult& res) {
        if (!*alive)
            return;
        posting_.erase(moid);
        std::string folio;
        try {
            auto link = repo_.find(moid);
            if (link && link->posting == PostingState::pending) {
                folio = link->folio_id;
                const auto now = host_.now_utc_ms();
                if (PMS_STATUS_IS_SUCCESS(s)) {
                    link->posting = PostingState::posted;
                    link->posting_id = res.posting_id;
                    link->posting_category = res.category;
                    link->posting_type = res.type;
                    add_audit(*link, now, Actor::system, "",
                              "Платёж проведён в счёт " + link->folio_number + " (" + res.posting_id +
                                  (res.category.empty() ? "" : ", " + res.category + " / " + res.type) + ")" +
                                  (res.is_repeat ? ", повтор без двойного проведения" : ""));
                    // The alert goes out before the link is saved as posted: a crash between
                    // the two leaves the link pending, the replay posts again (an idempotent
                    // repeat) and raises the alert again under the same dedupe key, which the
                    // host keeps as one notification and one toast. Saved first, a crash in
                    // between would lose the alert for good.
                    host_.resolve_alert("suspense:" + link->order_id);
                    StaffAlert a;
                    a.level = StaffAlert::Level::success;
                    a.dedupe_key = "paid:" + link->order_id;
                    a.title = "Оплата по ссылке InvoiceBox";
                    a.body = "Получена оплата " + format_money_ru(link->paid_amount_minor, link->currency) + " по счёту " +
                             link->folio_number + (link->booking_number.empty() ? "" : ", заявка №" + link->booking_number);
                    a.folio_id = link->folio_id;
                    host_.raise_alert(a);
                    repo_.save(*link);
                    if (auto sus = repo_.find_suspense(link->order_id); sus && !sus->resolved) {
                        sus->resolved = true;
                        repo_.save_suspense(*sus);
                    }
                } else if (s == PMS_FOLIO_CLOSED || s == PMS_NO_MAPPING || s == PMS_CURRENCY_MISMATCH ||
                           s == PMS_INVALID_ARGUMENT || s == PMS_NOT_FOUND || s == PMS_CONFLICT) {
                    std::string code = s == PMS_FOLIO_CLOSED ? "folio_closed"
                                       : s == PMS_NO_MAPPING ? "no_mapping"
                                       : s == PMS_CURRENCY_MISMATCH ? "currency_mismatch"
                                       : s == PMS_NOT_FOUND ? "folio_not_found"
                                       : s == PMS_CONFLICT ? "posting_conflict"
                                                           : "posting_refused";
                    std::string reason = s == PMS_FOLIO_CLOSED ? "счёт " + link->folio_number + " закрыт"
                                         : s == PMS_NO_MAPPING
                                             ? "не настроено сопоставление вида оплаты «Оплата по ссылке InvoiceBox» с типом оплаты PMS"
                                         : s == PMS_CURRENCY_MISMATCH ? "валюта оплаты не совпадает с валютой счёта"
                                         : s == PMS_NOT_FOUND         ? "счёт " + link->folio_id + " не найден"
                                         : s == PMS_CONFLICT          ? "в PMS уже есть другая проводка с этим ключом"
                                                                      : "PMS отклонила проводку";
                    if (!res.error_message.empty())
                        reason += " (" + res.error_message + ")";
                    link->posting = PostingState::suspense;
                    link->suspense_reason = reason;
                    add_audit(*link, now, Actor::system, "", "Оплата не проведена: " + reason);
                    pr::Order o;
                    o.id = pr::OrderId(link->order_id);
                    o.merchant_order_id = pr::MerchantOrderId(link->merchant_order_id);
                    o.amount = pr::Money::of(link->paid_amount_minor,
                                             pr::currency_from_alpha(link->currency).value_or(pr::Currency::rub));
                    record_suspense(&*link, o, std::move(code), std::move(reason));
                } else {
                    host_.log(LogLevel::warning, "posting " + moid + " not done yet (" + pms_status_name(s) + "); will retry");
                }
            }
        } catch (const StoreError&) {
            host_.log(LogLevel::error, "posting " + moid + ": could not record the result; the retry is idempotent");
        }
        if (!folio.empty())
            changed(folio);
        if (done)
            done();
    });
}

void LinkService::retry_suspense() {
    try {
        for (const auto& s : repo_.suspense_list()) {
            if (s.reason_code != "no_mapping" && s.reason_code != "folio_closed" && s.reason_code != "folio_not_found")
                continue;
            auto link = repo_.find(s.merchant_order_id);
            if (!link || link->posting != PostingState::suspense)
                continue;
            link->posting = PostingState::pending;
            add_audit(*link, host_.now_utc_ms(), Actor::system, "", "Повторная попытка провести оплату");
            repo_.save(*link);
            post_payment(link->merchant_order_id);
        }
    } catch (const StoreError&) {
        host_.log(LogLevel::error, "suspense retry: store failure");
    }
}

// ---- notifications -------------------------------------------------------------------------

void LinkService::handle_notification(std::string_view path, std::string_view raw_body, const pr::HttpHeaders& headers,
                                      std::function<void(pr::NotificationReply, NotificationOutcome)> reply) {
    auto answer = [&reply](Code c, std::string reason) {
        reply(pr::make_notification_reply(c), NotificationOutcome{c, std::move(reason)});
    };
    const auto route = route_of_path(path);
    const ShopConfig* shop = route ? settings_.shop_by_route(*route) : nullptr;
    if (!shop) {
        answer(Code::order_not_found, "unknown notification route");
        return;
    }
    if (!shop->complete()) {
        // Not configured yet: a technical failure on our side, so InvoiceBox retries later.
        answer(Code::out_of_service, "shop not configured");
        return;
    }
    pr::NotificationSettings ns;
    ns.api_key = shop->api_key;
    ns.merchant_id = pr::MerchantId(shop->merchant_id);
    auto verified = pr::verify_notification(ns, raw_body, headers);
    if (!verified) {
        host_.log(LogLevel::warning, "notification rejected: " + verified.error().reason);
        answer(verified.error().reply, verified.error().reason);
        return;
    }
    if (verified->monitoring_probe) {
        answer(Code::success, "monitoring probe");
        return;
    }
    const auto& order = verified->order;
    try {
        auto link = repo_.find(order.merchant_order_id.str());
        if (!link)
            link = repo_.find_by_order_id(order.id.str());
        if (!link) {
            if (order.status.is_paid())
                record_suspense(nullptr, order, "unknown_order",
                                "в PMS нет ссылки с номером «" + order.merchant_order_id.str() + "»");
            host_.log(LogLevel::warning, "notification for unknown order " + order.id.str());
            answer(Code::order_not_found, "unknown order");
            return;
        }
        const auto code = apply_order(*link, order, Actor::notification, "");
        answer(code, "applied");
        if (link->posting == PostingState::pending)
            post_payment(link->merchant_order_id);
        changed(link->folio_id);
    } catch (const StoreError& e) {
        host_.log(LogLevel::error, std::string("notification not recorded: ") + e.what());
        answer(Code::out_of_service, "store failure");
    }
}

// ---- refresh, cancel -----------------------------------------------------------------------

void LinkService::refresh_folio(const std::string& folio_id, const StaffUser& staff, std::function<void(std::string)> done) {
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
    join->done = [this, alive, error, folio_id, done = std::move(done)] {
        if (!*alive)
            return;
        changed(folio_id);
        done(*error);
    };
    std::map<std::string, std::vector<pr::OrderId>> by_shop;
    for (const auto& l : links) {
        if (l.state == LinkState::creating && !creating_.count(l.merchant_order_id)) {
            auto client = client_for(l.merchant_id, l.legal_entity_id);
            auto req_json = pr::parse_json(l.create_request);
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
        } else if (!l.order_id.empty() && (l.posting == PostingState::none || amount_in_suspense(l))) {
            by_shop[l.merchant_id].push_back(pr::OrderId(l.order_id));
        }
        if (l.posting == PostingState::pending) {
            join->add();
            post_payment(l.merchant_order_id, [join] { join->release(); });
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
                    try {
                        for (const auto& order : items) {
                            auto link = repo_.find(order.merchant_order_id.str());
                            if (!link)
                                link = repo_.find_by_order_id(order.id.str());
                            if (!link)
                                continue;
                            apply_order(*link, order, Actor::refresh, staff.label());
                            if (link->posting == PostingState::pending) {
                                join->add();
                                post_payment(link->merchant_order_id, [join] { join->release(); });
                            }
                        }
                    } catch (const StoreError&) {
                        *error = "Не удалось записать статусы в базу PMS";
                        return false;
                    }
                    return true;
                },
                [alive, join, error](std::optional<pr::ApiError> e) {
                    if (!*alive)
                        return;
                    if (e && error->empty())
                        *error = describe_for_staff(*e);
                    join->release();
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
                     try {
                         auto link = repo_.find(moid);
                         if (!link) {
                             done("Ссылка пропала из базы PMS");
                             return;
                         }
                         if (!order) {
                             add_audit(*link, host_.now_utc_ms(), Actor::staff, staff.label(),
                                       "Отмена не выполнена: " + describe_for_staff(order.error()));
                             repo_.save(*link);
                             done(describe_for_staff(order.error()));
                             return;
                         }
                         add_audit(*link, host_.now_utc_ms(), Actor::staff, staff.label(), "Ссылка отменена сотрудником");
                         apply_order(*link, *order, Actor::staff, staff.label());
                         if (link->posting == PostingState::pending)
                             post_payment(moid);
                         changed(link->folio_id);
                         done("");
                     } catch (const StoreError&) {
                         done("Не удалось записать отмену в базу PMS");
                     }
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
    auto join = std::make_shared<Join>();
    join->done = [this, alive, done = std::move(done)] {
        if (!*alive)
            return;
        polling_ = false;
        if (done)
            done();
    };
    const auto now = host_.now_utc_ms();
    std::vector<LinkRecord> links;
    try {
        links = repo_.needing_attention();
    } catch (const StoreError&) {
        join->release();
        return;
    }
    std::map<std::string, std::vector<pr::OrderId>> by_shop;
    for (const auto& l : links) {
        if (l.state == LinkState::creating) {
            if (creating_.count(l.merchant_order_id))
                continue;
            auto client = client_for(l.merchant_id, l.legal_entity_id);
            auto req_json = pr::parse_json(l.create_request);
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
        if (l.posting == PostingState::pending) {
            join->add();
            post_payment(l.merchant_order_id, [join] { join->release(); });
        } else if (!l.order_id.empty() && l.posting == PostingState::none) {
            by_shop[l.merchant_id].push_back(pr::OrderId(l.order_id));
        }
        if (l.mail == MailState::pending && !mailing_.count(l.merchant_order_id) && l.posting == PostingState::none) {
            join->add();
            send_link_mail(l.merchant_order_id, actor, "", [join](std::string) { join->release(); });
        }
    }
    // Open links by id (their expiry and cancellation), in chunks of ids, each read to its end.
    for (auto& [merchant, ids] : by_shop) {
        auto client = client_for(merchant, "");
        if (!client)
            continue;
        for (std::size_t i = 0; i < ids.size(); i += ids_per_list_read) {
            pr::OrderFilter f;
            f.ids.assign(ids.begin() + static_cast<std::ptrdiff_t>(i),
                         ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + ids_per_list_read)));
            join->add();
            client->find_all_orders(
                std::move(f),
                [this, alive, join, actor](const std::vector<pr::Order>& items) {
                    if (!*alive)
                        return false;
                    std::set<std::string> folios; // one view update per folio and page, not per order
                    for (const auto& order : items) {
                        try {
                            auto link = repo_.find_by_order_id(order.id.str());
                            if (!link)
                                continue;
                            apply_order(*link, order, actor, "");
                            if (link->posting == PostingState::pending) {
                                join->add();
                                post_payment(link->merchant_order_id, [join] { join->release(); });
                            }
                            folios.insert(link->folio_id);
                        } catch (const StoreError&) {
                        }
                    }
                    for (const auto& folio : folios)
                        changed(folio);
                    return true;
                },
                [this, alive, join](std::optional<pr::ApiError> e) {
                    if (!*alive)
                        return;
                    if (e)
                        host_.log(LogLevel::warning, "poller: open links not read to the end: " + pr::describe(*e));
                    join->release();
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
        join->add();
        client->find_all_orders(
            std::move(f),
            [this, alive, join, actor, merchant, since](const std::vector<pr::Order>& items) {
                if (!*alive)
                    return false;
                std::int64_t page_max = 0;
                std::set<std::string> folios; // one view update per folio and page, not per order
                for (const auto& order : items) {
                    if (!order.status.is_paid())
                        continue;
                    page_max = std::max(page_max, to_ms(order.paid_at, 0));
                    try {
                        auto link = repo_.find(order.merchant_order_id.str());
                        if (!link)
                            link = repo_.find_by_order_id(order.id.str());
                        if (!link) {
                            if (repo_.is_ours(order.merchant_order_id.str()) && !repo_.find_suspense(order.id.str()))
                                record_suspense(nullptr, order, "unknown_order",
                                                "в PMS нет ссылки с номером «" + order.merchant_order_id.str() + "»");
                            continue;
                        }
                        if (link->posting != PostingState::none && !amount_in_suspense(*link))
                            continue;
                        apply_order(*link, order, actor, "");
                        if (link->posting == PostingState::pending) {
                            join->add();
                            post_payment(link->merchant_order_id, [join] { join->release(); });
                        }
                        folios.insert(link->folio_id);
                    } catch (const StoreError&) {
                        // Not recorded: the cursor stays where it was, and the next pass reads
                        // this page again.
                        host_.log(LogLevel::error, "poller: paid order " + order.id.str() + " not recorded");
                        for (const auto& folio : folios)
                            changed(folio);
                        return false;
                    }
                }
                for (const auto& folio : folios)
                    changed(folio);
                // Every report of the page is durably recorded (postings follow from the
                // records): only now may the cursor pass them. Whole seconds, never backwards.
                const std::int64_t cursor = page_max - page_max % 1000;
                if (cursor > since) {
                    try {
                        if (cursor > repo_.paid_cursor(merchant).value_or(0))
                            repo_.save_paid_cursor(merchant, cursor);
                    } catch (const StoreError&) {
                        return false;
                    }
                }
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
    if (++poll_count_ % 10 == 0 || actor == Actor::recovery)
        retry_suspense();
    join->release();
}

} // namespace invoicebox::plugin
