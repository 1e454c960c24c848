// Order, request and refund codecs against the documented sample shapes (§8), unknown statuses
// and fields, and the simulator-side readers.
#include "invoicebox/protocol/order_codec.hpp"

#include "fixtures.hpp"
#include "invoicebox/protocol/json_reader.hpp"
#include "invoicebox/protocol/refund.hpp"
#include "notification_body.hpp"

#include <boost/test/unit_test.hpp>

using namespace invoicebox::protocol;
using namespace invoicebox::protocol::test;

BOOST_AUTO_TEST_SUITE(codec)

BOOST_AUTO_TEST_CASE(create_request_81_is_written_as_documented) {
    const auto req = request_81();
    BOOST_TEST(!validate(req).has_value());
    BOOST_TEST(create_order_body(req) == create_request_81);
}

BOOST_AUTO_TEST_CASE(create_request_81_reads_back) {
    auto doc = parse_json(create_request_81);
    BOOST_TEST_REQUIRE(doc.has_value());
    auto req = read_create_order_request(*doc);
    BOOST_TEST_REQUIRE(req.has_value());
    BOOST_TEST(req->merchant_order_id.str() == "10026");
    BOOST_TEST(req->amount.minor == 155000);
    BOOST_TEST(req->vat_amount.minor == 22500);
    BOOST_TEST(req->basket_items.size() == 2u);
    BOOST_TEST(*req->success_url == "https://example.ru/checkout/10026/success");
    BOOST_TEST(format_timestamp(req->expiration_date) == "2024-11-08T21:00:00+00:00");
    BOOST_TEST(check_basket(req->basket_items, req->amount, req->vat_amount).empty());
    BOOST_TEST(create_order_body(*req) == create_request_81);
}

BOOST_AUTO_TEST_CASE(create_request_reader_names_bad_fields) {
    auto bad = [](std::string_view from, std::string_view to) {
        std::string body(create_request_81);
        const auto at = body.find(from);
        BOOST_TEST_REQUIRE(at != std::string::npos);
        body.replace(at, from.size(), to);
        auto doc = parse_json(body);
        BOOST_TEST_REQUIRE(doc.has_value());
        auto r = read_create_order_request(*doc);
        BOOST_TEST_REQUIRE(!r.has_value());
        return r.error().path;
    };
    BOOST_TEST(bad(R"("currencyId":"RUB")", R"("currencyId":"XXX")") == "currencyId");
    BOOST_TEST(bad(R"("expirationDate":"2024-11-08T21:00:00+00:00")",
                   R"("expirationDate":"tomorrow")") == "expirationDate");
    BOOST_TEST(bad(R"("amount":450)", R"("amount":450.001)") == "basketItems[0].amount");
    BOOST_TEST(bad(R"("merchantOrderId":"10026",)", "") == "merchantOrderId");
    BOOST_TEST(bad(R"("vatAmount":225,)", R"("vatAmount":"225",)") == "vatAmount");
}

BOOST_AUTO_TEST_CASE(create_response_81_parses) {
    auto order = InvoiceboxApi::parse_order(response(200, std::string(create_response_81)));
    BOOST_TEST_REQUIRE(order.has_value());
    BOOST_TEST(order->id.str() == "0192f3a4-5b6c-7d8e-9f01-23456789abcd");
    BOOST_TEST(order->order_container_id->str() == "0192f3a4-5b2a-7c11-8e22-33445566aabb");
    BOOST_TEST((order->status.kind() == OrderStatusKind::created));
    BOOST_TEST(*order->payment_url ==
               "https://pay.invoicebox.ru/order/0192f3a4-5b2a-7c11-8e22-33445566aabb");
    BOOST_TEST(order->amount.minor == 155000);
    BOOST_TEST(order->vat_amount->minor == 22500);
    BOOST_TEST(order->basket_items.size() == 2u);
    BOOST_TEST(*order->processing_status == "");
    BOOST_TEST(*order->processable);
    BOOST_TEST(format_timestamp(*order->created_at) == "2024-11-05T10:01:12+00:00");
    BOOST_TEST(!order->paid_at.has_value());
    BOOST_TEST(*order->customer->email == "anna@example.com");
    BOOST_TEST(order->raw.find("fileIds") != nullptr);
    BOOST_TEST(!order->is_monitoring_probe());
}

