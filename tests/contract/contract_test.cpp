// Contract tests: golden bytes from the API reference (golden.hpp) against BOTH sides — the
// plugin's codec (invoicebox::protocol) and the simulator's own rules (invoicebox::sim), which
// share no InvoiceBox rule code (issue 11). Each case states what the reference says and checks
// that each side, on its own, agrees with it; several also feed one side's output to the other.
#include "golden.hpp"

#include "../invoicebox_sim/sim_test_util.hpp"

#include <invoicebox/protocol/api_error.hpp>
#include <invoicebox/protocol/basket.hpp>
#include <invoicebox/protocol/envelope.hpp>
#include <invoicebox/protocol/filter.hpp>
#include <invoicebox/protocol/json_reader.hpp>
#include <invoicebox/protocol/notification.hpp>
#include <invoicebox/protocol/order_codec.hpp>
#include <invoicebox/protocol/signature.hpp>

#include <invoicebox/sim/amount.hpp>
#include <invoicebox/sim/api_error.hpp>
#include <invoicebox/sim/basket_rules.hpp>
#include <invoicebox/sim/json.hpp>
#include <invoicebox/sim/list_query.hpp>
#include <invoicebox/sim/notifier.hpp>
#include <invoicebox/sim/signing.hpp>
#include <invoicebox/sim/validation.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>

namespace pr = invoicebox::protocol;
namespace sim = invoicebox::sim;
using namespace contract;
using namespace std::chrono_literals;

namespace {

// The §8.1 createdAt, so that the documented expirationDate is in the future.
sim::Instant created_81() {
    return *sim::parse_rfc3339("2024-11-05T10:01:12+00:00");
}

std::string replaced(std::string s, std::string_view from, std::string_view to) {
    const auto pos = s.find(from);
    BOOST_REQUIRE_MESSAGE(pos != std::string::npos, "not in the golden text: " << from);
    s.replace(pos, from.size(), to);
    return s;
}

// The plugin's verdict on a create body: "" when its reader and check_basket accept it, else the
// first basket rule's 422 code, or "refused" when the reader itself refuses the body.
std::string plugin_verdict(std::string_view body) {
    auto doc = pr::parse_json(body);
    if (!doc) {
        return "refused";
    }
    auto req = pr::read_create_order_request(*doc);
    if (!req) {
        return "refused";
    }
    const auto v = pr::check_basket(req->basket_items, req->amount, req->vat_amount);
    return v.empty() ? "" : std::string(v.front().code());
}

// The simulator's verdict on the same body: "" when accepted, else its 422 error.code.
std::string sim_verdict(std::string_view body) {
    auto doc = sim::parse_json(body);
    if (!doc) {
        return "refused";
    }
    auto in = sim::validate_create_order(*doc, created_81());
    return in ? "" : in.error().code;
}

pr::HttpResponse http(int status, std::string body) {
    return pr::HttpResponse{status, {}, std::move(body)};
}

} // namespace

BOOST_AUTO_TEST_SUITE(contract)

// ---- §8.2 notification and its signature ------------------------------------------------------

