// The demo hotel: one property, two legal entities, booking №471887 with two accounts and
// payment categories. Used by the demo and by tests.
#pragma once

#include "pms/host/storage/storage.hpp"

namespace pms::host {

struct DemoSeed {
    PropertyId property;
    LegalEntityId superhotel;   ///< ООО «Суперотель», the ★ account's company
    LegalEntityId yes_arenda;   ///< ООО «ЙЕС-АРЕНДА»
    BookingId booking;          ///< №471887
    FolioId main_folio;         ///< 30682277 ★, 67 680,00 ₽
    FolioId second_folio;       ///< 30682278
    PaymentCategoryId cashless; ///< «Безналичный расчёт»
    PaymentTypeId bank_card;    ///< «Банковская карта»
    PaymentTypeId online_link;  ///< «Онлайн-оплата (ссылка)»
    PaymentCategoryId cash;     ///< «Наличный расчёт»
    PaymentTypeId cash_rub;     ///< «Наличные»
    bool created = false;       ///< false when everything already existed
};

inline constexpr std::int64_t demo_main_folio_total_minor = 6'768'000; // 67 680,00 ₽

/// Creates whatever of the demo data is missing; seeding twice changes nothing.
DemoSeed seed_demo(Storage& storage);

} // namespace pms::host
