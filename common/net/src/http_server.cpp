// HttpServer implementation. Each accepted connection runs on its own strand (the socket's
// executor) and serves one request at a time:
//   handshake (TLS) -> read header -> [100 Continue] -> read body -> awaiting the handler
//   -> write response -> read the next header (keep-alive) or close gracefully.
// A streamed response (SSE) replaces "write response" and ends the connection.
// One timer per connection bounds every step; a generation counter discards stale expiries.
// Exactly one answer per request: the handler's Responder, the deadline, stop() and the
// connection closing all race to set ResponderState::answered, and only the winner writes.
#include <pms/net/http_server.hpp>

#include "tls_context.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <atomic>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

namespace pms::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using LogFn = std::function<void(const LogRecord&)>;

namespace {

// Handlers run under a shared lock so that stop() can wait for those running on other
// threads; a handler that calls stop() itself must not wait for its own lock.
thread_local int handler_depth = 0;

constexpr auto graceful_close_timeout = std::chrono::seconds(1);
constexpr std::size_t max_drain_bytes = 1024 * 1024;

void emit(const std::shared_ptr<const LogFn>& log, LogLevel level, const std::string& message) {
    if (!log || !*log)
        return;
    try {
        (*log)(LogRecord{level, message});
    } catch (...) {
        // A failing log sink must not disturb the connection it describes.
    }
}

bool valid_header_text(std::string_view s) {
    return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// The status line and the header block up to (not including) the message's own framing: the
// handler's headers, then `Server` and the server's default headers unless the handler set them.
// A handler header that frames the message (Content-Length, Transfer-Encoding, Connection) or
// could split it (CR, LF, NUL) is dropped. Written by hand into one buffer: the head is a few
// short lines, and Beast's serializer walking a header list cost about a seventh of a replayed
// notification's CPU (issue 14).
void append_head(std::string& out, unsigned version, int status, const Headers& headers,
                 const ServerOptions& options) {
    out += version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ";
    out += std::to_string(status);
    out += ' ';
    out += http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status)));
    out += "\r\n";
    auto line = [&out](std::string_view name, std::string_view value) {
        out.append(name).append(": ").append(value).append("\r\n");
    };
    bool has_server = false;
    for (const auto& h : headers) {
        if (h.name.empty() || !valid_header_text(h.name) || !valid_header_text(h.value) ||
            iequals(h.name, "Content-Length") || iequals(h.name, "Transfer-Encoding") ||
            iequals(h.name, "Connection"))
            continue;
        if (iequals(h.name, "Server"))
            has_server = true;
        line(h.name, h.value);
    }
    if (!has_server && !options.server_header.empty())
        line("Server", options.server_header);
    for (const auto& d : options.default_headers)
        if (!find_header(headers, d.name))
            line(d.name, d.value);
}

} // namespace

namespace detail {

class ServerConnection;

struct ResponderState {
    std::atomic<bool> answered{false};
    std::weak_ptr<ServerConnection> conn;
    std::uint64_t request_no = 0;
    std::shared_ptr<const LogFn> log;

    // True for the one caller that gets to answer.
    bool claim() { return !answered.exchange(true); }

    void report_ignored(const char* what) const {
        emit(log, LogLevel::warning,
             std::string("request #") + std::to_string(request_no) + ": " + what +
                 " ignored: the request was already answered (or the connection closed)");
    }
};

struct StreamState {
    std::mutex mutex;
    std::deque<std::string> queue;
    bool open = true;             // false once the stream has ended
    bool close_requested = false; // close() called, or stop()
    bool pump_scheduled = false;
    std::function<void()> on_close;
    std::weak_ptr<ServerConnection> conn;
    asio::any_io_executor executor; // the connection's strand

