// SmtpTransport: one libcurl SMTP exchange per message, on the transport's worker threads.
//
// Each exchange uses a curl multi handle of its own so that shutdown() can wake it with
// curl_multi_wakeup() and abandon it immediately; the easy interface would block in
// curl_easy_perform() until a timeout.
#include <pms/host/mail/error.hpp>
#include <pms/host/mail/smtp_transport.hpp>
#include <pms/host/mail/transfer_encoding.hpp>

#include "work_queue.hpp"

#include <curl/curl.h>

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <mutex>
#include <set>
#include <vector>

namespace pms::host::mail {

namespace detail {

// What the transport and its queued jobs share; jobs hold it, so it outlives the transport
// when a handler destroys it.
struct SmtpShared {
    SmtpConfig config;
    SmtpTransport::Options options;
    std::error_code config_ec;
    std::string config_detail;
    std::string description;

    std::atomic<bool> stopping{false};
    std::mutex multis_mutex;
    std::set<CURLM*> multis; // exchanges in flight, woken by shutdown()

    void log(std::string_view line) const noexcept {
        if (!options.log)
            return;
        try {
            options.log(line);
        } catch (...) {
        }
    }
};

} // namespace detail

namespace {

void global_init_once() {
    // curl_global_init is not guaranteed thread-safe on every build; run it once, first.
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

MailTime system_now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
}

void complete(SendHandler& handler, std::error_code ec, std::string detail) noexcept {
    try {
        handler(ec, std::move(detail));
    } catch (...) {
        // A throwing handler is a caller bug; it must not take the worker thread down.
    }
}

// What one exchange collects from libcurl's callbacks. All of them run on the worker thread
// that drives the exchange.
struct Exchange {
    std::string_view payload;
    std::size_t offset = 0;
    std::string last_reply;       // the server's last reply line, e.g. "250 OK"
    std::string last_error_reply; // its last 4xx/5xx reply, e.g. "550 5.1.1 No such user"
    std::string partial_line;
    // The server answered DATA with 354: a refusal from now on is of the message itself.
    bool data_accepted = false;
    // The connection's sockets from their creation on (two while happy eyeballs races IPv6
    // and IPv4).
    std::vector<curl_socket_t> sockets;
    const std::atomic<bool>* stopping = nullptr;

    // Cuts the connection under libcurl: its next step fails at once, in any state (connecting,
    // waiting for the greeting, uploading). Removing a live SMTP transfer instead would make
    // libcurl send the end-of-data marker and wait for a reply for up to the whole timeout.
    void cut() noexcept {
        for (const auto s : sockets)
            ::shutdown(s, SHUT_RDWR);
    }
};

curl_socket_t open_socket(void* user, curlsocktype, struct curl_sockaddr* address) {
    auto* ex = static_cast<Exchange*>(user);
    const curl_socket_t s =
        ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
    if (s != CURL_SOCKET_BAD)
        ex->sockets.push_back(s);
    return s;
}

int close_socket(void* user, curl_socket_t socket) {
    auto* ex = static_cast<Exchange*>(user);
    std::erase(ex->sockets, socket);
    return ::close(socket);
}

// Also asked by libcurl while it waits: a second way to stop at shutdown().
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* ex = static_cast<const Exchange*>(user);
    return ex->stopping->load(std::memory_order_acquire) ? 1 : 0;
}

size_t read_payload(char* buffer, size_t size, size_t nitems, void* user) {
    auto* ex = static_cast<Exchange*>(user);
    const std::size_t n = std::min(size * nitems, ex->payload.size() - ex->offset);
    std::copy_n(ex->payload.data() + ex->offset, n, buffer);
    ex->offset += n;
    return n;
}

// Only the server's replies (CURLINFO_HEADER_IN) are looked at; what we send, the AUTH
// exchange included, is never read, stored or printed.
int on_debug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
    if (type != CURLINFO_HEADER_IN)
        return 0;
    auto* ex = static_cast<Exchange*>(user);
    ex->partial_line.append(data, size);
    std::size_t pos;
    while ((pos = ex->partial_line.find('\n')) != std::string::npos) {
        std::string line = ex->partial_line.substr(0, pos);
        ex->partial_line.erase(0, pos + 1);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
            line.pop_back();
        if (line.size() > 200)
            line.resize(200);
        // Replace bytes that are not printable ASCII so the line is safe in logs and JSON.
        for (auto& c : line)
            if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E)
                c = '?';
        if (line.empty())
            continue;
        if (line[0] == '4' || line[0] == '5')
            ex->last_error_reply = line;
        if (line.starts_with("354"))
            ex->data_accepted = true;
        ex->last_reply = std::move(line);
    }
    return 0;
}

