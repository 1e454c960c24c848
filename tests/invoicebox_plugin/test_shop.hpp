// What the plugin tests share: the folio document of account 30682277 (67 680,00 ₽ due) and the
// settings of the test shop that FakeHost's simulator serves.
#pragma once

#include "fake_host.hpp"

#include <invoicebox/plugin/settings.hpp>

namespace test {

inline constexpr const char* folio_doc = R"({"schema":"pms.folio/1","folio_id":"F-1","folio_number":"30682277","status":"open",
 "property_id":"hotel-1","currency":"RUB","legal_entity":{"id":"le-main","name":"ООО «Отель»","tax_id":""},
 "booking":{"id":"B-1","number":"471887","arrival":"2025-05-12","departure":"2025-05-14"},
 "guest":{"name":"Иван Петров","email":"ivan@example.org","phone":""},
 "lines":[{"line_id":"L1","date":"2025-05-12","description":"Проживание, стандарт","quantity":"2",
           "unit_amount_minor":2884000,"amount_minor":5768000,"vat_code":"vat20","category":"accommodation"},
          {"line_id":"L2","date":"2025-05-13","description":"Завтрак","quantity":"2","unit_amount_minor":500000,
           "amount_minor":1000000,"vat_code":"vat10","category":"food"}],
 "payments":[],"totals":{"charges_minor":6768000,"paid_minor":0,"balance_due_minor":6768000}})";

inline invoicebox::plugin::Settings settings() {
    invoicebox::plugin::Settings s;
    s.shop.legal_entity_id = "le-main";
    s.shop.main = true;
    s.shop.merchant_id = merchant;
    s.shop.api_token = token;
    s.shop.api_key = api_key;
    s.shop.base_url = "http://sim.test";
    s.notification_url = "http://pms.test/hooks/ru.invoicebox.pms.payment-link/hotel-1/notify";
    s.message_template = default_message_template();
    s.mail_subject = "Оплата";
    s.item_name_template = default_item_name_template();
    s.hotel_name = "Берёзка";
    return s;
}

} // namespace test
