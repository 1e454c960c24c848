/*
 * pms/plugin_api/ext/http.h — "pms.http/1": HTTP(S) requests performed by the host.
 *
 * The host does DNS, TLS (OpenSSL, peer and host-name verification, SNI), a keep-alive
 * connection pool per origin, timeouts and body limits, and redacts the Authorization header
 * from its logs. The plugin never opens sockets for this. Responses are delivered on the
 * instance strand, never inline from request(), exactly once (see host.h).
 *
 * Outcome uncertainty: a request that failed after it may have reached the server (it was sent
 * on a reused pooled connection and the connection then failed, or the response did not arrive
 * in time after sending) has outcome_unknown = 1. For a non-idempotent request the plugin must
 * then look the result up (e.g. by merchantOrderId) instead of repeating it blindly, or use
 * PMS_HTTP_FLAG_FRESH_CONNECTION.
 */
#ifndef PMS_PLUGIN_API_EXT_HTTP_H
#define PMS_PLUGIN_API_EXT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "../host.h"
#include "../macros.h"
#include "../status.h"
#include "../types.h"

#define PMS_EXT_HTTP "pms.http/1"

PMS_EXTERN_C_BEGIN

/* pms_http_request.flags */
/* Send on a new connection, never a pooled one: a failure before the response then has
 * outcome_unknown = 1 only when the request was fully written. */
#define PMS_HTTP_FLAG_FRESH_CONNECTION ((uint32_t)1 << 0)

/* Defaults the host applies when a limit is 0. */
#define PMS_HTTP_DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define PMS_HTTP_DEFAULT_TOTAL_TIMEOUT_MS 30000u
#define PMS_HTTP_DEFAULT_MAX_RESPONSE_BYTES (8u * 1024u * 1024u)

/*
 * A request. Owned by the caller, valid only during request(): the host copies everything.
 */
typedef struct pms_http_request {
    /* sizeof(pms_http_request) as the plugin compiled it. */
    uint32_t struct_size;
    /* PMS_HTTP_FLAG_* bits; unknown bits are rejected with PMS_INVALID_ARGUMENT. */
    uint32_t flags;
    /* "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD". */
    pms_str method;
    /* Absolute http:// or https:// URL, including the query string. */
    pms_str url;
    /* Request headers; `headers` may be NULL when header_count is 0. The host adds Host,
     * Content-Length and User-Agent (unless given) and rejects Transfer-Encoding. */
    const pms_header *headers;
    size_t header_count;
    /* Request body; {NULL, 0} for none. */
    pms_bytes body;
    /* Time allowed for DNS + TCP connect + TLS handshake; 0 = default. */
    uint32_t connect_timeout_ms;
    /* Time allowed for the whole request, connect included; 0 = default. */
    uint32_t total_timeout_ms;
    /* Largest response body accepted; a larger one completes with PMS_TOO_LARGE. 0 = default. */
    uint64_t max_response_bytes;
} pms_http_request;

/*
 * A response, or the transport failure that replaced it. Owned by the host, valid (with
 * everything it points to) only until the completion callback returns.
 */
typedef struct pms_http_response {
    /* sizeof(pms_http_response) as the host compiled it. */
    uint32_t struct_size;
    /* Transport outcome: PMS_OK when an HTTP response was received (whatever its http_status),
     * otherwise PMS_TIMEOUT, PMS_TLS_ERROR, PMS_NETWORK_ERROR, PMS_TOO_LARGE, PMS_CANCELLED,
     * PMS_PROTOCOL_ERROR (malformed response) or PMS_INVALID_ARGUMENT (bad URL). */
    pms_status status;
    /* The HTTP status code (200, 404, ...) when status == PMS_OK, else 0. */
    int32_t http_status;
    /* 1 if the request may have reached the server although status != PMS_OK (see top). */
    uint32_t outcome_unknown;
    /* Response headers, in order received; NULL when header_count is 0. */
    const pms_header *headers;
    size_t header_count;
    /* Response body (already de-chunked); {NULL, 0} for none. */
    pms_bytes body;
    /* Wall time from request() to completion, in milliseconds. */
    uint64_t elapsed_ms;
    /* Human-readable detail for a failure (e.g. "certificate verify failed"), else empty. */
    pms_str error_message;
} pms_http_response;

/*
 * Completion of request(): fn(user, response) runs once on the instance strand. `response` is
 * never NULL. `user` belongs to the plugin.
 */
typedef struct pms_http_done {
    void (*fn)(void *user, const pms_http_response *response);
    void *user;
} pms_http_done;

typedef struct pms_host_http {
    /*
     * Starts a request.
     * `request` is valid only during the call. `done` is invoked exactly once if PMS_OK is
     * returned. `op_id` (may be NULL) receives an id for cancel().
     * Returns PMS_OK (accepted), PMS_INVALID_ARGUMENT (malformed request, unknown flags,
     * struct_size too small) or PMS_UNAVAILABLE (instance draining); then `done` is not invoked.
     * [strand]
     */
    pms_status (*request)(const pms_host *host, const pms_http_request *request,
                          pms_http_done done, uint64_t *op_id);

    /*
     * Cancels a pending request: it completes with status PMS_CANCELLED (outcome_unknown says
     * whether it may have been sent). Returns PMS_OK, or PMS_NOT_FOUND when the operation has
     * already completed or is about to (its completion is then delivered as it is).
     * [thread-safe]
     */
    pms_status (*cancel)(const pms_host *host, uint64_t op_id);
} pms_host_http;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_EXT_HTTP_H */