BOOST_AUTO_TEST_CASE(notification_82_bytes_and_signature) {
    BOOST_TEST(notification_82.size() == 1297u); // as the reference states
    // Plugin: signs and verifies the raw bytes; its codec writes the order back byte for byte.
    BOOST_TEST(pr::sign(notification_82_key, notification_82) == notification_82_signature);
    const pr::NotificationSettings settings{std::string(notification_82_key),
                                            pr::SignatureAlgorithm::hmac_sha1,
                                            pr::MerchantId("3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f"), nullptr};
    const auto verified = pr::verify_notification(
        settings, notification_82, std::optional<std::string_view>(notification_82_signature));
    BOOST_TEST_REQUIRE(verified.has_value());
    BOOST_TEST(verified->order.amount.minor == 249050);
    BOOST_TEST(pr::order_json(verified->order) == notification_82);

    // Simulator: the same signature with its own HMAC, and its JSON writer reproduces the bytes
    // (`\/`, raw Cyrillic, 2490.5) from its own reading of them.
    BOOST_TEST(sim::sign_body(notification_82_key, notification_82) == notification_82_signature);
    const auto doc = sim::parse_json(notification_82);
    BOOST_TEST_REQUIRE(doc.has_value());
    BOOST_TEST(sim::to_json(*doc) == notification_82);
    BOOST_TEST(*sim::read_amount(doc->find("amount")->if_number()->text) == 249050);

    // Both: re-encoding without `\/` changes the bytes and the signature (the reference's
    // warning), so neither side may sign or verify anything but the raw bytes.
    std::string unescaped(notification_82);
    for (auto p = unescaped.find("\\/"); p != std::string::npos; p = unescaped.find("\\/", p)) {
        unescaped.erase(p, 1);
    }
    BOOST_TEST(pr::sign(notification_82_key, unescaped) == notification_82_reencoded_signature);
    BOOST_TEST(sim::sign_body(notification_82_key, unescaped) ==
               notification_82_reencoded_signature);
    BOOST_TEST(!pr::verify_notification(settings, unescaped,
                                        std::optional<std::string_view>(notification_82_signature))
                    .has_value());
}

BOOST_AUTO_TEST_CASE(simulator_notification_passes_the_plugin_verifier) {
    // A notification the simulator sends (its bytes, its signature) is accepted by the plugin.
    sim::test::EngineFixture f;
    f.now = created_81();
    const auto order = f.create("C-82");
    const auto id = std::string(order.at("id").as_string());
    BOOST_TEST_REQUIRE(f.call("POST", "/__sim/orders/" + id + "/pay", "{}", "").status == 200);
    const auto d = f.engine->take_deliveries();
    BOOST_TEST_REQUIRE(!d.empty());
    const pr::NotificationSettings settings{std::string(sim::test::api_key),
                                            pr::SignatureAlgorithm::hmac_sha1,
                                            pr::MerchantId(std::string(sim::test::merchant_id)), nullptr};
    const auto v = pr::verify_notification(settings, d.front().body,
                                           std::optional<std::string_view>(d.front().signature));
    BOOST_TEST_REQUIRE(v.has_value(), d.front().body);
    BOOST_TEST(v->order.amount.minor == 155000);
    BOOST_TEST(v->order.status.wire() == "completed");
    BOOST_TEST(d.front().body.find(R"("paymentUrl":"http:\/\/sim.test\/order\/)") !=
               std::string::npos);
}

// ---- §8.1 create request and the five basket rules -------------------------------------------

BOOST_AUTO_TEST_CASE(create_request_81_is_accepted_by_both) {
    BOOST_TEST(plugin_verdict(create_request_81) == "");
    BOOST_TEST(sim_verdict(create_request_81) == "");
    const auto in = sim::validate_create_order(*sim::parse_json(create_request_81), created_81());
    BOOST_TEST_REQUIRE(in.has_value());
    BOOST_TEST(in->amount_minor == 155000);
    BOOST_TEST(in->vat_minor == 22500);
    BOOST_TEST(in->items.size() == 2u);
    // What the plugin writes for the same request is accepted by the simulator.
    const auto req = pr::read_create_order_request(*pr::parse_json(create_request_81));
    BOOST_TEST_REQUIRE(req.has_value());
    BOOST_TEST(sim_verdict(pr::create_order_body(*req)) == "");
}

