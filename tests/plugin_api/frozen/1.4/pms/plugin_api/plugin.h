/*
 * pms/plugin_api/plugin.h — a plugin's descriptor and the plugin instance object.
 *
 * Instance life cycle (all calls on the instance strand, never concurrent):
 *
 *   factory.create -> init -> activate -> (hooks, completions ...) -> deactivate -> destroy
 *                              ^______________ reactivation ______________|
 *
 * - The host creates one instance per property where the plugin is enabled.
 * - Before deactivate, the host has cancelled and drained every host operation of the instance
 *   (see host.h), so no completion arrives during or after deactivate.
 * - After destroy returns the host never touches the instance again.
 */
#ifndef PMS_PLUGIN_API_PLUGIN_H
#define PMS_PLUGIN_API_PLUGIN_H

#include <stdint.h>

#include "macros.h"
#include "status.h"
#include "types.h"
#include "version.h"

PMS_EXTERN_C_BEGIN

/* Descriptor flags (pms_plugin_descriptor.flags). Unknown bits are ignored by the host. */
/* The module may be unloaded (dlclose) in development hot-reload mode. Without this flag the
 * host keeps the module mapped until the process exits. */
#define PMS_PLUGIN_FLAG_UNLOADABLE ((uint64_t)1 << 0)

/*
 * Static facts about one plugin implementation in a module. Returned by the factory; owned by
 * the plugin and valid, with every string it points to, until entry.deinit() returns.
 * The host compares it with the module's plugin.json manifest after loading and refuses the
 * plugin on a mismatch.
 */
typedef struct pms_plugin_descriptor {
    /* sizeof(pms_plugin_descriptor) as the plugin compiled it. */
    uint32_t struct_size;
    /* The API version the plugin was compiled against (PMS_VERSION_INIT). */
    pms_version api;

    /* Reverse-DNS id, stable forever, e.g. "ru.invoicebox.pms.payment-link". Never NULL. It is
     * also the plugin's path segment in notification routes (/hooks/<id>/<property>/...). */
    const char *id;
    /* Display name and vendor. Never NULL. */
    const char *name;
    const char *vendor;
    /* The plugin's own version, semver text ("1.2.0"). Never NULL. */
    const char *version;
    /* One-line description, home page and support URL. Never NULL (may be ""). */
    const char *description;
    const char *url;
    const char *support_url;

    /* NULL-terminated array of the extension ids the plugin implements, e.g.
     * {"pms.folio-button/1", "pms.settings-schema/1", NULL}. Lets the host index plugins without
     * creating an instance; plugin->get_extension() stays the source of truth. Never NULL. */
    const char *const *capabilities;

    /* PMS_PLUGIN_FLAG_* bits. */
    uint64_t flags;
} pms_plugin_descriptor;

/*
 * One plugin instance. Created by the factory (factory.h); owned by the plugin; valid until
 * destroy() returns. The host never writes to it.
 */
typedef struct pms_plugin {
    /* sizeof(pms_plugin) as the plugin compiled it. */
    uint32_t struct_size;
    /* The descriptor this instance was created from. Never NULL. */
    const pms_plugin_descriptor *desc;
    /* Reserved for the plugin (its C++ object, typically). The host must not touch it. */
    void *plugin_data;

    /*
     * Second construction step: fetch host extensions here (not in create). Must be fast: no
     * network I/O, no waiting. On an error the host calls destroy() without activate().
     * Returns PMS_OK, or any error (logged by the host with the instance's property).
     * [strand]
     */
    pms_status (*init)(const struct pms_plugin *plugin);

    /*
     * Makes the instance ready: settings are saved and readable through pms.settings/1. The
     * plugin may start async work (timers, polling) from here on. Must not block. On an error
     * the instance stays inactive (the host shows the status to the admin) and may be
     * activated again later, or destroyed.
     * [strand & !active]
     */
    pms_status (*activate)(const struct pms_plugin *plugin);

    /*
     * Stops the instance. Called only after the host has drained every host operation of the
     * instance. The plugin must have called every pending hook completion (view_done, reply,
     * action done) before it returns: call them with PMS_CANCELLED if needed. The plugin stops
     * and joins any private threads here.
     * [strand & active]
     */
    void (*deactivate)(const struct pms_plugin *plugin);

    /*
     * Frees the instance. After it returns the host never uses `plugin` again. The host pointer
     * it was created with stays valid until this call returns.
     * [strand & !active]
     */
    void (*destroy)(const struct pms_plugin *plugin);

    /*
     * Looks up a plugin-side extension (a hook) by id, e.g. PMS_HOOK_FOLIO_BUTTON.
     * Returns the hook's table, owned by the plugin and valid until destroy() returns, or NULL
     * when the plugin does not implement it. Every function in a returned table is non-NULL.
     * [thread-safe]
     */
    const void *(*get_extension)(const struct pms_plugin *plugin, const char *extension_id);
} pms_plugin;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_PLUGIN_H */
