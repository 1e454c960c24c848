// See folio_document.hpp.
#include "folio_document.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>

namespace pms::host::detail {
namespace json = boost::json;

namespace {

std::string iso(ServiceDate d) {
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(d.year()),
                  static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
    return text;
}

bool contains_any(const std::string& text, std::initializer_list<const char*> words) {
    std::string lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const char* w : words)
        if (lower.find(w) != std::string::npos || text.find(w) != std::string::npos)
            return true;
    return false;
}

// The storage keeps no line category; derive the document's from the description.
std::string category_of(const FolioLine& line) {
    if (contains_any(line.description,
                     {"Проживание", "проживание", "ночь", "accommodation", "room", "night"}))
        return "accommodation";
    if (contains_any(line.description, {"Завтрак", "завтрак", "Обед", "обед", "Ужин", "ужин",
                                        "breakfast", "lunch", "dinner", "food"}))
        return "food";
    if (contains_any(line.description, {"налог", "сбор", "tax"}))
        return "tax";
    return "service";
}

} // namespace

std::string rfc3339_utc(UtcTime t) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss<milliseconds> time{t - day};
    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));
    return text;
}

std::string folio_vat_code(const std::string& code) {
    if (code == "VATNONE" || code == "none")
        return "none";
    if (code.rfind("RUS_VAT", 0) == 0)
        return "vat" + code.substr(7);
    return code;
}

std::string folio_document(const FolioSummary& s, const std::vector<Payment>& payments) {
    const FolioInfo& f = s.folio;
    json::object doc;
    doc["schema"] = "pms.folio/1";
    doc["folio_id"] = std::to_string(f.id.value);
    doc["folio_number"] = f.number;
    doc["status"] = f.status == FolioStatus::open ? "open" : "closed";
    doc["property_id"] = std::to_string(f.property.value);
    doc["currency"] = f.currency;
    doc["is_main"] = f.is_main;
    doc["legal_entity"] = {{"id", std::to_string(f.legal_entity.id.value)},
                           {"name", f.legal_entity.name},
                           {"tax_id", f.legal_entity.tax_id}};
    doc["booking"] = {{"id", std::to_string(f.booking.value)}, {"number", s.booking_number}};
    doc["guest"] = {{"name", s.main_guest.name}, {"email", s.main_guest.email}, {"phone", ""}};
    json::array lines;
    for (const FolioLine& l : s.lines) {
        lines.push_back(json::object{{"line_id", std::to_string(l.id.value)},
                                     {"date", iso(l.service_date)},
                                     {"description", l.description},
                                     {"quantity", "1"},
                                     {"unit_amount_minor", l.amount.minor},
                                     {"amount_minor", l.amount.minor},
                                     {"vat_code", folio_vat_code(l.vat_code)},
                                     {"category", category_of(l)}});
    }
    doc["lines"] = std::move(lines);
    json::array paid;
    for (const Payment& p : payments) {
        json::object item{{"posting_id", std::to_string(p.id.value)},
                          {"amount_minor", p.amount.minor < 0 ? -p.amount.minor : p.amount.minor},
                          {"direction", p.amount.minor < 0 ? "outgoing" : "incoming"},
                          {"category", p.category_name},
                          {"type", p.type_name},
                          {"posted_at", rfc3339_utc(p.posted_at)}};
        if (!p.idempotency_key.empty())
            item["idempotency_key"] = p.idempotency_key;
        if (!p.provider_reference.empty())
            item["provider_reference"] = p.provider_reference;
        paid.push_back(std::move(item));
    }
    doc["payments"] = std::move(paid);
    doc["totals"] = {{"charges_minor", f.totals.services.minor},
                     {"paid_minor", f.totals.payments.minor},
                     {"balance_due_minor", f.totals.balance_due.minor}};
    return json::serialize(doc);
}

} // namespace pms::host::detail
