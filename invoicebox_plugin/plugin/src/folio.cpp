// Reading the pms.folio/1 document (folio.hpp). Integers only: Boost.JSON's int64 is exact.
#include <invoicebox/plugin/folio.hpp>

#include <boost/json.hpp>

namespace invoicebox::plugin {

namespace bj = boost::json;

namespace {

std::string str(const bj::object& o, std::string_view key) {
    if (const auto* v = o.if_contains(key)) {
        if (v->is_string())
            return std::string(v->as_string());
        if (v->is_int64())
            return std::to_string(v->as_int64());
    }
    return {};
}

std::int64_t integer(const bj::object& o, std::string_view key) {
    if (const auto* v = o.if_contains(key)) {
        if (v->is_int64())
            return v->as_int64();
        if (v->is_uint64())
            return static_cast<std::int64_t>(v->as_uint64());
    }
    return 0;
}

const bj::object* obj(const bj::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_object() ? &v->as_object() : nullptr;
}

} // namespace

std::optional<Folio> parse_folio(std::string_view json) {
    bj::error_code ec;
    const bj::value v = bj::parse(json, ec);
    if (ec || !v.is_object())
        return std::nullopt;
    const auto& o = v.as_object();
    Folio f;
    f.folio_id = str(o, "folio_id");
    if (f.folio_id.empty())
        return std::nullopt;
    f.folio_number = str(o, "folio_number");
    f.closed = str(o, "status") == "closed";
    f.property_id = str(o, "property_id");
    if (auto c = str(o, "currency"); !c.empty())
        f.currency = c;
    if (const auto* le = obj(o, "legal_entity")) {
        f.legal_entity_id = str(*le, "id");
        f.legal_entity_name = str(*le, "name");
    }
    if (const auto* b = obj(o, "booking")) {
        f.booking_id = str(*b, "id");
        f.booking_number = str(*b, "number");
        f.arrival = str(*b, "arrival");
        f.departure = str(*b, "departure");
    }
    if (const auto* g = obj(o, "guest")) {
        f.guest_name = str(*g, "name");
        f.guest_email = str(*g, "email");
        f.guest_phone = str(*g, "phone");
    }
    if (const auto* lines = o.if_contains("lines"); lines && lines->is_array()) {
        for (const auto& l : lines->as_array()) {
            if (!l.is_object())
                continue;
            const auto& lo = l.as_object();
            FolioLine line;
            line.line_id = str(lo, "line_id");
            line.date = str(lo, "date");
            line.description = str(lo, "description");
            line.quantity = str(lo, "quantity");
            if (line.quantity.empty())
                line.quantity = "1";
            line.unit_amount_minor = integer(lo, "unit_amount_minor");
            line.amount_minor = integer(lo, "amount_minor");
            line.vat_code = str(lo, "vat_code");
            line.category = str(lo, "category");
            f.lines.push_back(std::move(line));
        }
    }
    if (const auto* t = obj(o, "totals")) {
        f.charges_minor = integer(*t, "charges_minor");
        f.paid_minor = integer(*t, "paid_minor");
        f.balance_due_minor = integer(*t, "balance_due_minor");
    }
    return f;
}

} // namespace invoicebox::plugin
