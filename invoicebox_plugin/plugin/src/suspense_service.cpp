// Resolving unposted payments (suspense_service.hpp).
#include <invoicebox/plugin/suspense_service.hpp>

#include <invoicebox/plugin/folio.hpp>
#include <invoicebox/plugin/formatting.hpp>
#include <invoicebox/plugin/link_service.hpp>
#include <invoicebox/plugin/reconciliation.hpp>
#include <invoicebox/plugin/settings.hpp>

#include <invoicebox/protocol/json_writer.hpp>

#include <boost/json.hpp>

#include <algorithm>

namespace invoicebox::plugin {

namespace bj = boost::json;
namespace pr = invoicebox::protocol;

namespace {

void audit_s(SuspenseRecord& s, std::int64_t at, Actor actor, std::string who, std::string what) {
    s.audit.push_back(AuditEntry{at, actor, std::move(who), std::move(what)});
    if (s.audit.size() > max_audit_entries)
        s.audit.erase(s.audit.begin());
}

Effect owner_effect(SuspenseRecord& s, Effect::Kind kind) {
    Effect e;
    e.kind = kind;
    e.owner = suspense_owner(s.order_id);
    e.seq = ++s.effect_seq;
    return e;
}

std::string trim(std::string v) {
    const auto b = v.find_first_not_of(" \t\r\n");
    if (b == std::string::npos)
        return {};
    const auto e = v.find_last_not_of(" \t\r\n");
    return v.substr(b, e - b + 1);
}

/// Row keys must match ^[A-Za-z0-9_.:-]{1,64}$ (view-v1.md); order ids are UUIDs.
bool valid_row_key(std::string_view k) {
    if (k.empty() || k.size() > 64)
        return false;
    return std::all_of(k.begin(), k.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
               c == ':' || c == '-';
    });
}

} // namespace

std::string suspense_idempotency_key(std::string_view order_id) {
    return std::string(plugin_id) + ":suspense:" + std::string(order_id);
}

std::string suspense_reason_label(const SuspenseRecord& s) {
    const auto& c = s.reason_code;
    if (c == "currency_mismatch")
        return "валюта";
    if (c == "amount_mismatch")
        return "сумма не совпадает";
    if (c == "unknown_order")
        return "неизвестный заказ";
    if (c == "other_order")
        return "другой заказ ссылки";
    if (c == "other_shop")
        return "другой магазин";
    if (c == "folio_closed")
        return "счёт закрыт";
    if (c == "folio_not_found")
        return "счёт не найден";
    if (c == "no_mapping")
        return "нет сопоставления вида оплаты";
    if (c == "posting_conflict")
        return "конфликт ключа проводки";
    return "не проведено";
}

SuspenseDecision decide_post(const SuspenseRecord& entry, const std::string& target_folio_id, bool target_exists,
                             bool target_closed, const std::string& comment_in, const std::string& staff, std::int64_t now) {
    SuspenseDecision d;
    const auto comment = trim(comment_in);
    if (entry.resolved) {
        d.message = "Платёж уже разнесён или закрыт";
        return d;
    }
    if (entry.resolution == "posting") {
        d.message = "Платёж уже проводится на счёт " + entry.target_folio_id;
        return d;
    }
    if (trim(target_folio_id).empty())
        d.field_errors["folio_id"] = "Укажите счёт, на который провести платёж";
    else if (!target_exists)
        d.field_errors["folio_id"] = "Счёт " + target_folio_id + " не найден";
    else if (target_closed)
        d.field_errors["folio_id"] = "Счёт " + target_folio_id + " закрыт: выберите открытый счёт";
    if (comment.empty())
        d.field_errors["comment"] = "Укажите комментарий: почему платёж проводится на этот счёт";
    if (!d.field_errors.empty()) {
        d.message = "Проверьте выделенные поля";
        return d;
    }
    SuspenseRecord s = entry;
    s.resolution = "posting";
    s.target_folio_id = trim(target_folio_id);
    s.resolved_by = staff;
    s.resolution_comment = comment;
    s.resolved_at_ms = now;
    audit_s(s, now, Actor::staff, staff,
            "Провести на счёт " + s.target_folio_id + " " + format_money_ru(s.amount_minor, s.currency) + ": " + comment);
    // The amount is what the guest paid, never what the link asked for.
    Effect e = owner_effect(s, Effect::Kind::post_payment);
    e.posting.folio_id = s.target_folio_id;
    e.posting.amount_minor = s.amount_minor;
    e.posting.currency = s.currency.empty() ? "RUB" : s.currency;
    e.posting.kind = "payment";
    e.posting.idempotency_key = suspense_idempotency_key(s.order_id);
    e.posting.provider_reference = s.order_id;
    e.posting.description = "Оплата InvoiceBox, заказ " + s.order_id + ", разнесена сотрудником: " + comment;
    e.posting.occurred_at_utc_ms = s.received_at_ms;
    Transition t;
    t.effects.push_back(std::move(e));
    t.suspense = std::move(s);
    d.transition = std::move(t);
    return d;
}