    void schedule_pump(); // with mutex held
};

} // namespace detail

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
    Impl(asio::io_context& io, ServerOptions opts, Handler h)
        : ioc(io), options(std::move(opts)), handler(std::move(h)),
          log(std::make_shared<const LogFn>(options.log)), strand(asio::make_strand(io)),
          acceptor(strand), retry_timer(strand) {}

    asio::io_context& ioc;
    const ServerOptions options;
    Handler handler;
    std::shared_ptr<const LogFn> log;
    std::shared_ptr<ssl::context> ssl_ctx;
    asio::strand<asio::io_context::executor_type> strand;
    tcp::acceptor acceptor;         // on strand
    asio::steady_timer retry_timer; // on strand: accept retry after EMFILE and the like
    std::uint16_t port = 0;
    std::string base_url;

    std::shared_mutex handler_mutex;
    std::atomic<bool> stopped{false};

    mutable std::mutex mutex;
    std::unordered_map<std::uint64_t, std::weak_ptr<detail::ServerConnection>> connections;
    std::uint64_t next_connection = 1;
    std::atomic<std::uint64_t> next_request{1};
    bool accept_paused = false;

    void open();
    void do_accept();
    void on_accept(error_code ec, tcp::socket socket);
    void connection_closed(std::uint64_t id);
    void stop_all();

    // Runs the user's handler unless stopped. Returns false if it was not invoked.
    bool invoke(Request request, Responder respond) {
        std::shared_lock lock(handler_mutex);
        if (stopped)
            return false;
        struct Depth {
            Depth() { ++handler_depth; }
            ~Depth() { --handler_depth; }
        } depth;
        try {
            handler(std::move(request), respond);
        } catch (const std::exception& e) {
            emit(log, LogLevel::error, std::string("handler threw: ") + e.what());
            respond(Response::text(500, "internal error\n"));
        } catch (...) {
            emit(log, LogLevel::error, "handler threw a non-standard exception");
            respond(Response::text(500, "internal error\n"));
        }
        return true;
    }
};

namespace detail {

class ServerConnection : public std::enable_shared_from_this<ServerConnection> {
  public:
    // Beast reads max(512, spare capacity) bytes at a time, and an empty flat_buffer has none: a
    // 1.5 KB notification took four reads, each a syscall and a trip through the strand. 8 KiB
    // takes a typical request in one read; at max_connections (256) that is 2 MiB in all.
    static constexpr std::size_t read_buffer_bytes = 8 * 1024;

    enum class State { handshake, reading, awaiting, writing, streaming, closing, closed };

    ServerConnection(std::shared_ptr<HttpServer::Impl> srv, std::uint64_t conn_id,
                     tcp::socket socket)
        : server_(std::move(srv)), id_(conn_id), executor_(socket.get_executor()),
          timer_(executor_) {
        error_code ec;
        auto remote = socket.remote_endpoint(ec);
        if (!ec) {
            remote_address_ = remote.address().to_string();
            remote_port_ = remote.port();
        }
        socket.set_option(tcp::no_delay(true), ec);
        buffer_.reserve(read_buffer_bytes);
        if (server_->ssl_ctx)
            secure_.emplace(std::move(socket), *server_->ssl_ctx);
        else
            plain_.emplace(std::move(socket));
    }

    const asio::any_io_executor& executor() const { return executor_; }

    void start() {
        if (!secure_)
            return read_header();
        state_ = State::handshake;
        arm_timer(server_->options.header_read_timeout);
        secure_->async_handshake(
            ssl::stream_base::server,
            [self = shared_from_this()](error_code ec) { self->on_handshake(ec); });
    }

    // --- entry points posted by Responder, ResponseStream and stop() (strand) ---

    void send(std::shared_ptr<ResponderState> from, Response response) {
        if (state_ != State::awaiting || from != responder_)
            return;
        write_response(std::move(response));
    }

    void drop(std::shared_ptr<ResponderState> from) {
        if (state_ != State::awaiting || from != responder_)
            return;
        close_now();
    }

    void start_stream(std::shared_ptr<ResponderState> from, std::shared_ptr<StreamState> stream,
                      int status, Headers headers) {
        if (state_ != State::awaiting || from != responder_) {
            end_stream(stream);
            return;
        }
        state_ = State::streaming;
        stream_ = std::move(stream);
        chunked_ = request_version_ >= 11;
        // The body is a sequence of raw chunks, framed below.
        std::string head;
        append_head(head, request_version_, status, headers, server_->options);
        if (chunked_)
            head += "Transfer-Encoding: chunked\r\n";
        head += "Connection: close\r\n\r\n";
        stream_out_ = std::move(head);
        write_stream_out(false);
        probe_peer();
    }

