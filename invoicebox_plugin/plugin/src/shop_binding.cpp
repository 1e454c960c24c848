// The main shop's legal-entity migration (shop_binding.hpp).
#include <invoicebox/plugin/shop_binding.hpp>

namespace invoicebox::plugin {

ShopBindingDecision decide_shop_binding(const Settings& s, const std::optional<std::string>& stored,
                                        const std::vector<PropertyEntity>& entities) {
    // Nothing saved for the main shop yet, or the admin chose: the settings speak for themselves.
    if (!s.shop.legal_entity_id.empty() || s.shop.merchant_id.empty())
        return {ShopBinding::named, {}};
    if (stored && !stored->empty())
        return {ShopBinding::restored, *stored};
    if (entities.size() == 1)
        return {ShopBinding::bound, entities.front().id};
    return {ShopBinding::not_configured, {}};
}

ShopBinding bind_main_shop(Settings& s, HostPorts& host) {
    std::optional<std::string> stored;
    try {
        stored = host.store_get(main_shop_binding_key);
    } catch (const StoreError& e) {
        host.log(LogLevel::error, std::string("main shop binding could not be read: ") + e.what());
        return ShopBinding::not_configured;
    }
    std::vector<PropertyEntity> entities;
    if (!s.shop.merchant_id.empty() && s.shop.legal_entity_id.empty() && !stored)
        if (auto doc = host.property_json())
            entities = parse_property_entities(*doc);
    auto d = decide_shop_binding(s, stored, entities);
    switch (d.outcome) {
    case ShopBinding::named:
        break;
    case ShopBinding::restored:
        s.shop.legal_entity_id = d.legal_entity_id;
        break;
    case ShopBinding::bound:
        try {
            host.store_write({StoreOp{StoreOp::Kind::put, std::string(main_shop_binding_key), d.legal_entity_id}});
        } catch (const StoreError& e) {
            host.log(LogLevel::error, std::string("main shop not bound, the binding could not be stored: ") + e.what());
            return ShopBinding::not_configured;
        }
        s.shop.legal_entity_id = d.legal_entity_id;
        host.log(LogLevel::info, "Основной магазин InvoiceBox привязан к юрлицу «" +
                                     (entities.front().name.empty() ? d.legal_entity_id : entities.front().name) +
                                     "» (id " + d.legal_entity_id +
                                     "): в сохранённых настройках юрлицо не выбрано, а у отеля оно одно");
        break;
    case ShopBinding::not_configured:
        host.log(LogLevel::error, "Не настроен: у основного магазина InvoiceBox не выбрано юридическое лицо, а у отеля "
                                  "их " + std::to_string(entities.size()) +
                                  "; ссылки не создаются, пока администратор не выберет его в настройках");
        break;
    }
    return d.outcome;
}

} // namespace invoicebox::plugin