SuspenseDecision decide_close(const SuspenseRecord& entry, const std::optional<LinkRecord>& link, const std::string& reason_in,
                              const std::string& staff, std::int64_t now) {
    SuspenseDecision d;
    const auto reason = trim(reason_in);
    if (entry.resolved) {
        d.message = "Платёж уже разнесён или закрыт";
        return d;
    }
    if (entry.resolution == "posting") {
        d.message = "Платёж уже проводится на счёт " + entry.target_folio_id;
        return d;
    }
    if (reason.empty()) {
        d.field_errors["reason"] = "Укажите причину: почему платёж не проводится";
        d.message = "Проверьте выделенные поля";
        return d;
    }
    SuspenseRecord s = entry;
    s.resolved = true;
    s.resolution = "closed";
    s.resolved_by = staff;
    s.resolution_comment = reason;
    s.resolved_at_ms = now;
    audit_s(s, now, Actor::staff, staff, "Закрыто без проведения: " + reason);
    Transition t;
    Effect resolve = owner_effect(s, Effect::Kind::resolve_alert);
    resolve.alert.dedupe_key = "suspense:" + s.order_id;
    t.effects.push_back(std::move(resolve));
    if (link && link->order_id == s.order_id && link->posting == PostingState::suspense) {
        LinkRecord l = *link;
        l.suspense_reason = "закрыто без проведения: " + reason;
        add_audit(l, now, Actor::staff, staff, "Неразнесённая оплата закрыта без проведения: " + reason);
        t.link = std::move(l);
    }
    t.suspense = std::move(s);
    d.transition = std::move(t);
    return d;
}

std::optional<Transition> apply_suspense_posting(const SuspenseRecord& entry, const std::optional<LinkRecord>& link,
                                                 PostOutcome outcome, const PostingResult& r, std::int64_t now) {
    if (outcome == PostOutcome::failed)
        return std::nullopt;
    Transition t;
    SuspenseRecord s = entry;
    if (s.resolution != "posting") {
        t.suspense = std::move(s); // stale (already recorded): only the effect's removal is left
        return t;
    }
    if (outcome == PostOutcome::posted || outcome == PostOutcome::repeat) {
        s.resolution = "posted";
        s.resolved = true;
        s.posting_id = r.posting_id;
        audit_s(s, now, Actor::system, "",
                "Проведено в счёт " + s.target_folio_id + " (" + r.posting_id + ")" +
                    (outcome == PostOutcome::repeat ? ", повтор без двойного проведения" : ""));
        Effect resolve = owner_effect(s, Effect::Kind::resolve_alert);
        resolve.alert.dedupe_key = "suspense:" + s.order_id;
        t.effects.push_back(std::move(resolve));
        if (link && link->order_id == s.order_id && link->posting == PostingState::suspense) {
            LinkRecord l = *link;
            l.posting = PostingState::posted;
            l.posting_id = r.posting_id;
            l.posting_category = r.category;
            l.posting_type = r.type;
            l.suspense_reason.clear();
            add_audit(l, now, Actor::staff, s.resolved_by,
                      "Неразнесённая оплата проведена сотрудником в счёт " + s.target_folio_id + " (" + r.posting_id +
                          "): " + s.resolution_comment);
            t.link = std::move(l);
        }
        t.suspense = std::move(s);
        return t;
    }
    // Refused by the host: the entry is open again; the reason stays in its trail.
    s.resolution.clear();
    audit_s(s, now, Actor::system, "",
            "Не проведено в счёт " + s.target_folio_id + ": " + std::string(to_string(outcome)) +
                (r.error_message.empty() ? "" : " (" + r.error_message + ")"));
    t.suspense = std::move(s);
    return t;
}

// ---- the page ----------------------------------------------------------------------------------

