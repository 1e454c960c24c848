/*
 * pms/plugin_api/hooks/folio_button.h — "pms.folio-button/1": buttons on the folio page that
 * open a plugin-described dialog (a "view").
 *
 * Flow:
 *  1. The host lists the buttons (count/get) and asks is_enabled() for the selected folio.
 *  2. A click opens a view session (the host picks its id) and calls on_click(). The plugin
 *     answers exactly once through `done` with the view to show (JSON "pms.view/1", see
 *     plugin_api/schema/view-v1.md and view-v1.schema.json). The host shows progress meanwhile.
 *  3. Staff actions in the dialog (buttons, row actions, form submits) come back as
 *     on_view_event() with an event JSON ("pms.view-event/1") that carries the staff user; the
 *     plugin answers exactly once with the next view.
 *  4. The plugin may also push an updated view into an open session at any time
 *     (pms_host_folio_button.push_view), e.g. when a notification changes a link's status.
 *  5. When the dialog closes, on_view_closed() tells the plugin to forget the session.
 *
 * The host renders views generically and validates them against the schema; it never
 * interprets provider data. The host never shows two pending clicks/events of one session at
 * once: a second click waits for the first completion.
 *
 * View completion rules (pms_view_done):
 *  - status PMS_OK with a view document: show it (replacing the current one);
 *  - status PMS_OK with an empty view_json: close the dialog;
 *  - any error status: the host keeps the previous view and shows a generic error naming the
 *    status; plugins should prefer returning a view that explains the problem.
 */
#ifndef PMS_PLUGIN_API_HOOKS_FOLIO_BUTTON_H
#define PMS_PLUGIN_API_HOOKS_FOLIO_BUTTON_H

#include <stdint.h>

#include "../host.h"
#include "../macros.h"
#include "../plugin.h"
#include "../status.h"
#include "../types.h"

#define PMS_HOOK_FOLIO_BUTTON "pms.folio-button/1"

/* The schema tags of the view and view-event documents. */
#define PMS_VIEW_SCHEMA "pms.view/1"
#define PMS_VIEW_EVENT_SCHEMA "pms.view-event/1"

PMS_EXTERN_C_BEGIN

/*
 * A button, filled by get(). The host sets struct_size to the size it knows before the call;
 * the plugin fills only fields that fit (PMS_HAS_FIELD). The strings are owned by the plugin,
 * NUL-terminated, and valid until the instance is destroyed.
 */
typedef struct pms_button_info {
    uint32_t struct_size;
    /* Stable id, unique within the plugin, e.g. "payment-link". Never NULL. */
    const char *id;
    /* Visible label, in the property's locale. Never NULL. */
    const char *label;
    /* Icon name from the host's icon set ("link", "qr", "card", "mail", "refresh"), or "" for
     * none. Unknown names show no icon. */
    const char *icon;
    /* Tooltip text, or "". */
    const char *tooltip;
} pms_button_info;

/*
 * Where and by whom a button was used. Owned by the host, valid only during the call.
 */
typedef struct pms_folio_context {
    /* sizeof(pms_folio_context) as the host compiled it. */
    uint32_t struct_size;
    /* The property (equals host->property_id). */
    pms_str property_id;
    /* The selected folio (account) and its booking. */
    pms_str folio_id;
    pms_str booking_id;
    /* The staff user acting, for the audit trail. Never empty for clicks and events. */
    pms_str staff_user_id;
    pms_str staff_user_name;
    /* The staff user's UI locale (BCP 47), or empty for the property's default. */
    pms_str locale;
} pms_folio_context;

/*
 * Completion of on_click()/on_view_event(): fn(user, status, view_json) — see the rules at the
 * top. Called by the plugin, exactly once, on the instance strand; it may be called before
 * on_click()/on_view_event() returns. `view_json` is owned by the plugin and valid only during
 * the call (the host copies it). `fn` and `user` belong to the host.
 */
typedef struct pms_view_done {
    void (*fn)(void *user, pms_status status, pms_str view_json);
    void *user;
} pms_view_done;

/*
 * A staff action in an open view. Owned by the host, valid only during on_view_event().
 */
typedef struct pms_view_event {
    /* sizeof(pms_view_event) as the host compiled it. */
    uint32_t struct_size;
    /* The session the action happened in. */
    pms_str view_session_id;
    /* The event document, JSON "pms.view-event/1": which button or row action, the form
     * values, the staff user (see plugin_api/schema/view-v1.md). */
    pms_str event_json;
    /* The folio the session was opened for, and the staff user acting now. Never NULL. */
    const pms_folio_context *context;
} pms_view_event;

/* The plugin side. */
typedef struct pms_plugin_folio_button {
    /*
     * Number of buttons.
     * [strand]
     */
    uint32_t (*count)(const pms_plugin *plugin);

    /*
     * Fills `info` for button `index`. Returns PMS_OK, or PMS_INVALID_ARGUMENT when index is out
     * of range.
     * [strand]
     */
    pms_status (*get)(const pms_plugin *plugin, uint32_t index, pms_button_info *info);

    /*
     * Returns 1 when the button should be enabled for the folio in `context` (staff fields may be
     * empty here), 0 when it should be shown disabled. Must be fast: decide from cached state,
     * no I/O.
     * [strand]
     */
    int32_t (*is_enabled)(const pms_plugin *plugin, const char *button_id,
                          const pms_folio_context *context);

    /*
     * The button `button_id` was clicked; the host opened session `view_session_id` (valid only
     * during the call; copy it to push views later). Starts whatever work is needed and returns
     * at once. Returns PMS_OK when `done` will be called exactly once; any other status means
     * `done` will never be called and the host shows the error.
     * [strand]
     */
    pms_status (*on_click)(const pms_plugin *plugin, const char *button_id,
                           pms_str view_session_id, const pms_folio_context *context,
                           pms_view_done done);

    /*
     * A staff action in an open view (see pms_view_event). Same completion rules as on_click.
     * [strand]
     */
    pms_status (*on_view_event)(const pms_plugin *plugin, const pms_view_event *event,
                                pms_view_done done);

    /*
     * The dialog of `view_session_id` was closed. The plugin forgets the session; push_view for
     * it now fails with PMS_NOT_FOUND. Pending completions for the session must still be called
     * (the host discards them).
     * [strand]
     */
    void (*on_view_closed)(const pms_plugin *plugin, pms_str view_session_id);
} pms_plugin_folio_button;

/* The host side, obtained with host->get_extension(host, PMS_HOOK_FOLIO_BUTTON). */
typedef struct pms_host_folio_button {
    /*
     * Replaces the view shown in the open session `view_session_id` with `view_json`
     * ("pms.view/1"; both valid only during the call). Does not complete a pending click or
     * event.
     * Returns PMS_OK, PMS_NOT_FOUND (session closed or unknown), PMS_PROTOCOL_ERROR (the view
     * fails validation; nothing changes) or PMS_TOO_LARGE.
     * [strand]
     */
    pms_status (*push_view)(const pms_host *host, pms_str view_session_id, pms_str view_json);
} pms_host_folio_button;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_HOOKS_FOLIO_BUTTON_H */
