// Shared fixtures of the simulator tests: the test shop, request bodies built from the worked
// examples of invoicebox-api.md §8, and an in-process engine with a hand-driven clock.
#pragma once

#include "invoicebox/sim/engine.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace invoicebox::sim::test {

inline constexpr std::string_view merchant_id = "3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f";
inline constexpr std::string_view token = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
inline constexpr std::string_view api_key = "s3cr3t-notify-key";
inline constexpr std::string_view other_merchant_id = "11111111-2222-4333-8444-555555555555";
inline constexpr std::string_view other_token = "29078-API:b37c4c689295904ed21eee5d9a48d42e";
inline constexpr std::string_view other_api_key = "other-key";

// 2024-11-05T10:01:12+00:00, the createdAt of §8.1.
inline Instant start_instant() {
    return Instant{std::chrono::milliseconds{1730800872000}};
}

// The create request of §8.1 (1550.00 RUB, two lines) with a chosen merchantOrderId and
// expirationDate.
inline std::string create_body(std::string_view merchant_order_id = "10026",
                               std::string_view expiration = "2024-11-08T21:00:00+00:00",
                               std::string_view notification_url = "") {
    std::string s =
        R"({"merchantId":")" + std::string(merchant_id) + R"(","merchantOrderId":")" +
        std::string(merchant_order_id) +
        R"(","description":"Заказ 10026 в магазине example.ru","amount":1550,"vatAmount":225,)"
        R"("currencyId":"RUB","languageId":"ru","expirationDate":")" +
        std::string(expiration) + R"(",)";
    s +=
        R"("basketItems":[{"sku":"MUG-350","name":"Кружка керамическая 350 мл","measure":"шт.","measureCode":"796",)"
        R"("quantity":3,"amount":450,"amountWoVat":375,"totalAmount":1350,"totalVatAmount":225,)"
        R"("vatCode":"RUS_VAT20","type":"commodity","paymentType":"full_prepayment"},)"
        R"({"sku":"GIFT-WRAP","name":"Подарочная упаковка заказа","measure":"шт.","measureCode":"796",)"
        R"("quantity":1,"amount":200,"amountWoVat":200,"totalAmount":200,"totalVatAmount":0,)"
        R"("vatCode":"VATNONE","type":"service","paymentType":"full_prepayment"}],)";
    s +=
        R"("customer":{"type":"private","name":"Анна Смирнова","phone":"79161234567","email":"anna@example.com"},)"
        R"("successUrl":"https://example.ru/checkout/10026/success","failUrl":"https://example.ru/checkout/10026/fail",)"
        R"("returnUrl":"https://example.ru/checkout/10026")";
    if (!notification_url.empty()) {
        s += R"(,"notificationUrl":")" + std::string(notification_url) + "\"";
    }
    s += "}";
    return s;
}

inline boost::json::value parse(std::string_view text) {
    return boost::json::parse(text);
}

inline std::string str(const boost::json::value& v) {
    return std::string(v.as_string());
}

// An engine whose simulated clock and rate-limit clock the test moves by hand.
struct EngineFixture {
    Instant now = start_instant();
    std::chrono::steady_clock::time_point steady{};
    std::unique_ptr<Engine> engine;

    explicit EngineFixture(EngineConfig config = default_config()) { make(std::move(config)); }

    static EngineConfig default_config() {
        EngineConfig c;
        c.accounts.push_back(
            Account{std::string(merchant_id), std::string(token), std::string(api_key)});
        c.accounts.push_back(Account{std::string(other_merchant_id), std::string(other_token),
                                     std::string(other_api_key)});
        c.public_url = "http://sim.test";
        c.notification_url = "http://receiver.test/notify";
        return c;
    }

    void make(EngineConfig config) {
        engine = std::make_unique<Engine>(
            std::move(config), [this] { return now; }, [this] { return steady; });
    }

    SimReply call(std::string method, std::string target, std::string body = {},
                  std::string_view bearer = token, std::string remote = "127.0.0.1") {
        SimRequest r;
        r.method = std::move(method);
        r.target = std::move(target);
        r.body = std::move(body);
        r.remote_address = std::move(remote);
        if (!bearer.empty()) {
            r.headers.emplace_back("Authorization", "Bearer " + std::string(bearer));
        }
        r.headers.emplace_back("Content-Type", "application/json");
        return engine->handle(r);
    }

    // Creates the §8.1 order and returns its `data`.
    boost::json::object create(std::string_view merchant_order_id = "10026") {
        const auto r = call("POST", "/v3/billing/api/order/order", create_body(merchant_order_id));
        if (r.status != 200) {
            throw std::runtime_error("create failed: " + r.body);
        }
        return parse(r.body).at("data").as_object();
    }

    void advance(std::chrono::milliseconds d) { now += d; }
};

} // namespace invoicebox::sim::test
