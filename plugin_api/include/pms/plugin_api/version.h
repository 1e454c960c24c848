/*
 * pms/plugin_api/version.h — the version of the PMS plugin API and the compatibility rule.
 *
 * Meaning of the numbers:
 *  - major: a breaking change (a field removed or reordered, a signature or a semantic changed in a
 *    root struct). It also renames the entry symbol (pms_plugin_entry_v1 -> _v2), so an old host
 *    never even finds a new-major plugin.
 *  - minor: something was appended to a root struct, or a new status value, flag or extension id
 *    was added. Older plugins keep working unchanged.
 *  - patch: documentation or header fixes only; never affects compatibility.
 * A minor may also add to a JSON document that crosses the boundary (a settings-schema keyword);
 * ChangeLog.md lists what each minor added.
 *
 * Compatibility rule applied by the host when it loads a plugin (see entry.h):
 *    plugin.api.major == host.major  AND  plugin.min_host_minor <= host.minor
 * The patch is ignored. min_host_minor defaults to the minor the plugin was compiled against;
 * a plugin that feature-detects (PMS_HAS_FIELD, get_extension returning NULL) may lower it.
 * A plugin that fails the rule is refused with a message naming the file, both versions and the
 * reason; the host keeps running.
 */
#ifndef PMS_PLUGIN_API_VERSION_H
#define PMS_PLUGIN_API_VERSION_H

#include <stdint.h>

#include "macros.h"

#define PMS_PLUGIN_API_VERSION_MAJOR 1
#define PMS_PLUGIN_API_VERSION_MINOR 5
#define PMS_PLUGIN_API_VERSION_PATCH 0

/* The version as a string literal, for logs and build keys: "1.5.0". */
#define PMS_PLUGIN_API_VERSION_STRING "1.5.0"

/* Compile-time comparisons against the headers in use, e.g. #if PMS_VERSION_GE(1, 1, 0). */
#define PMS_VERSION_LT(maj, min, pat)                                                            \
    ((PMS_PLUGIN_API_VERSION_MAJOR < (maj)) ||                                                   \
     (PMS_PLUGIN_API_VERSION_MAJOR == (maj) && PMS_PLUGIN_API_VERSION_MINOR < (min)) ||          \
     (PMS_PLUGIN_API_VERSION_MAJOR == (maj) && PMS_PLUGIN_API_VERSION_MINOR == (min) &&          \
      PMS_PLUGIN_API_VERSION_PATCH < (pat)))
#define PMS_VERSION_EQ(maj, min, pat)                                                            \
    ((PMS_PLUGIN_API_VERSION_MAJOR == (maj)) && (PMS_PLUGIN_API_VERSION_MINOR == (min)) &&       \
     (PMS_PLUGIN_API_VERSION_PATCH == (pat)))
#define PMS_VERSION_GE(maj, min, pat) (!PMS_VERSION_LT(maj, min, pat))

PMS_EXTERN_C_BEGIN

/* A version triple. Embedded by value in pms_plugin_entry, pms_plugin_descriptor and pms_host so
 * that each side sees what the other was compiled against. Never grows (no struct_size). */
typedef struct pms_version {
    uint32_t major;
    uint32_t minor;
    uint32_t patch;
} pms_version;

/* Initialiser for the version of the headers in use: pms_version v = PMS_VERSION_INIT; */
#define PMS_VERSION_INIT                                                                         \
    {PMS_PLUGIN_API_VERSION_MAJOR, PMS_PLUGIN_API_VERSION_MINOR, PMS_PLUGIN_API_VERSION_PATCH}

/*
 * The compatibility rule above, as a function: may a host of version `host` load a plugin that
 * was compiled against `plugin_api` and requires at least host minor `plugin_min_host_minor`?
 * Returns 1 when compatible, 0 otherwise.
 * [thread-safe]
 */
static inline int pms_version_is_compatible(pms_version host, pms_version plugin_api,
                                            uint32_t plugin_min_host_minor) {
    return host.major == plugin_api.major && plugin_min_host_minor <= host.minor;
}

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_VERSION_H */
