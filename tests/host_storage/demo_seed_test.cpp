// The demo hotel: exact totals, VAT codes per line, idempotent seeding.
#include "pms/host/storage/demo_seed.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <numeric>
#include <set>

using namespace pms::host;

BOOST_AUTO_TEST_SUITE(demo_seed)

BOOST_AUTO_TEST_CASE(seeds_the_hotel_with_exact_totals) {
    test::TempDir dir;
    auto storage = test::open_storage(dir.path());
    const auto seed = seed_demo(*storage);
    BOOST_TEST(seed.created);
    auto& folios = storage->folios();

    const auto property = folios.get_property(seed.property).value();
    BOOST_TEST(property.name == "Гранд Отель Суперотель");
    BOOST_TEST(property.time_zone == "Europe/Moscow");
    BOOST_TEST(property.utc_offset_minutes == 180);

    const auto main = folios.folio_summary(seed.main_folio).value();
    BOOST_TEST(main.folio.number == "30682277");
    BOOST_TEST(main.folio.is_main);
    BOOST_TEST(main.folio.legal_entity.name == "ООО «Суперотель»");
    BOOST_TEST(main.booking_number == "471887");
    BOOST_TEST(main.main_guest.name == "Иван Петров");
    BOOST_TEST(main.main_guest.email == "ivan.petrov@example.com");
    const auto sum =
        std::accumulate(main.lines.begin(), main.lines.end(), std::int64_t{0},
                        [](std::int64_t acc, const FolioLine& l) { return acc + l.amount.minor; });
    BOOST_TEST(sum == demo_main_folio_total_minor);
    BOOST_TEST(main.folio.totals.services.minor == 6'768'000); // 67 680,00 ₽
    BOOST_TEST(main.folio.totals.balance_due.minor == 6'768'000);
    BOOST_TEST(main.folio.totals.services.currency == "RUB");
    std::set<std::string> vat_codes;
    for (const auto& l : main.lines) {
        vat_codes.insert(l.vat_code);
        BOOST_TEST(l.service_date.ok());
        BOOST_TEST(l.amount.currency == "RUB");
    }
    BOOST_TEST((vat_codes == std::set<std::string>{"RUS_VAT0", "RUS_VAT20"}));

    const auto second = folios.folio_summary(seed.second_folio).value();
    BOOST_TEST(second.folio.number == "30682278");
    BOOST_TEST(!second.folio.is_main);
    BOOST_TEST(second.folio.legal_entity.name == "ООО «ЙЕС-АРЕНДА»");
    BOOST_TEST(second.lines.size() == 1u);

    const auto categories = folios.list_payment_categories(seed.property);
    BOOST_REQUIRE(categories.size() == 2u);
    BOOST_TEST(categories[0].name == "Безналичный расчёт");
    BOOST_REQUIRE(categories[0].types.size() == 2u);
    BOOST_TEST(categories[0].types[0].name == "Банковская карта");
    BOOST_TEST(categories[0].types[1].name == "Онлайн-оплата (ссылка)");
    BOOST_TEST(folios.list_legal_entities(seed.property).size() == 2u);
}

BOOST_AUTO_TEST_CASE(seeding_twice_changes_nothing) {
    test::TempDir dir;
    auto storage = test::open_storage(dir.path());
    const auto first = seed_demo(*storage);
    const auto lines = storage->folios().folio_summary(first.main_folio)->lines.size();
    auto reopened = test::open_storage(dir.path());
    const auto second = seed_demo(*reopened);
    BOOST_TEST(!second.created);
    BOOST_TEST(second.main_folio == first.main_folio);
    BOOST_TEST(second.second_folio == first.second_folio);
    BOOST_TEST(second.online_link == first.online_link);
    BOOST_TEST(second.booking == first.booking);
    const auto main = reopened->folios().folio_summary(first.main_folio).value();
    BOOST_TEST(main.lines.size() == lines);
    BOOST_TEST(main.folio.totals.services.minor == demo_main_folio_total_minor);
    BOOST_TEST(reopened->folios().list_properties().size() == 1u);
    BOOST_TEST(reopened->folios().folios_of_booking(first.booking).size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