    void pump_stream() {
        if (state_ != State::streaming || stream_writing_)
            return;
        bool final_chunk = false;
        std::string out;
        {
            std::lock_guard lock(stream_->mutex);
            stream_->pump_scheduled = false;
            if (!stream_->queue.empty()) {
                for (auto& chunk : stream_->queue)
                    out += frame_chunk(chunk);
                stream_->queue.clear();
            } else if (stream_->close_requested) {
                final_chunk = true;
                if (chunked_)
                    out = "0\r\n\r\n";
            } else {
                return;
            }
        }
        stream_out_ = std::move(out);
        write_stream_out(final_chunk);
    }

    void stop() {
        stopping_ = true;
        switch (state_) {
        case State::handshake:
        case State::reading:
            close_now();
            break;
        case State::awaiting:
            if (responder_->claim())
                server_answer(503, "server shutting down\n");
            // Otherwise an answer is already posted: send() will see stopping_ and close.
            break;
        case State::streaming: {
            std::lock_guard lock(stream_->mutex);
            stream_->close_requested = true;
            stream_->schedule_pump();
            break;
        }
        case State::writing:
        case State::closing:
        case State::closed:
            break; // the write finishes and closes (stopping_), or it is closing already
        }
    }

  private:
    template <class F>
    void with_stream(F&& f) {
        if (secure_)
            f(*secure_);
        else
            f(*plain_);
    }

    tcp::socket& lowest() { return secure_ ? secure_->next_layer() : *plain_; }

    const ServerOptions& options() const { return server_->options; }

    void log(LogLevel level, const std::string& message) const {
        emit(server_->log, level,
             "connection " + remote_address_ + ":" + std::to_string(remote_port_) + ": " + message);
    }

    static std::string frame_chunk(const std::string& data) {
        char size[20];
        int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
        std::string out(size, static_cast<std::size_t>(n));
        out += data;
        out += "\r\n";
        return out;
    }

    // One timer bounds the current step. The phase deadline (handshake, header, body,
    // response, write, graceful close) is a time point, and the timer's wait is moved only
    // when the new deadline is earlier than the one it waits for. A later deadline (the usual
    // case: every phase of a request sets one a few seconds on) leaves the wait alone; when it
    // fires early it waits again for the current deadline, and an expiry of a replaced wait is
    // ignored. Re-arming per phase used to cancel a wait 4 to 5 times per request, and each
    // cancelled wait is a completion posted to the io threads (issue 14: a thread woken per
    // post on a small machine).
    void arm_timer(std::chrono::milliseconds after) {
        deadline_ = std::chrono::steady_clock::now() + after;
        deadline_set_ = true;
        if (waiting_ && timer_.expiry() <= deadline_)
            return; // the pending wait fires first and then waits for deadline_
        wait_for_deadline();
    }

    void wait_for_deadline() {
        const unsigned wait = ++wait_generation_; // a replaced wait sees a newer generation
        waiting_ = true;
        timer_.expires_at(deadline_);
        timer_.async_wait([self = shared_from_this(), wait](error_code ec) {
            if (wait != self->wait_generation_)
                return; // replaced by an earlier deadline, or disarmed
            self->waiting_ = false;
            if (ec || !self->deadline_set_)
                return;
            if (std::chrono::steady_clock::now() < self->deadline_)
                return self->wait_for_deadline(); // a later phase moved the deadline on
            self->deadline_set_ = false;
            self->on_timer();
        });
    }

    void disarm_timer() {
        deadline_set_ = false;
        ++wait_generation_;
        waiting_ = false;
        timer_.cancel();
    }

    void on_timer() {
        switch (state_) {
        case State::awaiting:
            if (responder_->claim()) {
                log(LogLevel::warning, "request #" + std::to_string(responder_->request_no) +
                                           ": no answer before the response deadline, sent 503");
                server_answer(503, "response deadline exceeded\n");
            }
            break;
        case State::streaming:
            end_stream(stream_);
            close_now();
            break;
        default:
            close_now(); // handshake, header, body, write or graceful close took too long
            break;
        }
    }

    void on_handshake(error_code ec) {
        if (state_ == State::closed)
            return;
        if (ec) {
            log(LogLevel::debug, "TLS handshake failed: " + ec.message());
            return close_now();
        }
        read_header();
    }

