// Settings documents, secrets kept apart, legal-entity overrides, enablement and payment-type
// mappings.
#include "pms/host/storage/settings_repository.hpp"

#include "pms/host/storage/demo_seed.hpp"
#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

using namespace pms::host;

namespace {

constexpr const char* secret_value = "sk_live_5f1e0c0ffee";

struct SettingsFixture {
    test::TempDir dir;
    std::unique_ptr<Storage> storage = test::open_storage(dir.path());
    SettingsRepository& settings = storage->settings();
    DemoSeed seed = seed_demo(*storage);
    SettingsScope property_scope{"invoicebox", seed.property, std::nullopt};
    SettingsScope entity_scope{"invoicebox", seed.property, seed.yes_arenda};
};

bool mentions_secret(const std::optional<SettingsRecord>& r) {
    return r && r->json.find(secret_value) != std::string::npos;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(settings_repository, SettingsFixture)

BOOST_AUTO_TEST_CASE(secrets_never_appear_in_the_settings_read) {
    settings.save_settings(property_scope, R"({"shopId":"12345","vatCode":"RUS_VAT20"})",
                           {{"apiToken", secret_value}});
    const auto read = settings.get_settings(property_scope);
    BOOST_REQUIRE(read.has_value());
    BOOST_TEST(read->json == R"({"shopId":"12345","vatCode":"RUS_VAT20"})");
    BOOST_TEST(!mentions_secret(read));
    BOOST_TEST(!mentions_secret(settings.resolve_settings(property_scope)));
    BOOST_TEST(!mentions_secret(settings.resolve_settings(entity_scope)));
    BOOST_TEST(settings.get_secret(property_scope, "apiToken").value() == secret_value);
    BOOST_TEST(settings.secret_keys(property_scope) == std::vector<std::string>{"apiToken"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(blank_secret_keeps_the_stored_value) {
    settings.save_settings(property_scope, "{}", {{"apiToken", secret_value}, {"password", "p1"}});
    settings.save_settings(property_scope, R"({"shopId":"2"})",
                           {{"apiToken", ""}, {"password", "p2"}});
    BOOST_TEST(settings.get_secret(property_scope, "apiToken").value() == secret_value);
    BOOST_TEST(settings.get_secret(property_scope, "password").value() == "p2");
    BOOST_TEST(settings.get_settings(property_scope)->json == R"({"shopId":"2"})");

    settings.save_settings(property_scope, "{}", {{"apiToken", "", SecretWrite::Mode::erase}});
    BOOST_TEST(!settings.get_secret(property_scope, "apiToken").has_value());
    BOOST_TEST(settings.secret_keys(property_scope) == std::vector<std::string>{"password"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(legal_entity_overrides_the_property) {
    settings.save_settings(property_scope, R"({"shopId":"hotel"})", {{"apiToken", "hotel-token"}});
    BOOST_TEST(settings.resolve_settings(entity_scope)->json == R"({"shopId":"hotel"})");
    BOOST_TEST(!settings.resolve_settings(entity_scope)->scope.legal_entity.has_value());
    BOOST_TEST(settings.get_secret(entity_scope, "apiToken").value() == "hotel-token");
    BOOST_TEST(!settings.get_settings(entity_scope).has_value());

    settings.save_settings(entity_scope, R"({"shopId":"arenda"})", {{"apiToken", "arenda-token"}});
    BOOST_TEST(settings.resolve_settings(entity_scope)->json == R"({"shopId":"arenda"})");
    BOOST_TEST(settings.resolve_settings(entity_scope)->scope.legal_entity.value() ==
               seed.yes_arenda);
    BOOST_TEST(settings.get_secret(entity_scope, "apiToken").value() == "arenda-token");
    BOOST_TEST(settings.get_secret(property_scope, "apiToken").value() == "hotel-token");
    const SettingsScope other_entity{"invoicebox", seed.property, seed.superhotel};
    BOOST_TEST(settings.resolve_settings(other_entity)->json == R"({"shopId":"hotel"})");

    settings.erase_settings(entity_scope);
    BOOST_TEST(settings.resolve_settings(entity_scope)->json == R"({"shopId":"hotel"})");
    BOOST_TEST(settings.get_secret(entity_scope, "apiToken").value() == "hotel-token");
}

BOOST_AUTO_TEST_CASE(invalid_input_is_refused_and_changes_nothing) {
    settings.save_settings(property_scope, R"({"a":1})", {{"apiToken", secret_value}});
    BOOST_CHECK_EXCEPTION(
        settings.save_settings(property_scope, "{not json", {{"apiToken", "new"}}), StorageError,
        [](const StorageError& e) { return e.errc() == StorageErrc::invalid_argument; });
    BOOST_TEST(settings.get_settings(property_scope)->json == R"({"a":1})");
    BOOST_TEST(settings.get_secret(property_scope, "apiToken").value() == secret_value);

    const SettingsScope foreign_entity{"invoicebox", seed.property, LegalEntityId{999}};
    BOOST_CHECK_EXCEPTION(settings.save_settings(foreign_entity, "{}"), StorageError,
                          [](const StorageError& e) { return e.errc() == StorageErrc::not_found; });
    BOOST_CHECK_THROW(settings.save_settings(property_scope, "{}", {{"", "x"}}), StorageError);
}

BOOST_AUTO_TEST_CASE(enablement_per_property) {
    BOOST_TEST(!settings.is_plugin_enabled("invoicebox", seed.property));
    settings.set_plugin_enabled("invoicebox", seed.property, true);
    BOOST_TEST(settings.is_plugin_enabled("invoicebox", seed.property));
    BOOST_TEST(!settings.is_plugin_enabled("other", seed.property));
    settings.set_plugin_enabled("invoicebox", seed.property, false);
    BOOST_TEST(!settings.is_plugin_enabled("invoicebox", seed.property));
    BOOST_TEST(settings.list_enablement().size() == 1u);
}

BOOST_AUTO_TEST_CASE(payment_type_mappings) {
    settings.set_payment_type_mapping(
        {"invoicebox", seed.property, "payment", seed.cashless, seed.online_link});
    settings.set_payment_type_mapping(
        {"invoicebox", seed.property, "refund", seed.cashless, seed.bank_card});
    BOOST_TEST(settings.get_payment_type_mapping("invoicebox", seed.property, "payment")->type ==
               seed.online_link);
    settings.set_payment_type_mapping(
        {"invoicebox", seed.property, "payment", seed.cashless, seed.bank_card});
    BOOST_TEST(settings.get_payment_type_mapping("invoicebox", seed.property, "payment")->type ==
               seed.bank_card);
    BOOST_TEST(settings.list_payment_type_mappings("invoicebox", seed.property).size() == 2u);
    BOOST_CHECK_EXCEPTION(settings.set_payment_type_mapping(
                              {"invoicebox", seed.property, "payment", seed.cash, seed.bank_card}),
                          StorageError,
                          [](const StorageError& e) { return e.errc() == StorageErrc::not_found; });
    BOOST_TEST(settings.erase_payment_type_mapping("invoicebox", seed.property, "refund"));
    BOOST_TEST(!settings.erase_payment_type_mapping("invoicebox", seed.property, "refund"));
    BOOST_TEST(
        !settings.get_payment_type_mapping("invoicebox", seed.property, "refund").has_value());
}

BOOST_AUTO_TEST_CASE(mail_sender_per_property_survives_reopen) {
    BOOST_TEST(!settings.get_mail_sender(seed.property).has_value());
    settings.save_mail_sender(seed.property, "Гранд Отель", "booking@grand.example");
    settings.save_mail_sender(seed.property, "Гранд Отель «Суперотель»", "no-reply@grand.example");
    const auto reopened = test::open_storage(dir.path());
    const auto read = reopened->settings().get_mail_sender(seed.property);
    BOOST_REQUIRE(read.has_value());
    BOOST_TEST(read->sender_name == "Гранд Отель «Суперотель»");
    BOOST_TEST(read->sender_address == "no-reply@grand.example");
    BOOST_CHECK_EXCEPTION(settings.save_mail_sender(PropertyId{9999}, "x", "a@b.example"),
                          StorageError,
                          [](const StorageError& e) { return e.errc() == StorageErrc::not_found; });
}

BOOST_AUTO_TEST_SUITE_END()
