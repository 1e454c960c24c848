// The demo hotel, written through the Storage interface only, so it seeds any backend. Every
// step is an "ensure" keyed by a natural key (names, numbers), and a folio is created together
// with its lines, so seeding twice — or after a crash halfway — converges to the same data.
#include "pms/host/storage/demo_seed.hpp"

#include <chrono>
#include <cstdio>

namespace pms::host {
namespace {

using namespace std::chrono;

constexpr std::int64_t night_minor = 2'056'000;   // 20 560,00 ₽, accommodation, VAT 0 %
constexpr std::int64_t breakfast_minor = 200'000; //  2 000,00 ₽, food, VAT 20 %
static_assert(3 * night_minor + 3 * breakfast_minor == demo_main_folio_total_minor);

} // namespace

DemoSeed seed_demo(Storage& storage) {
    auto& folios = storage.folios();
    DemoSeed seed;
    bool created = false;
    auto note = [&created](auto ensured) {
        created = created || ensured.created;
        return ensured.id;
    };

    seed.property = note(folios.ensure_property({"Гранд Отель Суперотель", "Europe/Moscow", 180}));
    seed.superhotel = note(folios.ensure_legal_entity({seed.property, "ООО «Суперотель»", ""}));
    seed.yes_arenda = note(folios.ensure_legal_entity({seed.property, "ООО «ЙЕС-АРЕНДА»", ""}));
    seed.booking = note(folios.ensure_booking(
        {seed.property, "471887", {"Иван Петров", "ivan.petrov@example.com"}}));

    FolioDraft main{seed.booking, seed.superhotel, "30682277", "RUB", true, {}};
    for (int night = 0; night < 3; ++night) {
        const auto day = sys_days{2025y / March / 14} + days{night};
        const year_month_day ymd{day};
        char label[96];
        std::snprintf(label, sizeof label, "Проживание, номер «Делюкс», ночь %02u.%02u.%04d",
                      static_cast<unsigned>(ymd.day()), static_cast<unsigned>(ymd.month()),
                      static_cast<int>(ymd.year()));
        main.lines.push_back({label, night_minor, "RUS_VAT0", ymd});
    }
    for (int morning = 1; morning <= 3; ++morning)
        main.lines.push_back({"Завтрак «шведский стол»", breakfast_minor, "RUS_VAT20",
                              year_month_day{sys_days{2025y / March / 14} + days{morning}}});
    seed.main_folio = note(folios.ensure_folio(main));

    FolioDraft second{seed.booking, seed.yes_arenda, "30682278", "RUB", false, {}};
    second.lines.push_back(
        {"Аренда конференц-зала, 4 часа", 1'200'000, "VATNONE", 2025y / March / 15});
    seed.second_folio = note(folios.ensure_folio(second));

    seed.cashless = note(folios.ensure_payment_category(seed.property, "Безналичный расчёт"));
    seed.bank_card = note(folios.ensure_payment_type(seed.cashless, "Банковская карта"));
    seed.online_link = note(folios.ensure_payment_type(seed.cashless, "Онлайн-оплата (ссылка)"));
    seed.cash = note(folios.ensure_payment_category(seed.property, "Наличный расчёт"));
    seed.cash_rub = note(folios.ensure_payment_type(seed.cash, "Наличные"));

    seed.created = created;
    return seed;
}

} // namespace pms::host
