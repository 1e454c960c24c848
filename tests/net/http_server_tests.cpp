// HttpServer: request parsing (chunked bodies, 100-continue, query decoding), limits, the
// response deadline, the exactly-one-answer rule, dropped connections, streamed responses
// (SSE) and stop(). Raw loopback sockets stand in for clients where HttpClient would be
// too polite.
#include <pms/net/http_server.hpp>

#include "net_test_common.hpp"

#include <pms/test_support/raw_socket.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/test/unit_test.hpp>

#include <memory>
#include <mutex>

using namespace pms::net;
using namespace pms::net::testing;
using pms::test::RawConnection;

namespace {

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit = 5s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

// Keeps the last request and its Responder for the test thread.
struct Capture {
    std::mutex mutex;
    std::optional<Request> request;
    std::optional<Responder> responder;
    std::atomic<int> count{0};

    HttpServer::Handler handler() {
        return [this](Request req, Responder respond) {
            std::lock_guard lock(mutex);
            request = std::move(req);
            responder = respond;
            ++count;
        };
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(http_server)

BOOST_AUTO_TEST_CASE(port_zero_picks_a_free_port) {
    IoThreads io;
    HttpServer server(io.ioc, {}, echo_handler());
    BOOST_TEST(server.port() != 0);
    BOOST_TEST(server.base_url() == "http://127.0.0.1:" + std::to_string(server.port()));
    ServerOptions same;
    same.port = server.port();
    BOOST_CHECK_THROW(HttpServer(io.ioc, same, echo_handler()), std::system_error);
}

BOOST_AUTO_TEST_CASE(request_fields_are_exposed) {
    IoThreads io;
    Capture capture;
    HttpServer server(io.ioc, {}, [&](Request req, Responder respond) {
        capture.handler()(std::move(req), respond);
        respond(Response::text(200, "ok"));
    });
    RawConnection c(server.port());
    BOOST_REQUIRE(c.send_all("PUT /hook/a%20b?x=1&name=J%C3%B6rg+K&flag HTTP/1.1\r\n"
                             "Host: 127.0.0.1\r\nX-Signature: abc\r\nContent-Length: 4\r\n\r\n"
                             "body"));
    auto reply = c.read_until("ok", 5s);
    BOOST_TEST(reply.find("HTTP/1.1 200 OK") == 0u, reply);
    std::lock_guard lock(capture.mutex);
    BOOST_REQUIRE(capture.request);
    const auto& r = *capture.request;
    BOOST_TEST(r.method == "PUT");
    BOOST_TEST(r.target == "/hook/a%20b?x=1&name=J%C3%B6rg+K&flag");
    BOOST_TEST(r.path == "/hook/a%20b");
    BOOST_TEST(r.decoded_path().value_or("") == "/hook/a b");
    BOOST_TEST(r.query == "x=1&name=J%C3%B6rg+K&flag");
    BOOST_TEST(r.query_param("name").value_or("") == "J\xC3\xB6rg K");
    BOOST_TEST(r.query_param("flag").value_or("?") == "");
    BOOST_TEST(!r.query_param("missing"));
    BOOST_TEST(r.header("x-signature").value_or("") == "abc");
    BOOST_TEST(r.body == "body");
    BOOST_TEST(r.remote_address == "127.0.0.1");
    BOOST_TEST(r.remote_port != 0);
    BOOST_TEST(!r.tls);
    BOOST_TEST(r.version == 11u);
}

BOOST_AUTO_TEST_CASE(chunked_request_body_is_received_intact) {
    IoThreads io;
    Capture capture;
    HttpServer server(io.ioc, {}, [&](Request req, Responder respond) {
        capture.handler()(std::move(req), respond);
        respond(Response::text(200, "done"));
    });
    RawConnection c(server.port());
    // No Content-Length, as InvoiceBox's own clients send notifications; chunk sizes in hex,
    // one with an extension, a body holding CRLF and non-ASCII bytes, and a trailer.
    std::string body_part1 = "{\"id\":\"4f1\",\r\n";
    std::string body_part2 =
        "\"amount\":\"1550.00\",\"name\":\"\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD\"}";
    char size1[16], size2[16];
    std::snprintf(size1, sizeof size1, "%zx", body_part1.size());
    std::snprintf(size2, sizeof size2, "%zX", body_part2.size());
    std::string wire = "POST /notify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                       "Content-Type: application/json\r\n\r\n" +
                       std::string(size1) + ";ext=1\r\n" + body_part1 + "\r\n" +
                       std::string(size2) + "\r\n" + body_part2 + "\r\n0\r\nX-Trailer: t\r\n\r\n";
    BOOST_REQUIRE(c.send_all(wire));
    auto reply = c.read_until("done", 5s);
    BOOST_TEST(reply.find("HTTP/1.1 200 OK") == 0u, reply);
    std::lock_guard lock(capture.mutex);
    BOOST_REQUIRE(capture.request);
    BOOST_TEST(capture.request->body == body_part1 + body_part2);
    BOOST_TEST(!capture.request->header("Content-Length"));
}

BOOST_AUTO_TEST_CASE(chunked_body_from_http_client) {
    IoThreads io;
    Capture capture;
    HttpServer server(io.ioc, {}, [&](Request req, Responder respond) {
        capture.handler()(std::move(req), respond);
        respond(Response::text(200, "done"));
    });
    HttpClient client(io.ioc);
    auto request = post(server.base_url() + "/notify", R"({"id":"1","amount":"10.00"})");
    request.send_chunked = true;
    auto r = send(client, request);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->status == 200);
    std::lock_guard lock(capture.mutex);
    BOOST_REQUIRE(capture.request);
    BOOST_TEST(capture.request->body == R"({"id":"1","amount":"10.00"})");
    BOOST_TEST(!capture.request->header("Content-Length"));
    BOOST_TEST(capture.request->header("Transfer-Encoding").value_or("") == "chunked");
}

BOOST_AUTO_TEST_CASE(expect_100_continue) {
    IoThreads io;
    HttpServer server(io.ioc, {}, echo_handler());
    RawConnection c(server.port());
    BOOST_REQUIRE(c.send_all("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                             "Expect: 100-continue\r\n\r\n"));
    auto interim = c.read_until("\r\n\r\n", 5s);
    BOOST_TEST(interim == "HTTP/1.1 100 Continue\r\n\r\n");
    BOOST_REQUIRE(c.send_all("hello"));
    auto reply = c.read_until("POST /p hello", 5s);
    BOOST_TEST(reply.find("HTTP/1.1 200 OK") == 0u, reply);
}

BOOST_AUTO_TEST_CASE(oversized_request_body_gets_413) {
    IoThreads io;
    ServerOptions so;
    so.max_body_bytes = 1000;
    std::atomic<int> handled{0};
    HttpServer server(io.ioc, so, [&](Request, Responder respond) {
        ++handled;
        respond(Response::text(200, "ok"));
    });
    HttpClient client(io.ioc);
    auto r = send(client, post(server.base_url() + "/big", std::string(5000, 'b')));
    BOOST_REQUIRE(r);
    BOOST_TEST(!r->ec, r->ec.message());
    BOOST_TEST(r->status == 413);

    // Chunked: the limit applies to the decoded body too.
    RawConnection c(server.port());
    std::string chunk(800, 'c');
    BOOST_REQUIRE(c.send_all("POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "320\r\n" +
                             chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n"));
    bool closed = false;
    auto reply = c.read_to_eof(5s, &closed);
    BOOST_TEST(reply.find("HTTP/1.1 413") == 0u, reply);
    BOOST_TEST(closed);
    BOOST_TEST(handled.load() == 0);
}

BOOST_AUTO_TEST_CASE(oversized_header_gets_431_and_garbage_gets_400) {
    IoThreads io;
    ServerOptions so;
    so.max_header_bytes = 1024;
    HttpServer server(io.ioc, so, echo_handler());
    {
        RawConnection c(server.port());
        c.send_all("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'h') + "\r\n\r\n");
        auto reply = c.read_to_eof(5s);
        BOOST_TEST(reply.find("HTTP/1.1 431") == 0u, reply);
    }
    {
        RawConnection c(server.port());
        c.send_all("THIS IS NOT HTTP\r\n\r\n");
        auto reply = c.read_to_eof(5s);
        BOOST_TEST(reply.find("HTTP/1.1 400") == 0u, reply);
    }
}

BOOST_AUTO_TEST_CASE(silent_client_is_closed_after_the_header_timeout) {
    IoThreads io;
    ServerOptions so;
    so.header_read_timeout = 200ms;
    HttpServer server(io.ioc, so, echo_handler());
    RawConnection c(server.port());
    auto start = std::chrono::steady_clock::now();
    bool closed = false;
    c.read_to_eof(5s, &closed);
    BOOST_TEST(closed);
    BOOST_TEST((std::chrono::steady_clock::now() - start < 3s));
}

// The connection's timer waits for the earliest deadline and, when a later phase moved the
// deadline on, waits again instead of closing: a handler slower than the header timeout is
// still answered, and the idle connection after it still closes at the header timeout.
BOOST_AUTO_TEST_CASE(a_slow_answer_outlasts_the_header_timeout_and_idle_still_closes) {
    IoThreads io;
    ServerOptions so;
    so.header_read_timeout = 300ms;
    so.response_deadline = 10s;
    HttpServer server(io.ioc, so, [&io](Request, Responder respond) {
        auto timer = std::make_shared<boost::asio::steady_timer>(io.ioc, 900ms);
        timer->async_wait([timer, respond](const boost::system::error_code&) {
            respond(Response::text(200, "slow"));
        });
    });
    RawConnection c(server.port());
    BOOST_REQUIRE(c.send_all("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
    const auto reply = c.read_until("slow", 5s);
    BOOST_TEST(reply.find("HTTP/1.1 200") == 0u, reply);
    BOOST_TEST(reply.find("slow") != std::string::npos, reply);
    const auto answered = std::chrono::steady_clock::now();
    bool closed = false;
    c.read_to_eof(5s, &closed);
    BOOST_TEST(closed);
    // Closed for idleness after the answer, well before the response deadline would have.
    BOOST_TEST((std::chrono::steady_clock::now() - answered < 3s));
}

BOOST_AUTO_TEST_CASE(response_deadline_gives_503_and_the_late_answer_is_ignored) {
    IoThreads io;
    ServerOptions so;
    so.response_deadline = 200ms;
    std::mutex mutex;
    std::vector<std::string> log_lines;
    so.log = [&](const LogRecord& r) {
        std::lock_guard lock(mutex);
        log_lines.emplace_back(r.message);
    };
    Capture capture;
    HttpServer server(io.ioc, so, [&](Request req, Responder respond) {
        if (req.path == "/fast")
            respond(Response::text(200, "second"));
        else
            capture.handler()(std::move(req), respond);
    });
    HttpClient client(io.ioc);
    auto r = send(client, get(server.base_url() + "/slow"));
    BOOST_REQUIRE(r);
    BOOST_TEST(!r->ec);
    BOOST_TEST(r->status == 503);
    std::optional<Responder> late;
    {
        std::lock_guard lock(capture.mutex);
        late = capture.responder;
    }
    BOOST_REQUIRE(late);
    BOOST_TEST(late->answered());
    BOOST_TEST(!(*late)(Response::text(200, "too late")));
    // The connection is still usable and carries no stray bytes from the late answer.
    auto second = send(client, get(server.base_url() + "/fast"));
    BOOST_REQUIRE(second);
    BOOST_TEST(second->status == 200);
    BOOST_TEST(second->body == "second");
    BOOST_TEST(second->reused_connection);
    std::lock_guard lock(mutex);
    BOOST_TEST(log_lines.size() >= 2u); // the 503 and the ignored late answer are reported
}

BOOST_AUTO_TEST_CASE(responder_called_twice_sends_one_response) {
    IoThreads io;
    std::atomic<int> accepted{0};
    std::atomic<int> refused{0};
    HttpServer server(io.ioc, {}, [&](Request req, Responder respond) {
        auto copy = respond; // copies share the one answer
        (respond(Response::text(200, "first " + req.path)) ? accepted : refused)++;
        std::thread other([&, copy] {
            (copy(Response::text(500, "second")) ? accepted : refused)++;
            (copy.drop() ? accepted : refused)++;
            (copy.stream(200, {}).valid() ? accepted : refused)++;
        });
        other.join();
    });
    HttpClient client(io.ioc);
    auto a = send(client, get(server.base_url() + "/a"));
    auto b = send(client, get(server.base_url() + "/b"));
    BOOST_REQUIRE(a);
    BOOST_REQUIRE(b);
    BOOST_TEST(a->body == "first /a");
    BOOST_TEST(b->body == "first /b");
    BOOST_TEST(b->reused_connection); // nothing stray was written between the two
    BOOST_TEST(accepted.load() == 2);
    BOOST_TEST(refused.load() == 6);
}

BOOST_AUTO_TEST_CASE(answer_from_another_thread_later) {
    IoThreads io;
    Capture capture;
    HttpServer server(io.ioc, {}, capture.handler());
    HttpClient client(io.ioc);
    auto c = start(client, post(server.base_url() + "/x", "payload"));
    BOOST_REQUIRE(wait_until([&] { return capture.count.load() == 1; }));
    std::this_thread::sleep_for(50ms);
    {
        std::lock_guard lock(capture.mutex);
        BOOST_TEST((*capture.responder)(Response::json(201, R"({"ok":true})")));
    }
    auto r = wait(c);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->status == 201);
    BOOST_TEST(r->body == R"({"ok":true})");
    BOOST_TEST(r->header("Content-Type").value_or("") == "application/json");
}

BOOST_AUTO_TEST_CASE(handler_exception_gives_500) {
    IoThreads io;
    HttpServer server(io.ioc, {}, [](Request, Responder) { throw std::runtime_error("boom"); });
    HttpClient client(io.ioc);
    auto r = send(client, get(server.base_url() + "/"));
    BOOST_REQUIRE(r);
    BOOST_TEST(r->status == 500);
}

BOOST_AUTO_TEST_CASE(keep_alive_off_closes_after_each_response) {
    IoThreads io;
    ServerOptions so;
    so.keep_alive = false;
    HttpServer server(io.ioc, so, echo_handler());
    RawConnection c(server.port());
    c.send_all("GET /once HTTP/1.1\r\nHost: x\r\n\r\n");
    bool closed = false;
    auto reply = c.read_to_eof(5s, &closed);
    BOOST_TEST(closed);
    BOOST_TEST(reply.find("Connection: close") != std::string::npos, reply);
}

// The answer's head is written by hand (not by Beast's serializer): its framing follows the
// request's version and method and the status, and the handler cannot frame or split it.
BOOST_AUTO_TEST_CASE(the_answer_head_frames_the_message_whatever_the_handler_sets) {
    IoThreads io;
    ServerOptions so;
    so.server_header = "pms-test";
    so.default_headers = {{"X-Content-Type-Options", "nosniff"}, {"X-Frame-Options", "DENY"}};
    HttpServer server(io.ioc, so, [](Request req, Responder respond) {
        Response r;
        r.status = req.path == "/empty" ? 204 : 201;
        r.headers = {{"Content-Type", "text/plain"},
                     {"Content-Length", "999"},
                     {"Connection", "close"},
                     {"Transfer-Encoding", "chunked"},
                     {"X-Split", "a\r\nInjected: yes"},
                     {"X-Frame-Options", "SAMEORIGIN"}};
        r.body = req.path == "/empty" ? "" : "hello";
        respond(std::move(r));
    });
    {
        // HTTP/1.1, keep-alive by default: no Connection header, the body's own length; then a
        // second request on the same connection, a HEAD, gets the length and no body.
        RawConnection c(server.port());
        c.send_all("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        const auto first = c.read_until("hello", 5s);
        BOOST_TEST(first.rfind("HTTP/1.1 201 Created\r\n", 0) == 0, first);
        BOOST_TEST(first.find("\r\nContent-Length: 5\r\n") != std::string::npos, first);
        BOOST_TEST(first.find("999") == std::string::npos, first);
        BOOST_TEST(first.find("Connection") == std::string::npos, first);
        BOOST_TEST(first.find("Transfer-Encoding") == std::string::npos, first);
        BOOST_TEST(first.find("Injected") == std::string::npos, first);
        BOOST_TEST(first.find("\r\nServer: pms-test\r\n") != std::string::npos, first);
        BOOST_TEST(first.find("\r\nX-Content-Type-Options: nosniff\r\n") != std::string::npos, first);
        // A default the handler set itself is not added again.
        BOOST_TEST(first.find("X-Frame-Options: SAMEORIGIN") != std::string::npos, first);
        BOOST_TEST(first.find("DENY") == std::string::npos, first);
        BOOST_TEST(first.size() >= 9);
        BOOST_TEST(first.substr(first.size() - 9) == "\r\n\r\nhello", first);

        c.send_all("HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n");
        const auto head = c.read_until("\r\n\r\n", 5s);
        BOOST_TEST(head.find("\r\nContent-Length: 5\r\n") != std::string::npos, head);
        BOOST_TEST(head.find("hello") == std::string::npos, head);
        c.send_all("GET /empty HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        bool closed = false;
        const auto rest = c.read_to_eof(5s, &closed);
        BOOST_TEST(closed);
        // Nothing of the HEAD's body came: the next bytes are the 204's status line.
        BOOST_TEST(rest.rfind("HTTP/1.1 204 No Content\r\n", 0) == 0, rest);
        BOOST_TEST(rest.find("Content-Length") == std::string::npos, rest);
        BOOST_TEST(rest.find("\r\nConnection: close\r\n") != std::string::npos, rest);
    }
    {
        // HTTP/1.0 asking to keep the connection is told so and kept; without asking, closed.
        RawConnection c(server.port());
        c.send_all("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        const auto kept = c.read_until("hello", 5s);
        BOOST_TEST(kept.rfind("HTTP/1.0 201 Created\r\n", 0) == 0, kept);
        BOOST_TEST(kept.find("\r\nConnection: keep-alive\r\n") != std::string::npos, kept);
        c.send_all("GET /a HTTP/1.0\r\n\r\n");
        bool closed = false;
        const auto last = c.read_to_eof(5s, &closed);
        BOOST_TEST(closed);
        BOOST_TEST(last.find("Connection") == std::string::npos, last);
        BOOST_TEST(last.find("hello") != std::string::npos, last);
    }
}

BOOST_AUTO_TEST_CASE(sse_stream_receives_pushed_chunks_and_stop_closes_it) {
    for (bool tls : {false, true}) {
        IoThreads io;
        ServerOptions so;
        if (tls)
            so.tls = server_tls();
        std::mutex mutex;
        std::optional<ResponseStream> stream;
        std::atomic<int> closed_callbacks{0};
        HttpServer server(io.ioc, so, [&](Request, Responder respond) {
            auto s = respond.stream(
                200, {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}});
            s.on_close([&] { ++closed_callbacks; });
            std::lock_guard lock(mutex);
            stream = s;
        });
        if (!tls) {
            // Plain: read the chunks as they arrive with a raw socket.
            RawConnection c(server.port());
            c.send_all("GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
            auto head = c.read_until("\r\n\r\n", 5s);
            BOOST_TEST(head.find("HTTP/1.1 200 OK") == 0u, head);
            BOOST_TEST(head.find("Transfer-Encoding: chunked") != std::string::npos, head);
            BOOST_TEST(head.find("Content-Type: text/event-stream") != std::string::npos, head);
            BOOST_REQUIRE(wait_until([&] {
                std::lock_guard lock(mutex);
                return stream.has_value();
            }));
            std::thread pusher([&] { BOOST_CHECK(stream->send(sse_message("one", "status"))); });
            pusher.join();
            auto first = c.read_until("data: one\n\n", 5s);
            BOOST_TEST(first.find("event: status\ndata: one\n\n") != std::string::npos, first);
            BOOST_TEST(stream->send(sse_message("two\nlines")));
            auto second = c.read_until("data: lines\n\n", 5s);
            BOOST_TEST(second.find("data: two\ndata: lines\n\n") != std::string::npos, second);
            server.stop();
            bool closed = false;
            auto tail = c.read_to_eof(5s, &closed);
            BOOST_TEST(closed);
            BOOST_TEST(tail.find("0\r\n\r\n") != std::string::npos, tail); // last chunk sent
        } else {
            // TLS: HttpClient reads the whole stream once stop() ends it.
            HttpClient client(io.ioc, trusting_client());
            auto c = start(client, get(server.base_url() + "/events"));
            BOOST_REQUIRE(wait_until([&] {
                std::lock_guard lock(mutex);
                return stream.has_value();
            }));
            BOOST_TEST(stream->send(sse_message("one")));
            BOOST_TEST(stream->send(sse_message("two")));
            std::this_thread::sleep_for(100ms);
            server.stop();
            auto r = wait(c);
            BOOST_REQUIRE(r);
            BOOST_TEST(!r->ec, r->ec.message() << " " << r->error_detail);
            BOOST_TEST(r->status == 200);
            BOOST_TEST(r->body == "data: one\n\ndata: two\n\n");
        }
        BOOST_REQUIRE(wait_until([&] { return closed_callbacks.load() == 1; }));
        BOOST_TEST(!stream->is_open());
        BOOST_TEST(!stream->send("after close"));
    }
}

BOOST_AUTO_TEST_CASE(sse_stream_ends_when_the_client_goes_away) {
    IoThreads io;
    std::mutex mutex;
    std::optional<ResponseStream> stream;
    std::atomic<int> closed_callbacks{0};
    HttpServer server(io.ioc, {}, [&](Request, Responder respond) {
        auto s = respond.stream(200, {{"Content-Type", "text/event-stream"}});
        s.on_close([&] { ++closed_callbacks; });
        std::lock_guard lock(mutex);
        stream = s;
    });
    {
        RawConnection c(server.port());
        c.send_all("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
        c.read_until("\r\n\r\n", 5s);
    } // the client closes
    BOOST_REQUIRE(wait_until([&] { return closed_callbacks.load() == 1; }));
    std::lock_guard lock(mutex);
    BOOST_TEST(!stream->is_open());
    BOOST_TEST(server.connection_count() == 0u);
}

BOOST_AUTO_TEST_CASE(stream_close_ends_the_response) {
    IoThreads io;
    HttpServer server(io.ioc, {}, [&](Request, Responder respond) {
        auto s = respond.stream(200, {{"Content-Type", "text/event-stream"}});
        s.send("a");
        s.send("b");
        s.close();
        s.close();
    });
    HttpClient client(io.ioc);
    auto r = send(client, get(server.base_url() + "/"));
    BOOST_REQUIRE(r);
    BOOST_TEST(!r->ec);
    BOOST_TEST(r->body == "ab");
}

BOOST_AUTO_TEST_CASE(stop_answers_pending_requests_and_closes_idle_connections) {
    IoThreads io;
    Capture capture;
    HttpServer server(io.ioc, {}, capture.handler());
    HttpClient client(io.ioc);
    RawConnection idle(server.port()); // connected, never sends
    auto pending = start(client, get(server.base_url() + "/pending"));
    BOOST_REQUIRE(wait_until([&] { return capture.count.load() == 1; }));
    BOOST_REQUIRE(wait_until([&] { return server.connection_count() == 2u; }));
    server.stop();
    auto r = wait(pending);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->status == 503);
    bool closed = false;
    idle.read_to_eof(5s, &closed);
    BOOST_TEST(closed);
    BOOST_REQUIRE(wait_until([&] { return server.connection_count() == 0u; }));
    // The listening socket is closed: new connections are refused.
    auto refused = send(client, get(server.base_url() + "/after"));
    BOOST_REQUIRE(refused);
    BOOST_TEST(refused->ec == make_error_code(error::connection_refused), refused->ec.message());
    server.stop(); // idempotent
}

BOOST_AUTO_TEST_CASE(stop_from_inside_a_handler_does_not_deadlock) {
    IoThreads io;
    std::unique_ptr<HttpServer> server;
    server = std::make_unique<HttpServer>(io.ioc, ServerOptions{}, [&](Request, Responder r) {
        server->stop();
        r(Response::text(200, "bye"));
    });
    HttpClient client(io.ioc);
    auto r = send(client, get(server->base_url() + "/"));
    BOOST_REQUIRE(r);
    BOOST_TEST((r->status == 200 || r->status == 503));
}

BOOST_AUTO_TEST_CASE(max_connections_pauses_accepting) {
    IoThreads io;
    ServerOptions so;
    so.max_connections = 1;
    HttpServer server(io.ioc, so, echo_handler());
    auto first = std::make_unique<RawConnection>(server.port());
    BOOST_REQUIRE(wait_until([&] { return server.connection_count() == 1u; }));
    RawConnection second(server.port()); // sits in the backlog
    second.send_all("GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
    auto nothing = second.read_until("\r\n\r\n", 300ms);
    BOOST_TEST(nothing.empty());
    first.reset();
    auto reply = second.read_until("GET /second", 5s);
    BOOST_TEST(reply.find("HTTP/1.1 200 OK") == 0u, reply);
}

BOOST_AUTO_TEST_SUITE_END()
