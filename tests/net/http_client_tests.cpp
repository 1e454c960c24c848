// HttpClient against HttpServer (plain and TLS, throwaway certificates) and raw loopback
// sockets: success, keep-alive reuse, timeouts, refusals, limits, TLS trust, cancellation,
// shutdown and the exactly-once guarantee. Loopback only; every wait is bounded.
#include <pms/net/http_client.hpp>

#include "net_test_common.hpp"

#include <pms/test_support/free_port.hpp>
#include <pms/test_support/raw_socket.hpp>

#include <boost/asio/strand.hpp>
#include <boost/test/unit_test.hpp>

#include <mutex>

using namespace pms::net;
using namespace pms::net::testing;

namespace {

// A handler that keeps every Responder and never answers (until the test says so).
struct Silent {
    std::mutex mutex;
    std::vector<Responder> held;
    std::atomic<int> requests{0};

    HttpServer::Handler handler() {
        return [this](Request, Responder respond) {
            std::lock_guard lock(mutex);
            held.push_back(respond);
            ++requests;
        };
    }
};

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit = 5s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

} // namespace

BOOST_AUTO_TEST_SUITE(http_client)

BOOST_AUTO_TEST_CASE(plain_get_and_post_succeed) {
    IoThreads io;
    HttpServer server(io.ioc, {}, echo_handler());
    HttpClient client(io.ioc);

    auto r = send(client, get(server.base_url() + "/hello?x=1"));
    BOOST_REQUIRE(r);
    BOOST_TEST(!r->ec, r->ec.message());
    BOOST_TEST(r->status == 200);
    BOOST_TEST(r->body == "GET /hello ");
    BOOST_TEST(r->header("content-type").value_or("") == "text/plain; charset=utf-8");
    BOOST_TEST(!r->outcome_unknown);

    auto p = send(client, post(server.base_url() + "/orders", R"({"a":1})"));
    BOOST_REQUIRE(p);
    BOOST_TEST(p->status == 200);
    BOOST_TEST(p->body == R"(POST /orders {"a":1})");
}

BOOST_AUTO_TEST_CASE(tls_get_succeeds_with_the_test_ca) {
    IoThreads io;
    ServerOptions so;
    so.tls = server_tls();
    HttpServer server(io.ioc, so, echo_handler());
    HttpClient client(io.ioc, trusting_client());

    auto r = send(client, get(server.base_url() + "/secure"));
    BOOST_REQUIRE(r);
    BOOST_TEST(!r->ec, r->ec.message() << " " << r->error_detail);
    BOOST_TEST(r->status == 200);
    BOOST_TEST(r->body == "GET /secure ");
    // The certificate also names "localhost": SNI and the host name check take that path.
    auto by_name = send(client, get("https://localhost:" + std::to_string(server.port()) + "/n"));
    BOOST_REQUIRE(by_name);
    BOOST_TEST(!by_name->ec, by_name->ec.message() << " " << by_name->error_detail);
    BOOST_TEST(by_name->status == 200);
}

BOOST_AUTO_TEST_CASE(keep_alive_reuses_the_connection) {
    for (bool tls : {false, true}) {
        IoThreads io;
        ServerOptions so;
        if (tls)
            so.tls = server_tls();
        std::mutex mutex;
        std::vector<std::uint16_t> ports;
        HttpServer server(io.ioc, so, [&](Request req, Responder respond) {
            {
                std::lock_guard lock(mutex);
                ports.push_back(req.remote_port);
            }
            respond(Response::text(200, "ok"));
        });
        HttpClient client(io.ioc, trusting_client());

        auto first = send(client, get(server.base_url() + "/1"));
        BOOST_REQUIRE(first);
        BOOST_TEST(!first->ec);
        BOOST_TEST(!first->reused_connection);
        BOOST_TEST(client.idle_connections() == 1u);
        auto second = send(client, get(server.base_url() + "/2"));
        BOOST_REQUIRE(second);
        BOOST_TEST(!second->ec);
        BOOST_TEST(second->reused_connection);
        std::lock_guard lock(mutex);
        BOOST_REQUIRE(ports.size() == 2u);
        BOOST_TEST(ports[0] == ports[1]); // same client socket
        BOOST_TEST(server.connection_count() == 1u);
    }
}

BOOST_AUTO_TEST_CASE(a_pooled_connection_closed_by_the_server_is_not_reused) {
    IoThreads io;
    ServerOptions so;
    so.header_read_timeout = 400ms; // the server closes idle keep-alive connections quickly
    HttpServer server(io.ioc, so, echo_handler());
    HttpClient client(io.ioc);

    auto first = send(client, get(server.base_url() + "/1"));
    BOOST_REQUIRE(first);
    BOOST_TEST(!first->ec);
    BOOST_REQUIRE(wait_until([&] { return server.connection_count() == 0; }));
    auto second = send(client, get(server.base_url() + "/2"));
    BOOST_REQUIRE(second);
    BOOST_TEST(!second->ec, second->ec.message());
    BOOST_TEST(second->status == 200);
    BOOST_TEST(!second->reused_connection);
}

