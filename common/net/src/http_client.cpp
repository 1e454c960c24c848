// HttpClient implementation: one Op per request, running on its own strand, over a pooled or
// fresh connection (plain TCP or TLS). Every Op completes exactly once: the first of success,
// failure, timeout or cancel() to set Op::done delivers, all other paths only clean up.
#include <pms/net/http_client.hpp>

#include <pms/boost_impl/url_guard.hpp>

#include "tls_context.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include <sys/socket.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <deque>
#include <mutex>
#include <unordered_map>

namespace pms::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

constexpr std::uint32_t max_response_header_bytes = 64 * 1024;

// Where a request goes, from its URL.
struct Target {
    bool tls = false;
    std::string host; // name or IP literal, IPv6 without brackets
    std::uint16_t port = 0;
    std::string target;      // path?query, as sent on the request line
    std::string host_header; // Host field value
    std::string origin;      // scheme://host:port, the pool key
    std::string log_name;    // scheme://host:port/path, no query (may hold secrets)
};

std::error_code parse_target(const std::string& url, Target& out) {
    // "scheme://" first, by hand: Boost.URL 1.81 trips an assertion (an abort in a build with
    // asserts) on a scheme followed by a rootless path it must refuse, e.g. "http:]" — and a
    // plugin chooses the URLs it sends. Every URL the client takes has an authority anyway.
    if (!pms::boost_impl::starts_with_scheme_and_authority(url))
        return error::invalid_url;
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed)
        return error::invalid_url;
    const auto& u = *parsed;
    std::string scheme(u.scheme());
    for (auto& c : scheme)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme == "https")
        out.tls = true;
    else if (scheme != "http")
        return error::unsupported_scheme;
    if (!u.has_authority() || u.encoded_host().empty())
        return error::invalid_url;
    out.host = u.host_address();
    bool ipv6 = u.host_type() == boost::urls::host_type::ipv6;
    std::uint16_t default_port = out.tls ? 443 : 80;
    out.port = default_port;
    if (u.has_port() && !u.port().empty()) {
        if (u.port_number() == 0)
            return error::invalid_url;
        out.port = u.port_number();
    }
    std::string bracketed = ipv6 ? "[" + out.host + "]" : out.host;
    out.host_header = bracketed;
    if (out.port != default_port)
        out.host_header += ":" + std::to_string(out.port);
    std::string path = u.encoded_path().empty() ? std::string("/") : std::string(u.encoded_path());
    out.target = path;
    if (u.has_query())
        out.target += "?" + std::string(u.encoded_query());
    out.origin = scheme + "://" + bracketed + ":" + std::to_string(out.port);
    out.log_name = out.origin + path;
    return {};
}

