/*
 * pms/plugin_api/ext/folio.h — "pms.folio/1": read a folio, post a payment to it.
 *
 * A folio is one account (one legal entity) of a booking. Balance, links and postings are per
 * folio. The host keeps folios and payments; the plugin never edits them except by posting.
 *
 * get_folio() returns a JSON document, schema "pms.folio/1", documented in
 * plugin_api/schema/folio-v1.md (JSON Schema: plugin_api/schema/folio-v1.schema.json).
 * In short:
 *   { "schema": "pms.folio/1", "folio_id", "folio_number", "status": "open"|"closed",
 *     "property_id", "currency",
 *     "legal_entity": {"id", "name", "tax_id"},
 *     "booking": {"id", "number", "arrival", "departure"},
 *     "guest": {"name", "email", "phone"},
 *     "lines": [{"line_id", "date", "description", "quantity", "unit_amount_minor",
 *                "amount_minor", "vat_code", "category"}],
 *     "payments": [{"posting_id", "amount_minor", "category", "type", "posted_at"}],
 *     "totals": {"charges_minor", "paid_minor", "balance_due_minor"} }
 * Every amount is an integer in minor units of "currency" (never a decimal number).
 *
 * Posting and idempotency: every posting carries a mandatory idempotency key, namespaced
 * "<plugin-id>:<kind>:<id>" (e.g. "ru.invoicebox.pms.payment-link:payment:<order-id>"). The host
 * posts at most once per key, durably:
 *  - the same key with the same payload (folio, amount, kind) completes with PMS_DUPLICATE and
 *    the FIRST posting (is_repeat = 1) — so retrying after a crash, a timeout or a duplicate
 *    notification is always safe;
 *  - the same key with a different payload completes with PMS_CONFLICT and posts nothing.
 */
#ifndef PMS_PLUGIN_API_EXT_FOLIO_H
#define PMS_PLUGIN_API_EXT_FOLIO_H

#include <stdint.h>

#include "../host.h"
#include "../macros.h"
#include "../status.h"
#include "../types.h"

#define PMS_EXT_FOLIO "pms.folio/1"

/* The schema tag of the document get_folio() writes. */
#define PMS_FOLIO_SCHEMA "pms.folio/1"

PMS_EXTERN_C_BEGIN

/*
 * A payment (or refund) to post. Owned by the caller, valid only during post_payment().
 */
typedef struct pms_payment_posting {
    /* sizeof(pms_payment_posting) as the plugin compiled it. */
    uint32_t struct_size;
    /* The folio to post to (as in the folio document's "folio_id"). */
    pms_str folio_id;
    /* Amount, > 0, in the folio's currency. Direction (payment or refund) comes from the kind. */
    pms_money amount;
    /* A code from the plugin's pms.payment-types/1 list (e.g. "payment", "refund"). The host
     * applies the admin's mapping of that code to its payment category and type. */
    pms_str payment_kind;
    /* Mandatory, 1..200 bytes, "<plugin-id>:<kind>:<id>". See top. */
    pms_str idempotency_key;
    /* The provider's reference (e.g. InvoiceBox order id), shown to staff and stored. */
    pms_str provider_reference;
    /* Text for the folio line, e.g. "InvoiceBox payment link 1001/1-3". May be empty. */
    pms_str description;
    /* When the money was actually taken (UTC ms), for late payments; 0 = now. */
    int64_t occurred_at_utc_ms;
} pms_payment_posting;

/*
 * The result of post_payment(). Owned by the host, valid only until the completion returns.
 * Fields are empty/0 when the status is neither PMS_OK nor PMS_DUPLICATE.
 */
typedef struct pms_posting_result {
    /* sizeof(pms_posting_result) as the host compiled it. */
    uint32_t struct_size;
    /* 1 when this is an idempotency repeat (status PMS_DUPLICATE), else 0. */
    uint32_t is_repeat;
    /* The host's id of the posting (of the first posting on a repeat). */
    pms_str posting_id;
    /* The host payment category and type the kind was mapped to. */
    pms_str category;
    pms_str type;
    /* Human-readable detail for a failure, else empty. */
    pms_str error_message;
} pms_posting_result;

/*
 * Completion of post_payment(): fn(user, status, result) runs once on the instance strand.
 * `result` is never NULL. Statuses:
 *   PMS_OK                posted now;
 *   PMS_DUPLICATE         idempotency repeat, `result` is the first posting (success);
 *   PMS_CONFLICT          key reused with a different payload; nothing posted;
 *   PMS_NOT_FOUND         no such folio;
 *   PMS_FOLIO_CLOSED, PMS_NO_MAPPING, PMS_CURRENCY_MISMATCH, PMS_INVALID_ARGUMENT
 *                         not posted: keep the payment in suspense and alert staff;
 *   PMS_STORAGE_ERROR, PMS_UNAVAILABLE
 *                         not posted; retry later with the same key;
 *   PMS_CANCELLED         the instance is draining; not posted; retry later with the same key.
 */
typedef struct pms_posting_done {
    void (*fn)(void *user, pms_status status, const pms_posting_result *result);
    void *user;
} pms_posting_done;

typedef struct pms_host_folio {
    /*
     * Writes the folio document (JSON, schema "pms.folio/1", UTF-8) for `folio_id` to
     * `json_out`. Reads a consistent snapshot.
     * Returns PMS_OK, PMS_NOT_FOUND, PMS_PERMISSION_DENIED (folio of another property),
     * PMS_STORAGE_ERROR, or the writer's error.
     * [strand]
     */
    pms_status (*get_folio)(const pms_host *host, pms_str folio_id, const pms_writer *json_out);

    /*
     * Posts a payment, at most once per idempotency key (see top).
     * `posting` is valid only during the call. `done` runs exactly once if PMS_OK is returned.
     * `op_id` (may be NULL) receives an id (postings cannot be cancelled once started).
     * Returns PMS_OK (accepted), PMS_INVALID_ARGUMENT (missing key, amount <= 0, struct_size too
     * small) or PMS_UNAVAILABLE (draining); then `done` is not invoked.
     * [strand]
     */
    pms_status (*post_payment)(const pms_host *host, const pms_payment_posting *posting,
                               pms_posting_done done, uint64_t *op_id);
} pms_host_folio;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_EXT_FOLIO_H */