BOOST_AUTO_TEST_CASE(each_basket_rule_gives_the_same_code_on_both_sides) {
    struct Case {
        std::string_view from, to, code;
    };
    // One mutation per rule of §4.3, each breaking exactly that rule.
    const Case cases[] = {
        {R"("totalAmount": 1350, "totalVatAmount": 225)",
         R"("totalAmount": 1351, "totalVatAmount": 225)", "wrong_basket_item_total_amount"},
        {R"("totalAmount": 1350, "totalVatAmount": 225)",
         R"("totalAmount": 1350, "totalVatAmount": 224)", "wrong_basket_item_total_vat_amount"},
        {R"("amountWoVat": 375,)", R"("amountWoVat": 370,)", "wrong_basket_item_amount_wo_vat"},
        {R"("amount": 1550,)", R"("amount": 1550.01,)", "wrong_total_amount"},
        {R"("vatAmount": 225,)", R"("vatAmount": 225.01,)", "wrong_total_vat_amount"},
        // 99.99 x 3 at 20 %: the documented one-kopeck case passes on both sides.
        {R"("quantity": 3, "amount": 450, "amountWoVat": 375,
      "totalAmount": 1350, "totalVatAmount": 225,)",
         R"("quantity": 3, "amount": 99.99, "amountWoVat": 83.32,
      "totalAmount": 299.97, "totalVatAmount": 50,)",
         "wrong_total_amount"}, // the order total still says 1550
    };
    for (const auto& c : cases) {
        auto body = replaced(std::string(create_request_81), c.from, c.to);
        BOOST_TEST(plugin_verdict(body) == c.code, "plugin: " << c.to);
        BOOST_TEST(sim_verdict(body) == c.code, "sim: " << c.to);
    }
    // 374.99 × 3 + 225 = 1349.97: three kopecks off, so rule 3 after all on both sides.
    BOOST_TEST(plugin_verdict(replaced(std::string(create_request_81), R"("amountWoVat": 375,)",
                                       R"("amountWoVat": 374.99,)")) ==
               sim_verdict(replaced(std::string(create_request_81), R"("amountWoVat": 375,)",
                                    R"("amountWoVat": 374.99,)")));
}

BOOST_AUTO_TEST_CASE(float_noise_amounts_are_refused_by_both) {
    // The strict choice (invoicebox_sim/README.md, [inferred]): more than two decimals of value
    // are never rounded away, on either side.
    for (const auto& [from, to] :
         {std::pair{R"("amount": 1550,)", R"("amount": 1550.0000000000002,)"},
          std::pair{R"("totalAmount": 200,)", R"("totalAmount": 200.00000000000003,)"},
          std::pair{R"("vatAmount": 225,)", R"("vatAmount": 225.001,)"}}) {
        const auto body = replaced(std::string(create_request_81), from, to);
        BOOST_TEST(plugin_verdict(body) == "refused", to);
        BOOST_TEST(sim_verdict(body) == "validation_error", to);
    }
    // Both read the same value from other spellings of it.
    for (const char* text : {"1550", "1550.0", "1550.00", "1.55E3", "155000e-2"}) {
        BOOST_TEST(*pr::parse_amount_minor(text) == 155000, text);
        BOOST_TEST(*sim::read_amount(text) == 155000, text);
    }
    for (const char* text : {"1200.3000000000002", "0.30000000000000004", "0.001", "1e-3"}) {
        BOOST_TEST(!pr::parse_amount_minor(text), text);
        BOOST_TEST(!sim::read_amount(text), text);
    }
    BOOST_TEST(pr::format_amount(249050) == sim::write_amount(249050));
    // Edge spellings: both sides accept or refuse each alike, and agree on the value.
    for (const char* text : {"-0",
                             "0.10",
                             "1E2",
                             "1e+2",
                             "-1.5",
                             "00",
                             "1.2.3",
                             "",
                             " 1",
                             "1.",
                             ".1",
                             "+1",
                             "9999999999999.99",
                             "10000000000000",
                             "10000000000000.01",
                             "1e13",
                             "1e14",
                             "0e999",
                             "12.340000",
                             "12.3400001",
                             "5E-1",
                             "5E-3"}) {
        const auto a = pr::parse_amount_minor(text);
        const auto b = sim::read_amount(text);
        BOOST_TEST(a.has_value() == b.has_value(), '"' << text << '"');
        if (a && b) {
            BOOST_TEST(*a == *b, '"' << text << '"');
        }
    }
    for (std::int64_t minor : {0LL, 1LL, 10LL, 100LL, 101LL, 99999LL, -5LL, 123456789012LL}) {
        BOOST_TEST(pr::format_amount(minor) == sim::write_amount(minor));
    }
}

