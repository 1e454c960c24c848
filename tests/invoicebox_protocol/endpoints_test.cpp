// The sans-I/O client: config, request builders (paths, headers, queries, bodies) and response
// parsers (envelope, paging, auth check quirk, malformed bodies, transport failures).
#include "invoicebox/protocol/endpoints.hpp"

#include "fixtures.hpp"

#include <boost/test/unit_test.hpp>

using namespace invoicebox::protocol;
using namespace invoicebox::protocol::test;

namespace {

std::string header(const HttpRequest& r, std::string_view name) {
    auto h = find_header(r.headers, name);
    return h ? std::string(*h) : std::string("<none>");
}

} // namespace

BOOST_AUTO_TEST_SUITE(endpoints)

BOOST_AUTO_TEST_CASE(config_and_user_agent) {
    BOOST_TEST(make_user_agent({}) == "PmsHost/0.1.0 (InvoiceboxPlugin 0.1.0)");
    BOOST_TEST(
        make_user_agent({"Pms Host", "1.2", "Invoicebox\r\nX-Evil: 1", "3", {"property/h1", ""}}) ==
        "Pms-Host/1.2 (InvoiceboxX-Evil:-1 3) property/h1");
    auto c = test_config();
    BOOST_TEST(!validate(c).has_value());
    c.token = "a b";
    BOOST_TEST(validate(c).has_value());
    c = test_config();
    c.token.clear();
    BOOST_TEST(validate(c).has_value());
    c = test_config();
    c.base_url = "ftp://x";
    BOOST_TEST(validate(c).has_value());
    BOOST_TEST(!parse_base_url("https://api.invoicebox.ru/?a=1").has_value());
    BOOST_TEST(!parse_base_url("not a url").has_value());
    // Found by tests/fuzz (target settings): Boost.URL 1.81 asserted on these.
    BOOST_TEST(!parse_base_url("htIp:]").has_value());
    BOOST_TEST(!parse_base_url("https:]").has_value());
    BOOST_TEST(!parse_base_url("http:x]").has_value());
    BOOST_TEST(!parse_base_url("://h").has_value());
    BOOST_TEST(!parse_base_url("https://user:pw@host/").has_value());
    auto b = parse_base_url("http://127.0.0.1:18080/sim/");
    BOOST_TEST_REQUIRE(b.has_value());
    BOOST_TEST(b->origin() == "http://127.0.0.1:18080");
    BOOST_TEST(b->path_prefix == "/sim");
    BOOST_TEST(parse_base_url("HTTPS://api.invoicebox.ru")->origin() ==
               "https://api.invoicebox.ru");
    BOOST_TEST((flavour_from_string("L3") == ApiFlavour::l3));
    BOOST_TEST(!flavour_from_string("v2").has_value());
}

BOOST_AUTO_TEST_CASE(check_auth_request_and_headers) {
    InvoiceboxApi api(test_config());
    const auto r = api.check_auth();
    BOOST_TEST((r.method == HttpMethod::get));
    BOOST_TEST(r.target == "/v3/security/api/auth/auth");
    BOOST_TEST(api.url(r) == "https://api.invoicebox.ru/v3/security/api/auth/auth");
    BOOST_TEST(header(r, "authorization") == "Bearer 0a1b2c3d4e5f60718293a4b5c6d7e8f9");
    BOOST_TEST(header(r, "Accept") == "application/json");
    BOOST_TEST(header(r, "User-Agent") == "ExampleShop/4.2 (InvoiceboxModule 1.0)");
    BOOST_TEST(header(r, "Content-Type") == "<none>");
    BOOST_TEST(r.body.empty());

    auto c = test_config();
    c.flavour = ApiFlavour::l3;
    c.base_url = "http://127.0.0.1:18080/sim";
    InvoiceboxApi l3(c);
    const auto lr = l3.check_auth();
    BOOST_TEST(lr.target == "/sim/l3/security/api/auth/auth");
    BOOST_TEST(l3.url(lr) == "http://127.0.0.1:18080/sim/l3/security/api/auth/auth");
}

