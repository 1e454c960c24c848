// The links dialog as pms.view/1 JSON (views.hpp).
#include <invoicebox/plugin/views.hpp>

#include <invoicebox/plugin/formatting.hpp>
#include <invoicebox/plugin/link_service.hpp>
#include <invoicebox/plugin/refund_form.hpp>

#include <invoicebox/protocol/json_writer.hpp>

namespace invoicebox::plugin {

namespace pr = invoicebox::protocol;

namespace {

constexpr std::string_view title = "Платежные ссылки InvoiceBox";

pr::JsonWriter writer() { return pr::JsonWriter(pr::JsonWriteOptions{.escape_slash = false}); }

void write_notices(pr::JsonWriter& w, const std::vector<Notice>& notices) {
    for (const auto& n : notices) {
        w.begin_object().member("type", "notice").member("level", n.level);
        if (!n.title.empty())
            w.member("title", n.title);
        w.member("text", n.text).end_object();
    }
}

/// Row keys must match ^[A-Za-z0-9_.:-]{1,64}$; merchantOrderIds are built from those characters.
std::string row_key(const std::string& moid) {
    std::string k;
    for (char c : moid)
        k += ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == ':' || c == '-')
                 ? c
                 : '_';
    if (k.size() > 64)
        k.resize(64);
    return k.empty() ? "link" : k;
}

} // namespace

std::string_view resend_label(const LinkRecord& r) {
    // «повторно» only when a mail went before: a link created without one is sent for the first
    // time, and one whose mail failed is retried.
    if (r.mail == MailState::failed)
        return "Отправить ещё раз";
    return r.mails_sent > 0 ? "Отправить письмо повторно" : "Отправить письмо";
}

StatusLabel status_label(const LinkRecord& r) {
    if (r.state == LinkState::failed)
        return {"Ошибка создания", "error"};
    if (r.state == LinkState::creating)
        return {"Создаётся…", "info"};
    if (r.posting == PostingState::posted || r.posting == PostingState::pending)
        return {r.posting == PostingState::posted ? "Оплачен" : "Оплачен, проводится", "success"};
    if (r.posting == PostingState::suspense)
        return {"Оплачен, не проведён", "error"};
    const auto& s = r.ib_status;
    if (s == "created")
        return {"Создан", "info"};
    if (s == "completed")
        return {"Оплачен", "success"};
    if (s == "expired")
        return {"Истёк", "warning"};
    if (s == "canceled" || s == "cancelled")
        return {"Отменён", "neutral"};
    if (s.empty())
        return {"Создаётся…", "info"};
    return {s, "warning"}; // any other InvoiceBox status, shown as it is
}

std::string render_message_view(std::string_view t, const Notice& n) {
    auto w = writer();
    w.begin_object().member("schema", "pms.view/1").member("title", t).member("size", "medium");
    w.key("elements").begin_array();
    write_notices(w, {n});
    w.end_array();
    w.key("buttons").begin_array().begin_object().member("id", "close").member("label", "Отмена").member_bool("close", true)
        .end_object().end_array();
    w.end_object();
    return w.take();
}

namespace {

/// The footer of a view opened from the list (a QR code, a link's history): back to the list, or close.
void write_back_to_links(pr::JsonWriter& w) {
    w.key("buttons").begin_array();
    w.begin_object().member("id", "back").member("label", "Назад к ссылкам").member("style", "primary").end_object();
    w.begin_object().member("id", "close").member("label", "Закрыть").member_bool("close", true).end_object();
    w.end_array();
}

} // namespace

