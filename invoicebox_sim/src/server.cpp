// Network wiring of the simulator (see server.hpp). The only translation unit of the simulator
// that touches Asio objects; Beast and OpenSSL stay inside pms::net.
#include "invoicebox/sim/server.hpp"

#include <pms/net/http_client.hpp>
#include <pms/net/http_server.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <atomic>
#include <list>
#include <mutex>

namespace invoicebox::sim {

namespace asio = boost::asio;

namespace {

// How often the pump looks at the engine even when nothing is scheduled, so that a change of
// the system clock or a missed wake-up costs at most this much.
constexpr Millis max_sleep{1000};

pms::net::Headers to_net(const Headers& h) {
    pms::net::Headers out;
    out.reserve(h.size());
    for (const auto& [name, value] : h) {
        out.push_back(pms::net::Header{name, value});
    }
    return out;
}

Headers from_net(const pms::net::Headers& h) {
    Headers out;
    out.reserve(h.size());
    for (const auto& x : h) {
        out.emplace_back(x.name, x.value);
    }
    return out;
}

} // namespace

struct SimServer::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::io_context& ioc, Engine& engine, ServerSettings settings)
        : ioc(ioc), engine(engine), settings(std::move(settings)), strand(asio::make_strand(ioc)),
          timer(strand) {}

    void start() {
        pms::net::ServerOptions so;
        so.address = settings.address;
        so.port = settings.port;
        if (settings.tls_certificate && settings.tls_key) {
            so.tls = pms::net::ServerTls{*settings.tls_certificate, *settings.tls_key};
        }
        so.max_body_bytes = 8 * 1024 * 1024;
        // Latency faults may hold an answer far longer than any client waits.
        so.response_deadline = std::chrono::minutes{30};
        so.server_header = "invoicebox-sim";
        std::weak_ptr<Impl> weak = shared_from_this();
        server = std::make_unique<pms::net::HttpServer>(
            ioc, std::move(so), [weak](pms::net::Request req, pms::net::Responder respond) {
                if (auto self = weak.lock()) {
                    self->on_request(std::move(req), std::move(respond));
                } else {
                    respond.drop();
                }
            });

        pms::net::ClientOptions co;
        co.tls.extra_ca_file = settings.notification_ca_file;
        co.tls.verify_peer = settings.notification_verify_peer;
        co.max_idle_per_origin = 0; // a fresh connection per notification, like a webhook sender
        co.user_agent = "InvoiceBox-Simulator/1";
        client = std::make_unique<pms::net::HttpClient>(ioc, std::move(co));
        schedule_pump();
    }

    void log(const std::string& line) {
        if (settings.log) {
            settings.log(line);
        }
    }

    void on_request(pms::net::Request req, pms::net::Responder respond) {
        const auto started = std::chrono::steady_clock::now();
        SimRequest sr;
        sr.method = std::move(req.method);
        sr.target = std::move(req.target);
        sr.headers = from_net(req.headers);
        sr.body = std::move(req.body);
        sr.remote_address = std::move(req.remote_address);
        SimReply reply = engine.handle(sr);
        const std::string what = sr.method + " " + req.path;
        auto answer = [this, respond, reply, what, started]() mutable {
            const auto ms =
                std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - started);
            if (reply.disposition == SimReply::Disposition::drop) {
                respond.drop();
                log(what + " -> dropped (" + std::to_string(ms.count()) + " ms)");
                return;
            }
            pms::net::Response r;
            r.status = reply.status;
            r.headers = to_net(reply.headers);
            r.body = std::move(reply.body);
            respond(std::move(r));
            log(what + " -> " + std::to_string(reply.status) + " (" + std::to_string(ms.count()) +
                " ms)");
        };
        if (reply.delay.count() > 0) {
            auto t = std::make_shared<asio::steady_timer>(ioc, reply.delay);
            {
                std::lock_guard lock(delayed_mutex);
                if (stopped) {
                    respond.drop();
                    return;
                }
                delayed.push_back(t);
            }
            std::weak_ptr<Impl> weak = shared_from_this();
            t->async_wait(
                [weak, t, answer = std::move(answer)](const boost::system::error_code& ec) mutable {
                    auto self = weak.lock();
                    if (!self) {
                        return;
                    }
                    {
                        std::lock_guard lock(self->delayed_mutex);
                        self->delayed.remove(t);
                    }
                    // Cancelled by stop(): no answer; the stopping server answers 503 itself.
                    if (!ec && !self->stopped) {
                        answer();
                    }
                });
        } else {
            answer();
        }
        schedule_pump(); // the request may have queued notifications or moved the clock
    }

    void schedule_pump() {
        std::weak_ptr<Impl> weak = shared_from_this();
        asio::post(strand, [weak] {
            if (auto self = weak.lock()) {
                self->pump();
            }
        });
    }

    // On the strand: sends what is due, then sleeps until the next due instant.
    void pump() {
        if (stopped) {
            return;
        }
        for (auto& d : engine.take_deliveries()) {
            send(std::move(d));
        }
        Millis sleep = max_sleep;
        if (const auto wake = engine.next_wakeup()) {
            sleep = std::clamp(std::chrono::duration_cast<Millis>(*wake - engine.now()), Millis{0},
                               max_sleep);
        }
        timer.expires_after(sleep);
        std::weak_ptr<Impl> weak = shared_from_this();
        timer.async_wait([weak](const boost::system::error_code& ec) {
            if (ec) {
                return;
            }
            if (auto self = weak.lock()) {
                self->pump();
            }
        });
    }

    void send(Delivery d) {
        pms::net::ClientRequest req;
        req.method = "POST";
        req.url = d.url;
        req.headers.push_back({"Content-Type", "application/json"});
        req.headers.push_back({"X-Signature", d.signature});
        req.body = std::move(d.body);
        req.total_timeout = d.timeout;
        req.connect_timeout = std::min(d.timeout, Millis{10'000});
        std::weak_ptr<Impl> weak = shared_from_this();
        const auto id = d.attempt_id;
        const std::string url = d.url;
        client->async_send(std::move(req), [weak, id, url](pms::net::ClientResponse r) {
            auto self = weak.lock();
            if (!self) {
                return;
            }
            DeliveryAnswer a;
            if (!r.ec) {
                a.responded = true;
                a.http_status = r.status;
                a.body = std::move(r.body);
            } else if (r.ec == pms::net::error::total_timeout ||
                       r.ec == pms::net::error::connect_timeout) {
                a.error = "timeout";
            } else {
                a.error = r.ec.message();
            }
            self->log("notification #" + std::to_string(id) + " -> " +
                      (a.responded ? std::to_string(a.http_status) : a.error));
            self->engine.complete_delivery(id, a);
            self->schedule_pump();
        });
    }

    void stop() {
        {
            std::lock_guard lock(delayed_mutex);
            if (stopped) {
                return;
            }
            stopped = true;
            for (auto& t : delayed) {
                t->cancel();
            }
        }
        if (server) {
            server->stop();
        }
        if (client) {
            client->shutdown();
        }
        std::weak_ptr<Impl> weak = shared_from_this();
        asio::post(strand, [weak] {
            if (auto self = weak.lock()) {
                self->timer.cancel();
            }
        });
    }

    asio::io_context& ioc;
    Engine& engine;
    ServerSettings settings;
    asio::strand<asio::io_context::executor_type> strand;
    asio::steady_timer timer;
    std::unique_ptr<pms::net::HttpServer> server;
    std::unique_ptr<pms::net::HttpClient> client;
    std::mutex delayed_mutex;
    std::list<std::shared_ptr<asio::steady_timer>> delayed;
    std::atomic<bool> stopped{false};
};

SimServer::SimServer(asio::io_context& ioc, Engine& engine, ServerSettings settings)
    : impl_(std::make_shared<Impl>(ioc, engine, std::move(settings))) {
    impl_->start();
}

SimServer::~SimServer() {
    impl_->stop();
}

std::string SimServer::base_url() const {
    return impl_->server->base_url();
}

std::uint16_t SimServer::port() const {
    return impl_->server->port();
}

void SimServer::stop() {
    impl_->stop();
}

} // namespace invoicebox::sim
