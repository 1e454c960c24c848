// JSON reader and writer: exact number text, InvoiceBox escaping, byte-identical round trips.
#include "invoicebox/protocol/json_reader.hpp"
#include "invoicebox/protocol/json_writer.hpp"

#include "invoicebox/protocol/basket.hpp"
#include "invoicebox/protocol/signature.hpp"
#include "notification_body.hpp"

#include <boost/test/unit_test.hpp>

using namespace invoicebox::protocol;
using namespace invoicebox::protocol::test;

BOOST_AUTO_TEST_SUITE(json)

BOOST_AUTO_TEST_CASE(numbers_keep_their_text) {
    auto v = parse_json(R"({"a":2490.50,"b":1.55E3,"c":-0,"d":12345678901234567890123,"e":1e400})");
    BOOST_TEST_REQUIRE(v.has_value());
    BOOST_TEST(v->find("a")->if_number()->text == "2490.50");
    BOOST_TEST(v->find("b")->if_number()->text == "1.55E3");
    BOOST_TEST(v->find("c")->if_number()->text == "-0");
    BOOST_TEST(v->find("d")->if_number()->text == "12345678901234567890123");
    BOOST_TEST(v->find("e")->if_number()->text == "1e400");
    BOOST_TEST(*parse_amount_minor(v->find("b")->if_number()->text) == 155000);
}

BOOST_AUTO_TEST_CASE(strings_are_unescaped) {
    auto v = parse_json(
        R"({"u":"https:\/\/pay.invoicebox.ru\/order\/1","c":"\u0418\u0432\u0430\u043d","q":"a\"b\\c\n"})");
    BOOST_TEST_REQUIRE(v.has_value());
    BOOST_TEST(*v->find("u")->if_string() == "https://pay.invoicebox.ru/order/1");
    BOOST_TEST(*v->find("c")->if_string() == "Иван");
    BOOST_TEST(*v->find("q")->if_string() == "a\"b\\c\n");
}

BOOST_AUTO_TEST_CASE(structure_and_duplicates) {
    auto v = parse_json(R"( {"a":[1,true,null,{"b":"x"}],"k":1,"k":2} )");
    BOOST_TEST_REQUIRE(v.has_value());
    const auto& a = *v->find("a")->if_array();
    BOOST_TEST(a.size() == 4u);
    BOOST_TEST(*a[1].if_bool());
    BOOST_TEST(a[2].is_null());
    BOOST_TEST(*a[3].find("b")->if_string() == "x");
    BOOST_TEST(v->find("k")->if_number()->text == "2"); // last duplicate wins, as in PHP
    BOOST_TEST(v->if_object()->members.size() == 3u);
    BOOST_TEST(v->find("missing") == nullptr);
    BOOST_TEST(a[0].find("x") == nullptr); // lookup on a non-object
}

BOOST_AUTO_TEST_CASE(malformed_documents_are_errors) {
    for (std::string_view bad :
         {"", "{", "{\"a\":}", "[1,]", "{\"a\":1}x", "{'a':1}", "nul", "01", "\"\xff\"",
          "{\"a\":NaN}", "<html>502 Bad Gateway</html>", "{\"a\":1}{\"b\":2}"}) {
        auto v = parse_json(bad);
        BOOST_TEST(!v.has_value(), "accepted: " << bad);
    }
    std::string deep(100, '[');
    deep += std::string(100, ']');
    BOOST_TEST(!parse_json(deep).has_value());
    BOOST_TEST(parse_json(deep, {.max_depth = 200}).has_value());
    BOOST_TEST(!parse_json("[1]", {.max_depth = 64, .max_bytes = 2}).has_value());
}

BOOST_AUTO_TEST_CASE(a_skipped_member_is_left_out_at_any_depth_and_still_checked) {
    const JsonReadLimits skip{.skip_member = "basket"};
    auto v = parse_json(
        R"({"a":1,"basket":[{"x":[1,{"y":"z"}],"basket":2},3],"o":{"basket":{"k":"v"},"b":true},)"
        R"("s":{"basket":"text"},"n":{"basket":-1.5e3},"t":{"basket":null},"z":[{"basket":false,"w":0}]})",
        skip);
    BOOST_TEST_REQUIRE(v.has_value());
    BOOST_TEST(v->find("basket") == nullptr);
    BOOST_TEST(v->find("a")->if_number()->text == "1");
    BOOST_TEST(v->find("o")->find("basket") == nullptr);
    BOOST_TEST(*v->find("o")->find("b")->if_bool()); // the member after a skipped object
    for (const char* k : {"s", "n", "t"}) {
        BOOST_TEST(v->find(k)->if_object() != nullptr, k);
        BOOST_TEST(v->find(k)->if_object()->members.empty(), k); // scalars skipped too
    }
    const auto& z = v->find("z")->if_array()->front();
    BOOST_TEST(z.find("basket") == nullptr);
    BOOST_TEST(z.find("w")->if_number()->text == "0");
    BOOST_TEST(v->if_object()->members.size() == 6u);

    // Left out, but never unchecked: a malformed skipped value fails the document.
    BOOST_TEST(!parse_json(R"({"basket":[1,}],"a":1})", skip).has_value());
    BOOST_TEST(!parse_json("{\"basket\":\"\xff\"}", skip).has_value()); // not UTF-8
    // Without the option the same document is read whole.
    auto whole = parse_json(R"({"a":1,"basket":[1]})");
    BOOST_TEST(whole->find("basket")->if_array()->size() == 1u);
}

