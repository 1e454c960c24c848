/*
 * pms/plugin_api/hooks/admin_page.h — "pms.admin-page/1" (since 1.2): pages of a plugin in the
 * staff menu, outside any folio (e.g. a list of payments that could not be posted).
 *
 * A page is a view ("pms.view/1", plugin_api/schema/view-v1.md) shown full-page instead of in a
 * dialog. Everything after opening works as for pms.folio-button/1 (hooks/folio_button.h): the
 * same view and view-event documents, the same pms_view_done completion and its rules, pushes
 * into an open session and a close notification. Only the context differs: a page belongs to
 * the property, not to a folio.
 *
 * Flow:
 *  1. After activate() the host lists the pages (count/get) once and keeps the list until the
 *     instance is destroyed. Each page names the one host permission a staff member needs to
 *     see and use it; a page naming a permission the host does not know, a duplicate id or an
 *     id that is not a plain identifier makes the host refuse the plugin's pages (all of them)
 *     and say so in its log. The other hooks of the plugin keep working.
 *  2. A staff member with that permission opens the page: the host opens a view session (the
 *     host picks its id) and calls on_open(). The plugin answers exactly once through `done`
 *     with the page's view. The host shows progress meanwhile.
 *  3. Staff actions on the page come back as on_view_event() ("pms.view-event/1" with
 *     "page_id" instead of "folio_id"); the plugin answers exactly once with the next view.
 *  4. The plugin may push an updated view into an open page session at any time
 *     (pms_host_admin_page.push_view), e.g. when a notification adds a row to its list.
 *  5. When the staff member leaves the page, on_view_closed() tells the plugin to forget the
 *     session.
 *
 * Completion rules (pms_view_done, as in folio_button.h):
 *  - PMS_OK with a view document: show it (replacing the current one);
 *  - PMS_OK with an empty view_json: the page is left (the host goes back to its start page);
 *  - any error status: the host keeps the previous view and shows a generic error naming the
 *    status.
 * The host never calls on_open()/on_view_event() for a session while an earlier call of that
 * session still waits for its completion.
 *
 * Negotiation: the plugin lists "pms.admin-page/1" in its descriptor's capabilities and returns
 * a pms_plugin_admin_page from plugin->get_extension(). A host older than 1.2 never asks for it
 * (the pages simply do not appear); a plugin that needs them sets min_host_minor to 2.
 * A host of 1.2 or later offers the host twin pms_host_admin_page to every instance.
 */
#ifndef PMS_PLUGIN_API_HOOKS_ADMIN_PAGE_H
#define PMS_PLUGIN_API_HOOKS_ADMIN_PAGE_H

#include <stdint.h>

#include "../host.h"
#include "../macros.h"
#include "../plugin.h"
#include "../status.h"
#include "../types.h"
/* pms_view_done and the view document tags: one completion type for every view the host
 * shows, so a plugin renders and answers pages and dialogs with the same code. */
#include "folio_button.h"

#define PMS_HOOK_ADMIN_PAGE "pms.admin-page/1"

/*
 * Menu sections the host knows (pms_admin_page_info.section). The list is open: the host shows a
 * page with a section it does not know under PMS_ADMIN_SECTION_ADMIN.
 */
/* «Финансы»: money work of accountants (unposted payments, reconciliations). */
#define PMS_ADMIN_SECTION_FINANCE "finance"
/* «Отчёты»: read-only reports. */
#define PMS_ADMIN_SECTION_REPORTS "reports"
/* «Администрирование»: set-up work of administrators. */
#define PMS_ADMIN_SECTION_ADMIN "admin"

PMS_EXTERN_C_BEGIN

/*
 * A page, filled by get(). The host sets struct_size to the size it knows before the call; the
 * plugin fills only fields that fit (PMS_HAS_FIELD). The strings are owned by the plugin,
 * NUL-terminated, and valid until the instance is destroyed.
 */
