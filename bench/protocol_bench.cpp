// Protocol micro-benchmarks (ns/op) of what the notification path and the create path do per
// call, each next to a baseline that does the least work of the same kind on the same bytes, so
// that the bench table can print a ratio measured in the same run:
//   order decode  (parse_json + read_order)   vs  boost::json::parse of the same body
//   order encode  (order_json)                 vs  boost::json::serialize of the same document
//   signature verify (a SigningKey made once,  vs  one raw OpenSSL HMAC-SHA1 + hex of the body
//     sign + signature_matches: what the plugin does per notification)
//   basket build  (build_basket, 14 folio lines): no baseline (nothing simpler builds a basket)
// The body is the worked notification of invoicebox-api.md §8.2 that the protocol tests use.
#include "notification_body.hpp"

#include <invoicebox/protocol/basket.hpp>
#include <invoicebox/protocol/json_reader.hpp>
#include <invoicebox/protocol/order_codec.hpp>
#include <invoicebox/protocol/signature.hpp>

#include <benchmark/benchmark.h>
#include <boost/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace pr = invoicebox::protocol;
using invoicebox::protocol::test::notification_82;
using invoicebox::protocol::test::notification_82_key;
using invoicebox::protocol::test::notification_82_signature;

namespace {

pr::Order decoded_order() {
    auto v = pr::parse_json(notification_82);
    if (!v)
        throw std::runtime_error("the §8.2 body does not parse");
    auto o = pr::read_order(*v);
    if (!o)
        throw std::runtime_error("the §8.2 body is not an order");
    return *o;
}

void order_decode(benchmark::State& state) {
    for (auto _ : state) {
        // Moved in, as the notification path does: the document becomes the order's `raw`.
        auto v = pr::parse_json(notification_82);
        auto o = pr::read_order(std::move(*v));
        benchmark::DoNotOptimize(o);
    }
}
BENCHMARK(order_decode);

void baseline_json_parse(benchmark::State& state) {
    for (auto _ : state) {
        auto v = boost::json::parse(notification_82);
        benchmark::DoNotOptimize(v);
    }
}
BENCHMARK(baseline_json_parse);

void order_encode(benchmark::State& state) {
    const auto order = decoded_order();
    for (auto _ : state) {
        auto s = pr::order_json(order);
        benchmark::DoNotOptimize(s);
    }
}
BENCHMARK(order_encode);

void baseline_json_serialize(benchmark::State& state) {
    const auto v = boost::json::parse(notification_82);
    for (auto _ : state) {
        auto s = boost::json::serialize(v);
        benchmark::DoNotOptimize(s);
    }
}
BENCHMARK(baseline_json_serialize);

void signature_verify(benchmark::State& state) {
    const pr::SigningKey key{notification_82_key}; // the plugin makes it when it reads its settings
    for (auto _ : state) {
        bool ok = pr::signature_matches(key.sign(notification_82), notification_82_signature);
        benchmark::DoNotOptimize(ok);
    }
}
BENCHMARK(signature_verify);

void baseline_hmac_sha1(benchmark::State& state) {
    static const char* hex = "0123456789abcdef";
    for (auto _ : state) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        HMAC(EVP_sha1(), notification_82_key.data(), static_cast<int>(notification_82_key.size()),
             reinterpret_cast<const unsigned char*>(notification_82.data()), notification_82.size(), md, &len);
        char out[2 * EVP_MAX_MD_SIZE];
        for (unsigned i = 0; i < len; ++i) {
            out[2 * i] = hex[md[i] >> 4];
            out[2 * i + 1] = hex[md[i] & 15];
        }
        benchmark::DoNotOptimize(out);
    }
}
BENCHMARK(baseline_hmac_sha1);

/// A hotel folio: 10 nights (no VAT on accommodation), 3 meals at 10 %, one service at 20 %.
std::vector<pr::BasketLine> folio_lines() {
    std::vector<pr::BasketLine> lines;
    auto add = [&](std::string name, std::int64_t total, std::string_view vat) {
        pr::BasketLine l;
        l.sku = "S" + std::to_string(lines.size());
        l.name = std::move(name);
        l.total = pr::Money::of(total);
        l.vat_code = pr::VatCode::parse(vat);
        lines.push_back(std::move(l));
    };
    for (int night = 0; night < 10; ++night)
        add("Проживание, ночь " + std::to_string(night + 1), 512000, "RUS_VAT0");
    for (int meal = 0; meal < 3; ++meal)
        add("Завтрак", 85000, "RUS_VAT10");
    add("Трансфер", 350000, "RUS_VAT20");
    return lines;
}

void basket_build(benchmark::State& state) {
    const auto lines = folio_lines();
    for (auto _ : state) {
        auto b = pr::build_basket(lines);
        benchmark::DoNotOptimize(b);
    }
}
BENCHMARK(basket_build);

} // namespace

BENCHMARK_MAIN();
