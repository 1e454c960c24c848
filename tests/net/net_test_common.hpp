// Shared pieces of the pms::net tests: an io_context on background threads, the throwaway
// certificates (one set per test process), and bounded synchronous wrappers around async_send.
#pragma once

#include <pms/net/http_client.hpp>
#include <pms/net/http_server.hpp>
#include <pms/test_support/temp_dir.hpp>
#include <pms/test_support/test_certificates.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace pms::net::testing {

using namespace std::chrono_literals;

// An io_context run by `threads` threads until destruction.
struct IoThreads {
    explicit IoThreads(int threads = 2) : guard(boost::asio::make_work_guard(ioc)) {
        for (int i = 0; i < threads; ++i)
            workers.emplace_back([this] { ioc.run(); });
    }
    ~IoThreads() { stop(); }
    void stop() {
        guard.reset();
        ioc.stop();
        for (auto& t : workers)
            if (t.joinable())
                t.join();
    }
    boost::asio::io_context ioc;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard;
    std::vector<std::thread> workers;
};

// Certificates generated once per test process, in a temp folder removed at exit.
struct Certs {
    static const Certs& get() {
        static const Certs instance;
        return instance;
    }
    pms::test::TempDir dir{"pms-net-test"};
    pms::test::TestCertificates files = pms::test::generate_test_certificates(dir.path());
};

inline ServerTls server_tls() {
    return ServerTls{Certs::get().files.server_certificate, Certs::get().files.server_key};
}

inline ClientOptions trusting_client() {
    ClientOptions o;
    o.tls.extra_ca_file = Certs::get().files.ca_certificate;
    return o;
}

// Counts completions so that a test can check "exactly once" after the fact.
struct Completion {
    std::promise<ClientResponse> promise;
    std::future<ClientResponse> future = promise.get_future();
    std::atomic<int> calls{0};
};

inline std::shared_ptr<Completion> start(HttpClient& client, ClientRequest request,
                                         HttpClient::OpId* id = nullptr) {
    auto c = std::make_shared<Completion>();
    auto op = client.async_send(std::move(request), [c](ClientResponse r) {
        if (c->calls.fetch_add(1) == 0)
            c->promise.set_value(std::move(r));
    });
    if (id)
        *id = op;
    return c;
}

// The response, or nullopt if none came within `limit`.
inline std::optional<ClientResponse> wait(const std::shared_ptr<Completion>& c,
                                          std::chrono::milliseconds limit = 10s) {
    if (c->future.wait_for(limit) != std::future_status::ready)
        return std::nullopt;
    return c->future.get();
}

inline std::optional<ClientResponse> send(HttpClient& client, ClientRequest request,
                                          std::chrono::milliseconds limit = 10s) {
    return wait(start(client, std::move(request)), limit);
}

inline ClientRequest get(const std::string& url) {
    ClientRequest r;
    r.url = url;
    return r;
}

inline ClientRequest post(const std::string& url, std::string body) {
    ClientRequest r;
    r.method = "POST";
    r.url = url;
    r.body = std::move(body);
    r.headers.push_back({"Content-Type", "application/json"});
    return r;
}

// A handler answering "<method> <path> <body>" with 200.
inline HttpServer::Handler echo_handler() {
    return [](Request req, Responder respond) {
        respond(Response::text(200, req.method + " " + req.path + " " + req.body));
    };
}

} // namespace pms::net::testing