namespace {

Notice done_notice(const ReconciliationReport& r) {
    const auto differences = r.differences();
    int posted = 0;
    for (const auto& shop : r.shops)
        posted += shop.posted_now;
    std::string text = differences == 0 ? "Расхождений нет" : "Расхождений: " + std::to_string(differences);
    if (posted > 0)
        text += "; проведено сверкой: " + std::to_string(posted);
    if (!r.complete())
        return {"warning", "Сверка выполнена не полностью", text};
    return {differences == 0 ? "success" : "warning", "Сверка выполнена", text};
}

} // namespace

std::string render_suspense_page(const SuspensePageModel& m) {
    pr::JsonWriter w(pr::JsonWriteOptions{.escape_slash = false});
    w.begin_object().member("schema", "pms.view/1").member("title", suspense_page_title).member("size", "large");
    w.key("elements").begin_array();
    for (const auto& n : m.notices) {
        w.begin_object().member("type", "notice").member("level", n.level);
        if (!n.title.empty())
            w.member("title", n.title);
        w.member("text", n.text).end_object();
    }
    if (m.reconciliation) {
        write_reconciliation_screen(w, *m.reconciliation);
        w.end_array(); // elements
        w.key("buttons").begin_array();
        w.begin_object().member("id", "run_reconciliation").member("label", "Сверить с InvoiceBox").member("style", "primary")
            .member_bool("submit", true).end_object();
        w.begin_object().member("id", "back").member("label", "Назад").end_object();
        w.end_array();
        w.end_object();
        return w.take();
    }
    const SuspenseRecord* chosen = nullptr;
    for (const auto& s : m.items)
        if (s.order_id == m.form_order_id)
            chosen = &s;
    auto value = [&](const char* name, std::string fallback = "") {
        auto it = m.values.find(name);
        return it != m.values.end() ? it->second : fallback;
    };
    auto error = [&](const char* name) {
        if (auto it = m.errors.find(name); it != m.errors.end())
            w.member("error", it->second);
    };
    if (chosen && (m.form == "post" || m.form == "close")) {
        const auto& s = *chosen;
        w.begin_object().member("type", "fields").key("items").begin_array();
        w.begin_object().member("label", "Заказ InvoiceBox").member("value", s.order_id).end_object();
        if (!s.merchant_order_id.empty())
            w.begin_object().member("label", "Номер заказа").member("value", s.merchant_order_id).end_object();
        w.begin_object().member("label", "Оплачено гостем").member("value", format_money_ru(s.amount_minor, s.currency)).end_object();
        w.begin_object().member("label", "Причина").member("value", s.reason).member("tone", "error").end_object();
        w.end_array().end_object();
        w.begin_object().member("type", "form").member("id", "resolve").key("fields").begin_array();
        w.begin_object().member("type", "text").member("name", "order_id").member("label", "Заказ InvoiceBox")
            .member("value", s.order_id).member_bool("readonly", true).end_object();
        if (m.form == "post") {
            w.begin_object().member("type", "text").member("name", "folio_id").member("label", "Счёт (ID лицевого счёта в PMS)")
                .member("value", value("folio_id", s.folio_id)).member_bool("required", true);
            error("folio_id");
            w.end_object();
            w.begin_object().member("type", "money").member("name", "amount").member("label", "Сумма (оплачено гостем)")
                .member("currency", s.currency.empty() ? "RUB" : s.currency).member("value", format_decimal(s.amount_minor))
                .member_bool("readonly", true).end_object();
            w.begin_object().member("type", "textarea").member("name", "comment").member("label", "Комментарий")
                .member("value", value("comment")).member_bool("required", true).member_int("max_length", 1000);
            error("comment");
            w.end_object();
        } else {
            w.begin_object().member("type", "textarea").member("name", "reason").member("label", "Причина закрытия")
                .member("value", value("reason")).member_bool("required", true).member_int("max_length", 1000);
            error("reason");
            w.end_object();
        }
        w.end_array().end_object();
        w.end_array(); // elements
        w.key("buttons").begin_array();
        if (m.form == "post")
            w.begin_object().member("id", "submit_post").member("label", "Провести").member("style", "primary")
                .member_bool("submit", true).end_object();
        else
            w.begin_object().member("id", "submit_close").member("label", "Закрыть без проведения").member("style", "danger")
                .member_bool("submit", true).end_object();
        w.begin_object().member("id", "back").member("label", "Назад").end_object();
        w.end_array();
        w.end_object();
        return w.take();
    }
    w.begin_object().member("type", "table").member("id", "suspense");
    w.key("columns").begin_array();
    w.begin_object().member("key", "time").member("label", "Получено").end_object();
    w.begin_object().member("key", "reason").member("label", "Причина").end_object();
    w.begin_object().member("key", "amount").member("label", "Сумма").member("align", "right").end_object();
    w.begin_object().member("key", "order").member("label", "Заказ InvoiceBox").end_object();
    w.begin_object().member("key", "folio").member("label", "Счёт").end_object();
    w.end_array();
    w.key("rows").begin_array();
    for (const auto& s : m.items) {
        if (!valid_row_key(s.order_id))
            continue; // an id the host could not send back; never seen from InvoiceBox
        w.begin_object().member("key", s.order_id);
        w.key("cells").begin_object();
        w.member("time", format_local_datetime(s.received_at_ms, m.offset_minutes));
        w.key("reason").begin_object().member("text", suspense_reason_label(s) + ": " + s.reason)
            .member("tone", s.resolution == "posting" ? "info" : "error").end_object();
        w.member("amount", format_money_ru(s.amount_minor, s.currency));
        w.member("order", s.order_id + (s.merchant_order_id.empty() ? "" : " (" + s.merchant_order_id + ")"));
        w.member("folio", s.folio_id.empty() ? "—" : s.folio_id);
        w.end_object();
        w.key("actions").begin_array();
        if (s.resolution != "posting") {
            w.begin_object().member("id", "post").member("label", "Провести на счёт…").end_object();
            w.begin_object().member("id", "close").member("label", "Закрыть без проведения").member("style", "danger").end_object();
        }
        w.end_array();
        w.end_object();
    }
    for (const auto& r : m.held_refunds) {
        const std::string key = "refund:" + r.merchant_order_id;
        if (!valid_row_key(key))
            continue;
        w.begin_object().member("key", key);
        w.key("cells").begin_object();
        w.member("time", format_local_datetime(r.completed_at_ms != 0 ? r.completed_at_ms : r.created_at_ms, m.offset_minutes));
        w.key("reason").begin_object()
            .member("text", "Возврат не проведён: " + (r.suspense_reason.empty() ? std::string("проводка отложена") : r.suspense_reason) +
                                ". Проведётся сам, когда причина будет устранена")
            .member("tone", "warning").end_object();
        w.member("amount", "−" + format_money_ru(r.amount_minor, r.currency));
        w.member("order", r.refund_id + " (" + r.merchant_order_id + ")");
        w.member("folio", r.folio_number.empty() ? (r.folio_id.empty() ? "—" : r.folio_id) : r.folio_number);
        w.end_object();
        w.key("actions").begin_array().end_array();
        w.end_object();
    }
    w.end_array();
    w.member("empty_text", "Нет неразнесённых платежей");
    w.end_object();
    w.end_array(); // elements
    w.key("buttons").begin_array();
    w.begin_object().member("id", "refresh").member("label", "Обновить").end_object();
    if (m.reconciliation_offered)
        w.begin_object().member("id", "open_reconciliation").member("label", "Сверка с InvoiceBox").end_object();
    w.end_array();
    w.end_object();
    return w.take();
}

