// The simulator on loopback: real HTTP(S) requests, chunked bodies, dropped connections,
// latency, and notifications delivered to a real receiver (signature over the bytes sent,
// retry schedule, business codes, duplicates, reordering).
#include "net_test_util.hpp"

#include <invoicebox/sim/signing.hpp>
#include <pms/test_support/temp_dir.hpp>
#include <pms/test_support/test_certificates.hpp>

#include <boost/test/unit_test.hpp>

using namespace invoicebox::sim;
using namespace invoicebox::sim::test;
using namespace std::chrono_literals;

namespace {

const std::string create_path = "/v3/billing/api/order/order";

std::string create_id(BlockingClient& c, NetSim& sim, const std::string& merchant_order_id) {
    const auto r =
        c.send("POST", sim.base + create_path, create_body(merchant_order_id, future_date()));
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    return str(parse(r.body).at("data").at("id"));
}

void pay(BlockingClient& c, NetSim& sim, const std::string& id, bool late = false) {
    const auto r = c.send("POST", sim.base + "/__sim/orders/" + id + "/pay",
                          late ? R"({"late":true})" : "{}", "");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
}

boost::json::array notifications(BlockingClient& c, NetSim& sim) {
    return parse(c.send("GET", sim.base + "/__sim/notifications", {}, "").body)
        .at("data")
        .as_array();
}

// Polls GET /__sim/notifications until `pred` holds (bounded).
template <class Pred>
boost::json::array wait_log(BlockingClient& c, NetSim& sim, Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + wait_limit;
    auto log = notifications(c, sim);
    while (!pred(log) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
        log = notifications(c, sim);
    }
    return log;
}

} // namespace

BOOST_AUTO_TEST_SUITE(network)

BOOST_AUTO_TEST_CASE(create_find_pay_on_page_and_notify) {
    Receiver rx;
    NetSim sim(NetSim::config(rx.url()));
    BlockingClient c;
    auto r = c.send("GET", sim.base + "/v3/security/api/auth/auth");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.header("X-Request-Id").has_value());
    BOOST_TEST(!parse(r.body).at("data").at("userId").is_null());

    r = c.send("POST", sim.base + create_path, create_body("NET-1", future_date()));
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    const auto data = parse(r.body).at("data");
    const auto id = str(data.at("id"));
    const auto payment_url = str(data.at("paymentUrl"));
    BOOST_TEST(payment_url == sim.base + "/order/" + str(data.at("orderContainerId")));

    r = c.send("GET", sim.base + "/v3/filter/api/order/order?merchantOrderId=NET-1");
    BOOST_TEST(str(parse(r.body).at("data").at(0).at("id")) == id);

    // The payer opens the link and presses «Оплатить счёт» (a form POST).
    r = c.send("GET", payment_url, {}, "");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(std::string(r.header("Content-Type").value_or("")).starts_with("text/html"));
    BOOST_TEST(r.body.find("Оплатить счёт") != std::string::npos);
    BOOST_TEST(r.body.find("1 550,00 ₽") != std::string::npos);
    r = c.send("POST", payment_url + "/pay", {}, "");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body.find("Оплата прошла успешно") != std::string::npos);

    const auto hits = rx.wait_for(1);
    BOOST_TEST_REQUIRE(hits.size() == 1u);
    BOOST_TEST(hits[0].content_type == "application/json");
    BOOST_TEST((invoicebox::sim::sign_body(api_key, hits[0].body) == hits[0].signature));
    BOOST_TEST(hits[0].body.find(R"(:\/\/)") != std::string::npos);      // `\/` as signed
    BOOST_TEST(hits[0].body.find("Анна Смирнова") != std::string::npos); // Cyrillic raw
    BOOST_TEST(str(parse(hits[0].body).at("status")) == "completed");

    const auto log = wait_log(
        c, sim, [](const auto& l) { return !l.empty() && str(l[0].at("outcome")) != "pending"; });
    BOOST_TEST(str(log.at(0).at("outcome")) == "delivered");
    BOOST_TEST(str(log.at(0).at("body")) == hits[0].body);
}

