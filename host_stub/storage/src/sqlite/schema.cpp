// The SQLite schema. Migrations are append-only: a released step is never edited, a change is a
// new step. Times are UTC milliseconds (`*_ms`), money is INTEGER minor units with its currency.
#include "schema.hpp"

#include <array>
#include <string>

namespace pms::host::sqlite {
namespace {

// Version 1: the money-holding core — folio model, payments, plugin store.
constexpr const char* migration_1 = R"sql(
CREATE TABLE properties (
    id                 INTEGER PRIMARY KEY,
    name               TEXT    NOT NULL UNIQUE,
    time_zone          TEXT    NOT NULL,
    utc_offset_minutes INTEGER NOT NULL,
    created_at_ms      INTEGER NOT NULL
);
CREATE TABLE legal_entities (
    id            INTEGER PRIMARY KEY,
    property_id   INTEGER NOT NULL REFERENCES properties(id),
    name          TEXT    NOT NULL,
    tax_id        TEXT    NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL,
    UNIQUE (property_id, name)
);
CREATE TABLE guests (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    email         TEXT    NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL
);
CREATE TABLE bookings (
    id            INTEGER PRIMARY KEY,
    property_id   INTEGER NOT NULL REFERENCES properties(id),
    number        TEXT    NOT NULL,
    main_guest_id INTEGER NOT NULL REFERENCES guests(id),
    created_at_ms INTEGER NOT NULL,
    UNIQUE (property_id, number)
);
-- A folio is one account (one legal entity) of a booking.
CREATE TABLE folios (
    id              INTEGER PRIMARY KEY,
    property_id     INTEGER NOT NULL REFERENCES properties(id),
    booking_id      INTEGER NOT NULL REFERENCES bookings(id),
    legal_entity_id INTEGER NOT NULL REFERENCES legal_entities(id),
    number          TEXT    NOT NULL,
    currency        TEXT    NOT NULL CHECK (length(currency) = 3),
    is_main         INTEGER NOT NULL DEFAULT 0 CHECK (is_main IN (0, 1)),
    status          TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at_ms   INTEGER NOT NULL,
    closed_at_ms    INTEGER,
    UNIQUE (property_id, number)
);
CREATE INDEX folios_by_booking ON folios(booking_id);
CREATE UNIQUE INDEX folios_one_main_per_booking ON folios(booking_id) WHERE is_main = 1;
CREATE TABLE folio_lines (
    id            INTEGER PRIMARY KEY,
    folio_id      INTEGER NOT NULL REFERENCES folios(id),
    description   TEXT    NOT NULL,
    amount_minor  INTEGER NOT NULL,
    vat_code      TEXT    NOT NULL,
    service_date  TEXT    NOT NULL,  -- YYYY-MM-DD, the property's calendar
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX folio_lines_by_folio ON folio_lines(folio_id, id);
CREATE TABLE payment_categories (
    id            INTEGER PRIMARY KEY,
    property_id   INTEGER NOT NULL REFERENCES properties(id),
    name          TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    UNIQUE (property_id, name)
);
CREATE TABLE payment_types (
    id            INTEGER PRIMARY KEY,
    category_id   INTEGER NOT NULL REFERENCES payment_categories(id),
    name          TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    UNIQUE (category_id, name)
);
-- One row per idempotency key, ever: the UNIQUE key is what makes posting at-most-once.
CREATE TABLE payments (
    id                  INTEGER PRIMARY KEY,
    folio_id            INTEGER NOT NULL REFERENCES folios(id),
    amount_minor        INTEGER NOT NULL CHECK (amount_minor <> 0),
    currency            TEXT    NOT NULL CHECK (length(currency) = 3),
    kind                TEXT    NOT NULL,
    category_id         INTEGER NOT NULL REFERENCES payment_categories(id),
    type_id             INTEGER NOT NULL REFERENCES payment_types(id),
    idempotency_key     TEXT    NOT NULL UNIQUE,
    payload_fingerprint TEXT    NOT NULL,
    provider_reference  TEXT    NOT NULL DEFAULT '',
    description         TEXT    NOT NULL DEFAULT '',
    posted_at_ms        INTEGER NOT NULL,
    posted_by_plugin    TEXT    NOT NULL
);
CREATE INDEX payments_by_folio ON payments(folio_id, id);
-- A posting is corrected by another posting (a refund), never edited or removed.
CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
BEGIN SELECT RAISE(ABORT, 'payments are append-only'); END;
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
BEGIN SELECT RAISE(ABORT, 'payments are append-only'); END;
-- pms.store/1: keys are BLOBs so that ordering and range scans are bytewise (memcmp).
CREATE TABLE plugin_store (
    plugin_id     TEXT    NOT NULL,
    property_id   INTEGER NOT NULL,
    key           BLOB    NOT NULL,
    value         BLOB    NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (plugin_id, property_id, key)
) WITHOUT ROWID;
)sql";

// No CHECK (json_valid(...)): with trusted_schema=OFF, SQLite 3.40 refuses JSON functions
// inside the schema, so the writers check JSON with a plain query (connection.hpp).

// Version 2: configuration and staff-facing records — settings, secrets, enablement,
// payment-type mappings, notifications, audit.
constexpr const char* migration_2 = R"sql(
-- legal_entity_id 0 is the property level; a positive id is that legal entity's override.
CREATE TABLE plugin_settings (
    plugin_id       TEXT    NOT NULL,
    property_id     INTEGER NOT NULL REFERENCES properties(id),
    legal_entity_id INTEGER NOT NULL DEFAULT 0,
    settings_json   TEXT    NOT NULL,  -- valid JSON, checked on write
    updated_at_ms   INTEGER NOT NULL,
    PRIMARY KEY (plugin_id, property_id, legal_entity_id)
) WITHOUT ROWID;
-- Secrets apart from the settings document, so that reading settings can never return them.
CREATE TABLE plugin_secrets (
    plugin_id       TEXT    NOT NULL,
    property_id     INTEGER NOT NULL REFERENCES properties(id),
    legal_entity_id INTEGER NOT NULL DEFAULT 0,
    key             TEXT    NOT NULL,
    value           BLOB    NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    PRIMARY KEY (plugin_id, property_id, legal_entity_id, key)
) WITHOUT ROWID;
CREATE TABLE plugin_enablement (
    plugin_id     TEXT    NOT NULL,
    property_id   INTEGER NOT NULL REFERENCES properties(id),
    enabled       INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (plugin_id, property_id)
) WITHOUT ROWID;
CREATE TABLE payment_type_mappings (
    plugin_id     TEXT    NOT NULL,
    property_id   INTEGER NOT NULL REFERENCES properties(id),
    kind          TEXT    NOT NULL,
    category_id   INTEGER NOT NULL REFERENCES payment_categories(id),
    type_id       INTEGER NOT NULL REFERENCES payment_types(id),
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (plugin_id, property_id, kind)
) WITHOUT ROWID;
-- AUTOINCREMENT: ids only grow, so "since id" never misses a row for a live client.
CREATE TABLE notifications (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    property_id   INTEGER NOT NULL REFERENCES properties(id),
    dedupe_key    TEXT,  -- NULL: never deduplicated
    level         TEXT    NOT NULL CHECK (level IN ('info', 'warning', 'error')),
    title         TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    folio_id      INTEGER REFERENCES folios(id),
    source        TEXT    NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL,
    read          INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),
    UNIQUE (property_id, dedupe_key)
);
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms        INTEGER NOT NULL,
    actor        TEXT    NOT NULL,
    actor_name   TEXT    NOT NULL DEFAULT '',
    action       TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    details_json TEXT    NOT NULL,  -- valid JSON, checked on write
    property_id  INTEGER
);
CREATE INDEX audit_log_by_subject ON audit_log(subject, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)sql";