bool has_control_chars(std::string_view s) {
    return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// A connection, plain or TLS. Its socket uses the io_context's executor: each Op binds its
// handlers to its own strand, so a pooled connection can move from one Op to the next.
struct Conn {
    // Beast reads max(512, spare capacity) bytes at a time, and an empty flat_buffer has none:
    // a 100 KB page of orders took ~200 reads, each a syscall and a trip through the strand
    // (a third of the host's CPU in a poll pass). 64 KiB is Beast's own cap on one read; a
    // pool keeps a handful of connections, so this is well under a MiB.
    static constexpr std::size_t read_buffer_bytes = 64 * 1024;

    std::optional<tcp::socket> plain;
    std::optional<ssl::stream<tcp::socket>> secure;
    beast::flat_buffer buffer;
    Clock::time_point idle_since;

    tcp::socket& lowest() { return secure ? secure->next_layer() : *plain; }

    template <class F>
    void with_stream(F&& f) {
        if (secure)
            f(*secure);
        else
            f(*plain);
    }

    void close() {
        error_code ignored;
        lowest().shutdown(tcp::socket::shutdown_both, ignored);
        lowest().close(ignored);
    }
};

// True if an idle connection still looks usable: no EOF and no unexpected bytes pending.
bool idle_connection_alive(Conn& conn) {
    auto& sock = conn.lowest();
    if (!sock.is_open())
        return false;
    char byte;
    ssize_t n = ::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

} // namespace

struct Op;

struct HttpClient::Impl : std::enable_shared_from_this<HttpClient::Impl> {
    struct Idle {
        std::unique_ptr<Conn> conn;
    };

    Impl(asio::io_context& io, ClientOptions opts)
        : ioc(io), options(std::move(opts)), ssl_ctx(detail::make_client_context(options.tls)),
          pool_strand(asio::make_strand(io)), sweep_timer(pool_strand) {}

    asio::io_context& ioc;
    const ClientOptions options;
    std::shared_ptr<ssl::context> ssl_ctx;

    mutable std::mutex mutex;
    bool shut_down = false;
    OpId next_id = 1;
    std::unordered_map<OpId, std::weak_ptr<Op>> ops;
    std::unordered_map<std::string, std::deque<Idle>> pool;
    std::size_t idle_count = 0;
    bool sweep_armed = false;

    asio::strand<asio::io_context::executor_type> pool_strand;
    asio::steady_timer sweep_timer; // on pool_strand

    void log(LogLevel level, const std::string& message) const {
        if (!options.log)
            return;
        try {
            options.log(LogRecord{level, message});
        } catch (...) {
            // A failing log sink must not disturb the exchange it describes.
        }
    }

    void remove_op(OpId id) {
        std::lock_guard lock(mutex);
        ops.erase(id);
    }

    // Takes the newest live idle connection for `origin`, discarding expired or dead ones.
    std::unique_ptr<Conn> checkout(const std::string& origin) {
        std::vector<std::unique_ptr<Conn>> discarded; // closed outside the lock
        std::unique_ptr<Conn> found;
        {
            std::lock_guard lock(mutex);
            auto it = pool.find(origin);
            if (it == pool.end())
                return nullptr;
            auto now = Clock::now();
            while (!it->second.empty() && !found) {
                auto conn = std::move(it->second.back().conn);
                it->second.pop_back();
                --idle_count;
                if (now - conn->idle_since < options.idle_timeout && idle_connection_alive(*conn))
                    found = std::move(conn);
                else
                    discarded.push_back(std::move(conn));
            }
            if (it->second.empty())
                pool.erase(it);
        }
        for (auto& c : discarded)
            c->close();
        return found;
    }

    // Returns a connection after a complete keep-alive exchange.
    void checkin(const std::string& origin, std::unique_ptr<Conn> conn) {
        std::unique_ptr<Conn> evicted;
        {
            std::lock_guard lock(mutex);
            if (shut_down || options.max_idle_per_origin == 0) {
                evicted = std::move(conn);
            } else {
                auto& idle = pool[origin];
                if (idle.size() >= options.max_idle_per_origin) {
                    evicted = std::move(idle.front().conn);
                    idle.pop_front();
                    --idle_count;
                }
                conn->idle_since = Clock::now();
                idle.push_back(Idle{std::move(conn)});
                ++idle_count;
            }
        }
        if (evicted)
            evicted->close();
        arm_sweep();
    }

    // Closes idle connections past idle_timeout; runs while the pool is not empty.
    void arm_sweep() {
        asio::post(pool_strand, [weak = weak_from_this()] {
            auto self = weak.lock();
            if (!self)
                return;
            {
                std::lock_guard lock(self->mutex);
                if (self->sweep_armed || self->shut_down || self->idle_count == 0)
                    return;
                self->sweep_armed = true;
            }
            auto period = std::max<std::chrono::milliseconds>(self->options.idle_timeout / 2,
                                                              std::chrono::milliseconds(50));
            self->sweep_timer.expires_after(period);
            self->sweep_timer.async_wait([weak](error_code ec) {
                auto self = weak.lock();
                if (!self)
                    return;
                {
                    std::lock_guard lock(self->mutex);
                    self->sweep_armed = false;
                }
                if (ec)
                    return;
                self->sweep();
                self->arm_sweep();
            });
        });
    }

    void sweep() {
        std::vector<std::unique_ptr<Conn>> expired;
        {
            std::lock_guard lock(mutex);
            auto now = Clock::now();
            for (auto it = pool.begin(); it != pool.end();) {
                auto& idle = it->second;
                for (auto i = idle.begin(); i != idle.end();) {
                    if (now - i->conn->idle_since >= options.idle_timeout) {
                        expired.push_back(std::move(i->conn));
                        i = idle.erase(i);
                        --idle_count;
                    } else {
                        ++i;
                    }
                }
                it = idle.empty() ? pool.erase(it) : std::next(it);
            }
        }
        for (auto& c : expired)
            c->close();
    }
};

// One request in flight.
struct Op : std::enable_shared_from_this<Op> {
    enum class Phase { connecting, writing, reading };

    Op(std::shared_ptr<HttpClient::Impl> client, HttpClient::OpId op_id,
       asio::any_io_executor completion, HttpClient::ResponseHandler h)
        : impl(std::move(client)), id(op_id), completion_ex(std::move(completion)),
          handler(std::move(h)), strand(asio::make_strand(impl->ioc)), timer(strand),
          resolver(strand), started(Clock::now()) {}

    std::shared_ptr<HttpClient::Impl> impl;
    const HttpClient::OpId id;
    const asio::any_io_executor completion_ex;
    HttpClient::ResponseHandler handler; // touched only by the Op that wins `done`
    asio::strand<asio::io_context::executor_type> strand;
    asio::steady_timer timer;
    tcp::resolver resolver;
    const Clock::time_point started;

    Target target;
    std::string method;
    http::request<http::string_body> req;
    std::size_t max_response_bytes = 0;
    Clock::duration connect_timeout{};
    Clock::time_point total_deadline;

    std::unique_ptr<Conn> conn;
    std::optional<http::response_parser<http::string_body>> parser;
    Phase phase = Phase::connecting;
    unsigned timer_generation = 0;
    bool retried = false;

    std::atomic<bool> done{false};
    std::atomic<bool> write_started{false};
    std::atomic<bool> reused{false};

    // --- set-up (caller's thread, before the Op is shared) ---

    std::error_code prepare(ClientRequest request) {
        const auto& o = impl->options;
        max_response_bytes = request.max_response_bytes.value_or(o.max_response_bytes);
        connect_timeout = request.connect_timeout.value_or(o.connect_timeout);
        total_deadline = started + request.total_timeout.value_or(o.total_timeout);
        method = request.method;
        if (auto ec = parse_target(request.url, target))
            return ec;
        if (method.empty() || has_control_chars(method) || method.find(' ') != std::string::npos)
            return error::invalid_request;

        req.version(11);
        auto verb = http::string_to_verb(method);
        if (verb == http::verb::unknown)
            req.method_string(method);
        else
            req.method(verb);
        req.target(target.target);
        req.set(http::field::host, target.host_header);
        bool has_user_agent = false;
        for (const auto& h : request.headers) {
            if (h.name.empty() || has_control_chars(h.name) || has_control_chars(h.value) ||
                h.name.find(':') != std::string::npos)
                return error::invalid_request;
            // The client owns message framing: a caller's length or encoding is ignored.
            if (iequals(h.name, "Content-Length") || iequals(h.name, "Transfer-Encoding"))
                continue;
            if (iequals(h.name, "Host")) {
                req.set(http::field::host, h.value);
                continue;
            }
            if (iequals(h.name, "User-Agent"))
                has_user_agent = true;
            req.insert(h.name, h.value);
        }
        if (!has_user_agent && !o.user_agent.empty())
            req.set(http::field::user_agent, o.user_agent);
        if (o.max_idle_per_origin == 0)
            req.keep_alive(false);
        bool body_expected =
            verb == http::verb::post || verb == http::verb::put || verb == http::verb::patch;
        if (request.send_chunked)
            req.chunked(true); // the serializer writes the body as one chunk
        else if (!request.body.empty() || body_expected)
            req.content_length(request.body.size());
        req.body() = std::move(request.body);
        return {};
    }

    // --- completion (any thread) ---

    // Delivers `response` if nobody did yet. Returns false if another path already completed.
    bool complete(ClientResponse response) {
        if (done.exchange(true))
            return false;
        deliver(std::move(response));
        return true;
    }

    // Posts `response` to the caller; only after this Op won `done`.
    void deliver(ClientResponse response) {
        response.elapsed =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
        response.reused_connection = reused.load();
        impl->remove_op(id);
        if (impl->options.log) {
            std::string line = method + " " + target.log_name;
            if (response.ec)
                line += " failed: " + response.ec.message() +
                        (response.error_detail.empty() ? "" : " (" + response.error_detail + ")") +
                        (response.outcome_unknown ? ", outcome unknown" : "");
            else
                line += " -> " + std::to_string(response.status);
            line += " in " + std::to_string(response.elapsed.count()) + " ms";
            impl->log(response.ec ? LogLevel::warning : LogLevel::debug, line);
        }
        asio::post(completion_ex, [h = std::move(handler), r = std::move(response)]() mutable {
            if (h)
                h(std::move(r));
        });
    }

    // Fails the Op with `err` (any thread) and releases its I/O on the strand.
    bool abort(std::error_code err, std::string detail) {
        ClientResponse r;
        r.ec = err;
        r.error_detail = std::move(detail);
        r.outcome_unknown = write_started.load();
        bool delivered = complete(std::move(r));
        asio::post(strand, [self = shared_from_this()] { self->release(); });
        return delivered;
    }

    // --- the exchange (strand) ---

    // Closes, but does not destroy, the connection: operations still pending on it hold a
    // reference to the socket until their handlers (which keep this Op alive) have run.
    void release() {
        timer.cancel();
        resolver.cancel();
        if (conn)
            conn->close();
    }

    void fail(std::error_code err, std::string detail) {
        ClientResponse r;
        r.ec = err;
        r.error_detail = std::move(detail);
        r.outcome_unknown = write_started.load();
        complete(std::move(r));
        release();
    }

    void arm_timer(Clock::time_point when) {
        unsigned generation = ++timer_generation;
        timer.expires_at(when);
        timer.async_wait([self = shared_from_this(), generation](error_code ec) {
            if (ec || generation != self->timer_generation || self->done)
                return;
            bool total = Clock::now() >= self->total_deadline || self->phase != Phase::connecting;
            self->fail(total ? error::total_timeout : error::connect_timeout,
                       total ? "no complete response in time" : "no connection in time");
        });
    }

    void start() {
        if (done)
            return release();
        conn = impl->checkout(target.origin);
        if (conn) {
            reused = true;
            arm_timer(total_deadline);
            return do_write();
        }
        connect_fresh();
    }

    void connect_fresh() {
        phase = Phase::connecting;
        arm_timer(std::min(Clock::now() + connect_timeout, total_deadline));
        resolver.async_resolve(
            target.host, std::to_string(target.port),
            [self = shared_from_this()](error_code ec, tcp::resolver::results_type results) {
                self->on_resolve(ec, std::move(results));
            });
    }

    void on_resolve(error_code ec, tcp::resolver::results_type results) {
        if (done)
            return release();
        if (ec)
            return fail(error::dns_failure, ec.message());
        conn = std::make_unique<Conn>();
        conn->buffer.reserve(Conn::read_buffer_bytes);
        if (target.tls)
            conn->secure.emplace(impl->ioc, *impl->ssl_ctx);
        else
            conn->plain.emplace(impl->ioc);
        asio::async_connect(conn->lowest(), results,
                            asio::bind_executor(strand, [self = shared_from_this()](
                                                            error_code ec, const tcp::endpoint&) {
                                self->on_connect(ec);
                            }));
    }

    void on_connect(error_code ec) {
        if (done)
            return release();
        if (ec) {
            if (ec == asio::error::connection_refused)
                return fail(error::connection_refused, ec.message());
            return fail(error::connect_failed, ec.message());
        }
        error_code ignored;
        conn->lowest().set_option(tcp::no_delay(true), ignored);
        if (!target.tls)
            return on_connected();
        std::string detail;
        if (!detail::prepare_client_ssl(conn->secure->native_handle(), target.host,
                                        impl->options.tls.verify_peer, detail))
            return fail(error::tls_handshake_failed, detail);
        // SNI and the expected peer name are set above; OpenSSL checks both in the handshake.
        conn->secure->async_handshake(
            ssl::stream_base::client,
            asio::bind_executor(
                strand, [self = shared_from_this()](error_code ec) { self->on_handshake(ec); }));
    }

    void on_handshake(error_code ec) {
        if (done)
            return release();
        if (ec) {
            std::string detail;
            auto e = detail::classify_handshake_failure(conn->secure->native_handle(), ec, detail);
            return fail(e, detail);
        }
        on_connected();
    }

    void on_connected() {
        arm_timer(total_deadline);
        do_write();
    }

    void do_write() {
        phase = Phase::writing;
        write_started = true;
        conn->with_stream([&](auto& stream) {
            http::async_write(stream, req,
                              asio::bind_executor(strand, [self = shared_from_this()](
                                                              error_code ec, std::size_t n) {
                                  self->on_write(ec, n);
                              }));
        });
    }

    void on_write(error_code ec, std::size_t written) {
        if (done)
            return release();
        if (ec) {
            if (written == 0) {
                // Nothing reached the peer: the request cannot have been processed.
                write_started = false;
                if (reused && !retried) {
                    // A stale pooled connection: retry once on a fresh one.
                    retried = true;
                    reused = false;
                    conn->close();
                    conn.reset();
                    return connect_fresh();
                }
            }
            return fail(error::connection_closed, "write failed: " + ec.message());
        }
        do_read();
    }

    void do_read() {
        phase = Phase::reading;
        parser.emplace();
        parser->header_limit(max_response_header_bytes);
        parser->body_limit(max_response_bytes);
        if (req.method() == http::verb::head)
            parser->skip(true);
        conn->with_stream([&](auto& stream) {
            http::async_read(stream, conn->buffer, *parser,
                             asio::bind_executor(
                                 strand, [self = shared_from_this()](error_code ec, std::size_t) {
                                     self->on_read(ec);
                                 }));
        });
    }

    std::error_code classify_read_error(const error_code& ec, std::string& detail) {
        detail = ec.message();
        if (ec == http::error::body_limit || ec == http::error::header_limit ||
            ec == http::error::buffer_overflow)
            return error::response_too_large;
        if (detail::is_tls_truncation(ec)) {
            detail = "TLS peer closed without close_notify: response truncated";
            return error::connection_closed;
        }
        if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
            ec == asio::error::eof || ec == asio::error::connection_reset ||
            ec == asio::error::broken_pipe || ec == asio::error::connection_aborted)
            return error::connection_closed;
        if (ec.category() == make_error_code(http::error::bad_version).category())
            return error::malformed_response;
        return error::io_error;
    }

    void on_read(error_code ec) {
        if (done)
            return release();
        if (ec) {
            std::string detail;
            auto e = classify_read_error(ec, detail);
            return fail(e, detail);
        }
        auto& msg = parser->get();
        int status = static_cast<int>(msg.result_int());
        if (status >= 100 && status < 200 && status != 101)
            return do_read(); // interim

        ClientResponse r;
        r.status = status;
        for (const auto& field : msg)
            r.headers.push_back(
                Header{std::string(field.name_string()), std::string(field.value())});
        r.body = std::move(msg.body());
        bool reusable =
            msg.keep_alive() && !parser->need_eof() && conn->buffer.size() == 0 && status != 101;
        parser.reset();
        timer.cancel();
        ++timer_generation;
        if (done.exchange(true))
            return release(); // cancelled meanwhile
        // Pool first, then deliver: a request sent from the completion handler can reuse it.
        if (reusable)
            impl->checkin(target.origin, std::move(conn));
        else
            conn->close();
        deliver(std::move(r));
    }
};