BOOST_AUTO_TEST_CASE(redirects_are_returned_as_is) {
    IoThreads io;
    HttpServer server(io.ioc, {}, [](Request, Responder respond) {
        respond(Response{302, {{"Location", "/elsewhere"}}, ""});
    });
    HttpClient client(io.ioc);
    auto r = send(client, get(server.base_url() + "/"));
    BOOST_REQUIRE(r);
    BOOST_TEST(!r->ec);
    BOOST_TEST(r->status == 302);
    BOOST_TEST(r->header("Location").value_or("") == "/elsewhere");
}

BOOST_AUTO_TEST_CASE(connection_refused) {
    IoThreads io;
    HttpClient client(io.ioc);
    auto port = pms::test::find_free_port(); // nobody listens there now
    auto r = send(client, get("http://127.0.0.1:" + std::to_string(port) + "/"));
    BOOST_REQUIRE(r);
    BOOST_TEST(r->ec == make_error_code(error::connection_refused));
    BOOST_TEST((r->ec == std::errc::connection_refused));
    BOOST_TEST(!r->outcome_unknown);
}

BOOST_AUTO_TEST_CASE(connect_timeout) {
    IoThreads io;
    pms::test::BlackholeListener blackhole;
    HttpClient client(io.ioc);
    auto request = get("http://127.0.0.1:" + std::to_string(blackhole.port()) + "/");
    request.connect_timeout = 300ms;
    auto r = send(client, request);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->ec == make_error_code(error::connect_timeout), r->ec.message());
    BOOST_TEST(!r->outcome_unknown);
    BOOST_TEST((r->elapsed >= 250ms));
    BOOST_TEST((r->elapsed < 3s));
}

BOOST_AUTO_TEST_CASE(total_timeout_when_the_server_never_answers) {
    IoThreads io;
    Silent silent;
    HttpServer server(io.ioc, {}, silent.handler());
    HttpClient client(io.ioc);
    auto request = get(server.base_url() + "/slow");
    request.total_timeout = 300ms;
    auto r = send(client, request);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->ec == make_error_code(error::total_timeout), r->ec.message());
    BOOST_TEST(r->outcome_unknown); // the request was written: it may have been processed
    BOOST_TEST((r->elapsed < 3s));
}