std::string render_links_view(const ListViewModel& m) {
    auto w = writer();
    w.begin_object().member("schema", "pms.view/1").member("title", title).member("size", "large");
    w.key("elements").begin_array();
    write_notices(w, m.notices);
    if (!m.configured)
        write_notices(w, {{"warning", "Интеграция не настроена",
                           "Укажите юридическое лицо, идентификатор магазина, API токен и API ключ InvoiceBox в "
                           "настройках интеграции"}});
    else if (!m.has_shop && m.folio)
        write_notices(w, {{"warning", "Ссылку создать нельзя",
                           no_shop_message(m.folio->legal_entity_name.empty() ? m.folio->legal_entity_id
                                                                              : m.folio->legal_entity_name)}});
    // Nothing left to ask the guest for: say so instead of offering a link for 0,00.
    bool fully_covered = false;
    if (m.folio) {
        const auto& f = *m.folio;
        std::int64_t open = 0;
        for (const auto& l : m.links)
            if (l.is_open_unpaid())
                open += l.amount_minor;
        // Three lines, not five: every line here pushes the history down (issue 10, 1366×768).
        w.begin_object().member("type", "fields").key("items").begin_array();
        w.begin_object().member("label", "Лицевой счёт")
            .member("value", f.folio_number + (f.booking_number.empty() ? "" : ", заявка №" + f.booking_number)).end_object();
        if (!f.guest_name.empty())
            w.begin_object().member("label", "Гость").member("value",
                f.guest_name + (f.guest_email.empty() ? "" : " <" + f.guest_email + ">")).end_object();
        w.begin_object().member("label", "Остаток к оплате")
            .member("value", format_money_ru(f.balance_due_minor, f.currency) + "; ожидается по открытым ссылкам " +
                                 format_money_ru(open, f.currency));
        if (open > f.balance_due_minor)
            w.member("tone", "warning");
        w.end_object();
        w.end_array().end_object();
        fully_covered = !f.closed && default_link_amount(f, open) == 0;
        if (fully_covered && m.configured && m.has_shop)
            write_notices(w, {{"info", "Счёт оплачен полностью",
                               f.balance_due_minor <= 0
                                   ? "Остаток к оплате " + format_money_ru(std::max<std::int64_t>(0, f.balance_due_minor), f.currency) +
                                         ": новая ссылка не нужна. Если гостю всё же нужна ссылка, выберите «Создать ссылку на "
                                         "другую сумму»"
                                   : "С учётом открытых ссылок (" + format_money_ru(open, f.currency) +
                                         ") весь остаток уже ожидается к оплате: новая ссылка не нужна. Если гостю всё же "
                                         "нужна ссылка, выберите «Создать ссылку на другую сумму»"}});
        if (open > f.balance_due_minor)
            write_notices(w, {{"warning", "Открытые ссылки больше остатка",
                               "Сумма неоплаченных ссылок больше остатка к оплате: гость может заплатить лишнее. "
                               "Отмените ненужные ссылки."}});
    }
    // The link just created as a pay URL: the host shows it as a link, a QR code and a copy button.
    const LinkRecord* latest = newest_payable(m.links);
    if (latest && !m.qr_for.empty() && latest->merchant_order_id == m.qr_for)
        w.begin_object().member("type", "value").member("id", "latest_link")
            .member("label", "Ссылка на оплату " + format_money_ru(latest->amount_minor, latest->currency) + " (QR-код для гостя)")
            .member("value", latest->payment_url).member("kind", "pay_url").member_bool("copy", true).end_object();
    w.begin_object().member("type", "table").member("id", "links");
    w.key("columns").begin_array();
    w.begin_object().member("key", "link").member("label", "Ссылка").end_object();
    w.begin_object().member("key", "amount").member("label", "Сумма").member("align", "right").end_object();
    w.begin_object().member("key", "description").member("label", "Описание").end_object();
    w.begin_object().member("key", "folio").member("label", "Номер лицевого счёта").end_object();
    w.begin_object().member("key", "created").member("label", "Дата и время создания").end_object();
    w.begin_object().member("key", "status").member("label", "Статус").end_object();
    w.end_array();
    w.key("rows").begin_array();
    const auto [first, last] = m.window.span(m.links.size());
    for (std::size_t i = first; i < last; ++i) {
        const auto& l = m.links[i];
        const auto st = status_label(l);
        std::string status_text = st.text;
        if (l.state == LinkState::failed && !l.error_message.empty())
            status_text += ": " + shorten_text(l.error_message, links_cell_chars);
        if (l.posting == PostingState::suspense && !l.suspense_reason.empty())
            status_text += ": " + shorten_text(l.suspense_reason, links_cell_chars);
        const auto refunds_it = m.refunds.find(l.merchant_order_id);
        const std::vector<RefundRecord> no_refunds;
        const auto& refunds = refunds_it == m.refunds.end() ? no_refunds : refunds_it->second;
        if (auto summary = refund_summary(l, refunds); !summary.empty())
            status_text += " · " + summary;
        if (l.mail == MailState::sent)
            status_text += " · письмо отправлено";
        else if (l.mail == MailState::failed)
            status_text += " · письмо не отправлено";
        w.begin_object().member("key", row_key(l.merchant_order_id));
        w.key("cells").begin_object();
        w.member("link", l.payment_url.empty() ? "—" : l.payment_url);
        w.member("amount", format_money_ru(l.amount_minor, l.currency));
        w.member("description", shorten_text(l.description, links_cell_chars));
        w.member("folio", l.folio_number);
        w.member("created", format_local_datetime(l.created_at_ms, m.offset_minutes));
        w.key("status").begin_object().member("text", status_text).member("tone", st.tone).end_object();
        w.end_object();
        w.key("actions").begin_array();
        w.begin_object().member("id", "history").member("label", "История").end_object();
        if (!l.payment_url.empty())
            w.begin_object().member("id", "copy").member("label", "Скопировать ссылку").member("copy_text", l.payment_url).end_object();
        if (m.refunds_offered && !l.order_id.empty() &&
            (l.posting == PostingState::posted || l.posting == PostingState::pending)) {
            // Only when money is left to refund; the host shows it only to staff with
            // refund.manage and refuses the event from anyone else (view-v1.md "permission").
            const auto totals = LinkService::refund_totals(refunds);
            if (totals.completed + totals.in_progress < l.paid_amount_minor)
                w.begin_object().member("id", "refund").member("label", "Возврат")
                    .member("permission", refund_permission).end_object();
        }
        if (l.is_open_unpaid() && !l.order_id.empty()) {
            if (!l.guest_email.empty())
                w.begin_object().member("id", "resend").member("label", resend_label(l)).end_object();
            w.begin_object().member("id", "cancel").member("label", "Отменить ссылку").member("style", "danger")
                .member("confirm", "Отменить ссылку на " + format_money_ru(l.amount_minor, l.currency) + "? Гость больше не сможет по ней заплатить.")
                .end_object();
        }
        w.end_array();
        w.end_object();
    }
    w.end_array();
    w.member("empty_text", "По этому счёту ещё нет платежных ссылок");
    w.end_object();
    const bool more = m.links.size() > last;
    const bool newer = first > 0;
    if (newer)
        w.begin_object().member("type", "text").member("style", "muted")
            .member("text", "Показаны ссылки " + std::to_string(first + 1) + "–" + std::to_string(last) + " из " +
                                std::to_string(m.links.size()) + " (новые сверху)")
            .end_object();
    else if (more)
        w.begin_object().member("type", "text").member("style", "muted")
            .member("text", "Показаны " + std::to_string(last) + " последних ссылок из " + std::to_string(m.links.size()))
            .end_object();
    w.end_array(); // elements
    w.key("buttons").begin_array();
    const bool can_create = m.configured && m.has_shop && m.folio && !m.folio->closed;
    w.begin_object().member("id", "create").member("label", "Создать ссылку").member("style", "primary");
    if (!can_create || fully_covered)
        w.member_bool("disabled", true);
    w.end_object();
    if (can_create && fully_covered)
        w.begin_object().member("id", "create_other").member("label", "Создать ссылку на другую сумму").end_object();
    if (latest)
        w.begin_object().member("id", "show_qr").member("label", "QR-код для гостя").end_object();
    if (newer)
        w.begin_object().member("id", "newer_links").member("label", "Показать более новые").end_object();
    if (more)
        w.begin_object().member("id", "more_links").member("label", "Показать ещё " + std::to_string(links_page_rows)).end_object();
    w.begin_object().member("id", "refresh").member("label", "Обновить статус ссылок").end_object();
    w.begin_object().member("id", "close").member("label", "Отмена").member_bool("close", true).end_object();
    w.end_array();
    w.end_object();
    return w.take();
}