// Version 3: staff accounts and sign-in sessions (issue 8). Passwords and session tokens are
// stored only as hashes.
constexpr const char* migration_3 = R"sql(
CREATE TABLE staff_users (
    id            INTEGER PRIMARY KEY,
    login         TEXT    NOT NULL UNIQUE CHECK (length(login) > 0),
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'front_desk', 'accountant')),
    password_hash TEXT    NOT NULL CHECK (length(password_hash) > 0),
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE TABLE staff_sessions (
    token_hash    TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES staff_users(id),
    created_at_ms INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX staff_sessions_by_user ON staff_sessions(user_id);
)sql";

// Version 4: the host's own mail settings per property (issue 10): the sender plugin mail goes
// out under. A row exists only once an admin saved one; without it the host derives a default.
constexpr const char* migration_4 = R"sql(
CREATE TABLE host_mail_settings (
    property_id    INTEGER PRIMARY KEY REFERENCES properties(id),
    sender_name    TEXT    NOT NULL,
    sender_address TEXT    NOT NULL,
    updated_at_ms  INTEGER NOT NULL
);
)sql";

// Version 5: pms.store's table becomes a rowid table with a unique index on its key (issue 14).
// WITHOUT ROWID, its rows lived in an index b-tree, whose cells keep at most ~1 KiB of a row on
// the page (4 KiB pages): a plugin's 2.4 KB record spilled to an overflow page, and each update
// wrote the leaf, a fresh overflow page, the freelist page and the header page to the WAL. A
// rowid table keeps a row of up to ~4 KB on its leaf and rewrites it there (one page); the
// index holds only the short keys and is untouched when a value changes. The small columns
// come first, so a row's key and time never sit behind its value.
constexpr const char* migration_5 = R"sql(
CREATE TABLE plugin_store_rows (
    id            INTEGER PRIMARY KEY,
    plugin_id     TEXT    NOT NULL,
    property_id   INTEGER NOT NULL,
    key           BLOB    NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    value         BLOB    NOT NULL,
    UNIQUE (plugin_id, property_id, key)
);
INSERT INTO plugin_store_rows (plugin_id, property_id, key, updated_at_ms, value)
    SELECT plugin_id, property_id, key, updated_at_ms, value FROM plugin_store
    ORDER BY plugin_id, property_id, key;