    void read_header() {
        if (stopping_)
            return close_now();
        state_ = State::reading;
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(options().max_header_bytes));
        parser_->body_limit(options().max_body_bytes);
        arm_timer(options().header_read_timeout);
        with_stream([&](auto& stream) {
            http::async_read_header(
                stream, buffer_, *parser_,
                [self = shared_from_this()](error_code ec, std::size_t) { self->on_header(ec); });
        });
    }

    // Maps a request read failure to the answer it deserves (or a silent close).
    void on_read_error(error_code ec) {
        if (state_ == State::closed)
            return;
        if (ec == http::error::body_limit)
            return server_error(413, "request body too large\n");
        if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
            return server_error(431, "request header too large\n");
        if (ec.category() == make_error_code(http::error::bad_version).category() &&
            ec != http::error::end_of_stream && ec != http::error::partial_message)
            return server_error(400, "bad request\n");
        close_now(); // peer closed, reset, or the timer closed the socket
    }

    void on_header(error_code ec) {
        if (state_ == State::closed)
            return;
        if (ec)
            return on_read_error(ec);
        auto& msg = parser_->get();
        auto expect = msg[http::field::expect];
        if (!expect.empty()) {
            if (!iequals(expect, "100-continue"))
                return server_error(417, "expectation not supported\n");
            if (!parser_->is_done()) {
                // The client waits for this before sending its body.
                static const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
                arm_timer(options().write_timeout);
                with_stream([&](auto& stream) {
                    asio::async_write(stream, asio::buffer(interim),
                                      [self = shared_from_this()](error_code ec, std::size_t) {
                                          if (self->state_ == State::closed)
                                              return;
                                          if (ec)
                                              return self->close_now();
                                          self->read_body();
                                      });
                });
                return;
            }
        }
        read_body();
    }

    void read_body() {
        if (parser_->is_done())
            return dispatch();
        arm_timer(options().body_read_timeout);
        with_stream([&](auto& stream) {
            http::async_read(stream, buffer_, *parser_,
                             [self = shared_from_this()](error_code ec, std::size_t) {
                                 if (self->state_ == State::closed)
                                     return;
                                 if (ec)
                                     return self->on_read_error(ec);
                                 self->dispatch();
                             });
        });
    }

    void dispatch() {
        auto& msg = parser_->get();
        Request request;
        request.method = std::string(msg.method_string());
        request.target = std::string(msg.target());
        auto q = request.target.find('?');
        request.path = request.target.substr(0, q);
        if (q != std::string::npos)
            request.query = request.target.substr(q + 1);
        for (const auto& field : msg)
            request.headers.push_back(
                Header{std::string(field.name_string()), std::string(field.value())});
        request.body = std::move(msg.body());
        request.remote_address = remote_address_;
        request.remote_port = remote_port_;
        request.tls = secure_.has_value();
        request.version = msg.version();
        request_version_ = msg.version();
        request_keep_alive_ = msg.keep_alive();
        head_request_ = msg.method() == http::verb::head;
        parser_.reset();

        state_ = State::awaiting;
        responder_ = std::make_shared<ResponderState>();
        responder_->conn = weak_from_this();
        responder_->request_no = server_->next_request++;
        responder_->log = server_->log;
        arm_timer(options().response_deadline);
        if (!server_->invoke(std::move(request), Responder(responder_)) && responder_->claim())
            server_answer(503, "server shutting down\n");
    }

    // The server's own answer to a request that has been read (deadline, stop, exception).
    void server_answer(int status, std::string text) {
        write_response(Response::text(status, std::move(text)));
    }

    // An answer to a request that could not be read: always closes afterwards.
    void server_error(int status, std::string text) {
        request_keep_alive_ = false;
        if (responder_)
            responder_->answered = true;
        write_response(Response::text(status, std::move(text)));
    }

