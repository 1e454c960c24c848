/*
 * pms/plugin_api/host.h — what the host gives a plugin: pms_host_info (module level) and
 * pms_host (one per plugin instance).
 *
 * Thread tags used on every member of this API:
 *  [thread-safe]    may be called from any thread, concurrently.
 *  [strand]         the calling instance's strand: the host runs every hook of an instance and
 *                   every completion delivered to it on one Asio strand, never concurrently.
 *                   There is no separate UI thread; where other documents say "main-thread",
 *                   read "instance strand". A plugin calls [strand] host functions only from
 *                   inside a hook or a completion of the same instance.
 *  [loader-thread]  the single host thread that loads and unloads modules; never concurrent
 *                   with any other call into the same module's entry.
 *
 * Async contract (every asynchronous host service and every asynchronous hook):
 *  - A starting call returns a status. PMS_OK means "accepted": the completion callback is then
 *    invoked exactly once, with success, an error or PMS_CANCELLED. Any other return means
 *    "rejected": the callback is never invoked and the caller still owns `user`.
 *  - Host completions run on the instance strand and never inline from the starting call.
 *  - Before deactivate, the host cancels and drains every operation of the instance: each
 *    pending completion is delivered (PMS_CANCELLED where it had not finished). Completions that
 *    arrive later are dropped by the host, never delivered into the plugin.
 *  - Callbacks are {fn, user} pairs: a C function pointer and an opaque pointer that the other
 *    side never dereferences or frees.
 */
#ifndef PMS_PLUGIN_API_HOST_H
#define PMS_PLUGIN_API_HOST_H

#include <stdint.h>

#include "macros.h"
#include "types.h"
#include "version.h"

PMS_EXTERN_C_BEGIN

/*
 * Module-level facts about the host, passed to pms_plugin_entry.init. Owned by the host, valid
 * only during the init call (copy what you keep).
 */
typedef struct pms_host_info {
    /* sizeof(pms_host_info) as the host compiled it. Check PMS_HAS_FIELD for later fields. */
    uint32_t struct_size;
    /* The API version the host implements. */
    pms_version api;
    /* Host product name, e.g. "pms-host". Never NULL. */
    const char *name;
    /* Host vendor. Never NULL (may be ""). */
    const char *vendor;
    /* Host product version (semver text). Never NULL. */
    const char *version;
} pms_host_info;

/*
 * The host as one plugin instance sees it. The factory's create() receives it; the plugin keeps
 * the pointer and passes it as the first argument of every host extension function, which is how
 * the host knows the calling instance (its strand, store namespace, settings, property).
 *
 * Owned by the host; valid from create() until after destroy() returns. Never modified while
 * the instance exists.
 */
typedef struct pms_host {
    /* sizeof(pms_host) as the host compiled it. Check PMS_HAS_FIELD for fields added after 1.0. */
    uint32_t struct_size;
    /* The API version the host implements. */
    pms_version api;
    /* Reserved for the host. The plugin must not touch it. */
    void *host_data;

    /* Host product name, vendor and version (semver). NUL-terminated, never NULL. */
    const char *name;
    const char *vendor;
    const char *version;

    /* The property (hotel) this instance serves, e.g. "hotel-1". Stable forever for a property;
     * notification routes and view sessions carry it. Never NULL or empty. */
    const char *property_id;
    /* The property's default locale (BCP 47, e.g. "ru-RU"). Never NULL. Staff-specific locales
     * arrive with each folio context. */
    const char *locale;

    /*
     * Looks up a host extension (a service) by id, e.g. PMS_EXT_LOG ("pms.log/1").
     * Returns a pointer to the extension's function table, owned by the host and valid until
     * after destroy() returns, or NULL when the host does not offer it. The same id always
     * returns the same table for an instance. Call it from init() or later, never from the
     * factory's create(). Every function in a returned table is non-NULL.
     * [thread-safe]
     */
    const void *(*get_extension)(const struct pms_host *host, const char *extension_id);
} pms_host;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_HOST_H */