LinksWindow LinksWindow::older() const noexcept {
    if (rows + links_page_rows <= links_window_rows)
        return {offset, rows + links_page_rows};
    return {offset + links_page_rows, rows};
}

LinksWindow LinksWindow::newer() const noexcept {
    return {offset > links_page_rows ? offset - links_page_rows : 0, rows};
}

std::pair<std::size_t, std::size_t> LinksWindow::span(std::size_t total) const noexcept {
    const std::size_t first = std::min(offset, total > rows ? total - rows : 0);
    return {first, std::min(total, first + rows)};
}

const LinkRecord* newest_payable(const std::vector<LinkRecord>& links) {
    for (const auto& l : links)
        if (l.is_open_unpaid() && !l.payment_url.empty() && l.state == LinkState::open)
            return &l;
    return nullptr;
}

std::string render_qr_view(const LinkRecord& l) {
    auto w = writer();
    w.begin_object().member("schema", "pms.view/1")
        .member("title", "QR-код для оплаты " + format_money_ru(l.amount_minor, l.currency) + " — " + std::string(title))
        .member("size", "medium");
    w.key("elements").begin_array();
    w.begin_object().member("type", "text")
        .member("text", "Гость наводит камеру телефона на код и попадает на страницу оплаты InvoiceBox").end_object();
    w.begin_object().member("type", "value").member("id", "qr_link")
        .member("label", "Ссылка на оплату " + format_money_ru(l.amount_minor, l.currency) + " (QR-код для гостя)")
        .member("value", l.payment_url).member("kind", "pay_url").member_bool("copy", true).end_object();
    w.end_array();
    write_back_to_links(w);
    w.end_object();
    return w.take();
}

