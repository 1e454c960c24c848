// The simulator's own acceptance rules, each against the reference (invoicebox-api.md), without
// the plugin's code: amount text (§4.4), the five basket rules (§4.3), the JSON shape it reads
// and writes (§5.2, §8.2), how it judges a shop's answer (§5.3), PHP-style list queries (§1.6).
#include "invoicebox/sim/amount.hpp"
#include "invoicebox/sim/basket_rules.hpp"
#include "invoicebox/sim/json.hpp"
#include "invoicebox/sim/list_query.hpp"
#include "invoicebox/sim/notifier.hpp"
#include "invoicebox/sim/signing.hpp"

#include <boost/test/unit_test.hpp>

using namespace invoicebox::sim;

namespace {

BasketLine line(std::string vat, std::int64_t qty_millionths, std::int64_t amount,
                std::int64_t wo_vat, std::int64_t total, std::int64_t total_vat) {
    return BasketLine{"SKU", qty_millionths, amount, wo_vat, total, total_vat, std::move(vat)};
}

// The §8.1 basket: 3 × 450.00 at 20 % and 1 × 200.00 without VAT.
std::vector<BasketLine> worked_basket() {
    return {line("RUS_VAT20", 3 * quantity_one, 45000, 37500, 135000, 22500),
            line("VATNONE", quantity_one, 20000, 20000, 20000, 0)};
}

DeliveryAnswer answer(int status, std::string body) {
    DeliveryAnswer a;
    a.responded = true;
    a.http_status = status;
    a.body = std::move(body);
    return a;
}

} // namespace

BOOST_AUTO_TEST_SUITE(rules)

BOOST_AUTO_TEST_CASE(amount_text_at_most_two_decimals) {
    BOOST_TEST(*read_amount("1550") == 155000);
    BOOST_TEST(*read_amount("2490.5") == 249050);
    BOOST_TEST(*read_amount("415.08") == 41508);
    BOOST_TEST(*read_amount("0") == 0);
    // Same values, other spellings: PHP writes 1550.0 for a float; exponents are JSON numbers.
    BOOST_TEST(*read_amount("1550.0") == 155000);
    BOOST_TEST(*read_amount("1550.00") == 155000);
    BOOST_TEST(*read_amount("67680.000") == 6768000);
    BOOST_TEST(*read_amount("1.55E3") == 155000);
    BOOST_TEST(*read_amount("4.5e+2") == 45000);
    // Float noise is refused, never rounded (the strict choice, README.md, [inferred]).
    BOOST_TEST((read_amount("1200.3000000000002").error() == AmountError::too_precise));
    BOOST_TEST((read_amount("0.30000000000000004").error() == AmountError::too_precise));
    BOOST_TEST((read_amount("1550.001").error() == AmountError::too_precise));
    BOOST_TEST((read_amount("1e-3").error() == AmountError::too_precise));
    // Not JSON numbers.
    for (const char* bad : {"", "-", "01", "1.", ".5", "+1", "1e", "1 ", "0x10", "1,5", "NaN"}) {
        BOOST_TEST((read_amount(bad).error() == AmountError::not_a_number), bad);
    }
    BOOST_TEST((read_amount("10000000000000.01").error() == AmountError::out_of_range));
    BOOST_TEST((read_amount("1e400").error() == AmountError::out_of_range));
    // Written as InvoiceBox writes them (§8.2: 2490.5, 415.08, 300).
    BOOST_TEST(write_amount(249050) == "2490.5");
    BOOST_TEST(write_amount(41508) == "415.08");
    BOOST_TEST(write_amount(30000) == "300");
    BOOST_TEST(write_amount(5) == "0.05");
    BOOST_TEST(write_amount(0) == "0");
    BOOST_TEST(*read_quantity("0.5") == 500000);
    BOOST_TEST((read_quantity("0.0000001").error() == AmountError::too_precise));
}

BOOST_AUTO_TEST_CASE(basket_rules_pass_the_worked_examples) {
    BOOST_TEST(!check_reconciliation(worked_basket(), 155000, 22500));
    // §4.3: 103.30 × 3 + 61.98 = 371.88, and 371.88 × 20/120 = 61.98.
    BOOST_TEST(!check_reconciliation(
        {line("RUS_VAT20", 3 * quantity_one, 12396, 10330, 37188, 6198)}, 37188, 6198));
    // §4.3: 99.99 × 3 at 20 % — 83.32 × 3 + 50.00 = 299.96 is one kopeck short, and allowed.
    BOOST_TEST(!check_reconciliation({line("RUS_VAT20", 3 * quantity_one, 9999, 8332, 29997, 5000)},
                                     29997, 5000));
    // §8.2's basket.
    BOOST_TEST(
        !check_reconciliation({line("RUS_VAT20", quantity_one, 219050, 182542, 219050, 36508),
                               line("RUS_VAT20", quantity_one, 30000, 25000, 30000, 5000)},
                              249050, 41508));
}