typedef struct pms_admin_page_info {
    uint32_t struct_size;
    /* Stable id, unique within the plugin, ^[A-Za-z0-9_.-]{1,64}$, e.g. "suspense". It is part of
     * the page's address in the host UI. Never NULL. */
    const char *id;
    /* Menu entry and page heading, in the property's locale. Never NULL or empty. */
    const char *title;
    /* A PMS_ADMIN_SECTION_* value, or NULL/"" for PMS_ADMIN_SECTION_ADMIN. */
    const char *section;
    /* The host permission a staff member needs to see, open and use the page, e.g.
     * "suspense.manage" (the host's permission names: folio.view, link.manage,
     * suspense.manage, refund.manage, integrations.admin, users.admin). Never NULL; an unknown
     * name is refused (see Flow 1). */
    const char *permission;
} pms_admin_page_info;

/*
 * Where and by whom a page is used. Owned by the host, valid only during the call.
 */
typedef struct pms_admin_page_context {
    /* sizeof(pms_admin_page_context) as the host compiled it. */
    uint32_t struct_size;
    /* The property (equals host->property_id). */
    pms_str property_id;
    /* The page (pms_admin_page_info.id). */
    pms_str page_id;
    /* The staff user acting, for the audit trail. Never empty. The host has checked the page's
     * permission for this user before the call. */
    pms_str staff_user_id;
    pms_str staff_user_name;
    /* The staff user's UI locale (BCP 47), or empty for the property's default. */
    pms_str locale;
} pms_admin_page_context;

/*
 * A staff action on an open page. Owned by the host, valid only during on_view_event().
 */
typedef struct pms_admin_page_event {
    /* sizeof(pms_admin_page_event) as the host compiled it. */
    uint32_t struct_size;
    /* The session the action happened in. */
    pms_str view_session_id;
    /* The event document, JSON "pms.view-event/1" with "page_id" (see
     * plugin_api/schema/view-v1.md). */
    pms_str event_json;
    /* The page the session was opened for, and the staff user acting now. Never NULL. */
    const pms_admin_page_context *context;
} pms_admin_page_event;

/* The plugin side. */
typedef struct pms_plugin_admin_page {
    /*
     * Number of pages.
     * [strand]
     */
    uint32_t (*count)(const pms_plugin *plugin);

    /*
     * Fills `info` for page `index`. Returns PMS_OK, or PMS_INVALID_ARGUMENT when index is out of
     * range.
     * [strand]
     */
    pms_status (*get)(const pms_plugin *plugin, uint32_t index, pms_admin_page_info *info);

    /*
     * A staff member opened page `page_id`; the host opened session `view_session_id` (valid
     * only during the call; copy it to push views later). Starts whatever work is needed and
     * returns at once. Returns PMS_OK when `done` will be called exactly once; any other status
     * means `done` will never be called and the host shows the error.
     * [strand]
     */
    pms_status (*on_open)(const pms_plugin *plugin, const char *page_id,
                          pms_str view_session_id, const pms_admin_page_context *context,
                          pms_view_done done);

    /*
     * A staff action on an open page (see pms_admin_page_event). Same completion rules as
     * on_open.
     * [strand]
     */
    pms_status (*on_view_event)(const pms_plugin *plugin, const pms_admin_page_event *event,
                                pms_view_done done);

    /*
     * The page of `view_session_id` was left (or its staff session ended). The plugin forgets the
     * session; push_view for it now fails with PMS_NOT_FOUND. Pending completions for the
     * session must still be called (the host discards them).
     * [strand]
     */
    void (*on_view_closed)(const pms_plugin *plugin, pms_str view_session_id);
} pms_plugin_admin_page;

/* The host side, obtained with host->get_extension(host, PMS_HOOK_ADMIN_PAGE). */
typedef struct pms_host_admin_page {
    /*
     * Replaces the view shown in the open page session `view_session_id` with `view_json`
     * ("pms.view/1"; both valid only during the call). Does not complete a pending open or
     * event. Only sessions of this instance's pages are found here (a folio-button session is
     * pushed with pms_host_folio_button.push_view).
     * Returns PMS_OK, PMS_NOT_FOUND (session closed or unknown), PMS_PROTOCOL_ERROR (the view
     * fails validation; nothing changes) or PMS_TOO_LARGE.
     * [strand]
     */
    pms_status (*push_view)(const pms_host *host, pms_str view_session_id, pms_str view_json);
} pms_host_admin_page;

PMS_EXTERN_C_END

#endif /* PMS_PLUGIN_API_HOOKS_ADMIN_PAGE_H */
