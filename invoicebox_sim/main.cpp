// invoicebox-sim: the InvoiceBox merchant API simulator (see README.md).
//
// Prints its base URL as the first line of standard output once it accepts connections, then
// serves until SIGINT or SIGTERM.
#include "invoicebox/sim/engine.hpp"
#include "invoicebox/sim/options.hpp"
#include "invoicebox/sim/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    using namespace invoicebox::sim;
    std::signal(SIGPIPE, SIG_IGN);

    std::vector<std::string> args(argv + 1, argv + argc);
    const auto parsed = parse_options(args);
    if (parsed.help) {
        std::cout << parsed.message;
        return 0;
    }
    if (!parsed.options) {
        std::cerr << "invoicebox-sim: " << parsed.message << "\n";
        return 2;
    }
    const Options& opts = *parsed.options;

    try {
        boost::asio::io_context ioc;
        Engine engine(engine_config(opts));
        if (const auto err = engine.load_state()) {
            std::cerr << "invoicebox-sim: " << *err << "\n";
            return 1;
        }
        ServerSettings settings;
        settings.address = opts.listen_host;
        settings.port = opts.listen_port;
        if (opts.tls_cert && opts.tls_key) {
            settings.tls_certificate = *opts.tls_cert;
            settings.tls_key = *opts.tls_key;
        }
        if (opts.notification_ca) {
            settings.notification_ca_file = *opts.notification_ca;
        }
        if (!opts.quiet) {
            settings.log = [](const std::string& line) {
                std::fprintf(stderr, "invoicebox-sim: %s\n", line.c_str());
            };
        }
        SimServer server(ioc, engine, std::move(settings));
        if (opts.public_url.empty()) {
            engine.set_public_url(server.base_url());
        }

        boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code& ec, int) {
            if (!ec) {
                server.stop();
            }
        });

        std::cout << server.base_url() << std::endl; // endl flushes: the parent waits for it
        ioc.run();
        if (const auto err = engine.state_error(); !err.empty()) {
            std::cerr << "invoicebox-sim: state file: " << err << "\n";
        }
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "invoicebox-sim: " << e.what() << "\n";
        return 1;
    }
}