BOOST_AUTO_TEST_CASE(check_auth_responses) {
    auto ok = InvoiceboxApi::parse_check_auth(response(
        200,
        R"({"data":{"userId":"5e0c9d6a-0000-4000-8000-000000000001","profile":null,"accessToken":null},"extendedData":[]})"));
    BOOST_TEST_REQUIRE(ok.has_value());
    BOOST_TEST(ok->user_id == "5e0c9d6a-0000-4000-8000-000000000001");
    // §2.1: no token or the wrong prefix answers 200 with userId null.
    auto anon = InvoiceboxApi::parse_check_auth(response(
        200, R"({"data":{"userId":null,"profile":null,"accessToken":null},"extendedData":[]})"));
    BOOST_TEST_REQUIRE(!anon.has_value());
    BOOST_TEST((anon.error().kind == ErrorKind::not_authenticated));
    auto bad = InvoiceboxApi::parse_check_auth(
        response(401, R"({"error":{"message":"Unauthorized","code":"unauthorized"}})"));
    BOOST_TEST((bad.error().kind == ErrorKind::unauthorized));
    auto forbidden = InvoiceboxApi::parse_check_auth(
        response(403, R"({"error":{"message":"Forbidden","code":"forbidden","fields":[]}})"));
    BOOST_TEST((forbidden.error().kind == ErrorKind::forbidden));
}

BOOST_AUTO_TEST_CASE(create_order_request) {
    InvoiceboxApi api(test_config());
    auto r = api.create_order(request_81());
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST((r->method == HttpMethod::post));
    BOOST_TEST(r->target == "/v3/billing/api/order/order");
    BOOST_TEST(header(*r, "Content-Type") == "application/json");
    BOOST_TEST(r->body == create_request_81);
    // A basket that would fail InvoiceBox's checks never leaves the process.
    auto bad = request_81();
    bad.basket_items[0].amount_wo_vat = Money::of(37000);
    auto refused = api.create_order(bad);
    BOOST_TEST_REQUIRE(!refused.has_value());
    BOOST_TEST((refused.error().kind == ErrorKind::invalid_request));
    BOOST_TEST(refused.error().code == "wrong_basket_item_amount_wo_vat");
    BOOST_TEST(refused.error().fields.front().name == "basketItems[0].amountWoVat");
}

BOOST_AUTO_TEST_CASE(find_orders_queries) {
    InvoiceboxApi api(test_config());
    BOOST_TEST(api.find_order_by_id(OrderId("0192f3a4-5b6c-7d8e-9f01-23456789abcd")).target ==
               "/v3/filter/api/order/order?id=0192f3a4-5b6c-7d8e-9f01-23456789abcd");
    BOOST_TEST(
        api.find_orders_by_merchant_order_id(MerchantOrderId("ibx7f3a:F-1001/2#1")).target ==
        "/v3/filter/api/order/"
        "order?merchantOrderId=ibx7f3a%3AF-1001%2F2%231&_page=1&_pageSize=100&page=1&pageSize=100");
    OrderFilter f;
    f.statuses = {"completed", "hold"};
    f.paid_from = *parse_timestamp("2024-11-05T00:00:00+03:00");
    f.sort = {{"paidAt", false}};
    f.paging = Paging{2, 50};
    BOOST_TEST(api.find_orders(f).target ==
               "/v3/filter/api/order/order?status%5B%5D=completed&status%5B%5D=hold"
               "&paidAt%5B_ge%5D=2024-11-04T21%3A00%3A00%2B00%3A00&_order%5BpaidAt%5D=asc"
               "&_page=2&_pageSize=50&page=2&pageSize=50");
    auto c = test_config();
    c.paging = PagingStyle::underscore;
    OrderFilter one;
    one.statuses = {"completed"};
    one.paging = Paging{};
    one.created_before = *parse_timestamp("2024-11-06T00:00:00Z");
    BOOST_TEST(InvoiceboxApi(c).find_orders(one).target ==
               "/v3/filter/api/order/"
               "order?status=completed&createdAt%5B_lt%5D=2024-11-06T00%3A00%3A00%2B00%3A00"
               "&_page=1&_pageSize=30");
    c.paging = PagingStyle::plain;
    OrderFilter third;
    third.paging = Paging{3, 10};
    BOOST_TEST(InvoiceboxApi(c).find_orders(third).target ==
               "/v3/filter/api/order/order?page=3&pageSize=10");
    BOOST_TEST(api.find_orders(OrderFilter{}).target == "/v3/filter/api/order/order");
}

// Reading these queries back is the simulator's job: tests/contract runs to_query's output
// through the simulator's own parser (filters_written_by_the_plugin_read_by_the_simulator).

