// The host's folio model behind `pms.folio/1`: properties, legal entities, guests, bookings,
// folios (one account of one legal entity in a booking), folio lines, payment categories and
// types, and payments posted at most once per idempotency key.
#pragma once

#include "pms/host/storage/audit_log.hpp"
#include "pms/host/storage/clock.hpp"
#include "pms/host/storage/errors.hpp"
#include "pms/host/storage/ids.hpp"
#include "pms/host/storage/money.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pms::host {

/// A hotel. `utc_offset_minutes` is the standard offset (Europe/Moscow: +180); the zone name is
/// what the browser formats with.
struct Property {
    PropertyId id;
    std::string name;
    std::string time_zone;
    int utc_offset_minutes = 0;
};

struct PropertyDraft {
    std::string name; ///< unique among properties
    std::string time_zone;
    int utc_offset_minutes = 0;
};

/// A company that issues accounts (and 54-FZ receipts) in a property.
struct LegalEntity {
    LegalEntityId id;
    PropertyId property;
    std::string name;
    std::string tax_id; ///< INN; may be empty
};

struct LegalEntityDraft {
    PropertyId property;
    std::string name; ///< unique within the property
    std::string tax_id;
};

struct GuestContact {
    GuestId id;
    std::string name;
    std::string email; ///< may be empty
};

struct GuestDraft {
    std::string name;
    std::string email;
};

struct Booking {
    BookingId id;
    PropertyId property;
    std::string number; ///< "471887"
    GuestContact main_guest;
};

struct BookingDraft {
    PropertyId property;
    std::string number; ///< unique within the property
    GuestDraft main_guest;
};

enum class FolioStatus { open, closed };

/// A calendar date in the property's time zone (the day a service was provided).
using ServiceDate = std::chrono::year_month_day;

struct FolioLineDraft {
    std::string description;
    std::int64_t amount_minor = 0; ///< in the folio's currency; negative for corrections
    std::string vat_code;          ///< "RUS_VAT20", "RUS_VAT0", "VATNONE"...
    ServiceDate service_date;
};

struct FolioLine {
    FolioLineId id;
    std::string description;
    Money amount;
    std::string vat_code;
    ServiceDate service_date;
    UtcTime created_at;
};

struct FolioDraft {
    BookingId booking;
    LegalEntityId legal_entity;        ///< must belong to the booking's property
    std::string number;                ///< "30682277", unique within the property
    std::string currency;              ///< ISO-4217, "RUB"
    bool is_main = false;              ///< the ★ account; at most one per booking
    std::vector<FolioLineDraft> lines; ///< posted together with the folio when it is created
};

struct FolioTotals {
    Money services;    ///< sum of the lines
    Money payments;    ///< sum of the payments (refunds are negative)
    Money balance_due; ///< services - payments
};

/// One account as listed for a booking.
struct FolioInfo {
    FolioId id;
    std::string number;
    PropertyId property;
    BookingId booking;
    LegalEntity legal_entity;
    std::string currency;
    bool is_main = false;
    FolioStatus status = FolioStatus::open;
    FolioTotals totals;
};

/// Everything `pms.folio/1` get_summary returns.
struct FolioSummary {
    FolioInfo folio;
    std::string booking_number;
    GuestContact main_guest;
    std::vector<FolioLine> lines; ///< in posting order
};

struct PaymentType {
    PaymentTypeId id;
    PaymentCategoryId category;
    std::string name;
};

/// A host-defined payment category ("Безналичный расчёт") with its types.
struct PaymentCategory {
    PaymentCategoryId id;
    PropertyId property;
    std::string name;
    std::vector<PaymentType> types; ///< in creation order
};

/// A request to post a payment (or refund) to a folio.
struct PaymentPosting {
    FolioId folio;
    Money amount;                ///< non-zero, in the folio's currency
    std::string kind;            ///< the plugin's payment kind code: "payment", "refund"...
    std::string idempotency_key; ///< mandatory, namespaced "<plugin>:<kind>:<id>"
    std::string plugin_id;       ///< who posts
    std::string provider_reference;
    std::string description;
    /// Category and type; when absent, the mapping (plugin, folio's property, kind) is applied.
    std::optional<PaymentCategoryId> category;
    std::optional<PaymentTypeId> type;
    /// When set, a folio of another property is refused as unknown_folio: a plugin instance
    /// posts only to its own property's folios, checked in the posting's transaction.
    std::optional<PropertyId> property;
    /// Appended to the audit log in the same transaction when the posting is new (never for a
    /// repeat or a refusal): the trail can neither miss a posting nor cost a commit of its own.
    /// `details_json` may name "posting_id": it is filled in with the new posting's id.
    std::optional<AuditDraft> audit;
};

/// A posted payment.
struct Payment {
    PaymentId id;
    FolioId folio;
    Money amount;
    std::string kind;
    PaymentCategoryId category;
    PaymentTypeId type;
    std::string category_name;
    std::string type_name;
    std::string idempotency_key;
    /// Canonical text of what makes two postings "the same": folio, amount, currency, kind and
    /// the posting plugin.
    std::string payload_fingerprint;
    std::string provider_reference;
    std::string description;
    UtcTime posted_at;
    std::string posted_by_plugin;
};

