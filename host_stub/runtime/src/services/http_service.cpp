// pms.http/1 over pms::net::HttpClient: the request is copied, sent by the host (TLS policy,
// pool, timeouts, limits), and the response is delivered once on the instance strand through
// the operation registry. A cancel (by the plugin or the drain) is forwarded to the client,
// whose completion then reports PMS_CANCELLED with an accurate outcome_unknown. Header values
// and bodies are never logged.
#include "service_support.hpp"
#include "services.hpp"

#if defined(PMS_HOST_RUNTIME_HAS_NET)

#include <pms/net/http_client.hpp>

#include <algorithm>
#include <cctype>

namespace pms::host::detail {
namespace {

bool is_method(std::string_view m) {
    for (std::string_view known : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"})
        if (m == known)
            return true;
    return false;
}

bool has_ctl(std::string_view s) {
    return std::any_of(s.begin(), s.end(),
                       [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

pms_status status_of(const std::error_code& ec) {
    using net::error;
    if (!ec)
        return PMS_OK;
    if (ec.category() != net::net_category())
        return PMS_NETWORK_ERROR;
    switch (static_cast<error>(ec.value())) {
    case error::connect_timeout:
    case error::total_timeout:
        return PMS_TIMEOUT;
    case error::tls_handshake_failed:
    case error::certificate_untrusted:
    case error::host_name_mismatch:
        return PMS_TLS_ERROR;
    case error::response_too_large:
        return PMS_TOO_LARGE;
    case error::malformed_response:
        return PMS_PROTOCOL_ERROR;
    case error::invalid_url:
    case error::unsupported_scheme:
    case error::invalid_request:
        return PMS_INVALID_ARGUMENT;
    case error::operation_aborted:
    case error::client_shut_down:
        return PMS_CANCELLED;
    default:
        return PMS_NETWORK_ERROR;
    }
}

// The URL without its query and credentials, for logs.
std::string loggable_url(std::string_view url) {
    std::string out{url.substr(0, url.find_first_of("?#"))};
    const auto scheme = out.find("://");
    if (scheme != std::string::npos) {
        const auto at = out.find('@', scheme + 3);
        const auto slash = out.find('/', scheme + 3);
        if (at != std::string::npos && (slash == std::string::npos || at < slash))
            out.erase(scheme + 3, at - scheme - 2);
    }
    return out;
}

// Delivers a response (or a transport failure) to the plugin. Runs on the strand.
void deliver_response(pms_http_done done, const net::ClientResponse& r) {
    std::vector<pms_header> headers;
    headers.reserve(r.headers.size());
    for (const auto& h : r.headers)
        headers.push_back({str_of(h.name), str_of(h.value)});
    pms_http_response resp{};
    resp.struct_size = sizeof(resp);
    resp.status = status_of(r.ec);
    resp.http_status = resp.status == PMS_OK ? r.status : 0;
    resp.outcome_unknown = r.outcome_unknown ? 1u : 0u;
    resp.headers = headers.empty() ? nullptr : headers.data();
    resp.header_count = headers.size();
    resp.body = r.body.empty() ? pms_bytes{nullptr, 0}
                               : pms_bytes{reinterpret_cast<const std::uint8_t*>(r.body.data()),
                                           r.body.size()};
    resp.elapsed_ms = static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.elapsed.count()));
    const std::string message =
        r.ec ? (r.error_detail.empty() ? r.ec.message() : r.error_detail) : std::string{};
    resp.error_message = str_of(message);
    done.fn(done.user, &resp);
}

void deliver_cancelled(pms_http_done done) {
    net::ClientResponse r;
    r.ec = net::make_error_code(net::error::operation_aborted);
    r.error_detail = "cancelled";
    deliver_response(done, r);
}

pms_status http_request(const pms_host* host, const pms_http_request* request, pms_http_done done,
                        std::uint64_t* op_id) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr || request == nullptr || done.fn == nullptr)
            return PMS_INVALID_ARGUMENT;
        if (request->struct_size <
            offsetof(pms_http_request, max_response_bytes) + sizeof(request->max_response_bytes))
            return PMS_INVALID_ARGUMENT;
        if ((request->flags & ~PMS_HTTP_FLAG_FRESH_CONNECTION) != 0)
            return PMS_INVALID_ARGUMENT;
        if (!valid(request->method) || !valid(request->url) || !valid(request->body) ||
            (request->headers == nullptr && request->header_count != 0) ||
            request->header_count > 256)
            return PMS_INVALID_ARGUMENT;
        net::ClientRequest req;
        req.method = std::string{view_of(request->method)};
        req.url = std::string{view_of(request->url)};
        if (!is_method(req.method) || has_ctl(req.url) ||
            !(req.url.rfind("http://", 0) == 0 || req.url.rfind("https://", 0) == 0))
            return PMS_INVALID_ARGUMENT;
        for (std::size_t i = 0; i < request->header_count; ++i) {
            const pms_header& h = request->headers[i];
            if (!valid(h.name) || !valid(h.value) || h.name.len == 0)
                return PMS_INVALID_ARGUMENT;
            std::string name{view_of(h.name)};
            std::string value{view_of(h.value)};
            if (has_ctl(name) || has_ctl(value) || net::iequals(name, "Transfer-Encoding"))
                return PMS_INVALID_ARGUMENT;
            req.headers.push_back({std::move(name), std::move(value)});
        }
        req.body = std::string{view_of(request->body)};
        req.connect_timeout = std::chrono::milliseconds(request->connect_timeout_ms
                                                            ? request->connect_timeout_ms
                                                            : PMS_HTTP_DEFAULT_CONNECT_TIMEOUT_MS);
        req.total_timeout = std::chrono::milliseconds(request->total_timeout_ms
                                                          ? request->total_timeout_ms
                                                          : PMS_HTTP_DEFAULT_TOTAL_TIMEOUT_MS);
        req.max_response_bytes = static_cast<std::size_t>(
            request->max_response_bytes ? request->max_response_bytes
                                        : PMS_HTTP_DEFAULT_MAX_RESPONSE_BYTES);

        net::HttpClient* client = (request->flags & PMS_HTTP_FLAG_FRESH_CONNECTION) != 0
                                      ? inst->rt.http_fresh.get()
                                      : inst->rt.http.get();
        if (client == nullptr)
            return PMS_UNAVAILABLE;

        const std::uint64_t id = inst->ops.begin(OperationRegistry::CancelMode::forward,
                                                 [done] { deliver_cancelled(done); });
        if (id == 0)
            return PMS_UNAVAILABLE;
        if (op_id != nullptr)
            *op_id = id;
        const std::string log_line = req.method + " " + loggable_url(req.url);
        inst->log(LogLevel::debug, "http " + log_line);
        const auto net_id = client->async_send(std::move(req), [weak = inst->weak_from_this(), id,
                                                                done,
                                                                log_line](net::ClientResponse r) {
            auto self = weak.lock();
            if (!self)
                return; // the instance is gone: drop, no plugin code
            if (r.ec)
                self->log(LogLevel::info,
                          "http " + log_line + " failed: " +
                              (r.error_detail.empty() ? r.ec.message() : r.error_detail) +
                              (r.outcome_unknown ? " (outcome unknown)" : ""));
            else
                self->log(LogLevel::debug, "http " + log_line + " -> " + std::to_string(r.status) +
                                               " in " + std::to_string(r.elapsed.count()) + " ms");
            auto response = std::make_shared<net::ClientResponse>(std::move(r));
            self->ops.complete(id, [done, response] { deliver_response(done, *response); });
        });
        inst->ops.set_source_cancel(id, [client, net_id] { return client->cancel(net_id); });
        return PMS_OK;
    } catch (...) {
        return PMS_INTERNAL;
    }
}

pms_status http_cancel(const pms_host* host, std::uint64_t op_id) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr)
            return PMS_INVALID_ARGUMENT;
        return inst->ops.cancel(op_id) ? PMS_OK : PMS_NOT_FOUND;
    } catch (...) {
        return PMS_INTERNAL;
    }
}

constexpr pms_host_http table{&http_request, &http_cancel};

} // namespace

const pms_host_http* http_service() noexcept {
    return &table;
}

} // namespace pms::host::detail

#else // without pms::net the host offers no pms.http/1

namespace pms::host::detail {
const pms_host_http* http_service() noexcept {
    return nullptr;
}
} // namespace pms::host::detail

#endif
