// See folio_json.hpp.
#include "folio_json.hpp"

#include <boost/json/array.hpp>

#include <chrono>
#include <cstdio>

namespace pms::host::server {

namespace json = boost::json;

std::string rfc3339(UtcTime t) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss<milliseconds> time{t - day};
    char text[32];
    std::snprintf(
        text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
        static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
        static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
    return text;
}

std::string iso_date(ServiceDate d) {
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(d.year()),
                  static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
    return text;
}

json::object to_json(const Property& property) {
    return {{"id", std::to_string(property.id.value)},
            {"name", property.name},
            {"time_zone", property.time_zone},
            {"utc_offset_minutes", property.utc_offset_minutes}};
}

json::object to_json(const LegalEntity& entity) {
    return {
        {"id", std::to_string(entity.id.value)}, {"name", entity.name}, {"tax_id", entity.tax_id}};
}

json::object to_json(const FolioInfo& folio) {
    return {{"id", std::to_string(folio.id.value)},
            {"number", folio.number},
            {"property_id", std::to_string(folio.property.value)},
            {"booking_id", std::to_string(folio.booking.value)},
            {"legal_entity", to_json(folio.legal_entity)},
            {"currency", folio.currency},
            {"is_main", folio.is_main},
            {"status", folio.status == FolioStatus::open ? "open" : "closed"},
            {"totals",
             {{"services_minor", folio.totals.services.minor},
              {"payments_minor", folio.totals.payments.minor},
              {"balance_due_minor", folio.totals.balance_due.minor},
              {"currency", folio.currency}}}};
}

json::object to_json(const FolioLine& line) {
    return {{"id", std::to_string(line.id.value)},
            {"description", line.description},
            {"amount_minor", line.amount.minor},
            {"currency", line.amount.currency},
            {"vat_code", line.vat_code},
            {"service_date", iso_date(line.service_date)},
            {"created_at", rfc3339(line.created_at)}};
}

json::object to_json(const Payment& payment) {
    return {{"id", std::to_string(payment.id.value)},
            {"folio_id", std::to_string(payment.folio.value)},
            {"amount_minor", payment.amount.minor},
            {"currency", payment.amount.currency},
            {"kind", payment.kind},
            {"category",
             {{"id", std::to_string(payment.category.value)}, {"name", payment.category_name}}},
            {"type", {{"id", std::to_string(payment.type.value)}, {"name", payment.type_name}}},
            {"idempotency_key", payment.idempotency_key},
            {"provider_reference", payment.provider_reference},
            {"description", payment.description},
            {"posted_at", rfc3339(payment.posted_at)},
            {"posted_by_plugin", payment.posted_by_plugin}};
}

json::object to_json(const PaymentCategory& category) {
    json::array types;
    for (const auto& type : category.types)
        types.push_back(json::object{{"id", std::to_string(type.id.value)}, {"name", type.name}});
    return {{"id", std::to_string(category.id.value)},
            {"name", category.name},
            {"types", std::move(types)}};
}

json::object to_json(const Notification& n) {
    json::object out{{"id", std::to_string(n.id.value)},
                     {"property_id", std::to_string(n.property.value)},
                     {"level", to_string(n.level)},
                     {"title", n.title},
                     {"body", n.body},
                     {"source", n.source},
                     {"dedupe_key", n.dedupe_key},
                     {"created_at", rfc3339(n.created_at)},
                     {"read", n.read}};
    out["folio_id"] = n.folio ? json::value(std::to_string(n.folio->value)) : json::value(nullptr);
    return out;
}

json::object folio_detail_json(FolioRepository& folios, const FolioInfo& info) {
    json::object out = to_json(info);
    json::array lines;
    if (auto summary = folios.folio_summary(info.id))
        for (const auto& line : summary->lines)
            lines.push_back(to_json(line));
    json::array payments;
    for (const auto& payment : folios.payments_of_folio(info.id))
        payments.push_back(to_json(payment));
    out["lines"] = std::move(lines);
    out["payments"] = std::move(payments);
    return out;
}

json::object booking_json(FolioRepository& folios, const Booking& booking) {
    json::array accounts;
    for (const auto& info : folios.folios_of_booking(booking.id))
        accounts.push_back(folio_detail_json(folios, info));
    return {
        {"id", std::to_string(booking.id.value)},
        {"property_id", std::to_string(booking.property.value)},
        {"number", booking.number},
        {"main_guest", {{"name", booking.main_guest.name}, {"email", booking.main_guest.email}}},
        {"accounts", std::move(accounts)}};
}

} // namespace pms::host::server
