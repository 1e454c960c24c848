/*
 * pms/plugin_api/types.h — the value types that cross the boundary.
 *
 * Ownership, the rule that holds everywhere unless a member says otherwise:
 *  - Inputs (pms_str, pms_bytes, arrays and structs passed by pointer) are owned by the caller and
 *    valid only during the call. The callee copies what it keeps.
 *  - Completion payloads are owned by the side that completes and valid only until the callback
 *    returns.
 *  - Variable-size outputs go through a pms_writer supplied by the side that wants the data.
 *    Neither side ever frees memory the other side allocated.
 *  - `const char *` fields are NUL-terminated UTF-8 and are used for identifiers and metadata
 *    with a documented lifetime (descriptor strings, extension ids). Everything else uses
 *    pms_str, which is NOT NUL-terminated.
 */
#ifndef PMS_PLUGIN_API_TYPES_H
#define PMS_PLUGIN_API_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "macros.h"
#include "status.h"

PMS_EXTERN_C_BEGIN

/* A UTF-8 string view: `len` bytes at `data`, not NUL-terminated. {NULL, 0} is the empty string
 * (and, where a member says so, "absent"). `data` may be NULL only when `len` is 0. */
typedef struct pms_str {
    const char *data;
    size_t len;
} pms_str;

/* A byte-string view: arbitrary bytes (HTTP bodies, store values). Same rules as pms_str. */
typedef struct pms_bytes {
    const uint8_t *data;
    size_t len;
} pms_bytes;

/* An amount of money: integer minor units (kopecks, cents) and an ISO-4217 alphabetic code,
 * NUL-terminated ("RUB\0"). Negative amounts are allowed only where a member says so.
 * Never floating point anywhere. */
typedef struct pms_money {
    int64_t minor;
    char currency[4];
} pms_money;

/* One HTTP header (or any name/value pair). Names are compared case-insensitively (ASCII). */
typedef struct pms_header {
    pms_str name;
    pms_str value;
} pms_header;

/*
 * An output sink, supplied by the side that wants the data and called by the side that
 * produces it. The producer calls `write` zero or more times; the chunks are appended in order.
 * The producer never keeps the writer after its call returns.
 *
 * write(ctx, data, len):
 *   Appends `len` bytes at `data` (valid only during the call; the writer copies).
 *   Returns PMS_OK, or an error (e.g. PMS_TOO_LARGE when the sink has a limit); on an error the
 *   producer stops writing and returns that status from its own function.
 *   [called on the thread of the function the writer was passed to]
 */
typedef struct pms_writer {
    void *ctx;
    pms_status (*write)(void *ctx, const char *data, size_t len);
} pms_writer;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_TYPES_H */
