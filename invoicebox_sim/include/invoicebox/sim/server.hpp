// The simulator on the network: pms::net's HTTP(S) server in front of the Engine, pms::net's
// client for the notification POSTs, and one timer that wakes the engine when something is
// due (order expiry, a retry, a refund completing). Runs on one io_context; the engine's mutex
// guards the state, a strand serialises the pump and its timer.
#pragma once

#include "invoicebox/sim/engine.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace invoicebox::sim {

struct ServerSettings {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;
    std::optional<std::filesystem::path> tls_certificate; // both set: HTTPS
    std::optional<std::filesystem::path> tls_key;
    std::filesystem::path notification_ca_file; // extra CA for https notification URLs
    bool notification_verify_peer = true;
    // One line per request (method, path without query, status, ms) and per notification
    // attempt; no header values or bodies. Empty: no log.
    std::function<void(const std::string&)> log;
};

class SimServer {
  public:
    // Binds at once (throws std::system_error when it cannot) and starts serving on `ioc`.
    // `engine` and `ioc` must outlive the server.
    SimServer(boost::asio::io_context& ioc, Engine& engine, ServerSettings settings);
    ~SimServer();

    SimServer(const SimServer&) = delete;
    SimServer& operator=(const SimServer&) = delete;

    // "http://127.0.0.1:<port>" or "https://…".
    std::string base_url() const;
    std::uint16_t port() const;

    // Stops accepting, cancels pending delayed answers, the timer and notification POSTs.
    // Idempotent; callable from any thread.
    void stop();

    struct Impl;

  private:
    std::shared_ptr<Impl> impl_;
};

} // namespace invoicebox::sim
