// Scenario 4: bad input — forged, foreign, malformed and mismatched notifications get the
// documented InvoiceBox reply codes and post nothing; API failures (401, 422, 429, 5xx, dropped
// connections, timeouts) reach staff as a clear Russian message on the form, post nothing and
// never create an order twice; and no log line or response body ever holds the token or key.
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <set>

using namespace ibe2e;

namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
        s.replace(pos, from.size(), to);
    return s;
}

Reply deliver(World& w, const std::string& body, std::optional<std::string> signature) {
    pms::net::Headers h{{"Content-Type", "application/json"}};
    if (signature)
        h.push_back({"X-Signature", *signature});
    return w.http.request("POST", w.hook_url(), body, h, 15s);
}

void expect_code(const Reply& r, const std::string& code, const std::string& what) {
    BOOST_CHECK_MESSAGE(r.status == 200, what + ": expected HTTP 200, got " + r.describe());
    const bool ok = r.json.is_object() && r.json.as_object().contains("status") &&
                    r.json.at("status").as_string() == "error" && r.json.as_object().contains("code") &&
                    r.json.at("code").as_string() == code;
    BOOST_CHECK_MESSAGE(ok, what + ": expected {\"status\":\"error\",\"code\":\"" + code + "\"}, got " + r.describe());
}

void check_no_duplicate_orders(World& w, const std::string& ctx) {
    std::map<std::string, int> per_moid;
    for (const auto& o : w.sim_orders())
        ++per_moid[std::string(o.at("merchantOrderId").as_string())];
    for (const auto& [m, n] : per_moid)
        BOOST_CHECK_MESSAGE(n == 1, ctx + ": merchantOrderId " + m + " created " + std::to_string(n) + " times");
}

void check_no_secrets(World& w) {
    const std::string host = w.host_log(), sim = w.sim_log(), bodies = w.all_bodies();
    BOOST_CHECK_MESSAGE(!host.empty(), "the host log is empty: stderr was not captured");
    for (const std::string secret : {api_token, api_key, wrong_token, foreign_token, foreign_key}) {
        BOOST_CHECK_MESSAGE(host.find(secret) == std::string::npos, "the host log contains a secret: " + secret);
        BOOST_CHECK_MESSAGE(sim.find(secret) == std::string::npos, "the simulator log contains a secret: " + secret);
        BOOST_CHECK_MESSAGE(bodies.find(secret) == std::string::npos, "an HTTP response body contains a secret: " + secret);
    }
}

/// The text a staff member sees on the view (notices, field errors, statuses).
std::string orders_text(World& w) {
    std::string s;
    for (const auto& o : w.sim_orders())
        s += std::string(o.at("merchantOrderId").as_string()) + " " + json::serialize(o.at("amount")) + " " +
             std::string(o.at("status").as_string()) + "; ";
    return s;
}

std::string visible(const World::View& v) { return World::all_text(v.view) + "\n" + v.reply.body; }

bool has_cyrillic(const std::string& s) {
    for (std::size_t i = 0; i + 1 < s.size(); ++i)
        if ((static_cast<unsigned char>(s[i]) == 0xD0 || static_cast<unsigned char>(s[i]) == 0xD1) &&
            (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80)
            return true;
    return false;
}

} // namespace

BOOST_AUTO_TEST_SUITE(bad_input)

