// Blocking loopback sockets for tests (POSIX only, no Asio).
#include <pms/test_support/raw_socket.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace pms::test {
namespace {

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    return addr;
}

[[noreturn]] void throw_errno(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

// Waits for `events` on fd until `deadline`; false on timeout.
bool wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline) {
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        pollfd p{fd, events, 0};
        int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r > 0)
            return true;
        if (r < 0 && errno != EINTR)
            return false;
    }
}

int listen_on_loopback(int backlog, std::uint16_t& port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        throw_errno("socket");
    auto addr = loopback(0);
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd, backlog) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        int e = errno;
        ::close(fd);
        throw std::system_error(e, std::generic_category(), "listen on 127.0.0.1");
    }
    port = ntohs(addr.sin_port);
    return fd;
}

} // namespace

RawConnection::RawConnection(std::uint16_t port, std::chrono::milliseconds timeout) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0)
        throw_errno("socket");
    auto addr = loopback(port);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        if (errno != EINPROGRESS) {
            int e = errno;
            ::close(fd_);
            throw std::system_error(e, std::generic_category(), "connect");
        }
        int err = ETIMEDOUT;
        socklen_t len = sizeof err;
        if (wait_for(fd_, POLLOUT, std::chrono::steady_clock::now() + timeout))
            ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            ::close(fd_);
            throw std::system_error(err, std::generic_category(), "connect");
        }
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawConnection::~RawConnection() {
    if (fd_ >= 0)
        ::close(fd_);
}

bool RawConnection::send_all(std::string_view data) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!data.empty()) {
        ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (!wait_for(fd_, POLLOUT, deadline))
                return false;
        } else {
            return false;
        }
    }
    return true;
}

std::string RawConnection::read_until(std::string_view marker, std::chrono::milliseconds timeout) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[4096];
    while (out.find(marker) == std::string::npos) {
        if (!wait_for(fd_, POLLIN, deadline))
            break;
        ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n > 0)
            out.append(buffer, static_cast<std::size_t>(n));
        else if (n == 0 || (errno != EAGAIN && errno != EINTR))
            break;
    }
    return out;
}

std::string RawConnection::read_to_eof(std::chrono::milliseconds timeout, bool* closed) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[4096];
    if (closed)
        *closed = false;
    while (wait_for(fd_, POLLIN, deadline)) {
        ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n > 0) {
            out.append(buffer, static_cast<std::size_t>(n));
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            if (closed)
                *closed = true; // EOF or reset: either way the peer is gone
            break;
        }
    }
    return out;
}

void RawConnection::shutdown_send() {
    ::shutdown(fd_, SHUT_WR);
}

RawServer::RawServer(std::function<void(RawConnection&)> on_connection, int backlog) {
    listen_fd_ = listen_on_loopback(backlog, port_);
    if (::pipe2(wake_pipe_, O_CLOEXEC) != 0) {
        ::close(listen_fd_);
        throw_errno("pipe2");
    }
    thread_ = std::thread([this, handler = std::move(on_connection)] {
        while (true) {
            pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
            if (::poll(p, 2, -1) < 0) {
                if (errno == EINTR)
                    continue;
                return;
            }
            if (p[1].revents)
                return;
            int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd < 0)
                continue;
            RawConnection conn(fd);
            handler(conn);
        }
    });
}

RawServer::~RawServer() {
    char byte = 1;
    (void)!::write(wake_pipe_[1], &byte, 1);
    if (thread_.joinable())
        thread_.join();
    ::close(listen_fd_);
    ::close(wake_pipe_[0]);
    ::close(wake_pipe_[1]);
}

BlackholeListener::BlackholeListener() {
    listen_fd_ = listen_on_loopback(0, port_);
    // Fill the accept queue: once it is full the kernel drops further SYNs, and a connect()
    // waits for a SYN-ACK that does not come.
    auto addr = loopback(port_);
    for (int& fd : fillers_) {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd >= 0)
            (void)::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    }
}

BlackholeListener::~BlackholeListener() {
    for (int fd : fillers_)
        if (fd >= 0)
            ::close(fd);
    ::close(listen_fd_);
}

} // namespace pms::test
