// Golden bytes copied from the API reference (../shared/docs/invoicebox-api.md), not produced by
// either implementation. Each is run through BOTH the plugin's codec (invoicebox::protocol) and
// the simulator's own rules (invoicebox::sim) by contract_test.cpp, so a misreading on one side
// shows up as a disagreement with the reference instead of passing on both.
#pragma once

#include <string_view>

namespace contract {

// §8.1 request body, exactly as printed (pretty-printed JSON; whitespace is allowed).
inline constexpr std::string_view create_request_81 = R"golden({
  "merchantId": "3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f",
  "merchantOrderId": "10026",
  "description": "Заказ 10026 в магазине example.ru",
  "amount": 1550,
  "vatAmount": 225,
  "currencyId": "RUB",
  "languageId": "ru",
  "expirationDate": "2024-11-08T21:00:00+00:00",
  "basketItems": [
    {
      "sku": "MUG-350", "name": "Кружка керамическая 350 мл",
      "measure": "шт.", "measureCode": "796",
      "quantity": 3, "amount": 450, "amountWoVat": 375,
      "totalAmount": 1350, "totalVatAmount": 225,
      "vatCode": "RUS_VAT20", "type": "commodity", "paymentType": "full_prepayment"
    },
    {
      "sku": "GIFT-WRAP", "name": "Подарочная упаковка заказа",
      "measure": "шт.", "measureCode": "796",
      "quantity": 1, "amount": 200, "amountWoVat": 200,
      "totalAmount": 200, "totalVatAmount": 0,
      "vatCode": "VATNONE", "type": "service", "paymentType": "full_prepayment"
    }
  ],
  "customer": { "type": "private", "name": "Анна Смирнова", "phone": "79161234567", "email": "anna@example.com" },
  "successUrl": "https://example.ru/checkout/10026/success",
  "failUrl": "https://example.ru/checkout/10026/fail",
  "returnUrl": "https://example.ru/checkout/10026",
  "notificationUrl": "https://example.ru/invoicebox/notify"
})golden";

// §8.1 response (HTTP 200).
inline constexpr std::string_view create_response_81 = R"golden({
  "data": {
    "id": "0192f3a4-5b6c-7d8e-9f01-23456789abcd",
    "orderContainerId": "0192f3a4-5b2a-7c11-8e22-33445566aabb",
    "merchantId": "3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f",
    "merchantOrderId": "10026",
    "description": "Заказ 10026 в магазине example.ru",
    "currencyId": "RUB",
    "amount": 1550,
    "vatAmount": 225,
    "basketItems": [
      { "sku": "MUG-350", "name": "Кружка керамическая 350 мл", "measure": "шт.", "measureCode": "796",
        "quantity": 3, "amount": 450, "amountWoVat": 375, "totalAmount": 1350, "totalVatAmount": 225,
        "vatCode": "RUS_VAT20", "type": "commodity", "paymentType": "full_prepayment" },
      { "sku": "GIFT-WRAP", "name": "Подарочная упаковка заказа", "measure": "шт.", "measureCode": "796",
        "quantity": 1, "amount": 200, "amountWoVat": 200, "totalAmount": 200, "totalVatAmount": 0,
        "vatCode": "VATNONE", "type": "service", "paymentType": "full_prepayment" }
    ],
    "status": "created",
    "subtype": "order",
    "processingStatus": "",
    "createdAt": "2024-11-05T10:01:12+00:00",
    "expirationDate": "2024-11-08T21:00:00+00:00",
    "fileIds": [],
    "successUrl": "https:\/\/example.ru\/checkout\/10026\/success",
    "failUrl": "https:\/\/example.ru\/checkout\/10026\/fail",
    "returnUrl": "https:\/\/example.ru\/checkout\/10026",
    "paymentUrl": "https:\/\/pay.invoicebox.ru\/order\/0192f3a4-5b2a-7c11-8e22-33445566aabb",
    "customer": { "type": "private", "name": "Анна Смирнова", "phone": "79161234567", "email": "anna@example.com" },
    "languageId": "ru",
    "processable": true
  },
  "extendedData": []
})golden";