BOOST_AUTO_TEST_CASE(chunked_request_body_without_content_length) {
    NetSim sim(NetSim::config(""));
    const std::string body = create_body("CHUNK-1", future_date());
    // Split in three chunks, the first boundary inside a Cyrillic letter.
    const auto cut1 = body.find("Кружка") + 1;
    const auto cut2 = body.size() / 2 + 7;
    auto chunk = [](std::string_view s) {
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", s.size());
        return std::string(size) + std::string(s) + "\r\n";
    };
    std::string raw =
        "POST " + create_path +
        " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Authorization: Bearer " +
        std::string(token) +
        "\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    raw += chunk(std::string_view(body).substr(0, cut1));
    raw += chunk(std::string_view(body).substr(cut1, cut2 - cut1));
    raw += chunk(std::string_view(body).substr(cut2));
    raw += "0\r\n\r\n";
    const auto answer = raw_exchange(sim.server->port(), raw);
    BOOST_TEST_REQUIRE(answer.starts_with("HTTP/1.1 200"), answer);
    BOOST_TEST(answer.find("Кружка керамическая 350 мл") != std::string::npos);
    BlockingClient c;
    const auto r = c.send("GET", sim.base + "/v3/filter/api/order/order?merchantOrderId=CHUNK-1");
    BOOST_TEST(parse(r.body).at("metaData").at("totalCount").as_int64() == 1);
}

BOOST_AUTO_TEST_CASE(receiver_failing_n_times_gets_n_plus_one_attempts) {
    Receiver rx;
    rx.script({{500, "oops"},
               {200, R"({"status":"error","code":"out_of_service"})"},
               {200, "<html>"},
               {503, R"({"status":"success"})"}});
    NetSim sim(NetSim::config(rx.url()));
    BlockingClient c;
    const auto start = std::chrono::steady_clock::now();
    pay(c, sim, create_id(c, sim, "RETRY-1"));
    const auto hits = rx.wait_for(5);
    BOOST_TEST_REQUIRE(hits.size() == 5u);
    for (const auto& h : hits) {
        BOOST_TEST(h.body == hits[0].body);
        BOOST_TEST((invoicebox::sim::sign_body(api_key, h.body) == h.signature));
    }
    // Scaled fast schedule (x0.01): 10, 20, 30, 40 ms between attempts.
    BOOST_TEST((hits[1].at - hits[0].at) >= 9ms);
    BOOST_TEST((hits[4].at - hits[3].at) >= 39ms);
    BOOST_TEST((hits[4].at - start) < 10s);
    const auto log = wait_log(c, sim, [](const auto& l) {
        return l.size() == 5 && str(l[4].at("outcome")) != "pending";
    });
    BOOST_TEST_REQUIRE(log.size() == 5u);
    BOOST_TEST(str(log[2].at("reason")) == "invalid_json");
    BOOST_TEST(str(log[3].at("reason")) == "http_503");
    BOOST_TEST(str(log[4].at("outcome")) == "delivered");
    BOOST_TEST(log[4].at("attempt").as_int64() == 5);
    std::this_thread::sleep_for(300ms); // longer than the next retry would take
    BOOST_TEST(rx.hits().size() == 5u);
}

BOOST_AUTO_TEST_CASE(business_code_is_not_retried) {
    Receiver rx;
    rx.script({{200, R"({"status":"error","code":"order_wrong_amount","message":"сумма"})"}});
    NetSim sim(NetSim::config(rx.url()));
    BlockingClient c;
    pay(c, sim, create_id(c, sim, "BIZ-1"));
    BOOST_TEST(rx.wait_for(1).size() == 1u);
    std::this_thread::sleep_for(500ms); // ten scaled retries would all have happened by now
    BOOST_TEST(rx.hits().size() == 1u);
    const auto log = notifications(c, sim);
    BOOST_TEST(str(log.at(0).at("outcome")) == "rejected");
}

BOOST_AUTO_TEST_CASE(slow_receiver_times_out_and_is_retried) {
    Receiver rx;
    rx.script({{200, R"({"status":"success"})", 1500ms}}); // 20 s x 0.01 = 200 ms timeout
    NetSim sim(NetSim::config(rx.url()));
    BlockingClient c;
    pay(c, sim, create_id(c, sim, "SLOW-1"));
    const auto hits = rx.wait_for(2);
    BOOST_TEST(hits.size() == 2u);
    const auto log = wait_log(c, sim, [](const auto& l) {
        return l.size() == 2 && str(l[1].at("outcome")) == "delivered";
    });
    BOOST_TEST(str(log.at(0).at("reason")) == "timeout");
    BOOST_TEST(str(log.at(1).at("outcome")) == "delivered");
}

