// Contract tests of the simulator engine, in-process (no sockets): every endpoint, error and
// lifecycle transition, notifications and their retries, faults, persistence.
#include "invoicebox/sim/engine.hpp"
#include "invoicebox/sim/validation.hpp"

#include "sim_test_util.hpp"

#include <invoicebox/sim/json.hpp>
#include <invoicebox/sim/signing.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace invoicebox::sim;
using namespace invoicebox::sim::test;
using namespace std::chrono_literals;
namespace bj = boost::json;

namespace {

const std::string create_path = "/v3/billing/api/order/order";

std::string error_code(const SimReply& r) {
    return str(parse(r.body).at("error").at("code"));
}

// Replaces the first occurrence of `from` in `s`.
std::string patched(std::string s, std::string_view from, std::string_view to) {
    const auto pos = s.find(from);
    BOOST_REQUIRE_MESSAGE(pos != std::string::npos, "patch target not found: " << from);
    s.replace(pos, from.size(), to);
    return s;
}

std::string answer_success() {
    return R"({"status":"success"})";
}

DeliveryAnswer http_answer(int status, std::string body) {
    DeliveryAnswer a;
    a.responded = true;
    a.http_status = status;
    a.body = std::move(body);
    return a;
}

} // namespace

BOOST_AUTO_TEST_SUITE(engine)

BOOST_AUTO_TEST_CASE(auth_check_token_and_flavour) {
    EngineFixture f;
    auto r = f.call("GET", "/v3/security/api/auth/auth");
    BOOST_TEST(r.status == 200);
    const auto data = parse(r.body).at("data");
    BOOST_TEST(data.at("userId").is_string());
    BOOST_TEST(data.at("profile").is_null());
    BOOST_TEST(parse(r.body).at("extendedData").as_array().empty());

    // No token: 200 with the anonymous user (§2.1).
    r = f.call("GET", "/v3/security/api/auth/auth", {}, "");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(parse(r.body).at("data").at("userId").is_null());

    // A wrong token: 401 unauthorized, no fields.
    r = f.call("GET", "/v3/security/api/auth/auth", {}, "deadbeef");
    BOOST_TEST(r.status == 401);
    BOOST_TEST(r.body == R"({"error":{"message":"Unauthorized","code":"unauthorized"}})");

    // The other flavour's prefix: the auth check says "anonymous", everything else is 401.
    r = f.call("GET", "/l3/security/api/auth/auth");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(parse(r.body).at("data").at("userId").is_null());
    r = f.call("POST", "/l3/billing/api/order/order", create_body());
    BOOST_TEST(r.status == 401);

    // Every answer carries X-Request-Id.
    BOOST_TEST(std::any_of(r.headers.begin(), r.headers.end(),
                           [](auto& h) { return h.first == "X-Request-Id"; }));

    // No token on a business call: 401.
    r = f.call("GET", "/v3/filter/api/order/order", {}, "");
    BOOST_TEST(r.status == 401);
}

BOOST_AUTO_TEST_CASE(l3_flavour) {
    auto c = EngineFixture::default_config();
    c.flavour = Flavour::l3;
    EngineFixture f(c);
    BOOST_TEST(f.call("GET", "/l3/security/api/auth/auth", {}, other_token).status == 200);
    BOOST_TEST(!parse(f.call("GET", "/l3/security/api/auth/auth", {}, other_token).body)
                    .at("data")
                    .at("userId")
                    .is_null());
    BOOST_TEST(
        parse(f.call("GET", "/v3/security/api/auth/auth").body).at("data").at("userId").is_null());
    BOOST_TEST(f.call("POST", "/l3/billing/api/order/order", create_body()).status == 200);
}

BOOST_AUTO_TEST_CASE(create_order_response) {
    EngineFixture f;
    const auto r = f.call("POST", create_path, create_body());
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    const auto doc = parse(r.body);
    const auto& d = doc.at("data").as_object();
    BOOST_TEST(looks_like_uuid(str(d.at("id"))));
    BOOST_TEST(str(d.at("status")) == "created");
    BOOST_TEST(str(d.at("merchantOrderId")) == "10026");
    BOOST_TEST(str(d.at("merchantOrderIdVisible")) == "10026");
    BOOST_TEST(str(d.at("createdAt")) == "2024-11-05T10:01:12+00:00");
    BOOST_TEST(str(d.at("expirationDate")) == "2024-11-08T21:00:00+00:00");
    BOOST_TEST(str(d.at("paymentUrl")) == "http://sim.test/order/" + str(d.at("orderContainerId")));
    BOOST_TEST(str(d.at("subtype")) == "order");
    BOOST_TEST(d.at("processable").as_bool());
    BOOST_TEST(!d.contains("paidAt"));
    BOOST_TEST(str(d.at("customer").at("name")) == "Анна Смирнова");
    // Amounts are written by our formatter, URLs with `\/`, Cyrillic raw.
    BOOST_TEST(r.body.find(R"("amount":1550,"vatAmount":225)") != std::string::npos);
    BOOST_TEST(r.body.find(R"("successUrl":"https:\/\/example.ru\/checkout\/10026\/success")") !=
               std::string::npos);
    BOOST_TEST(r.body.find("Кружка керамическая") != std::string::npos);
    BOOST_TEST(doc.at("extendedData").as_array().empty());
    // Not paid yet: no notification.
    BOOST_TEST(f.engine->take_deliveries().empty());
}

BOOST_AUTO_TEST_CASE(amounts_are_exact_and_normalised) {
    EngineFixture f;
    // 1550.00 and 225.000 are the same amounts; they come back as 1550 and 225.
    auto body = patched(create_body(), R"("amount":1550,"vatAmount":225)",
                        R"("amount":1550.00,"vatAmount":225.000)");
    body = patched(body, R"("amount":450,)", R"("amount":4.5E2,)");
    auto r = f.call("POST", create_path, body);
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(r.body.find(R"("amount":1550,"vatAmount":225)") != std::string::npos);
    BOOST_TEST(r.body.find(R"("quantity":3,"amount":450,)") != std::string::npos);
    // Three decimals of money: refused, never rounded.
    r = f.call("POST", create_path,
               patched(create_body("X2"), R"("amount":1550,)", R"("amount":1550.001,)"));
    BOOST_TEST(r.status == 422);
    BOOST_TEST(error_code(r) == "validation_error");
    BOOST_TEST(str(parse(r.body).at("error").at("fields").at(0).at("name")) == "amount");
}

BOOST_AUTO_TEST_CASE(worked_notification_is_byte_exact) {
    // The order of §8.2 rendered as a notification gives the document's 1297 bytes, so its
    // signature is the documented a4f2f173….
    const std::string request =
        R"({"merchantId":"3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f","merchantOrderId":"10025","merchantOrderIdVisible":"10025",)"
        R"("description":"Заказ 10025: чайник электрический","currencyId":"RUB","amount":2490.50,"vatAmount":415.08,)"
        R"("expirationDate":"2024-11-06T12:12:40+03:00","languageId":"ru","processable":true,)"
        R"("basketItems":[{"sku":"KT-100","name":"Чайник электрический KT-100","measure":"шт.","measureCode":"796","quantity":1,"amount":2190.5,"amountWoVat":1825.42,"totalAmount":2190.5,"totalVatAmount":365.08,"vatCode":"RUS_VAT20","type":"commodity","paymentType":"full_prepayment"},)"
        R"({"sku":"DLV-1","name":"Доставка курьером","measure":"шт.","measureCode":"796","quantity":1,"amount":300,"amountWoVat":250,"totalAmount":300,"totalVatAmount":50,"vatCode":"RUS_VAT20","type":"service","paymentType":"full_prepayment"}],)"
        R"("customer":{"type":"private","name":"Иван Петров","phone":"79001234567","email":"ivan@example.com"}})";
    const auto in = validate_create_order(*invoicebox::sim::parse_json(request),
                                          *parse_rfc3339("2024-11-05T09:12:44+00:00"));
    BOOST_REQUIRE(in);
    Order o;
    o.id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    o.container_id = "0190a1b2-c3a0-71aa-9bcd-112233445566";
    o.merchant_id = in->merchant_id;
    o.merchant_order_id = in->merchant_order_id;
    o.status = OrderStatus::completed;
    o.created_at = *parse_rfc3339("2024-11-05T09:12:44+00:00");
    o.paid_at = *parse_rfc3339("2024-11-05T09:20:03+00:00");
    o.expires_at = in->expires_at;
    o.currency = in->currency;
    o.amount_minor = in->amount_minor;
    o.vat_minor = in->vat_minor;
    o.items = in->items;
    o.fields = in->fields;
    const auto body = invoicebox::sim::to_json(
        invoicebox::sim::JsonValue(render_order(o, "https://pay.invoicebox.ru", OrderView::notification)));
    const std::string expected =
        R"json({"id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","description":"Заказ 10025: чайник электрический","currencyId":"RUB","amount":2490.5,"vatAmount":415.08,"basketItems":[{"sku":"KT-100","name":"Чайник электрический KT-100","measure":"шт.","measureCode":"796","quantity":1,"amount":2190.5,"amountWoVat":1825.42,"totalAmount":2190.5,"totalVatAmount":365.08,"vatCode":"RUS_VAT20","type":"commodity","paymentType":"full_prepayment"},{"sku":"DLV-1","name":"Доставка курьером","measure":"шт.","measureCode":"796","quantity":1,"amount":300,"amountWoVat":250,"totalAmount":300,"totalVatAmount":50,"vatCode":"RUS_VAT20","type":"service","paymentType":"full_prepayment"}],"orderContainerId":"0190a1b2-c3a0-71aa-9bcd-112233445566","merchantId":"3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f","status":"completed","subtype":"order","createdAt":"2024-11-05T09:12:44+00:00","paidAt":"2024-11-05T09:20:03+00:00","merchantOrderId":"10025","merchantOrderIdVisible":"10025","expirationDate":"2024-11-06T09:12:40+00:00","fileIds":[],"paymentUrl":"https:\/\/pay.invoicebox.ru\/order\/0190a1b2-c3a0-71aa-9bcd-112233445566","customer":{"type":"private","name":"Иван Петров","phone":"79001234567","email":"ivan@example.com"},"languageId":"ru","processable":true})json";
    BOOST_TEST(body == expected);
    BOOST_TEST(body.size() == 1297u);
    BOOST_TEST(invoicebox::sim::sign_body("s3cr3t-notify-key", body) == "a4f2f1735dc956ce9e8a8b02739c00596b0702a9");
}

