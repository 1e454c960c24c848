// Folio-button dialog controller (link_dialog.hpp).
#include <invoicebox/plugin/link_dialog.hpp>

#include <invoicebox/plugin/formatting.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <map>

namespace invoicebox::plugin {

namespace bj = boost::json;

LinkDialog::LinkDialog(LinkService& service) : service_(service) {}

LinkDialog::~LinkDialog() { *alive_ = false; }

LinksWindow LinkDialog::window_of(const std::string& session_id) const {
    const auto it = sessions_.find(session_id);
    return it == sessions_.end() ? LinksWindow{} : it->second.window;
}

std::string LinkDialog::session_list(const std::string& session_id, const std::string& folio_id,
                                     std::vector<Notice> notices, std::string qr_for) {
    const auto it = sessions_.find(session_id);
    if (it == sessions_.end())
        return list_view(folio_id, std::move(notices), std::move(qr_for));
    // What this answer says stays on the list until staff act again: a change pushed a moment
    // later (the new link's first status, a mail that went) redraws the list with it, rather
    // than taking «Ссылка создана» away before anyone read it.
    it->second.showing_list = true;
    it->second.notices = notices;
    it->second.qr_for = qr_for;
    return list_view(folio_id, std::move(notices), std::move(qr_for), it->second.window);
}

std::string LinkDialog::list_view(const std::string& folio_id, std::vector<Notice> notices, std::string qr_for,
                                  LinksWindow window) {
    ListViewModel m;
    m.qr_for = std::move(qr_for);
    m.window = window;
    m.configured = service_.configured();
    m.notices = std::move(notices);
    pms_status st = PMS_OK;
    std::optional<Folio> folio;
    if (auto json = service_.host().get_folio(folio_id, st))
        folio = parse_folio(*json);
    if (!folio)
        m.notices.push_back({"error", "Счёт недоступен", "Не удалось прочитать счёт " + folio_id + " (" + pms_status_name(st) + ")"});
    m.folio = folio ? &*folio : nullptr;
    m.has_shop = !folio || service_.shop_for(*folio) != nullptr;
    m.refunds_offered = service_.refunds_offered;
    try {
        m.links = service_.repository().for_folio(folio_id);
        const auto [first, last] = window.span(m.links.size());
        for (std::size_t i = first; i < last; ++i) {
            const auto& l = m.links[i];
            // Only a paid link can have refunds: the others cost no read.
            if (l.posting == PostingState::posted || l.posting == PostingState::pending ||
                l.posting == PostingState::suspense)
                if (auto r = service_.repository().refunds_of(l.merchant_order_id); !r.empty())
                    m.refunds[l.merchant_order_id] = std::move(r);
        }
    } catch (const StoreError&) {
        m.notices.push_back({"error", "", "Не удалось прочитать ссылки из базы PMS"});
    }
    m.offset_minutes = service_.host().utc_offset_minutes(service_.host().now_utc_ms());
    return render_links_view(m);
}

std::string LinkDialog::create_view(const std::string& folio_id, CreateFormModel model) {
    pms_status st = PMS_OK;
    std::optional<Folio> folio;
    if (auto json = service_.host().get_folio(folio_id, st))
        folio = parse_folio(*json);
    if (!folio)
        return render_message_view("Платежные ссылки InvoiceBox",
                                   {"error", "Счёт недоступен", "Не удалось прочитать счёт " + folio_id});
    std::int64_t open = 0;
    try {
        open = service_.open_total(folio_id);
    } catch (const StoreError&) {
    }
    return render_create_view(*folio, model, open);
}

std::string LinkDialog::refund_view(const std::string& folio_id, const std::string& link_moid,
                                    const std::vector<protocol::BasketItem>& items, const RefundFormModel& model) {
    std::optional<LinkRecord> link;
    std::vector<RefundRecord> refunds;
    try {
        link = service_.repository().find(link_moid);
        refunds = service_.repository().refunds_of(link_moid);
    } catch (const StoreError&) {
    }
    if (!link || link->folio_id != folio_id)
        return list_view(folio_id, {{"error", "Возврат недоступен", LinkService::foreign_link_message}});
    return render_refund_view(*link, refunds, items, model);
}

void LinkDialog::open(const std::string& session_id, const std::string& folio_id, Done done) {
    Session fresh;
    fresh.folio_id = folio_id;
    sessions_[session_id] = std::move(fresh);
    done(list_view(folio_id));
}

void LinkDialog::closed(const std::string& session_id) { sessions_.erase(session_id); }

void LinkDialog::answer_refresh(const std::string& folio_id, const std::string& error) {
    // The entry goes first: a press answered here that refreshes again starts a new flight.
    auto node = refresh_replies_.extract(folio_id);
    if (!node)
        return;
    auto answers = std::make_shared<RefreshAnswers>();
    answers->folio_id = folio_id;
    if (!error.empty())
        answers->notices.push_back({"error", "Статусы обновлены не полностью", error});
    else
        answers->notices.push_back({"info", "", "Статусы ссылок обновлены"});
    answers->replies = std::move(node.mapped());
    answer_some(answers, refresh_answers_per_turn);
}

void LinkDialog::answer_some(const std::shared_ptr<RefreshAnswers>& answers, std::size_t at_most) {
    auto& a = *answers;
    if (a.rendered_at_change != changes_) {
        // A change was pushed to the folio's sessions since these were rendered: a press
        // answered with them now would put an older list over the pushed one.
        a.rendered.clear();
        a.rendered_at_change = changes_;
    }
    const std::size_t end = a.next + std::min(a.replies.size() - a.next, at_most);
    for (; a.next < end; ++a.next) {
        auto& reply = a.replies[a.next];
        if (auto session = sessions_.find(reply.session_id); session != sessions_.end())
            session->second.notices = a.notices; // kept in pushes, as session_list() does
        const auto window = window_of(reply.session_id);
        auto it = a.rendered.find(window);
        if (it == a.rendered.end())
            it = a.rendered.emplace(window, list_view(a.folio_id, a.notices, {}, window)).first;
        reply.done(it->second);
    }
    if (a.next == a.replies.size())
        return;
    // The timer fires `cancelled` when the instance drains: the rest is answered at once then,
    // each press exactly once (from what was rendered, should this dialog be gone).
    service_.host().start_timer(std::chrono::milliseconds(0), [this, alive = alive_, answers](bool cancelled) {
        if (*alive)
            return answer_some(answers, cancelled ? answers->replies.size() : refresh_answers_per_turn);
        for (auto& a = *answers; a.next < a.replies.size(); ++a.next)
            a.replies[a.next].done(a.rendered.begin()->second);
    });
}

void LinkDialog::folio_changed(const std::string& folio_id) {
    ++changes_;
    // Sessions on one folio see the same list; only a QR just shown to one of them differs. So
    // the folio and its links are read and rendered once per distinct QR, not once per session
    // (issue 14: with many dialogs open, a change cost one full read and render per session).
    std::map<std::pair<std::string, LinksWindow>, std::string> rendered; // (qr_for, window) -> view
    for (const auto& [id, s] : sessions_) {
        if (s.folio_id != folio_id || !s.showing_list)
            continue;
        if (!s.notices.empty()) { // what its last answer said: this session's own
            service_.host().push_view(id, list_view(folio_id, s.notices, s.qr_for, s.window));
            continue;
        }
        const auto key = std::pair{s.qr_for, s.window};
        auto it = rendered.find(key);
        if (it == rendered.end())
            it = rendered.emplace(key, list_view(folio_id, {}, s.qr_for, s.window)).first;
        service_.host().push_view(id, it->second);
    }
}

std::string LinkDialog::mail_sent_text(const std::string& moid) {
    // «повторно» only when this was not the link's first mail that went.
    try {
        if (auto link = service_.repository().find(moid); link && link->mails_sent > 1)
            return "Письмо отправлено повторно";
    } catch (const StoreError&) {
    }
    return "Письмо отправлено";
}

void LinkDialog::event(const std::string& session_id, const std::string& folio_id, const StaffUser& staff,
                       std::string_view event_json, Done done) {
    // A session stays on the folio it was opened for; an event that claims another one is not
    // acted on (the host vouches for the folio, so this only guards against a confused caller).
    if (auto it = sessions_.find(session_id); it != sessions_.end() && it->second.folio_id != folio_id) {
        done(render_message_view("Платежные ссылки InvoiceBox",
                                 {"error", "Действие не выполнено",
                                  "Окно открыто для другого счёта. Закройте его и откройте InvoiceBox заново"}));
        return;
    }
    auto& session = sessions_[session_id];
    session.folio_id = folio_id;
    session.qr_for.clear(); // the QR of a new link stays only until staff do something else
    session.notices.clear(); // and so do the notices of the last answer
    bj::error_code ec;
    const bj::value ev = bj::parse(event_json, ec);
    if (ec || !ev.is_object()) {
        done(session_list(session_id, folio_id, {{"error", "", "Не удалось прочитать действие"}}));
        return;
    }
    const auto& o = ev.as_object();
    auto str = [](const bj::object& obj, std::string_view k) {
        const auto* v = obj.if_contains(k);
        return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    const std::string action = str(o, "action");
    const std::string row = str(o, "row_key");
    bj::object values;
    if (const auto* v = o.if_contains("values"); v && v->is_object())
        values = v->as_object();
    auto alive_session = session_id;
    // A refund form answers only its own submit: any other action leaves it.
    std::string refund_for;
    std::vector<protocol::BasketItem> refund_items;
    std::swap(refund_for, session.refund_for);
    std::swap(refund_items, session.refund_items);

    if (action == "refund") {
        if (!service_.refunds_offered) {
            done(session_list(session_id, folio_id, {}));
            return;
        }
        service_.refundable_items(folio_id, row, [this, session_id, folio_id, row, done = std::move(done)](
                                                     std::vector<protocol::BasketItem> items, std::string err) {
            if (!err.empty() || items.empty()) {
                done(session_list(session_id, folio_id,
                                  {{err.empty() ? "info" : "error", "Возврат недоступен",
                                    err.empty() ? "По этой оплате возвращать больше нечего" : err}}));
                return;
            }
            auto it = sessions_.find(session_id);
            if (it == sessions_.end()) {
                done({});
                return;
            }
            it->second.showing_list = false; // a pushed list must not replace the form being filled
            it->second.refund_for = row;
            it->second.refund_items = items;
            done(refund_view(folio_id, row, items, RefundFormModel{}));
        });
        return;
    }
    if (action == "submit_refund") {
        if (!service_.refunds_offered || refund_for.empty()) {
            done(session_list(session_id, folio_id, {{"error", "Возврат не выполнен", "Откройте форму возврата заново"}}));
            return;
        }
        RefundInput in;
        in.folio_id = folio_id;
        in.link_moid = refund_for;
        in.full = str(values, "refund_mode") != "partial";
        in.reason = str(values, "reason");
        RefundFormModel form;
        form.mode = in.full ? "full" : "partial";
        form.reason = in.reason;
        for (std::size_t i = 0; i < refund_items.size(); ++i) {
            const auto field = refund_item_field(i);
            in.lines.push_back(RefundLineInput{field, refund_items[i].sku, str(values, field)});
            form.amounts[field] = str(values, field);
        }
        service_.create_refund(in, staff, [this, session_id, folio_id, refund_for, refund_items, form,
                                           done = std::move(done)](RefundOutcome out) mutable {
            using K = RefundOutcome::Kind;
            auto it = sessions_.find(session_id);
            if (out.kind == K::rejected) {
                form.errors = out.field_errors;
                if (!out.message.empty())
                    form.notices.push_back({"error", "Возврат не создан", out.message});
                if (it != sessions_.end()) {
                    it->second.refund_for = refund_for;
                    it->second.refund_items = refund_items;
                }
                done(refund_view(folio_id, refund_for, refund_items, form));
                return;
            }
            if (it != sessions_.end())
                it->second.showing_list = true;
            std::vector<Notice> n;
            const std::string amount =
                out.refund ? format_money_ru(out.refund->amount_minor, out.refund->currency) : std::string();
            if (out.kind == K::created)
                n.push_back({"success", "Возврат " + amount + " принят InvoiceBox",
                             "Он будет проведён в счёт, когда InvoiceBox подтвердит выполнение"});
            else if (out.kind == K::unconfirmed)
                n.push_back({"warning", "Результат возврата пока неизвестен", out.message});
            else
                n.push_back({"error", "InvoiceBox не выполнил возврат", out.message});
            done(session_list(session_id, folio_id, std::move(n)));
        });
        return;
    }

    if (action == "create" || action == "create_other" || action == "back") {
        if (action == "back") {
            done(session_list(session_id, folio_id, {}));
            return;
        }
        pms_status st = PMS_OK;
        std::optional<Folio> folio;
        if (auto json = service_.host().get_folio(folio_id, st))
            folio = parse_folio(*json);
        if (!folio) {
            done(session_list(session_id, folio_id, {}));
            return;
        }
        // The buttons are disabled in these cases; an event may still arrive from an older view.
        if (service_.configured() && !service_.shop_for(*folio)) {
            done(session_list(session_id, folio_id, {}));
            return;
        }
        std::int64_t open = 0;
        try {
            open = service_.open_total(folio_id);
        } catch (const StoreError&) {
            done(session_list(session_id, folio_id, {{"error", "", "Не удалось прочитать ссылки из базы PMS"}}));
            return;
        }
        if (action == "create" && default_link_amount(*folio, open) == 0) {
            done(session_list(session_id, folio_id, {}));
            return;
        }
        session.showing_list = false;
        auto form = default_create_form(*folio, service_.settings(), open);
        if (action == "create_other")
            form.amount.clear(); // staff chose to type another amount
        done(create_view(folio_id, std::move(form)));
        return;
    }
    if (action == "submit_create" || action == "submit_create_force") {
        CreateInput in;
        in.folio_id = folio_id;
        in.amount_text = str(values, "amount");
        in.description = str(values, "description");
        in.message_template = str(values, "message_template");
        in.lifetime = str(values, "lifetime");
        if (const auto* b = values.if_contains("send_mail"); b && b->is_bool())
            in.send_mail = b->as_bool();
        in.confirm_over_balance = action == "submit_create_force";
        CreateFormModel form;
        form.amount = in.amount_text;
        form.description = in.description;
        form.message_template = in.message_template;
        form.lifetime = in.lifetime;
        form.send_mail = in.send_mail;
        service_.create_link(in, staff, [this, session_id, folio_id, form, done = std::move(done)](CreateOutcome out) mutable {
            using K = CreateOutcome::Kind;
            if (out.kind == K::created || out.kind == K::unconfirmed) {
                std::vector<Notice> n;
                if (out.kind == K::created) {
                    n.push_back({"success", "Ссылка создана",
                                 out.link && out.link->mail == MailState::sent
                                     ? "Письмо со ссылкой отправлено на " + out.link->guest_email
                                     : "Скопируйте ссылку или покажите гостю QR-код"});
                    if (!out.message.empty())
                        n.push_back({"warning", "", out.message});
                } else {
                    n.push_back({"warning", "Результат пока неизвестен", out.message});
                }
                std::string qr_for = out.kind == K::created && out.link ? out.link->merchant_order_id : std::string();
                done(session_list(session_id, folio_id, std::move(n), std::move(qr_for)));
                return;
            }
            form.errors = out.field_errors;
            if (!out.message.empty())
                form.notices.push_back({out.kind == K::over_balance ? "warning" : "error",
                                        out.kind == K::failed ? "InvoiceBox не создал ссылку" : "", out.message});
            form.ask_over_balance = out.kind == K::over_balance;
            done(create_view(folio_id, std::move(form)));
        });
        return;
    }
    if (action == "more_links" || action == "newer_links") {
        // The dialog lists the newest first, a page at a time, and never more than a window, so
        // a folio with any number of links opens and pages within the host's view size cap
        // (issue 14).
        session.window = action == "more_links" ? session.window.older() : session.window.newer();
        done(session_list(session_id, folio_id, {}));
        return;
    }
    if (action == "refresh") {
        session.showing_list = true;
        auto& waiting = refresh_replies_[folio_id];
        waiting.push_back({session_id, std::move(done)});
        if (waiting.size() > 1)
            return; // the folio's refresh is running: its answer and its render serve this press
        service_.refresh_folio(folio_id, staff,
                               [this, folio_id](std::string err) { answer_refresh(folio_id, err); });
        return;
    }
    if (action == "show_qr") {
        // The QR code on demand: the newest link the guest can pay, as the button promises.
        std::vector<LinkRecord> links;
        try {
            links = service_.repository().for_folio(folio_id);
        } catch (const StoreError&) {
            done(session_list(session_id, folio_id, {{"error", "", "Не удалось прочитать ссылки из базы PMS"}}));
            return;
        }
        const auto* latest = newest_payable(links);
        if (!latest) {
            done(session_list(session_id, folio_id, {{"info", "", "Нет действующей ссылки на оплату: создайте новую"}}));
            return;
        }
        session.showing_list = false; // a pushed list must not replace the code the guest is scanning
        done(render_qr_view(*latest));
        return;
    }
    if (action == "history") {
        // The trail of a link of this session's folio only, as for the other row actions.
        std::optional<LinkRecord> link;
        try {
            link = service_.repository().find(row);
        } catch (const StoreError&) {
            done(session_list(session_id, folio_id, {{"error", "", "Не удалось прочитать ссылку из базы PMS"}}));
            return;
        }
        if (!link || link->folio_id != folio_id) {
            done(session_list(session_id, folio_id, {{"error", "История недоступна", LinkService::foreign_link_message}}));
            return;
        }
        session.showing_list = false; // a pushed list must not replace the history being read
        const auto now = service_.host().now_utc_ms();
        done(render_history_view(*link, service_.host().utc_offset_minutes(now)));
        return;
    }
    if (action == "cancel" || action == "resend") {
        // Row keys are the merchantOrderIds (built from id-safe characters). The service acts only
        // on a link of this session's folio: a row key is whatever the caller sent.
        auto finish = [this, session_id, folio_id, row, action, done = std::move(done)](std::string err) {
            std::vector<Notice> n;
            if (!err.empty())
                n.push_back({"error", action == "cancel" ? "Ссылка не отменена" : "Письмо не отправлено", err});
            else if (action == "cancel")
                n.push_back({"success", "", "Ссылка отменена"});
            else
                n.push_back({"success", "", mail_sent_text(row)});
            done(session_list(session_id, folio_id, std::move(n)));
        };
        if (action == "cancel")
            service_.cancel_link(folio_id, row, staff, std::move(finish));
        else
            service_.resend_mail(folio_id, row, staff, std::move(finish));
        return;
    }
    done(session_list(session_id, folio_id, {}));
}

} // namespace invoicebox::plugin