BOOST_AUTO_TEST_CASE(update_cancel_refund_requests) {
    InvoiceboxApi api(test_config());
    const OrderId id("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
    UpdateOrderRequest u;
    u.description = "x";
    auto put = api.update_order(id, u, Currency::rub);
    BOOST_TEST_REQUIRE(put.has_value());
    BOOST_TEST((put->method == HttpMethod::put));
    BOOST_TEST(put->target == "/v3/billing/api/order/order/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
    BOOST_TEST(put->body == R"({"description":"x"})");
    UpdateOrderRequest wrong;
    wrong.description = "";
    BOOST_TEST(!api.update_order(id, wrong, Currency::rub).has_value());

    const auto del = api.cancel_order(id);
    BOOST_TEST((del.method == HttpMethod::delete_));
    BOOST_TEST(to_string(del.method) == "DELETE");
    BOOST_TEST(del.target == "/v3/billing/api/order/order/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
    BOOST_TEST(del.body.empty());
    BOOST_TEST(header(del, "Content-Type") == "<none>");

    BOOST_TEST(
        api.refundable_items(id).target ==
        "/v3/billing/api/order/order/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/refund-basket-item");
    // Ids are path segments: anything odd is encoded, so an id can never change the path.
    BOOST_TEST(api.cancel_order(OrderId("../x?y")).target ==
               "/v3/billing/api/order/order/..%2Fx%3Fy");

    RefundFilter rf;
    rf.parent_id = id;
    rf.statuses = {"created"};
    BOOST_TEST(api.list_refunds(rf).target ==
               "/v3/filter/api/order/"
               "refund-order?parentId=0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b&status=created");

    CreateRefundRequest cr;
    cr.parent_id = id;
    cr.merchant_order_id = MerchantOrderId("10025-R1");
    cr.description = "Возврат";
    BOOST_TEST(!api.create_refund(cr).has_value()); // empty basket
    std::vector<BasketLine> lines(1);
    lines[0].sku = "DLV-1";
    lines[0].name = "Доставка";
    lines[0].total = Money::of(30000);
    lines[0].vat_code = VatCode(KnownVatCode::vat20);
    cr.set_basket(build_basket(lines).value());
    auto post = api.create_refund(cr);
    BOOST_TEST_REQUIRE(post.has_value());
    BOOST_TEST(post->target == "/v3/billing/api/order/refund-order");
}

BOOST_AUTO_TEST_CASE(order_list_paging) {
    auto one = InvoiceboxApi::parse_order(response(200, std::string(create_response_81))).value();
    auto page = InvoiceboxApi::parse_orders(response(200, orders_page({one, one})));
    BOOST_TEST_REQUIRE(page.has_value());
    BOOST_TEST(page->items.size() == 2u);
    BOOST_TEST((page->meta == PageMeta{2, 100, 1}));
    BOOST_TEST(!page->has_more(100));
    Page<int> p{{1, 2, 3}, PageMeta{7, 3, 2}};
    BOOST_TEST(p.has_more(3));
    Page<int> no_meta{{1, 2, 3}, std::nullopt};
    BOOST_TEST(no_meta.has_more(3));
    BOOST_TEST(!no_meta.has_more(4));
    auto empty = InvoiceboxApi::parse_orders(response(
        200,
        R"({"data":[],"extendedData":[],"metaData":{"totalCount":0,"pageSize":30,"page":1}})"));
    BOOST_TEST(empty->items.empty());
    auto not_list = InvoiceboxApi::parse_orders(response(200, R"({"data":{}})"));
    BOOST_TEST((not_list.error().kind == ErrorKind::malformed_response));
    auto bad_row = InvoiceboxApi::parse_orders(response(200, R"({"data":[{"id":"x"}]})"));
    BOOST_TEST((bad_row.error().kind == ErrorKind::malformed_response));
    BOOST_TEST(bad_row.error().message.find("data[0]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_order_list_read_without_baskets_reads_everything_else_alike) {
    auto one = InvoiceboxApi::parse_order(response(200, std::string(create_response_81))).value();
    BOOST_TEST_REQUIRE(!one.basket_items.empty());
    const auto body = orders_page({one, one});
    auto full = InvoiceboxApi::parse_orders(response(200, body));
    auto lean = InvoiceboxApi::parse_orders(response(200, body),
                                            InvoiceboxApi::OrderListDetail::without_basket_items);
    BOOST_TEST_REQUIRE(full.has_value());
    BOOST_TEST_REQUIRE(lean.has_value());
    BOOST_TEST(lean->items.size() == 2u);
    BOOST_TEST((lean->meta == full->meta));
    for (std::size_t i = 0; i < 2; ++i) {
        const auto& f = full->items[i];
        const auto& l = lean->items[i];
        BOOST_TEST(l.basket_items.empty());
        BOOST_TEST(l.raw.find("basketItems") == nullptr);
        BOOST_TEST(l.id.str() == f.id.str());
        BOOST_TEST(l.merchant_order_id.str() == f.merchant_order_id.str());
        BOOST_TEST(l.merchant_id.str() == f.merchant_id.str());
        BOOST_TEST(l.status.wire() == f.status.wire());
        BOOST_TEST(l.amount.minor == f.amount.minor);
        BOOST_TEST((l.currency() == f.currency()));
        BOOST_TEST((l.payment_url == f.payment_url));
        BOOST_TEST((l.paid_at == f.paid_at));
        BOOST_TEST((l.expiration_date == f.expiration_date));
    }
    // A page that is not JSON, or whose orders lack what a judgement needs, still fails.
    auto bad_row = InvoiceboxApi::parse_orders(response(200, R"({"data":[{"id":"x","basketItems":[]}]})"),
                                               InvoiceboxApi::OrderListDetail::without_basket_items);
    BOOST_TEST((bad_row.error().kind == ErrorKind::malformed_response));
    auto broken = InvoiceboxApi::parse_orders(response(200, R"({"data":[{"basketItems":[}]})"),
                                              InvoiceboxApi::OrderListDetail::without_basket_items);
    BOOST_TEST((broken.error().kind == ErrorKind::malformed_response));
}

BOOST_AUTO_TEST_CASE(single_object_responses) {
    // A one-element list where an object is expected is accepted (SDK history, §9.3).
    std::string wrapped =
        std::string(R"({"data":[)") +
        order_json(
            InvoiceboxApi::parse_order(response(200, std::string(create_response_81))).value()) +
        "]}";
    BOOST_TEST(InvoiceboxApi::parse_order(response(200, wrapped)).has_value());
    auto items = InvoiceboxApi::parse_refundable_items(
        response(
            200,
            R"({"data":[{"sku":"KT-100","name":"Чайник","measure":"шт.","measureCode":"796","quantity":1,"amount":2190.5,"amountWoVat":1825.42,"totalAmount":2190.5,"totalVatAmount":365.08,"vatCode":"RUS_VAT20","type":"commodity","paymentType":"full_prepayment","availableAmount":2190.5,"availableVatAmount":365.08}],"extendedData":[]})"),
        Currency::rub);
    BOOST_TEST_REQUIRE(items.has_value());
    BOOST_TEST((*items)[0].available_amount->minor == 219050);
    auto refund = InvoiceboxApi::parse_refund(
        response(
            200,
            R"({"data":{"id":"r1","parentId":"p1","merchantOrderId":"m-R1","merchantId":"m","amount":300,"vatAmount":50,"currencyId":"RUB","basketItems":[],"createdAt":"2024-11-06T10:00:00+00:00","status":"completed","unknown":1}})"),
        Currency::rub);
    BOOST_TEST_REQUIRE(refund.has_value());
    BOOST_TEST((refund->status.kind() == RefundStatusKind::completed));
    auto refunds = InvoiceboxApi::parse_refunds(
        response(
            200,
            R"({"data":[{"id":"r1","parentId":"p1","amount":300,"status":"draft"}],"metaData":{"totalCount":1,"pageSize":30,"page":1}})"),
        Currency::rub);
    BOOST_TEST_REQUIRE(refunds.has_value());
    BOOST_TEST(refunds->items[0].amount.minor == 30000);
}

BOOST_AUTO_TEST_CASE(malformed_and_transport) {
    auto html = InvoiceboxApi::parse_order(response(200, "<html>ok</html>"));
    BOOST_TEST((html.error().kind == ErrorKind::malformed_response));
    BOOST_TEST(html.error().outcome_unknown);
    auto no_data = InvoiceboxApi::parse_order(response(200, R"({"result":1})"));
    BOOST_TEST((no_data.error().kind == ErrorKind::malformed_response));
    auto err_in_200 = InvoiceboxApi::parse_order(
        response(200, R"({"error":{"code":"wrong_order_status","message":"paid"}})"));
    BOOST_TEST((err_in_200.error().kind == ErrorKind::validation));
    BOOST_TEST(!err_in_200.error().outcome_unknown);
    auto e422 = InvoiceboxApi::parse_order(response(422, std::string(error_422_81)));
    BOOST_TEST(e422.error().is(ApiErrorCode::wrong_total_amount));
    HttpOutcome timeout = unexpected(TransportError{TransportFailure::timeout, true, "30 s"});
    auto t = InvoiceboxApi::parse_order(timeout);
    BOOST_TEST((t.error().kind == ErrorKind::transport));
    BOOST_TEST(t.error().outcome_unknown);
    auto unicode = InvoiceboxApi::parse_order(response(
        200,
        R"({"data":{"id":"x","status":"created","amount":1,"currencyId":"RUB","description":"\u0417\u0430\u043a\u0430\u0437"}})"));
    BOOST_TEST(*unicode->description == "Заказ");
}

BOOST_AUTO_TEST_SUITE_END()