BOOST_AUTO_TEST_CASE(a_list_row_refers_to_the_order_and_writes_what_its_tree_writes) {
    // List pages are written from RenderedRows, which point into the stored record;
    // notifications, single reads and the state file use the tree. Both must give the same
    // bytes, repeated and unknown client members included.
    using invoicebox::sim::JsonArray;
    using invoicebox::sim::JsonObject;
    using invoicebox::sim::JsonValue;
    Order o;
    o.id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    o.container_id = "0190a1b2-c3a0-71aa-9bcd-112233445566";
    o.merchant_id = std::string(merchant_id);
    o.merchant_order_id = "M-1";
    o.created_at = *parse_rfc3339("2024-11-05T09:12:44+00:00");
    o.expires_at = *parse_rfc3339("2024-11-06T09:12:44+00:00");
    o.currency = "RUB";
    o.amount_minor = 100;
    JsonObject item;
    item.emplace("name", "Проживание \"люкс\"\u2028");
    o.fields.emplace("description", "first");
    o.fields.emplace("basketItems", JsonArray{JsonValue(item)});
    o.fields.emplace("description", "second"); // a body is kept as it came; find() sees the last
    o.fields.emplace("metaData", JsonObject{});
    o.fields.emplace("extra", "one");
    o.fields.emplace("extra", "two"); // written once, with its first value, as the tree does
    for (const bool paid : {false, true}) {
        if (paid) {
            o.status = OrderStatus::completed;
            o.paid_at = *parse_rfc3339("2024-11-05T09:20:03+00:00");
            o.fields.emplace("customer", JsonObject{});
            o.fields.emplace("languageId", "en");
        }
        for (const auto view : {OrderView::api, OrderView::notification}) {
            const auto row = order_row(o, "http://127.0.0.1:8080", view);
            const auto tree = render_order(o, "http://127.0.0.1:8080", view);
            std::string written;
            append_json(written, row);
            BOOST_TEST(written == invoicebox::sim::to_json(JsonValue(tree)));
            BOOST_TEST(invoicebox::sim::to_json(JsonValue(row.to_object())) == written);
            BOOST_TEST(row.find("basketItems") == o.fields.find("basketItems")); // not a copy
            BOOST_TEST((*row.find("description") == JsonValue("second")));
            BOOST_TEST((*row.find("status") == *tree.find("status")));
            BOOST_TEST(!row.find("missing"));
        }
    }
    // A refund's row: the same rules.
    invoicebox::sim::Refund r;
    r.id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";
    r.parent_id = o.id;
    r.merchant_id = o.merchant_id;
    r.merchant_order_id = "R-1";
    r.created_at = *parse_rfc3339("2024-11-05T10:00:00+00:00");
    r.amount_minor = 100;
    r.fields = o.fields;
    const auto refund = refund_row(r);
    std::string written;
    append_json(written, refund);
    BOOST_TEST(written == invoicebox::sim::to_json(JsonValue(render_refund(r))));
    BOOST_TEST(refund.find("basketItems") == r.fields.find("basketItems"));
}

BOOST_AUTO_TEST_CASE(find_by_id_and_merchant_order_id_with_paging) {
    EngineFixture f;
    const auto a = f.create("A-1");
    f.advance(1s);
    const auto b = f.create("A-2");
    f.advance(1s);
    f.create("A-3");
    // The other shop's orders are invisible.
    BOOST_TEST(f.call("POST", create_path,
                      patched(create_body("B-1"), std::string(merchant_id),
                              std::string(other_merchant_id)),
                      other_token)
                   .status == 200);

    auto r = f.call("GET", "/v3/filter/api/order/order?id=" + str(a.at("id")));
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    auto doc = parse(r.body);
    BOOST_TEST(doc.at("data").as_array().size() == 1u);
    BOOST_TEST(str(doc.at("data").at(0).at("merchantOrderId")) == "A-1");
    BOOST_TEST(doc.at("metaData").at("totalCount").as_int64() == 1);

    r = f.call("GET", "/v3/filter/api/order/order?merchantOrderId=A-2");
    doc = parse(r.body);
    BOOST_TEST(str(doc.at("data").at(0).at("id")) == str(b.at("id")));

    r = f.call("GET", "/v3/filter/api/order/order?_pageSize=2&_page=2");
    doc = parse(r.body);
    BOOST_TEST(doc.at("data").as_array().size() == 1u);
    BOOST_TEST(str(doc.at("data").at(0).at("merchantOrderId")) == "A-3");
    BOOST_TEST(doc.at("metaData").at("totalCount").as_int64() == 3);
    BOOST_TEST(doc.at("metaData").at("pageSize").as_int64() == 2);
    BOOST_TEST(doc.at("metaData").at("page").as_int64() == 2);

    r = f.call("GET", "/v3/filter/api/order/order?_order[createdAt]=desc&pageSize=1");
    BOOST_TEST(str(parse(r.body).at("data").at(0).at("merchantOrderId")) == "A-3");

    r = f.call("GET", "/v3/filter/api/order/order?createdAt[_ge]=2024-11-05T13:01:13%2B03:00");
    BOOST_TEST(parse(r.body).at("metaData").at("totalCount").as_int64() == 2);

    r = f.call("GET", "/v3/filter/api/order/order?_order=createdAt:desc");
    BOOST_TEST(r.status == 422);

    // The single-order read ([mcp]).
    r = f.call("GET", "/v3/billing/api/order/order/" + str(a.at("id")));
    BOOST_TEST(str(parse(r.body).at("data").at("merchantOrderId")) == "A-1");
    r = f.call("GET", "/v3/billing/api/order/order/" + str(a.at("id")), {}, other_token);
    BOOST_TEST(r.status == 404);
}

// A list by ids goes through the id index (bench/: a 50-id read rendered every order of the
// account); what it answers must not change: creation order whatever the query's order, only
// the caller's shop, every other condition still applied, an id named twice listed once.
BOOST_AUTO_TEST_CASE(find_by_a_list_of_ids) {
    EngineFixture f;
    const auto a = f.create("I-1");
    f.advance(1s);
    const auto b = f.create("I-2");
    f.advance(1s);
    const auto c = f.create("I-3");
    const auto other = f.call("POST", create_path,
                              patched(create_body("J-1"), std::string(merchant_id), std::string(other_merchant_id)),
                              other_token);
    BOOST_TEST_REQUIRE(other.status == 200, other.body);
    const auto other_id = str(parse(other.body).at("data").at("id"));
    BOOST_TEST(f.call("POST", "/__sim/orders/" + str(b.at("id")) + "/pay", "{}", "").status == 200);
    auto merchant_ids = [&](const std::string& query) {
        const auto r = f.call("GET", "/v3/filter/api/order/order?" + query);
        BOOST_TEST_REQUIRE(r.status == 200, r.body);
        std::vector<std::string> out;
        const auto doc = parse(r.body);
        for (const auto& o : doc.at("data").as_array())
            out.push_back(str(o.at("merchantOrderId")));
        return out;
    };
    const auto ids = "id[]=" + str(c.at("id")) + "&id[]=" + other_id + "&id[]=" + str(a.at("id")) +
                     "&id[]=" + str(c.at("id")) + "&id[]=no-such-order";
    BOOST_TEST(merchant_ids(ids) == (std::vector<std::string>{"I-1", "I-3"}), boost::test_tools::per_element());
    BOOST_TEST(merchant_ids(ids + "&id[]=" + str(b.at("id")) + "&status=completed") == std::vector<std::string>{"I-2"},
               boost::test_tools::per_element());
    BOOST_TEST(merchant_ids(ids + "&_order[createdAt]=desc") == (std::vector<std::string>{"I-3", "I-1"}),
               boost::test_tools::per_element());
    BOOST_TEST(merchant_ids("id=" + str(b.at("id"))) == std::vector<std::string>{"I-2"}, boost::test_tools::per_element());
}