// §8.1 "a calculation error instead" (HTTP 422).
inline constexpr std::string_view error_422_81 =
    R"golden({ "error": { "message": "Order total does not match basket", "code": "wrong_total_amount",
             "fields": [ { "name": "amount", "code": "wrong_value", "message": "" } ] } })golden";

// §2.1: an invalid token, HTTP 401.
inline constexpr std::string_view error_401_21 =
    R"golden({"error":{"message":"Unauthorized","code":"unauthorized"}})golden";

// §8.2: the notification body, one line, 1297 bytes of UTF-8 (note `\/`).
inline constexpr std::string_view notification_82 =
    R"golden({"id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","description":"Заказ 10025: чайник электрический","currencyId":"RUB","amount":2490.5,"vatAmount":415.08,"basketItems":[{"sku":"KT-100","name":"Чайник электрический KT-100","measure":"шт.","measureCode":"796","quantity":1,"amount":2190.5,"amountWoVat":1825.42,"totalAmount":2190.5,"totalVatAmount":365.08,"vatCode":"RUS_VAT20","type":"commodity","paymentType":"full_prepayment"},{"sku":"DLV-1","name":"Доставка курьером","measure":"шт.","measureCode":"796","quantity":1,"amount":300,"amountWoVat":250,"totalAmount":300,"totalVatAmount":50,"vatCode":"RUS_VAT20","type":"service","paymentType":"full_prepayment"}],"orderContainerId":"0190a1b2-c3a0-71aa-9bcd-112233445566","merchantId":"3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f","status":"completed","subtype":"order","createdAt":"2024-11-05T09:12:44+00:00","paidAt":"2024-11-05T09:20:03+00:00","merchantOrderId":"10025","merchantOrderIdVisible":"10025","expirationDate":"2024-11-06T09:12:40+00:00","fileIds":[],"paymentUrl":"https:\/\/pay.invoicebox.ru\/order\/0190a1b2-c3a0-71aa-9bcd-112233445566","customer":{"type":"private","name":"Иван Петров","phone":"79001234567","email":"ivan@example.com"},"languageId":"ru","processable":true})golden";

inline constexpr std::string_view notification_82_key = "s3cr3t-notify-key";
// §8.2: X-Signature of those bytes.
inline constexpr std::string_view notification_82_signature =
    "a4f2f1735dc956ce9e8a8b02739c00596b0702a9";
// §8.2: what a receiver that decoded and re-encoded the body without `\/` would compute.
inline constexpr std::string_view notification_82_reencoded_signature =
    "09811d2707f558a51af8bdc90e73ebc2bcc337ea";

// §5.3: the replies a shop sends.
inline constexpr std::string_view reply_success = R"golden({"status":"success"})golden";

// §1.6 list filters as PHP's http_build_query writes them (PHP_QUERY_RFC1738: brackets and ':'
// percent-encoded, a list as numbered keys), which is what the official SDK sends
// (Filter::addInCondition / addEqual, invoicebox-api.md §9.3), next to the documented spelling.
inline constexpr std::string_view php_status_in =
    "status%5B0%5D=created&status%5B1%5D=completed"; // ['status' => ['created', 'completed']]
inline constexpr std::string_view doc_status_in = "status[]=created&status[]=completed";
inline constexpr std::string_view php_created_ge =
    "createdAt%5B_ge%5D=2021-01-27T00%3A00%3A00"; // ['createdAt' => ['_ge' =>
                                                  // '2021-01-27T00:00:00']]
inline constexpr std::string_view php_amount_ge = "amount%5B_ge%5D=1000";
inline constexpr std::string_view php_order_desc =
    "_order%5BcreatedAt%5D=desc&_pageSize=1&_page=1"; // ['_order' => ['createdAt' => 'desc'], …]
inline constexpr std::string_view php_offset_date =
    "paidAt%5B_ge%5D=2024-11-05T00%3A00%3A00%2B03%3A00"; // '+' of an offset as %2B

} // namespace contract
