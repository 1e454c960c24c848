// Applying order reports and posting outcomes to a link (link_lifecycle.hpp). Pure.
#include <invoicebox/plugin/link_lifecycle.hpp>

#include <invoicebox/plugin/formatting.hpp>
#include <invoicebox/plugin/settings.hpp>

namespace invoicebox::plugin {

namespace pr = invoicebox::protocol;
using Code = pr::NotificationReplyCode;

namespace {

std::string by_of(const OrderReport& r) {
    if (!r.who.empty())
        return r.who;
    switch (r.source) {
    case ReportSource::notification: return "уведомление InvoiceBox";
    case ReportSource::poll_by_id:
    case ReportSource::poll_by_paid: return "фоновая проверка";
    case ReportSource::refresh: return "проверка статуса";
    case ReportSource::recovery: return "восстановление после перезапуска";
    case ReportSource::reconciliation: return "сверка с InvoiceBox";
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
constexpr std::string_view amount_mismatch_prefix = "сумма оплаты ";

std::string currency_mismatch_reason(const pr::Order& order, const LinkRecord& link) {
    return std::string(currency_mismatch_prefix) + "оплата " +
           format_money_ru(order.amount.minor, std::string(pr::alpha_code(order.currency()))) + " в валюте " +
           std::string(pr::alpha_code(order.currency())) + ", а ссылка в " + link.currency;
}

void audit(Transition& t, LinkRecord& link, std::int64_t at, Actor actor, std::string who, std::string what) {
    t.audit.push_back(AuditEntry{at, actor, who, what});
    add_audit(link, at, actor, std::move(who), std::move(what));
}

Effect next_effect(LinkRecord& link, Effect::Kind kind) {
    Effect e;
    e.kind = kind;
    e.owner = link.merchant_order_id;
    e.seq = ++link.effect_seq;
    return e;
}

StaffAlert suspense_alert(const SuspenseRecord& s) {
    StaffAlert a;
    a.level = StaffAlert::Level::error;
    a.dedupe_key = "suspense:" + s.order_id;
    a.title = "Оплата InvoiceBox не разнесена";
    a.body = "Получена оплата " + format_money_ru(s.amount_minor, s.currency) + " (заказ InvoiceBox " + s.order_id +
             (s.merchant_order_id.empty() ? "" : ", номер " + s.merchant_order_id) + ", дата " + s.business_date +
             "), но она не проведена в счёт: " + s.reason + ". Платёж сохранён в списке неразнесённых оплат.";
    a.folio_id = s.folio_id;
    return a;
}

/// A suspense entry for `order` with its staff alert: the alert goes to the link's effects when
/// there is a link, else to the entry's own. The same unresolved problem seen again keeps its
/// first business date and raises nothing new (the alert of the first sighting stands).
void hold_in_suspense(Transition& t, LinkRecord* link, const pr::Order& order, const std::string& folio_id,
                      std::string code, std::string reason, const LifecycleContext& ctx) {
    SuspenseRecord s;
    if (ctx.suspense && ctx.suspense->resolved && !ctx.suspense->resolution.empty())
        return; // staff already decided about this payment (suspense_service.hpp): never reopened
    const bool same = ctx.suspense && ctx.suspense->reason_code == code && !ctx.suspense->resolved;
    if (same && (!link || ctx.suspense->reason == reason))
        return; // already held for this very reason: nothing to write, nothing to raise
    if (ctx.suspense)
        s = *ctx.suspense; // keeps effect_seq (and the first business date when the problem is the same)
    if (!same) {
        s.order_id = order.id.str();
        s.merchant_order_id = order.merchant_order_id.str();
        s.amount_minor = order.amount.minor;
        s.currency = std::string(pr::alpha_code(order.currency()));
        s.received_at_ms = ctx.now_ms;
        s.business_date = format_local_date(ctx.now_ms, ctx.utc_offset_minutes);
        s.resolution.clear();
    }
    s.reason_code = std::move(code);
    s.reason = std::move(reason);
    s.resolved = false;
    s.folio_id = folio_id;
    Effect e;
    if (link) {
        e = next_effect(*link, Effect::Kind::raise_alert);
    } else {
        e.kind = Effect::Kind::raise_alert;
        e.owner = suspense_owner(s.order_id);
        e.seq = ++s.effect_seq;
    }
    e.alert = suspense_alert(s);
    t.effects.push_back(std::move(e));
    t.suspense = std::move(s);
}

bool held_for_amount(const LinkRecord& link, const LifecycleContext& ctx) {
    if (link.posting != PostingState::suspense || link.order_id.empty())
        return false;
    if (ctx.suspense && !ctx.suspense->resolved && ctx.suspense->order_id == link.order_id)
        return ctx.suspense->reason_code == "amount_mismatch" || ctx.suspense->reason_code == "currency_mismatch";
    return link.suspense_reason.rfind(amount_mismatch_prefix, 0) == 0 ||
           link.suspense_reason.rfind(currency_mismatch_prefix, 0) == 0;
}

StaffAlert paid_alert(const LinkRecord& link) {
    StaffAlert a;
    a.level = StaffAlert::Level::success;
    a.dedupe_key = "paid:" + link.order_id;
    a.title = "Оплата по ссылке InvoiceBox";
    a.body = "Получена оплата " + format_money_ru(link.paid_amount_minor, link.currency) + " по счёту " +
             link.folio_number + (link.booking_number.empty() ? "" : ", заявка №" + link.booking_number);
    a.folio_id = link.folio_id;
    return a;
}

} // namespace

std::string_view to_string(ReportSource s) noexcept {
    switch (s) {
    case ReportSource::notification: return "notification";
    case ReportSource::refresh: return "refresh";
    case ReportSource::poll_by_id: return "poll_by_id";
    case ReportSource::poll_by_paid: return "poll_by_paid";
    case ReportSource::recovery: return "recovery";
    case ReportSource::create_answer: return "create_answer";
    case ReportSource::staff_cancel: return "staff_cancel";
    case ReportSource::reconciliation: return "reconciliation";
    }
    return "?";
}

Actor actor_of(ReportSource s) noexcept {
    switch (s) {
    case ReportSource::notification: return Actor::notification;
    case ReportSource::refresh: return Actor::refresh;
    case ReportSource::poll_by_id:
    case ReportSource::poll_by_paid: return Actor::poll;
    case ReportSource::recovery: return Actor::recovery;
    case ReportSource::create_answer: return Actor::system;
    case ReportSource::staff_cancel: return Actor::staff;
    case ReportSource::reconciliation: return Actor::poll;
    }
    return Actor::system;
}

std::string_view to_string(Effect::Kind k) noexcept {
    switch (k) {
    case Effect::Kind::post_payment: return "post_payment";
    case Effect::Kind::raise_alert: return "raise_alert";
    case Effect::Kind::resolve_alert: return "resolve_alert";
    case Effect::Kind::send_mail: return "send_mail";
    }
    return "?";
}

std::string_view to_string(PostOutcome o) noexcept {
    switch (o) {
    case PostOutcome::posted: return "posted";
    case PostOutcome::repeat: return "repeat";
    case PostOutcome::folio_missing: return "folio_missing";
    case PostOutcome::folio_closed: return "folio_closed";
    case PostOutcome::no_mapping: return "no_mapping";
    case PostOutcome::currency_mismatch: return "currency_mismatch";
    case PostOutcome::conflict: return "conflict";
    case PostOutcome::rejected: return "rejected";
    case PostOutcome::failed: return "failed";
    }
    return "?";
}

std::string suspense_owner(std::string_view order_id) { return "S-" + std::string(order_id); }

std::string payment_idempotency_key(std::string_view order_id) {
    return std::string(plugin_id) + ":payment:" + std::string(order_id);
}

Effect payment_effect(LinkRecord& link) {
    Effect e = next_effect(link, Effect::Kind::post_payment);
    auto& p = e.posting;
    p.folio_id = link.folio_id;
    p.amount_minor = link.paid_amount_minor;
    p.currency = link.currency;
    p.kind = "payment";
    p.idempotency_key = payment_idempotency_key(link.order_id);
    p.provider_reference = link.order_id;
    // The number the guest and InvoiceBox's page show (merchantOrderIdVisible: the folio number),
    // not our internal merchantOrderId; the InvoiceBox order id stays in provider_reference.
    p.description = "Оплата по ссылке InvoiceBox, заказ №" +
                    (link.folio_number.empty() ? link.merchant_order_id : link.folio_number);
    p.occurred_at_utc_ms = link.paid_at_ms;
    return e;
}

bool report_reads_suspense(const OrderReport& report) noexcept { return report.order.status.is_paid(); }

bool report_changes_nothing(const OpenLinkEntry& e, ReportSource source, const pr::OrderGlance& order) noexcept {
    // Each condition mirrors a branch of apply_report below that would write something.
    return source != ReportSource::staff_cancel                    // writes its audit line
           && !order.status.is_paid()                                   // posts or holds
           && e.merchant_order_id == order.merchant_order_id.str()      // the link plan_receive finds
           && !e.order_id.empty() && e.order_id == order.id.str()       // adopts the order
           && e.state == LinkState::open                                // reopens the link
           && e.posting == PostingState::none && e.mail != MailState::pending
           && e.has_payment_url                                         // learns the payment URL
           && e.ib_status == order.status.wire()                        // a status change
           && !e.awaiting_mail;                                         // queues the guest's mail
}

Transition apply_report(const std::optional<LinkRecord>& found, const OrderReport& rep, const LifecycleContext& ctx) {
    Transition t;
    const auto& order = rep.order;
    // Every read of ctx.suspense below is under `paid` (report_reads_suspense()).
    const bool paid = order.status.is_paid();
    if (!found) {
        // Money for an order we hold no link of is never dropped: a notification names it, or
        // the poller finds an order under our prefix (a link lost with a data folder).
        if (paid && (rep.source == ReportSource::notification || ctx.order_is_ours))
            hold_in_suspense(t, nullptr, order, "", "unknown_order",
                             "в PMS нет ссылки с номером «" + order.merchant_order_id.str() + "»", ctx);
        t.reply = Code::order_not_found;
        return t;
    }
    LinkRecord link = *found;
    if (!link.merchant_id.empty() && !order.merchant_id.str().empty() && order.merchant_id.str() != link.merchant_id) {
        // The link was made in one shop and the report speaks for another (shops re-bound, or a
        // number reused across shops): the money went to that other seller, so it is never posted
        // as this link's payment and never changes the link; staff settle it by hand.
        if (paid)
            hold_in_suspense(t, nullptr, order, "", "other_shop",
                             "заказ оплачен в магазине " + order.merchant_id.str() + ", а ссылка " +
                                 link.merchant_order_id + " создана в магазине " + link.merchant_id,
                             ctx);
        t.reply = Code::order_not_found;
        return t;
    }
    const auto now = ctx.now_ms;
    const Actor actor = actor_of(rep.source);
    const std::string by = by_of(rep);
    const std::string currency(pr::alpha_code(order.currency()));
    bool dirty = false;
    auto finish = [&](Code c) {
        if (dirty || !t.effects.empty())
            t.link = std::move(link);
        t.reply = c;
        return std::move(t);
    };

    if (link.order_id.empty()) {
        if (order.amount.minor != link.amount_minor || currency != link.currency) {
            // An order under our merchantOrderId with another amount is never adopted.
            if (paid) {
                if (currency != link.currency)
                    hold_in_suspense(t, nullptr, order, "", "currency_mismatch", currency_mismatch_reason(order, link), ctx);
                else
                    hold_in_suspense(t, nullptr, order, "", "amount_mismatch",
                                     "сумма заказа " + format_money_ru(order.amount.minor, currency) +
                                         " не совпадает с суммой ссылки " + format_money_ru(link.amount_minor, link.currency),
                                     ctx);
            }
            t.reply = Code::order_wrong_amount;
            return t;
        }
        link.order_id = order.id.str();
        link.payment_url = order.payment_url.value_or("");
        audit(t, link, now, actor, by, "Заказ создан в InvoiceBox: " + link.order_id);
        dirty = true;
    } else if (link.order_id != order.id.str()) {
        if (paid) {
            hold_in_suspense(t, nullptr, order, "", "other_order",
                             "ссылка " + link.merchant_order_id + " уже связана с другим заказом InvoiceBox " + link.order_id,
                             ctx);
            t.reply = Code::order_already_paid;
            return t;
        }
        t.reply = Code::order_not_found;
        return t;
    }
    if (rep.source == ReportSource::staff_cancel) {
        // InvoiceBox answered the staff cancel with the order: the staff action heads the trail,
        // the status change it caused follows.
        audit(t, link, now, actor, by, "Ссылка отменена сотрудником");
        dirty = true;
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

    if (paid) {
        const bool amount_matches = order.amount.minor == link.amount_minor && currency == link.currency;
        if (link.posting != PostingState::none) {
            if (!amount_matches || !held_for_amount(link, ctx))
                // A duplicate of what is already recorded; a wrong amount is refused again and
                // changes nothing (the first one is in suspense, or the right one is posted).
                return finish(amount_matches ? Code::success : Code::order_wrong_amount);
            // Held back for a wrong amount, and now InvoiceBox reports this order paid with the
            // link's amount: post it (once, keyed on the order id) and close the suspense entry.
            const std::string was = link.suspense_reason;
            link.ib_status = order.status.wire();
            link.paid_at_ms = to_ms(order.paid_at, now);
            link.paid_amount_minor = order.amount.minor;
            link.posting = PostingState::pending;
            link.suspense_reason.clear();
            audit(t, link, now, actor, by,
                  "Оплачено " + format_money_ru(order.amount.minor, currency) +
                      ": сумма совпадает со ссылкой; запись о расхождении (" + was +
                      ") закрыта в списке неразнесённых оплат");
            if (ctx.suspense && !ctx.suspense->resolved) {
                auto s = *ctx.suspense;
                s.resolved = true;
                t.suspense = std::move(s);
            }
            auto resolve = next_effect(link, Effect::Kind::resolve_alert);
            resolve.alert.dedupe_key = "suspense:" + link.order_id;
            t.effects.push_back(std::move(resolve));
            t.effects.push_back(payment_effect(link));
            dirty = true;
            return finish(Code::success);
        }
        const std::string prev = link.ib_status;
        link.ib_status = order.status.wire();
        link.paid_at_ms = to_ms(order.paid_at, now);
        link.paid_amount_minor = order.amount.minor;
        dirty = true;
        if (!amount_matches) {
            // Architecture §8 "Currency mismatch": InvoiceBox documents no order_wrong_currency,
            // so a payment in another currency is held in the unposted list with reason «валюта»
            // and answered with the documented order_wrong_amount (§5.4: "compare amount (and
            // currency) … otherwise answer order_wrong_amount"), which InvoiceBox does not retry.
            const bool wrong_currency = currency != link.currency;
            link.posting = PostingState::suspense;
            link.suspense_reason = wrong_currency ? currency_mismatch_reason(order, link)
                                                  : std::string(amount_mismatch_prefix) +
                                                        format_money_ru(order.amount.minor, currency) +
                                                        " не совпадает с суммой ссылки " +
                                                        format_money_ru(link.amount_minor, link.currency);
            audit(t, link, now, actor, by, "Оплата не проведена: " + link.suspense_reason);
            hold_in_suspense(t, &link, order, link.folio_id, wrong_currency ? "currency_mismatch" : "amount_mismatch",
                             link.suspense_reason, ctx);
            return finish(Code::order_wrong_amount);
        }
        link.posting = PostingState::pending;
        const bool late = prev == "expired" || prev == "canceled";
        audit(t, link, now, actor, by,
              "Оплачено " + format_money_ru(order.amount.minor, currency) +
                  (late ? " (поздняя оплата: ссылка была " + std::string(prev == "expired" ? "истёкшей" : "отменённой") + ")"
                        : ""));
        t.effects.push_back(payment_effect(link));
        return finish(Code::success);
    }

    if (link.posting != PostingState::none || link.ib_status == "completed")
        // Out of order: a paid link never goes back to an unpaid status.
        return finish(Code::success);
    if (link.ib_status != order.status.wire()) {
        const std::string prev = link.ib_status;
        link.ib_status = order.status.wire();
        audit(t, link, now, actor, by,
              "Статус InvoiceBox: " + (prev.empty() ? std::string("—") : prev) + " → " + link.ib_status);
        dirty = true;
        if (link.ib_status == "expired") {
            auto e = next_effect(link, Effect::Kind::raise_alert);
            e.alert.level = StaffAlert::Level::info;
            e.alert.dedupe_key = "expired:" + link.merchant_order_id;
            e.alert.title = "Срок ссылки на оплату истёк";
            e.alert.body = "Ссылка на " + format_money_ru(link.amount_minor, link.currency) + " по счёту " +
                           link.folio_number + (link.booking_number.empty() ? "" : ", заявка №" + link.booking_number) +
                           " не оплачена и истекла. При необходимости создайте новую.";
            e.alert.folio_id = link.folio_id;
            t.effects.push_back(std::move(e));
        }
    }
    // The first time the order is known to be open, the guest gets the link by mail (when staff
    // asked for it): recorded with the open state, so it is sent once even across a crash.
    if (link.send_mail && link.mail == MailState::none && link.posting == PostingState::none &&
        !link.payment_url.empty() && !link.guest_email.empty() && link.is_open_unpaid()) {
        link.mail = MailState::pending;
        auto e = next_effect(link, Effect::Kind::send_mail);
        e.actor = actor;
        e.who = rep.who;
        t.effects.push_back(std::move(e));
        dirty = true;
    }
    return finish(Code::success);
}

Transition apply_posting(const LinkRecord& found, PostOutcome outcome, const PostingResult& res,
                         const LifecycleContext& ctx) {
    Transition t;
    if (found.posting != PostingState::pending || outcome == PostOutcome::failed)
        return t;
    LinkRecord link = found;
    const auto now = ctx.now_ms;
    if (outcome == PostOutcome::posted || outcome == PostOutcome::repeat) {
        link.posting = PostingState::posted;
        link.posting_id = res.posting_id;
        link.posting_category = res.category;
        link.posting_type = res.type;
        audit(t, link, now, Actor::system, "",
              "Платёж проведён в счёт " + link.folio_number + " (" + res.posting_id +
                  (res.category.empty() ? "" : ", " + res.category + " / " + res.type) + ")" +
                  (outcome == PostOutcome::repeat ? ", повтор без двойного проведения" : ""));
        // A suspense alert exists only with an open suspense entry (a retried closed folio, …):
        // only then is there one to resolve.
        if (ctx.suspense && !ctx.suspense->resolved) {
            auto resolve = next_effect(link, Effect::Kind::resolve_alert);
            resolve.alert.dedupe_key = "suspense:" + link.order_id;
            t.effects.push_back(std::move(resolve));
        }
        auto alert = next_effect(link, Effect::Kind::raise_alert);
        alert.alert = paid_alert(link);
        audit(t, link, now, Actor::system, "", "Уведомление сотрудникам: «" + alert.alert.title + "»");
        t.effects.push_back(std::move(alert));
        if (ctx.suspense && !ctx.suspense->resolved) {
            auto s = *ctx.suspense;
            s.resolved = true;
            t.suspense = std::move(s);
        }
        t.link = std::move(link);
        return t;
    }
    std::string code;
    std::string reason;
    switch (outcome) {
    case PostOutcome::folio_closed:
        code = "folio_closed";
        reason = "счёт " + link.folio_number + " закрыт";
        break;
    case PostOutcome::no_mapping:
        code = "no_mapping";
        reason = "не настроено сопоставление вида оплаты «Оплата по ссылке InvoiceBox» с типом оплаты PMS";
        break;
    case PostOutcome::currency_mismatch:
        code = "currency_mismatch";
        reason = "валюта оплаты не совпадает с валютой счёта";
        break;
    case PostOutcome::folio_missing:
        code = "folio_not_found";
        reason = "счёт " + link.folio_id + " не найден";
        break;
    case PostOutcome::conflict:
        code = "posting_conflict";
        reason = "в PMS уже есть другая проводка с этим ключом";
        break;
    default:
        code = "posting_refused";
        reason = "PMS отклонила проводку";
    }
    if (!res.error_message.empty())
        reason += " (" + res.error_message + ")";
    link.posting = PostingState::suspense;
    link.suspense_reason = reason;
    audit(t, link, now, Actor::system, "", "Оплата не проведена: " + reason);
    pr::Order o;
    o.id = pr::OrderId(link.order_id);
    o.merchant_order_id = pr::MerchantOrderId(link.merchant_order_id);
    o.amount = pr::Money::of(link.paid_amount_minor, pr::currency_from_alpha(link.currency).value_or(pr::Currency::rub));
    hold_in_suspense(t, &link, o, link.folio_id, std::move(code), std::move(reason), ctx);
    t.link = std::move(link);
    return t;
}

std::optional<Transition> retry_posting(const LinkRecord& found, const LifecycleContext& ctx) {
    if (found.posting != PostingState::suspense || found.order_id.empty() || !ctx.suspense || ctx.suspense->resolved)
        return std::nullopt;
    const auto& code = ctx.suspense->reason_code;
    if (code != "no_mapping" && code != "folio_closed" && code != "folio_not_found")
        return std::nullopt;
    if (!ctx.suspense->resolution.empty())
        return std::nullopt; // staff are resolving it by hand
    Transition t;
    LinkRecord link = found;
    link.posting = PostingState::pending;
    audit(t, link, ctx.now_ms, Actor::system, "", "Повторная попытка провести оплату");
    t.effects.push_back(payment_effect(link));
    t.link = std::move(link);
    return t;
}

std::optional<Transition> resume_posting(const LinkRecord& found, const LifecycleContext&) {
    if (found.posting != PostingState::pending || found.order_id.empty())
        return std::nullopt;
    Transition t;
    LinkRecord link = found;
    t.effects.push_back(payment_effect(link));
    t.link = std::move(link);
    return t;
}

// ---- refunds ------------------------------------------------------------------------------------

namespace {

Effect next_refund_effect(RefundRecord& r, Effect::Kind kind) {
    Effect e;
    e.kind = kind;
    e.owner = refund_owner(r.merchant_order_id);
    e.seq = ++r.effect_seq;
    return e;
}

std::string refund_words(const RefundRecord& r) {
    return format_money_ru(r.amount_minor, r.currency) + (r.cabinet ? " (из кабинета InvoiceBox)" : "");
}

} // namespace

std::string refund_owner(std::string_view refund_moid) { return "R:" + std::string(refund_moid); }

bool is_refund_owner(std::string_view owner) noexcept { return owner.rfind("R:", 0) == 0; }

std::string refund_idempotency_key(std::string_view refund_id) {
    return std::string(plugin_id) + ":refund:" + std::string(refund_id);
}

Effect refund_effect(RefundRecord& r) {
    Effect e = next_refund_effect(r, Effect::Kind::post_payment);
    auto& p = e.posting;
    p.folio_id = r.folio_id;
    p.amount_minor = r.amount_minor; // positive: the host books the outgoing kind as negative
    p.currency = r.currency;
    p.kind = "refund";
    p.idempotency_key = refund_idempotency_key(r.refund_id);
    p.provider_reference = r.refund_id;
    p.description = "Возврат по ссылке InvoiceBox, заказ №" + (r.folio_number.empty() ? r.link_moid : r.folio_number);
    p.occurred_at_utc_ms = r.completed_at_ms;
    return e;
}

Transition apply_refund_report(const std::optional<RefundRecord>& found, const LinkRecord& found_link,
                               const RefundReport& rep, const LifecycleContext& ctx) {
    Transition t;
    const auto& ib = rep.refund;
    const auto now = ctx.now_ms;
    const std::string currency(pr::alpha_code(ib.amount.currency));
    LinkRecord link = found_link;
    RefundRecord r;
    bool dirty = false;
    if (!found) {
        // Not recorded by the plugin: made in InvoiceBox's cabinet (or recorded by a data folder
        // that is gone). Adopted as it is, so the folio agrees with InvoiceBox.
        if (link.order_id.empty() || ib.parent_id.str() != link.order_id)
            return t;
        r.merchant_order_id = ib.merchant_order_id.str();
        r.link_moid = link.merchant_order_id;
        r.parent_order_id = link.order_id;
        r.refund_id = ib.id.str();
        r.folio_id = link.folio_id;
        r.folio_number = link.folio_number;
        r.merchant_id = link.merchant_id;
        r.amount_minor = ib.amount.minor;
        r.vat_amount_minor = ib.vat_amount ? ib.vat_amount->minor : 0;
        r.currency = currency;
        r.reason = ib.description.value_or("");
        r.cabinet = true;
        r.created_by = "кабинет InvoiceBox";
        r.created_at_ms = now;
        r.state = RefundState::created;
        audit(t, link, now, Actor::poll, "кабинет InvoiceBox",
              "Возврат " + format_money_ru(r.amount_minor, r.currency) + " сделан в кабинете InvoiceBox" +
                  (r.reason.empty() ? "" : ": " + r.reason));
        dirty = true;
    } else {
        r = *found;
        if (r.refund_id.empty()) {
            // Our create, answered now (or found by the lookup): adopted only when it is the
            // refund we asked for.
            if (ib.parent_id.str() != r.parent_order_id || ib.amount.minor != r.amount_minor || currency != r.currency) {
                t.reply = Code::order_wrong_amount;
                return t;
            }
            r.refund_id = ib.id.str();
            audit(t, link, now, actor_of(rep.source), by_of(OrderReport{rep.source, {}, rep.who}),
                  "Возврат " + refund_words(r) + " принят InvoiceBox: " + r.refund_id);
            dirty = true;
        } else if (r.refund_id != ib.id.str()) {
            t.reply = Code::order_not_found;
            return t;
        }
    }
    const std::string status = ib.status.wire();
    const std::string by = r.cabinet && rep.who.empty() ? std::string("кабинет InvoiceBox") : by_of(OrderReport{rep.source, {}, rep.who});
    const Actor actor = actor_of(rep.source);
    if (r.state == RefundState::creating || r.state == RefundState::failed) {
        // InvoiceBox has it: whatever we thought, the refund exists (a lookup found it late).
        r.state = RefundState::created;
        r.error_message.clear();
        dirty = true;
    }
    if (r.ib_status != status) {
        r.ib_status = status;
        dirty = true;
    }
    if (status == "completed" && r.state != RefundState::completed && r.state != RefundState::canceled) {
        r.state = RefundState::completed;
        r.completed_at_ms = now;
        r.posting = PostingState::pending;
        audit(t, link, now, actor, by, "Возврат " + refund_words(r) + " выполнен InvoiceBox");
        t.effects.push_back(refund_effect(r));
        dirty = true;
    } else if (status == "canceled" && r.state != RefundState::completed && r.state != RefundState::canceled) {
        // The bank refused. InvoiceBox documents no reason field: the status is all we know.
        r.state = RefundState::canceled;
        r.error_message = "InvoiceBox отменил возврат (статус canceled)";
        audit(t, link, now, actor, by, "Возврат " + refund_words(r) + " не выполнен: " + r.error_message);
        auto e = next_refund_effect(r, Effect::Kind::raise_alert);
        e.alert.level = StaffAlert::Level::warning;
        e.alert.dedupe_key = "refund-failed:" + r.refund_id;
        e.alert.title = "Возврат InvoiceBox не выполнен";
        e.alert.body = "Возврат " + format_money_ru(r.amount_minor, r.currency) + " по счёту " + r.folio_number +
                       " не выполнен: " + r.error_message + ". Деньги гостю не возвращены, в счёт ничего не проведено";
        e.alert.folio_id = r.folio_id;
        t.effects.push_back(std::move(e));
        dirty = true;
    }
    if (dirty) {
        t.refund = std::move(r);
        if (!t.audit.empty())
            t.link = std::move(link);
    }
    return t;
}

Transition apply_refund_posting(const RefundRecord& found, const LinkRecord& found_link, PostOutcome outcome,
                                const PostingResult& res, const LifecycleContext& ctx) {
    Transition t;
    if (found.posting != PostingState::pending || outcome == PostOutcome::failed)
        return t;
    RefundRecord r = found;
    LinkRecord link = found_link;
    const auto now = ctx.now_ms;
    if (outcome == PostOutcome::posted || outcome == PostOutcome::repeat) {
        r.posting = PostingState::posted;
        r.posting_id = res.posting_id;
        audit(t, link, now, Actor::system, "",
              "Возврат " + refund_words(r) + " проведён в счёт " + r.folio_number + " (" + res.posting_id + ")" +
                  (outcome == PostOutcome::repeat ? ", повтор без двойного проведения" : ""));
        if (!r.suspense_code.empty()) {
            // Held before (no mapping, closed folio): its alert is answered now.
            auto resolve = next_refund_effect(r, Effect::Kind::resolve_alert);
            resolve.alert.dedupe_key = "refund-unposted:" + r.refund_id;
            t.effects.push_back(std::move(resolve));
            r.suspense_code.clear();
            r.suspense_reason.clear();
        }
        auto e = next_refund_effect(r, Effect::Kind::raise_alert);
        e.alert.level = StaffAlert::Level::info;
        e.alert.dedupe_key = "refund:" + r.refund_id;
        e.alert.title = "Возврат по ссылке InvoiceBox";
        e.alert.body = "Возврат " + format_money_ru(r.amount_minor, r.currency) + " по счёту " + r.folio_number +
                       (link.booking_number.empty() ? "" : ", заявка №" + link.booking_number) +
                       (r.cabinet ? " (сделан в кабинете InvoiceBox)" : "");
        e.alert.folio_id = r.folio_id;
        t.effects.push_back(std::move(e));
    } else {
        std::string reason;
        switch (outcome) {
        case PostOutcome::folio_closed:
            r.suspense_code = "folio_closed";
            reason = "счёт " + r.folio_number + " закрыт";
            break;
        case PostOutcome::no_mapping:
            r.suspense_code = "no_mapping";
            reason = "не настроено сопоставление вида оплаты «Возврат InvoiceBox» с типом оплаты PMS";
            break;
        case PostOutcome::folio_missing:
            r.suspense_code = "folio_not_found";
            reason = "счёт " + r.folio_id + " не найден";
            break;
        case PostOutcome::conflict:
            r.suspense_code = "posting_conflict";
            reason = "в PMS уже есть другая проводка с этим ключом";
            break;
        default:
            r.suspense_code = "posting_refused";
            reason = "PMS отклонила проводку";
        }
        if (!res.error_message.empty())
            reason += " (" + res.error_message + ")";
        r.posting = PostingState::suspense;
        r.suspense_reason = reason;
        audit(t, link, now, Actor::system, "", "Возврат " + refund_words(r) + " не проведён в счёт: " + reason);
        auto e = next_refund_effect(r, Effect::Kind::raise_alert);
        e.alert.level = StaffAlert::Level::error;
        e.alert.dedupe_key = "refund-unposted:" + r.refund_id;
        e.alert.title = "Возврат InvoiceBox не проведён";
        e.alert.body = "Возврат " + format_money_ru(r.amount_minor, r.currency) + " по счёту " + r.folio_number +
                       " выполнен InvoiceBox, но не проведён в счёт: " + reason + ". Проведите его вручную";
        e.alert.folio_id = r.folio_id;
        t.effects.push_back(std::move(e));
    }
    t.refund = std::move(r);
    t.link = std::move(link);
    return t;
}

std::optional<Transition> retry_refund_posting(const RefundRecord& found, const LinkRecord& found_link,
                                               const LifecycleContext& ctx) {
    if (found.posting != PostingState::suspense || found.refund_id.empty())
        return std::nullopt;
    const auto& code = found.suspense_code;
    if (code != "no_mapping" && code != "folio_closed" && code != "folio_not_found")
        return std::nullopt;
    Transition t;
    RefundRecord r = found;
    LinkRecord link = found_link;
    r.posting = PostingState::pending;
    audit(t, link, ctx.now_ms, Actor::system, "", "Повторная попытка провести возврат " + refund_words(r));
    t.effects.push_back(refund_effect(r));
    t.refund = std::move(r);
    t.link = std::move(link);
    return t;
}

} // namespace invoicebox::plugin