BOOST_AUTO_TEST_CASE(notifications) {
    World w;
    w.start_host();
    w.map_payment_kind();
    auto v = w.click();
    // A (never paid) and B (paid for real, to get a genuine signed body).
    auto a_view = w.create_link(v.session, "8000.00", false);
    BOOST_REQUIRE_EQUAL(a_view.reply.status, 200);
    auto b_view = w.create_link(v.session, "7000.00", false);
    BOOST_REQUIRE_EQUAL(b_view.reply.status, 200);
    auto orders = w.sim_orders();
    BOOST_REQUIRE_EQUAL(orders.size(), 2u);
    json::object a, b;
    for (auto& o : orders)
        (o.at("amount").to_number<double>() == 8000.0 ? a : b) = o;
    BOOST_REQUIRE(!a.empty() && !b.empty());
    const std::string a_id(a.at("id").as_string()), a_moid(a.at("merchantOrderId").as_string());
    const std::string b_id(b.at("id").as_string()), b_moid(b.at("merchantOrderId").as_string());
    w.sim_pay(b_id);
    BOOST_REQUIRE(World::wait_until([&] { return w.payments().size() == 1; }, 15s));
    std::string body;
    for (const auto& n : w.sim_notifications(b_id))
        if (n.at("orderStatus").as_string() == "completed")
            body = std::string(n.at("body").as_string());
    BOOST_REQUIRE(!body.empty());
    BOOST_TEST_MESSAGE("genuine notification body: " << body.substr(0, 400));
    const auto balance = w.balance_due();

    // Wrong signature (another key), and missing signature.
    expect_code(deliver(w, body, sign("not-the-key", body)), "signature_error", "wrong signature");
    expect_code(deliver(w, body, std::nullopt), "signature_error", "missing signature");
    expect_code(deliver(w, body, std::string("")), "signature_error", "empty signature");
    // The same body one byte changed, old signature: the signature is over the raw bytes.
    expect_code(deliver(w, body + " ", sign(api_key, body)), "signature_error", "body changed after signing");

    // Foreign merchantId, correctly signed with our key.
    const auto foreign = replace_all(body, merchant_id, foreign_merchant_id);
    BOOST_REQUIRE(foreign != body);
    expect_code(deliver(w, foreign, sign(api_key, foreign)), "order_not_found", "foreign merchantId");
    // …and signed with the foreign shop's key: not ours either.
    expect_code(deliver(w, foreign, sign(foreign_key, foreign)), "signature_error", "foreign shop's signature");

    // Malformed JSON: unsigned → signature_error; signed → an error the sender retries, never success.
    const std::string garbage = "{\"id\": \"broken";
    expect_code(deliver(w, garbage, sign("x", garbage)), "signature_error", "malformed JSON, bad signature");
    {
        auto r = deliver(w, garbage, sign(api_key, garbage));
        BOOST_CHECK_MESSAGE(r.status == 200 && r.json.is_object() && r.json.at("status").as_string() == "error",
                            "malformed JSON, signed: " + r.describe());
    }

    // Amount mismatch: B's paid body rewritten for A with another amount.
    {
        std::string mism = replace_all(replace_all(body, b_id, a_id), b_moid, a_moid);
        const auto pos = mism.find("\"amount\":");
        BOOST_REQUIRE(pos != std::string::npos);
        const auto end = mism.find_first_of(",}", pos);
        mism.replace(pos, end - pos, "\"amount\":1");
        expect_code(deliver(w, mism, sign(api_key, mism)), "order_wrong_amount", "amount mismatch");
        // Redelivery of the same mismatch: still refused.
        expect_code(deliver(w, mism, sign(api_key, mism)), "order_wrong_amount", "amount mismatch again");
    }

    // Unknown order.
    {
        std::string unknown = replace_all(replace_all(body, b_id, "0a0a0a0a-0b0b-4c0c-8d0d-0e0e0e0e0e0e"), b_moid,
                                          "zz-unknown-order-1");
        expect_code(deliver(w, unknown, sign(api_key, unknown)), "order_not_found", "unknown order");
    }

    // The monitoring probe from the simulator is answered success.
    auto probe = w.http.post(w.sim_url() + "/__sim/notifications/probe", json::object{});
    BOOST_CHECK_MESSAGE(probe.status == 200, probe.describe());
    BOOST_CHECK(World::wait_until(
        [&] {
            for (const auto& n : w.sim_notifications())
                if (n.contains("probe") && n.at("probe").as_bool() && n.at("outcome").as_string() == "delivered")
                    return true;
            return false;
        },
        5s));

    // Nothing posted by any of it.
    std::this_thread::sleep_for(500ms);
    BOOST_CHECK_EQUAL(w.payments().size(), 1u);
    BOOST_CHECK_EQUAL(w.balance_due(), balance);
    BOOST_CHECK_EQUAL(w.count_paid_notifications(), 1u);
    auto r = w.refresh(v.session);
    for (const auto& row : World::link_rows(r.view))
        if (row.at("key").as_string() == a_moid)
            BOOST_TEST_MESSAGE("A after the signed amount mismatch: " << World::status_of(row));

    // A is then really paid, with the right amount: the earlier mismatch must not swallow it.
    w.sim_pay(a_id);
    BOOST_CHECK_MESSAGE(World::wait_until([&] { return w.payments().size() == 2; }, 15s),
                        "the genuine payment of A (8 000,00 ₽) after an amount-mismatch notification was not posted; "
                        "sim answers: " + [&] {
                            std::string t;
                            for (const auto& n : w.sim_notifications(a_id))
                                if (n.contains("answer") && n.at("answer").is_object() && n.at("answer").as_object().contains("body"))
                                    t += std::string(n.at("answer").at("body").as_string()) + " ";
                            return t;
                        }());
    check_no_secrets(w);
}

