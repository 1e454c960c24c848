// The reconciliation report: its words, its stored form and its CSV (reconciliation.hpp).
#include <invoicebox/plugin/reconciliation.hpp>

#include <invoicebox/plugin/formatting.hpp>

#include <boost/json.hpp>

#include <array>
#include <cctype>

namespace invoicebox::plugin {

namespace bj = boost::json;
using Kind = ReconciliationLine::Kind;

namespace {

constexpr std::array<Kind, 8> all_kinds{Kind::posted_now,        Kind::unposted,        Kind::unknown_order,
                                        Kind::not_paid_at_ib,     Kind::refund_posted_now, Kind::refund_unposted,
                                        Kind::refund_unknown,     Kind::refund_not_at_ib};

std::optional<Kind> kind_of(std::string_view s) {
    for (Kind k : all_kinds)
        if (to_string(k) == s)
            return k;
    return std::nullopt;
}

bj::object total_json(const ReconciliationTotal& t) { return {{"count", t.count}, {"minor", t.minor}}; }

ReconciliationTotal total_of(const bj::value* v) {
    ReconciliationTotal t;
    if (!v || !v->is_object())
        return t;
    const auto& o = v->as_object();
    if (const auto* c = o.if_contains("count"); c && c->is_int64())
        t.count = static_cast<int>(c->as_int64());
    if (const auto* m = o.if_contains("minor"); m && m->is_int64())
        t.minor = m->as_int64();
    return t;
}

std::string str_of(const bj::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t int_of(const bj::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_int64() ? v->as_int64() : 0;
}

/// One CSV field: quoted when it holds the separator, a quote or a line break (RFC 4180), and
/// a leading =, +, - or @ is defused so a spreadsheet never runs a field as a formula.
std::string field(std::string_view text) {
    std::string v(text);
    if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '@' || (v[0] == '-' && v.size() > 1 && !std::isdigit(static_cast<unsigned char>(v[1])))))
        v.insert(v.begin(), '\'');
    if (v.find_first_of(";\"\r\n") == std::string::npos)
        return v;
    std::string out = "\"";
    for (char c : v) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + "\"";
}

/// Minor units as "1234,56" (a decimal comma for a Russian spreadsheet; no thousands separator).
std::string amount(std::int64_t minor) {
    std::string s = format_decimal(minor);
    if (auto dot = s.find('.'); dot != std::string::npos)
        s[dot] = ',';
    return s;
}

void row(std::string& out, std::initializer_list<std::string> fields) {
    bool first = true;
    for (const auto& f : fields) {
        if (!first)
            out += ';';
        out += field(f);
        first = false;
    }
    out += "\r\n";
}

} // namespace

std::string_view to_string(Kind k) noexcept {
    switch (k) {
    case Kind::posted_now: return "posted_now";
    case Kind::unposted: return "unposted";
    case Kind::unknown_order: return "unknown_order";
    case Kind::not_paid_at_ib: return "not_paid_at_invoicebox";
    case Kind::refund_posted_now: return "refund_posted_now";
    case Kind::refund_unposted: return "refund_unposted";
    case Kind::refund_unknown: return "refund_unknown";
    case Kind::refund_not_at_ib: return "refund_not_at_invoicebox";
    }
    return "?";
}

std::string_view label_of(Kind k) noexcept {
    switch (k) {
    case Kind::posted_now: return "Оплата проведена сверкой";
    case Kind::unposted: return "Оплата не проведена";
    case Kind::unknown_order: return "Оплата без ссылки PMS";
    case Kind::not_paid_at_ib: return "Проведено, в InvoiceBox не оплачено";
    case Kind::refund_posted_now: return "Возврат проведён сверкой";
    case Kind::refund_unposted: return "Возврат не проведён";
    case Kind::refund_unknown: return "Возврат без ссылки PMS";
    case Kind::refund_not_at_ib: return "Возврат проведён, в InvoiceBox нет";
    }
    return "?";
}

std::size_t ReconciliationReport::differences() const {
    std::size_t n = 0;
    for (const auto& l : lines)
        if (l.kind != Kind::posted_now && l.kind != Kind::refund_posted_now)
            ++n;
    return n;
}

bool ReconciliationReport::complete() const {
    for (const auto& s : shops)
        if (!s.error.empty())
            return false;
    return true;
}

