// Plugin settings behind `pms.settings/1` and the admin pages: a JSON document per (plugin,
// property[, legal entity]), secrets in a separate table that the settings read never returns,
// per-property enablement, and the mapping from a plugin's payment kind to a host category/type.
#pragma once

#include "pms/host/storage/clock.hpp"
#include "pms/host/storage/ids.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pms::host {

/// Where settings apply: a property, optionally overridden for one legal entity of it
/// (architecture §7: the shop is chosen by property and legal entity).
struct SettingsScope {
    std::string plugin_id;
    PropertyId property;
    std::optional<LegalEntityId> legal_entity;
};

/// The non-secret settings document. Never contains secrets: the caller strips them before
/// saving (it knows the schema's `x-secret` fields) and they live in the secret table.
struct SettingsRecord {
    SettingsScope scope; ///< the level the record was stored at
    std::string json;    ///< a JSON text
    UtcTime updated_at;
};

/// How `save_settings` treats one secret field.
struct SecretWrite {
    enum class Mode {
        set_unless_blank, ///< a non-empty value replaces the stored one; blank keeps it (the UI)
        erase,            ///< remove the stored value
    };
    std::string key;
    std::string value;
    Mode mode = Mode::set_unless_blank;
};

/// A payment kind of a plugin ("payment", "refund") mapped to a host category and type.
struct PaymentTypeMapping {
    std::string plugin_id;
    PropertyId property;
    std::string kind;
    PaymentCategoryId category;
    PaymentTypeId type;
};

struct PluginEnablement {
    std::string plugin_id;
    PropertyId property;
    bool enabled = false;
};

/// The host's own mail settings of a property: who plugin mail (pms.mail/1) comes from. Checked
/// by the caller (the server validates the address); the storage keeps what it is given.
struct MailSenderSettings {
    std::string sender_name;
    std::string sender_address;
    UtcTime updated_at;
};

/// Thread-safe. Throws `StorageError` on failure (`invalid_argument` for a non-JSON document,
/// `not_found` for an unknown property, legal entity, category or type).
class SettingsRepository {
  public:
    virtual ~SettingsRepository() = default;

    /// Writes the document and applies `secrets` in one transaction.
    virtual void save_settings(const SettingsScope& scope, const std::string& json,
                               const std::vector<SecretWrite>& secrets = {}) = 0;
    /// The document stored at exactly `scope`.
    [[nodiscard]] virtual std::optional<SettingsRecord>
    get_settings(const SettingsScope& scope) = 0;
    /// The document that applies to `scope`: the legal entity's override when there is one,
    /// else the property's. The override replaces the whole document (no merge).
    [[nodiscard]] virtual std::optional<SettingsRecord>
    resolve_settings(const SettingsScope& scope) = 0;
    virtual void erase_settings(const SettingsScope& scope) = 0;

    /// A secret, looked up like `resolve_settings`: legal entity first, then property.
    [[nodiscard]] virtual std::optional<std::string> get_secret(const SettingsScope& scope,
                                                                const std::string& key) = 0;
    /// Names of the secrets stored at exactly `scope` (to show "set" in the UI), sorted.
    [[nodiscard]] virtual std::vector<std::string> secret_keys(const SettingsScope& scope) = 0;

    virtual void set_plugin_enabled(const std::string& plugin_id, PropertyId property,
                                    bool enabled) = 0;
    /// False unless enabled explicitly.
    [[nodiscard]] virtual bool is_plugin_enabled(const std::string& plugin_id,
                                                 PropertyId property) = 0;
    [[nodiscard]] virtual std::vector<PluginEnablement> list_enablement() = 0;

    /// Checks that the category belongs to the property and the type to the category.
    virtual void set_payment_type_mapping(const PaymentTypeMapping& mapping) = 0;
    [[nodiscard]] virtual std::optional<PaymentTypeMapping>
    get_payment_type_mapping(const std::string& plugin_id, PropertyId property,
                             const std::string& kind) = 0;
    [[nodiscard]] virtual std::vector<PaymentTypeMapping>
    list_payment_type_mappings(const std::string& plugin_id, PropertyId property) = 0;
    virtual bool erase_payment_type_mapping(const std::string& plugin_id, PropertyId property,
                                            const std::string& kind) = 0;

    /// The property's saved mail sender, if an admin saved one. `not_found` on save for an
    /// unknown property.
    [[nodiscard]] virtual std::optional<MailSenderSettings> get_mail_sender(PropertyId property) = 0;
    virtual void save_mail_sender(PropertyId property, const std::string& sender_name,
                                  const std::string& sender_address) = 0;
};

} // namespace pms::host
