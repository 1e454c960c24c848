// Blocking loopback TCP helpers for tests that must send or accept bytes no well-behaved
// HTTP client or server would (chunked bodies by hand, garbage responses, silent peers).
// Every call is bounded by a timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

namespace pms::test {

// A client connection to 127.0.0.1:port.
class RawConnection {
  public:
    // Connects (blocking, bounded by `timeout`). Throws std::system_error on failure.
    explicit RawConnection(std::uint16_t port,
                           std::chrono::milliseconds timeout = std::chrono::seconds(5));
    explicit RawConnection(int connected_fd) noexcept : fd_(connected_fd) {}
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    int fd() const noexcept { return fd_; }
    // Sends everything; false on error.
    bool send_all(std::string_view data);
    // Reads until `marker` has been seen (returns everything read so far, marker included),
    // the peer closes, or the timeout passes. Bytes after the marker stay in the result.
    std::string read_until(std::string_view marker, std::chrono::milliseconds timeout);
    // Reads until the peer closes or the timeout passes; `closed` tells which.
    std::string read_to_eof(std::chrono::milliseconds timeout, bool* closed = nullptr);
    // Half-closes the sending side.
    void shutdown_send();

  private:
    int fd_ = -1;
};

// A listening socket on 127.0.0.1 (port chosen by the kernel) whose connections are handed to
// `on_connection` on a background thread, one at a time. For malformed or silent servers.
class RawServer {
  public:
    explicit RawServer(std::function<void(RawConnection&)> on_connection, int backlog = 16);
    ~RawServer(); // stops accepting and joins the thread
    RawServer(const RawServer&) = delete;
    RawServer& operator=(const RawServer&) = delete;

    std::uint16_t port() const noexcept { return port_; }

  private:
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    int wake_pipe_[2] = {-1, -1};
    std::thread thread_;
};

// A listening socket that never accepts, with its accept queue filled, so that further
// connection attempts hang in SYN_SENT: the way to test connect timeouts on loopback only.
class BlackholeListener {
  public:
    BlackholeListener();
    ~BlackholeListener();
    BlackholeListener(const BlackholeListener&) = delete;
    BlackholeListener& operator=(const BlackholeListener&) = delete;

    std::uint16_t port() const noexcept { return port_; }

  private:
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    int fillers_[4] = {-1, -1, -1, -1};
};

} // namespace pms::test