SuspensePageEvent parse_suspense_event(std::string_view json) {
    SuspensePageEvent ev;
    bj::error_code ec;
    const auto v = bj::parse(json, ec);
    if (ec || !v.is_object())
        return ev;
    const auto& o = v.as_object();
    auto str = [](const bj::object& obj, std::string_view k) {
        const auto* x = obj.if_contains(k);
        return x && x->is_string() ? std::string(x->as_string()) : std::string();
    };
    if (const auto* vals = o.if_contains("values"); vals && vals->is_object())
        for (const auto& [k, x] : vals->as_object())
            if (x.is_string())
                ev.values[std::string(k)] = std::string(x.as_string());
    if (const auto* st = o.if_contains("staff"); st && st->is_object()) {
        ev.staff_id = str(st->as_object(), "id");
        ev.staff_name = str(st->as_object(), "name");
    }
    const auto action = str(o, "action");
    const auto kind = str(o, "kind");
    if (kind == "row_action") {
        ev.order_id = str(o, "row_key");
        if (action == "post")
            ev.kind = SuspensePageEvent::Kind::open_post;
        else if (action == "close")
            ev.kind = SuspensePageEvent::Kind::open_close;
        return ev;
    }
    if (auto it = ev.values.find("order_id"); it != ev.values.end())
        ev.order_id = it->second;
    if (action == "submit_post")
        ev.kind = SuspensePageEvent::Kind::submit_post;
    else if (action == "submit_close")
        ev.kind = SuspensePageEvent::Kind::submit_close;
    else if (action == "back")
        ev.kind = SuspensePageEvent::Kind::back;
    else if (action == "refresh")
        ev.kind = SuspensePageEvent::Kind::refresh;
    else if (action == "open_reconciliation")
        ev.kind = SuspensePageEvent::Kind::open_reconciliation;
    else if (action == "run_reconciliation")
        ev.kind = SuspensePageEvent::Kind::run_reconciliation;
    return ev;
}