HttpClient::HttpClient(asio::io_context& ioc, ClientOptions options)
    : impl_(std::make_shared<Impl>(ioc, std::move(options))) {}

HttpClient::~HttpClient() {
    shutdown();
}

HttpClient::OpId HttpClient::async_send(ClientRequest request, ResponseHandler handler) {
    return async_send(std::move(request), impl_->ioc.get_executor(), std::move(handler));
}

HttpClient::OpId HttpClient::async_send(ClientRequest request,
                                        asio::any_io_executor completion_executor,
                                        ResponseHandler handler) {
    OpId id;
    {
        std::lock_guard lock(impl_->mutex);
        id = impl_->next_id++;
    }
    auto op = std::make_shared<Op>(impl_, id, std::move(completion_executor), std::move(handler));
    auto prepared = op->prepare(std::move(request));
    bool refused;
    {
        std::lock_guard lock(impl_->mutex);
        refused = impl_->shut_down;
        if (!refused && !prepared)
            impl_->ops.emplace(id, op);
    }
    if (refused)
        op->abort(error::client_shut_down, {});
    else if (prepared)
        op->abort(prepared, {});
    else
        asio::post(op->strand, [op] { op->start(); });
    return id;
}

bool HttpClient::cancel(OpId id) {
    std::shared_ptr<Op> op;
    {
        std::lock_guard lock(impl_->mutex);
        auto it = impl_->ops.find(id);
        if (it == impl_->ops.end())
            return false;
        op = it->second.lock();
    }
    if (!op)
        return false;
    return op->abort(error::operation_aborted, "cancelled");
}

void HttpClient::shutdown() {
    std::vector<std::shared_ptr<Op>> running;
    std::unordered_map<std::string, std::deque<Impl::Idle>> idle;
    {
        std::lock_guard lock(impl_->mutex);
        impl_->shut_down = true;
        for (auto& [id, weak] : impl_->ops)
            if (auto op = weak.lock())
                running.push_back(std::move(op));
        idle.swap(impl_->pool);
        impl_->idle_count = 0;
    }
    for (auto& op : running)
        op->abort(error::operation_aborted, "client shut down");
    for (auto& [origin, conns] : idle)
        for (auto& c : conns)
            c.conn->close();
    asio::post(impl_->pool_strand, [impl = impl_] { impl->sweep_timer.cancel(); });
}

std::size_t HttpClient::in_flight() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->ops.size();
}

std::size_t HttpClient::idle_connections() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->idle_count;
}

const ClientOptions& HttpClient::options() const noexcept {
    return impl_->options;
}

} // namespace pms::net
