// The migration of settings saved before every shop named its legal entity (shop_binding.hpp) and
// the settings page that names legal entities without a shop, against the fake host's store and
// property document.
#include "fake_host.hpp"

#include <invoicebox/plugin/link_service.hpp>
#include <invoicebox/plugin/shop_binding.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>

namespace bj = boost::json;
using test::FakeHost;
using namespace invoicebox::plugin;

namespace {

/// A main shop as saved before shops named their legal entity: complete, no legal_entity_id.
Settings old_settings() {
    Settings s;
    s.shop.main = true;
    s.shop.merchant_id = test::merchant;
    s.shop.api_token = test::token;
    s.shop.api_key = test::api_key;
    s.notification_url = "http://pms.test/hooks/ru.invoicebox.pms.payment-link/hotel-1/notify";
    return s;
}

bool logged(const FakeHost& h, std::string_view part) {
    return std::any_of(h.logs.begin(), h.logs.end(), [&](const std::string& l) { return l.find(part) != std::string::npos; });
}

bool required_has(const bj::object& schema, std::string_view name) {
    for (const auto& v : schema.at("required").as_array())
        if (v.as_string() == name)
            return true;
    return false;
}

} // namespace

BOOST_AUTO_TEST_SUITE(shop_binding)

BOOST_AUTO_TEST_CASE(the_only_legal_entity_is_bound_durably_and_survives_a_second_entity) {
    FakeHost h;
    h.property = FakeHost::property_with({{"30682277", "ООО «Суперотель»"}});
    auto s = old_settings();
    BOOST_TEST(!s.configured());
    BOOST_TEST(static_cast<int>(bind_main_shop(s, h)) == static_cast<int>(ShopBinding::bound));
    BOOST_TEST(s.shop.legal_entity_id == "30682277");
    BOOST_TEST(s.configured());
    BOOST_TEST(h.store.at(std::string(main_shop_binding_key)) == "30682277");
    BOOST_TEST(logged(h, "привязан к юрлицу «ООО «Суперотель»»"));
    // The property gains a second company later (or the host restarts): the choice made stays.
    h.property = FakeHost::property_with({{"30682277", "ООО «Суперотель»"}, {"30682278", "ООО «ЙЕС-АРЕНДА»"}});
    auto again = old_settings();
    const int writes = h.store_writes;
    BOOST_TEST(static_cast<int>(bind_main_shop(again, h)) == static_cast<int>(ShopBinding::restored));
    BOOST_TEST(again.shop.legal_entity_id == "30682277");
    BOOST_TEST(h.store_writes == writes);
}

BOOST_AUTO_TEST_CASE(several_or_no_legal_entities_leave_the_plugin_not_configured) {
    for (const auto& property : {std::optional<std::string>(FakeHost::property_with(
                                     {{"30682277", "ООО «Суперотель»"}, {"30682278", "ООО «ЙЕС-АРЕНДА»"}})),
                                 std::optional<std::string>(FakeHost::property_with({})),
                                 std::optional<std::string>()}) {
        FakeHost h;
        h.property = property;
        auto s = old_settings();
        BOOST_TEST(static_cast<int>(bind_main_shop(s, h)) == static_cast<int>(ShopBinding::not_configured));
        BOOST_TEST(s.shop.legal_entity_id.empty());
        BOOST_TEST(!s.configured());
        BOOST_TEST(h.store.count(std::string(main_shop_binding_key)) == 0u);
        BOOST_TEST(logged(h, "Не настроен"));
        // The workflow refuses links until the admin chooses.
        LinkService service(h);
        service.configure(s);
        BOOST_TEST(!service.configured());
    }
}

BOOST_AUTO_TEST_CASE(a_shop_that_names_its_legal_entity_is_left_alone) {
    FakeHost h;
    h.property = FakeHost::property_with({{"30682278", "ООО «ЙЕС-АРЕНДА»"}});
    auto s = old_settings();
    s.shop.legal_entity_id = "30682277";
    BOOST_TEST(static_cast<int>(bind_main_shop(s, h)) == static_cast<int>(ShopBinding::named));
    BOOST_TEST(s.shop.legal_entity_id == "30682277");
    BOOST_TEST(h.store_writes == 0);
    BOOST_TEST(h.property_reads == 0);
    // No main shop saved at all: nothing to migrate either.
    Settings empty;
    BOOST_TEST(static_cast<int>(bind_main_shop(empty, h)) == static_cast<int>(ShopBinding::named));
    BOOST_TEST(empty.shop.legal_entity_id.empty());
}

