/*
 * pms/plugin_api/hooks/notification_sink.h — "pms.notification-sink/1": inbound HTTP
 * notifications from the plugin's provider (e.g. InvoiceBox payment notifications).
 *
 * The host's HTTP server routes  <method> /hooks/<plugin-id>/<property-id>/<rest>  to the
 * instance of that plugin for that property and hands it the raw request. The plugin answers
 * exactly once through `reply`, within the deadline; after the deadline the host answers
 * 503 itself and discards the late reply (calling it is still allowed and required).
 * A property where the plugin is not active answers 404 without calling the plugin.
 */
#ifndef PMS_PLUGIN_API_HOOKS_NOTIFICATION_SINK_H
#define PMS_PLUGIN_API_HOOKS_NOTIFICATION_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "../macros.h"
#include "../plugin.h"
#include "../status.h"
#include "../types.h"

#define PMS_HOOK_NOTIFICATION_SINK "pms.notification-sink/1"

PMS_EXTERN_C_BEGIN

/*
 * The raw inbound request. Owned by the host, valid only during handle() (copy what you keep).
 */
typedef struct pms_inbound_request {
    /* sizeof(pms_inbound_request) as the host compiled it. */
    uint32_t struct_size;
    /* Time left to reply, in milliseconds, when handle() is called. */
    uint32_t deadline_ms;
    /* "POST", "GET", ... */
    pms_str method;
    /* The path after /hooks/<plugin-id>/<property-id>/ (e.g. "invoicebox/notify"), still
     * percent-encoded, without the query. */
    pms_str path;
    /* The query string without "?", still percent-encoded; empty when none. */
    pms_str query;
    /* Request headers as received. */
    const pms_header *headers;
    size_t header_count;
    /* The body bytes exactly as received (de-chunked, not decoded): signatures are computed over
     * them. */
    pms_bytes body;
    /* The peer's address ("203.0.113.7" or "[2001:db8::1]"), for logs and allow-lists. */
    pms_str remote_address;
} pms_inbound_request;

/*
 * The plugin's answer. Owned by the plugin, valid only during the reply call (the host copies).
 */
typedef struct pms_inbound_reply {
    /* sizeof(pms_inbound_reply) as the plugin compiled it. */
    uint32_t struct_size;
    /* HTTP status to send, 100..599. */
    int32_t http_status;
    /* Content-Type of the body, e.g. "application/json"; empty for none. */
    pms_str content_type;
    /* Extra response headers; NULL when header_count is 0. Hop-by-hop headers are ignored. */
    const pms_header *headers;
    size_t header_count;
    /* Response body. */
    pms_bytes body;
} pms_inbound_reply;

/*
 * The reply channel: fn(user, reply), called by the plugin exactly once on the instance strand
 * (possibly before handle() returns). `fn` and `user` belong to the host. `reply` must not be
 * NULL.
 */
typedef struct pms_reply_done {
    void (*fn)(void *user, const pms_inbound_reply *reply);
    void *user;
} pms_reply_done;

typedef struct pms_plugin_notification_sink {
    /*
     * Handles one inbound request. Returns PMS_OK when `reply` will be called exactly once;
     * any other status means `reply` will never be called and the host answers itself
     * (404 for PMS_NOT_FOUND, 503 for PMS_UNAVAILABLE, 500 otherwise).
     * [strand & active]
     */
    pms_status (*handle)(const pms_plugin *plugin, const pms_inbound_request *request,
                         pms_reply_done reply);
} pms_plugin_notification_sink;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_HOOKS_NOTIFICATION_SINK_H */