// A list answer writes each order's JSON kept from its last change (Engine::order_json): after
// every change the list must show the order as it is now, the same as the single-order read.
BOOST_AUTO_TEST_CASE(a_listed_order_is_listed_as_it_is_now_after_each_change) {
    EngineFixture f;
    const auto a = f.create("K-1");
    const auto b = f.create("K-2");
    auto listed = [&](const boost::json::value& order) {
        const auto r = f.call("GET", "/v3/filter/api/order/order?id[]=" + str(order.at("id")));
        BOOST_TEST_REQUIRE(r.status == 200, r.body);
        return parse(r.body).at("data").at(0);
    };
    auto read = [&](const boost::json::value& order) {
        const auto r = f.call("GET", "/v3/billing/api/order/order/" + str(order.at("id")));
        BOOST_TEST_REQUIRE(r.status == 200, r.body);
        return parse(r.body).at("data");
    };
    BOOST_TEST(str(listed(a).at("status")) == "created");
    BOOST_TEST(str(listed(b).at("status")) == "created");
    BOOST_TEST((listed(a) == read(a)));

    BOOST_TEST(f.call("POST", "/__sim/orders/" + str(a.at("id")) + "/pay", "{}", "").status == 200);
    BOOST_TEST(str(listed(a).at("status")) == "completed");
    BOOST_TEST(listed(a).as_object().contains("paidAt"));
    BOOST_TEST((listed(a) == read(a)));

    BOOST_TEST(f.call("DELETE", create_path + "/" + str(b.at("id"))).status == 200);
    BOOST_TEST(str(listed(b).at("status")) != "created");
    BOOST_TEST((listed(b) == read(b)));

    // A reset forgets the orders and what was kept for them.
    BOOST_TEST(f.call("POST", "/__sim/reset", "{}", "").status == 200);
    const auto r = f.call("GET", "/v3/filter/api/order/order?id[]=" + str(a.at("id")));
    BOOST_TEST(parse(r.body).at("data").as_array().empty());
}

// Deviation found by the official PHP SDK (issue 11): Filter::addInCondition goes through
// http_build_query, which writes `status[0]=…&status[1]=…`. PHP reads that like `status[]=`;
// the simulator answered 422 `operator not allowed`.
BOOST_AUTO_TEST_CASE(php_numbered_in_filter) {
    EngineFixture f;
    const auto a = f.create("N-1");
    f.create("N-2");
    const auto c = f.create("N-3");
    BOOST_TEST(f.call("DELETE", create_path + "/" + str(c.at("id"))).status == 200);
    BOOST_TEST(f.call("POST", "/__sim/orders/" + str(a.at("id")) + "/pay", "{}", "").status == 200);

    for (const char* q : {"status%5B0%5D=created&status%5B1%5D=completed",
                          "status[0]=created&status[1]=completed",
                          "status%5B%5D=created&status%5B%5D=completed"}) {
        const auto r = f.call("GET", std::string("/v3/filter/api/order/order?") + q);
        BOOST_TEST_REQUIRE(r.status == 200, q << ": " << r.body);
        const auto doc = parse(r.body);
        BOOST_TEST(doc.at("metaData").at("totalCount").as_int64() == 2, q);
        for (const auto& row : doc.at("data").as_array()) {
            BOOST_TEST(str(row.at("merchantOrderId")) != "N-3");
        }
    }
    // One numbered value is a one-element set.
    auto r = f.call("GET", "/v3/filter/api/order/order?status%5B0%5D=canceled");
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(str(parse(r.body).at("data").at(0).at("merchantOrderId")) == "N-3");
}

// Deviation found by InvoiceBox's own clients (issue 11): `_order[createdAt]=desc` compared dates
// at second precision and left orders of one second in creation order, so "newest first, page
// size 1" returned the older one.
BOOST_AUTO_TEST_CASE(newest_first_within_one_second) {
    EngineFixture f;
    f.create("S-1");
    f.advance(300ms); // same second: both render createdAt 10:01:12
    f.create("S-2");
    auto r = f.call("GET", "/v3/filter/api/order/order?_order%5BcreatedAt%5D=desc&_pageSize=1");
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    auto doc = parse(r.body);
    BOOST_TEST(str(doc.at("data").at(0).at("merchantOrderId")) == "S-2");
    BOOST_TEST(str(doc.at("data").at(0).at("createdAt")) == "2024-11-05T10:01:12+00:00");
    // Ascending: the older first; page 2 of size 1 is the newer.
    r = f.call("GET", "/v3/filter/api/order/order?_order[createdAt]=asc&_pageSize=1&_page=2");
    BOOST_TEST(str(parse(r.body).at("data").at(0).at("merchantOrderId")) == "S-2");
    // A later second still wins over creation order within a second.
    f.advance(1s);
    f.create("S-3");
    r = f.call("GET", "/v3/filter/api/order/order?_order[createdAt]=desc");
    doc = parse(r.body);
    BOOST_TEST(str(doc.at("data").at(0).at("merchantOrderId")) == "S-3");
    BOOST_TEST(str(doc.at("data").at(1).at("merchantOrderId")) == "S-2");
    BOOST_TEST(str(doc.at("data").at(2).at("merchantOrderId")) == "S-1");
}

// amount.hpp's strict choice: float noise is a 422 naming the field, never rounded.
BOOST_AUTO_TEST_CASE(float_noise_amount_is_refused) {
    EngineFixture f;
    auto r = f.call("POST", create_path,
                    patched(create_body("F-1"), R"("amount":1550,)",
                            R"("amount":1550.0000000000002,)"));
    BOOST_TEST(r.status == 422);
    BOOST_TEST(error_code(r) == "validation_error");
    BOOST_TEST(str(parse(r.body).at("error").at("fields").at(0).at("name")) == "amount");
    r = f.call("POST", create_path,
               patched(create_body("F-2"), R"("totalAmount":200,)",
                       R"("totalAmount":200.00000000000003,)"));
    BOOST_TEST(r.status == 422);
    BOOST_TEST(str(parse(r.body).at("error").at("fields").at(0).at("name")) ==
               "basketItems[1].totalAmount");
    // The same value spelt as PHP writes a float is fine.
    r = f.call("POST", create_path,
               patched(create_body("F-3"), R"("amount":1550,)", R"("amount":1550.0,)"));
    BOOST_TEST(r.status == 200, r.body);
}

