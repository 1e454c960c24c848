// Settings, secrets, enablement and payment-type mappings on SQLite. Secrets live in their own
// table; no query in this file joins them to the settings document. Secret values are sealed
// (secret_box.hpp) before they reach SQLite and opened after they leave it, so neither the
// database file nor its write-ahead log ever holds one in clear; legacy plain-text rows are
// sealed when the storage opens (sqlite_storage.cpp).
#include "repositories.hpp"

namespace pms::host::sqlite {
namespace {

/// The legal-entity column: 0 for the property level.
std::int64_t entity_column(const SettingsScope& scope) {
    return scope.legal_entity ? scope.legal_entity->value : 0;
}

/// The row a secret lives in, which its sealed value is bound to.
SecretSlot slot_of(const SettingsScope& scope, const std::string& key) {
    return {scope.plugin_id, scope.property.value, entity_column(scope), key};
}

void check_scope(Connection& c, const SettingsScope& scope) {
    if (scope.plugin_id.empty())
        throw StorageError{StorageErrc::invalid_argument, "settings: empty plugin id"};
    if (!scope.legal_entity)
        return;
    auto st = c.prepare("SELECT property_id FROM legal_entities WHERE id = ?1");
    st.bind(1, scope.legal_entity->value);
    if (!st.step() || st.int64(0) != scope.property.value)
        throw StorageError{StorageErrc::not_found,
                           "settings: no such legal entity in the property"};
}

std::optional<SettingsRecord> load_settings(Connection& c, const SettingsScope& scope) {
    auto st = c.prepare("SELECT settings_json, updated_at_ms FROM plugin_settings "
                        "WHERE plugin_id = ?1 AND property_id = ?2 AND legal_entity_id = ?3");
    st.bind(1, std::string_view{scope.plugin_id})
        .bind(2, scope.property.value)
        .bind(3, entity_column(scope));
    if (!st.step())
        return std::nullopt;
    return SettingsRecord{scope, st.text(0), from_utc_ms(st.int64(1))};
}

std::optional<std::string> load_secret(Connection& c, const SecretBox& box,
                                       const SettingsScope& scope, const std::string& key) {
    auto st =
        c.prepare("SELECT value FROM plugin_secrets WHERE plugin_id = ?1 AND property_id = ?2 "
                  "AND legal_entity_id = ?3 AND key = ?4");
    st.bind(1, std::string_view{scope.plugin_id})
        .bind(2, scope.property.value)
        .bind(3, entity_column(scope))
        .bind(4, std::string_view{key});
    if (!st.step())
        return std::nullopt;
    return box.open(slot_of(scope, key), st.blob(0));
}

SettingsScope property_level(const SettingsScope& scope) {
    return {scope.plugin_id, scope.property, std::nullopt};
}

} // namespace

void SqliteSettingsRepository::save_settings(const SettingsScope& scope, const std::string& json,
                                             const std::vector<SecretWrite>& secrets) {
    for (const auto& s : secrets)
        if (s.key.empty())
            throw StorageError{StorageErrc::invalid_argument, "settings: empty secret key"};
    db_.write([&](Connection& c) {
        check_scope(c, scope);
        c.require_json(json, "settings");
        const auto now = db_.now_ms();
        c.prepare("INSERT INTO plugin_settings (plugin_id, property_id, legal_entity_id, "
                  "settings_json, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5) "
                  "ON CONFLICT (plugin_id, property_id, legal_entity_id) DO UPDATE SET "
                  "settings_json = excluded.settings_json, updated_at_ms = excluded.updated_at_ms")
            .bind(1, std::string_view{scope.plugin_id})
            .bind(2, scope.property.value)
            .bind(3, entity_column(scope))
            .bind(4, std::string_view{json})
            .bind(5, now)
            .run();
        for (const auto& s : secrets) {
            if (s.mode == SecretWrite::Mode::erase) {
                c.prepare("DELETE FROM plugin_secrets WHERE plugin_id = ?1 AND property_id = ?2 "
                          "AND legal_entity_id = ?3 AND key = ?4")
                    .bind(1, std::string_view{scope.plugin_id})
                    .bind(2, scope.property.value)
                    .bind(3, entity_column(scope))
                    .bind(4, std::string_view{s.key})
                    .run();
            } else if (!s.value.empty()) { // blank keeps the stored value
                const auto sealed = db_.secret_box().seal(slot_of(scope, s.key), s.value);
                c.prepare(
                     "INSERT INTO plugin_secrets (plugin_id, property_id, legal_entity_id, key, "
                     "value, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                     "ON CONFLICT (plugin_id, property_id, legal_entity_id, key) DO UPDATE SET "
                     "value = excluded.value, updated_at_ms = excluded.updated_at_ms")
                    .bind(1, std::string_view{scope.plugin_id})
                    .bind(2, scope.property.value)
                    .bind(3, entity_column(scope))
                    .bind(4, std::string_view{s.key})
                    .bind(5, Blob{sealed})
                    .bind(6, now)
                    .run();
            }
        }
    });
}

std::optional<SettingsRecord> SqliteSettingsRepository::get_settings(const SettingsScope& scope) {
    return db_.read([&](Connection& c) { return load_settings(c, scope); });
}

std::optional<SettingsRecord>
SqliteSettingsRepository::resolve_settings(const SettingsScope& scope) {
    return db_.read([&](Connection& c) {
        if (scope.legal_entity)
            if (auto r = load_settings(c, scope))
                return r;
        return load_settings(c, property_level(scope));
    });
}

void SqliteSettingsRepository::erase_settings(const SettingsScope& scope) {
    db_.write([&](Connection& c) {
        for (const char* sql :
             {"DELETE FROM plugin_settings WHERE plugin_id = ?1 AND property_id = ?2 "
              "AND legal_entity_id = ?3",
              "DELETE FROM plugin_secrets WHERE plugin_id = ?1 AND property_id = ?2 "
              "AND legal_entity_id = ?3"}) {
            c.prepare(sql)
                .bind(1, std::string_view{scope.plugin_id})
                .bind(2, scope.property.value)
                .bind(3, entity_column(scope))
                .run();
        }
    });
}

std::optional<std::string> SqliteSettingsRepository::get_secret(const SettingsScope& scope,
                                                                const std::string& key) {
    const SecretBox& box = db_.secret_box();
    return db_.read([&](Connection& c) {
        if (scope.legal_entity)
            if (auto v = load_secret(c, box, scope, key))
                return v;
        return load_secret(c, box, property_level(scope), key);
    });
}

std::vector<std::string> SqliteSettingsRepository::secret_keys(const SettingsScope& scope) {
    return db_.read([&](Connection& c) {
        auto st =
            c.prepare("SELECT key FROM plugin_secrets WHERE plugin_id = ?1 AND property_id = ?2 "
                      "AND legal_entity_id = ?3 ORDER BY key");
        st.bind(1, std::string_view{scope.plugin_id})
            .bind(2, scope.property.value)
            .bind(3, entity_column(scope));
        std::vector<std::string> keys;
        while (st.step())
            keys.push_back(st.text(0));
        return keys;
    });
}

// --- enablement
// -----------------------------------------------------------------------------------

void SqliteSettingsRepository::set_plugin_enabled(const std::string& plugin_id, PropertyId property,
                                                  bool enabled) {
    if (plugin_id.empty())
        throw StorageError{StorageErrc::invalid_argument, "enablement: empty plugin id"};
    db_.write([&](Connection& c) {
        c.prepare("INSERT INTO plugin_enablement (plugin_id, property_id, enabled, updated_at_ms) "
                  "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (plugin_id, property_id) DO UPDATE SET "
                  "enabled = excluded.enabled, updated_at_ms = excluded.updated_at_ms")
            .bind(1, std::string_view{plugin_id})
            .bind(2, property.value)
            .bind(3, std::int64_t{enabled ? 1 : 0})
            .bind(4, db_.now_ms())
            .run();
    });
}

bool SqliteSettingsRepository::is_plugin_enabled(const std::string& plugin_id,
                                                 PropertyId property) {
    return db_.read([&](Connection& c) {
        auto st = c.prepare(
            "SELECT enabled FROM plugin_enablement WHERE plugin_id = ?1 AND property_id = ?2");
        st.bind(1, std::string_view{plugin_id}).bind(2, property.value);
        return st.step() && st.int64(0) != 0;
    });
}

std::vector<PluginEnablement> SqliteSettingsRepository::list_enablement() {
    return db_.read([&](Connection& c) {
        auto st = c.prepare("SELECT plugin_id, property_id, enabled FROM plugin_enablement "
                            "ORDER BY property_id, plugin_id");
        std::vector<PluginEnablement> out;
        while (st.step())
            out.push_back({st.text(0), PropertyId{st.int64(1)}, st.int64(2) != 0});
        return out;
    });
}

// --- payment-type mappings
// ------------------------------------------------------------------------

void SqliteSettingsRepository::set_payment_type_mapping(const PaymentTypeMapping& m) {
    if (m.plugin_id.empty() || m.kind.empty())
        throw StorageError{StorageErrc::invalid_argument, "mapping: empty plugin id or kind"};
    db_.write([&](Connection& c) {
        {
            auto st = c.prepare("SELECT 1 FROM payment_types t JOIN payment_categories c "
                                "ON c.id = t.category_id WHERE t.id = ?1 AND c.id = ?2 "
                                "AND c.property_id = ?3");
            st.bind(1, m.type.value).bind(2, m.category.value).bind(3, m.property.value);
            if (!st.step())
                throw StorageError{StorageErrc::not_found,
                                   "mapping: the type is not in that category of the property"};
        }
        c.prepare("INSERT INTO payment_type_mappings (plugin_id, property_id, kind, category_id, "
                  "type_id, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                  "ON CONFLICT (plugin_id, property_id, kind) DO UPDATE SET "
                  "category_id = excluded.category_id, type_id = excluded.type_id, "
                  "updated_at_ms = excluded.updated_at_ms")
            .bind(1, std::string_view{m.plugin_id})
            .bind(2, m.property.value)
            .bind(3, std::string_view{m.kind})
            .bind(4, m.category.value)
            .bind(5, m.type.value)
            .bind(6, db_.now_ms())
            .run();
    });
}

std::optional<PaymentTypeMapping>
SqliteSettingsRepository::get_payment_type_mapping(const std::string& plugin_id,
                                                   PropertyId property, const std::string& kind) {
    return db_.read([&](Connection& c) -> std::optional<PaymentTypeMapping> {
        auto st = c.prepare("SELECT category_id, type_id FROM payment_type_mappings "
                            "WHERE plugin_id = ?1 AND property_id = ?2 AND kind = ?3");
        st.bind(1, std::string_view{plugin_id})
            .bind(2, property.value)
            .bind(3, std::string_view{kind});
        if (!st.step())
            return std::nullopt;
        return PaymentTypeMapping{plugin_id, property, kind, PaymentCategoryId{st.int64(0)},
                                  PaymentTypeId{st.int64(1)}};
    });
}

std::vector<PaymentTypeMapping>
SqliteSettingsRepository::list_payment_type_mappings(const std::string& plugin_id,
                                                     PropertyId property) {
    return db_.read([&](Connection& c) {
        auto st = c.prepare("SELECT kind, category_id, type_id FROM payment_type_mappings "
                            "WHERE plugin_id = ?1 AND property_id = ?2 ORDER BY kind");
        st.bind(1, std::string_view{plugin_id}).bind(2, property.value);
        std::vector<PaymentTypeMapping> out;
        while (st.step())
            out.push_back({plugin_id, property, st.text(0), PaymentCategoryId{st.int64(1)},
                           PaymentTypeId{st.int64(2)}});
        return out;
    });
}

bool SqliteSettingsRepository::erase_payment_type_mapping(const std::string& plugin_id,
                                                          PropertyId property,
                                                          const std::string& kind) {
    return db_.write([&](Connection& c) {
        c.prepare("DELETE FROM payment_type_mappings WHERE plugin_id = ?1 AND property_id = ?2 AND "
                  "kind = ?3")
            .bind(1, std::string_view{plugin_id})
            .bind(2, property.value)
            .bind(3, std::string_view{kind})
            .run();
        return c.changes() > 0;
    });
}

std::optional<MailSenderSettings> SqliteSettingsRepository::get_mail_sender(PropertyId property) {
    return db_.read([&](Connection& c) -> std::optional<MailSenderSettings> {
        auto st = c.prepare("SELECT sender_name, sender_address, updated_at_ms "
                            "FROM host_mail_settings WHERE property_id = ?1");
        st.bind(1, property.value);
        if (!st.step())
            return std::nullopt;
        return MailSenderSettings{st.text(0), st.text(1), from_utc_ms(st.int64(2))};
    });
}

void SqliteSettingsRepository::save_mail_sender(PropertyId property, const std::string& sender_name,
                                                const std::string& sender_address) {
    db_.write([&](Connection& c) {
        // An explicit check: a foreign-key failure would surface as a generic constraint error.
        auto known = c.prepare("SELECT 1 FROM properties WHERE id = ?1");
        known.bind(1, property.value);
        if (!known.step())
            throw StorageError{StorageErrc::not_found, "mail settings: no such property"};
        c.prepare("INSERT INTO host_mail_settings (property_id, sender_name, sender_address, "
                  "updated_at_ms) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (property_id) DO UPDATE SET "
                  "sender_name = excluded.sender_name, sender_address = excluded.sender_address, "
                  "updated_at_ms = excluded.updated_at_ms")
            .bind(1, property.value)
            .bind(2, std::string_view{sender_name})
            .bind(3, std::string_view{sender_address})
            .bind(4, db_.now_ms())
            .run();
    });
}

} // namespace pms::host::sqlite
