// Helpers of the simulator's network tests: a blocking HTTP client over pms::net, a raw TCP
// exchange (chunked bodies, dropped connections), a scripted notification receiver, and the
// simulator itself running in-process on its own io_context thread. Every wait is bounded.
#pragma once

#include "invoicebox/sim/engine.hpp"
#include "invoicebox/sim/server.hpp"

#include "sim_test_util.hpp"

#include <pms/net/http_client.hpp>
#include <pms/net/http_server.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace invoicebox::sim::test {

inline constexpr std::chrono::seconds wait_limit{15};

// An io_context with one thread, stopped and joined on destruction.
class IoThread {
  public:
    IoThread() : guard_(ioc_.get_executor()), thread_([this] { ioc_.run(); }) {}
    ~IoThread() { stop(); }
    void stop() {
        guard_.reset();
        ioc_.stop();
        if (thread_.joinable()) {
            thread_.join();
        }
    }
    boost::asio::io_context& ioc() { return ioc_; }

  private:
    boost::asio::io_context ioc_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::thread thread_;
};

// Blocking wrapper over pms::net::HttpClient.
class BlockingClient {
  public:
    explicit BlockingClient(pms::net::ClientOptions options = {}) {
        options.max_idle_per_origin = 0;
        client_ = std::make_unique<pms::net::HttpClient>(io_.ioc(), std::move(options));
    }
    ~BlockingClient() {
        client_->shutdown();
        client_.reset();
        io_.stop();
    }

    pms::net::ClientResponse send(std::string method, std::string url, std::string body = {},
                                  std::string_view bearer = token,
                                  std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
        pms::net::ClientRequest r;
        r.method = std::move(method);
        r.url = std::move(url);
        r.body = std::move(body);
        r.headers.push_back({"Accept", "application/json"});
        if (!r.body.empty()) {
            r.headers.push_back({"Content-Type", "application/json"});
        }
        if (!bearer.empty()) {
            r.headers.push_back({"Authorization", "Bearer " + std::string(bearer)});
        }
        r.total_timeout = timeout.value_or(std::chrono::milliseconds(wait_limit));
        auto p = std::make_shared<std::promise<pms::net::ClientResponse>>();
        auto fut = p->get_future();
        client_->async_send(std::move(r),
                            [p](pms::net::ClientResponse resp) { p->set_value(std::move(resp)); });
        if (fut.wait_for(wait_limit + std::chrono::seconds(5)) != std::future_status::ready) {
            throw std::runtime_error("HTTP request did not complete");
        }
        return fut.get();
    }

  private:
    IoThread io_;
    std::unique_ptr<pms::net::HttpClient> client_;
};

// Sends `raw` bytes on a fresh connection and reads until the peer closes. Returns what was
// read ("" when the connection was closed without an answer).
inline std::string raw_exchange(std::uint16_t port, const std::string& raw) {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket s(ioc);
    s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    boost::asio::write(s, boost::asio::buffer(raw));
    std::string out;
    boost::system::error_code ec;
    char buf[4096];
    for (;;) {
        const auto n = s.read_some(boost::asio::buffer(buf), ec);
        out.append(buf, n);
        if (ec) {
            break;
        }
    }
    return out;
}

// A notification endpoint that records every request and answers from a script.
class Receiver {
  public:
    struct Hit {
        std::string body;
        std::string signature;
        std::string content_type;
        std::chrono::steady_clock::time_point at;
    };
    // How to answer one request: a response, a drop, or no answer for `silence`.
    struct Script {
        int status = 200;
        std::string body = R"({"status":"success"})";
        std::chrono::milliseconds silence{0};
    };

    Receiver() {
        pms::net::ServerOptions o;
        o.response_deadline = std::chrono::seconds(60);
        server_ = std::make_unique<pms::net::HttpServer>(
            io_.ioc(), std::move(o), [this](pms::net::Request req, pms::net::Responder respond) {
                Script s;
                {
                    std::lock_guard lock(mu_);
                    Hit h;
                    h.body = req.body;
                    h.signature = std::string(req.header("X-Signature").value_or(""));
                    h.content_type = std::string(req.header("Content-Type").value_or(""));
                    h.at = std::chrono::steady_clock::now();
                    hits_.push_back(std::move(h));
                    if (!script_.empty()) {
                        s = script_.front();
                        script_.pop_front();
                    }
                    cv_.notify_all();
                }
                if (s.silence.count() > 0) {
                    // Answer late, from another thread: the simulator has timed out by then.
                    std::thread([respond, s] {
                        std::this_thread::sleep_for(s.silence);
                        respond(pms::net::Response::json(s.status, s.body));
                    }).detach();
                    return;
                }
                respond(pms::net::Response::json(s.status, s.body));
            });
    }
    ~Receiver() {
        server_->stop();
        io_.stop();
    }

    std::string url() const { return server_->base_url() + "/invoicebox/notify"; }

    void script(std::vector<Script> s) {
        std::lock_guard lock(mu_);
        script_.assign(s.begin(), s.end());
    }

    // Waits until at least `n` requests arrived (bounded); returns all hits so far.
    std::vector<Hit> wait_for(std::size_t n, std::chrono::milliseconds limit = wait_limit) {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, limit, [&] { return hits_.size() >= n; });
        return hits_;
    }
    std::vector<Hit> hits() {
        std::lock_guard lock(mu_);
        return hits_;
    }

  private:
    IoThread io_;
    std::unique_ptr<pms::net::HttpServer> server_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<Hit> hits_;
    std::deque<Script> script_;
};

// The simulator in-process: engine + server on their own io_context thread.
struct NetSim {
    std::unique_ptr<Engine> engine;
    IoThread io;
    std::unique_ptr<SimServer> server;
    std::string base;

    explicit NetSim(EngineConfig config, ServerSettings settings = {}) {
        engine = std::make_unique<Engine>(std::move(config));
        server = std::make_unique<SimServer>(io.ioc(), *engine, std::move(settings));
        base = server->base_url();
        engine->set_public_url(base);
    }
    ~NetSim() {
        server->stop();
        io.stop();
    }

    static EngineConfig config(const std::string& notification_url, double time_scale = 0.01) {
        EngineConfig c;
        c.accounts.push_back(
            Account{std::string(merchant_id), std::string(token), std::string(api_key)});
        c.notification_url = notification_url;
        c.time_scale = time_scale;
        return c;
    }
};

// Creates an order whose expiration is one day after the simulator's now.
inline std::string future_date(std::chrono::hours ahead = std::chrono::hours(24)) {
    return format_rfc3339(system_now() + ahead);
}

} // namespace invoicebox::sim::test
