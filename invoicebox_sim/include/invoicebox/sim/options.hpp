// Command line of `invoicebox-sim` (documented in invoicebox_sim/README.md).
#pragma once

#include "invoicebox/sim/rate_limiter.hpp"

#include "invoicebox/sim/signing.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace invoicebox::sim {

// One shop: the three credentials InvoiceBox gives a merchant (invoicebox-api.md §1.3).
struct Account {
    std::string merchant_id; // `merchantId`, a UUID
    std::string token;       // bearer token
    std::string api_key;     // key of the notification signature
};

enum class Flavour { v3, l3 };

struct Options {
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 0;
    std::vector<Account> accounts; // the first one is the default shop
    std::optional<std::string> tls_cert;
    std::optional<std::string> tls_key;
    std::optional<std::string> state_file;
    std::optional<std::string> notification_ca; // extra CA for https notification URLs
    Flavour flavour = Flavour::v3;
    std::string notification_url; // default when an order has no notificationUrl
    std::string retry_schedule = "fast";
    double time_scale = 1.0; // multiplies retry delays and the 20 s notification timeout
    std::string public_url;  // base of paymentUrl; empty = the listening base URL
    std::string shop_name = "Тестовый магазин";
    RateLimit account_limit{100, std::chrono::seconds{30}};
    RateLimit ip_limit{500, std::chrono::seconds{30}};
    SignatureAlgorithm signature_algorithm = SignatureAlgorithm::hmac_sha1;
    bool quiet = false; // no request log on stderr
};

// Result of parsing: options, or a message for stderr (help text when `help` is set).
struct ParsedOptions {
    std::optional<Options> options;
    std::string message;
    bool help = false;
};

ParsedOptions parse_options(const std::vector<std::string>& args);

// The --help text.
std::string usage();

std::string_view flavour_name(Flavour f);

} // namespace invoicebox::sim