// Differential: random baskets, some reconciling and some off by a little, judged by both sides
// independently. Any disagreement is a misreading of §4.3 on one side. The seed is printed so a
// failure can be replayed. Amounts stay non-negative: a negative amount is where the two
// deliberately differ (the simulator refuses it up front with `validation_error`, the plugin's
// reader lets check_basket name the rule; the plugin never builds one).
BOOST_AUTO_TEST_CASE(random_baskets_get_the_same_verdict_on_both_sides) {
    const unsigned seed = 20261205;
    BOOST_TEST_MESSAGE("basket differential seed " << seed);
    std::uint64_t state = seed;
    auto next = [&](std::uint64_t n) { // splitmix64, deterministic across platforms
        state += 0x9e3779b97f4a7c15ULL;
        std::uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return (z ^ (z >> 31)) % n;
    };
    const char* codes[] = {"VATNONE",   "RUS_VAT0", "RUS_VAT10", "RUS_VAT20",
                           "RUS_VAT22", "RUS_VAT5", "RUS_VAT7",  "RUS_VAT20_ADDED"};
    const int rates[] = {0, 0, 10, 20, 22, 5, 7, 20};
    int agreed = 0, accepted = 0;
    for (int iter = 0; iter < 400; ++iter) {
        const auto n_items = 1 + next(3);
        std::string items;
        std::int64_t sum = 0, sum_vat = 0;
        for (std::uint64_t i = 0; i < n_items; ++i) {
            const auto c = next(8);
            // quantity: whole, or with up to three decimals
            const std::int64_t qty = next(2) ? (1 + next(5)) * 1000 : 1 + next(5000);
            const std::int64_t unit = 1 + next(500000);
            std::int64_t total = sim::mul_div_round(unit, qty, 1000);
            std::int64_t vat = sim::mul_div_round(total, rates[c], 100 + rates[c]);
            std::int64_t wo_vat = sim::mul_div_round(total - vat, 1000, qty);
            // Now and then break one figure by a kopeck or two.
            switch (next(10)) {
            case 0:
                total += 1;
                break;
            case 1:
                vat += vat > 0 ? -1 : 1;
                break;
            case 2:
                wo_vat += 2;
                break;
            default:
                break;
            }
            sum += total;
            sum_vat += vat;
            items += std::string(i ? "," : "") + R"({"sku":"S)" + std::to_string(i) +
                     R"(","name":"n","measure":"шт.","measureCode":"796","quantity":)" +
                     sim::write_scaled(qty, 3) + R"(,"amount":)" + sim::write_amount(unit) +
                     R"(,"amountWoVat":)" + sim::write_amount(wo_vat) + R"(,"totalAmount":)" +
                     sim::write_amount(total) + R"(,"totalVatAmount":)" + sim::write_amount(vat) +
                     R"(,"vatCode":")" + codes[c] +
                     R"(","type":"service","paymentType":"full_prepayment"})";
        }
        switch (next(12)) {
        case 0:
            sum += 1;
            break;
        case 1:
            sum_vat += 1;
            break;
        default:
            break;
        }
        const std::string body =
            R"({"merchantId":"3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f","merchantOrderId":"R)" +
            std::to_string(iter) + R"(","description":"d","amount":)" + sim::write_amount(sum) +
            R"(,"vatAmount":)" + sim::write_amount(sum_vat) +
            R"(,"currencyId":"RUB","expirationDate":"2024-11-08T21:00:00+00:00","basketItems":[)" +
            items + R"(],"customer":{"type":"private"}})";
        const auto p = plugin_verdict(body);
        const auto q = sim_verdict(body);
        BOOST_TEST(p == q,
                   "iteration " << iter << " plugin '" << p << "' sim '" << q << "': " << body);
        agreed += p == q;
        accepted += q.empty();
    }
    BOOST_TEST_MESSAGE("agreed " << agreed << "/400, accepted " << accepted);
    BOOST_TEST(accepted > 50); // the generator must produce passing baskets too
    BOOST_TEST(accepted < 350);
}