BOOST_AUTO_TEST_CASE(basket_rules_each_fail_with_their_code) {
    auto b = worked_basket();
    b[0].total_amount = 134900; // rule 1
    auto f = check_reconciliation(b, 155000, 22500);
    BOOST_TEST_REQUIRE(f.has_value());
    BOOST_TEST(f->rule == 1);
    BOOST_TEST(f->code == "wrong_basket_item_total_amount");
    BOOST_TEST(f->field == "basketItems[0].totalAmount");
    BOOST_TEST(f->message.find("expected 1350, got 1349") != std::string::npos);

    b = worked_basket();
    b[0].total_vat_amount = 22400; // rule 2
    f = check_reconciliation(b, 155000, 22400);
    BOOST_TEST_REQUIRE(f.has_value());
    BOOST_TEST(f->code == "wrong_basket_item_total_vat_amount");

    b = worked_basket();
    b[0].amount_wo_vat = 37000; // rule 3: 370 × 3 + 225 = 1335, 15 roubles off
    f = check_reconciliation(b, 155000, 22500);
    BOOST_TEST_REQUIRE(f.has_value());
    BOOST_TEST(f->code == "wrong_basket_item_amount_wo_vat");
    BOOST_TEST(f->field == "basketItems[0].amountWoVat");
    // Two kopecks off is beyond the tolerance.
    f = check_reconciliation({line("RUS_VAT20", 3 * quantity_one, 9999, 8331, 29997, 5000)}, 29997,
                             5000);
    BOOST_TEST_REQUIRE(f.has_value());
    BOOST_TEST(f->rule == 3);

    f = check_reconciliation(worked_basket(), 155100, 22500); // rule 4
    BOOST_TEST_REQUIRE(f.has_value());
    BOOST_TEST(f->code == "wrong_total_amount");
    BOOST_TEST(f->field == "amount");

    f = check_reconciliation(worked_basket(), 155000, 22600); // rule 5
    BOOST_TEST_REQUIRE(f.has_value());
    BOOST_TEST(f->code == "wrong_total_vat_amount");
    BOOST_TEST(f->field == "vatAmount");

    // Order of the checks: item rules first, then 4, then 5.
    b = worked_basket();
    b[1].total_amount = 20100;
    f = check_reconciliation(b, 1, 1);
    BOOST_TEST_REQUIRE(f.has_value());
    BOOST_TEST(f->code == "wrong_basket_item_total_amount");
    BOOST_TEST(f->field == "basketItems[1].totalAmount");

    // [inferred] structural cases.
    BOOST_TEST(check_reconciliation({}, 0, 0)->code == "wrong_total_amount");
    b = worked_basket();
    b[0].vat_code = "NONE"; // Bitrix's spelling, not a documented code
    BOOST_TEST(check_reconciliation(b, 155000, 22500)->code ==
               "wrong_basket_item_total_vat_amount");
    b = worked_basket();
    b[0].quantity = 0;
    BOOST_TEST(check_reconciliation(b, 155000, 22500)->code == "wrong_basket_item_total_amount");
}

BOOST_AUTO_TEST_CASE(fractional_quantity_rounds_half_away_from_zero) {
    // 0.5 × 0.05 = 0.025 -> 0.03.
    BOOST_TEST(!check_reconciliation({line("VATNONE", quantity_one / 2, 5, 5, 3, 0)}, 3, 0));
    BOOST_TEST(check_reconciliation({line("VATNONE", quantity_one / 2, 5, 5, 2, 0)}, 2, 0)->rule ==
               1);
    BOOST_TEST(mul_div_round(1, 1, 2) == 1);
    BOOST_TEST(mul_div_round(37188, 20, 120) == 6198);
}

BOOST_AUTO_TEST_CASE(json_keeps_number_text_and_writes_php_shape) {
    auto doc = parse_json(R"({"a":2490.50,"b":"x\/y","a":1.55E3,"c":[true,null,"Чай"]})");
    BOOST_TEST_REQUIRE(doc.has_value());
    // The last duplicate counts (PHP json_decode); the number keeps its spelling.
    BOOST_TEST(doc->find("a")->if_number()->text == "1.55E3");
    BOOST_TEST(*doc->find("b")->if_string() == "x/y");
    BOOST_TEST(to_json(*doc) == R"({"a":2490.50,"b":"x\/y","a":1.55E3,"c":[true,null,"Чай"]})");
    std::string s;
    append_json_string(s, "a\u2028b\"\\\n\x01");
    BOOST_TEST(s == R"("a\u2028b\"\\\n\u0001")");
    // Every escape, the other E2 characters (an em dash, U+2029, a lone E2 at the end) and plain
    // runs on either side of them.
    s.clear();
    append_json_string(s, "x/y\b\f\r\t \u2014—\u2029z\x1f\xe2");
    BOOST_TEST(s == "\"x\\/y\\b\\f\\r\\t \u2014—\\u2029z\\u001f\xe2\"");
    s.clear();
    append_json_string(s, "");
    BOOST_TEST(s == "\"\"");
    BOOST_TEST(!parse_json("{\"a\":1,}"));
    BOOST_TEST(!parse_json("{\"a\":1} x"));
    BOOST_TEST(!parse_json("\"\xff\""));
    BOOST_TEST(!parse_json("[[[[1]]]]", JsonReadLimits{3, 1000}));
}

