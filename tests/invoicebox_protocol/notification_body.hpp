// The worked notification of invoicebox-api.md §8.2, byte for byte (1297 bytes of UTF-8, `\/`
// kept), and the values the document gives for it. Shared by the signature, JSON and
// notification tests.
#pragma once

#include <string_view>

namespace invoicebox::protocol::test {

inline constexpr std::string_view notification_82 =
    R"json({"id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","description":"Заказ 10025: чайник электрический","currencyId":"RUB","amount":2490.5,"vatAmount":415.08,"basketItems":[{"sku":"KT-100","name":"Чайник электрический KT-100","measure":"шт.","measureCode":"796","quantity":1,"amount":2190.5,"amountWoVat":1825.42,"totalAmount":2190.5,"totalVatAmount":365.08,"vatCode":"RUS_VAT20","type":"commodity","paymentType":"full_prepayment"},{"sku":"DLV-1","name":"Доставка курьером","measure":"шт.","measureCode":"796","quantity":1,"amount":300,"amountWoVat":250,"totalAmount":300,"totalVatAmount":50,"vatCode":"RUS_VAT20","type":"service","paymentType":"full_prepayment"}],"orderContainerId":"0190a1b2-c3a0-71aa-9bcd-112233445566","merchantId":"3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f","status":"completed","subtype":"order","createdAt":"2024-11-05T09:12:44+00:00","paidAt":"2024-11-05T09:20:03+00:00","merchantOrderId":"10025","merchantOrderIdVisible":"10025","expirationDate":"2024-11-06T09:12:40+00:00","fileIds":[],"paymentUrl":"https:\/\/pay.invoicebox.ru\/order\/0190a1b2-c3a0-71aa-9bcd-112233445566","customer":{"type":"private","name":"Иван Петров","phone":"79001234567","email":"ivan@example.com"},"languageId":"ru","processable":true})json";

inline constexpr std::string_view notification_82_key = "s3cr3t-notify-key";
inline constexpr std::string_view notification_82_signature =
    "a4f2f1735dc956ce9e8a8b02739c00596b0702a9";
/// What a receiver that re-encodes the body without `\/` would compute (and wrongly reject with).
inline constexpr std::string_view notification_82_reencoded_signature =
    "09811d2707f558a51af8bdc90e73ebc2bcc337ea";

} // namespace invoicebox::protocol::test
