// See host_process.hpp.
#include "host_process.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <arpa/inet.h>
#include <csignal>
#include <fstream>
#include <future>
#include <iostream>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace pms::test {

namespace json = boost::json;

HostProcess::HostProcess(HostOptions options)
    : temp_{std::make_unique<TempDir>("pms-host-server")} {
    data_dir_ = temp_->path() / "data";
    stderr_file_ = temp_->path() / "host.stderr";

    std::vector<std::string> args{"--listen",         "127.0.0.1:0", "--data",
                                  data_dir_.string(), "--log-level", "debug"};
    args.push_back("--plugins");
    args.push_back(options.fixture_plugins ? std::string{PMS_SERVER_FIXTURE_PLUGINS}
                                           : (temp_->path() / "no-plugins").string());
    if (options.seed_demo)
        args.push_back("--seed-demo");
    if (options.fake_clock)
        args.push_back("--fake-clock");
    args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());

    // The shell only redirects stderr into a file and execs the host, so the child's pid is
    // the host's and signals reach it directly.
    ChildProcess::Options child;
    child.program = "/bin/sh";
    child.args = {"-c", "exec \"$0\" \"$@\" 2>>\"$PMS_TEST_STDERR\"", PMS_HOST_EXE};
    child.args.insert(child.args.end(), args.begin(), args.end());
    child.env = options.env;
    child.env.emplace_back("PMS_TEST_STDERR", stderr_file_.string());
    child.first_line_timeout = std::chrono::seconds(30);
    child.stop_grace = std::chrono::seconds(15);
    try {
        child_ = std::make_unique<ChildProcess>(std::move(child));
    } catch (...) {
        std::cerr << "pms-host did not start; its stderr:\n" << stderr_text() << "\n";
        throw;
    }

    const std::string prefix = "pms-host listening on http://127.0.0.1:";
    const auto& line = child_->first_line();
    if (line.rfind(prefix, 0) != 0)
        throw std::runtime_error("unexpected first line: " + line);
    port_ = static_cast<std::uint16_t>(std::stoi(line.substr(prefix.size())));
    base_url_ = "http://127.0.0.1:" + std::to_string(port_);

    work_.emplace(ioc_.get_executor());
    io_thread_ = std::thread{[this] { ioc_.run(); }};
    net::ClientOptions client_options;
    client_options.total_timeout = std::chrono::seconds(30);
    client_ = std::make_unique<net::HttpClient>(ioc_, client_options);
}

HostProcess::~HostProcess() {
    client_->shutdown();
    work_.reset();
    ioc_.stop();
    if (io_thread_.joinable())
        io_thread_.join();
    client_.reset();
    if (child_)
        child_->stop(SIGTERM, std::chrono::seconds(15));
    if (std::getenv("PMS_TEST_SHOW_HOST_LOG") != nullptr)
        std::cerr << "---- pms-host stderr ----\n" << stderr_text() << "---- end ----\n";
}

HttpReply HostProcess::request(std::string method, const std::string& path, std::string body,
                               net::Headers headers, std::chrono::milliseconds timeout) {
    net::ClientRequest req;
    req.method = std::move(method);
    req.url = base_url_ + path;
    req.headers = std::move(headers);
    req.body = std::move(body);
    req.total_timeout = timeout;
    auto promise = std::make_shared<std::promise<net::ClientResponse>>();
    auto future = promise->get_future();
    client_->async_send(std::move(req),
                        [promise](net::ClientResponse r) { promise->set_value(std::move(r)); });
    HttpReply reply;
    if (future.wait_for(timeout + std::chrono::seconds(5)) != std::future_status::ready) {
        reply.ec = std::make_error_code(std::errc::timed_out);
        return reply;
    }
    auto response = future.get();
    reply.ec = response.ec;
    reply.status = response.status;
    reply.headers = std::move(response.headers);
    reply.body = std::move(response.body);
    bodies_ += reply.body;
    bodies_ += '\n';
    boost::system::error_code ec;
    auto parsed = json::parse(reply.body, ec);
    if (!ec)
        reply.json = std::move(parsed);
    return reply;
}

HttpReply HostProcess::post_json(const std::string& path, const json::value& body,
                                 net::Headers headers) {
    headers.push_back({"Content-Type", "application/json"});
    return request("POST", path, json::serialize(body), std::move(headers));
}

HttpReply HostProcess::put_json(const std::string& path, const json::value& body,
                                net::Headers headers) {
    headers.push_back({"Content-Type", "application/json"});
    return request("PUT", path, json::serialize(body), std::move(headers));
}

std::string HostProcess::stderr_text() const {
    std::ifstream in{stderr_file_, std::ios::binary};
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

bool HostProcess::wait_for_log(const std::string& needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (stderr_text().find(needle) != std::string::npos)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return stderr_text().find(needle) != std::string::npos;
}

std::string HostProcess::demo_property() {
    const auto reply = get("/api/properties");
    if (reply.status != 200 || !reply.json.is_object())
        throw std::runtime_error("GET /api/properties failed: " + reply.body);
    for (const auto& p : reply.json.at("properties").as_array())
        if (p.at("name").as_string() == "Гранд Отель Суперотель")
            return std::string{p.at("id").as_string()};
    throw std::runtime_error("the demo property is missing");
}

std::optional<int> HostProcess::terminate(std::chrono::milliseconds timeout) {
    child_->signal_group(SIGTERM);
    return child_->wait_exit(timeout);
}

// ---- EventStream
// -----------------------------------------------------------------------------------

EventStream::EventStream(std::uint16_t port, const std::string& path,
                         const std::string& extra_headers) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0)
        throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error("connect() failed");
    const std::string request = "GET " + path +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" +
                                extra_headers + "\r\n";
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size()))
        throw std::runtime_error("send() failed");
}

EventStream::~EventStream() {
    if (fd_ >= 0)
        ::close(fd_);
}

bool EventStream::read_some(std::chrono::milliseconds timeout) {
    if (closed_)
        return false;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready <= 0)
        return false;
    char buffer[4096];
    const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) {
        closed_ = true;
        return false;
    }
    text_.append(buffer, static_cast<std::size_t>(n));
    return true;
}

std::optional<std::size_t> EventStream::wait_for(const std::string& needle,
                                                 std::chrono::milliseconds timeout,
                                                 std::size_t from) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (const auto pos = text_.find(needle, from); pos != std::string::npos)
            return pos;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || closed_)
            return std::nullopt;
        read_some(left);
    }
}

bool EventStream::wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        read_some(left);
    }
    return true;
}

net::Headers staff_headers(const std::string& id, const std::string& name) {
    return {{"X-Staff-Id", id}, {"X-Staff-Name", name}};
}

} // namespace pms::test