BOOST_AUTO_TEST_CASE(pay_completes_and_notifies_with_valid_signature) {
    EngineFixture f;
    const auto o = f.create();
    const std::string id = str(o.at("id"));
    f.advance(5s);
    auto r = f.call("POST", "/__sim/orders/" + id + "/pay", "{}", "");
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(str(parse(r.body).at("data").at("status")) == "completed");
    BOOST_TEST(str(parse(r.body).at("data").at("paidAt")) == "2024-11-05T10:01:17+00:00");

    auto deliveries = f.engine->take_deliveries();
    BOOST_TEST_REQUIRE(deliveries.size() == 1u);
    const auto& d = deliveries.front();
    BOOST_TEST(d.url == "http://receiver.test/notify");
    BOOST_TEST(d.signature == invoicebox::sim::sign_body(api_key, d.body));
    BOOST_TEST((invoicebox::sim::sign_body(api_key, d.body) == d.signature));
    BOOST_TEST(d.signature.size() == 40u);
    BOOST_TEST(d.body.find(R"("paymentUrl":"http:\/\/sim.test\/order\/)") != std::string::npos);
    BOOST_TEST(d.body.find("processingStatus") == std::string::npos);
    const auto n = parse(d.body);
    BOOST_TEST(str(n.at("id")) == id);
    BOOST_TEST(str(n.at("status")) == "completed");
    BOOST_TEST(str(n.at("merchantId")) == std::string(merchant_id));
    BOOST_TEST(d.timeout.count() == 20000);
    f.engine->complete_delivery(d.attempt_id, http_answer(200, answer_success()));

    r = f.call("GET", "/__sim/notifications?orderId=" + id, {}, "");
    const auto log = parse(r.body).at("data").as_array();
    BOOST_TEST_REQUIRE(log.size() == 1u);
    BOOST_TEST(log[0].at("attempt").as_int64() == 1);
    BOOST_TEST(str(log[0].at("outcome")) == "delivered");
    BOOST_TEST(str(log[0].at("body")) == d.body);
    BOOST_TEST(str(log[0].at("signature")) == d.signature);
    BOOST_TEST(log[0].at("answer").at("httpStatus").as_int64() == 200);

    // Paying twice is refused; the order stays completed.
    r = f.call("POST", "/__sim/orders/" + id + "/pay", "{}", "");
    BOOST_TEST(r.status == 422);
    BOOST_TEST(error_code(r) == "wrong_order_status");
    // Find shows it paid.
    r = f.call("GET",
               "/v3/filter/api/order/order?status=completed&paidAt[_ge]=2024-11-05T10:01:17");
    BOOST_TEST(parse(r.body).at("metaData").at("totalCount").as_int64() == 1);
}

// The payment page a payer opens from paymentUrl links back to the order's successUrl once paid
// (the create_body() order names https://example.ru/checkout/10026/success), and an order
// without any of the three URLs gets no link.
BOOST_AUTO_TEST_CASE(payment_page_links_back_to_success_url) {
    EngineFixture f;
    const auto o = f.create();
    const std::string page = "/order/" + str(o.at("orderContainerId"));
    auto r = f.call("POST", page + "/pay", "", "");
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(r.body.find(R"(id="back" class="back" href="https://example.ru/checkout/10026/success")") !=
                   std::string::npos,
               r.body);
    BOOST_TEST(f.call("GET", page, "", "").body.find("checkout/10026/success") != std::string::npos);

    std::string bare = create_body("10027");
    for (const char* key : {R"("successUrl":"https://example.ru/checkout/10026/success",)",
                            R"("failUrl":"https://example.ru/checkout/10026/fail",)",
                            R"(,"returnUrl":"https://example.ru/checkout/10026")"})
        bare = patched(bare, key, "");
    r = f.call("POST", create_path, bare);
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    const std::string bare_page = "/order/" + str(parse(r.body).at("data").at("orderContainerId"));
    r = f.call("POST", bare_page + "/pay", "", "");
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(r.body.find("Оплата прошла успешно") != std::string::npos);
    BOOST_TEST(r.body.find("Вернуться в магазин") == std::string::npos, r.body);
}

BOOST_AUTO_TEST_CASE(order_notification_url_wins) {
    EngineFixture f;
    auto r = f.call("POST", create_path,
                    create_body("N-1", "2024-11-08T21:00:00+00:00", "http://shop.test/ib"));
    const auto id = str(parse(r.body).at("data").at("id"));
    BOOST_TEST(r.body.find(R"("notificationUrl":"http:\/\/shop.test\/ib")") != std::string::npos);
    f.call("DELETE", "/v3/billing/api/order/order/" + id);
    const auto d = f.engine->take_deliveries();
    BOOST_TEST_REQUIRE(d.size() == 1u);
    BOOST_TEST(d[0].url == "http://shop.test/ib");
    BOOST_TEST(str(parse(d[0].body).at("status")) == "canceled");
}

BOOST_AUTO_TEST_CASE(update_order) {
    EngineFixture f;
    const auto id = str(f.create().at("id"));
    const std::string path = "/v3/billing/api/order/order/" + id;
    auto r =
        f.call("PUT", path,
               R"({"description":"Новое описание","expirationDate":"2024-11-10T00:00:00+03:00"})");
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(str(parse(r.body).at("data").at("description")) == "Новое описание");
    BOOST_TEST(str(parse(r.body).at("data").at("expirationDate")) == "2024-11-09T21:00:00+00:00");
    // Totals are checked on the merged order: a new amount without a new basket fails.
    r = f.call("PUT", path, R"({"amount":1600})");
    BOOST_TEST(r.status == 422);
    BOOST_TEST(error_code(r) == "wrong_total_amount");
    // A new basket and matching totals pass.
    r = f.call(
        "PUT", path,
        R"({"amount":300,"vatAmount":50,"basketItems":[{"sku":"S","name":"Услуга","measure":"шт.","measureCode":"796","quantity":1,"amount":300,"amountWoVat":250,"totalAmount":300,"totalVatAmount":50,"vatCode":"RUS_VAT20","type":"service","paymentType":"full_prepayment"}]})");
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(parse(r.body).at("data").at("basketItems").as_array().size() == 1u);
    BOOST_TEST(r.body.find(R"("amount":300,"vatAmount":50)") != std::string::npos);
    r = f.call("PUT", path, R"({"expirationDate":"2020-01-01T00:00:00+00:00"})");
    BOOST_TEST(error_code(r) == "wrong_expiration_date");
    // Paid: wrong_order_status.
    f.call("POST", "/__sim/orders/" + id + "/pay", "", "");
    r = f.call("PUT", path, R"({"description":"x"})");
    BOOST_TEST(r.status == 422);
    BOOST_TEST(error_code(r) == "wrong_order_status");
    BOOST_TEST(
        f.call("PUT", "/v3/billing/api/order/order/00000000-0000-0000-0000-000000000000", "{}")
            .status == 404);
}

BOOST_AUTO_TEST_CASE(cancel_order) {
    EngineFixture f;
    const auto id = str(f.create().at("id"));
    const std::string path = "/v3/billing/api/order/order/" + id;
    auto r = f.call("DELETE", path);
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(str(parse(r.body).at("data").at("status")) == "canceled");
    BOOST_TEST(f.engine->take_deliveries().size() == 1u);
    r = f.call("DELETE", path);
    BOOST_TEST(error_code(r) == "wrong_order_status");
    // A paid order cannot be canceled.
    const auto paid = str(f.create("P-1").at("id"));
    f.call("POST", "/__sim/orders/" + paid + "/pay", "", "");
    r = f.call("DELETE", "/v3/billing/api/order/order/" + paid);
    BOOST_TEST(r.status == 422);
    BOOST_TEST(error_code(r) == "wrong_order_status");
    BOOST_TEST(f.call("DELETE", "/v3/billing/api/order/order/nope").status == 404);
}

BOOST_AUTO_TEST_CASE(duplicate_merchant_order_id) {
    EngineFixture f;
    f.create("DUP");
    auto r = f.call("POST", create_path, create_body("DUP"));
    BOOST_TEST(r.status == 422);
    BOOST_TEST(error_code(r) == "merchant_order_id_duplicate");
    // Per shop: the other shop may use the same number.
    r = f.call(
        "POST", create_path,
        patched(create_body("DUP"), std::string(merchant_id), std::string(other_merchant_id)),
        other_token);
    BOOST_TEST(r.status == 200);
}

BOOST_AUTO_TEST_CASE(reconciliation_checks) {
    EngineFixture f;
    struct Case {
        std::string_view from;
        std::string_view to;
        std::string_view code;
        std::string_view field;
    };
    const Case cases[] = {
        {R"("totalAmount":1350,"totalVatAmount":225)", R"("totalAmount":1349,"totalVatAmount":225)",
         "wrong_basket_item_total_amount", "basketItems[0].totalAmount"},
        {R"("totalAmount":1350,"totalVatAmount":225)", R"("totalAmount":1350,"totalVatAmount":224)",
         "wrong_basket_item_total_vat_amount", "basketItems[0].totalVatAmount"},
        {R"("amountWoVat":375,)", R"("amountWoVat":370,)", "wrong_basket_item_amount_wo_vat",
         "basketItems[0].amountWoVat"},
        {R"("amount":1550,"vatAmount":225)", R"("amount":1551,"vatAmount":225)",
         "wrong_total_amount", "amount"},
        {R"("amount":1550,"vatAmount":225)", R"("amount":1550,"vatAmount":226)",
         "wrong_total_vat_amount", "vatAmount"},
    };
    int n = 0;
    for (const auto& c : cases) {
        const auto r = f.call("POST", create_path,
                              patched(create_body("R-" + std::to_string(n++)), c.from, c.to));
        BOOST_TEST(r.status == 422);
        BOOST_TEST(error_code(r) == c.code);
        BOOST_TEST(str(parse(r.body).at("error").at("fields").at(0).at("name")) == c.field);
    }
    // Nothing was created.
    BOOST_TEST(parse(f.call("GET", "/v3/filter/api/order/order").body)
                   .at("metaData")
                   .at("totalCount")
                   .as_int64() == 0);
    // Check 3 tolerates one kopeck (99.99 x 3 at 20 %: 83.32 x 3 + 50.00 = 299.96).
    const std::string body =
        R"({"merchantId":")" + std::string(merchant_id) +
        R"(","merchantOrderId":"K","description":"d","amount":299.97,"vatAmount":50,"currencyId":"RUB","expirationDate":"2024-11-08T21:00:00+00:00","customer":{},"basketItems":[{"sku":"S","name":"n","measure":"шт.","measureCode":"796","quantity":3,"amount":99.99,"amountWoVat":83.32,"totalAmount":299.97,"totalVatAmount":50,"vatCode":"RUS_VAT20","type":"commodity","paymentType":"full_prepayment"}]})";
    BOOST_TEST(f.call("POST", create_path, body).status == 200);
}

BOOST_AUTO_TEST_CASE(request_errors) {
    EngineFixture f;
    // Expiration in the past, or without offset.
    auto r = f.call("POST", create_path, create_body("E1", "2024-11-05T10:01:12+00:00"));
    BOOST_TEST(error_code(r) == "wrong_expiration_date");
    r = f.call("POST", create_path, create_body("E2", "2024-11-08T21:00:00"));
    BOOST_TEST(error_code(r) == "wrong_expiration_date");
    // Another shop's merchantId: forbidden.
    r = f.call(
        "POST", create_path,
        patched(create_body("E3"), std::string(merchant_id), std::string(other_merchant_id)));
    BOOST_TEST(r.status == 403);
    BOOST_TEST(error_code(r) == "forbidden");
    r = f.call("POST", create_path,
               patched(create_body("E4"), R"("currencyId":"RUB")", R"("currencyId":"XYZ")"));
    BOOST_TEST(error_code(r) == "wrong_currency");
    r = f.call("POST", create_path,
               patched(create_body("E5"), R"("languageId":"ru")", R"("languageId":"de")"));
    BOOST_TEST(error_code(r) == "language_not_found");
    r = f.call(
        "POST", create_path,
        patched(create_body("E6"), R"("description":"Заказ 10026 в магазине example.ru",)", ""));
    BOOST_TEST(r.status == 422);
    BOOST_TEST(error_code(r) == "validation_error");
    BOOST_TEST(str(parse(r.body).at("error").at("fields").at(0).at("name")) == "description");
    r = f.call("POST", create_path,
               patched(create_body("E7"), R"("paymentType":"full_prepayment"})",
                       R"("paymentType":"barter"})"));
    BOOST_TEST(error_code(r) == "validation_error");
    r = f.call("POST", create_path, "{not json");
    BOOST_TEST(r.status == 400);
    r = f.call("POST", create_path, "[]");
    BOOST_TEST(r.status == 400);
    r = f.call("GET", "/v3/billing/api/nothing/here");
    BOOST_TEST(r.status == 404);
    r = f.call("PATCH", create_path, "{}");
    BOOST_TEST(r.status == 405);
}

BOOST_AUTO_TEST_CASE(expiry_by_clock_advance_and_late_payment) {
    EngineFixture f;
    const auto id = str(f.create().at("id")); // expires 2024-11-08T21:00:00Z
    auto r = f.call("GET", "/__sim/clock", {}, "");
    BOOST_TEST(str(parse(r.body).at("data").at("now")) == "2024-11-05T10:01:12+00:00");
    r = f.call("POST", "/__sim/clock/advance", R"({"seconds":298727})", ""); // one second short
    BOOST_TEST(str(parse(r.body).at("data").at("now")) == "2024-11-08T20:59:59+00:00");
    BOOST_TEST(str(parse(f.call("GET", "/v3/filter/api/order/order?id=" + id).body)
                       .at("data")
                       .at(0)
                       .at("status")) == "created");
    BOOST_TEST((f.engine->next_wakeup().value() == *parse_rfc3339("2024-11-08T21:00:00Z")));
    f.call("POST", "/__sim/clock/advance", R"({"seconds":1})", "");
    BOOST_TEST(str(parse(f.call("GET", "/v3/filter/api/order/order?id=" + id).body)
                       .at("data")
                       .at(0)
                       .at("status")) == "expired");
    auto d = f.engine->take_deliveries();
    BOOST_TEST_REQUIRE(d.size() == 1u);
    BOOST_TEST(str(parse(d[0].body).at("status")) == "expired");
    f.engine->complete_delivery(d[0].attempt_id, http_answer(200, answer_success()));

    // An expired order cannot be updated, canceled or paid — unless the test asks for a late
    // payment.
    BOOST_TEST(error_code(f.call("PUT", "/v3/billing/api/order/order/" + id,
                                 R"({"description":"x"})")) == "wrong_order_status");
    BOOST_TEST(error_code(f.call("DELETE", "/v3/billing/api/order/order/" + id)) ==
               "wrong_order_status");
    r = f.call("POST", "/__sim/orders/" + id + "/pay", "{}", "");
    BOOST_TEST(r.status == 422);
    r = f.call("POST", "/__sim/orders/" + id + "/pay", R"({"late":true})", "");
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(str(parse(r.body).at("data").at("status")) == "completed");
    d = f.engine->take_deliveries();
    BOOST_TEST_REQUIRE(d.size() == 1u);
    BOOST_TEST(str(parse(d[0].body).at("status")) == "completed");

    // The clock can be set, too.
    r = f.call("POST", "/__sim/clock/set", R"({"now":"2025-01-01T00:00:00+03:00"})", "");
    BOOST_TEST(str(parse(r.body).at("data").at("now")) == "2024-12-31T21:00:00+00:00");
}

BOOST_AUTO_TEST_CASE(an_order_expires_at_its_latest_expiry_and_a_paid_one_never) {
    // The expiry schedule (engine.hpp, expiries_): an update that moves an order's expiry moves
    // when it expires, a paid or canceled order's first entry expires nothing, the wake-up is the
    // earliest expiry still due, and a restart from the state file keeps what is left.
    const auto dir =
        std::filesystem::temp_directory_path() / ("ib-sim-expiry-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto c = EngineFixture::default_config();
    c.state_file = (dir / "state.json").string();
    auto status = [](EngineFixture& f, const std::string& id) {
        return str(parse(f.call("GET", "/v3/filter/api/order/order?id=" + id).body).at("data").at(0).at("status"));
    };
    std::string moved;
    {
        EngineFixture f(c);
        // Each created to expire 2024-11-08T21:00:00Z.
        moved = str(f.create("E-1").at("id"));
        const auto paid = str(f.create("E-2").at("id"));
        const auto canceled = str(f.create("E-3").at("id"));
        const auto plain = str(f.create("E-4").at("id"));
        auto r = f.call("PUT", "/v3/billing/api/order/order/" + moved,
                        R"({"expirationDate":"2024-11-09T21:00:00+00:00"})");
        BOOST_TEST_REQUIRE(r.status == 200, r.body);
        BOOST_TEST(f.call("POST", "/__sim/orders/" + paid + "/pay", "{}", "").status == 200);
        BOOST_TEST(f.call("DELETE", "/v3/billing/api/order/order/" + canceled).status == 200);
        for (const auto& d : f.engine->take_deliveries()) // the payment's and the cancellation's
            f.engine->complete_delivery(d.attempt_id, http_answer(200, answer_success()));
        BOOST_TEST((f.engine->next_wakeup().value() == *parse_rfc3339("2024-11-08T21:00:00Z")));
        f.call("POST", "/__sim/clock/set", R"({"now":"2024-11-08T21:00:00+00:00"})", "");
        BOOST_TEST(status(f, plain) == "expired");
        BOOST_TEST(status(f, moved) == "created");
        BOOST_TEST(status(f, paid) == "completed");
        BOOST_TEST(status(f, canceled) == "canceled");
        const auto d = f.engine->take_deliveries();
        BOOST_TEST_REQUIRE(d.size() == 1u); // the plain order's expiry, and nothing for the others
        BOOST_TEST(str(parse(d[0].body).at("id")) == plain);
        f.engine->complete_delivery(d[0].attempt_id, http_answer(200, answer_success()));
        BOOST_TEST((f.engine->next_wakeup().value() == *parse_rfc3339("2024-11-09T21:00:00Z")));
    }
    EngineFixture f(c);
    BOOST_TEST_REQUIRE(!f.engine->load_state().has_value());
    BOOST_TEST((f.engine->next_wakeup().value() == *parse_rfc3339("2024-11-09T21:00:00Z")));
    f.call("POST", "/__sim/clock/set", R"({"now":"2024-11-09T21:00:00+00:00"})", "");
    BOOST_TEST(status(f, moved) == "expired");
    std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(late_payment_of_canceled_order) {
    EngineFixture f;
    const auto id = str(f.create().at("id"));
    f.call("DELETE", "/v3/billing/api/order/order/" + id);
    BOOST_TEST(f.call("POST", "/__sim/orders/" + id + "/pay", "", "").status == 422);
    BOOST_TEST(f.call("POST", "/__sim/orders/" + id + "/pay", R"({"late":true})", "").status ==
               200);
    const auto d = f.engine->take_deliveries();
    BOOST_TEST_REQUIRE(d.size() == 2u); // canceled, then completed
    BOOST_TEST(str(parse(d[0].body).at("status")) == "canceled");
    BOOST_TEST(str(parse(d[1].body).at("status")) == "completed");
}

BOOST_AUTO_TEST_CASE(rate_limit_429) {
    EngineFixture f;
    BOOST_TEST(
        f.call("POST", "/__sim/config", R"({"rateLimit":{"requests":3,"windowSeconds":30}})", "")
            .status == 200);
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST(f.call("GET", "/v3/filter/api/order/order").status == 200);
    }
    auto r = f.call("GET", "/v3/filter/api/order/order");
    BOOST_TEST(r.status == 429);
    BOOST_TEST(error_code(r) == "too_many_requests");
    // Per account: the other shop is not limited; the window slides.
    BOOST_TEST(f.call("GET", "/v3/filter/api/order/order", {}, other_token).status == 200);
    f.steady += 31s;
    BOOST_TEST(f.call("GET", "/v3/filter/api/order/order").status == 200);
    // Per IP.
    f.call("POST", "/__sim/config",
           R"({"rateLimit":{"requests":0},"ipRateLimit":{"requests":2,"windowSeconds":30}})", "");
    BOOST_TEST(f.call("GET", "/v3/filter/api/order/order", {}, token, "10.0.0.1").status == 200);
    BOOST_TEST(f.call("GET", "/v3/filter/api/order/order", {}, other_token, "10.0.0.1").status ==
               200);
    BOOST_TEST(f.call("GET", "/v3/filter/api/order/order", {}, token, "10.0.0.1").status == 429);
    BOOST_TEST(f.call("GET", "/v3/filter/api/order/order", {}, token, "10.0.0.2").status == 200);
}

BOOST_AUTO_TEST_CASE(refunds) {
    EngineFixture f;
    const auto id = str(f.create().at("id"));
    const std::string items_path = "/v3/billing/api/order/order/" + id + "/refund-basket-item";
    auto r = f.call("GET", items_path);
    BOOST_TEST(error_code(r) == "wrong_order_status"); // not paid: cancel instead
    const std::string refund =
        R"({"parentId":")" + id +
        R"(","merchantOrderId":"RF-1","description":"Возврат кружки","amount":450,"vatAmount":75,)"
        R"("basketItems":[{"sku":"MUG-350","name":"Кружка керамическая 350 мл","measure":"шт.","measureCode":"796","quantity":1,"amount":450,"amountWoVat":375,"totalAmount":450,"totalVatAmount":75,"vatCode":"RUS_VAT20","type":"commodity","paymentType":"full_prepayment"}]})";
    r = f.call("POST", "/v3/billing/api/order/refund-order", refund);
    BOOST_TEST(error_code(r) == "wrong_order_status");

    f.call("POST", "/__sim/orders/" + id + "/pay", "", "");
    r = f.call("GET", items_path);
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    auto items = parse(r.body).at("data").as_array();
    BOOST_TEST(items.size() == 2u);
    BOOST_TEST(r.body.find(R"("availableAmount":1350,"availableVatAmount":225)") !=
               std::string::npos);

    r = f.call("POST", "/v3/billing/api/order/refund-order", refund);
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    const auto rf = parse(r.body).at("data");
    BOOST_TEST(str(rf.at("parentId")) == id);
    BOOST_TEST(str(rf.at("status")) == "created");
    BOOST_TEST(str(rf.at("currencyId")) == "RUB");
    BOOST_TEST(str(rf.at("merchantId")) == std::string(merchant_id));
    BOOST_TEST(r.body.find(R"("amount":450,"vatAmount":75)") != std::string::npos);

    r = f.call("GET", items_path);
    BOOST_TEST(r.body.find(R"("availableAmount":900,"availableVatAmount":150)") !=
               std::string::npos);

    // The same refund number again: refused (protection against double refunds).
    r = f.call("POST", "/v3/billing/api/order/refund-order", refund);
    BOOST_TEST(error_code(r) == "merchant_order_id_duplicate");
    // More than is left.
    auto too_much = patched(refund, "RF-1", "RF-2");
    too_much =
        patched(too_much, R"("amount":450,"vatAmount":75)", R"("amount":1350,"vatAmount":225)");
    too_much = patched(
        too_much,
        R"("quantity":1,"amount":450,"amountWoVat":375,"totalAmount":450,"totalVatAmount":75)",
        R"("quantity":3,"amount":450,"amountWoVat":375,"totalAmount":1350,"totalVatAmount":225)");
    r = f.call("POST", "/v3/billing/api/order/refund-order", too_much);
    BOOST_TEST(r.status == 422);
    BOOST_TEST(error_code(r) == "wrong_total_amount");
    // A refund basket that does not add up: the same 422 codes as an order.
    r = f.call("POST", "/v3/billing/api/order/refund-order",
               patched(patched(refund, "RF-1", "RF-3"), R"("amount":450,"vatAmount":75)",
                       R"("amount":450,"vatAmount":70)"));
    BOOST_TEST(error_code(r) == "wrong_total_vat_amount");
    // Unknown parent.
    r = f.call(
        "POST", "/v3/billing/api/order/refund-order",
        patched(patched(refund, "RF-1", "RF-4"), id, "00000000-0000-0000-0000-000000000000"));
    BOOST_TEST(r.status == 404);

    // The list, filtered by parent; the refund completes later.
    r = f.call("GET", "/v3/filter/api/order/refund-order?parentId=" + id);
    BOOST_TEST(parse(r.body).at("metaData").at("totalCount").as_int64() == 1);
    BOOST_TEST(str(parse(r.body).at("data").at(0).at("status")) == "created");
    f.advance(6s);
    r = f.call("GET", "/v3/filter/api/order/refund-order?status=completed");
    BOOST_TEST(parse(r.body).at("metaData").at("totalCount").as_int64() == 1);
    // The order itself stays completed.
    BOOST_TEST(str(parse(f.call("GET", "/v3/filter/api/order/order?id=" + id).body)
                       .at("data")
                       .at(0)
                       .at("status")) == "completed");
}

