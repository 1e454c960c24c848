/*
 * pms/plugin_api/status.h — the status code every function returns or every completion reports.
 *
 * pms_status is an int32_t, never an enum type, so that new values can be added in a minor
 * release without changing the ABI.
 *  - PMS_OK (0): success.
 *  - Negative values: generic failures. The operation did not do what was asked.
 *  - Positive values: payment-domain outcomes. The operation completed, but with a result the
 *    caller must look at (for example PMS_DUPLICATE: an idempotency hit that returns the first
 *    posting). Only the codes documented for an operation are returned by it.
 *
 * Enumerations are open: a value this header does not know (from a newer peer) must be handled
 * as a generic failure, never asserted on. pms_status_name() returns "PMS_UNKNOWN_STATUS" then.
 * New values are added only in a minor release.
 */
#ifndef PMS_PLUGIN_API_STATUS_H
#define PMS_PLUGIN_API_STATUS_H

#include <stdint.h>

#include "macros.h"

PMS_EXTERN_C_BEGIN

typedef int32_t pms_status;

enum pms_status_code {
    /* Success. */
    PMS_OK = 0,

    /* ---- Generic failures (negative) ---- */
    /* An argument was NULL, empty, malformed or out of range; struct_size too small. */
    PMS_INVALID_ARGUMENT = -1,
    /* The thing named does not exist (store key, folio, view session, secret). */
    PMS_NOT_FOUND = -2,
    /* The peer does not implement this function, extension or option. */
    PMS_NOT_SUPPORTED = -3,
    /* Temporarily unable, e.g. the instance is draining or a dependency is down. Retry later. */
    PMS_UNAVAILABLE = -4,
    /* A deadline passed before the operation finished. */
    PMS_TIMEOUT = -5,
    /* The operation was cancelled (explicitly, or because the instance is draining). */
    PMS_CANCELLED = -6,
    /* A caller-provided buffer or a writer refused more data. */
    PMS_BUFFER_TOO_SMALL = -7,
    /* Not allowed for this plugin, property or user. */
    PMS_PERMISSION_DENIED = -8,
    /* Conflicts with existing state, e.g. an idempotency key reused with a different payload. */
    PMS_CONFLICT = -9,
    /* A bug or an unexpected condition on the side that reports it (also: a C++ exception caught
     * at the boundary by a trampoline). */
    PMS_INTERNAL = -10,
    /* TLS handshake or certificate verification failed. */
    PMS_TLS_ERROR = -11,
    /* DNS, connect, reset, unexpected EOF: the network failed. */
    PMS_NETWORK_ERROR = -12,
    /* A size limit was exceeded (response body, store value, view document). */
    PMS_TOO_LARGE = -13,
    /* Called in a state that does not allow it (e.g. a store call from inside a scan visitor). */
    PMS_INVALID_STATE = -14,
    /* The peer sent something that violates the protocol (malformed HTTP, JSON, view document). */
    PMS_PROTOCOL_ERROR = -15,
    /* Durable storage failed (I/O error, disk full, database locked beyond the deadline). */
    PMS_STORAGE_ERROR = -16,
    /* Versions are incompatible (used by entry.init and by the loader's messages). */
    PMS_VERSION_MISMATCH = -17,

    /* ---- Payment-domain outcomes (positive) ---- */
    /* Idempotency hit: the same key with the same payload was already processed; the result
     * describes the FIRST posting. Nothing new was posted. Treat as success. */
    PMS_DUPLICATE = 1,
    /* The provider or the host declined the payment. */
    PMS_DECLINED = 2,
    /* Another step is needed (e.g. 3-DS, a step on a terminal) before the payment completes. */
    PMS_REQUIRES_ACTION = 3,
    /* The folio is closed and accepts no postings; keep the payment in suspense. */
    PMS_FOLIO_CLOSED = 4,
    /* The admin has not mapped this payment kind to a host category/type yet. */
    PMS_NO_MAPPING = 5,
    /* The posting's currency differs from the folio's currency. */
    PMS_CURRENCY_MISMATCH = 6
};

/* True for PMS_OK and PMS_DUPLICATE: "the effect the caller asked for is in place". */
#define PMS_STATUS_IS_SUCCESS(s) ((s) == PMS_OK || (s) == PMS_DUPLICATE)

/*
 * The symbolic name of a status, e.g. "PMS_NOT_FOUND". Returns a static string, never NULL;
 * "PMS_UNKNOWN_STATUS" for values this header does not define.
 * [thread-safe]
 */
static inline const char *pms_status_name(pms_status status) {
    switch (status) {
    case PMS_OK: return "PMS_OK";
    case PMS_INVALID_ARGUMENT: return "PMS_INVALID_ARGUMENT";
    case PMS_NOT_FOUND: return "PMS_NOT_FOUND";
    case PMS_NOT_SUPPORTED: return "PMS_NOT_SUPPORTED";
    case PMS_UNAVAILABLE: return "PMS_UNAVAILABLE";
    case PMS_TIMEOUT: return "PMS_TIMEOUT";
    case PMS_CANCELLED: return "PMS_CANCELLED";
    case PMS_BUFFER_TOO_SMALL: return "PMS_BUFFER_TOO_SMALL";
    case PMS_PERMISSION_DENIED: return "PMS_PERMISSION_DENIED";
    case PMS_CONFLICT: return "PMS_CONFLICT";
    case PMS_INTERNAL: return "PMS_INTERNAL";
    case PMS_TLS_ERROR: return "PMS_TLS_ERROR";
    case PMS_NETWORK_ERROR: return "PMS_NETWORK_ERROR";
    case PMS_TOO_LARGE: return "PMS_TOO_LARGE";
    case PMS_INVALID_STATE: return "PMS_INVALID_STATE";
    case PMS_PROTOCOL_ERROR: return "PMS_PROTOCOL_ERROR";
    case PMS_STORAGE_ERROR: return "PMS_STORAGE_ERROR";
    case PMS_VERSION_MISMATCH: return "PMS_VERSION_MISMATCH";
    case PMS_DUPLICATE: return "PMS_DUPLICATE";
    case PMS_DECLINED: return "PMS_DECLINED";
    case PMS_REQUIRES_ACTION: return "PMS_REQUIRES_ACTION";
    case PMS_FOLIO_CLOSED: return "PMS_FOLIO_CLOSED";
    case PMS_NO_MAPPING: return "PMS_NO_MAPPING";
    case PMS_CURRENCY_MISMATCH: return "PMS_CURRENCY_MISMATCH";
    default: return "PMS_UNKNOWN_STATUS";
    }
}

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_STATUS_H */
