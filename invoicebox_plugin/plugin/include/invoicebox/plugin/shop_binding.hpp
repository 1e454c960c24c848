// The migration of settings saved before every shop named its legal entity (issue 9, «the right
// seller»). Such a main shop sells for nobody: links would otherwise take a company's money into
// whichever shop was configured first. When the property has exactly one legal entity there is
// no doubt whose shop it is, so the plugin binds it to that entity, once and durably (its store,
// so a restart or a property that later gains a second entity does not undo the choice); with
// none or several, the plugin stays not configured until the admin chooses in the settings.
#pragma once

#include <invoicebox/plugin/host_ports.hpp>
#include <invoicebox/plugin/settings.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::plugin {

/// The store key of the migrated binding (the legal entity id of the main shop).
inline constexpr std::string_view main_shop_binding_key = "v1/config/main_legal_entity";

enum class ShopBinding : std::uint8_t {
    named,          ///< the settings name the main shop's legal entity (or there is no main shop)
    restored,       ///< an earlier migration's binding applies
    bound,          ///< bound now: the property has exactly one legal entity
    not_configured, ///< no legal entity, and the property does not say which (0 or 2+ entities)
};

struct ShopBindingDecision {
    ShopBinding outcome = ShopBinding::named;
    std::string legal_entity_id; ///< for restored/bound
};

/// Pure: what to do with `s` given an earlier stored binding and the property's entities.
ShopBindingDecision decide_shop_binding(const Settings& s, const std::optional<std::string>& stored,
                                        const std::vector<PropertyEntity>& entities);

/// Applies the decision to `s` with the host: reads the stored binding and the property, writes
/// a new binding durably and logs it at info (the admin's audit of what the plugin chose), or
/// logs at error why nothing is created. A store failure leaves `s` unbound (not configured):
/// better no link than one whose binding would be forgotten at the next start.
ShopBinding bind_main_shop(Settings& s, HostPorts& host);

} // namespace invoicebox::plugin