// A refund made in the cabinet (`POST /__sim/orders/{id}/refund`): partial by kopecks, then
// the rest; its basket passes the same rules as an API refund, and nothing is refunded twice.
BOOST_AUTO_TEST_CASE(cabinet_refunds) {
    EngineFixture f;
    const auto id = str(f.create().at("id"));
    const std::string path = "/__sim/orders/" + id + "/refund";
    auto r = f.call("POST", path, "{}", "");
    BOOST_TEST(error_code(r) == "wrong_order_status"); // unpaid: nothing to refund
    f.call("POST", "/__sim/orders/" + id + "/pay", "", "");

    // 10,00 ₽ out of the first line (MUG-350 at 20 % VAT): one unit, VAT 1000 × 20/120 = 167.
    r = f.call("POST", path, R"({"amountMinor":1000,"description":"Гость передумал"})", "");
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    auto rf = parse(r.body).at("data");
    BOOST_TEST(str(rf.at("parentId")) == id);
    BOOST_TEST(str(rf.at("merchantOrderId")).starts_with("cabinet-"));
    BOOST_TEST(str(rf.at("description")) == "Гость передумал");
    BOOST_TEST(r.body.find(R"("amount":10,"vatAmount":1.67)") != std::string::npos, r.body);
    BOOST_TEST(rf.at("basketItems").as_array().size() == 1u);
    BOOST_TEST(r.body.find(R"("quantity":1,"amount":10,"amountWoVat":8.33,"totalAmount":10,"totalVatAmount":1.67)") !=
                   std::string::npos,
               r.body);

    // What is left, line by line: 1350 − 10 on the mug, the other line untouched.
    const std::string items_path = "/v3/billing/api/order/order/" + id + "/refund-basket-item";
    r = f.call("GET", items_path);
    BOOST_TEST(r.body.find(R"("availableAmount":1340,"availableVatAmount":223.33)") != std::string::npos,
               r.body);
    std::int64_t left_minor = 0;
    const auto refundable = parse(r.body);
    for (const auto& it : refundable.at("data").as_array()) {
        left_minor += std::llround(it.at("availableAmount").to_number<double>() * 100);
    }

    // More than is left, or not whole kopecks: refused, nothing refunded.
    r = f.call("POST", path, R"({"amountMinor":)" + std::to_string(left_minor + 1) + "}", "");
    BOOST_TEST(r.status == 422, r.body);
    r = f.call("POST", path, R"({"amountMinor":10.5})", "");
    BOOST_TEST(r.status == 422, r.body);

    // The rest: every line with money left, an untouched line as it was sold.
    r = f.call("POST", path, "{}", "");
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    rf = parse(r.body).at("data");
    BOOST_TEST(std::llround(rf.at("amount").to_number<double>() * 100) == left_minor);
    BOOST_TEST(rf.at("basketItems").as_array().size() == 2u);
    r = f.call("GET", items_path);
    BOOST_TEST(parse(r.body).at("data").as_array().empty(), r.body);
    r = f.call("POST", path, "{}", "");
    BOOST_TEST(error_code(r) == "wrong_total_amount"); // nothing left

    // Both are refunds like any other: listed for the shop, completed later.
    f.advance(6s);
    r = f.call("GET", "/v3/filter/api/order/refund-order?parentId=" + id + "&status=completed");
    BOOST_TEST(parse(r.body).at("metaData").at("totalCount").as_int64() == 2);
}

