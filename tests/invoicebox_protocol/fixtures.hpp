// Documented sample shapes from invoicebox-api.md §8.1 (compact JSON; the document pretty-prints
// them) and helpers shared by the codec, endpoint and flow tests.
#pragma once

#include "invoicebox/protocol/endpoints.hpp"
#include "invoicebox/protocol/order_codec.hpp"
#include "invoicebox/protocol/api_error.hpp"
#include "invoicebox/protocol/envelope.hpp"

#include <optional>
#include <vector>

#include <string>
#include <string_view>

namespace invoicebox::protocol::test {

/// §8.1 request body, compact, `/` escaped as our writer (and InvoiceBox) does.
inline constexpr std::string_view create_request_81 =
    R"json({"merchantId":"3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f","merchantOrderId":"10026","description":"Заказ 10026 в магазине example.ru","amount":1550,"vatAmount":225,"currencyId":"RUB","languageId":"ru","expirationDate":"2024-11-08T21:00:00+00:00","basketItems":[{"sku":"MUG-350","name":"Кружка керамическая 350 мл","measure":"шт.","measureCode":"796","quantity":3,"amount":450,"amountWoVat":375,"totalAmount":1350,"totalVatAmount":225,"vatCode":"RUS_VAT20","type":"commodity","paymentType":"full_prepayment"},{"sku":"GIFT-WRAP","name":"Подарочная упаковка заказа","measure":"шт.","measureCode":"796","quantity":1,"amount":200,"amountWoVat":200,"totalAmount":200,"totalVatAmount":0,"vatCode":"VATNONE","type":"service","paymentType":"full_prepayment"}],"customer":{"type":"private","name":"Анна Смирнова","phone":"79161234567","email":"anna@example.com"},"successUrl":"https:\/\/example.ru\/checkout\/10026\/success","failUrl":"https:\/\/example.ru\/checkout\/10026\/fail","returnUrl":"https:\/\/example.ru\/checkout\/10026","notificationUrl":"https:\/\/example.ru\/invoicebox\/notify"})json";

/// §8.1 response body, as printed in the document (pretty, with `\/` in the URLs).
inline constexpr std::string_view create_response_81 = R"json({
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
})json";

/// §8.1 calculation error.
inline constexpr std::string_view error_422_81 =
    R"json({ "error": { "message": "Order total does not match basket", "code": "wrong_total_amount",
             "fields": [ { "name": "amount", "code": "wrong_value", "message": "" } ] } })json";

/// The §8.1 request as a typed value, built the way the plugin builds one (from folio lines).
inline CreateOrderRequest request_81() {
    CreateOrderRequest r;
    r.merchant_id = MerchantId("3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f");
    r.merchant_order_id = MerchantOrderId("10026");
    r.description = "Заказ 10026 в магазине example.ru";
    r.currency = Currency::rub;
    r.language_id = "ru";
    r.expiration_date = *parse_timestamp("2024-11-08T21:00:00+00:00");
    BasketLine mug;
    mug.sku = "MUG-350";
    mug.name = "Кружка керамическая 350 мл";
    mug.quantity = Quantity::units(3);
    mug.total = Money::of(135000);
    mug.vat_code = VatCode(KnownVatCode::vat20);
    mug.type = ItemType::commodity();
    BasketLine wrap;
    wrap.sku = "GIFT-WRAP";
    wrap.name = "Подарочная упаковка заказа";
    wrap.total = Money::of(20000);
    wrap.vat_code = VatCode(KnownVatCode::vat_none);
    std::vector<BasketLine> lines{mug, wrap};
    r.set_basket(build_basket(lines).value());
    r.customer.type = "private";
    r.customer.name = "Анна Смирнова";
    r.customer.phone = "79161234567";
    r.customer.email = "anna@example.com";
    r.success_url = "https://example.ru/checkout/10026/success";
    r.fail_url = "https://example.ru/checkout/10026/fail";
    r.return_url = "https://example.ru/checkout/10026";
    r.notification_url = "https://example.ru/invoicebox/notify";
    return r;
}

inline ClientConfig test_config() {
    ClientConfig c;
    c.base_url = "https://api.invoicebox.ru";
    c.token = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    c.user_agent = make_user_agent({"ExampleShop", "4.2", "InvoiceboxModule", "1.0", {}});
    return c;
}

inline HttpResponse response(int status, std::string body, HttpHeaders headers = {}) {
    return HttpResponse{status, std::move(headers), std::move(body)};
}

/// A success body as InvoiceBox sends it (§1.5): {"data":…,"extendedData":[]} plus `metaData`
/// for lists. Test-only: the protocol library reads envelopes, the simulator writes them.
inline std::string envelope_body(std::string_view data_json,
                                 const std::optional<PageMeta>& meta = std::nullopt) {
    std::string out = "{\"data\":" + std::string(data_json) + ",\"extendedData\":[]";
    if (meta) {
        out += ",\"metaData\":{\"totalCount\":" + std::to_string(meta->total_count) +
               ",\"pageSize\":" + std::to_string(meta->page_size) +
               ",\"page\":" + std::to_string(meta->page) + "}";
    }
    return out + "}";
}

/// The documented error body (§1.5) with plain-ASCII texts, as a server would write it.
/// Test-only, like envelope_body.
inline std::string write_error_body(std::string_view code, std::string_view message,
                                    const std::vector<FieldError>& fields = {}) {
    auto q = [](std::string_view s) { return "\"" + std::string(s) + "\""; };
    std::string out = "{\"error\":{\"message\":" + q(message) + ",\"code\":" + q(code) +
                      ",\"fields\":[";
    for (std::size_t i = 0; i < fields.size(); ++i) {
        out += (i ? ",{" : "{") + std::string("\"name\":") + q(fields[i].name) +
               ",\"code\":" + q(fields[i].code) + ",\"message\":" + q(fields[i].message) + "}";
    }
    return out + "]}}";
}

/// A list response holding the given orders' JSON objects.
inline std::string orders_page(const std::vector<Order>& orders) {
    std::string data = "[";
    for (std::size_t i = 0; i < orders.size(); ++i) {
        if (i)
            data += ",";
        data += order_json(orders[i]);
    }
    data += "]";
    return envelope_body(data, PageMeta{static_cast<std::int64_t>(orders.size()), 100, 1});
}

} // namespace invoicebox::protocol::test
