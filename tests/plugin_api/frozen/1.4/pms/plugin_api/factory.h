/*
 * pms/plugin_api/factory.h — "pms.plugin-factory/1": how the host enumerates and creates the
 * plugins in a module. Obtained from pms_plugin_entry.get_factory(PMS_PLUGIN_FACTORY_ID).
 *
 * One module may hold several plugins (e.g. a card terminal and pay-by-link), each with its own
 * descriptor. Like every extension table, this struct is frozen for its id: it has no
 * struct_size and never grows; a new revision gets a new id.
 */
#ifndef PMS_PLUGIN_API_FACTORY_H
#define PMS_PLUGIN_API_FACTORY_H

#include <stdint.h>

#include "host.h"
#include "macros.h"
#include "plugin.h"

#define PMS_PLUGIN_FACTORY_ID "pms.plugin-factory/1"

PMS_EXTERN_C_BEGIN

typedef struct pms_plugin_factory {
    /*
     * Number of plugins in this module.
     * [thread-safe]
     */
    uint32_t (*count)(const struct pms_plugin_factory *factory);

    /*
     * The descriptor of plugin `index` (0 <= index < count()). Owned by the plugin, valid until
     * entry.deinit() returns. NULL when index is out of range.
     * [thread-safe]
     */
    const pms_plugin_descriptor *(*descriptor)(const struct pms_plugin_factory *factory,
                                               uint32_t index);

    /*
     * Creates an instance of the plugin whose descriptor id is `plugin_id` (NUL-terminated,
     * valid during the call), for the property named in host->property_id.
     * `host` is owned by the host and stays valid until after the instance's destroy() returns;
     * the plugin keeps the pointer. The plugin must not call host functions here (not even
     * get_extension): that starts in init().
     * Returns the new instance (owned by the plugin until destroy()), or NULL when the id is
     * unknown or creation failed.
     * [strand of the new instance]
     */
    const pms_plugin *(*create)(const struct pms_plugin_factory *factory, const pms_host *host,
                                const char *plugin_id);
} pms_plugin_factory;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_FACTORY_H */