BOOST_AUTO_TEST_CASE(notification_82_round_trips_byte_for_byte) {
    // Numbers verbatim, `\/` re-escaped, Cyrillic raw: the writer reproduces InvoiceBox's bytes,
    // so the simulator's bodies sign exactly like the real service's.
    auto v = parse_json(notification_82);
    BOOST_TEST_REQUIRE(v.has_value());
    const auto out = to_json(*v);
    BOOST_TEST(out == notification_82);
    BOOST_TEST(sign(notification_82_key, out) == notification_82_signature);
    // Without slash escaping the bytes (and so the signature) differ.
    BOOST_TEST(to_json(*v, {.escape_slash = false}) != notification_82);
}

BOOST_AUTO_TEST_CASE(basket_of_82_reads_and_reconciles) {
    auto v = parse_json(notification_82);
    BOOST_TEST_REQUIRE(v.has_value());
    auto items = read_basket_items(*v->find("basketItems"), Currency::rub, "basketItems");
    BOOST_TEST_REQUIRE(items.has_value());
    BOOST_TEST(items->size() == 2u);
    BOOST_TEST((*items)[0].amount_wo_vat.minor == 182542);
    BOOST_TEST((*items)[0].type.value == "commodity");
    BOOST_TEST(check_basket(*items, Money::of(249050), Money::of(41508)).empty());
    // And written back, the basket is the document's bytes.
    JsonWriter w;
    write_basket_items(w, *items);
    const auto written = w.take();
    BOOST_TEST(notification_82.find(written) != std::string_view::npos);
}

BOOST_AUTO_TEST_CASE(basket_item_decode_errors_name_the_field) {
    auto v = parse_json(
        R"([{"name":"x","quantity":1,"amount":1.001,"amountWoVat":1,"totalAmount":1,"totalVatAmount":0,"vatCode":"VATNONE"}])");
    BOOST_TEST_REQUIRE(v.has_value());
    auto items = read_basket_items(*v, Currency::rub, "basketItems");
    BOOST_TEST_REQUIRE(!items.has_value());
    BOOST_TEST(items.error().path == "basketItems[0].amount");
    auto s = parse_json(
        R"({"name":"x","quantity":"1","amount":1,"amountWoVat":1,"totalAmount":1,"totalVatAmount":0,"vatCode":"VATNONE"})");
    BOOST_TEST(read_basket_item(*s, Currency::rub).error().path == "quantity");
    auto numeric = parse_json(
        R"({"name":"x","quantity":1,"amount":1,"amountWoVat":1,"totalAmount":1,"totalVatAmount":0,"vatCode":"X","type":4,"measureCode":796,"future":{"a":1}})");
    auto it = read_basket_item(*numeric, Currency::rub);
    BOOST_TEST_REQUIRE(it.has_value());
    BOOST_TEST(it->type.numeric);
    BOOST_TEST(it->measure_code == "796");
    BOOST_TEST(it->vat_code.wire() == "X");
    JsonWriter w;
    write_basket_item(w, *it);
    BOOST_TEST(w.str().find(R"("type":4)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(writer_formats_amounts_and_escapes) {
    JsonWriter w;
    w.begin_object()
        .member_amount("amount", 155000)
        .member_amount("vat", 41508)
        .key("q")
        .quantity(Quantity{500000})
        .member("url", "https://example.ru/a")
        .member("ctl", std::string_view("\x01\t\"\\\xe2\x80\xa8", 7))
        .member("ru", "Заказ")
        .member_bool("b", false)
        .key("n")
        .null()
        .key("arr")
        .begin_array()
        .integer(-5)
        .number_text("1.5e3")
        .end_array()
        .end_object();
    BOOST_TEST(w.complete());
    BOOST_TEST(
        w.take() ==
        R"({"amount":1550,"vat":415.08,"q":0.5,"url":"https:\/\/example.ru\/a","ctl":"\u0001\t\"\\\u2028","ru":"Заказ","b":false,"n":null,"arr":[-5,1.5e3]})");
}

BOOST_AUTO_TEST_CASE(writer_misuse_throws) {
    JsonWriter a;
    a.begin_object();
    BOOST_CHECK_THROW(a.string("no key"), std::logic_error);
    JsonWriter b;
    BOOST_CHECK_THROW(b.end_array(), std::logic_error);
    JsonWriter c;
    c.begin_array();
    BOOST_CHECK_THROW(c.take(), std::logic_error);
    BOOST_CHECK_THROW(c.number_text("1.2.3"), std::logic_error);
    JsonWriter d;
    d.integer(1);
    BOOST_CHECK_THROW(d.integer(2), std::logic_error);
}

BOOST_AUTO_TEST_SUITE_END()