// ---- SuspenseService ---------------------------------------------------------------------------

std::vector<SuspenseRecord> SuspenseService::unposted() {
    auto list = links_.repository().suspense_list(false);
    std::sort(list.begin(), list.end(), [](const SuspenseRecord& a, const SuspenseRecord& b) {
        return a.received_at_ms != b.received_at_ms ? a.received_at_ms < b.received_at_ms : a.order_id < b.order_id;
    });
    return list;
}

void SuspenseService::post_to_folio(const std::string& order_id, const std::string& folio_id, const std::string& comment,
                                    const StaffUser& staff, std::function<void(SuspenseDecision)> done) {
    SuspenseDecision d;
    auto& host = links_.host();
    try {
        auto entry = links_.repository().find_suspense(order_id);
        if (!entry) {
            d.message = "Платёж не найден в списке неразнесённых";
            done(std::move(d));
            return;
        }
        // The folio document lists no other accounts of the booking, so staff type the account
        // (prefilled with the link's); it is read here and refused unless it exists, is open and
        // keeps the payment's currency, each as a field error on the account.
        const std::string target = trim(folio_id);
        pms_status st = PMS_OK;
        std::optional<Folio> folio;
        if (!target.empty()) {
            if (auto json = host.get_folio(target, st)) {
                folio = parse_folio(*json);
            } else if (st != PMS_NOT_FOUND) {
                // Not "no such account": a read that failed says nothing about the account.
                d.message = "Не удалось прочитать счёт " + target + " в PMS; платёж не проведён, попробуйте ещё раз";
                done(std::move(d));
                return;
            }
        }
        d = decide_post(*entry, target, folio.has_value(), folio && folio->closed, comment, staff.label(),
                        host.now_utc_ms());
        const std::string paid_in = entry->currency.empty() ? std::string("RUB") : entry->currency;
        if (folio && !folio->closed && folio->currency != paid_in) {
            // The host would refuse the posting anyway (currency mismatch); say so before recording.
            d.transition.reset();
            d.field_errors["folio_id"] = "Счёт " + target + " ведётся в " + folio->currency + ", а платёж получен в " +
                                         paid_in + ": выберите счёт в " + paid_in;
            d.message = "Проверьте выделенные поля";
        }
        if (!d.transition) {
            done(std::move(d));
            return;
        }
    } catch (const StoreError&) {
        d = {};
        d.message = "Не удалось записать решение в базу PMS; платёж не проведён";
        done(std::move(d));
        return;
    }
    // The decision with its post effect, recorded off the strand (issue 14); the answer then
    // waits for the posting so that staff see its result.
    auto alive = alive_;
    Transition decided = *d.transition;
    links_.commit_async(std::move(decided), {}, [this, alive, order_id, d = std::move(d),
                                                 done = std::move(done)](std::optional<std::string> error) mutable {
        if (!*alive)
            return;
        if (error) {
            d = {};
            d.message = "Не удалось записать решение в базу PMS; платёж не проведён";
            done(std::move(d));
            return;
        }
        // Started here with this waiter; the follow-up's start then finds the chain running.
        links_.run_effects(suspense_owner(order_id), [this, order_id, d = std::move(d), done = std::move(done)](std::string) mutable {
            try {
                if (auto s = links_.repository().find_suspense(order_id); s && s->resolution != "posted") {
                    d.message = s->resolution == "posting" ? "Проводка ещё не выполнена: она будет повторена автоматически"
                                                           : "PMS не провела платёж: " +
                                                                 (s->audit.empty() ? std::string() : s->audit.back().what);
                }
            } catch (const StoreError&) {
            }
            done(std::move(d));
        });
    });
}

