/*
 * pms/plugin_api/ext/mail.h — "pms.mail/1": send an e-mail through the host.
 *
 * The host picks the transport (SMTP, or its outbox in the demo and tests) and the sender
 * address. Success means "accepted by the SMTP server or stored in the outbox", not delivered.
 */
#ifndef PMS_PLUGIN_API_EXT_MAIL_H
#define PMS_PLUGIN_API_EXT_MAIL_H

#include <stdint.h>

#include "../host.h"
#include "../macros.h"
#include "../status.h"
#include "../types.h"

#define PMS_EXT_MAIL "pms.mail/1"

PMS_EXTERN_C_BEGIN

/* A message. Owned by the caller, valid only during send(). */
typedef struct pms_mail_message {
    /* sizeof(pms_mail_message) as the plugin compiled it. */
    uint32_t struct_size;
    /* Recipient address (one), e.g. "guest@example.org". Required. */
    pms_str to;
    /* Recipient display name; may be empty. */
    pms_str to_name;
    /* Subject, UTF-8. Required. */
    pms_str subject;
    /* Plain-text body. Required. */
    pms_str text_body;
    /* Optional HTML alternative; empty = text only. */
    pms_str html_body;
    /* Optional Reply-To address; empty = the host's default. */
    pms_str reply_to;
} pms_mail_message;

/*
 * Completion of send(): fn(user, status, error_text) runs once on the instance strand.
 * status: PMS_OK, PMS_INVALID_ARGUMENT (address rejected), PMS_UNAVAILABLE, PMS_NETWORK_ERROR,
 * PMS_TIMEOUT, PMS_CANCELLED. `error_text` is a human-readable detail (empty on success), owned
 * by the host and valid until fn returns.
 */
typedef struct pms_mail_done {
    void (*fn)(void *user, pms_status status, pms_str error_text);
    void *user;
} pms_mail_done;

typedef struct pms_host_mail {
    /*
     * Sends `message`. `done` runs exactly once if PMS_OK is returned. `op_id` (may be NULL)
     * receives an id for logs.
     * Returns PMS_OK (accepted), PMS_INVALID_ARGUMENT (missing field, struct_size too small) or
     * PMS_UNAVAILABLE (draining); then `done` is not invoked.
     * [strand]
     */
    pms_status (*send)(const pms_host *host, const pms_mail_message *message, pms_mail_done done,
                       uint64_t *op_id);
} pms_host_mail;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_EXT_MAIL_H */