namespace {
/// A field value of pms.view/1 holds at most 4096 characters.
constexpr std::size_t history_value_chars = 4000;
} // namespace

std::string render_history_view(const LinkRecord& l, int offset_minutes) {
    auto w = writer();
    w.begin_object().member("schema", "pms.view/1")
        .member("title", "История ссылки на " + format_money_ru(l.amount_minor, l.currency) + " — " + std::string(title))
        .member("size", "large");
    w.key("elements").begin_array();
    const auto st = status_label(l);
    w.begin_object().member("type", "fields").key("items").begin_array();
    // The number the guest saw on InvoiceBox's page (merchantOrderIdVisible, the folio number)
    // first, so staff and guest name the same order; the internal one is for support requests.
    w.begin_object().member("label", "Номер заказа у гостя")
        .member("value", l.folio_number.empty() ? l.merchant_order_id : l.folio_number).end_object();
    w.begin_object().member("label", "Внутренний номер заказа").member("value", l.merchant_order_id).end_object();
    if (!l.order_id.empty())
        w.begin_object().member("label", "Заказ InvoiceBox").member("value", l.order_id).end_object();
    w.begin_object().member("label", "Сумма").member("value", format_money_ru(l.amount_minor, l.currency)).end_object();
    // The texts the links table cuts (links_cell_chars), whole here (the schema's 4096 at most).
    if (!l.description.empty())
        w.begin_object().member("label", "Описание").member("value", shorten_text(l.description, history_value_chars)).end_object();
    w.begin_object().member("label", "Статус").member("value", st.text).member("tone", st.tone).end_object();
    if (l.state == LinkState::failed && !l.error_message.empty())
        w.begin_object().member("label", "Ошибка").member("value", shorten_text(l.error_message, history_value_chars))
            .member("tone", "error").end_object();
    if (l.posting == PostingState::suspense && !l.suspense_reason.empty())
        w.begin_object().member("label", "Не проведён в счёт").member("value", shorten_text(l.suspense_reason, history_value_chars))
            .member("tone", "warning").end_object();
    w.begin_object().member("label", "Создал").member("value", l.created_by.empty() ? "—" : l.created_by).end_object();
    w.end_array().end_object();
    w.begin_object().member("type", "table").member("id", "history");
    w.key("columns").begin_array();
    w.begin_object().member("key", "at").member("label", "Дата и время").end_object();
    w.begin_object().member("key", "who").member("label", "Кто").end_object();
    w.begin_object().member("key", "what").member("label", "Событие").end_object();
    w.end_array();
    w.key("rows").begin_array();
    std::size_t i = 0;
    for (const auto& a : l.audit) {
        // Staff are named; automatic changes say which road made them.
        std::string who = a.who;
        if (who.empty()) {
            switch (a.actor) {
            case Actor::notification: who = "уведомление InvoiceBox"; break;
            case Actor::poll: who = "фоновая проверка"; break;
            case Actor::refresh: who = "проверка статуса"; break;
            case Actor::recovery: who = "восстановление после перезапуска"; break;
            case Actor::staff: who = "сотрудник"; break;
            case Actor::system: who = "система"; break;
            }
        }
        w.begin_object().member("key", "a" + std::to_string(i++));
        w.key("cells").begin_object();
        w.member("at", format_local_datetime(a.at_ms, offset_minutes));
        w.member("who", who);
        w.member("what", a.what);
        w.end_object().end_object();
    }
    w.end_array();
    w.member("empty_text", "Записей нет");
    w.end_object();
    w.end_array(); // elements
    write_back_to_links(w);
    w.end_object();
    return w.take();
}

std::int64_t default_link_amount(const Folio& f, std::int64_t open_total) {
    return std::max<std::int64_t>(0, f.balance_due_minor - std::max<std::int64_t>(0, open_total));
}

