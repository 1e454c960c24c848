/*
 * pms/plugin_api/ext/notify.h — "pms.notify/1": alerts for the hotel staff.
 *
 * Notifications appear in the host's staff UI (and live-event stream). A dedupe key makes them
 * idempotent: raising the same key again updates the existing notification instead of adding
 * a new one, so a poller that finds the same problem every minute does not flood the staff.
 */
#ifndef PMS_PLUGIN_API_EXT_NOTIFY_H
#define PMS_PLUGIN_API_EXT_NOTIFY_H

#include <stdint.h>

#include "../host.h"
#include "../macros.h"
#include "../status.h"
#include "../types.h"

#define PMS_EXT_NOTIFY "pms.notify/1"

PMS_EXTERN_C_BEGIN

/* pms_staff_notification.level */
typedef int32_t pms_notify_level;
enum pms_notify_level_value {
    PMS_NOTIFY_INFO = 0,
    PMS_NOTIFY_SUCCESS = 1,
    PMS_NOTIFY_WARNING = 2,
    PMS_NOTIFY_ERROR = 3
};

/* A notification. Owned by the caller, valid only during raise(). */
typedef struct pms_staff_notification {
    /* sizeof(pms_staff_notification) as the plugin compiled it. */
    uint32_t struct_size;
    /* PMS_NOTIFY_*; unknown values are shown as PMS_NOTIFY_WARNING. */
    pms_notify_level level;
    /* Required, e.g. "suspense:<order-id>". Scoped to the instance. */
    pms_str dedupe_key;
    /* Short title and longer body, UTF-8 plain text. Title required. */
    pms_str title;
    pms_str body;
    /* The folio it concerns, to link to; empty when none. */
    pms_str folio_id;
} pms_staff_notification;

typedef struct pms_host_notify {
    /*
     * Raises (or updates, by dedupe_key) a staff notification.
     * Returns PMS_OK, PMS_INVALID_ARGUMENT or PMS_STORAGE_ERROR.
     *
     * Durability: a host may return PMS_OK once the notification is queued for its store writer
     * rather than committed (the reference host does, since 1.5: no fsync on the strand). It is
     * then durable no later than every pms.store batch or write the same instance starts after
     * raise() returned, so "raise, then remove the outbox entry that asked for it" never loses
     * the alert in a crash; a removal that fails leaves the entry, and raising again is
     * deduplicated by the key. A failure after PMS_OK is logged by the host.
     * [thread-safe]
     */
    pms_status (*raise)(const pms_host *host, const pms_staff_notification *notification);

    /*
     * Marks the notification with `dedupe_key` resolved (e.g. a suspended payment was posted).
     * A notification raised earlier and still queued counts as open.
     * Returns PMS_OK, or PMS_NOT_FOUND when no open notification has that key.
     * [thread-safe]
     */
    pms_status (*resolve)(const pms_host *host, pms_str dedupe_key);
} pms_host_notify;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_EXT_NOTIFY_H */