// `refundCancel`: the chosen refund ends `canceled` instead of `completed`, its money is
// refundable again, and the fault stats count it.
BOOST_AUTO_TEST_CASE(refund_cancel_fault) {
    EngineFixture f;
    const auto id = str(f.create().at("id"));
    f.call("POST", "/__sim/orders/" + id + "/pay", "", "");
    BOOST_TEST_REQUIRE(f.call("POST", "/__sim/faults", R"({"refundCancel":{"next":1}})", "").status == 200);
    const std::string path = "/__sim/orders/" + id + "/refund";
    BOOST_TEST_REQUIRE(f.call("POST", path, R"({"amountMinor":500})", "").status == 200);
    f.advance(6s);
    auto r = f.call("GET", "/v3/filter/api/order/refund-order?parentId=" + id);
    BOOST_TEST(str(parse(r.body).at("data").at(0).at("status")) == "canceled", r.body);
    r = f.call("GET", "/__sim/faults/stats", "", "");
    BOOST_TEST(parse(r.body).at("data").at("refundsCanceled").as_int64() == 1, r.body);
    // The fault was "next 1": the following refund completes, and may take the same money.
    BOOST_TEST_REQUIRE(f.call("POST", path, R"({"amountMinor":500})", "").status == 200);
    f.advance(6s);
    r = f.call("GET", "/v3/filter/api/order/refund-order?parentId=" + id + "&status=completed");
    BOOST_TEST(parse(r.body).at("metaData").at("totalCount").as_int64() == 1, r.body);
}

BOOST_AUTO_TEST_CASE(retries_until_success) {
    EngineFixture f;
    const auto id = str(f.create().at("id"));
    f.call("POST", "/__sim/orders/" + id + "/pay", "", "");
    const int failures = 4;
    std::string body;
    for (int i = 0; i < failures; ++i) {
        auto d = f.engine->take_deliveries();
        BOOST_TEST_REQUIRE(d.size() == 1u);
        if (i == 0) {
            body = d[0].body;
        }
        BOOST_TEST(d[0].body == body); // every attempt sends the same bytes
        // Alternate the failure kinds that are retried.
        DeliveryAnswer a = i == 0   ? http_answer(500, "oops")
                           : i == 1 ? http_answer(200, "not json")
                           : i == 2
                               ? http_answer(200, R"({"status":"error","code":"out_of_service"})")
                               : DeliveryAnswer{false, 0, {}, "timeout"};
        f.engine->complete_delivery(d[0].attempt_id, a);
        // Nothing before the scheduled delay (i + 1 seconds in the fast schedule).
        BOOST_TEST(f.engine->take_deliveries().empty());
        f.advance(std::chrono::seconds(i + 1));
    }
    auto d = f.engine->take_deliveries();
    BOOST_TEST_REQUIRE(d.size() == 1u);
    f.engine->complete_delivery(d[0].attempt_id, http_answer(200, answer_success()));
    f.advance(1h);
    BOOST_TEST(f.engine->take_deliveries().empty());
    const auto log =
        parse(f.call("GET", "/__sim/notifications", {}, "").body).at("data").as_array();
    BOOST_TEST_REQUIRE(log.size() == std::size_t(failures + 1));
    for (int i = 0; i < failures; ++i) {
        BOOST_TEST(log[i].at("attempt").as_int64() == i + 1);
        BOOST_TEST(str(log[i].at("outcome")) == "retry");
    }
    BOOST_TEST(str(log[1].at("reason")) == "invalid_json");
    BOOST_TEST(str(log[3].at("reason")) == "timeout");
    BOOST_TEST(str(log[failures].at("outcome")) == "delivered");
    BOOST_TEST(log[failures].at("attempt").as_int64() == failures + 1);
}