CreateFormModel default_create_form(const Folio& f, const Settings& s, std::int64_t open_total) {
    CreateFormModel m;
    // At 0 the field stays empty: staff who chose «другую сумму» type it, a 0,00 would only be refused.
    if (const auto amount = default_link_amount(f, open_total); amount > 0)
        m.amount = format_decimal(amount);
    m.description = "Предоплата";
    if (!f.booking_number.empty())
        m.description += " по заявке №" + f.booking_number + " и";
    m.description += " номеру счёта " + f.folio_number;
    m.message_template = s.message_template.empty() ? default_message_template() : s.message_template;
    m.lifetime = s.default_lifetime;
    m.send_mail = !f.guest_email.empty();
    return m;
}

std::string render_create_view(const Folio& f, const CreateFormModel& m, std::int64_t open_total) {
    auto w = writer();
    w.begin_object().member("schema", "pms.view/1").member("title", "Создать ссылку — " + std::string(title)).member("size", "medium");
    w.key("elements").begin_array();
    write_notices(w, m.notices);
    w.begin_object().member("type", "text").member("text",
        "Счёт " + f.folio_number + ", остаток к оплате " + format_money_ru(f.balance_due_minor, f.currency) +
        (open_total > 0 ? ", уже ожидается по открытым ссылкам " + format_money_ru(open_total, f.currency) : "")).end_object();
    w.begin_object().member("type", "form").member("id", "create_form").key("fields").begin_array();
    auto err = [&](const char* name) {
        if (auto it = m.errors.find(name); it != m.errors.end())
            w.member("error", it->second);
    };
    w.begin_object().member("type", "money").member("name", "amount").member("label", "Сумма").member("currency", f.currency)
        .member("value", m.amount).member_bool("required", true).member("min", "0.01");
    if (f.balance_due_minor > 0)
        w.member("max", format_decimal(f.balance_due_minor));
    err("amount");
    w.end_object();
    w.begin_object().member("type", "text").member("name", "description").member("label", "Описание")
        .member("value", m.description).member_bool("required", true).member_int("max_length", 1000);
    err("description");
    w.end_object();
    w.begin_object().member("type", "textarea").member("name", "message_template").member("label", "Текст сообщения гостю")
        .member("value", m.message_template).member_int("rows", 8).member_int("max_length", 5000)
        .member("help", "Подстановки: {guest_name}, {amount}, {link}, {expiry}, {folio}, {booking}, {hotel}");
    err("message_template");
    w.end_object();
    w.begin_object().member("type", "select").member("name", "lifetime").member("label", "Срок действия ссылки")
        .member("value", m.lifetime).key("options").begin_array();
    for (const auto& p : lifetime_presets())
        w.begin_object().member("value", p.id).member("label", p.label).end_object();
    w.end_array();
    err("lifetime");
    w.end_object();
    w.begin_object().member("type", "checkbox").member("name", "send_mail").member("label", "Отправить пользователю")
        .member_bool("value", m.send_mail)
        .member("help", f.guest_email.empty() ? "У основного гостя нет e-mail: ссылку можно будет скопировать"
                                              : "Письмо со ссылкой уйдёт на " + f.guest_email);
    err("send_mail");
    w.end_object();
    w.end_array().end_object();
    w.end_array();
    w.key("buttons").begin_array();
    w.begin_object().member("id", "submit_create").member("label", "Создать ссылку").member("style", "primary")
        .member_bool("submit", true).end_object();
    if (m.ask_over_balance)
        w.begin_object().member("id", "submit_create_force").member("label", "Создать, несмотря на превышение")
            .member("style", "danger").member_bool("submit", true).end_object();
    w.begin_object().member("id", "back").member("label", "Отмена").end_object();
    w.end_array();
    w.end_object();
    return w.take();
}

// ---- refunds (issue 13) ----------------------------------------------------------------------

namespace {

/// "10 000,00" for RUB (the sign once, after the second amount), else with the code.
std::string money_bare(std::int64_t minor, const std::string& currency) {
    std::string text = format_money_ru(minor, currency);
    constexpr std::string_view sign = "\u00A0₽";
    if (currency == "RUB" && text.size() > sign.size() && text.ends_with(sign))
        text.resize(text.size() - sign.size());
    return text;
}

} // namespace