BOOST_AUTO_TEST_CASE(response_larger_than_the_limit_is_refused) {
    IoThreads io;
    HttpServer server(io.ioc, {}, [](Request, Responder respond) {
        respond(Response::text(200, std::string(100'000, 'x')));
    });
    HttpClient client(io.ioc);
    auto request = get(server.base_url() + "/big");
    request.max_response_bytes = 10'000;
    auto r = send(client, request);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->ec == make_error_code(error::response_too_large), r->ec.message());
    BOOST_TEST(r->body.empty());

    request.max_response_bytes = 200'000;
    auto ok = send(client, request);
    BOOST_REQUIRE(ok);
    BOOST_TEST(!ok->ec);
    BOOST_TEST(ok->body.size() == 100'000u);
}

BOOST_AUTO_TEST_CASE(untrusted_certificate_is_refused_unless_the_ca_is_given) {
    IoThreads io;
    ServerOptions so;
    so.tls = server_tls();
    HttpServer server(io.ioc, so, echo_handler());

    HttpClient system_only(io.ioc); // the system store does not know the test CA
    auto r = send(system_only, get(server.base_url() + "/"));
    BOOST_REQUIRE(r);
    BOOST_TEST(r->ec == make_error_code(error::certificate_untrusted),
               r->ec.message() << " " << r->error_detail);
    BOOST_TEST(!r->outcome_unknown);

    HttpClient trusting(io.ioc, trusting_client());
    auto ok = send(trusting, get(server.base_url() + "/"));
    BOOST_REQUIRE(ok);
    BOOST_TEST(!ok->ec, ok->ec.message() << " " << ok->error_detail);
}

BOOST_AUTO_TEST_CASE(host_name_mismatch_is_refused) {
    IoThreads io;
    ServerOptions so;
    so.tls =
        ServerTls{Certs::get().files.wrong_host_certificate, Certs::get().files.wrong_host_key};
    HttpServer server(io.ioc, so, echo_handler());
    HttpClient client(io.ioc, trusting_client());

    auto r = send(client, get(server.base_url() + "/"));
    BOOST_REQUIRE(r);
    BOOST_TEST(r->ec == make_error_code(error::host_name_mismatch), r->ec.message()
                                                                        << " " << r->error_detail);
    auto by_name = send(client, get("https://localhost:" + std::to_string(server.port()) + "/"));
    BOOST_REQUIRE(by_name);
    BOOST_TEST(by_name->ec == make_error_code(error::host_name_mismatch),
               by_name->ec.message() << " " << by_name->error_detail);
}

BOOST_AUTO_TEST_CASE(unreadable_ca_file_throws) {
    IoThreads io;
    ClientOptions o;
    o.tls.extra_ca_file = "/nonexistent/ca.pem";
    BOOST_CHECK_THROW(HttpClient(io.ioc, o), std::system_error);
}

BOOST_AUTO_TEST_CASE(malformed_response) {
    pms::test::RawServer raw([](pms::test::RawConnection& c) {
        c.read_until("\r\n\r\n", 2s);
        c.send_all("HELLO WORLD\r\n\r\n");
    });
    IoThreads io;
    HttpClient client(io.ioc);
    auto r = send(client, get("http://127.0.0.1:" + std::to_string(raw.port()) + "/"));
    BOOST_REQUIRE(r);
    BOOST_TEST(r->ec == make_error_code(error::malformed_response), r->ec.message());
    BOOST_TEST(r->outcome_unknown);
}

BOOST_AUTO_TEST_CASE(truncated_response_is_an_error) {
    pms::test::RawServer raw([](pms::test::RawConnection& c) {
        c.read_until("\r\n\r\n", 2s);
        c.send_all("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part");
    });
    IoThreads io;
    HttpClient client(io.ioc);
    auto r = send(client, get("http://127.0.0.1:" + std::to_string(raw.port()) + "/"));
    BOOST_REQUIRE(r);
    BOOST_TEST(r->ec == make_error_code(error::connection_closed), r->ec.message());
    BOOST_TEST(r->outcome_unknown);
}

BOOST_AUTO_TEST_CASE(dropped_connection_leaves_the_outcome_unknown) {
    for (bool tls : {false, true}) {
        IoThreads io;
        ServerOptions so;
        if (tls)
            so.tls = server_tls();
        HttpServer server(io.ioc, so, [](Request, Responder respond) { respond.drop(); });
        HttpClient client(io.ioc, trusting_client());
        auto r = send(client, post(server.base_url() + "/pay", "{}"));
        BOOST_REQUIRE(r);
        // Over TLS this is OpenSSL 3's "unexpected eof while reading": a truncation.
        BOOST_TEST(r->ec == make_error_code(error::connection_closed),
                   r->ec.message() << " " << r->error_detail);
        BOOST_TEST(r->outcome_unknown);
        BOOST_TEST(r->status == 0);
    }
}

BOOST_AUTO_TEST_CASE(cancel_completes_exactly_once) {
    IoThreads io;
    Silent silent;
    HttpServer server(io.ioc, {}, silent.handler());
    HttpClient client(io.ioc);
    HttpClient::OpId id = 0;
    auto c = start(client, get(server.base_url() + "/wait"), &id);
    BOOST_REQUIRE(wait_until([&] { return silent.requests.load() == 1; }));
    BOOST_TEST(client.cancel(id));
    BOOST_TEST(!client.cancel(id)); // already completed
    auto r = wait(c);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->ec == make_error_code(error::operation_aborted));
    BOOST_TEST((r->ec == std::errc::operation_canceled));
    BOOST_TEST(r->outcome_unknown);
    std::this_thread::sleep_for(100ms);
    BOOST_TEST(c->calls.load() == 1);
    BOOST_TEST(client.in_flight() == 0u);
    BOOST_TEST(!client.cancel(12345));
}

BOOST_AUTO_TEST_CASE(cancel_races_with_completion) {
    // Cancel at every moment of a fast exchange: whatever wins, exactly one completion.
    IoThreads io(3);
    HttpServer server(io.ioc, {}, echo_handler());
    HttpClient client(io.ioc);
    std::vector<std::shared_ptr<Completion>> all;
    for (int i = 0; i < 200; ++i) {
        HttpClient::OpId id = 0;
        all.push_back(start(client, get(server.base_url() + "/r"), &id));
        if (i % 3 != 2)
            client.cancel(id);
    }
    for (auto& c : all) {
        auto r = wait(c);
        BOOST_REQUIRE(r);
        BOOST_TEST((!r->ec || r->ec == make_error_code(error::operation_aborted)), r->ec.message());
    }
    std::this_thread::sleep_for(100ms);
    for (auto& c : all)
        BOOST_TEST(c->calls.load() == 1);
    BOOST_TEST(client.in_flight() == 0u);
}

BOOST_AUTO_TEST_CASE(shutdown_with_requests_in_flight) {
    IoThreads io;
    Silent silent;
    HttpServer server(io.ioc, {}, silent.handler());
    HttpClient client(io.ioc);
    std::vector<std::shared_ptr<Completion>> all;
    for (int i = 0; i < 5; ++i)
        all.push_back(start(client, get(server.base_url() + "/w")));
    BOOST_REQUIRE(wait_until([&] { return silent.requests.load() == 5; }));
    client.shutdown();
    for (auto& c : all) {
        auto r = wait(c);
        BOOST_REQUIRE(r);
        BOOST_TEST(r->ec == make_error_code(error::operation_aborted));
    }
    auto late = send(client, get(server.base_url() + "/late"));
    BOOST_REQUIRE(late);
    BOOST_TEST(late->ec == make_error_code(error::client_shut_down));
    std::this_thread::sleep_for(100ms);
    for (auto& c : all)
        BOOST_TEST(c->calls.load() == 1);
    client.shutdown(); // idempotent
}

BOOST_AUTO_TEST_CASE(completion_runs_on_the_given_executor_and_never_inline) {
    boost::asio::io_context ioc; // not running: nothing can complete until run()
    HttpClient client(ioc);
    auto strand = boost::asio::make_strand(ioc);
    std::atomic<int> calls{0};
    bool on_strand = false;
    client.async_send(get("not a url"), strand, [&](ClientResponse r) {
        on_strand = strand.running_in_this_thread();
        BOOST_TEST(r.ec == make_error_code(error::invalid_url));
        ++calls;
    });
    client.async_send(get("ftp://127.0.0.1/"), [&](ClientResponse r) {
        BOOST_TEST(r.ec == make_error_code(error::unsupported_scheme));
        ++calls;
    });
    // A scheme and a rootless path Boost.URL 1.81 asserts on (tests/fuzz): refused, no abort.
    client.async_send(get("http:]"), [&](ClientResponse r) {
        BOOST_TEST(r.ec == make_error_code(error::invalid_url));
        ++calls;
    });
    BOOST_TEST(calls.load() == 0);
    ioc.run_for(2s);
    BOOST_TEST(calls.load() == 3);
    BOOST_TEST(on_strand);
}

BOOST_AUTO_TEST_CASE(header_injection_is_refused) {
    IoThreads io;
    HttpClient client(io.ioc);
    auto request = get("http://127.0.0.1:1/");
    request.headers.push_back({"X-Evil", "a\r\nInjected: yes"});
    auto r = send(client, request);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->ec == make_error_code(error::invalid_request));
}

BOOST_AUTO_TEST_CASE(log_hook_never_sees_secrets) {
    IoThreads io;
    HttpServer server(io.ioc, {}, echo_handler());
    std::mutex mutex;
    std::vector<std::string> lines;
    ClientOptions o;
    o.log = [&](const LogRecord& record) {
        std::lock_guard lock(mutex);
        lines.emplace_back(record.message);
    };
    HttpClient client(io.ioc, o);
    auto request = post(server.base_url() + "/orders?token=SECRETQUERY", "SECRETBODY");
    request.headers.push_back({"Authorization", "Bearer SECRETTOKEN"});
    auto r = send(client, request);
    BOOST_REQUIRE(r);
    BOOST_TEST(!r->ec);
    std::lock_guard lock(mutex);
    BOOST_REQUIRE(!lines.empty());
    for (const auto& line : lines) {
        BOOST_TEST(line.find("SECRET") == std::string::npos, line);
        BOOST_TEST(line.find("/orders") != std::string::npos, line);
    }
}

BOOST_AUTO_TEST_CASE(destruction_after_the_io_context_stopped_is_clean) {
    auto io = std::make_unique<IoThreads>();
    auto server = std::make_unique<HttpServer>(io->ioc, ServerOptions{}, echo_handler());
    auto client = std::make_unique<HttpClient>(io->ioc);
    auto r = send(*client, get(server->base_url() + "/"));
    BOOST_REQUIRE(r);
    BOOST_TEST(!r->ec);
    Silent silent; // one request left hanging in both client and server
    auto hanging_server = std::make_unique<HttpServer>(io->ioc, ServerOptions{}, silent.handler());
    auto hanging = start(*client, get(hanging_server->base_url() + "/hang"));
    BOOST_REQUIRE(wait_until([&] { return silent.requests.load() == 1; }));
    io->stop();
    client.reset();
    server.reset();
    hanging_server.reset();
    io.reset(); // the io_context releases what was still queued; ASan/LSan check the rest
    BOOST_TEST(hanging->calls.load() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