    void write_response(Response r) {
        if (r.status < 100 || r.status > 999) {
            log(LogLevel::error,
                "handler answered with invalid status " + std::to_string(r.status) + ", sent 500");
            r = Response::text(500, "internal error\n");
        }
        head_out_.clear();
        append_head(head_out_, request_version_, r.status, r.headers, options());
        keep_alive_after_ =
            options().keep_alive && request_keep_alive_ && !stopping_ && !r.close_connection;
        // HTTP/1.1 keeps the connection unless told otherwise, HTTP/1.0 closes it unless told.
        if (request_version_ >= 11 && !keep_alive_after_)
            head_out_ += "Connection: close\r\n";
        else if (request_version_ < 11 && keep_alive_after_)
            head_out_ += "Connection: keep-alive\r\n";
        const bool bodiless = r.status < 200 || r.status == 204 || r.status == 304;
        if (!bodiless) {
            head_out_ += "Content-Length: ";
            head_out_ += std::to_string(r.body.size());
            head_out_ += "\r\n";
            if (!head_request_)
                body_out_ = std::move(r.body);
        }
        head_out_ += "\r\n";
        state_ = State::writing;
        arm_timer(options().write_timeout);
        const std::array<asio::const_buffer, 2> out{asio::buffer(head_out_), asio::buffer(body_out_)};
        with_stream([&](auto& stream) {
            asio::async_write(stream, out, [self = shared_from_this()](error_code ec, std::size_t) {
                self->on_write(ec);
            });
        });
    }

    void on_write(error_code ec) {
        if (state_ == State::closed)
            return;
        body_out_ = std::string{}; // a large answer's memory goes back now, not at the next one
        if (ec) {
            log(LogLevel::debug, "write failed: " + ec.message());
            return close_now();
        }
        if (keep_alive_after_ && !stopping_)
            return read_header();
        graceful_close();
    }

    // --- streaming ---

    void write_stream_out(bool final_chunk) {
        stream_writing_ = true;
        arm_timer(options().write_timeout);
        with_stream([&](auto& stream) {
            asio::async_write(stream, asio::buffer(stream_out_),
                              [self = shared_from_this(), final_chunk](error_code ec, std::size_t) {
                                  self->on_stream_write(ec, final_chunk);
                              });
        });
    }

    void on_stream_write(error_code ec, bool final_chunk) {
        stream_writing_ = false;
        if (state_ != State::streaming)
            return;
        disarm_timer();
        if (ec || final_chunk) {
            end_stream(stream_);
            if (ec)
                return close_now();
            return graceful_close();
        }
        pump_stream();
    }

    // While streaming, a read completes only when the peer closes (or sends junk we ignore).
    void probe_peer() {
        with_stream([&](auto& stream) {
            stream.async_read_some(asio::buffer(probe_),
                                   [self = shared_from_this()](error_code ec, std::size_t) {
                                       if (self->state_ != State::streaming)
                                           return;
                                       if (!ec)
                                           return self->probe_peer();
                                       self->end_stream(self->stream_);
                                       self->close_now();
                                   });
        });
    }

    // Marks the stream ended and schedules its on_close callback, once.
    void end_stream(const std::shared_ptr<StreamState>& stream) {
        if (!stream)
            return;
        std::function<void()> callback;
        {
            std::lock_guard lock(stream->mutex);
            if (!stream->open)
                return;
            stream->open = false;
            stream->queue.clear();
            callback = std::move(stream->on_close);
        }
        if (callback)
            asio::post(executor_, std::move(callback));
    }

    // --- closing ---

    // Half-closes and drains (or sends close_notify) so that the peer reads our last response
    // instead of a reset, then closes; bounded by a short timer.
    void graceful_close() {
        state_ = State::closing;
        arm_timer(std::chrono::duration_cast<std::chrono::milliseconds>(graceful_close_timeout));
        if (secure_) {
            secure_->async_shutdown([self = shared_from_this()](error_code) { self->close_now(); });
            return;
        }
        error_code ignored;
        plain_->shutdown(tcp::socket::shutdown_send, ignored);
        drain();
    }

    void drain() {
        plain_->async_read_some(asio::buffer(probe_),
                                [self = shared_from_this()](error_code ec, std::size_t n) {
                                    if (self->state_ != State::closing)
                                        return;
                                    self->drained_ += n;
                                    if (ec || self->drained_ > max_drain_bytes)
                                        return self->close_now();
                                    self->drain();
                                });
    }

