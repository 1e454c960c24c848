// pms/plugin_sdk/http.hpp — completion-token adapter over pms.http/1.
//
//     pms::sdk::http_client http(host, get_executor());
//     pms::sdk::http_request req;                  // named: see the note on http_request
//     req.method = "POST";
//     req.url = url;
//     req.body = json;
//     auto [ec, res] = co_await http.async_send(req, as_tuple(pms::sdk::use_awaitable));
//
// Handler signature: void(pms::sdk::error_code ec, pms::sdk::http_response response).
//  - ec is the transport outcome (empty when an HTTP response arrived, whatever its status):
//    errc::timeout, tls_error, network_error, too_large, cancelled, protocol_error, ...
//  - response is always passed, also on failure: outcome_unknown says whether a failed request
//    may have reached the server (see ext/http.h). With plain use_awaitable a failure throws
//    boost::system::system_error and the response is lost; use as_tuple(use_awaitable) where
//    outcome_unknown matters (non-idempotent requests).
// Completes exactly once on the strand, never inline. Per-operation cancellation: the
// handler's cancellation slot (e.g. `||` of awaitable operators) calls the host's cancel().
#pragma once

#include <pms/plugin_api/ext/http.h>

#include <pms/plugin_sdk/detail/async.hpp>
#include <pms/plugin_sdk/executor.hpp>
#include <pms/plugin_sdk/host.hpp>
#include <pms/plugin_sdk/status.hpp>
#include <pms/plugin_sdk/strings.hpp>

#include <boost/asio/async_result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pms::sdk {

/// A header as owned strings.
struct http_header {
    std::string name{};
    std::string value{};
};

/// A request. Copied into the host by async_send(); may be destroyed right after the call.
struct http_request {
    // Not an aggregate on purpose: g++ 12 destroys aggregate temporaries created inside a
    // co_await expression twice (heap corruption). With this constructor,
    // `co_await x.async_...({.field = ...}, use_awaitable)` does not compile; name the object
    // first and set its fields.
    http_request() = default;
    std::string method = "GET";
    std::string url{};
    std::vector<http_header> headers{};
    std::string body{};
    std::chrono::milliseconds connect_timeout{0}; // 0 = host default
    std::chrono::milliseconds total_timeout{0};   // 0 = host default
    std::uint64_t max_response_bytes = 0;         // 0 = host default
    bool fresh_connection = false;                // PMS_HTTP_FLAG_FRESH_CONNECTION
};

/// A response (or what is known after a transport failure), owned by the handler.
struct http_response {
    int http_status = 0;
    bool outcome_unknown = false;
    std::vector<http_header> headers{};
    std::string body{};
    std::chrono::milliseconds elapsed{0};
    std::string error_message{};
    /// False when request() itself refused (no pms.http/1, draining, bad request): nothing was
    /// sent, ec is the refusal and error_message the SDK's text. (Issue 12.)
    bool started = true;

    /// The first header with this name (ASCII case-insensitive), if any.
    std::optional<std::string_view> header(std::string_view name) const {
        for (const auto& h : headers)
            if (iequals(h.name, name))
                return std::string_view(h.value);
        return std::nullopt;
    }

private:
    static bool iequals(std::string_view a, std::string_view b) noexcept {
        if (a.size() != b.size())
            return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            char x = a[i], y = b[i];
            if (x >= 'A' && x <= 'Z')
                x = static_cast<char>(x - 'A' + 'a');
            if (y >= 'A' && y <= 'Z')
                y = static_cast<char>(y - 'A' + 'a');
            if (x != y)
                return false;
        }
        return true;
    }
};

namespace detail {

inline http_response copy_response(const pms_http_response* r) {
    http_response out;
    if (r == nullptr)
        return out;
    out.http_status = r->http_status;
    out.outcome_unknown = r->outcome_unknown != 0;
    out.headers.reserve(r->header_count);
    for (std::size_t i = 0; i < r->header_count; ++i)
        out.headers.push_back({std::string(to_string_view(r->headers[i].name)),
                               std::string(to_string_view(r->headers[i].value))});
    out.body.assign(to_string_view(r->body));
    out.elapsed = std::chrono::milliseconds(static_cast<std::int64_t>(r->elapsed_ms));
    out.error_message.assign(to_string_view(r->error_message));
    return out;
}

} // namespace detail

/// pms.http/1 for one instance. Cheap to copy (two pointers and an executor).
class http_client {
public:
    using executor_type = executor;

    http_client(const host& h, const executor& ex) noexcept : host_(h), ex_(ex) {}

    executor_type get_executor() const noexcept { return ex_; }

    /// Sends `request`. See the file comment for the handler and the guarantees.
    template <class CompletionToken>
    auto async_send(const http_request& request, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, void(error_code, http_response)>(
            initiate_send{this}, token, request);
    }

private:
    template <class Handler>
    using op_type = detail::pending_op<Handler>;

    template <class Handler>
    static void on_done(void* user, const pms_http_response* response) noexcept {
        auto op = op_type<Handler>::adopt(user);
        const pms_host* h = op->ex.c_host();
        guard_void(h, "pms.http/1 completion", [&] {
            const pms_status s = response != nullptr ? response->status : PMS_PROTOCOL_ERROR;
            op_type<Handler>::complete(std::move(op), make_status_error(s),
                                       detail::copy_response(response));
        });
    }

    struct initiate_send {
        http_client* self;

        template <class Handler>
        void operator()(Handler&& handler, const http_request& request) const {
            using H = std::decay_t<Handler>;
            auto op = std::make_unique<op_type<H>>(std::forward<Handler>(handler), self->ex_);
            const pms_host_http* http = self->host_.http_ext();
            pms_status s = PMS_NOT_SUPPORTED;
            std::uint64_t id = 0;
            if (http != nullptr) {
                std::vector<pms_header> headers;
                headers.reserve(request.headers.size());
                for (const auto& hd : request.headers)
                    headers.push_back({to_pms_str(hd.name), to_pms_str(hd.value)});
                pms_http_request c{};
                c.struct_size = sizeof c;
                c.flags = request.fresh_connection ? PMS_HTTP_FLAG_FRESH_CONNECTION : 0u;
                c.method = to_pms_str(request.method);
                c.url = to_pms_str(request.url);
                c.headers = headers.empty() ? nullptr : headers.data();
                c.header_count = headers.size();
                c.body = to_pms_bytes(request.body);
                c.connect_timeout_ms = static_cast<std::uint32_t>(request.connect_timeout.count());
                c.total_timeout_ms = static_cast<std::uint32_t>(request.total_timeout.count());
                c.max_response_bytes = request.max_response_bytes;
                s = http->request(self->host_.c_host(), &c, pms_http_done{&on_done<H>, op.get()}, &id);
            }
            if (s != PMS_OK) {
                detail::complete_rejected(std::move(op), [s](std::unique_ptr<op_type<H>> o) {
                    http_response r;
                    r.started = false;
                    r.error_message = "request not started: " + make_status_error(s).message();
                    op_type<H>::complete(std::move(o), make_status_error(s), std::move(r));
                });
                return;
            }
            detail::connect_cancellation(*op, self->host_.c_host(), http->cancel, id);
            op.release(); // owned by the host until on_done
        }
    };

    host host_;
    executor ex_;
};

} // namespace pms::sdk