std::string refund_summary(const LinkRecord& l, const std::vector<RefundRecord>& refunds) {
    if (refunds.empty())
        return {};
    std::string out;
    const auto totals = LinkService::refund_totals(refunds);
    const std::int64_t paid = l.paid_amount_minor > 0 ? l.paid_amount_minor : l.amount_minor;
    if (totals.completed > 0)
        out = "Возвращено " + money_bare(totals.completed, l.currency) + " из " + format_money_ru(paid, l.currency);
    if (totals.in_progress > 0)
        out += std::string(out.empty() ? "Возврат " : ", возврат ") + format_money_ru(totals.in_progress, l.currency) +
               " выполняется";
    // The last refund failed: staff see it (with InvoiceBox's word) until a later one is made.
    const auto& last = refunds.back();
    if (!last.counts())
        out += std::string(out.empty() ? "Возврат " : ", возврат ") + format_money_ru(last.amount_minor, l.currency) +
               " не выполнен" + (last.error_message.empty() ? "" : ": " + last.error_message);
    for (const auto& r : refunds)
        if (r.posting == PostingState::suspense)
            out += ", возврат " + format_money_ru(r.amount_minor, l.currency) + " не проведён в счёт: " + r.suspense_reason;
    return out;
}

std::string refund_item_field(std::size_t i) { return "item_" + std::to_string(i); }

std::string render_refund_view(const LinkRecord& l, const std::vector<RefundRecord>& refunds,
                               const std::vector<pr::BasketItem>& items, const RefundFormModel& m) {
    auto w = writer();
    w.begin_object().member("schema", "pms.view/1")
        .member("title", "Возврат по ссылке на " + format_money_ru(l.amount_minor, l.currency) + " — " + std::string(title))
        .member("size", "large");
    w.key("elements").begin_array();
    write_notices(w, m.notices);
    std::int64_t left = 0;
    for (const auto& it : items)
        left += available_of(it);
    w.begin_object().member("type", "fields").key("items").begin_array();
    w.begin_object().member("label", "Лицевой счёт").member("value", l.folio_number).end_object();
    w.begin_object().member("label", "Оплачено").member("value", format_money_ru(l.paid_amount_minor, l.currency)).end_object();
    if (auto summary = refund_summary(l, refunds); !summary.empty())
        w.begin_object().member("label", "Возвраты").member("value", summary).end_object();
    w.begin_object().member("label", "Доступно к возврату").member("value", format_money_ru(left, l.currency)).end_object();
    w.end_array().end_object();
    w.begin_object().member("type", "form").member("id", "refund_form").key("fields").begin_array();
    auto err = [&](const std::string& name) {
        if (auto it = m.errors.find(name); it != m.errors.end())
            w.member("error", it->second);
    };
    w.begin_object().member("type", "select").member("name", "refund_mode").member("label", "Возврат")
        .member("value", m.mode).key("options").begin_array();
    w.begin_object().member("value", "full").member("label", "Полный: всё, что доступно (" + format_money_ru(left, l.currency) + ")").end_object();
    w.begin_object().member("value", "partial").member("label", "Частичный: по позициям и суммам ниже").end_object();
    w.end_array();
    err("refund_mode");
    w.end_object();
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& it = items[i];
        const auto field = refund_item_field(i);
        const auto avail = available_of(it);
        std::string value = format_decimal(avail);
        if (auto a = m.amounts.find(field); a != m.amounts.end())
            value = a->second;
        w.begin_object().member("type", "money").member("name", field)
            .member("label", it.name + " — доступно " + format_money_ru(avail, l.currency))
            .member("currency", l.currency).member("value", value).member("min", "0.00").member("max", format_decimal(avail))
            .member("help", "Для частичного возврата; НДС позиции по её ставке " + std::string(it.vat_code.wire()));
        err(field);
        w.end_object();
    }
    w.begin_object().member("type", "textarea").member("name", "reason").member("label", "Причина возврата")
        .member("value", m.reason).member_bool("required", true).member_int("rows", 3).member_int("max_length", 1000);
    err("reason");
    w.end_object();
    w.end_array().end_object();
    w.end_array(); // elements
    w.key("buttons").begin_array();
    w.begin_object().member("id", "submit_refund").member("label", "Вернуть деньги гостю").member("style", "danger")
        .member_bool("submit", true).member("confirm", "Вернуть деньги гостю через InvoiceBox? Отменить возврат нельзя.")
        .member("permission", refund_permission).end_object();
    w.begin_object().member("id", "back").member("label", "Отмена").end_object();
    w.end_array();
    w.end_object();
    return w.take();
}

} // namespace invoicebox::plugin