    void close_now() {
        if (state_ == State::closed)
            return;
        state_ = State::closed;
        // Anything the handler sends from now on is ignored (and reported).
        if (responder_)
            responder_->answered = true;
        end_stream(stream_);
        disarm_timer();
        error_code ignored;
        lowest().shutdown(tcp::socket::shutdown_both, ignored);
        lowest().close(ignored);
        server_->connection_closed(id_);
    }

    std::shared_ptr<HttpServer::Impl> server_;
    const std::uint64_t id_;
    asio::any_io_executor executor_;
    asio::steady_timer timer_;
    std::optional<tcp::socket> plain_;
    std::optional<ssl::stream<tcp::socket>> secure_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::string head_out_; // the answer being written: its head (capacity kept between answers)
    std::string body_out_; // and its body
    std::shared_ptr<ResponderState> responder_;
    std::shared_ptr<StreamState> stream_;
    std::string stream_out_;
    std::array<char, 1024> probe_{};
    std::string remote_address_;
    std::uint16_t remote_port_ = 0;
    State state_ = State::reading;
    std::chrono::steady_clock::time_point deadline_{}; // of the current phase
    unsigned wait_generation_ = 0; // of the timer's current wait
    bool deadline_set_ = false;    // false once disarmed or fired
    bool waiting_ = false;         // a wait is pending on timer_
    unsigned request_version_ = 11;
    std::size_t drained_ = 0;
    bool request_keep_alive_ = false;
    bool keep_alive_after_ = false;
    bool head_request_ = false;
    bool stopping_ = false;
    bool stream_writing_ = false;
    bool chunked_ = true;
};

void StreamState::schedule_pump() {
    if (pump_scheduled)
        return;
    auto c = conn.lock();
    if (!c)
        return;
    pump_scheduled = true;
    asio::post(executor, [c] { c->pump_stream(); });
}

} // namespace detail

// --- Responder and ResponseStream ---

bool Responder::operator()(Response response) const {
    if (!state_->claim()) {
        state_->report_ignored("response");
        return false;
    }
    auto conn = state_->conn.lock();
    if (!conn)
        return false;
    asio::post(conn->executor(), [conn, state = state_, r = std::move(response)]() mutable {
        conn->send(std::move(state), std::move(r));
    });
    return true;
}

bool Responder::drop() const {
    if (!state_->claim()) {
        state_->report_ignored("drop");
        return false;
    }
    auto conn = state_->conn.lock();
    if (!conn)
        return false;
    asio::post(conn->executor(),
               [conn, state = state_]() mutable { conn->drop(std::move(state)); });
    return true;
}

ResponseStream Responder::stream(int status, Headers headers) const {
    if (!state_->claim()) {
        state_->report_ignored("stream");
        return {};
    }
    auto conn = state_->conn.lock();
    if (!conn)
        return {};
    auto stream = std::make_shared<detail::StreamState>();
    stream->conn = conn;
    stream->executor = conn->executor();
    asio::post(conn->executor(),
               [conn, state = state_, stream, status, h = std::move(headers)]() mutable {
                   conn->start_stream(std::move(state), std::move(stream), status, std::move(h));
               });
    return ResponseStream(std::move(stream));
}

bool Responder::answered() const noexcept {
    return state_->answered.load();
}

bool ResponseStream::send(std::string data) const {
    if (!state_)
        return false;
    std::lock_guard lock(state_->mutex);
    if (!state_->open || state_->close_requested)
        return false;
    if (data.empty())
        return true;
    state_->queue.push_back(std::move(data));
    state_->schedule_pump();
    return true;
}

void ResponseStream::close() const {
    if (!state_)
        return;
    std::lock_guard lock(state_->mutex);
    if (!state_->open || state_->close_requested)
        return;
    state_->close_requested = true;
    state_->schedule_pump();
}

bool ResponseStream::is_open() const noexcept {
    if (!state_)
        return false;
    std::lock_guard lock(state_->mutex);
    return state_->open;
}

void ResponseStream::on_close(std::function<void()> fn) const {
    if (!state_ || !fn)
        return;
    std::unique_lock lock(state_->mutex);
    if (state_->open) {
        state_->on_close = std::move(fn);
        return;
    }
    auto executor = state_->executor;
    lock.unlock();
    asio::post(executor, std::move(fn));
}