BOOST_AUTO_TEST_CASE(drop_before_and_after_applying) {
    NetSim sim(NetSim::config(""));
    BlockingClient c;
    auto r = c.send("POST", sim.base + "/__sim/faults", R"({"drop":{"next":1}})", "");
    BOOST_TEST(r.status == 200);
    r = c.send("POST", sim.base + create_path, create_body("DROP-1", future_date()));
    BOOST_TEST(static_cast<bool>(r.ec));
    BOOST_TEST(r.status == 0);
    BOOST_TEST(
        parse(c.send("GET", sim.base + "/v3/filter/api/order/order?merchantOrderId=DROP-1").body)
            .at("metaData")
            .at("totalCount")
            .as_int64() == 0);

    c.send("POST", sim.base + "/__sim/faults",
           R"({"drop":{"next":1,"after":true,"method":"POST","path":"/billing/api/order/order"}})",
           "");
    r = c.send("POST", sim.base + create_path, create_body("DROP-2", future_date()));
    BOOST_TEST(static_cast<bool>(r.ec));
    BOOST_TEST(r.outcome_unknown); // the request was written; the answer never came
    // The create did happen: the client resolves it by merchantOrderId, and a retry is a duplicate.
    BOOST_TEST(
        parse(c.send("GET", sim.base + "/v3/filter/api/order/order?merchantOrderId=DROP-2").body)
            .at("metaData")
            .at("totalCount")
            .as_int64() == 1);
    r = c.send("POST", sim.base + create_path, create_body("DROP-2", future_date()));
    BOOST_TEST(str(parse(r.body).at("error").at("code")) == "merchant_order_id_duplicate");

    // The raw view: the connection closes without a byte of answer.
    c.send("POST", sim.base + "/__sim/faults", R"({"drop":{"next":1}})", "");
    const auto answer = raw_exchange(
        sim.server->port(),
        "GET /v3/filter/api/order/order HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
            std::string(token) + "\r\n\r\n");
    BOOST_TEST(answer.empty());
}

BOOST_AUTO_TEST_CASE(latency_and_5xx) {
    NetSim sim(NetSim::config(""));
    BlockingClient c;
    c.send("POST", sim.base + "/__sim/faults", R"({"latency":{"ms":400}})", "");
    auto r = c.send("GET", sim.base + "/v3/filter/api/order/order");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.elapsed >= 390ms);
    // A client that gives up first: the create still happened (the answer was slow, not the work).
    r = c.send("POST", sim.base + create_path, create_body("LAT-1", future_date()), token, 100ms);
    BOOST_TEST(static_cast<bool>(r.ec));
    c.send("DELETE", sim.base + "/__sim/faults", {}, "");
    BOOST_TEST(
        parse(c.send("GET", sim.base + "/v3/filter/api/order/order?merchantOrderId=LAT-1").body)
            .at("metaData")
            .at("totalCount")
            .as_int64() == 1);

    c.send("POST", sim.base + "/__sim/faults", R"({"error":{"rate":0.5,"seed":11,"status":502}})",
           "");
    int errors = 0;
    for (int i = 0; i < 20; ++i) {
        r = c.send("GET", sim.base + "/v3/filter/api/order/order");
        if (r.status == 502) {
            ++errors;
            BOOST_TEST(r.body.find("502 Bad Gateway") != std::string::npos);
        } else {
            BOOST_TEST(r.status == 200);
        }
    }
    BOOST_TEST(errors > 2);
    BOOST_TEST(errors < 18);
}

BOOST_AUTO_TEST_CASE(duplicate_out_of_order_and_wrong_signature_notifications) {
    Receiver rx;
    NetSim sim(NetSim::config(rx.url()));
    BlockingClient c;

    c.send("POST", sim.base + "/__sim/faults", R"({"duplicateNotifications":{"next":1}})", "");
    pay(c, sim, create_id(c, sim, "DUP-1"));
    auto hits = rx.wait_for(2);
    BOOST_TEST_REQUIRE(hits.size() == 2u);
    BOOST_TEST(hits[0].body == hits[1].body);
    BOOST_TEST(hits[0].signature == hits[1].signature);

    // Out of order: the expiry and the late payment arrive newest first.
    c.send("POST", sim.base + "/__sim/faults", R"({"outOfOrder":{"window":2}})", "");
    const auto id = create_id(c, sim, "OOO-1");
    c.send("POST", sim.base + "/__sim/clock/advance", R"({"seconds":90000})", "");
    pay(c, sim, id, true);
    hits = rx.wait_for(4);
    BOOST_TEST_REQUIRE(hits.size() == 4u);
    BOOST_TEST(str(parse(hits[2].body).at("status")) == "completed");
    BOOST_TEST(str(parse(hits[3].body).at("status")) == "expired");

    // A wrong signature: the receiver's check fails; its signature_error is final.
    c.send("POST", sim.base + "/__sim/faults", R"({"wrongSignature":{"next":1}})", "");
    rx.script({{200, R"({"status":"error","code":"signature_error"})"}});
    c.send("POST", sim.base + "/__sim/orders/" + id + "/notify", "", "");
    hits = rx.wait_for(5);
    BOOST_TEST_REQUIRE(hits.size() == 5u);
    BOOST_TEST(!(invoicebox::sim::sign_body(api_key, hits[4].body) == hits[4].signature));
    std::this_thread::sleep_for(300ms);
    BOOST_TEST(rx.hits().size() == 5u);

    // The monitoring probe, on demand.
    c.send("POST", sim.base + "/__sim/notifications/probe", "{}", "");
    hits = rx.wait_for(6);
    BOOST_TEST_REQUIRE(hits.size() == 6u);
    BOOST_TEST(str(parse(hits[5].body).at("id")) == "ffffffff-ffff-ffff-ffff-ffffffffffff");
    BOOST_TEST((invoicebox::sim::sign_body(api_key, hits[5].body) == hits[5].signature));
}

