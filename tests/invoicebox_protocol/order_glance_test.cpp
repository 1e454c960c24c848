// The glance at a page of orders (order_glance.hpp): it reads what the full decode reads for
// id, number and status, and it answers only for documents the full decode would read as a
// page, so that skipping the decode by it never accepts what the decode would refuse for these
// three fields.
#include "invoicebox/protocol/order_glance.hpp"

#include "invoicebox/protocol/endpoints.hpp"

#include "fixtures.hpp"

#include <boost/test/unit_test.hpp>

using namespace invoicebox::protocol;
using namespace invoicebox::protocol::test;

namespace {

std::optional<std::vector<OrderGlance>> glance(std::string_view body, int status = 200) {
    return glance_order_page(HttpOutcome(response(status, std::string(body))));
}

/// The glances the full decode gives for the same page (nullopt when it refuses the page).
std::optional<std::vector<OrderGlance>> decoded_glances(std::string_view body) {
    auto page = InvoiceboxApi::parse_orders(HttpOutcome(response(200, std::string(body))),
                                            InvoiceboxApi::OrderListDetail::without_basket_items);
    if (!page)
        return std::nullopt;
    std::vector<OrderGlance> out;
    for (const auto& o : page->items)
        out.push_back(glance_of(o));
    return out;
}

bool same(const std::vector<OrderGlance>& a, const std::vector<OrderGlance>& b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].id != b[i].id || a[i].merchant_order_id != b[i].merchant_order_id || !(a[i].status == b[i].status))
            return false;
    return true;
}

/// A minimal order object whose amount and currency the full decode accepts.
std::string order(std::string_view members) {
    return R"({"currencyId":"RUB","amount":100,)" + std::string(members) + "}";
}

} // namespace

BOOST_AUTO_TEST_SUITE(order_glance)

BOOST_AUTO_TEST_CASE(a_page_glances_as_it_decodes) {
    auto one = InvoiceboxApi::parse_order(response(200, std::string(create_response_81))).value();
    auto two = one;
    two.id = OrderId("01a25165-ce28-7310-9be5-902b999f5b54");
    two.merchant_order_id = MerchantOrderId("B2KT3G-1-2");
    two.status = OrderStatus("completed");
    const auto body = orders_page({one, two});
    const auto g = glance(body);
    BOOST_TEST_REQUIRE(g.has_value());
    BOOST_TEST_REQUIRE(g->size() == 2u);
    BOOST_TEST(same(*g, *decoded_glances(body)));
    BOOST_TEST((*g)[1].id.str() == "01a25165-ce28-7310-9be5-902b999f5b54");
    BOOST_TEST((*g)[1].merchant_order_id.str() == "B2KT3G-1-2");
    BOOST_TEST((*g)[1].status.is_paid());
    // An empty page is a page.
    const auto empty = glance(R"({"data":[],"extendedData":[],"metaData":{"totalCount":0}})");
    BOOST_TEST_REQUIRE(empty.has_value());
    BOOST_TEST(empty->empty());
}

BOOST_AUTO_TEST_CASE(the_last_duplicate_counts_and_nested_members_are_not_the_orders) {
    // An `id` or `status` inside a basket item or the customer is not the order's; of two
    // members of one name the last counts, of two `data` the last is the page: as read_order
    // and read_envelope read them.
    const std::string body =
        R"({"data":[)" +
        order(R"("basketItems":[{"id":"item","status":"completed"}],"id":"a","status":"created",)"
              R"("customer":{"merchantOrderId":"not-it","status":"completed"},"status":"expired",)"
              R"("merchantOrderId":"M-1","st\u0061tus":"canceled")") +
        R"(]})";
    const auto g = glance(body);
    BOOST_TEST_REQUIRE(g.has_value());
    BOOST_TEST_REQUIRE(g->size() == 1u);
    BOOST_TEST((*g)[0].id.str() == "a");
    BOOST_TEST((*g)[0].merchant_order_id.str() == "M-1");
    BOOST_TEST((*g)[0].status.wire() == "canceled");
    BOOST_TEST(same(*g, *decoded_glances(body)));

    const std::string two_pages =
        R"({"data":[)" + order(R"("id":"first","status":"created")") + R"(],"data":[)" +
        order(R"("id":"second","status":"created")") + "," + order(R"("id":"third","status":"created")") + "]}";
    const auto g2 = glance(two_pages);
    BOOST_TEST_REQUIRE(g2.has_value());
    BOOST_TEST(g2->size() == 2u);
    BOOST_TEST(same(*g2, *decoded_glances(two_pages)));
}

