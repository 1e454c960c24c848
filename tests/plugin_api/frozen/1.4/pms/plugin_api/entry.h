/*
 * pms/plugin_api/entry.h — the one symbol a plugin module exports: pms_plugin_entry_v1.
 *
 * Loading, as the host does it (one loader thread, RTLD_NOW | RTLD_LOCAL):
 *  1. read plugin.json next to the module and check its api version (no plugin code runs);
 *  2. dlopen, find `pms_plugin_entry_v1`, check struct_size, api and min_host_minor
 *     (pms_version_is_compatible in version.h), refusing with a message that names the file,
 *     both versions and the reason;
 *  3. call init(), then get_factory(PMS_PLUGIN_FACTORY_ID).
 *
 * Why init/deinit are idempotent and reference-counted: more than one component of a host
 * process (the host itself, a test harness, a wrapper plugin) may open the same module and each
 * of them calls init once and deinit once. The module must do its one-time set-up on the first
 * init and its tear-down on the last deinit, counting in between, and must do no work in static
 * constructors (they run inside dlopen, under the loader lock).
 *
 * The major version is part of the symbol name, so a future host can probe _v1 and _v2.
 */
#ifndef PMS_PLUGIN_API_ENTRY_H
#define PMS_PLUGIN_API_ENTRY_H

#include <stdint.h>

#include "host.h"
#include "macros.h"
#include "status.h"
#include "types.h"
#include "version.h"

PMS_EXTERN_C_BEGIN

typedef struct pms_plugin_entry {
    /* sizeof(pms_plugin_entry) as the plugin compiled it. */
    uint32_t struct_size;
    /* The API version the plugin was compiled against (PMS_VERSION_INIT). */
    pms_version api;
    /* The lowest host minor (of api.major) the plugin works with. Defaults to api.minor. */
    uint32_t min_host_minor;
    /* Informational build fingerprint (compiler, standard library, Boost version), e.g.
     * "gcc-12.2;libstdc++;cxx11abi=1;boost=108100". NUL-terminated; never NULL. */
    const char *build_key;

    /*
     * Initialises the module. Idempotent and reference-counted: each successful call must be
     * paired with one deinit(); only the first does the work. Must be fast (no network, no UI).
     * `host_info` is valid only during the call. `plugin_path` is the module's absolute path
     * (UTF-8), valid only during the call.
     * Returns PMS_OK, or an error (the host then refuses the module and does not call deinit).
     * [loader-thread]
     */
    pms_status (*init)(const pms_host_info *host_info, pms_str plugin_path);

    /*
     * Releases one init(). The last one frees module-wide resources and joins module-wide
     * threads. Called after every instance has been destroyed.
     * [loader-thread]
     */
    void (*deinit)(void);

    /*
     * Returns the factory with the given id (NUL-terminated), e.g. PMS_PLUGIN_FACTORY_ID, cast
     * to const void *; NULL if the module has none. The table is owned by the plugin and valid
     * until the last deinit() returns. Only valid between init() and deinit().
     * [loader-thread]
     */
    const void *(*get_factory)(const char *factory_id);
} pms_plugin_entry;

/* The entry a plugin module defines and exports (exactly this symbol, nothing else):
 *   PMS_EXPORT const pms_plugin_entry pms_plugin_entry_v1 = {...};
 * The C++ SDK's PMS_DECLARE_PLUGIN_ENTRY macro (pms/plugin_sdk/entry.hpp) generates it. */
extern PMS_EXPORT const pms_plugin_entry pms_plugin_entry_v1;

/* The symbol name as a string, for dlsym / boost::dll. */
#define PMS_PLUGIN_ENTRY_SYMBOL "pms_plugin_entry_v1"

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_ENTRY_H */