BOOST_AUTO_TEST_CASE(business_error_is_not_retried) {
    EngineFixture f;
    const auto id = str(f.create().at("id"));
    f.call("POST", "/__sim/orders/" + id + "/pay", "", "");
    auto d = f.engine->take_deliveries();
    f.engine->complete_delivery(
        d.at(0).attempt_id,
        http_answer(200, R"({"status":"error","code":"order_not_found","message":"нет"})"));
    f.advance(24h);
    BOOST_TEST(f.engine->take_deliveries().empty());
    const auto log =
        parse(f.call("GET", "/__sim/notifications", {}, "").body).at("data").as_array();
    BOOST_TEST(log.size() == 1u);
    BOOST_TEST(str(log[0].at("outcome")) == "rejected");
    BOOST_TEST(str(log[0].at("reason")) == "order_not_found");
}

BOOST_AUTO_TEST_CASE(gives_up_after_ten_retries) {
    EngineFixture f;
    const auto id = str(f.create().at("id"));
    f.call("POST", "/__sim/orders/" + id + "/pay", "", "");
    int attempts = 0;
    for (int i = 0; i < 20; ++i) {
        auto d = f.engine->take_deliveries();
        for (auto& x : d) {
            ++attempts;
            f.engine->complete_delivery(x.attempt_id, http_answer(503, ""));
        }
        f.advance(1min);
    }
    BOOST_TEST(attempts == 11);
    const auto log =
        parse(f.call("GET", "/__sim/notifications", {}, "").body).at("data").as_array();
    BOOST_TEST(str(log.back().at("outcome")) == "gave_up");
}

BOOST_AUTO_TEST_CASE(time_scale_and_real_schedule) {
    auto c = EngineFixture::default_config();
    c.schedule = RetrySchedule::real();
    c.time_scale = 0.001;
    EngineFixture f(c);
    const auto id = str(f.create().at("id"));
    f.call("POST", "/__sim/orders/" + id + "/pay", "", "");
    auto d = f.engine->take_deliveries();
    BOOST_TEST(d.at(0).timeout.count() == 20); // 20 s x 0.001
    f.engine->complete_delivery(d[0].attempt_id, http_answer(500, ""));
    f.advance(299ms);
    BOOST_TEST(f.engine->take_deliveries().empty());
    f.advance(1ms); // 5 min x 0.001
    BOOST_TEST(f.engine->take_deliveries().size() == 1u);
}

BOOST_AUTO_TEST_CASE(fault_duplicate_and_wrong_signature) {
    EngineFixture f;
    BOOST_TEST(f.call("POST", "/__sim/faults",
                      R"({"duplicateNotifications":{"next":1},"wrongSignature":{"next":1}})", "")
                   .status == 200);
    const auto id = str(f.create().at("id"));
    f.call("POST", "/__sim/orders/" + id + "/pay", "", "");
    auto d = f.engine->take_deliveries();
    BOOST_TEST_REQUIRE(d.size() == 2u);
    BOOST_TEST(d[0].body == d[1].body);
    BOOST_TEST(d[0].signature == d[1].signature);
    BOOST_TEST(!(invoicebox::sim::sign_body(api_key, d[0].body) == d[0].signature));
    // The receiver rejects the bad signature: final, not retried.
    f.engine->complete_delivery(d[0].attempt_id,
                                http_answer(200, R"({"status":"error","code":"signature_error"})"));
    f.engine->complete_delivery(d[1].attempt_id,
                                http_answer(200, R"({"status":"error","code":"signature_error"})"));
    f.advance(1h);
    BOOST_TEST(f.engine->take_deliveries().empty());
    const auto log =
        parse(f.call("GET", "/__sim/notifications", {}, "").body).at("data").as_array();
    BOOST_TEST(log.size() == 2u);
    BOOST_TEST(log[0].at("wrongSignature").as_bool());
    BOOST_TEST(log[1].at("duplicate").as_bool());
    // Both faults were "next 1": the following notification is normal.
    f.call("POST", "/__sim/orders/" + id + "/notify", "", "");
    d = f.engine->take_deliveries();
    BOOST_TEST_REQUIRE(d.size() == 1u);
    BOOST_TEST((invoicebox::sim::sign_body(api_key, d[0].body) == d[0].signature));
}

BOOST_AUTO_TEST_CASE(fault_out_of_order) {
    EngineFixture f;
    f.call("POST", "/__sim/faults", R"({"outOfOrder":{"window":2}})", "");
    const auto id = str(f.create().at("id"));
    f.call("POST", "/__sim/clock/advance", R"({"seconds":400000})", ""); // expires
    BOOST_TEST(f.engine->take_deliveries().empty()); // held until the window is full
    f.call("POST", "/__sim/orders/" + id + "/pay", R"({"late":true})", "");
    auto d = f.engine->take_deliveries();
    BOOST_TEST_REQUIRE(d.size() == 1u);
    BOOST_TEST(str(parse(d[0].body).at("status")) == "completed"); // newest first
    f.advance(100ms);
    auto d2 = f.engine->take_deliveries();
    BOOST_TEST_REQUIRE(d2.size() == 1u);
    BOOST_TEST(str(parse(d2[0].body).at("status")) == "expired");
}

// Probabilistic reorder (rate 1 here): the first attempt waits up to holdMs, then goes.
BOOST_AUTO_TEST_CASE(fault_out_of_order_by_rate) {
    EngineFixture f;
    BOOST_TEST(f.call("POST", "/__sim/faults", R"({"outOfOrder":{"rate":1,"seed":3,"holdMs":500}})", "")
                   .status == 200);
    const auto id = str(f.create().at("id"));
    f.call("POST", "/__sim/orders/" + id + "/pay", "", "");
    BOOST_TEST(f.engine->take_deliveries().empty()); // delayed
    f.advance(500ms);
    auto d = f.engine->take_deliveries();
    BOOST_TEST_REQUIRE(d.size() == 1u);
    BOOST_TEST(str(parse(d[0].body).at("status")) == "completed");
    const auto stats = parse(f.call("GET", "/__sim/faults/stats", {}, "").body).at("data");
    BOOST_TEST(stats.at("reordered").to_number<int>() == 1);
    BOOST_TEST(stats.at("notifications").to_number<int>() == 1);
}

BOOST_AUTO_TEST_CASE(fault_5xx_drop_and_latency) {
    EngineFixture f;
    f.call("POST", "/__sim/faults", R"({"error":{"next":2,"status":503}})", "");
    auto r = f.call("POST", create_path, create_body("F-1"));
    BOOST_TEST(r.status == 503);
    BOOST_TEST(r.body.find("<html>") != std::string::npos); // the proxy's page, not JSON
    r = f.call("GET", "/v3/filter/api/order/order");
    BOOST_TEST(r.status == 503);
    BOOST_TEST(f.call("GET", "/v3/filter/api/order/order").status == 200);
    // /__sim/ is never affected, and F-1 was not created (error before applying).
    BOOST_TEST(parse(f.call("GET", "/__sim/orders", {}, "").body).at("data").as_array().empty());

    f.call("POST", "/__sim/faults", R"({"error":{"next":1,"status":500,"after":true}})", "");
    r = f.call("POST", create_path, create_body("F-2"));
    BOOST_TEST(r.status == 500);
    BOOST_TEST(error_code(r) == "internal_error");
    BOOST_TEST(parse(f.call("GET", "/__sim/orders", {}, "").body).at("data").as_array().size() ==
               1u);

    // Drop before applying: nothing created. Drop after applying: the create happened.
    f.call("POST", "/__sim/faults", R"({"drop":{"next":1}})", "");
    r = f.call("POST", create_path, create_body("F-3"));
    BOOST_TEST((r.disposition == SimReply::Disposition::drop));
    BOOST_TEST(parse(f.call("GET", "/v3/filter/api/order/order?merchantOrderId=F-3").body)
                   .at("data")
                   .as_array()
                   .empty());
    f.call("POST", "/__sim/faults", R"({"drop":{"next":1,"after":true,"method":"POST"}})", "");
    BOOST_TEST(
        (f.call("GET", "/v3/filter/api/order/order").disposition == SimReply::Disposition::answer));
    r = f.call("POST", create_path, create_body("F-4"));
    BOOST_TEST((r.disposition == SimReply::Disposition::drop));
    BOOST_TEST(parse(f.call("GET", "/v3/filter/api/order/order?merchantOrderId=F-4").body)
                   .at("data")
                   .as_array()
                   .size() == 1u);

    f.call("POST", "/__sim/faults", R"({"latency":{"ms":1500}})", "");
    BOOST_TEST(f.call("GET", "/v3/filter/api/order/order").delay.count() == 1500);
    BOOST_TEST(f.call("GET", "/__sim/faults", {}, "").delay.count() == 0);
    f.call("DELETE", "/__sim/faults", {}, "");
    BOOST_TEST(f.call("GET", "/v3/filter/api/order/order").delay.count() == 0);
    BOOST_TEST(f.call("POST", "/__sim/faults", R"({"error":{"status":200}})", "").status == 422);
}

