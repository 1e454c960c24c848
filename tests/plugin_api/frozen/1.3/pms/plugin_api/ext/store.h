/*
 * pms/plugin_api/ext/store.h — "pms.store/1": the plugin's private durable key-value store.
 *
 * Each plugin instance sees its own namespace (plugin id + property); keys of other instances
 * are invisible. Keys are byte strings (UTF-8 recommended) compared bytewise; values are
 * arbitrary bytes. Plugins keep their own records here (payment links, processed notification
 * ids, audit), with a schema version in each record.
 *
 * Why synchronous: the writes are small (a record of a few hundred bytes) and go to a local
 * write-ahead log, so they take microseconds to a millisecond. An async API would make every
 * "record, then act" step a callback chain, and the ordering guarantee the plugin relies on
 * ("recorded before the create call") would be harder to see. The host performs them on the
 * instance strand; it keeps fsync policy and any slow maintenance off the shared io threads.
 *
 * Durability: when put/erase/write_batch return PMS_OK the change is durable (survives a crash
 * of the process).
 *
 * Limits: a key is 1..1024 bytes, a value at most 1 MiB, a batch at most 1000 operations;
 * beyond these the call fails with PMS_TOO_LARGE (key length 0: PMS_INVALID_ARGUMENT).
 */
#ifndef PMS_PLUGIN_API_EXT_STORE_H
#define PMS_PLUGIN_API_EXT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../host.h"
#include "../macros.h"
#include "../status.h"
#include "../types.h"

#define PMS_EXT_STORE "pms.store/1"

#define PMS_STORE_MAX_KEY_BYTES 1024u
#define PMS_STORE_MAX_VALUE_BYTES (1024u * 1024u)
#define PMS_STORE_MAX_BATCH_OPS 1000u

PMS_EXTERN_C_BEGIN

/* pms_store_op.kind */
typedef int32_t pms_store_op_kind;
enum pms_store_op_kind_value {
    /* Insert or replace key -> value. */
    PMS_STORE_PUT = 1,
    /* Remove key; not an error when absent. `value` is ignored. */
    PMS_STORE_ERASE = 2
};

/* One operation of write_batch(). Owned by the caller, valid only during the call. */
typedef struct pms_store_op {
    pms_store_op_kind kind;
    pms_str key;
    pms_bytes value;
} pms_store_op;

/* scan() visitor return values. */
#define PMS_SCAN_STOP 0
#define PMS_SCAN_CONTINUE 1

/*
 * Visitor for scan(): fn(user, key, value) is called for each entry in ascending key order.
 * `key` and `value` are owned by the host and valid only during that call. Return
 * PMS_SCAN_CONTINUE for the next entry or PMS_SCAN_STOP to end the scan. The visitor must not
 * call pms.store/1 functions (they fail with PMS_INVALID_STATE); collect and act after scan().
 */
typedef struct pms_store_visitor {
    int32_t (*fn)(void *user, pms_str key, pms_bytes value);
    void *user;
} pms_store_visitor;

typedef struct pms_host_store {
    /*
     * Reads the value of `key` into `value_out` (one or more write() calls).
     * Returns PMS_OK, PMS_NOT_FOUND (nothing written), PMS_STORAGE_ERROR, or the writer's error.
     * [strand]
     */
    pms_status (*get)(const pms_host *host, pms_str key, const pms_writer *value_out);

    /*
     * Inserts or replaces key -> value, durably.
     * Returns PMS_OK, PMS_INVALID_ARGUMENT, PMS_TOO_LARGE or PMS_STORAGE_ERROR.
     * [strand]
     */
    pms_status (*put)(const pms_host *host, pms_str key, pms_bytes value);

    /*
     * Removes `key`, durably. Returns PMS_OK (also when the key was absent) or
     * PMS_STORAGE_ERROR.
     * [strand]
     */
    pms_status (*erase)(const pms_host *host, pms_str key);

    /*
     * Visits every entry whose key starts with `prefix` ({NULL,0} = all), in ascending bytewise
     * key order, on a consistent snapshot. Returns PMS_OK (also when stopped by the visitor),
     * PMS_STORAGE_ERROR.
     * [strand]
     */
    pms_status (*scan)(const pms_host *host, pms_str prefix, pms_store_visitor visitor);

    /*
     * Applies `count` operations atomically and durably: all or nothing, in order (a later op
     * on the same key wins). `ops` may be NULL when count is 0.
     * Returns PMS_OK, PMS_INVALID_ARGUMENT (unknown kind, empty key), PMS_TOO_LARGE or
     * PMS_STORAGE_ERROR; on an error nothing was applied.
     * [strand]
     */
    pms_status (*write_batch)(const pms_host *host, const pms_store_op *ops, size_t count);
} pms_host_store;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_EXT_STORE_H */
