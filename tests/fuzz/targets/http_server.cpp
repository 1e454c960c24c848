// Target: the HTTP server's request reading (common/net, pms::net::HttpServer): the raw bytes a
// client sends on one connection, through Beast's parser as the server configures it (header
// and body limits, chunked bodies, Expect: 100-continue, keep-alive and pipelining), the
// conversion into pms::net::Request, percent-decoding and query parsing, and the answers the
// server makes itself (400, 413, 417, 431, 503) or through a Responder (JSON, drop, streamed).
//
// The server is the real one, started once in this process on 127.0.0.1 with an ephemeral port
// (loopback only: nothing leaves the machine). Each input is sent on a fresh connection, the
// write side is shut, and the whole answer is read until the server closes.
//
// Handler routes: /drop answers by closing; /sse streams two chunks; /twice answers twice (the
// second must be ignored); anything else gets a JSON echo of what was parsed.
//
// Property: whatever the server writes back starts with an HTTP/1.x status line.
#include "input.hpp"

#include <pms/net/http_server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

namespace net = pms::net;

namespace {


void handle(net::Request req, net::Responder respond) {
    const auto path = req.decoded_path();
    if (req.path == "/drop") {
        respond.drop();
        return;
    }
    if (req.path == "/sse") {
        auto stream = respond.stream(200, {{"Content-Type", "text/event-stream"}});
        stream.send(net::sse_message(req.body, "fuzz", "1"));
        stream.send(net::sse_message("second"));
        stream.close();
        return;
    }
    std::string echo = "{\"method\":" + std::to_string(req.method.size()) +
                       ",\"path\":" + std::to_string(path ? path->size() : 0) +
                       ",\"params\":" + std::to_string(req.query_params().size()) +
                       ",\"headers\":" + std::to_string(req.headers.size()) +
                       ",\"body\":" + std::to_string(req.body.size()) + "}";
    (void)net::format_headers_for_log(req.headers);
    respond(net::Response::json(200, echo));
    if (req.path == "/twice")
        FUZZ_REQUIRE(!respond(net::Response::text(500, "second answer\n")));
}

struct Server {
    boost::asio::io_context ioc;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{ioc.get_executor()};
    std::unique_ptr<net::HttpServer> server;
    std::thread thread;

    Server() {
        net::ServerOptions o;
        o.address = "127.0.0.1";
        o.port = 0;
        // Small limits so that the 413/431 answers are within the fuzzer's input sizes; short
        // timeouts so that an input the server waits on costs little.
        o.max_body_bytes = 4096;
        o.max_header_bytes = 2048;
        o.header_read_timeout = std::chrono::milliseconds(500);
        o.body_read_timeout = std::chrono::milliseconds(500);
        o.response_deadline = std::chrono::milliseconds(500);
        o.write_timeout = std::chrono::milliseconds(500);
        server = std::make_unique<net::HttpServer>(ioc, o, handle);
        thread = std::thread([this] { ioc.run(); });
    }
};

Server& server() {
    // Never destroyed: the io thread runs until the process exits (libFuzzer exits with _exit
    // paths where static destructors would race the thread).
    static Server* s = new Server();
    return *s;
}

/// connect() that survives a signal: libFuzzer's timeout timer (SIGALRM, installed without
/// SA_RESTART) interrupts a blocking connect now and then, and the connection then completes
/// in the background. Found by the long run of 2026-12-05: after ~200,000 inputs a connect
/// returned EINTR and the target reported it as a failure of the server.
bool connect_to(int fd, const sockaddr_in& addr) {
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0)
        return true;
    if (errno != EINTR && errno != EINPROGRESS)
        return false;
    pollfd p{fd, POLLOUT, 0};
    int ready;
    do
        ready = ::poll(&p, 1, 2000);
    while (ready < 0 && errno == EINTR);
    if (ready != 1)
        return false;
    int error = 0;
    socklen_t len = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
        return false;
    errno = error;
    return error == 0;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto& s = server();
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    FUZZ_REQUIRE(fd >= 0);
    timeval tv{2, 0};
    const int one_flag = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(s.server->port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (!connect_to(fd, addr)) {
        std::fprintf(stderr, "fuzz: connect to the server failed: %s\n", std::strerror(errno));
        FUZZ_REQUIRE(false);
    }

    // The server may answer (413, 431) and close before all bytes are written: stop writing then.
    std::size_t sent = 0;
    while (sent < size) {
        const auto n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);

    std::string answer;
    char buf[4096];
    const int one = 1;
    for (;;) {
        // Acknowledge at once: with delayed ACKs the server's second small write waits ~40 ms
        // for Nagle, which would cap the target at a few dozen inputs per second.
        ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        answer.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (!answer.empty())
        FUZZ_REQUIRE(answer.rfind("HTTP/1.", 0) == 0);
    return 0;
}