// Removes every form in which a secret could have slipped into a text: the password itself,
// and the base64 of AUTH PLAIN and AUTH LOGIN payloads. Replies never should echo them; this
// makes sure.
void scrub(std::string& text, const SmtpConfig& c) {
    if (c.password.empty())
        return;
    const std::string forms[] = {
        c.password,
        base64_encode(c.password),
        base64_encode(std::string(1, '\0') + c.username + '\0' + c.password),
        base64_encode(c.username + '\0' + c.username + '\0' + c.password),
    };
    for (const auto& f : forms) {
        if (f.empty())
            continue;
        for (auto pos = text.find(f); pos != std::string::npos; pos = text.find(f, pos))
            text.replace(pos, f.size(), "***");
    }
}

// Maps a failed exchange to our error; `curl_text` is libcurl's error buffer.
std::error_code classify(CURLcode rc, CURL* easy, std::string_view curl_text, long reply_code,
                         bool data_accepted) {
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
        return error::dns_failure;
    case CURLE_COULDNT_CONNECT: {
        long os_errno = 0;
        curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
        return os_errno == ECONNREFUSED ? error::connection_refused : error::connect_failed;
    }
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t connect_us = 0;
        curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connect_us);
        return connect_us == 0 ? error::connect_timeout : error::timeout;
    }
    case CURLE_USE_SSL_FAILED:
        return error::tls_unavailable;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return error::tls_failed;
    case CURLE_LOGIN_DENIED:
        return error::auth_failed;
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
        // libcurl reports SMTP command refusals as send errors with "MAIL failed: 550" etc.
        if (curl_text.starts_with("RCPT failed"))
            return error::recipient_rejected;
        if (curl_text.starts_with("MAIL failed"))
            return reply_code == 530 ? error::auth_failed : error::sender_rejected;
        if (curl_text.starts_with("DATA failed"))
            return error::message_rejected;
        return error::connection_closed;
    case CURLE_WEIRD_SERVER_REPLY:
        // After "354" the only reply left is the verdict on the message itself.
        if (data_accepted && reply_code >= 400 && reply_code < 600)
            return error::message_rejected;
        if (reply_code == 530 || reply_code == 535)
            return error::auth_failed;
        return error::protocol_error;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return error::invalid_config;
    case CURLE_ABORTED_BY_CALLBACK:
        return error::cancelled;
    case CURLE_OUT_OF_MEMORY:
    default:
        return error::internal;
    }
}

std::string host_for_url(const std::string& host) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// One SMTP exchange. Returns the outcome and a detail line (scrubbed of secrets).
std::pair<std::error_code, std::string>
run_exchange(detail::SmtpShared& shared, const MailMessage& message, std::string_view payload) {
    const SmtpConfig& c = shared.config;
    CURL* easy = curl_easy_init();
    CURLM* multi = curl_multi_init();
    if (!easy || !multi) {
        if (easy)
            curl_easy_cleanup(easy);
        if (multi)
            curl_multi_cleanup(multi);
        return {error::internal, "libcurl could not be initialised"};
    }
    Exchange ex;
    ex.payload = payload;
    ex.stopping = &shared.stopping;
    char errbuf[CURL_ERROR_SIZE] = {};

    const std::string url =
        std::string(c.tls == SmtpConfig::Tls::implicit ? "smtps://" : "smtp://") +
        host_for_url(c.host) + ":" + std::to_string(c.port) + "/" + c.helo_domain;
    const std::string mail_from = "<" + message.from + ">";
    curl_slist* rcpt = curl_slist_append(nullptr, ("<" + message.to + ">").c_str());

    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L); // no SIGALRM in a threaded host
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(easy, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, read_payload);
    curl_easy_setopt(easy, CURLOPT_READDATA, &ex);
    curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(payload.size()));
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(c.connect_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(c.total_timeout.count()));
    // The debug callback needs VERBOSE; with a callback set, libcurl prints nothing itself.
    curl_easy_setopt(easy, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(easy, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(easy, CURLOPT_DEBUGDATA, &ex);
    switch (c.tls) {
    case SmtpConfig::Tls::none:
        curl_easy_setopt(easy, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_NONE));
        break;
    case SmtpConfig::Tls::starttls_optional:
        curl_easy_setopt(easy, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
        break;
    case SmtpConfig::Tls::starttls_required:
    case SmtpConfig::Tls::implicit:
        curl_easy_setopt(easy, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
        break;
    }
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, &ex);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, &ex);
    curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(easy, CURLOPT_XFERINFODATA, &ex);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    const std::string ca_file = c.ca_file.string();
    if (!ca_file.empty())
        curl_easy_setopt(easy, CURLOPT_CAINFO, ca_file.c_str());
    if (!c.username.empty()) {
        curl_easy_setopt(easy, CURLOPT_USERNAME, c.username.c_str());
        curl_easy_setopt(easy, CURLOPT_PASSWORD, c.password.c_str());
    }

    {
        std::lock_guard lock(shared.multis_mutex);
        shared.multis.insert(multi);
    }
    curl_multi_add_handle(multi, easy);

    bool aborted = false;
    std::chrono::steady_clock::time_point abort_deadline;
    int running = 1;
    CURLMcode mc = CURLM_OK;
    while (running) {
        mc = curl_multi_perform(multi, &running);
        if (mc != CURLM_OK || !running)
            break;
        if (!aborted && shared.stopping.load(std::memory_order_acquire)) {
            // Let libcurl see the cut connection and finish the transfer as failed.
            aborted = true;
            abort_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
            ex.cut();
        }
        if (aborted && std::chrono::steady_clock::now() > abort_deadline)
            break;
        // Wakes on socket activity, on libcurl's own timers (within 1 s) and on shutdown().
        mc = curl_multi_poll(multi, nullptr, 0, aborted ? 50 : 1000, nullptr);
        if (mc != CURLM_OK)
            break;
    }

    CURLcode rc = CURLE_OK;
    bool have_result = false;
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) {
            rc = msg->data.result;
            have_result = true;
        }
    }
    long reply_code = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &reply_code);

    {
        std::lock_guard lock(shared.multis_mutex);
        shared.multis.erase(multi);
    }
    curl_multi_remove_handle(multi, easy);

    std::error_code ec;
    std::string detail;
    if (aborted && (!have_result || rc != CURLE_OK)) {
        ec = error::cancelled;
        detail = "shut down while sending";
    } else if (mc != CURLM_OK && !have_result) {
        ec = error::internal;
        detail = std::string("libcurl: ") + curl_multi_strerror(mc);
    } else if (rc != CURLE_OK) {
        const std::string curl_text = errbuf[0] ? std::string(errbuf) : curl_easy_strerror(rc);
        ec = classify(rc, easy, curl_text, reply_code, ex.data_accepted);
        detail = curl_text;
        const std::string& reply =
            ex.last_error_reply.empty() ? ex.last_reply : ex.last_error_reply;
        if (!reply.empty() && ec != error::connection_refused && ec != error::connect_timeout &&
            ec != error::dns_failure)
            detail += " (server: " + reply + ")";
    } else {
        detail = "accepted by " + c.host + ":" + std::to_string(c.port);
        if (!ex.last_reply.empty())
            detail += " (" + ex.last_reply + ")";
    }
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(easy);
    curl_multi_cleanup(multi);
    scrub(detail, c);
    return {ec, std::move(detail)};
}

} // namespace

