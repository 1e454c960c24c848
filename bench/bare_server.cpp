// The ingress limit: a bare, single-threaded Boost.Beast server that answers every request with
// 200 {"status":"success"} over keep-alive, doing nothing else. pms-host's notification route is
// compared with it in the same run, so the ratio shows what the host adds on top of HTTP itself
// (parsing, routing, the plugin hop, the signature check, the durable record).
//
//   bench-bare-server [--listen 127.0.0.1:0]
//
// The first line of standard output is the base URL (the orchestrator waits for it). SIGTERM or
// SIGINT stops it.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <iostream>
#include <string>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Beast's default body limit is 8 MiB; the host refuses above 1 MiB, so the baseline does too
// (a limit the bench never reaches, kept so both sides parse under the same rule).
constexpr std::size_t body_limit = 1 << 20;

asio::awaitable<void> serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    // As pms::net's server does (8 KiB): a request in one read, not in 512-byte ones, so the
    // baseline pays no cost the host does not.
    buffer.reserve(8 * 1024);
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(body_limit);
        beast::error_code ec;
        co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        if (ec)
            break;
        const auto& req = parser.get();
        http::response<http::string_body> res{http::status::ok, req.version()};
        res.set(http::field::content_type, "application/json");
        res.keep_alive(req.keep_alive());
        res.body() = R"({"status":"success"})";
        res.prepare_payload();
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
        if (ec || !res.keep_alive())
            break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
    for (;;) {
        beast::error_code ec;
        tcp::socket s = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            if (ec == asio::error::operation_aborted)
                co_return;
            continue;
        }
        s.set_option(tcp::no_delay(true), ec);
        asio::co_spawn(acceptor.get_executor(), serve(std::move(s)), asio::detached);
    }
}

} // namespace

int main(int argc, char** argv) {
    std::string listen = "127.0.0.1:0";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--listen" && i + 1 < argc)
            listen = argv[++i];
        else {
            std::cerr << "usage: bench-bare-server [--listen HOST:PORT]\n";
            return 2;
        }
    }
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos) {
        std::cerr << "--listen expects HOST:PORT\n";
        return 2;
    }
    try {
        asio::io_context ioc(1); // one thread: the concurrency hint lets Asio drop its locking
        tcp::endpoint ep(asio::ip::make_address(listen.substr(0, colon)),
                         static_cast<unsigned short>(std::stoi(listen.substr(colon + 1))));
        tcp::acceptor acceptor(ioc, ep);
        acceptor.listen(asio::socket_base::max_listen_connections);
        asio::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&](const beast::error_code&, int) {
            beast::error_code ec;
            acceptor.close(ec);
            ioc.stop();
        });
        asio::co_spawn(ioc, accept_loop(acceptor), asio::detached);
        std::cout << "http://" << listen.substr(0, colon) << ":" << acceptor.local_endpoint().port() << std::endl;
        ioc.run();
    } catch (const std::exception& e) {
        std::cerr << "bench-bare-server: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
