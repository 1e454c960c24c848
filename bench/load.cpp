// bench-load: an HTTP/1.1 load generator for the bench (Asio + Beast, one thread).
//
// N keep-alive connections each send a request, wait for the whole answer, record its latency
// and send the next, until the duration ends or the request budget is spent. One thread only:
// on the 2-core bench machine the generator must not take more than one core from the server
// it measures (it is the same for the bare server and the host, so the ratio stays fair).
//
//   bench-load --url http://127.0.0.1:8080 [--connections N] [--duration SECONDS]
//              [--count N] [--interval-ms MS] [--expect TEXT]
//              (--requests FILE | --method M --target /path [--body-file F] [--header "K: V"]...)
//
// --requests FILE: JSON lines {"method", "target", "headers": {"K": "V"}, "body"}; connections
// take lines in turn (each line once when --count equals the number of lines, cycling otherwise).
// --header adds a header to every request (the session cookie, Origin).
// --interval-ms: each connection pauses this long between requests (a probe, not a flood).
// --expect: an answer counts as "ok" only with status 2xx and TEXT in its body.
//
// Prints one JSON line: sent, ok, unexpected, errors, statuses, seconds, rps (ok answers per
// second), and the latency percentiles of every answered request in milliseconds.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <optional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Template {
    std::string method = "GET";
    std::string target = "/";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

struct Config {
    std::string host = "127.0.0.1";
    std::string port = "80";
    int connections = 1;
    double duration_s = 5;
    long long count = -1; // -1: no budget, the duration decides
    int interval_ms = 0;
    std::string expect;
    std::vector<Template> requests;
    std::vector<std::pair<std::string, std::string>> common_headers;
};

struct Stats {
    long long sent = 0, ok = 0, unexpected = 0, errors = 0;
    std::map<int, long long> statuses;
    std::vector<double> latency_ms;
};

struct Run {
    Config cfg;
    Stats stats;
    long long next = 0; // index of the next request (single thread: no atomics needed)
    int active = 0;     // connections still running
    std::function<void()> on_all_done;
    Clock::time_point deadline;
    std::vector<http::request<http::string_body>> prepared;
};

http::request<http::string_body> prepare(const Config& cfg, const Template& t) {
    http::request<http::string_body> req{http::string_to_verb(t.method), t.target, 11};
    req.set(http::field::host, cfg.host + ":" + cfg.port);
    req.set(http::field::user_agent, "pms-bench-load");
    for (const auto& [k, v] : cfg.common_headers)
        req.set(k, v);
    for (const auto& [k, v] : t.headers)
        req.set(k, v);
    req.body() = t.body;
    if (!t.body.empty() || req.method() == http::verb::post || req.method() == http::verb::put)
        req.prepare_payload();
    req.keep_alive(true);
    return req;
}

asio::awaitable<void> connection(Run& run, tcp::endpoint ep) {
    auto ex = co_await asio::this_coro::executor;
    std::optional<beast::tcp_stream> stream;
    beast::flat_buffer buffer;
    asio::steady_timer pause(ex);
    for (;;) {
        if (Clock::now() >= run.deadline)
            break;
        if (run.cfg.count >= 0 && run.next >= run.cfg.count)
            break;
        const auto index = run.next++;
        const auto& req = run.prepared[static_cast<std::size_t>(index) % run.prepared.size()];
        beast::error_code ec;
        if (!stream) {
            stream.emplace(ex);
            co_await stream->async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                ++run.stats.errors;
                stream.reset();
                continue;
            }
            stream->socket().set_option(tcp::no_delay(true), ec);
            buffer.clear();
        }
        // A request never waits past the end of the run by more than a generous margin: a hung
        // server must not hang the bench (the answer then counts as an error).
        stream->expires_after(std::chrono::seconds(60));
        const auto started = Clock::now();
        ++run.stats.sent;
        co_await http::async_write(*stream, req, asio::redirect_error(asio::use_awaitable, ec));
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 << 20);
        if (!ec)
            co_await http::async_read(*stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            ++run.stats.errors;
            stream.reset();
            continue;
        }
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
        run.stats.latency_ms.push_back(ms);
        const auto& res = parser.get();
        const int status = static_cast<int>(res.result_int());
        ++run.stats.statuses[status];
        const bool good = status >= 200 && status < 300 &&
                          (run.cfg.expect.empty() || res.body().find(run.cfg.expect) != std::string::npos);
        good ? ++run.stats.ok : ++run.stats.unexpected;
        if (!res.keep_alive())
            stream.reset();
        if (run.cfg.interval_ms > 0) {
            pause.expires_after(std::chrono::milliseconds(run.cfg.interval_ms));
            co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
    }
    if (stream) {
        beast::error_code ignored;
        stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    }
    if (--run.active == 0 && run.on_all_done)
        run.on_all_done();
}