std::string serialize(const ReconciliationReport& r) {
    bj::array shops;
    for (const auto& s : r.shops)
        shops.push_back(bj::object{{"merchant_id", s.merchant_id},
                                   {"label", s.label},
                                   {"paid_at_ib", total_json(s.paid_at_ib)},
                                   {"paid_posted", total_json(s.paid_posted)},
                                   {"refunds_at_ib", total_json(s.refunds_at_ib)},
                                   {"refunds_posted", total_json(s.refunds_posted)},
                                   {"posted_now", s.posted_now},
                                   {"error", s.error}});
    bj::array lines;
    for (const auto& l : r.lines)
        lines.push_back(bj::object{{"kind", to_string(l.kind)},
                                   {"merchant_id", l.merchant_id},
                                   {"invoicebox_id", l.invoicebox_id},
                                   {"merchant_order_id", l.merchant_order_id},
                                   {"folio_number", l.folio_number},
                                   {"invoicebox_minor", l.invoicebox_minor},
                                   {"pms_minor", l.pms_minor},
                                   {"reason", l.reason}});
    return bj::serialize(bj::object{{"version", 1},
                                    {"from_ms", r.from_ms},
                                    {"to_ms", r.to_ms},
                                    {"run_at_ms", r.run_at_ms},
                                    {"who", r.who},
                                    {"shops", std::move(shops)},
                                    {"lines", std::move(lines)}});
}

std::optional<ReconciliationReport> parse_reconciliation_report(std::string_view json) {
    bj::error_code ec;
    const auto v = bj::parse(json, ec);
    if (ec || !v.is_object())
        return std::nullopt;
    const auto& o = v.as_object();
    if (int_of(o, "version") != 1)
        return std::nullopt;
    ReconciliationReport r;
    r.from_ms = int_of(o, "from_ms");
    r.to_ms = int_of(o, "to_ms");
    r.run_at_ms = int_of(o, "run_at_ms");
    r.who = str_of(o, "who");
    if (const auto* shops = o.if_contains("shops"); shops && shops->is_array())
        for (const auto& x : shops->as_array()) {
            if (!x.is_object())
                continue;
            const auto& so = x.as_object();
            ReconciliationShop s;
            s.merchant_id = str_of(so, "merchant_id");
            s.label = str_of(so, "label");
            s.paid_at_ib = total_of(so.if_contains("paid_at_ib"));
            s.paid_posted = total_of(so.if_contains("paid_posted"));
            s.refunds_at_ib = total_of(so.if_contains("refunds_at_ib"));
            s.refunds_posted = total_of(so.if_contains("refunds_posted"));
            s.posted_now = static_cast<int>(int_of(so, "posted_now"));
            s.error = str_of(so, "error");
            r.shops.push_back(std::move(s));
        }
    if (const auto* lines = o.if_contains("lines"); lines && lines->is_array())
        for (const auto& x : lines->as_array()) {
            if (!x.is_object())
                continue;
            const auto& lo = x.as_object();
            auto kind = kind_of(str_of(lo, "kind"));
            if (!kind)
                continue;
            ReconciliationLine l;
            l.kind = *kind;
            l.merchant_id = str_of(lo, "merchant_id");
            l.invoicebox_id = str_of(lo, "invoicebox_id");
            l.merchant_order_id = str_of(lo, "merchant_order_id");
            l.folio_number = str_of(lo, "folio_number");
            l.invoicebox_minor = int_of(lo, "invoicebox_minor");
            l.pms_minor = int_of(lo, "pms_minor");
            l.reason = str_of(lo, "reason");
            r.lines.push_back(std::move(l));
        }
    return r;
}

std::string reconciliation_csv(const ReconciliationReport& r, int offset_minutes) {
    std::string out = "\xEF\xBB\xBF"; // UTF-8 BOM: Excel then reads the Cyrillic right
    row(out, {"Сверка с InvoiceBox", "с " + format_local_datetime(r.from_ms, offset_minutes),
              "по " + format_local_datetime(r.to_ms, offset_minutes),
              "выполнена " + format_local_datetime(r.run_at_ms, offset_minutes), r.who});
    row(out, {"Магазин", "Оплачено в InvoiceBox, шт.", "Оплачено в InvoiceBox, сумма", "Проведено в PMS, шт.",
              "Проведено в PMS, сумма", "Возвраты в InvoiceBox, шт.", "Возвраты в InvoiceBox, сумма",
              "Возвраты в PMS, шт.", "Возвраты в PMS, сумма", "Проведено сверкой", "Ошибка"});
    for (const auto& s : r.shops)
        row(out, {s.label, std::to_string(s.paid_at_ib.count), amount(s.paid_at_ib.minor),
                  std::to_string(s.paid_posted.count), amount(s.paid_posted.minor), std::to_string(s.refunds_at_ib.count),
                  amount(s.refunds_at_ib.minor), std::to_string(s.refunds_posted.count), amount(s.refunds_posted.minor),
                  std::to_string(s.posted_now), s.error});
    row(out, {});
    row(out, {"Строка", "Код", "Магазин", "Заказ InvoiceBox", "Номер заказа", "Счёт", "Сумма InvoiceBox",
              "Сумма PMS", "Причина"});
    for (const auto& l : r.lines)
        row(out, {std::string(label_of(l.kind)), std::string(to_string(l.kind)), l.merchant_id, l.invoicebox_id,
                  l.merchant_order_id, l.folio_number, amount(l.invoicebox_minor), amount(l.pms_minor), l.reason});
    return out;
}

} // namespace invoicebox::plugin