BOOST_AUTO_TEST_CASE(expiry_notification_by_clock_advance) {
    Receiver rx;
    NetSim sim(NetSim::config(rx.url()));
    BlockingClient c;
    const auto id = create_id(c, sim, "EXP-1");
    c.send("POST", sim.base + "/__sim/clock/advance", R"({"seconds":86401})", "");
    const auto hits = rx.wait_for(1);
    BOOST_TEST_REQUIRE(hits.size() == 1u);
    BOOST_TEST(str(parse(hits[0].body).at("status")) == "expired");
    BOOST_TEST(str(parse(hits[0].body).at("id")) == id);
}

BOOST_AUTO_TEST_CASE(https_and_rate_limit) {
    pms::test::TempDir dir("ib-sim-tls");
    const auto certs = pms::test::generate_test_certificates(dir.path());
    ServerSettings s;
    s.tls_certificate = certs.server_certificate;
    s.tls_key = certs.server_key;
    auto config = NetSim::config("");
    config.account_limit = RateLimit{2, 30s};
    NetSim sim(config, s);
    BOOST_TEST(sim.base.starts_with("https://127.0.0.1:"));
    pms::net::ClientOptions o;
    o.tls.extra_ca_file = certs.ca_certificate;
    BlockingClient c(o);
    auto r = c.send("GET", sim.base + "/v3/security/api/auth/auth");
    BOOST_TEST_REQUIRE(!r.ec, r.error_detail);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(c.send("GET", sim.base + "/v3/filter/api/order/order").status == 200);
    r = c.send("GET", sim.base + "/v3/filter/api/order/order");
    BOOST_TEST(r.status == 429);
    BOOST_TEST(str(parse(r.body).at("error").at("code")) == "too_many_requests");
}

BOOST_AUTO_TEST_CASE(stop_releases_all_work) {
    // No work guard: run() returns only once the server, its timers, a delayed answer and the
    // notification client have all let go of the io_context.
    Receiver rx;
    rx.script({{200, "{}", 30000ms}}); // a receiver that hangs
    boost::asio::io_context ioc;
    Engine engine(NetSim::config(rx.url(), 1.0));
    auto server = std::make_unique<SimServer>(ioc, engine, ServerSettings{});
    const std::string base = server->base_url();
    engine.set_public_url(base);
    auto ran = std::async(std::launch::async, [&] { ioc.run(); });
    BlockingClient c;
    auto r = c.send("POST", base + create_path, create_body("STOP-1", future_date()));
    const auto id = str(parse(r.body).at("data").at("id"));
    c.send("POST", base + "/__sim/orders/" + id + "/pay", "{}", "");
    BOOST_TEST(rx.wait_for(1).size() == 1u); // the notification POST is now in flight
    c.send("POST", base + "/__sim/faults", R"({"latency":{"ms":60000}})", "");
    auto slow = std::async(std::launch::async, [&] {
        return c.send("GET", base + "/v3/filter/api/order/order", {}, token, 20s);
    });
    std::this_thread::sleep_for(200ms);
    const auto before = std::chrono::steady_clock::now();
    server->stop();
    BOOST_TEST_REQUIRE((ran.wait_for(10s) == std::future_status::ready));
    BOOST_TEST((std::chrono::steady_clock::now() - before) < 5s);
    const auto answer = slow.get(); // the server answers a request it will not finish 503
    BOOST_TEST((answer.ec || answer.status == 503));
    server.reset();
}

BOOST_AUTO_TEST_SUITE_END()
