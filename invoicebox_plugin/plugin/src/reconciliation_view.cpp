// The reconciliation screen of the unposted-payments page (reconciliation.hpp): the period form,
// the last report's figures per shop and its lines, and the CSV download.
#include <invoicebox/plugin/reconciliation_view.hpp>

#include <invoicebox/plugin/formatting.hpp>

#include <invoicebox/protocol/json_writer.hpp>

namespace invoicebox::plugin {

namespace pr = invoicebox::protocol;

namespace {

std::string money(std::int64_t minor) { return format_money_ru(minor, "RUB"); }

std::string total(const ReconciliationTotal& t) { return std::to_string(t.count) + " на " + money(t.minor); }

/// "reconciliation-2026-12-05.csv" from the run's local date.
std::string csv_filename(const ReconciliationReport& r, int offset_minutes) {
    const std::string when = format_local_datetime(r.run_at_ms, offset_minutes); // "05.12.2026 19:03"
    if (when.size() >= 10)
        return "reconciliation-" + when.substr(6, 4) + "-" + when.substr(3, 2) + "-" + when.substr(0, 2) + ".csv";
    return "reconciliation.csv";
}

} // namespace

std::optional<int> reconciliation_period_days(std::string_view value) {
    if (value == "1")
        return 1;
    if (value == "7")
        return 7;
    if (value == "30")
        return 30;
    return std::nullopt;
}

void write_reconciliation_screen(pr::JsonWriter& w, const ReconciliationScreen& s) {
    w.begin_object().member("type", "text").member("text",
        "Сверка сравнивает оплаты и возвраты в InvoiceBox с проводками в PMS за период. Оплату или возврат, "
        "которые не были проведены, сверка проводит (или оставляет в списке неразнесённых с причиной); "
        "что объяснить нельзя, показано построчно. Каждый день сверка выполняется сама.").end_object();
    w.begin_object().member("type", "form").member("id", "reconcile").key("fields").begin_array();
    w.begin_object().member("type", "select").member("name", "period").member("label", "Период")
        .member("value", s.period.empty() ? "1" : s.period).key("options").begin_array();
    w.begin_object().member("value", "1").member("label", "Последние сутки").end_object();
    w.begin_object().member("value", "7").member("label", "Последние 7 дней").end_object();
    w.begin_object().member("value", "30").member("label", "Последние 30 дней").end_object();
    w.end_array().end_object();
    w.end_array().end_object();

    if (!s.report) {
        w.begin_object().member("type", "text").member("text", "Сверок ещё не было.").member("style", "muted").end_object();
        return;
    }
    const auto& r = *s.report;
    w.begin_object().member("type", "fields").key("items").begin_array();
    w.begin_object().member("label", "Период").member("value", format_local_datetime(r.from_ms, s.offset_minutes) + " — " +
                                                                     format_local_datetime(r.to_ms, s.offset_minutes)).end_object();
    w.begin_object().member("label", "Выполнена").member("value", format_local_datetime(r.run_at_ms, s.offset_minutes) +
                                                                       (r.who.empty() ? "" : " (" + r.who + ")")).end_object();
    const auto differences = r.differences();
    w.begin_object().member("label", "Расхождения").member("value", differences == 0 ? std::string("нет") : std::to_string(differences))
        .member("tone", differences == 0 ? (r.complete() ? "success" : "warning") : "error").end_object();
    w.end_array().end_object();
    for (const auto& shop : r.shops)
        if (!shop.error.empty())
            w.begin_object().member("type", "notice").member("level", "warning").member("title", "Сверка неполная: " + shop.label)
                .member("text", shop.error + ". Повторите сверку позже").end_object();

    w.begin_object().member("type", "table").member("id", "reconciliation_shops");
    w.key("columns").begin_array();
    w.begin_object().member("key", "shop").member("label", "Магазин").end_object();
    w.begin_object().member("key", "paid_ib").member("label", "Оплачено в InvoiceBox").member("align", "right").end_object();
    w.begin_object().member("key", "paid_pms").member("label", "Проведено в PMS").member("align", "right").end_object();
    w.begin_object().member("key", "refunds_ib").member("label", "Возвраты в InvoiceBox").member("align", "right").end_object();
    w.begin_object().member("key", "refunds_pms").member("label", "Возвраты в PMS").member("align", "right").end_object();
    w.begin_object().member("key", "posted_now").member("label", "Проведено сверкой").member("align", "right").end_object();
    w.end_array();
    w.key("rows").begin_array();
    std::size_t n = 0;
    for (const auto& shop : r.shops) {
        w.begin_object().member("key", "shop-" + std::to_string(n++)).key("cells").begin_object();
        w.member("shop", shop.label);
        w.member("paid_ib", total(shop.paid_at_ib));
        w.key("paid_pms").begin_object().member("text", total(shop.paid_posted))
            .member("tone", shop.paid_posted.minor == shop.paid_at_ib.minor ? "success" : "error").end_object();
        w.member("refunds_ib", total(shop.refunds_at_ib));
        w.key("refunds_pms").begin_object().member("text", total(shop.refunds_posted))
            .member("tone", shop.refunds_posted.minor == shop.refunds_at_ib.minor ? "success" : "error").end_object();
        w.member("posted_now", std::to_string(shop.posted_now));
        w.end_object().end_object();
    }
    w.end_array().member("empty_text", "Нет настроенных магазинов").end_object();

    w.begin_object().member("type", "table").member("id", "reconciliation_lines");
    w.key("columns").begin_array();
    w.begin_object().member("key", "what").member("label", "Что").end_object();
    w.begin_object().member("key", "order").member("label", "Заказ InvoiceBox").end_object();
    w.begin_object().member("key", "folio").member("label", "Счёт").end_object();
    w.begin_object().member("key", "ib").member("label", "InvoiceBox").member("align", "right").end_object();
    w.begin_object().member("key", "pms").member("label", "PMS").member("align", "right").end_object();
    w.begin_object().member("key", "reason").member("label", "Причина").end_object();
    w.end_array();
    w.key("rows").begin_array();
    n = 0;
    for (const auto& l : r.lines) {
        const bool fixed = l.kind == ReconciliationLine::Kind::posted_now || l.kind == ReconciliationLine::Kind::refund_posted_now;
        w.begin_object().member("key", "line-" + std::to_string(n++)).key("cells").begin_object();
        w.key("what").begin_object().member("text", std::string(label_of(l.kind))).member("tone", fixed ? "info" : "error").end_object();
        w.member("order", l.invoicebox_id + (l.merchant_order_id.empty() ? "" : " (" + l.merchant_order_id + ")"));
        w.member("folio", l.folio_number.empty() ? "—" : l.folio_number);
        w.member("ib", l.invoicebox_minor == 0 ? std::string("—") : money(l.invoicebox_minor));
        w.member("pms", l.pms_minor == 0 ? std::string("—") : money(l.pms_minor));
        w.member("reason", l.reason);
        w.end_object().end_object();
    }
    w.end_array().member("empty_text", "Расхождений нет: каждая оплата и каждый возврат проведены").end_object();

    if (s.downloads) {
        const std::string csv = reconciliation_csv(r, s.offset_minutes);
        // Within the host's view cap (256 KiB) with room for the rest of the view.
        if (csv.size() <= reconciliation_csv_max_bytes)
            w.begin_object().member("type", "download").member("id", "reconciliation_csv").member("label", "Скачать CSV")
                .member("filename", csv_filename(r, s.offset_minutes)).member("media_type", "text/csv")
                .member("content", csv).end_object();
        else
            w.begin_object().member("type", "notice").member("level", "info")
                .member("text", "Отчёт слишком велик для выгрузки из окна: выберите период короче").end_object();
    }
}

} // namespace invoicebox::plugin