// ---- §8.1 response -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(create_response_81_read_by_the_plugin_and_matched_by_the_simulator) {
    // Plugin: the documented response reads as the documented order.
    const auto env = pr::read_envelope(pr::HttpOutcome(http(200, std::string(create_response_81))));
    BOOST_TEST_REQUIRE(env.has_value());
    const auto doc_order = pr::read_order(env->data);
    BOOST_TEST_REQUIRE(doc_order.has_value());
    BOOST_TEST(doc_order->amount.minor == 155000);
    BOOST_TEST(*doc_order->payment_url ==
               "https://pay.invoicebox.ru/order/0192f3a4-5b2a-7c11-8e22-33445566aabb");

    // Simulator: answers the documented request with an envelope holding every member of the
    // documented response, and the plugin reads that answer to the same values.
    sim::test::EngineFixture f;
    f.now = created_81();
    const auto r = f.call("POST", "/v3/billing/api/order/order", std::string(create_request_81));
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    const auto golden = boost::json::parse(create_response_81).as_object();
    const auto mine = boost::json::parse(r.body).as_object();
    BOOST_TEST(mine.contains("extendedData"));
    BOOST_TEST(mine.at("extendedData").as_array().empty());
    for (const auto& m : golden.at("data").as_object()) {
        BOOST_TEST(mine.at("data").as_object().contains(m.key()), m.key());
    }
    // `/` is written `\/` in the simulator's answer, as in the documented one.
    BOOST_TEST(r.body.find(R"("successUrl":"https:\/\/example.ru\/checkout\/10026\/success")") !=
               std::string::npos);
    const auto sim_env = pr::read_envelope(pr::HttpOutcome(http(200, r.body)));
    BOOST_TEST_REQUIRE(sim_env.has_value());
    const auto sim_order = pr::read_order(sim_env->data);
    BOOST_TEST_REQUIRE(sim_order.has_value());
    BOOST_TEST((sim_order->amount == doc_order->amount));
    BOOST_TEST((sim_order->vat_amount == doc_order->vat_amount));
    BOOST_TEST((sim_order->status == doc_order->status));
    BOOST_TEST(sim_order->merchant_order_id.str() == doc_order->merchant_order_id.str());
    BOOST_TEST((sim_order->created_at == doc_order->created_at));
    BOOST_TEST((sim_order->expiration_date == doc_order->expiration_date));
    BOOST_TEST((sim_order->basket_items == doc_order->basket_items));
}

// ---- error envelopes (§1.5, §2.1, §8.1) -------------------------------------------------------

BOOST_AUTO_TEST_CASE(error_envelopes) {
    // Plugin reads the documented 422 and 401.
    const auto e422 = pr::error_from_response(http(422, std::string(error_422_81)));
    BOOST_TEST(e422.code == "wrong_total_amount");
    BOOST_TEST(e422.message == "Order total does not match basket");
    BOOST_TEST_REQUIRE(e422.fields.size() == 1u);
    BOOST_TEST(e422.fields[0].name == "amount");
    BOOST_TEST(e422.fields[0].code == "wrong_value");
    const auto e401 = pr::error_from_response(http(401, std::string(error_401_21)));
    BOOST_TEST((e401.kind == pr::ErrorKind::unauthorized));

    // The simulator writes the same shapes: 401 byte for byte, 422 member for member.
    BOOST_TEST(sim::ApiError::unauthorized().body() == error_401_21);
    const auto mine =
        boost::json::parse(sim::ApiError::business("wrong_total_amount", "x", "amount").body());
    const auto golden = boost::json::parse(error_422_81);
    BOOST_TEST(mine.at("error").at("code") == golden.at("error").at("code"));
    BOOST_TEST(mine.at("error").at("fields").at(0).at("name") ==
               golden.at("error").at("fields").at(0).at("name"));
    BOOST_TEST(mine.at("error").at("fields").at(0).at("code") ==
               golden.at("error").at("fields").at(0).at("code"));

    // And a real refusal from the simulator is read by the plugin with its code and field.
    sim::test::EngineFixture f;
    f.now = created_81();
    const auto r = f.call(
        "POST", "/v3/billing/api/order/order",
        replaced(std::string(create_request_81), R"("amount": 1550,)", R"("amount": 1551,)"));
    const auto read = pr::error_from_response(http(r.status, r.body));
    BOOST_TEST(r.status == 422);
    BOOST_TEST(read.code == "wrong_total_amount");
    BOOST_TEST_REQUIRE(read.fields.size() == 1u);
    BOOST_TEST(read.fields[0].name == "amount");
    const auto unauth = f.call("GET", "/v3/filter/api/order/order", {}, "not-a-token");
    BOOST_TEST(unauth.status == 401);
    BOOST_TEST(unauth.body == error_401_21);
}