BOOST_AUTO_TEST_CASE(a_binding_that_cannot_be_stored_is_not_applied) {
    FakeHost h;
    h.property = FakeHost::property_with({{"30682277", "ООО «Суперотель»"}});
    h.fail_writes = true;
    auto s = old_settings();
    BOOST_TEST(static_cast<int>(bind_main_shop(s, h)) == static_cast<int>(ShopBinding::not_configured));
    BOOST_TEST(s.shop.legal_entity_id.empty());
    BOOST_TEST(!s.configured());
}

BOOST_AUTO_TEST_CASE(the_settings_page_names_legal_entities_without_a_shop) {
    const auto entities = parse_property_entities(
        FakeHost::property_with({{"30682277", "ООО «Суперотель»"}, {"30682278", "ООО «ЙЕС-АРЕНДА»"}}));
    BOOST_TEST_REQUIRE(entities.size() == 2u);
    BOOST_TEST(entities[1].name == "ООО «ЙЕС-АРЕНДА»");

    auto s = old_settings();
    s.shop.legal_entity_id = "30682277";
    auto schema = bj::parse(settings_schema_json(entities, &s)).as_object();
    const auto& props = schema.at("properties").as_object();
    const std::string main_help(props.at("legal_entity_id").as_object().at("description").as_string());
    const std::string list_help(props.at("legal_entities").as_object().at("description").as_string());
    const std::string missing = "Для юрлица «ООО «ЙЕС-АРЕНДА»» не настроен магазин InvoiceBox";
    BOOST_TEST(main_help.find(missing) != std::string::npos);
    BOOST_TEST(list_help.find(missing) != std::string::npos);
    BOOST_TEST(main_help.find("«ООО «Суперотель»» не настроен") == std::string::npos);
    // Not required in the schema: validate() names it, with the plugin's other findings.
    BOOST_TEST(!required_has(schema, "legal_entity_id"));
    // The legal entity field is the host's select of the property's entities, not free text.
    BOOST_TEST(props.at("legal_entity_id").as_object().at("x-widget").as_string() == "legal-entity");

    // A shop for the second company: nobody is left without one.
    ShopConfig second = s.shop;
    second.main = false;
    second.legal_entity_id = "30682278";
    s.overrides.push_back(second);
    schema = bj::parse(settings_schema_json(entities, &s)).as_object();
    BOOST_TEST(std::string(schema.at("properties").as_object().at("legal_entity_id").as_object().at("description").as_string())
                   .find("не настроен магазин") == std::string::npos);

    // An unbound main shop: both companies lack a shop.
    auto unbound = old_settings();
    schema = bj::parse(settings_schema_json(entities, &unbound)).as_object();
    const std::string help(schema.at("properties").as_object().at("legal_entity_id").as_object().at("description").as_string());
    BOOST_TEST(help.find("Для юрлица «ООО «Суперотель»» не настроен магазин InvoiceBox") != std::string::npos);
    BOOST_TEST(help.find(missing) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(saved_settings_validate_with_the_migrated_binding_only) {
    const std::string saved = R"({"merchant_id":"3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f","api_token":"t","api_key":"k",)"
                              R"("api_flavour":"v3","notification_url":"https://pms.example.ru/hooks/x/1/notify"})";
    // Unbound: validate() refuses it, so an API 1.3 host shows «Не настроен».
    const auto unbound = validate_settings(saved);
    BOOST_REQUIRE(unbound);
    BOOST_TEST(unbound->find("/legal_entity_id") != std::string::npos, *unbound);
    // Bound by the migration: the same document passes.
    const auto bound = validate_settings(with_main_legal_entity(saved, "30682277"));
    BOOST_TEST(!bound, bound.value_or(""));
    // The admin's own choice is never overridden by the binding.
    const auto chosen = with_main_legal_entity(R"({"legal_entity_id":"30682278"})", "30682277");
    BOOST_TEST(chosen.find("30682278") != std::string::npos);
    BOOST_TEST(chosen.find("30682277") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