BOOST_AUTO_TEST_CASE(monitoring_probe) {
    EngineFixture f;
    auto r = f.call("POST", "/__sim/notifications/probe", "{}", "");
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    auto d = f.engine->take_deliveries();
    BOOST_TEST_REQUIRE(d.size() == 1u);
    const auto n = parse(d[0].body);
    BOOST_TEST(str(n.at("id")) == "ffffffff-ffff-ffff-ffff-ffffffffffff");
    BOOST_TEST(str(n.at("merchantOrderId")).empty());
    BOOST_TEST(str(n.at("merchantId")) == std::string(merchant_id));
    BOOST_TEST((invoicebox::sim::sign_body(api_key, d[0].body) == d[0].signature));
    // A probe is not retried.
    f.engine->complete_delivery(d[0].attempt_id, http_answer(500, ""));
    f.advance(1h);
    BOOST_TEST(f.engine->take_deliveries().empty());
    // The other shop's probe is signed with its key, to a chosen URL.
    f.call("POST", "/__sim/notifications/probe",
           R"({"merchantId":")" + std::string(other_merchant_id) +
               R"(","url":"http://other.test/n"})",
           "");
    d = f.engine->take_deliveries();
    BOOST_TEST_REQUIRE(d.size() == 1u);
    BOOST_TEST(d[0].url == "http://other.test/n");
    BOOST_TEST((invoicebox::sim::sign_body(other_api_key, d[0].body) == d[0].signature));
}

BOOST_AUTO_TEST_CASE(payment_page) {
    EngineFixture f;
    const auto o = f.create();
    const std::string path = "/order/" + str(o.at("orderContainerId"));
    BOOST_TEST(str(o.at("paymentUrl")) == "http://sim.test" + path);
    auto r = f.call("GET", path, {}, "");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.headers.at(0).second == "text/html; charset=utf-8");
    BOOST_TEST(r.body.find("1 550,00 ₽") != std::string::npos);
    BOOST_TEST(r.body.find("Заказ 10026 в магазине example.ru") != std::string::npos);
    BOOST_TEST(r.body.find("Оплатить счёт") != std::string::npos);
    BOOST_TEST(r.body.find("09.11.2024 00:00") != std::string::npos); // 21:00 UTC in Moscow
    r = f.call("POST", path + "/pay", "", "");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body.find("Оплата прошла успешно") != std::string::npos);
    BOOST_TEST(r.body.find("https://example.ru/checkout/10026/success") != std::string::npos);
    BOOST_TEST(f.engine->take_deliveries().size() == 1u);
    r = f.call("GET", path, {}, "");
    BOOST_TEST(r.body.find("Счёт оплачен") != std::string::npos);
    BOOST_TEST(r.body.find("<button") == std::string::npos);
    r = f.call("POST", path + "/pay", "", "");
    BOOST_TEST(r.status == 409);
    BOOST_TEST(f.call("GET", "/order/unknown", {}, "").status == 404);
}

BOOST_AUTO_TEST_CASE(sim_listing_and_reset) {
    EngineFixture f;
    f.create("L-1");
    f.call("POST", "/__sim/faults", R"({"latency":{"ms":5}})", "");
    f.call("POST", "/__sim/clock/advance", R"({"seconds":60})", "");
    auto r = f.call("GET", "/__sim/orders", {}, "");
    BOOST_TEST(parse(r.body).at("data").as_array().size() == 1u);
    r = f.call("GET", "/__sim/config", {}, "");
    BOOST_TEST(r.body.find(std::string(token)) == std::string::npos); // secrets never answered
    BOOST_TEST(r.body.find(std::string(api_key)) == std::string::npos);
    BOOST_TEST(f.call("POST", "/__sim/reset", "", "").status == 200);
    BOOST_TEST(parse(f.call("GET", "/__sim/orders", {}, "").body).at("data").as_array().empty());
    BOOST_TEST(parse(f.call("GET", "/__sim/faults", {}, "").body).at("data").as_object().empty());
    BOOST_TEST(parse(f.call("GET", "/__sim/clock", {}, "").body)
                   .at("data")
                   .at("offsetSeconds")
                   .as_int64() == 0);
}

BOOST_AUTO_TEST_CASE(state_file_keeps_orders) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("ib-sim-state-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto file = dir / "state.json";
    auto c = EngineFixture::default_config();
    c.state_file = file.string();
    std::string paid_id, open_id, first_body;
    {
        EngineFixture f(c);
        paid_id = str(f.create("S-1").at("id"));
        open_id = str(f.create("S-2").at("id"));
        f.call("POST", "/__sim/orders/" + paid_id + "/pay", "", "");
        first_body = f.call("GET", "/v3/filter/api/order/order?id=" + paid_id).body;
        f.call("POST", "/__sim/clock/advance", R"({"seconds":10})", "");
        BOOST_TEST(f.engine->state_error().empty());
        BOOST_TEST(!std::filesystem::exists(file.string() + ".tmp"));
        // The notification is still pending (never answered) when the "process" goes away.
    }
    EngineFixture g(c);
    BOOST_TEST(!g.engine->load_state().has_value());
    const auto body = g.call("GET", "/v3/filter/api/order/order?id=" + paid_id).body;
    BOOST_TEST(body == first_body);
    BOOST_TEST(str(parse(g.call("GET", "/v3/filter/api/order/order?id=" + open_id).body)
                       .at("data")
                       .at(0)
                       .at("status")) == "created");
    BOOST_TEST(str(parse(g.call("GET", "/__sim/clock", {}, "").body).at("data").at("now")) ==
               "2024-11-05T10:01:22+00:00");
    // Still unique after the restart.
    BOOST_TEST(error_code(g.call("POST", create_path, create_body("S-1"))) ==
               "merchant_order_id_duplicate");
    // The pending notification is sent again.
    const auto d = g.engine->take_deliveries();
    BOOST_TEST_REQUIRE(d.size() == 1u);
    BOOST_TEST(str(parse(d[0].body).at("id")) == paid_id);
    // A corrupt file is reported.
    std::ofstream(file) << "{broken";
    EngineFixture h(c);
    BOOST_TEST(h.engine->load_state().has_value());
    std::filesystem::remove_all(dir);
}

namespace {

std::string file_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

// The journal (state_file.hpp): a change after the first snapshot is one appended line; a torn
// last line (a crash mid-append, never acknowledged) is ignored; lines of an older generation
// (a crash between a new snapshot and the journal's truncation) are skipped, not replayed over it.
BOOST_AUTO_TEST_CASE(state_journal_replays_only_its_generation) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("ib-sim-journal-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const auto file = dir / "state.json";
    const auto journal = dir / "state.json.journal";
    auto c = EngineFixture::default_config();
    c.state_file = file.string();
    std::string open_id, old_lines;
    {
        EngineFixture f(c);
        f.create("J-0"); // the first save writes the snapshot
        const auto snapshot = file_text(file);
        open_id = str(f.create("J-1").at("id"));
        BOOST_TEST(file_text(file) == snapshot); // later changes only append
        old_lines = file_text(journal);
        BOOST_TEST(old_lines.find(open_id) != std::string::npos);
        BOOST_TEST(old_lines.find("J-0") == std::string::npos); // only what changed
    }
    {
        EngineFixture g(c);
        BOOST_TEST_REQUIRE(!g.engine->load_state().has_value());
        // Loading folds the journal into a new snapshot at the next change: cancel J-1.
        BOOST_TEST(g.call("DELETE", "/v3/billing/api/order/order/" + open_id).status == 200);
        BOOST_TEST(file_text(journal).empty());
    }
    // A crash left the previous generation's lines (J-1 still `created`) and a torn line.
    std::ofstream(journal, std::ios::app) << old_lines << R"({"generation":)";
    EngineFixture h(c);
    BOOST_TEST_REQUIRE(!h.engine->load_state().has_value());
    BOOST_TEST(str(parse(h.call("GET", "/v3/filter/api/order/order?id=" + open_id).body)
                       .at("data")
                       .at(0)
                       .at("status")) == "canceled");
    std::filesystem::remove_all(dir);
}

// The journal is folded into the snapshot once it outgrows it, so neither file grows with the
// number of changes beyond the state itself, and everything survives a restart.
BOOST_AUTO_TEST_CASE(state_journal_is_folded_when_outgrown) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("ib-sim-fold-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const auto file = dir / "state.json";
    auto c = EngineFixture::default_config();
    c.state_file = file.string();
    const int n = 400;
    std::uintmax_t largest_journal = 0;
    {
        EngineFixture f(c);
        for (int i = 0; i < n; ++i) {
            f.steady += std::chrono::seconds(1); // stay within the rate limit
            f.create("F-" + std::to_string(i));
            largest_journal = std::max(largest_journal, std::filesystem::file_size(dir / "state.json.journal"));
        }
        BOOST_TEST(f.engine->state_error().empty());
    }
    // Never much more than the fold threshold (256 KiB, or the snapshot's size when larger).
    BOOST_TEST(largest_journal <= std::max<std::uintmax_t>(256 * 1024, std::filesystem::file_size(file)) + 8192);
    EngineFixture g(c);
    BOOST_TEST_REQUIRE(!g.engine->load_state().has_value());
    const auto all = parse(g.call("GET", "/__sim/orders", {}, "").body);
    BOOST_TEST(all.at("data").as_array().size() == static_cast<std::size_t>(n));
    std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