BOOST_AUTO_TEST_CASE(api_errors_on_create) {
    World w;
    w.start_host();
    w.map_payment_kind();
    auto v = w.click();
    const auto balance = w.balance_due();
    std::size_t created = 0;    // links whose order surely exists (applied before the failure)
    std::size_t links_made = 0; // every submitted link: at most one order each
    auto submit = [&](const std::string& amount, const std::string& lifetime = "") {
        ++links_made;
        return w.create_link(v.session, amount, false, lifetime);
    };

    auto expect_form_error = [&](const World::View& r, const std::string& what, const std::string& needle) {
        BOOST_CHECK_MESSAGE(r.reply.status == 200, what + ": " + r.reply.describe());
        const auto text = visible(r);
        BOOST_CHECK_MESSAGE(text.find(needle) != std::string::npos && has_cyrillic(text),
                            what + ": expected a Russian message with «" + needle + "», got " + r.reply.body.substr(0, 2000));
        check_no_duplicate_orders(w, what);
        BOOST_CHECK_MESSAGE(w.sim_orders().size() <= links_made, what + ": the simulator has " +
                                                                     std::to_string(w.sim_orders().size()) +
                                                                     " orders for " + std::to_string(links_made) +
                                                                     " links: " + orders_text(w));
    };

    // 5xx on create, not applied: retried, then a clear message; nothing created.
    w.sim_faults(json::object{{"error", json::object{{"status", 503}, {"method", "POST"}, {"path", "/billing/api/order/order"}}}});
    expect_form_error(submit("1000.00"), "503", "InvoiceBox");
    w.sim_faults(json::object{{"error", json::object{{"status", 500}, {"method", "POST"}, {"path", "/billing/api/order/order"}}}});
    expect_form_error(submit("1000.00"), "500", "InvoiceBox");

    // 5xx AFTER the order was applied: unknown outcome → looked up, never created twice.
    w.sim_faults(json::object{{"error", json::object{{"status", 502}, {"after", true}, {"next", 1}, {"method", "POST"},
                                                     {"path", "/billing/api/order/order"}}}});
    {
        auto r = submit("1100.00");
        ++created;
        BOOST_CHECK_MESSAGE(r.reply.status == 200, "502 after apply: " + r.reply.describe());
        BOOST_TEST_MESSAGE("502 after apply: " << World::all_text(r.view).substr(0, 600));
        check_no_duplicate_orders(w, "502 after apply");
        BOOST_CHECK_MESSAGE(w.sim_orders().size() <= links_made && w.sim_orders().size() >= created,
                            "orders: " + orders_text(w));
    }
    // Dropped connection after the order was applied: the same.
    w.sim_faults(json::object{{"drop", json::object{{"after", true}, {"next", 1}, {"method", "POST"},
                                                    {"path", "/billing/api/order/order"}}}});
    {
        auto r = submit("1200.00");
        ++created;
        BOOST_CHECK_MESSAGE(r.reply.status == 200, "drop after apply: " + r.reply.describe());
        check_no_duplicate_orders(w, "drop after apply");
        BOOST_CHECK_MESSAGE(w.sim_orders().size() <= links_made && w.sim_orders().size() >= created,
                            "orders: " + orders_text(w));
    }
    w.sim_faults(json::object{});

    // 401: a wrong token saved in the settings.
    const std::string settings_url = w.api("/plugins/" + std::string(plugin_id) + "/settings");
    auto current = w.http.get(settings_url);
    BOOST_REQUIRE_EQUAL(current.status, 200);
    json::object values = current.json.at("values").as_object();
    values["api_token"] = wrong_token;
    auto saved = w.http.put(settings_url, json::object{{"values", values}});
    BOOST_REQUIRE_MESSAGE(saved.status == 200, "saving a wrong token: " + saved.describe());
    expect_form_error(submit("1000.00"), "401", "токен");
    auto check = w.http.post(settings_url + "/actions/check_connection", json::object{{"values", values}});
    BOOST_CHECK_MESSAGE(check.status == 200 && check.json.at("result").at("level").as_string() == "error" &&
                            has_cyrillic(std::string(check.json.at("result").at("message").as_string())),
                        "check_connection with a wrong token: " + check.describe());
    values["api_token"] = api_token;
    saved = w.http.put(settings_url, json::object{{"values", values}});
    BOOST_REQUIRE_MESSAGE(saved.status == 200, "saving the right token: " + saved.describe());

    // Timeout: the answer held longer than the plugin waits (20 s); the order was applied.
    w.sim_faults(json::object{{"latency", json::object{{"ms", 24000}, {"next", 1}, {"method", "POST"},
                                                       {"path", "/billing/api/order/order"}}}});
    {
        auto r = submit("1300.00");
        ++created;
        BOOST_CHECK_MESSAGE(r.reply.status == 200, "timeout: " + r.reply.describe());
        BOOST_TEST_MESSAGE("timeout: " << World::all_text(r.view).substr(0, 600));
        check_no_duplicate_orders(w, "timeout");
        BOOST_CHECK_MESSAGE(w.sim_orders().size() <= links_made && w.sim_orders().size() >= created,
                            "orders: " + orders_text(w));
    }
    w.sim_faults(json::object{});

    // 422: the simulator's clock 40 days ahead, so a 24-hour expiry is already in its past.
    w.sim_advance(40 * 86400);
    expect_form_error(submit("1000.00", "24h"), "422", "срок");

    // 429: the shop's window used up by other clients of the same token.
    w.sim_config(json::object{{"rateLimit", json::object{{"requests", 1}, {"windowSeconds", 600}}}});
    for (int i = 0; i < 2; ++i)
        w.http.request("GET", w.sim_url() + "/v3/security/api/auth/auth", {},
                       {{"Authorization", std::string("Bearer ") + api_token}});
    expect_form_error(submit("1000.00"), "429", "запрос");
    w.sim_config(json::object{{"rateLimit", json::object{{"requests", 100}, {"windowSeconds", 30}}}});

    // Every link the dialog shows that has an order is backed by exactly one simulator order.
    auto view = w.refresh(v.session);
    std::size_t with_order = 0;
    for (const auto& row : World::link_rows(view.view))
        if (row.at("cells").at("link").as_string() != "—")
            ++with_order;
    BOOST_CHECK_MESSAGE(with_order == w.sim_orders().size() && with_order >= created && with_order <= links_made,
                        "links with an order: " + std::to_string(with_order) + "; sim: " + orders_text(w));
    check_no_duplicate_orders(w, "end");
    BOOST_CHECK_EQUAL(w.payments().size(), 0u);
    BOOST_CHECK_EQUAL(w.balance_due(), balance);
    check_no_secrets(w);
}

BOOST_AUTO_TEST_SUITE_END()
