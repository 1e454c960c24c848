// The plugin's settings (pms.settings-schema/1): the schema the host renders, reading the saved
// document, and the field-level checks in Russian.
//
// One property has a main shop and optional per-legal-entity overrides (architecture §7: money
// and 54-FZ receipts of each company go to that company's shop). Every shop, the main one too,
// names the legal entity it serves; a legal entity without a shop gets no link, never another
// company's shop. Secrets (API token, API key)
// are marked x-secret: the host never shows them again and leaves them out of get(); the plugin
// reads them with get_secret("/api_token"), "/legal_entities/<i>/api_token".
#pragma once

#include <invoicebox/protocol/client_config.hpp>
#include <invoicebox/protocol/signature.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::plugin {

/// The plugin id: stable forever (store namespace, notification routes, idempotency keys).
inline constexpr std::string_view plugin_id = "ru.invoicebox.pms.payment-link";

/// InvoiceBox's API. Any other host in the API address must be confirmed by the admin.
inline constexpr std::string_view invoicebox_api_host = "api.invoicebox.ru";
inline constexpr std::string_view default_api_base_url = "https://api.invoicebox.ru";

/// One InvoiceBox shop and how to reach it.
struct ShopConfig {
    std::string legal_entity_id; ///< the legal entity (folio's legal_entity.id) this shop sells for
    /// The property's main shop: its notifications come to the route without "/le/<id>", which
    /// orders created before shops named their legal entity still carry.
    bool main = false;
    std::string merchant_id;
    std::string api_token; ///< secret
    std::string api_key;   ///< secret: notification signature key
    /// `api_key` made ready to check notifications (HMAC-SHA1): made by the first notification
    /// after the key was set, kept until the key changes; null while the key is empty. Made on
    /// use, not when the settings document is read, because the key comes from the host's secret
    /// store afterwards (plugin.cpp) and is assigned here as a plain string.
    std::shared_ptr<const protocol::SigningKey> signing_key() const;
    /// signing_key()'s cache, not a setting (the plugin's strand only, as the settings are).
    mutable std::shared_ptr<const protocol::SigningKey> kept_signing_key;
    protocol::ApiFlavour flavour = protocol::ApiFlavour::v3;
    std::string base_url = "https://api.invoicebox.ru";
    /// The account's InvoiceBox request budget per 30 s (invoicebox-api.md §1.5: 100 unless
    /// InvoiceBox agreed another); 0 = the plugin does not count. One property-wide setting,
    /// «Лимит запросов к InvoiceBox за 30 с», copied to every shop.
    std::size_t requests_per_30s = default_requests_per_30s;
    static constexpr std::size_t default_requests_per_30s = 100;

    bool complete() const { return !merchant_id.empty() && !api_token.empty() && !api_key.empty(); }
};

/// A preset link lifetime.
struct LifetimePreset {
    std::string_view id;    ///< "24h"
    std::string_view label; ///< "24 часа"
    std::chrono::hours duration;
};

/// 1 h, 24 h, 3 days, 7 days, 30 days.
const std::vector<LifetimePreset>& lifetime_presets();
std::optional<std::chrono::hours> lifetime_of(std::string_view id);

struct Settings {
    ShopConfig shop;
    std::vector<ShopConfig> overrides;
    std::string vat_code = "vat20";               ///< default when a folio line has none
    std::string default_lifetime = "72h";
    std::string message_template;
    std::string mail_subject;
    std::string item_name_template;
    std::string receipt_payment_type = "full_prepayment";
    std::string notification_url;                 ///< public URL of the host endpoint
    std::string hotel_name;                       ///< overrides the property's name for guests
    /// «Сайт отеля»: where InvoiceBox's page sends the guest back after paying or failing
    /// (successUrl/failUrl); empty = the guest stays on InvoiceBox's page. Never a PMS address:
    /// staff pages are no place for a guest (architecture §8).
    std::string hotel_site_url;
    int poll_interval_seconds = 60;

    /// The complete shop that serves a folio's legal entity, or nullptr: there is no fallback
    /// to another company's shop (architecture §7).
    const ShopConfig* shop_for(std::string_view legal_entity_id) const;
    /// The shop whose notification route suffix is `route` ("" main, else the legal entity id).
    const ShopConfig* shop_by_route(std::string_view route) const;
    /// The main shop is complete and names its legal entity. Settings saved before shops named
    /// one are not configured until the admin chooses it.
    bool configured() const { return shop.complete() && !shop.legal_entity_id.empty(); }
};

std::string default_message_template();
std::string default_item_name_template();

/// One legal entity of the property, as pms.property/1 lists it.
struct PropertyEntity {
    std::string id;
    std::string name;
    std::string tax_id;
};

/// The legal entities of a "pms.property/1" document, in its order; empty when the text is not
/// such a document (a host older than 1.2 has none to give).
std::vector<PropertyEntity> parse_property_entities(std::string_view property_json);

/// The property's name in a "pms.property/1" document ("" when absent or not such a document):
/// what the guest's mail calls the hotel unless the admin set «Название отеля».
std::string parse_property_name(std::string_view property_json);

/// The property's legal entities that no complete-or-not shop of `s` names (the main shop, with
/// its effective binding, and every override), in the property's order.
std::vector<PropertyEntity> entities_without_shop(const Settings& s, const std::vector<PropertyEntity>& entities);

/// The settings page: JSON Schema subset with Russian labels and x- hints. With the property's
/// legal entities and the effective settings, the page also names every legal entity that has no
/// shop («Для юрлица «…» не настроен магазин InvoiceBox») in the help texts the host shows.
std::string settings_schema_json(const std::vector<PropertyEntity>& entities = {}, const Settings* effective = nullptr);

/// Reads a settings document (with or without secrets). Missing members take defaults;
/// nullopt when the text is not a JSON object.
std::optional<Settings> parse_settings(std::string_view json);

/// The validate() answer: nullopt when valid, else {"fields": {"/merchant_id": "..."}, "form": ...}
/// with Russian messages. `require_secrets` is true for candidate documents (secrets filled in).
std::optional<std::string> validate_settings(std::string_view json);

/// The API address rules on a settings document: https (plain http only on 127.0.0.0/8,
/// localhost, [::1]), and a host other than api.invoicebox.ru confirmed in "api_host_confirmed".
/// nullopt when they hold, else the Russian message. validate_settings() applies them as field
/// errors; the plugin also checks them before an action and when it loads saved settings.
std::optional<std::string> api_address_problem(std::string_view json);

/// `json` with the main shop's legal entity set to `legal_entity_id` when the document names none
/// (the migrated binding, shop_binding.hpp), else unchanged. For validating saved settings.
std::string with_main_legal_entity(std::string_view json, const std::string& legal_entity_id);

/// The API address a settings document means: its api_base_url, or the default when blank.
std::string effective_api_base_url(std::string_view json);

/// The staff/admin explanation for a legal entity without a shop («Для юрлица «…» не настроен
/// магазин InvoiceBox»); `name` falls back to the id when empty.
std::string no_shop_message(std::string_view legal_entity_name);

/// The notification URL for a shop: the configured URL, plus "/le/<id>" for an override.
std::string notification_url_for(const Settings& s, const ShopConfig& shop);

/// The route suffix of an inbound path: "" for the main shop, the legal entity id for
/// ".../le/<id>"; nullopt when the path is not a notification route.
std::optional<std::string> route_of_path(std::string_view path);

} // namespace invoicebox::plugin