void SuspenseService::close(const std::string& order_id, const std::string& reason, const StaffUser& staff,
                            std::function<void(SuspenseDecision)> done) {
    auto not_recorded = [] {
        SuspenseDecision d;
        d.message = "Не удалось записать решение в базу PMS";
        return d;
    };
    SuspenseDecision d;
    try {
        auto entry = links_.repository().find_suspense(order_id);
        if (!entry) {
            d.message = "Платёж не найден в списке неразнесённых";
            return done(std::move(d));
        }
        std::optional<LinkRecord> link;
        if (!entry->merchant_order_id.empty())
            link = links_.repository().find(entry->merchant_order_id);
        d = decide_close(*entry, link, reason, staff.label(), links_.host().now_utc_ms());
    } catch (const StoreError&) {
        return done(not_recorded());
    }
    if (!d.transition)
        return done(std::move(d));
    // Recorded off the strand (issue 14); staff hear the decision once it is durable.
    Transition decided = *d.transition;
    links_.commit_async(std::move(decided), {},
                        [alive = alive_, d = std::move(d), not_recorded,
                         done = std::move(done)](std::optional<std::string> error) mutable {
                            if (*alive)
                                done(error ? not_recorded() : std::move(d));
                        });
}

SuspensePageModel SuspenseService::model(std::vector<Notice> notices) {
    SuspensePageModel m;
    m.notices = std::move(notices);
    m.reconciliation_offered = reconciler_ != nullptr;
    const auto now = links_.host().now_utc_ms();
    m.offset_minutes = links_.host().utc_offset_minutes(now);
    try {
        m.items = unposted();
        for (auto& r : links_.repository().refunds_needing_attention())
            if (r.posting == PostingState::suspense)
                m.held_refunds.push_back(std::move(r));
    } catch (const StoreError&) {
        m.notices.push_back({"error", "", "Не удалось прочитать список из базы PMS"});
    }
    return m;
}

std::string SuspenseService::open_page() { return render_suspense_page(model()); }

SuspensePageModel SuspenseService::reconciliation_model(std::vector<Notice> notices, std::string period) {
    SuspensePageModel m;
    m.notices = std::move(notices);
    m.reconciliation_offered = true;
    ReconciliationScreen screen;
    screen.period = std::move(period);
    screen.downloads = downloads_;
    screen.offset_minutes = links_.host().utc_offset_minutes(links_.host().now_utc_ms());
    if (reconciler_)
        screen.report = reconciler_->last_report();
    m.reconciliation = std::move(screen);
    return m;
}

void SuspenseService::run_reconciliation(const std::string& period, const StaffUser& staff, const std::string& session,
                                         std::function<void(std::string)> reply) {
    const auto days = reconciliation_period_days(period);
    if (!days) {
        reply(show(session, reconciliation_model({{"error", "", "Выберите период сверки"}}, "1")));
        return;
    }
    if (reconciler_->running()) {
        reply(show(session, reconciliation_model({{"info", "", "Сверка уже выполняется: результат появится здесь"}}, period)));
        return;
    }
    // A period of weeks reads many pages within InvoiceBox's rate limit: longer than a page
    // event may take. The answer says it runs; the report is pushed to the page when done (or
    // given as the answer when it finished before the answer was sent).
    auto answered = std::make_shared<bool>(false);
    auto early = std::make_shared<std::optional<ReconciliationReport>>();
    const std::int64_t now = links_.host().now_utc_ms();
    auto alive = alive_;
    // Up to and including the current second (InvoiceBox's times are whole seconds).
    reconciler_->run(now - *days * Reconciler::day_ms, now + 1000, staff.label(),
                     [this, alive, answered, early, session, period](const ReconciliationReport& r) {
                         if (!*alive)
                             return;
                         if (!*answered) {
                             *early = r;
                             return;
                         }
                         auto it = sessions_.find(session);
                         if (it == sessions_.end() || it->second.showing_list)
                             return; // closed, or back on the list: the report waits on the screen
                         links_.host().push_page_view(session, show(session, reconciliation_model({done_notice(r)}, period)));
                     });
    *answered = true;
    if (*early) {
        reply(show(session, reconciliation_model({done_notice(**early)}, period)));
        return;
    }
    reply(show(session, reconciliation_model({{"info", "Сверка выполняется", "Результат появится здесь, когда InvoiceBox ответит"}}, period)));
}