// ---- §5.3 the shop's replies -----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(plugin_replies_are_judged_by_the_simulator_as_documented) {
    using Kind = sim::AnswerVerdict::Kind;
    auto judge = [](const pr::NotificationReply& reply) {
        sim::DeliveryAnswer a;
        a.responded = true;
        a.http_status = reply.status;
        a.body = reply.body;
        return sim::classify_answer(a);
    };
    BOOST_TEST(pr::make_notification_reply(pr::NotificationReplyCode::success).body ==
               reply_success);
    for (auto code :
         {pr::NotificationReplyCode::success, pr::NotificationReplyCode::out_of_service,
          pr::NotificationReplyCode::order_wrong_amount,
          pr::NotificationReplyCode::order_already_paid, pr::NotificationReplyCode::order_not_found,
          pr::NotificationReplyCode::shipping_unavailable,
          pr::NotificationReplyCode::signature_error, pr::NotificationReplyCode::order_wrong_status,
          pr::NotificationReplyCode::order_wrong_currency}) {
        const auto v = judge(pr::make_notification_reply(code));
        const auto wire = std::string(pr::wire_name(code));
        if (code == pr::NotificationReplyCode::success) {
            BOOST_TEST((v.kind == Kind::success));
        } else if (code == pr::NotificationReplyCode::out_of_service) {
            BOOST_TEST((v.kind == Kind::retry)); // the only code InvoiceBox repeats
        } else {
            BOOST_TEST((v.kind == Kind::final_error), wire);
            BOOST_TEST(v.reason == wire);
        }
    }
}

// ---- §1.6 filters as PHP writes them and as the plugin writes them ----------------------------

BOOST_AUTO_TEST_CASE(php_http_build_query_filters) {
    const auto php = sim::parse_list_query(php_status_in, sim::order_filter_fields());
    const auto doc = sim::parse_list_query(doc_status_in, sim::order_filter_fields());
    BOOST_TEST_REQUIRE(php.has_value());
    BOOST_TEST_REQUIRE(doc.has_value());
    BOOST_TEST((php->conditions.at(0).values == doc->conditions.at(0).values));
    BOOST_TEST((php->conditions.at(0).op == sim::Condition::Op::in));

    // The plugin writes the same set its own way; the simulator reads it to the same condition.
    pr::OrderFilter f;
    f.statuses = {"created", "completed"};
    const auto plugin = pr::to_query(f, pr::PagingStyle::underscore);
    const auto mine =
        sim::parse_list_query(std::string_view(plugin).substr(1), sim::order_filter_fields());
    BOOST_TEST_REQUIRE(mine.has_value(), plugin);
    BOOST_TEST((mine->conditions.at(0).values == doc->conditions.at(0).values));

    for (auto q : {php_created_ge, php_amount_ge, php_order_desc, php_offset_date}) {
        BOOST_TEST(sim::parse_list_query(q, sim::order_filter_fields()).has_value(), q);
    }
    const auto order = sim::parse_list_query(php_order_desc, sim::order_filter_fields());
    BOOST_TEST(order->order.at(0).first == "createdAt");
    BOOST_TEST(order->order.at(0).second);
    BOOST_TEST(order->page_size == 1u);
    const auto date = sim::parse_list_query(php_offset_date, sim::order_filter_fields());
    BOOST_TEST(date->conditions.at(0).values.at(0) == "2024-11-05T00:00:00+03:00");
}

