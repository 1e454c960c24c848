// Command-line parsing (see options.hpp).
#include "invoicebox/sim/options.hpp"

#include "invoicebox/sim/ids.hpp"

#include <charconv>

namespace invoicebox::sim {

namespace {

std::optional<RateLimit> parse_rate_limit(const std::string& text) {
    // N/SECONDS, or 0 for no limit.
    if (text == "0") {
        return RateLimit{0, std::chrono::seconds{30}};
    }
    const auto slash = text.find('/');
    if (slash == std::string::npos) {
        return std::nullopt;
    }
    std::size_t n = 0;
    std::size_t secs = 0;
    const char* b = text.data();
    auto r1 = std::from_chars(b, b + slash, n);
    auto r2 = std::from_chars(b + slash + 1, b + text.size(), secs);
    if (r1.ec != std::errc{} || r1.ptr != b + slash || r2.ec != std::errc{} ||
        r2.ptr != b + text.size() || secs == 0) {
        return std::nullopt;
    }
    return RateLimit{n, std::chrono::seconds{secs}};
}

bool parse_listen(const std::string& text, Options& o) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        return false;
    }
    unsigned port = 0;
    const char* b = text.data() + colon + 1;
    const char* e = text.data() + text.size();
    auto r = std::from_chars(b, e, port);
    if (r.ec != std::errc{} || r.ptr != e || port > 65535) {
        return false;
    }
    o.listen_host = text.substr(0, colon);
    if (o.listen_host.size() > 2 && o.listen_host.front() == '[' && o.listen_host.back() == ']') {
        o.listen_host = o.listen_host.substr(1, o.listen_host.size() - 2);
    }
    o.listen_port = static_cast<std::uint16_t>(port);
    return true;
}

ParsedOptions fail(std::string message) {
    ParsedOptions p;
    p.message = std::move(message) + "\n(see invoicebox-sim --help)";
    return p;
}

} // namespace

std::string_view flavour_name(Flavour f) {
    return f == Flavour::v3 ? "v3" : "l3";
}

std::string usage() {
    return R"(invoicebox-sim: an InvoiceBox v3/L3 merchant API simulator for tests and demos.

usage: invoicebox-sim --merchant-id UUID --token TOKEN --api-key KEY [options]

  --listen HOST:PORT          address to listen on (default 127.0.0.1:0, 0 = any free port)
  --merchant-id UUID          shop id (merchantId)
  --token TOKEN               API token expected as "Authorization: Bearer TOKEN"
  --api-key KEY               API key that signs notifications (X-Signature)
  --account UUID:TOKEN:KEY    an additional shop (repeatable); TOKEN may contain ':' (L3
                              tokens do), KEY may not
  --tls CERT KEY              serve HTTPS with this PEM certificate chain and private key
  --state FILE                keep orders, refunds, the clock offset and pending notifications
                              in FILE (JSON, rewritten atomically after every change)
  --notification-ca FILE      trust this PEM CA (too) for https notification URLs
  --flavour v3|l3             the API prefix this shop lives under (default v3)
  --notification-url URL      notification URL for orders without notificationUrl
  --retry-schedule fast|real  notification retries: fast (default; 10 retries in 55 s) or
                              real (10 retries over 22.5 h)
  --time-scale F              multiply retry delays and the 20 s notification timeout by F
                              (default 1; e.g. 0.01 for tests)
  --public-url URL            base URL for paymentUrl (default: the URL this server listens on)
  --signature-algorithm sha1|sha256
                              HMAC of X-Signature (default sha1, InvoiceBox's default)
  --shop-name NAME            shop name on the payment page (default "Тестовый магазин")
  --rate-limit N/SECONDS      requests per account and window (default 100/30; 0 = none)
  --ip-rate-limit N/SECONDS   requests per client IP and window (default 500/30; 0 = none)
  --quiet                     do not log requests to stderr
  --help                      this text

The first line on standard output is the base URL, e.g. http://127.0.0.1:41234
)";
}