void SuspenseService::page_opened(std::string_view session) {
    if (!session.empty())
        sessions_[std::string(session)] = PageSession{};
}

void SuspenseService::page_closed(std::string_view session) {
    if (auto it = sessions_.find(session); it != sessions_.end())
        sessions_.erase(it);
}

std::string SuspenseService::show(std::string_view session, const SuspensePageModel& m) {
    if (auto it = sessions_.find(session); it != sessions_.end()) {
        it->second.showing_list = m.form.empty() && !m.reconciliation;
        it->second.notices = it->second.showing_list ? m.notices : std::vector<Notice>{};
    }
    return render_suspense_page(m);
}

void SuspenseService::push_updates() {
    bool any = false;
    for (const auto& [session, s] : sessions_)
        any = any || s.showing_list;
    if (!any)
        return;
    // One read for every session: they all show the same list, and one render for those that
    // show no notice of their own.
    const SuspensePageModel shared = model();
    const std::string view = render_suspense_page(shared);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
        const auto& s = it->second;
        if (s.showing_list) {
            std::string own;
            if (!s.notices.empty()) {
                SuspensePageModel m = shared;
                m.notices.insert(m.notices.begin(), s.notices.begin(), s.notices.end());
                own = render_suspense_page(m);
            }
            if (!links_.host().push_page_view(it->first, own.empty() ? view : own)) {
                it = sessions_.erase(it); // closed without on_page_closed (host restart of the page)
                continue;
            }
        }
        ++it;
    }
}

void SuspenseService::page_event(std::string_view event_json, const StaffUser& staff_in, std::function<void(std::string)> reply,
                                 std::string_view session_in) {
    auto ev = parse_suspense_event(event_json);
    StaffUser staff = staff_in;
    if (staff.id.empty()) {
        staff.id = ev.staff_id;
        staff.name = ev.staff_name;
    }
    const std::string session(session_in);
    using K = SuspensePageEvent::Kind;
    switch (ev.kind) {
    case K::open_post:
    case K::open_close: {
        auto m = model();
        m.form = ev.kind == K::open_post ? "post" : "close";
        m.form_order_id = ev.order_id;
        reply(show(session, m));
        return;
    }
    case K::submit_close: {
        close(ev.order_id, ev.values["reason"], staff,
              [this, ev, session, reply = std::move(reply)](SuspenseDecision d) {
                  if (!d.transition) {
                      auto m = model({{"error", "Не закрыто", d.message}});
                      m.form = "close";
                      m.form_order_id = ev.order_id;
                      m.values = ev.values;
                      m.errors = d.field_errors;
                      reply(show(session, m));
                      return;
                  }
                  reply(show(session, model({{"success", "", "Платёж закрыт без проведения"}})));
              });
        return;
    }
    case K::submit_post: {
        auto values = ev.values;
        const auto order_id = ev.order_id;
        post_to_folio(order_id, values["folio_id"], values["comment"], staff,
                      [this, values, order_id, session, reply = std::move(reply)](SuspenseDecision d) {
                          if (!d.transition) {
                              auto m = model({{"error", "Не проведено", d.message}});
                              m.form = "post";
                              m.form_order_id = order_id;
                              m.values = values;
                              m.errors = d.field_errors;
                              reply(show(session, m));
                              return;
                          }
                          if (!d.message.empty()) {
                              reply(show(session, model({{"warning", "", d.message}})));
                              return;
                          }
                          reply(show(session, model({{"success", "", "Платёж проведён на счёт " + values.at("folio_id")}})));
                      });
        return;
    }
    case K::back:
    case K::refresh:
        reply(show(session, model()));
        return;
    case K::open_reconciliation:
        if (!reconciler_) {
            reply(show(session, model({{"error", "", "Сверка недоступна"}})));
            return;
        }
        reply(show(session, reconciliation_model({}, "1")));
        return;
    case K::run_reconciliation:
        if (!reconciler_) {
            reply(show(session, model({{"error", "", "Сверка недоступна"}})));
            return;
        }
        run_reconciliation(ev.values["period"], staff, session, std::move(reply));
        return;
    case K::unknown:
        reply(show(session, model({{"error", "", "Неизвестное действие"}})));
        return;
    }
}

} // namespace invoicebox::plugin