double percentile(std::vector<double>& sorted, double p) {
    if (sorted.empty())
        return 0;
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<Template> read_requests(const std::string& path) {
    std::vector<Template> out;
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("cannot read " + path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty())
            continue;
        const auto v = json::parse(line).as_object();
        Template t;
        if (const auto* m = v.if_contains("method"))
            t.method = std::string(m->as_string());
        t.target = std::string(v.at("target").as_string());
        if (const auto* h = v.if_contains("headers"))
            for (const auto& [k, val] : h->as_object())
                t.headers.emplace_back(std::string(k), std::string(val.as_string()));
        if (const auto* b = v.if_contains("body"))
            t.body = std::string(b->as_string());
        out.push_back(std::move(t));
    }
    return out;
}

int usage() {
    std::cerr << "usage: bench-load --url http://HOST:PORT [--connections N] [--duration S] [--count N]\n"
                 "       [--interval-ms MS] [--expect TEXT] (--requests FILE | --method M --target T\n"
                 "       [--body-file F]) [--header 'K: V']...\n";
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    Run run;
    Template single;
    bool have_single = false;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            auto value = [&]() -> std::string {
                if (i + 1 >= argc)
                    throw std::runtime_error(a + " needs a value");
                return argv[++i];
            };
            if (a == "--url") {
                const std::string url = value();
                const auto rest = url.substr(url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
                const auto colon = rest.find(':');
                run.cfg.host = rest.substr(0, colon);
                run.cfg.port = colon == std::string::npos ? "80" : rest.substr(colon + 1, rest.find('/') - colon - 1);
            } else if (a == "--connections")
                run.cfg.connections = std::stoi(value());
            else if (a == "--duration")
                run.cfg.duration_s = std::stod(value());
            else if (a == "--count")
                run.cfg.count = std::stoll(value());
            else if (a == "--interval-ms")
                run.cfg.interval_ms = std::stoi(value());
            else if (a == "--expect")
                run.cfg.expect = value();
            else if (a == "--requests")
                run.cfg.requests = read_requests(value());
            else if (a == "--method") {
                single.method = value();
                have_single = true;
            } else if (a == "--target") {
                single.target = value();
                have_single = true;
            } else if (a == "--body-file") {
                single.body = read_all(value());
                have_single = true;
            } else if (a == "--header") {
                const std::string h = value();
                const auto colon = h.find(':');
                if (colon == std::string::npos)
                    throw std::runtime_error("--header expects 'Name: value'");
                auto v = h.substr(colon + 1);
                v.erase(0, v.find_first_not_of(' '));
                run.cfg.common_headers.emplace_back(h.substr(0, colon), v);
            } else
                return usage();
        }
    } catch (const std::exception& e) {
        std::cerr << "bench-load: " << e.what() << "\n";
        return usage();
    }
    if (have_single)
        run.cfg.requests.push_back(single);
    if (run.cfg.requests.empty())
        return usage();
    for (const auto& t : run.cfg.requests)
        run.prepared.push_back(prepare(run.cfg, t));

    asio::io_context ioc(1);
    tcp::endpoint ep(asio::ip::make_address(run.cfg.host), static_cast<unsigned short>(std::stoi(run.cfg.port)));
    const auto started = Clock::now();
    run.deadline = started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(run.cfg.duration_s));
    // SIGTERM/SIGINT end the run early but cleanly (a probe that runs "until the storm is over"):
    // no new request starts, the ones in flight finish, and the report is printed as usual.
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const beast::error_code& ec, int) {
        if (!ec)
            run.deadline = Clock::now();
    });
    run.on_all_done = [&] {
        beast::error_code ignored;
        signals.cancel(ignored);
    };
    run.active = run.cfg.connections;
    for (int c = 0; c < run.cfg.connections; ++c)
        asio::co_spawn(ioc, connection(run, ep), asio::detached);
    ioc.run();
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();

    auto& lat = run.stats.latency_ms;
    std::sort(lat.begin(), lat.end());
    json::object statuses;
    for (const auto& [s, n] : run.stats.statuses)
        statuses[std::to_string(s)] = n;
    json::object out{{"sent", run.stats.sent},
                     {"ok", run.stats.ok},
                     {"unexpected", run.stats.unexpected},
                     {"errors", run.stats.errors},
                     {"statuses", statuses},
                     {"seconds", seconds},
                     {"rps", seconds > 0 ? static_cast<double>(run.stats.ok) / seconds : 0.0},
                     {"p50_ms", percentile(lat, 50)},
                     {"p90_ms", percentile(lat, 90)},
                     {"p99_ms", percentile(lat, 99)},
                     {"min_ms", lat.empty() ? 0.0 : lat.front()},
                     {"max_ms", lat.empty() ? 0.0 : lat.back()}};
    std::cout << json::serialize(out) << std::endl;
    return 0;
}