BOOST_AUTO_TEST_CASE(absent_and_null_numbers_read_as_none) {
    const std::string body = R"({"data":[)" + order(R"("id":"a","status":"created")") + "," +
                             order(R"("id":"b","status":"created","merchantOrderId":"M","merchantOrderId":null)") +
                             "]}";
    const auto g = glance(body);
    BOOST_TEST_REQUIRE(g.has_value());
    BOOST_TEST((*g)[0].merchant_order_id.empty());
    BOOST_TEST((*g)[1].merchant_order_id.empty());
    BOOST_TEST(same(*g, *decoded_glances(body)));
}

BOOST_AUTO_TEST_CASE(what_is_not_a_plain_page_gets_no_glance) {
    const std::string ok = R"({"data":[)" + order(R"("id":"a","status":"created")") + "]}";
    BOOST_TEST(glance(ok).has_value());
    // Not a success, or no response at all.
    BOOST_TEST(!glance(ok, 500).has_value());
    BOOST_TEST(!glance(ok, 404).has_value());
    BOOST_TEST(!glance_order_page(HttpOutcome(unexpected(TransportError{TransportFailure::timeout, true, "t"}))));
    // Not JSON, or more than one document, or not UTF-8 even where nothing is read (a basket).
    BOOST_TEST(!glance(R"({"data":[)").has_value());
    BOOST_TEST(!glance(ok + "{}").has_value());
    BOOST_TEST(!glance(R"({"data":[)" + order("\"id\":\"a\",\"status\":\"created\",\"basketItems\":[{\"name\":\"\xC0\xAF\"}]") + "]}")
                    .has_value());
    // Not an object holding a list of orders.
    BOOST_TEST(!glance(R"([{"data":[]}])").has_value());
    BOOST_TEST(!glance(R"({"error":{"code":"x","message":"y"}})").has_value());
    BOOST_TEST(!glance(R"({"data":{}})").has_value());
    BOOST_TEST(!glance(R"({"data":[],"data":null})").has_value());
    BOOST_TEST(!glance(R"({"data":[1]})").has_value());
    BOOST_TEST(!glance(R"({"data":[[]]})").has_value());
    // An order without what a judgement needs, or with it in another type: the full decode
    // tells what is wrong (or, for a numeric number, reads it).
    BOOST_TEST(!glance(R"({"data":[)" + order(R"("status":"created")") + "]}").has_value());
    BOOST_TEST(!glance(R"({"data":[)" + order(R"("id":"a")") + "]}").has_value());
    BOOST_TEST(!glance(R"({"data":[)" + order(R"("id":"a","status":"created","status":null)") + "]}").has_value());
    BOOST_TEST(!glance(R"({"data":[)" + order(R"("id":7,"status":"created")") + "]}").has_value());
    BOOST_TEST(!glance(R"({"data":[)" + order(R"("id":"a","status":["created"])") + "]}").has_value());
    BOOST_TEST(!glance(R"({"data":[)" + order(R"("id":"a","status":"created","merchantOrderId":42)") + "]}")
                    .has_value());
}

BOOST_AUTO_TEST_CASE(the_glance_never_vouches_for_a_page_the_decode_refuses_for_its_fields) {
    // Where the glance answers and the decode refuses, the refusal is about another field
    // (money, dates): the orders below have the glance's fields right and an amount wrong.
    const std::string bad_amount = R"({"data":[{"id":"a","status":"created","currencyId":"RUB","amount":"x"}]})";
    BOOST_TEST(glance(bad_amount).has_value());
    BOOST_TEST(!decoded_glances(bad_amount).has_value());
    // A decode that refuses the id or status refuses it in the glance too.
    for (std::string_view members : {R"("id":"a")", R"("status":"created")", R"("id":null,"status":"created")",
                                     R"("id":true,"status":"created")"}) {
        const std::string body = R"({"data":[)" + order(members) + "]}";
        BOOST_TEST(!decoded_glances(body).has_value(), body);
        BOOST_TEST(!glance(body).has_value(), body);
    }
}

BOOST_AUTO_TEST_SUITE_END()