SmtpTransport::SmtpTransport(SmtpConfig config) : SmtpTransport(std::move(config), Options{}) {}

SmtpTransport::SmtpTransport(SmtpConfig config, Options options)
    : shared_(std::make_shared<detail::SmtpShared>()) {
    global_init_once();
    shared_->config = std::move(config);
    shared_->options = std::move(options);
    if (!shared_->options.now)
        shared_->options.now = system_now;
    shared_->config_ec = shared_->config.validate(shared_->config_detail);
    shared_->description = shared_->config.describe();
    queue_ = std::make_unique<detail::WorkQueue>(shared_->options.worker_threads);
}

SmtpTransport::~SmtpTransport() {
    shutdown();
    queue_.reset(); // joins the workers (or detaches the one we are running on)
}

std::string SmtpTransport::describe() const {
    return shared_->description;
}

void SmtpTransport::shutdown() {
    shared_->stopping.store(true, std::memory_order_release);
    {
        std::lock_guard lock(shared_->multis_mutex);
        for (CURLM* m : shared_->multis)
            curl_multi_wakeup(m);
    }
    queue_->stop();
}

void SmtpTransport::async_send(MailMessage message, SendHandler handler) {
    // The job owns everything it needs (not `this`): the transport may be destroyed from a
    // handler while later jobs are still queued.
    queue_->post([shared = shared_, message = std::move(message),
                  handler = std::move(handler)](bool stopping) mutable {
        const auto started = std::chrono::steady_clock::now();
        std::error_code ec;
        std::string detail;
        try {
            fill_defaults(message, shared->config.from, shared->config.from_name,
                          shared->options.now());
            if (stopping || shared->stopping.load(std::memory_order_acquire)) {
                ec = error::cancelled;
                detail = "the mail transport was shut down before sending";
            } else if (shared->config_ec) {
                ec = shared->config_ec;
                detail = shared->config_detail;
            } else {
                ComposedMessage composed = compose_message(message, shared->options.compose);
                if (composed.ec) {
                    ec = composed.ec;
                    detail = std::move(composed.detail);
                } else {
                    std::tie(ec, detail) = run_exchange(*shared, message, composed.bytes);
                }
            }
        } catch (const std::bad_alloc&) {
            ec = error::internal;
            detail = "out of memory";
        } catch (...) {
            ec = error::internal;
            detail = "unexpected exception while sending";
        }
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
        std::string line = std::string(ec ? "mail: failed " : "mail: sent ") + message.message_id +
                           " via " + shared->description + " in " + std::to_string(ms) + " ms";
        if (ec)
            line += ": " + std::string(to_string(static_cast<error>(ec.value()))) + ": " + detail;
        shared->log(line);
        complete(handler, ec, std::move(detail)); // last: the handler may destroy the transport
    });
}

} // namespace pms::host::mail