BOOST_AUTO_TEST_CASE(signature_is_hex_hmac_of_the_bytes) {
    // invoicebox-api.md §5.2: the SDK example, key `test` — here on a small body; the §8.2 body
    // and its signature are in tests/contract.
    BOOST_TEST(sign_body("key", "The quick brown fox jumps over the lazy dog") ==
               "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9");
    BOOST_TEST(sign_body("key", "The quick brown fox jumps over the lazy dog",
                         SignatureAlgorithm::hmac_sha256) ==
               "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    BOOST_TEST(sign_body("", "") == "fbdb1d1b18aa6c08324b7d64b71fb76370690e1d");
    BOOST_TEST((signature_algorithm_from("HMAC-SHA256") == SignatureAlgorithm::hmac_sha256));
    BOOST_TEST(!signature_algorithm_from("md5"));
}

// How InvoiceBox treats a shop's answer (§5.3, architecture §7). These cases were the
// protocol library's judge_notification_reply tests; the simulator is the only side that judges.
BOOST_AUTO_TEST_CASE(shop_answers_are_judged_as_documented) {
    using Kind = AnswerVerdict::Kind;
    BOOST_TEST((classify_answer(answer(200, R"({"status":"success"})")).kind == Kind::success));
    BOOST_TEST((classify_answer(answer(500, R"({"status":"success"})")).kind == Kind::retry));
    BOOST_TEST((classify_answer(answer(200, "OK")).kind == Kind::retry));
    BOOST_TEST((classify_answer(answer(200, R"({"result":"ok"})")).kind == Kind::retry));
    BOOST_TEST((classify_answer(answer(200, R"({"status":"maybe"})")).kind == Kind::retry));
    // `code` is optional and defaults to out_of_service, the one code that is retried.
    BOOST_TEST((classify_answer(answer(200, R"({"status":"error"})")).kind == Kind::retry));
    BOOST_TEST(
        (classify_answer(answer(200, R"({"status":"error","code":"out_of_service"})")).kind ==
         Kind::retry));
    for (const char* code : {"order_not_found", "order_wrong_amount", "order_already_paid",
                             "shipping_unavailable", "signature_error", "teapot"}) {
        const auto v = classify_answer(
            answer(200, std::string(R"({"status":"error","code":")") + code + "\"}"));
        BOOST_TEST((v.kind == Kind::final_error), code);
        BOOST_TEST(v.reason == code);
    }
    DeliveryAnswer none;
    none.error = "timeout";
    BOOST_TEST((classify_answer(none).kind == Kind::retry));
}

BOOST_AUTO_TEST_CASE(php_numbered_keys_read_like_empty_brackets) {
    // http_build_query(['status' => ['created', 'completed']]) writes numbered keys (encoded).
    for (const char* query :
         {"status%5B0%5D=created&status%5B1%5D=completed", "status[0]=created&status[1]=completed",
          "status[]=created&status[]=completed"}) {
        const auto q = parse_list_query(query, order_filter_fields());
        BOOST_TEST_REQUIRE(q.has_value(), query);
        BOOST_TEST_REQUIRE(q->conditions.size() == 1u);
        BOOST_TEST((q->conditions[0].op == Condition::Op::in));
        BOOST_TEST((q->conditions[0].values == std::vector<std::string>{"created", "completed"}));
    }
    // PHP: a repeated index overwrites the earlier value.
    const auto q = parse_list_query("status[0]=created&status[0]=expired&status[1]=completed",
                                    order_filter_fields());
    BOOST_TEST_REQUIRE(q.has_value());
    BOOST_TEST((q->conditions[0].values == std::vector<std::string>{"expired", "completed"}));
    // Numbered keys still need a valid value of the field's kind, and operators stay checked.
    BOOST_TEST(!parse_list_query("amount[0]=abc", order_filter_fields()));
    BOOST_TEST(!parse_list_query("status[_x]=a", order_filter_fields()));
}

BOOST_AUTO_TEST_SUITE_END()
