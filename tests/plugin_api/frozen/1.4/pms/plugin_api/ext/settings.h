/*
 * pms/plugin_api/ext/settings.h — "pms.settings/1": read the instance's saved settings.
 *
 * The settings page is described by the plugin (hook pms.settings-schema/1); the host renders
 * it, stores the values per property and calls on_settings_changed() after a save. Secrets
 * (schema properties with "x-secret": true) are write-only in the host UI: never sent back to
 * the browser, kept when saved blank. They are also left out of get(): the plugin reads them one
 * by one with get_secret(), so they do not end up in logs by accident.
 */
#ifndef PMS_PLUGIN_API_EXT_SETTINGS_H
#define PMS_PLUGIN_API_EXT_SETTINGS_H

#include <stdint.h>

#include "../host.h"
#include "../macros.h"
#include "../status.h"
#include "../types.h"

#define PMS_EXT_SETTINGS "pms.settings/1"

PMS_EXTERN_C_BEGIN

typedef struct pms_host_settings {
    /*
     * Writes the saved settings object (JSON, UTF-8), WITHOUT secret values, to `json_out`.
     * Before the first save it is the schema's defaults, or "{}".
     * Returns PMS_OK, PMS_STORAGE_ERROR, or the writer's error.
     * [strand]
     */
    pms_status (*get)(const pms_host *host, const pms_writer *json_out);

    /*
     * Writes the secret at `key` to `value_out` (raw text, not JSON-encoded). `key` is the JSON
     * Pointer (RFC 6901) of the secret in the settings object, e.g. "/api_token", or
     * "/legal_entities/0/api_token" inside an array.
     * Returns PMS_OK, PMS_NOT_FOUND (never set, or not a secret), PMS_STORAGE_ERROR, or the
     * writer's error.
     * [strand]
     */
    pms_status (*get_secret)(const pms_host *host, pms_str key, const pms_writer *value_out);
} pms_host_settings;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_EXT_SETTINGS_H */
