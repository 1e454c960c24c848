// See host_process.hpp.
#include "host_process.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <csignal>
#include <cstdlib>
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
    data_dir_ = options.data_dir.empty() ? temp_->path() / "data" : options.data_dir;
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
    if (!options.sign_in_as.empty()) {
        const auto reply = sign_in(options.sign_in_as);
        if (reply.status != 200)
            throw std::runtime_error("signing in as " + options.sign_in_as + " failed: " +
                                     std::to_string(reply.status) + " " + reply.body);
    }
}

HttpReply HostProcess::sign_in(const std::string& login, const std::string& password) {
    auto reply = post_json("/api/session", json::object{{"login", login}, {"password", password}});
    if (reply.status == 200)
        if (auto set = reply.header("Set-Cookie")) {
            const std::string_view text = *set;
            cookie_ = std::string{text.substr(0, text.find(';'))};
        }
    return reply;
}

std::string HostProcess::cookie_header_line() const {
    return cookie_.empty() ? std::string{} : "Cookie: " + cookie_ + "\r\n";
}

std::string HostProcess::extra_session(const std::string& login, const std::string& password) {
    const std::string mine = cookie_;
    const auto reply = sign_in(login, password);
    std::string theirs = cookie_;
    cookie_ = mine;
    if (reply.status != 200 || theirs == mine)
        throw std::runtime_error("signing in as " + login + " failed: " +
                                 std::to_string(reply.status) + " " + reply.body);
    return theirs;
}

std::string HostProcess::hooks_base_url(std::chrono::milliseconds timeout) {
    const std::string marker = "notification endpoint (/hooks/... only) listening on ";
    if (!wait_for_log(marker, timeout))
        throw std::runtime_error("the host did not log its /hooks listener");
    const std::string text = stderr_text();
    const auto at = text.find(marker) + marker.size();
    const auto end = text.find_first_of(" \r\n", at);
    return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
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
    if (!cookie_.empty() && !net::find_header(req.headers, "Cookie"))
        req.headers.push_back({"Cookie", cookie_});
    const bool changes = req.method == "POST" || req.method == "PUT" || req.method == "PATCH" ||
                         req.method == "DELETE";
    if (changes && !net::find_header(req.headers, "Origin"))
        req.headers.push_back({"Origin", base_url_});
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

namespace {

// Waits up to `timeout` for bytes on `fd` and appends them to `out`; false on timeout, and on
// end of stream or an error (then `closed` is set).
bool read_available(int fd, bool& closed, std::string& out, std::chrono::milliseconds timeout) {
    if (closed || fd < 0)
        return false;
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::max<long long>(timeout.count(), 0)));
    if (ready <= 0)
        return false;
    char buffer[8192];
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
        closed = true;
        return false;
    }
    out.append(buffer, static_cast<std::size_t>(n));
    return true;
}

} // namespace

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
                                " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                                "\r\nAccept: text/event-stream\r\n" +
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
    return read_available(fd_, closed_, text_, timeout);
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

// ---- raw HTTP ----------------------------------------------------------------------------------

std::optional<std::string> RawReply::header(std::string_view name) const {
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos + 2 < head.size()) {
        const auto start = pos + 2;
        const auto end = head.find("\r\n", start);
        const std::string_view line{head.data() + start,
                                    (end == std::string::npos ? head.size() : end) - start};
        const auto colon = line.find(':');
        if (colon != std::string_view::npos && net::iequals(line.substr(0, colon), name)) {
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
                value.remove_prefix(1);
            while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
                value.remove_suffix(1);
            return std::string{value};
        }
        pos = end;
    }
    return std::nullopt;
}

RawHttp::RawHttp(std::uint16_t port, const std::string& source_address) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0)
        throw std::runtime_error("socket() failed");
    if (!source_address.empty()) {
        sockaddr_in from{};
        from.sin_family = AF_INET;
        from.sin_port = 0;
        if (::inet_pton(AF_INET, source_address.c_str(), &from.sin_addr) != 1 ||
            ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
            ::close(fd_);
            throw std::runtime_error("cannot bind to " + source_address);
        }
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd_);
        throw std::runtime_error("connect() failed");
    }
}

RawHttp::~RawHttp() {
    close();
}

void RawHttp::close() {
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
    closed_ = true;
}

bool RawHttp::send(std::string_view data) {
    while (!data.empty() && fd_ >= 0) {
        const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return data.empty();
}

bool RawHttp::read_some(std::chrono::milliseconds timeout) {
    return read_available(fd_, closed_, buffer_, timeout);
}

RawReply RawHttp::read_reply(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto left = [&] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
    };
    RawReply reply;
    std::size_t end = std::string::npos;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
        if (left().count() <= 0 || closed_)
            return reply;
        read_some(left());
    }
    reply.head = buffer_.substr(0, end);
    std::string rest = buffer_.substr(end + 4);
    buffer_.clear();
    if (reply.head.rfind("HTTP/1.", 0) != 0 || reply.head.size() < 12)
        return reply;
    reply.status = std::atoi(reply.head.c_str() + 9);
    if (const auto length = reply.header("Content-Length")) {
        const auto want = static_cast<std::size_t>(std::stoull(*length));
        buffer_ = std::move(rest);
        while (buffer_.size() < want && left().count() > 0 && !closed_)
            read_some(left());
        reply.body = buffer_.substr(0, std::min(want, buffer_.size()));
        buffer_.erase(0, std::min(want, buffer_.size()));
    } else {
        reply.body = std::move(rest); // a streamed answer: what came with the head
    }
    return reply;
}

bool RawHttp::wait_closed(std::chrono::milliseconds timeout) {
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

std::string raw_request_text(const std::string& method, const std::string& path,
                             const std::string& host,
                             const std::vector<std::pair<std::string, std::string>>& headers,
                             const std::string& body, bool keep_alive) {
    std::string text = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n";
    for (const auto& [name, value] : headers)
        text += name + ": " + value + "\r\n";
    const bool changes = method == "POST" || method == "PUT" || method == "PATCH" ||
                         method == "DELETE";
    if (changes || !body.empty())
        text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    text += keep_alive ? "\r\n" + body : "Connection: close\r\n\r\n" + body;
    return text;
}

RawReply raw_exchange(std::uint16_t port, const std::string& request_text,
                      std::chrono::milliseconds timeout, const std::string& source_address) {
    RawHttp connection{port, source_address};
    if (!connection.send(request_text))
        return {};
    return connection.read_reply(timeout);
}

CommandResult run_pms_host(const std::vector<std::string>& args,
                           const std::optional<std::string>& stdin_text,
                           std::chrono::milliseconds timeout) {
    ChildProcess::Options child;
    child.program = "/bin/sh";
    child.args = {"-c",
                  stdin_text ? "printf '%s' \"$PMS_TEST_STDIN\" | exec \"$0\" \"$@\" 2>&1"
                             : "exec \"$0\" \"$@\" 2>&1 </dev/null",
                  PMS_HOST_EXE};
    child.args.insert(child.args.end(), args.begin(), args.end());
    if (stdin_text)
        child.env.emplace_back("PMS_TEST_STDIN", *stdin_text);
    child.wait_first_line = false;
    ChildProcess process{child};
    CommandResult result;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto line = process.read_line(std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()));
        if (!line)
            break;
        result.output += *line + "\n";
    }
    result.exit_code = process.wait_exit(std::chrono::seconds(5));
    return result;
}

net::Headers staff_headers(const std::string& id, const std::string& name) {
    return {{"X-Staff-Id", id}, {"X-Staff-Name", name}};
}

} // namespace pms::test
