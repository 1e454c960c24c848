// The folio model and payments on SQLite. post_payment is at-most-once per idempotency key
// because the key lookup and the insert run in one BEGIN IMMEDIATE transaction (one writer at a
// time across connections and processes) and the key column is UNIQUE as a backstop.
#include "../failpoint.hpp"
#include "repositories.hpp"

#include <cstdio>
#include <functional>
#include <future>

namespace pms::host::sqlite {
namespace {

std::string format_date(ServiceDate d) {
    if (!d.ok())
        throw StorageError{StorageErrc::invalid_argument, "invalid service date"};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                  static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
    return buf;
}

ServiceDate parse_date(const std::string& s) {
    int y = 0;
    unsigned m = 0;
    unsigned d = 0;
    if (std::sscanf(s.c_str(), "%d-%u-%u", &y, &m, &d) != 3)
        throw StorageError{StorageErrc::corrupt, "bad service date in database: " + s};
    return ServiceDate{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

void require(bool condition, const char* what) {
    if (!condition)
        throw StorageError{StorageErrc::invalid_argument, what};
}

std::int64_t checked_sub(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    if (__builtin_sub_overflow(a, b, &r))
        throw StorageError{StorageErrc::internal, "balance overflows int64"};
    return r;
}

/// The id a lookup right after ON CONFLICT DO NOTHING must find.
std::int64_t single_id(Statement& st) {
    if (!st.step())
        throw StorageError{StorageErrc::internal, "conflicting row not found"};
    return st.int64(0);
}

const char* status_text(FolioStatus s) {
    return s == FolioStatus::open ? "open" : "closed";
}

// --- row readers ----------------------------------------------------------------------------

const std::string folio_info_select =
    "SELECT f.id, f.number, f.property_id, f.booking_id, f.currency, f.is_main, f.status, "
    "le.id, le.property_id, le.name, le.tax_id, "
    "(SELECT COALESCE(SUM(amount_minor), 0) FROM folio_lines WHERE folio_id = f.id), "
    "(SELECT COALESCE(SUM(amount_minor), 0) FROM payments WHERE folio_id = f.id) "
    "FROM folios f JOIN legal_entities le ON le.id = f.legal_entity_id ";

FolioInfo read_folio_info(const Statement& st) {
    FolioInfo f;
    f.id = FolioId{st.int64(0)};
    f.number = st.text(1);
    f.property = PropertyId{st.int64(2)};
    f.booking = BookingId{st.int64(3)};
    f.currency = st.text(4);
    f.is_main = st.int64(5) != 0;
    f.status = st.text(6) == "closed" ? FolioStatus::closed : FolioStatus::open;
    f.legal_entity = {LegalEntityId{st.int64(7)}, PropertyId{st.int64(8)}, st.text(9), st.text(10)};
    const auto services = st.int64(11);
    const auto payments = st.int64(12);
    f.totals = {{services, f.currency},
                {payments, f.currency},
                {checked_sub(services, payments), f.currency}};
    return f;
}

const std::string payment_select =
    "SELECT p.id, p.folio_id, p.amount_minor, p.currency, p.kind, p.category_id, p.type_id, "
    "c.name, t.name, p.idempotency_key, p.payload_fingerprint, p.provider_reference, "
    "p.description, p.posted_at_ms, p.posted_by_plugin "
    "FROM payments p JOIN payment_categories c ON c.id = p.category_id "
    "JOIN payment_types t ON t.id = p.type_id ";

Payment read_payment(const Statement& st) {
    Payment p;
    p.id = PaymentId{st.int64(0)};
    p.folio = FolioId{st.int64(1)};
    p.amount = {st.int64(2), st.text(3)};
    p.kind = st.text(4);
    p.category = PaymentCategoryId{st.int64(5)};
    p.type = PaymentTypeId{st.int64(6)};
    p.category_name = st.text(7);
    p.type_name = st.text(8);
    p.idempotency_key = st.text(9);
    p.payload_fingerprint = st.text(10);
    p.provider_reference = st.text(11);
    p.description = st.text(12);
    p.posted_at = from_utc_ms(st.int64(13));
    p.posted_by_plugin = st.text(14);
    return p;
}

std::optional<Payment> load_payment_by_key(Connection& c, const std::string& key) {
    auto st = c.prepare(payment_select + "WHERE p.idempotency_key = ?1");
    st.bind(1, std::string_view{key});
    if (!st.step())
        return std::nullopt;
    return read_payment(st);
}

std::optional<Property> load_property(Connection& c, const std::string& where,
                                      const std::function<void(Statement&)>& bind) {
    auto st = c.prepare("SELECT id, name, time_zone, utc_offset_minutes FROM properties " + where);
    bind(st);
    if (!st.step())
        return std::nullopt;
    return Property{PropertyId{st.int64(0)}, st.text(1), st.text(2), static_cast<int>(st.int64(3))};
}

std::optional<Booking> load_booking(Connection& c, const std::string& where,
                                    const std::function<void(Statement&)>& bind) {
    auto st = c.prepare("SELECT b.id, b.property_id, b.number, g.id, g.name, g.email "
                        "FROM bookings b JOIN guests g ON g.id = b.main_guest_id " +
                        where);
    bind(st);
    if (!st.step())
        return std::nullopt;
    return Booking{BookingId{st.int64(0)}, PropertyId{st.int64(1)}, st.text(2),
                   GuestContact{GuestId{st.int64(3)}, st.text(4), st.text(5)}};
}

/// Inserts with ON CONFLICT DO NOTHING, then returns the new or the existing row's id.
template <class IdT>
Ensured<IdT> insert_or_find(Connection& c, const std::function<void()>& insert,
                            const std::function<std::int64_t()>& find) {
    insert();
    if (c.changes() == 1)
        return {IdT{c.last_insert_rowid()}, true};
    return {IdT{find()}, false};
}

void insert_line(Connection& c, FolioId folio, const FolioLineDraft& line, std::int64_t now) {
    require(!line.description.empty(), "folio line: empty description");
    require(!line.vat_code.empty(), "folio line: empty VAT code");
    c.prepare("INSERT INTO folio_lines (folio_id, description, amount_minor, vat_code, "
              "service_date, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind(1, folio.value)
        .bind(2, std::string_view{line.description})
        .bind(3, line.amount_minor)
        .bind(4, std::string_view{line.vat_code})
        .bind(5, std::string_view{format_date(line.service_date)})
        .bind(6, now)
        .run();
}

/// What makes two postings with one key "the same": folio, amount, currency, kind, and the
/// poster (a key reused by another plugin is a conflict, not a repeat). The plugin id is
/// length-prefixed and the kind is last, so no character in them makes two payloads alike.
std::string fingerprint_of(const PaymentPosting& p) {
    return "v1;folio=" + std::to_string(p.folio.value) + ";amount=" + std::to_string(p.amount.minor) +
           ";currency=" + p.amount.currency + ";plugin=" + std::to_string(p.plugin_id.size()) + ":" +
           p.plugin_id + ";kind=" + p.kind;
}

PostPaymentResult refused(PostOutcome outcome, std::string detail) {
    PostPaymentResult r;
    r.outcome = outcome;
    r.detail = std::move(detail);
    return r;
}

} // namespace

// --- properties and legal entities
// ----------------------------------------------------------------

Ensured<PropertyId> SqliteFolioRepository::ensure_property(const PropertyDraft& d) {
    require(!d.name.empty(), "property: empty name");
    require(!d.time_zone.empty(), "property: empty time zone");
    require(d.utc_offset_minutes >= -12 * 60 && d.utc_offset_minutes <= 14 * 60,
            "property: UTC offset out of range");
    return db_.write([&](Connection& c) {
        return insert_or_find<PropertyId>(
            c,
            [&] {
                c.prepare(
                     "INSERT INTO properties (name, time_zone, utc_offset_minutes, created_at_ms) "
                     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO NOTHING")
                    .bind(1, std::string_view{d.name})
                    .bind(2, std::string_view{d.time_zone})
                    .bind(3, std::int64_t{d.utc_offset_minutes})
                    .bind(4, db_.now_ms())
                    .run();
            },
            [&] {
                auto st = c.prepare("SELECT id FROM properties WHERE name = ?1");
                st.bind(1, std::string_view{d.name});
                return single_id(st);
            });
    });
}

std::optional<Property> SqliteFolioRepository::get_property(PropertyId id) {
    return db_.read([&](Connection& c) {
        return load_property(c, "WHERE id = ?1", [&](Statement& st) { st.bind(1, id.value); });
    });
}

std::optional<Property> SqliteFolioRepository::find_property(const std::string& name) {
    return db_.read([&](Connection& c) {
        return load_property(c, "WHERE name = ?1",
                             [&](Statement& st) { st.bind(1, std::string_view{name}); });
    });
}

std::vector<Property> SqliteFolioRepository::list_properties() {
    return db_.read([&](Connection& c) {
        auto st =
            c.prepare("SELECT id, name, time_zone, utc_offset_minutes FROM properties ORDER BY id");
        std::vector<Property> out;
        while (st.step())
            out.push_back(
                {PropertyId{st.int64(0)}, st.text(1), st.text(2), static_cast<int>(st.int64(3))});
        return out;
    });
}

Ensured<LegalEntityId> SqliteFolioRepository::ensure_legal_entity(const LegalEntityDraft& d) {
    require(!d.name.empty(), "legal entity: empty name");
    return db_.write([&](Connection& c) {
        return insert_or_find<LegalEntityId>(
            c,
            [&] {
                c.prepare("INSERT INTO legal_entities (property_id, name, tax_id, created_at_ms) "
                          "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (property_id, name) DO NOTHING")
                    .bind(1, d.property.value)
                    .bind(2, std::string_view{d.name})
                    .bind(3, std::string_view{d.tax_id})
                    .bind(4, db_.now_ms())
                    .run();
            },
            [&] {
                auto st =
                    c.prepare("SELECT id FROM legal_entities WHERE property_id = ?1 AND name = ?2");
                st.bind(1, d.property.value).bind(2, std::string_view{d.name});
                return single_id(st);
            });
    });
}

std::optional<LegalEntity> SqliteFolioRepository::get_legal_entity(LegalEntityId id) {
    return db_.read([&](Connection& c) -> std::optional<LegalEntity> {
        auto st =
            c.prepare("SELECT id, property_id, name, tax_id FROM legal_entities WHERE id = ?1");
        st.bind(1, id.value);
        if (!st.step())
            return std::nullopt;
        return LegalEntity{LegalEntityId{st.int64(0)}, PropertyId{st.int64(1)}, st.text(2),
                           st.text(3)};
    });
}

std::vector<LegalEntity> SqliteFolioRepository::list_legal_entities(PropertyId property) {
    return db_.read([&](Connection& c) {
        auto st = c.prepare("SELECT id, property_id, name, tax_id FROM legal_entities "
                            "WHERE property_id = ?1 ORDER BY id");
        st.bind(1, property.value);
        std::vector<LegalEntity> out;
        while (st.step())
            out.push_back(
                {LegalEntityId{st.int64(0)}, PropertyId{st.int64(1)}, st.text(2), st.text(3)});
        return out;
    });
}

// --- bookings and folios ----------------------------------------------------------------------

Ensured<BookingId> SqliteFolioRepository::ensure_booking(const BookingDraft& d) {
    require(!d.number.empty(), "booking: empty number");
    require(!d.main_guest.name.empty(), "booking: empty main guest name");
    return db_.write([&](Connection& c) -> Ensured<BookingId> {
        {
            auto st = c.prepare("SELECT id FROM bookings WHERE property_id = ?1 AND number = ?2");
            st.bind(1, d.property.value).bind(2, std::string_view{d.number});
            if (st.step())
                return {BookingId{st.int64(0)}, false};
        }
        const auto now = db_.now_ms();
        c.prepare("INSERT INTO guests (name, email, created_at_ms) VALUES (?1, ?2, ?3)")
            .bind(1, std::string_view{d.main_guest.name})
            .bind(2, std::string_view{d.main_guest.email})
            .bind(3, now)
            .run();
        const auto guest = c.last_insert_rowid();
        c.prepare("INSERT INTO bookings (property_id, number, main_guest_id, created_at_ms) "
                  "VALUES (?1, ?2, ?3, ?4)")
            .bind(1, d.property.value)
            .bind(2, std::string_view{d.number})
            .bind(3, guest)
            .bind(4, now)
            .run();
        return {BookingId{c.last_insert_rowid()}, true};
    });
}

std::optional<Booking> SqliteFolioRepository::get_booking(BookingId id) {
    return db_.read([&](Connection& c) {
        return load_booking(c, "WHERE b.id = ?1", [&](Statement& st) { st.bind(1, id.value); });
    });
}

std::optional<Booking> SqliteFolioRepository::find_booking(PropertyId property,
                                                           const std::string& number) {
    return db_.read([&](Connection& c) {
        return load_booking(c, "WHERE b.property_id = ?1 AND b.number = ?2", [&](Statement& st) {
            st.bind(1, property.value).bind(2, std::string_view{number});
        });
    });
}

Ensured<FolioId> SqliteFolioRepository::ensure_folio(const FolioDraft& d) {
    require(!d.number.empty(), "folio: empty number");
    require(is_currency_code(d.currency), "folio: currency must be an ISO-4217 code");
    return db_.write([&](Connection& c) -> Ensured<FolioId> {
        std::int64_t property = 0;
        {
            auto st = c.prepare("SELECT property_id FROM bookings WHERE id = ?1");
            st.bind(1, d.booking.value);
            if (!st.step())
                throw StorageError{StorageErrc::not_found, "folio: unknown booking"};
            property = st.int64(0);
        }
        {
            auto st = c.prepare("SELECT id FROM folios WHERE property_id = ?1 AND number = ?2");
            st.bind(1, property).bind(2, std::string_view{d.number});
            if (st.step())
                return {FolioId{st.int64(0)}, false};
        }
        {
            auto st = c.prepare("SELECT property_id FROM legal_entities WHERE id = ?1");
            st.bind(1, d.legal_entity.value);
            if (!st.step())
                throw StorageError{StorageErrc::not_found, "folio: unknown legal entity"};
            require(st.int64(0) == property, "folio: legal entity of another property");
        }
        const auto now = db_.now_ms();
        c.prepare("INSERT INTO folios (property_id, booking_id, legal_entity_id, number, currency, "
                  "is_main, status, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7)")
            .bind(1, property)
            .bind(2, d.booking.value)
            .bind(3, d.legal_entity.value)
            .bind(4, std::string_view{d.number})
            .bind(5, std::string_view{d.currency})
            .bind(6, std::int64_t{d.is_main ? 1 : 0})
            .bind(7, now)
            .run();
        const FolioId folio{c.last_insert_rowid()};
        for (const auto& line : d.lines)
            insert_line(c, folio, line, now);
        return {folio, true};
    });
}

FolioLineId SqliteFolioRepository::add_folio_line(FolioId folio, const FolioLineDraft& line) {
    return db_.write([&](Connection& c) {
        auto st = c.prepare("SELECT status FROM folios WHERE id = ?1");
        st.bind(1, folio.value);
        if (!st.step())
            throw StorageError{StorageErrc::not_found, "folio line: unknown folio"};
        if (st.text(0) != "open")
            throw StorageError{StorageErrc::folio_closed, "folio line: folio is closed"};
        insert_line(c, folio, line, db_.now_ms());
        return FolioLineId{c.last_insert_rowid()};
    });
}

void SqliteFolioRepository::set_folio_status(FolioId folio, FolioStatus status) {
    db_.write([&](Connection& c) {
        auto st = c.prepare("UPDATE folios SET status = ?2, "
                            "closed_at_ms = CASE WHEN ?2 = 'closed' THEN ?3 ELSE NULL END "
                            "WHERE id = ?1");
        st.bind(1, folio.value)
            .bind(2, std::string_view{status_text(status)})
            .bind(3, db_.now_ms());
        st.run();
        if (c.changes() == 0)
            throw StorageError{StorageErrc::not_found, "folio status: unknown folio"};
    });
}

std::optional<FolioId> SqliteFolioRepository::find_folio(PropertyId property,
                                                         const std::string& number) {
    return db_.read([&](Connection& c) -> std::optional<FolioId> {
        auto st = c.prepare("SELECT id FROM folios WHERE property_id = ?1 AND number = ?2");
        st.bind(1, property.value).bind(2, std::string_view{number});
        if (!st.step())
            return std::nullopt;
        return FolioId{st.int64(0)};
    });
}

std::optional<FolioInfo> SqliteFolioRepository::read_folio(Connection& c, FolioId folio) {
    auto st = c.prepare(folio_info_select + "WHERE f.id = ?1");
    st.bind(1, folio.value);
    if (!st.step())
        return std::nullopt;
    return read_folio_info(st);
}

std::optional<FolioSummary> SqliteFolioRepository::folio_summary(FolioId folio) {
    return db_.read([&](Connection& c) -> std::optional<FolioSummary> {
        FolioSummary s;
        auto info = read_folio(c, folio);
        if (!info)
            return std::nullopt;
        s.folio = std::move(*info);
        auto booking = load_booking(c, "WHERE b.id = ?1",
                                    [&](Statement& st) { st.bind(1, s.folio.booking.value); });
        if (!booking)
            throw StorageError{StorageErrc::corrupt, "folio without booking"};
        s.booking_number = booking->number;
        s.main_guest = booking->main_guest;
        auto st = c.prepare("SELECT id, description, amount_minor, vat_code, service_date, "
                            "created_at_ms FROM folio_lines WHERE folio_id = ?1 ORDER BY id");
        st.bind(1, folio.value);
        while (st.step())
            s.lines.push_back({FolioLineId{st.int64(0)},
                               st.text(1),
                               {st.int64(2), s.folio.currency},
                               st.text(3),
                               parse_date(st.text(4)),
                               from_utc_ms(st.int64(5))});
        return s;
    });
}

std::vector<FolioInfo> SqliteFolioRepository::folios_of_booking(BookingId booking) {
    return db_.read([&](Connection& c) {
        auto st = c.prepare(folio_info_select +
                            "WHERE f.booking_id = ?1 ORDER BY f.is_main DESC, f.number");
        st.bind(1, booking.value);
        std::vector<FolioInfo> out;
        while (st.step())
            out.push_back(read_folio_info(st));
        return out;
    });
}

// --- payment categories and types ---------------------------------------------------------------

Ensured<PaymentCategoryId> SqliteFolioRepository::ensure_payment_category(PropertyId property,
                                                                          const std::string& name) {
    require(!name.empty(), "payment category: empty name");
    return db_.write([&](Connection& c) {
        return insert_or_find<PaymentCategoryId>(
            c,
            [&] {
                c.prepare("INSERT INTO payment_categories (property_id, name, created_at_ms) "
                          "VALUES (?1, ?2, ?3) ON CONFLICT (property_id, name) DO NOTHING")
                    .bind(1, property.value)
                    .bind(2, std::string_view{name})
                    .bind(3, db_.now_ms())
                    .run();
            },
            [&] {
                auto st = c.prepare(
                    "SELECT id FROM payment_categories WHERE property_id = ?1 AND name = ?2");
                st.bind(1, property.value).bind(2, std::string_view{name});
                return single_id(st);
            });
    });
}

Ensured<PaymentTypeId> SqliteFolioRepository::ensure_payment_type(PaymentCategoryId category,
                                                                  const std::string& name) {
    require(!name.empty(), "payment type: empty name");
    return db_.write([&](Connection& c) {
        return insert_or_find<PaymentTypeId>(
            c,
            [&] {
                c.prepare("INSERT INTO payment_types (category_id, name, created_at_ms) "
                          "VALUES (?1, ?2, ?3) ON CONFLICT (category_id, name) DO NOTHING")
                    .bind(1, category.value)
                    .bind(2, std::string_view{name})
                    .bind(3, db_.now_ms())
                    .run();
            },
            [&] {
                auto st =
                    c.prepare("SELECT id FROM payment_types WHERE category_id = ?1 AND name = ?2");
                st.bind(1, category.value).bind(2, std::string_view{name});
                return single_id(st);
            });
    });
}

std::vector<PaymentCategory> SqliteFolioRepository::list_payment_categories(PropertyId property) {
    return db_.read([&](Connection& c) {
        auto st = c.prepare("SELECT c.id, c.name, t.id, t.name FROM payment_categories c "
                            "LEFT JOIN payment_types t ON t.category_id = c.id "
                            "WHERE c.property_id = ?1 ORDER BY c.id, t.id");
        st.bind(1, property.value);
        std::vector<PaymentCategory> out;
        while (st.step()) {
            const PaymentCategoryId id{st.int64(0)};
            if (out.empty() || out.back().id != id)
                out.push_back({id, property, st.text(1), {}});
            if (!st.is_null(2))
                out.back().types.push_back({PaymentTypeId{st.int64(2)}, id, st.text(3)});
        }
        return out;
    });
}

// --- payments
// -------------------------------------------------------------------------------------

namespace {

/// Why a posting is refused before it reaches the database, if it is.
std::optional<PostPaymentResult> refused_before_queueing(const PaymentPosting& p) {
    if (p.idempotency_key.empty())
        return refused(PostOutcome::invalid_request, "empty idempotency key");
    if (p.plugin_id.empty() || p.kind.empty())
        return refused(PostOutcome::invalid_request, "empty plugin id or payment kind");
    if (p.amount.minor == 0)
        return refused(PostOutcome::invalid_request, "zero amount");
    if (!is_currency_code(p.amount.currency))
        return refused(PostOutcome::invalid_request, "currency must be an ISO-4217 code");
    if (p.category.has_value() != p.type.has_value())
        return refused(PostOutcome::invalid_request, "give both category and type, or neither");
    return std::nullopt;
}

} // namespace

PostPaymentResult SqliteFolioRepository::post_payment(const PaymentPosting& p) {
    // The asynchronous road, waited for: one way to post, one place for the failpoint.
    auto outcome = std::make_shared<std::promise<PostPaymentResult>>();
    auto ready = outcome->get_future();
    post_payment_async(p, [outcome](std::optional<PostPaymentResult> r, std::optional<StorageError> e) {
        if (r)
            outcome->set_value(std::move(*r));
        else
            outcome->set_exception(std::make_exception_ptr(
                e ? std::move(*e) : StorageError{StorageErrc::internal, "folio: no outcome"}));
    });
    return ready.get(); // this thread waits for the commit; a storage failure throws here
}

void SqliteFolioRepository::post_payment_async(const PaymentPosting& p, PostDone done) {
    if (!done)
        throw StorageError{StorageErrc::invalid_argument, "folio: post_payment_async needs a completion"};
    if (auto refusal = refused_before_queueing(p))
        return done(std::move(*refusal), std::nullopt);
    // Through the store's writer: the posting joins the group commit of the plugin batches and
    // staff alerts waiting at that moment (one fsync for all), in its own savepoint; its result
    // is made there and handed over once the group is committed.
    auto result = std::make_shared<PostPaymentResult>();
    auto job = std::make_shared<StoreWriter::Job>();
    job->write = [this, p, fingerprint = fingerprint_of(p), result](Connection& c) {
        *result = write_posting(c, p, fingerprint);
    };
    job->done = [result, done = std::move(done)](StoreOutcome outcome) {
        if (outcome)
            return done(std::nullopt, std::move(*outcome));
        if (result->outcome == PostOutcome::posted) {
            try {
                detail::failpoint("payment.post.after_commit"); // durable, not yet reported
            } catch (const StorageError& e) {
                return done(std::nullopt, e); // the "=throw" form, for in-process tests
            }
        }
        done(std::move(*result), std::nullopt);
    };
    writer_.submit(std::move(job));
}

PostPaymentResult SqliteFolioRepository::write_posting(Connection& c, const PaymentPosting& p,
                                                       const std::string& fingerprint) {
    // The key first: a repeat answers with the first posting whatever happened since
    // (the folio may have been closed after it).
    if (auto first = load_payment_by_key(c, p.idempotency_key)) {
        PostPaymentResult r;
        if (first->payload_fingerprint == fingerprint) {
            r.outcome = PostOutcome::repeated;
            r.is_repeat = true;
        } else {
            r.outcome = PostOutcome::conflict;
            r.detail = "idempotency key already used for " + first->payload_fingerprint;
        }
        r.payment = std::move(first);
        return r;
    }

    std::int64_t property = 0;
    {
        auto st = c.prepare("SELECT property_id, currency, status FROM folios WHERE id = ?1");
        st.bind(1, p.folio.value);
        if (!st.step())
            return refused(PostOutcome::unknown_folio,
                           "no folio " + std::to_string(p.folio.value));
        property = st.int64(0);
        if (p.property && p.property->value != property)
            return refused(PostOutcome::unknown_folio, "no folio " + std::to_string(p.folio.value) +
                                                           " in property " + std::to_string(p.property->value));
        if (st.text(2) != "open")
            return refused(PostOutcome::folio_closed, "folio is closed");
        if (st.text(1) != p.amount.currency)
            return refused(PostOutcome::currency_mismatch, "folio currency is " + st.text(1));
    }

    PaymentCategoryId category;
    PaymentTypeId type;
    if (p.category) {
        auto st = c.prepare("SELECT 1 FROM payment_types t JOIN payment_categories c "
                            "ON c.id = t.category_id WHERE t.id = ?1 AND c.id = ?2 "
                            "AND c.property_id = ?3");
        st.bind(1, p.type->value).bind(2, p.category->value).bind(3, property);
        if (!st.step())
            return refused(PostOutcome::invalid_request,
                           "payment type is not in that category of the folio's property");
        category = *p.category;
        type = *p.type;
    } else {
        auto st = c.prepare("SELECT category_id, type_id FROM payment_type_mappings "
                            "WHERE plugin_id = ?1 AND property_id = ?2 AND kind = ?3");
        st.bind(1, std::string_view{p.plugin_id})
            .bind(2, property)
            .bind(3, std::string_view{p.kind});
        if (!st.step())
            return refused(PostOutcome::no_mapping,
                           "payment kind '" + p.kind + "' of plugin " + p.plugin_id +
                               " is not mapped to a payment category and type for property " +
                               std::to_string(property) + " (Integrations page)");
        category = PaymentCategoryId{st.int64(0)};
        type = PaymentTypeId{st.int64(1)};
    }

    c.prepare("INSERT INTO payments (folio_id, amount_minor, currency, kind, category_id, "
              "type_id, idempotency_key, payload_fingerprint, provider_reference, description, "
              "posted_at_ms, posted_by_plugin) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")
        .bind(1, p.folio.value)
        .bind(2, p.amount.minor)
        .bind(3, std::string_view{p.amount.currency})
        .bind(4, std::string_view{p.kind})
        .bind(5, category.value)
        .bind(6, type.value)
        .bind(7, std::string_view{p.idempotency_key})
        .bind(8, std::string_view{fingerprint})
        .bind(9, std::string_view{p.provider_reference})
        .bind(10, std::string_view{p.description})
        .bind(11, db_.now_ms())
        .bind(12, std::string_view{p.plugin_id})
        .run();
    PostPaymentResult r;
    r.outcome = PostOutcome::posted;
    r.payment = load_payment_by_key(c, p.idempotency_key);
    if (p.audit && r.payment) {
        AuditDraft a = *p.audit;
        const std::string id = std::to_string(r.payment->id.value);
        // The placeholder `"posting_id":""` (PaymentPosting::audit) gets the id between its quotes.
        constexpr std::string_view placeholder = "\"posting_id\":\"\"";
        if (auto at = a.details_json.find(placeholder); at != std::string::npos)
            a.details_json.insert(at + placeholder.size() - 1, id);
        append_audit(c, a, db_.now_ms());
    }
    detail::failpoint("payment.post.before_commit");
    return r;
}

std::vector<Payment> SqliteFolioRepository::payments_of_folio(FolioId folio) {
    return db_.read([&](Connection& c) {
        auto st = c.prepare(payment_select + "WHERE p.folio_id = ?1 ORDER BY p.id");
        st.bind(1, folio.value);
        std::vector<Payment> out;
        while (st.step())
            out.push_back(read_payment(st));
        return out;
    });
}

std::optional<Payment> SqliteFolioRepository::find_payment(const std::string& idempotency_key) {
    return db_.read([&](Connection& c) { return load_payment_by_key(c, idempotency_key); });
}

} // namespace pms::host::sqlite