DROP TABLE plugin_store;
ALTER TABLE plugin_store_rows RENAME TO plugin_store;
)sql";

constexpr std::array migrations{migration_1, migration_2, migration_3, migration_4, migration_5};

} // namespace

int latest_schema_version() noexcept {
    return static_cast<int>(migrations.size());
}

int migrate(Connection& writer, int target) {
    const int latest = latest_schema_version();
    if (target <= 0 || target > latest)
        target = latest;
    for (;;) {
        WriteTransaction tx{writer};
        const auto app = writer.query_int64("PRAGMA application_id");
        const auto version = static_cast<int>(writer.query_int64("PRAGMA user_version"));
        if (app != 0 && app != application_id)
            throw StorageError{StorageErrc::corrupt, "not a pms-host database (application_id " +
                                                         std::to_string(app) + ")"};
        if (version > latest)
            throw StorageError{StorageErrc::schema_too_new,
                               "database schema version " + std::to_string(version) +
                                   " is newer than this host's " + std::to_string(latest)};
        if (version >= target) {
            tx.commit();
            return version;
        }
        if (version == 0) {
            // An empty file is ours to claim; one with tables but no version is someone else's.
            if (writer.query_int64("SELECT count(*) FROM sqlite_schema") != 0)
                throw StorageError{StorageErrc::corrupt,
                                   "database has tables but no pms-host schema"};
            writer.exec(("PRAGMA application_id = " + std::to_string(application_id)).c_str());
        }
        writer.exec(migrations[static_cast<std::size_t>(version)]);
        writer.exec(("PRAGMA user_version = " + std::to_string(version + 1)).c_str());
        tx.commit();
    }
}

} // namespace pms::host::sqlite