BOOST_AUTO_TEST_CASE(notification_82_order_round_trips_byte_for_byte) {
    auto doc = parse_json(notification_82);
    BOOST_TEST_REQUIRE(doc.has_value());
    auto order = read_order(*doc);
    BOOST_TEST_REQUIRE(order.has_value());
    BOOST_TEST(order->status.is_paid());
    BOOST_TEST(order->amount.minor == 249050);
    BOOST_TEST(format_timestamp(*order->paid_at) == "2024-11-05T09:20:03+00:00");
    // The typed writer reproduces InvoiceBox's bytes: the simulator's notifications look real.
    BOOST_TEST(order_json(*order) == notification_82);
}

BOOST_AUTO_TEST_CASE(unknown_statuses_and_fields_are_kept) {
    for (std::string_view status : {"hold", "draft", "success", "partially_refunded_2027"}) {
        std::string body(notification_82);
        body.replace(body.find("\"completed\""), 11, "\"" + std::string(status) + "\"");
        body.insert(1, R"("futureField":{"nested":[1,2.50]},)");
        auto doc = parse_json(body);
        BOOST_TEST_REQUIRE(doc.has_value());
        auto order = read_order(*doc);
        BOOST_TEST_REQUIRE(order.has_value(), "status " << status);
        BOOST_TEST(order->status.wire() == status);
        BOOST_TEST(!order->status.is_paid());
        BOOST_TEST(
            order->raw.find("futureField")->find("nested")->if_array()->at(1).if_number()->text ==
            "2.50");
        BOOST_TEST(order_json(*order).find("\"status\":\"" + std::string(status) + "\"") !=
                   std::string::npos);
    }
    BOOST_TEST((OrderStatus("hold").kind() == OrderStatusKind::hold));
    BOOST_TEST((OrderStatus("draft").kind() == OrderStatusKind::draft));
    BOOST_TEST((OrderStatus("cancelled").kind() == OrderStatusKind::canceled));
    BOOST_TEST(OrderStatus("cancelled").wire() == "cancelled");
    BOOST_TEST((OrderStatus("success").kind() == OrderStatusKind::unknown));
    BOOST_TEST(OrderStatus::of(OrderStatusKind::expired).is_closed_unpaid());
    BOOST_TEST((RefundStatus("draft").kind() == RefundStatusKind::draft));
    BOOST_TEST((RefundStatus("queued").kind() == RefundStatusKind::unknown));
}

BOOST_AUTO_TEST_CASE(lenient_times_and_null_fields) {
    auto doc = parse_json(
        R"({"id":"x","status":"created","amount":1,"currencyId":"EUR","createdAt":"05.11.2024",
                             "paidAt":null,"customer":null,"basketItems":null,"vatAmount":null,"merchantId":"m"})");
    auto order = read_order(*doc);
    BOOST_TEST_REQUIRE(order.has_value());
    BOOST_TEST(!order->created_at.has_value()); // unparsable time: kept in raw only
    BOOST_TEST(!order->customer.has_value());
    BOOST_TEST(!order->vat_amount.has_value());
    BOOST_TEST((order->currency() == Currency::eur));
}

BOOST_AUTO_TEST_CASE(order_decode_errors) {
    auto path_of = [](std::string_view json) {
        auto doc = parse_json(json);
        BOOST_TEST_REQUIRE(doc.has_value());
        auto o = read_order(*doc, "data");
        BOOST_TEST_REQUIRE(!o.has_value());
        return o.error().path;
    };
    BOOST_TEST(path_of(R"({"status":"created","amount":1,"currencyId":"RUB"})") == "data.id");
    BOOST_TEST(path_of(R"({"id":"x","status":"created","amount":1,"currencyId":"CNY"})") ==
               "data.currencyId");
    BOOST_TEST(path_of(R"({"id":"x","status":"created","amount":"1","currencyId":"RUB"})") ==
               "data.amount");
    BOOST_TEST(path_of(R"({"id":"x","amount":1,"currencyId":"RUB"})") == "data.status");
    BOOST_TEST(path_of(R"([1])") == "data");
}

BOOST_AUTO_TEST_CASE(monitoring_probe_is_recognised) {
    auto doc = parse_json(
        R"({"id":"ffffffff-ffff-ffff-ffff-ffffffffffff","merchantOrderId":"","status":"completed",
                             "amount":0,"currencyId":"RUB","merchantId":"m"})");
    auto order = read_order(*doc);
    BOOST_TEST_REQUIRE(order.has_value());
    BOOST_TEST(order->is_monitoring_probe());
    Order o = *order;
    o.merchant_order_id = MerchantOrderId("10025");
    BOOST_TEST(!o.is_monitoring_probe());
}

