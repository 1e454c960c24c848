/*
 * pms/plugin_api/ext/executor.h — "pms.executor/1": run code on the instance strand, now or
 * after a delay. This is what the C++ SDK's Asio executor and timer are built on.
 *
 * Exactly-once: a task accepted by post() or timer_start() (PMS_OK returned) runs exactly once,
 * on the instance strand, never inline from the starting call:
 *  - with PMS_OK when it runs normally (post: as soon as the strand is free; timer: when the
 *    delay has passed);
 *  - with PMS_CANCELLED when the timer was cancelled, or when the instance is draining before
 *    deactivate. A task that sees PMS_CANCELLED should only release what `user` holds.
 * During draining, post() still accepts tasks and completes them with PMS_CANCELLED, so a
 * plugin can always hand a completion back to its strand.
 */
#ifndef PMS_PLUGIN_API_EXT_EXECUTOR_H
#define PMS_PLUGIN_API_EXT_EXECUTOR_H

#include <stdint.h>

#include "../host.h"
#include "../macros.h"
#include "../status.h"

#define PMS_EXT_EXECUTOR "pms.executor/1"

PMS_EXTERN_C_BEGIN

/*
 * A unit of work: fn(user, status) runs once on the instance strand. `user` is owned by the
 * plugin; the host never dereferences or frees it. `status` is PMS_OK or PMS_CANCELLED.
 */
typedef struct pms_task {
    void (*fn)(void *user, pms_status status);
    void *user;
} pms_task;

typedef struct pms_host_executor {
    /*
     * Queues `task` to run on the instance strand.
     * Returns PMS_OK (accepted: runs exactly once, see above), PMS_INVALID_ARGUMENT (fn is NULL)
     * or PMS_UNAVAILABLE (the instance has been deactivated; the task will not run and the caller
     * still owns `user`).
     * [thread-safe]
     */
    pms_status (*post)(const pms_host *host, pms_task task);

    /*
     * Starts a one-shot timer: `task` runs on the instance strand after `delay_ms` milliseconds
     * (0 = as soon as possible, still not inline), with PMS_OK, or with PMS_CANCELLED if
     * timer_cancel() was called first or the instance drains.
     * `timer_id` (non-NULL) receives an id, unique for the instance, for timer_cancel().
     * Returns PMS_OK (accepted), PMS_INVALID_ARGUMENT or PMS_UNAVAILABLE (not accepted; the task
     * will not run).
     * [thread-safe]
     */
    pms_status (*timer_start)(const pms_host *host, uint64_t delay_ms, pms_task task,
                              uint64_t *timer_id);

    /*
     * Cancels a pending timer: its task then runs once with PMS_CANCELLED (not inline).
     * Returns PMS_OK when the timer was pending and is now cancelled, PMS_NOT_FOUND when the id
     * is unknown or its task has already been scheduled to run with PMS_OK (too late: the task
     * runs normally). Either way the task runs exactly once.
     * [thread-safe]
     */
    pms_status (*timer_cancel)(const pms_host *host, uint64_t timer_id);
} pms_host_executor;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_EXT_EXECUTOR_H */