ParsedOptions parse_options(const std::vector<std::string>& args) {
    Options o;
    std::optional<std::string> merchant, token, key;
    std::vector<Account> extra;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= args.size()) {
                return false;
            }
            out = args[++i];
            return true;
        };
        std::string v;
        if (a == "--help" || a == "-h") {
            ParsedOptions p;
            p.help = true;
            p.message = usage();
            return p;
        } else if (a == "--quiet") {
            o.quiet = true;
        } else if (a == "--listen") {
            if (!value(v) || !parse_listen(v, o)) {
                return fail("--listen needs HOST:PORT");
            }
        } else if (a == "--merchant-id") {
            if (!value(v) || !looks_like_uuid(v)) {
                return fail("--merchant-id needs a UUID");
            }
            merchant = v;
        } else if (a == "--token") {
            if (!value(v) || v.empty()) {
                return fail("--token needs a value");
            }
            token = v;
        } else if (a == "--api-key") {
            if (!value(v) || v.empty()) {
                return fail("--api-key needs a value");
            }
            key = v;
        } else if (a == "--account") {
            if (!value(v)) {
                return fail("--account needs UUID:TOKEN:KEY");
            }
            const auto c1 = v.find(':');
            const auto c2 = v.rfind(':');
            if (c1 == std::string::npos || c2 == c1 || !looks_like_uuid(v.substr(0, c1)) ||
                c2 == c1 + 1 || c2 + 1 >= v.size()) {
                return fail("--account needs UUID:TOKEN:KEY");
            }
            extra.push_back(
                Account{v.substr(0, c1), v.substr(c1 + 1, c2 - c1 - 1), v.substr(c2 + 1)});
        } else if (a == "--tls") {
            std::string cert, pkey;
            if (!value(cert) || !value(pkey)) {
                return fail("--tls needs CERT and KEY");
            }
            o.tls_cert = cert;
            o.tls_key = pkey;
        } else if (a == "--notification-ca") {
            if (!value(v) || v.empty()) {
                return fail("--notification-ca needs a PEM file");
            }
            o.notification_ca = v;
        } else if (a == "--state") {
            if (!value(v) || v.empty()) {
                return fail("--state needs a file name");
            }
            o.state_file = v;
        } else if (a == "--flavour" || a == "--flavor") {
            if (!value(v) || (v != "v3" && v != "l3")) {
                return fail("--flavour needs v3 or l3");
            }
            o.flavour = v == "v3" ? Flavour::v3 : Flavour::l3;
        } else if (a == "--notification-url") {
            if (!value(o.notification_url)) {
                return fail("--notification-url needs a URL");
            }
        } else if (a == "--retry-schedule") {
            if (!value(v) || (v != "fast" && v != "real")) {
                return fail("--retry-schedule needs fast or real");
            }
            o.retry_schedule = v;
        } else if (a == "--time-scale") {
            if (!value(v)) {
                return fail("--time-scale needs a number");
            }
            try {
                std::size_t used = 0;
                o.time_scale = std::stod(v, &used);
                if (used != v.size() || !(o.time_scale > 0) || o.time_scale > 1000) {
                    return fail("--time-scale needs a number in (0, 1000]");
                }
            } catch (const std::exception&) {
                return fail("--time-scale needs a number");
            }
        } else if (a == "--public-url") {
            if (!value(o.public_url)) {
                return fail("--public-url needs a URL");
            }
            while (!o.public_url.empty() && o.public_url.back() == '/') {
                o.public_url.pop_back();
            }
        } else if (a == "--signature-algorithm") {
            const auto algo =
                value(v) ? signature_algorithm_from(v) : std::nullopt;
            if (!algo) {
                return fail("--signature-algorithm needs sha1 or sha256");
            }
            o.signature_algorithm = *algo;
        } else if (a == "--shop-name") {
            if (!value(o.shop_name)) {
                return fail("--shop-name needs a name");
            }
        } else if (a == "--rate-limit" || a == "--ip-rate-limit") {
            std::optional<RateLimit> rl;
            if (!value(v) || !(rl = parse_rate_limit(v))) {
                return fail(a + " needs N/SECONDS");
            }
            (a == "--rate-limit" ? o.account_limit : o.ip_limit) = *rl;
        } else {
            return fail("unknown argument: " + a);
        }
    }
    if (merchant || token || key) {
        if (!(merchant && token && key)) {
            return fail("--merchant-id, --token and --api-key go together");
        }
        o.accounts.push_back(Account{*merchant, *token, *key});
    }
    o.accounts.insert(o.accounts.end(), extra.begin(), extra.end());
    if (o.accounts.empty()) {
        return fail("give --merchant-id, --token and --api-key (or --account)");
    }
    for (std::size_t i = 0; i < o.accounts.size(); ++i) {
        for (std::size_t j = i + 1; j < o.accounts.size(); ++j) {
            if (o.accounts[i].token == o.accounts[j].token ||
                o.accounts[i].merchant_id == o.accounts[j].merchant_id) {
                return fail("two shops share a token or a merchant id");
            }
        }
    }
    ParsedOptions p;
    p.options = std::move(o);
    return p;
}

} // namespace invoicebox::sim