// --- HttpServer::Impl ---

void HttpServer::Impl::open() {
    if (options.tls)
        ssl_ctx = detail::make_server_context(*options.tls);
    error_code ec;
    auto address = asio::ip::make_address(options.address, ec);
    if (ec)
        throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                                "invalid listen address " + options.address);
    tcp::endpoint endpoint(address, options.port);
    auto check = [&](const char* what) {
        if (ec)
            throw std::system_error(ec.value(), std::system_category(),
                                    std::string(what) + " " + options.address + ":" +
                                        std::to_string(options.port));
    };
    acceptor.open(endpoint.protocol(), ec);
    check("cannot open a socket for");
    // Lets a restarted server bind its old port while old connections sit in TIME_WAIT.
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    acceptor.bind(endpoint, ec);
    check("cannot bind");
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    check("cannot listen on");
    port = acceptor.local_endpoint().port();
    std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    base_url =
        std::string(options.tls ? "https://" : "http://") + host + ":" + std::to_string(port);
}

void HttpServer::Impl::do_accept() {
    if (stopped)
        return;
    {
        std::lock_guard lock(mutex);
        if (connections.size() >= options.max_connections) {
            accept_paused = true; // resumed by connection_closed()
            return;
        }
    }
    acceptor.async_accept(asio::make_strand(ioc),
                          [self = shared_from_this()](error_code ec, tcp::socket socket) {
                              self->on_accept(ec, std::move(socket));
                          });
}

void HttpServer::Impl::on_accept(error_code ec, tcp::socket socket) {
    if (stopped || ec == asio::error::operation_aborted)
        return;
    if (ec) {
        // Out of descriptors and the like: wait a little instead of spinning.
        emit(log, LogLevel::warning, "accept failed: " + ec.message());
        retry_timer.expires_after(std::chrono::milliseconds(100));
        retry_timer.async_wait([self = shared_from_this()](error_code ec) {
            if (!ec)
                self->do_accept();
        });
        return;
    }
    std::shared_ptr<detail::ServerConnection> conn;
    {
        std::lock_guard lock(mutex);
        auto id = next_connection++;
        conn =
            std::make_shared<detail::ServerConnection>(shared_from_this(), id, std::move(socket));
        connections.emplace(id, conn);
    }
    asio::post(conn->executor(), [conn] { conn->start(); });
    do_accept();
}

void HttpServer::Impl::connection_closed(std::uint64_t id) {
    bool resume = false;
    {
        std::lock_guard lock(mutex);
        connections.erase(id);
        if (accept_paused && !stopped) {
            accept_paused = false;
            resume = true;
        }
    }
    if (resume)
        asio::post(strand, [self = shared_from_this()] { self->do_accept(); });
}

void HttpServer::Impl::stop_all() {
    error_code ignored;
    acceptor.close(ignored);
    retry_timer.cancel();
    std::vector<std::shared_ptr<detail::ServerConnection>> open;
    {
        std::lock_guard lock(mutex);
        for (auto& [id, weak] : connections)
            if (auto c = weak.lock())
                open.push_back(std::move(c));
    }
    for (auto& c : open)
        asio::post(c->executor(), [c] { c->stop(); });
}

// --- HttpServer ---

HttpServer::HttpServer(asio::io_context& ioc, ServerOptions options, Handler handler)
    : impl_(std::make_shared<Impl>(ioc, std::move(options), std::move(handler))) {
    impl_->open();
    asio::post(impl_->strand, [impl = impl_] { impl->do_accept(); });
}

HttpServer::~HttpServer() {
    stop();
}

std::uint16_t HttpServer::port() const noexcept {
    return impl_->port;
}

std::string HttpServer::base_url() const {
    return impl_->base_url;
}

void HttpServer::stop() {
    if (impl_->stopped.exchange(true))
        return;
    // Wait for handlers running on other threads, unless we are inside one.
    if (handler_depth == 0) {
        std::unique_lock lock(impl_->handler_mutex);
    }
    asio::post(impl_->strand, [impl = impl_] { impl->stop_all(); });
}

std::size_t HttpServer::connection_count() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->connections.size();
}

} // namespace pms::net