enum class PostOutcome {
    posted,        ///< a new payment row was written
    repeated,      ///< the key was seen with the same payload; `payment` is the first posting
    conflict,      ///< the key was seen with a different payload; `payment` is the first posting
    unknown_folio, ///< no such folio
    folio_closed,  ///< the folio is closed; nothing posted
    currency_mismatch, ///< the amount's currency differs from the folio's
    no_mapping,        ///< no category/type given and no payment-type mapping for the kind
    invalid_request,   ///< empty key, zero amount, bad currency, type not in category...
};

struct PostPaymentResult {
    PostOutcome outcome = PostOutcome::invalid_request;
    std::optional<Payment> payment; ///< set for posted, repeated and conflict
    bool is_repeat = false;         ///< true exactly when outcome == repeated
    std::string detail;             ///< human-readable reason when not posted

    /// True when the payment is on the folio (now or from the first posting).
    [[nodiscard]] bool ok() const noexcept {
        return outcome == PostOutcome::posted || outcome == PostOutcome::repeated;
    }
};

[[nodiscard]] const char* to_string(PostOutcome outcome) noexcept;

/// Thread-safe. Throws `StorageError` when the storage fails or a referenced row is missing;
/// `post_payment` reports business outcomes in its result instead.
class FolioRepository {
  public:
    virtual ~FolioRepository() = default;

    // --- properties and legal entities ---------------------------------------------------------
    /// Creates the property unless one with the same name exists (then returns it unchanged).
    virtual Ensured<PropertyId> ensure_property(const PropertyDraft& draft) = 0;
    [[nodiscard]] virtual std::optional<Property> get_property(PropertyId id) = 0;
    [[nodiscard]] virtual std::optional<Property> find_property(const std::string& name) = 0;
    [[nodiscard]] virtual std::vector<Property> list_properties() = 0;

    virtual Ensured<LegalEntityId> ensure_legal_entity(const LegalEntityDraft& draft) = 0;
    [[nodiscard]] virtual std::optional<LegalEntity> get_legal_entity(LegalEntityId id) = 0;
    [[nodiscard]] virtual std::vector<LegalEntity> list_legal_entities(PropertyId property) = 0;

    // --- bookings and folios -------------------------------------------------------------------
    /// Creates the booking and its main guest unless the (property, number) exists.
    virtual Ensured<BookingId> ensure_booking(const BookingDraft& draft) = 0;
    [[nodiscard]] virtual std::optional<Booking> get_booking(BookingId id) = 0;
    [[nodiscard]] virtual std::optional<Booking> find_booking(PropertyId property,
                                                              const std::string& number) = 0;

    /// Creates the folio with its initial lines in one transaction, unless the (property,
    /// number) exists, in which case nothing changes (the draft's lines are not added).
    virtual Ensured<FolioId> ensure_folio(const FolioDraft& draft) = 0;
    /// Adds a line to an open folio. Throws `folio_closed` for a closed one.
    virtual FolioLineId add_folio_line(FolioId folio, const FolioLineDraft& line) = 0;
    virtual void set_folio_status(FolioId folio, FolioStatus status) = 0;

    [[nodiscard]] virtual std::optional<FolioId> find_folio(PropertyId property,
                                                            const std::string& number) = 0;
    [[nodiscard]] virtual std::optional<FolioSummary> folio_summary(FolioId folio) = 0;
    /// The accounts of a booking, ★ first, then by number.
    [[nodiscard]] virtual std::vector<FolioInfo> folios_of_booking(BookingId booking) = 0;

    // --- payment categories and types ----------------------------------------------------------
    virtual Ensured<PaymentCategoryId> ensure_payment_category(PropertyId property,
                                                               const std::string& name) = 0;
    virtual Ensured<PaymentTypeId> ensure_payment_type(PaymentCategoryId category,
                                                       const std::string& name) = 0;
    [[nodiscard]] virtual std::vector<PaymentCategory>
    list_payment_categories(PropertyId property) = 0;

    // --- payments ------------------------------------------------------------------------------
    /// Posts at most once per idempotency key, across threads, connections and processes.
    /// A repeat with the same payload returns the first posting with `is_repeat`; a different
    /// payload (folio, amount, currency, kind, or another plugin) returns `conflict` and the
    /// first posting. Descriptive fields (provider reference, description) are not compared.
    /// The key is checked before the folio, so a repeat succeeds even after the folio closed.
    virtual PostPaymentResult post_payment(const PaymentPosting& posting) = 0;
    /// The outcome of post_payment_async: the result, or why the storage could not say.
    using PostDone = std::function<void(std::optional<PostPaymentResult>, std::optional<StorageError>)>;
    /// post_payment() without waiting for the commit (pms.folio/1, issue 14): the posting is
    /// queued behind the plugin store's writer and committed with whatever else waits (group
    /// commit). `done` runs exactly once: on this thread for a posting refused before it is
    /// queued (invalid_request), else on the writer thread once the posting is durable or
    /// failed (post anything more elsewhere).
    virtual void post_payment_async(const PaymentPosting& posting, PostDone done) = 0;
    /// Payments of a folio in posting order.
    [[nodiscard]] virtual std::vector<Payment> payments_of_folio(FolioId folio) = 0;
    [[nodiscard]] virtual std::optional<Payment>
    find_payment(const std::string& idempotency_key) = 0;
};

} // namespace pms::host
