/*
 * pms/plugin_api/hooks/settings_schema.h — "pms.settings-schema/1": the plugin's settings
 * page, described as a JSON Schema subset with UI hints.
 *
 * The subset and the hints ("x-secret", "x-widget", "x-order", "x-actions", ...) are documented
 * in plugin_api/schema/settings-schema-subset.md. The host renders the page, stores the values
 * per property, keeps secrets write-only (shown masked, never sent back to the browser; saving
 * with a secret left blank keeps the stored value) and reads them back for the plugin through
 * pms.settings/1.
 *
 * Settings documents passed to validate() and run_action() are the candidate values as they
 * would be saved, secrets included (a blank secret replaced by the stored one), so the plugin
 * can check them completely. They are owned by the host and valid only during the call.
 */
#ifndef PMS_PLUGIN_API_HOOKS_SETTINGS_SCHEMA_H
#define PMS_PLUGIN_API_HOOKS_SETTINGS_SCHEMA_H

#include <stdint.h>

#include "../host.h"
#include "../macros.h"
#include "../plugin.h"
#include "../status.h"
#include "../types.h"

#define PMS_HOOK_SETTINGS_SCHEMA "pms.settings-schema/1"

PMS_EXTERN_C_BEGIN

/*
 * Completion of run_action(): fn(user, status, result_json). Called by the plugin exactly once
 * on the instance strand (possibly before run_action returns). `result_json` is owned by the
 * plugin, valid only during the call:
 *   {"level": "success"|"info"|"warning"|"error", "message": "Connected to shop 'Hotel'"}
 * `fn` and `user` belong to the host.
 */
typedef struct pms_action_done {
    void (*fn)(void *user, pms_status status, pms_str result_json);
    void *user;
} pms_action_done;

typedef struct pms_plugin_settings_schema {
    /*
     * Writes the settings schema (JSON, UTF-8) to `out`. The schema's "$id" carries a revision
     * (e.g. "ru.invoicebox.pms.payment-link/settings/2") so migrations are explicit.
     * Returns PMS_OK or the writer's error.
     * [strand]
     */
    pms_status (*get_schema)(const pms_plugin *plugin, const pms_writer *out);

    /*
     * Checks `settings_json` beyond what the schema says (cross-field rules, formats).
     * Returns PMS_OK when valid. Returns PMS_INVALID_ARGUMENT when not, after writing to
     * `field_errors_json`:
     *   {"fields": {"/shop_id": "Required when ...", "/vat_code": "..."},
     *    "form": "optional message for the whole form"}
     * (keys are JSON Pointers into the settings object). Other errors: PMS_INTERNAL, the
     * writer's error.
     * [strand]
     */
    pms_status (*validate)(const pms_plugin *plugin, pms_str settings_json,
                           const pms_writer *field_errors_json);

    /*
     * The host saved new settings for this instance (readable through pms.settings/1). The
     * plugin reloads its configuration; it may start async work.
     * [strand & active]
     */
    void (*on_settings_changed)(const pms_plugin *plugin);

    /*
     * Runs a settings-page action declared in the schema's "x-actions" (e.g.
     * "check_connection") against the candidate `settings_json` (not necessarily saved).
     * Returns PMS_OK when `done` will be called exactly once; PMS_NOT_FOUND for an unknown
     * action; any non-OK return means `done` is never called.
     * [strand & active]
     */
    pms_status (*run_action)(const pms_plugin *plugin, const char *action_id,
                             pms_str settings_json, pms_action_done done);
} pms_plugin_settings_schema;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_HOOKS_SETTINGS_SCHEMA_H */