BOOST_AUTO_TEST_CASE(update_request_round_trip) {
    UpdateOrderRequest u;
    u.description = "Новое описание";
    u.expiration_date = *parse_timestamp("2024-11-09T00:00:00Z");
    std::vector<BasketLine> lines(1);
    lines[0].sku = "N1";
    lines[0].name = "Ночь";
    lines[0].total = Money::of(500000);
    lines[0].vat_code = VatCode(KnownVatCode::vat10);
    u.basket = build_basket(lines).value();
    const auto body = update_order_body(u);
    BOOST_TEST(
        body.find(
            R"("amount":5000,"vatAmount":454.55,"expirationDate":"2024-11-09T00:00:00+00:00")") !=
        std::string::npos);
    auto back = read_update_order_request(*parse_json(body), Currency::rub);
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(back->basket->amount.minor == 500000);
    BOOST_TEST(*back->description == "Новое описание");
    BOOST_TEST(update_order_body(*back) == body);
    BOOST_TEST(update_order_body(UpdateOrderRequest{}) == "{}");
    // basketItems without totals is refused (the server could not reconcile it)
    auto partial = read_update_order_request(*parse_json(R"({"basketItems":[]})"), Currency::rub);
    BOOST_TEST(partial.error().path == "amount");
}

BOOST_AUTO_TEST_CASE(refund_round_trip) {
    CreateRefundRequest r;
    r.parent_id = OrderId("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
    r.merchant_order_id = MerchantOrderId("10025-R1");
    r.description = "Возврат доставки";
    std::vector<BasketLine> lines(1);
    lines[0].sku = "DLV-1";
    lines[0].name = "Доставка курьером";
    lines[0].total = Money::of(30000);
    lines[0].vat_code = VatCode(KnownVatCode::vat20);
    r.set_basket(build_basket(lines).value());
    BOOST_TEST(!validate(r).has_value());
    const auto body = create_refund_body(r);
    BOOST_TEST(
        body.find(
            R"("parentId":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","merchantOrderId":"10025-R1","amount":300,"vatAmount":50)") ==
        1u);
    auto back = read_create_refund_request(*parse_json(body), Currency::rub);
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(create_refund_body(*back) == body);

    Refund refund;
    refund.id = RefundId("r-1");
    refund.parent_id = r.parent_id;
    refund.merchant_order_id = r.merchant_order_id;
    refund.merchant_id = MerchantId("m");
    refund.amount = r.amount;
    refund.vat_amount = r.vat_amount;
    refund.basket_items = r.basket_items;
    refund.created_at = *parse_timestamp("2024-11-06T10:00:00+00:00");
    refund.status = RefundStatus::of(RefundStatusKind::created);
    JsonWriter w;
    write_refund(w, refund);
    const auto json = w.take();
    auto parsed = read_refund(*parse_json(json), Currency::usd);
    BOOST_TEST_REQUIRE(parsed.has_value());
    BOOST_TEST(
        (parsed->amount == Money::of(30000, Currency::rub))); // currencyId in the object wins
    BOOST_TEST(parsed->status.wire() == "created");
    JsonWriter w2;
    write_refund(w2, *parsed);
    BOOST_TEST(w2.take() == json);
}

BOOST_AUTO_TEST_CASE(request_validation) {
    auto r = request_81();
    r.amount = Money::of(155001);
    auto e = validate(r);
    BOOST_TEST_REQUIRE(e.has_value());
    BOOST_TEST((e->kind == ErrorKind::invalid_request));
    BOOST_TEST(e->code == "wrong_total_amount");
    BOOST_TEST(e->fields.front().name == "amount");
    r = request_81();
    r.merchant_order_id = MerchantOrderId(std::string(101, 'x'));
    BOOST_TEST(validate(r)->fields.front().name == "merchantOrderId");
    r = request_81();
    r.description.clear();
    BOOST_TEST(validate(r)->fields.front().name == "description");
    r = request_81();
    r.currency = Currency::usd;
    BOOST_TEST(validate(r)->code == "wrong_currency");
    r = request_81();
    r.expiration_date = UtcTime{};
    BOOST_TEST(validate(r)->code == "wrong_expiration_date");
    r = request_81();
    r.return_url = std::string(1001, 'u');
    BOOST_TEST(validate(r)->fields.front().name == "returnUrl");
    r = request_81();
    r.basket_items.clear();
    r.amount = r.vat_amount = Money::of(0);
    BOOST_TEST(validate(r)->fields.front().name == "basketItems");
}

BOOST_AUTO_TEST_SUITE_END()
