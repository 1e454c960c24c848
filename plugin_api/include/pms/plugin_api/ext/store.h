/*
 * pms/plugin_api/ext/store.h — "pms.store/1": the plugin's private durable key-value store.
 *
 * Each plugin instance sees its own namespace (plugin id + property); keys of other instances
 * are invisible. Keys are byte strings (UTF-8 recommended) compared bytewise; values are
 * arbitrary bytes. Plugins keep their own records here (payment links, processed notification
 * ids, audit), with a schema version in each record. The host never changes a namespace on
 * its own: only the instance's calls do, so a plugin may keep in memory what it read as long
 * as its own writes update or drop what it keeps. (One exception: an earlier instance of the
 * same property that overran its drain and was left as a zombie may still complete writes.)
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
 *
 * Since 1.4, "pms.store/2" (pms_host_store2, at the end of this file) writes without blocking
 * the strand: a batch completes through a callback once durable, and the host commits the
 * batches waiting at that moment together (one fsync for many). Writes of pms.store/1 go
 * through the same writer, in the same order, and still return only once durable; reads of
 * both see the instance's store/2 batches that are not yet durable (see pms_host_store2).
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

/* ---- Since 1.4: "pms.store/2", asynchronous durable writes ---------------------------------- */

#define PMS_EXT_STORE2 "pms.store/2"

/*
 * Completion of pms_host_store2.write_batch(): fn(user, status) is called exactly once, on the
 * instance strand, never from inside write_batch(). PMS_OK: every operation of the batch is
 * durable (survives a crash of the process). Any other status: nothing of the batch was
 * applied — PMS_STORAGE_ERROR (the write failed), PMS_UNAVAILABLE (the database stayed
 * locked). `user` is the plugin's; the host never dereferences it.
 */
typedef struct pms_store_done {
    void (*fn)(void *user, pms_status status);
    void *user;
} pms_store_done;

/*
 * The same namespace, keys, values and limits as pms.store/1. What differs is write_batch():
 * it returns once the batch is queued and completes later, when the batch is durable. The host
 * commits the batches waiting at one moment (of this and of other instances) in one
 * transaction; each batch has its own savepoint in it, so a batch that fails fails alone and
 * the others still commit.
 *
 * Order: the batches of one instance (and its pms.store/1 writes) are applied in the order
 * they were started, and their completions run in that order.
 *
 * Reads: get() and scan() stay synchronous and read through the instance's batches that were
 * started and are not yet completed, as if they were applied (in order, a later operation on
 * a key wins). A batch that then fails is no longer seen; the plugin learns it from `done`.
 * pms.store/1 get() and scan() read the same way.
 *
 * Drain: a started batch is an operation of the instance. Before deactivate() the host waits
 * for every started batch to complete (its `done` runs, with its real outcome: a durable write
 * cannot be cancelled); once draining, write_batch() refuses new batches (PMS_UNAVAILABLE).
 * At host shutdown every started batch is made durable or fails, and its completion runs.
 *
 * Check `struct_size` before using a member appended after 1.4 (PMS_HAS_FIELD).
 */
typedef struct pms_host_store2 {
    /* sizeof(pms_host_store2) as compiled into the host. */
    uint32_t struct_size;

    /*
     * As pms.store/1 get(), reading through the instance's pending batches.
     * [strand]
     */
    pms_status (*get)(const pms_host *host, pms_str key, const pms_writer *value_out);

    /*
     * As pms.store/1 scan(), reading through the instance's pending batches. The visitor must
     * not call pms.store/1 or pms.store/2 functions (they fail with PMS_INVALID_STATE).
     * [strand]
     */
    pms_status (*scan)(const pms_host *host, pms_str prefix, pms_store_visitor visitor);

    /*
     * Starts applying `count` operations atomically and durably: all or nothing, in order (a
     * later op on the same key wins). `ops` (NULL when count is 0) and what it points to are
     * the caller's and only read during this call. `done.fn` must not be NULL.
     * Returns PMS_OK when started: `done` then runs exactly once, on the strand, after the batch
     * is durable (PMS_OK) or failed (nothing applied) — success is never reported before the
     * data is durable. An empty batch completes with PMS_OK after the instance's earlier
     * batches completed. Otherwise returns PMS_INVALID_ARGUMENT (unknown kind, empty key, NULL
     * done.fn), PMS_TOO_LARGE (same limits as pms.store/1), PMS_INVALID_STATE (inside a scan
     * visitor) or PMS_UNAVAILABLE (the instance is draining); then nothing was started and
     * `done` is never called.
     * [strand]
     */
    pms_status (*write_batch)(const pms_host *host, const pms_store_op *ops, size_t count,
                              pms_store_done done);
} pms_host_store2;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_EXT_STORE_H */