// Moved from the protocol tests with parse_order_filter (issue 11): what the plugin's to_query
// writes, the simulator reads to the conditions the filter meant.
BOOST_AUTO_TEST_CASE(filters_written_by_the_plugin_read_by_the_simulator) {
    pr::OrderFilter f;
    f.ids = {pr::OrderId("a"), pr::OrderId("b")};
    f.merchant_order_id = pr::MerchantOrderId("ibx:F 1/2+3");
    f.statuses = {"completed"};
    f.paid_from = *pr::parse_timestamp("2024-11-05T00:00:00+03:00");
    f.expires_before = *pr::parse_timestamp("2024-12-01T00:00:00Z");
    f.sort = {{"paidAt", true}};
    f.paging = pr::Paging{2, 50};
    for (auto style :
         {pr::PagingStyle::underscore, pr::PagingStyle::plain, pr::PagingStyle::both}) {
        const auto q = pr::to_query(f, style);
        const auto read =
            sim::parse_list_query(std::string_view(q).substr(1), sim::order_filter_fields());
        BOOST_TEST_REQUIRE(read.has_value(), q);
        BOOST_TEST(read->page == 2u);
        BOOST_TEST(read->page_size == 50u);
        BOOST_TEST_REQUIRE(read->order.size() == 1u);
        BOOST_TEST(read->order[0].first == "paidAt");
        BOOST_TEST(read->order[0].second);
        auto find = [&](std::string_view field) -> const sim::Condition* {
            for (const auto& c : read->conditions) {
                if (c.field == field) {
                    return &c;
                }
            }
            return nullptr;
        };
        BOOST_TEST_REQUIRE(find("id"));
        BOOST_TEST((find("id")->values == std::vector<std::string>{"a", "b"}));
        BOOST_TEST_REQUIRE(find("merchantOrderId"));
        BOOST_TEST(find("merchantOrderId")->values.at(0) == "ibx:F 1/2+3"); // `+` survived
        BOOST_TEST_REQUIRE(find("status"));
        BOOST_TEST(find("status")->values.at(0) == "completed");
        BOOST_TEST_REQUIRE(find("paidAt"));
        BOOST_TEST((find("paidAt")->op == sim::Condition::Op::ge));
        BOOST_TEST((*sim::parse_rfc3339(find("paidAt")->values.at(0), true) ==
                    *sim::parse_rfc3339("2024-11-04T21:00:00+00:00")));
        BOOST_TEST_REQUIRE(find("expirationDate"));
        BOOST_TEST((find("expirationDate")->op == sim::Condition::Op::lt));
    }
    pr::RefundFilter rf;
    rf.parent_id = pr::OrderId("p1");
    rf.ids = {"r1"};
    rf.merchant_order_id = pr::MerchantOrderId("m-R1");
    rf.paging = pr::Paging{};
    const auto rq = pr::to_query(rf, pr::PagingStyle::underscore);
    const auto rread =
        sim::parse_list_query(std::string_view(rq).substr(1), sim::refund_filter_fields());
    BOOST_TEST_REQUIRE(rread.has_value(), rq);
    BOOST_TEST(rread->conditions.size() == 3u);
}

// End to end on the simulator, with the PHP SDK's spelling (the two deviations of issue 11).
BOOST_AUTO_TEST_CASE(php_sdk_queries_against_the_simulator) {
    sim::test::EngineFixture f;
    f.now = created_81();
    f.create("P-1");
    f.advance(250ms); // same second
    f.create("P-2");
    auto r = f.call("GET", "/v3/filter/api/order/order?" + std::string(php_status_in));
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(boost::json::parse(r.body).at("metaData").at("totalCount").as_int64() == 2);
    r = f.call("GET", "/v3/filter/api/order/order?" + std::string(php_order_desc));
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    // The plugin reads the page, and the newest is first.
    const auto env = pr::read_envelope(pr::HttpOutcome(http(200, r.body)));
    BOOST_TEST_REQUIRE(env.has_value());
    const auto* rows = env->data.if_array();
    BOOST_TEST_REQUIRE(rows);
    BOOST_TEST_REQUIRE(rows->size() == 1u);
    BOOST_TEST(pr::read_order((*rows)[0])->merchant_order_id.str() == "P-2");
}

BOOST_AUTO_TEST_SUITE_END()
