// The host's own folio data as API JSON: properties, bookings with their accounts, lines and
// payments with category/type, totals and balance. Amounts are integer minor units
// ("amount_minor") with the currency next to them, never JSON floating point (architecture §5).
#pragma once

#include <pms/host/storage/folio_repository.hpp>
#include <pms/host/storage/notification_repository.hpp>

#include <boost/json/object.hpp>

#include <string>

namespace pms::host::server {

/// "2025-03-14T10:00:00.000Z"
[[nodiscard]] std::string rfc3339(UtcTime t);
/// "2025-03-14"
[[nodiscard]] std::string iso_date(ServiceDate d);

[[nodiscard]] boost::json::object to_json(const Property& property);
[[nodiscard]] boost::json::object to_json(const LegalEntity& entity);
[[nodiscard]] boost::json::object to_json(const FolioInfo& folio);
[[nodiscard]] boost::json::object to_json(const FolioLine& line);
[[nodiscard]] boost::json::object to_json(const Payment& payment);
[[nodiscard]] boost::json::object to_json(const PaymentCategory& category);
[[nodiscard]] boost::json::object to_json(const Notification& notification);

/// One account with everything on it: the FolioInfo members plus "lines" and "payments".
[[nodiscard]] boost::json::object folio_detail_json(FolioRepository& folios, const FolioInfo& info);

/// The booking ("id", "number", "main_guest") and its accounts (★ first), each in detail.
[[nodiscard]] boost::json::object booking_json(FolioRepository& folios, const Booking& booking);

} // namespace pms::host::server
