// A plugin's push of a new view into one of its open view sessions, shared by the host sides of
// pms.folio-button/1 and pms.admin-page/1 (view_push.hpp).
#include "view_push.hpp"

#include "../hook_completions.hpp"
#include "service_support.hpp"

namespace pms::host::detail {

pms_status push_session_view(const pms_host* host, pms_str view_session_id, pms_str view_json,
                             ViewKind kind) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr || !valid(view_session_id) || !valid(view_json))
            return PMS_INVALID_ARGUMENT;
        const auto session = inst->rt.find_session(view_of(view_session_id));
        // Each extension pushes only its own kind of session: a folio dialog never receives a
        // page's view through pms.admin-page/1, nor a page a dialog's.
        if (!session || session->owner != inst || session->kind != kind)
            return PMS_NOT_FOUND;
        if (view_json.len > 256 * 1024)
            return PMS_TOO_LARGE;
        if (auto error = inst->rt.check_view(view_of(view_json))) {
            inst->log(LogLevel::plugin_misbehaving,
                      std::string(kind == ViewKind::admin_page ? "page " : "") +
                          "push_view with an invalid view: " + *error);
            return PMS_PROTOCOL_ERROR;
        }
        ViewPush push;
        {
            std::lock_guard lock(session->mutex);
            if (!session->open)
                return PMS_NOT_FOUND;
            session->current_view = std::string{view_of(view_json)};
            session->revision = next_view_revision();
            push.revision = session->revision;
            push.session_id = session->id;
            push.plugin_id = session->plugin_id;
            push.property = session->context.property;
            if (kind == ViewKind::folio_button)
                push.folio = session->context.folio;
            else
                push.page_id = session->page_id;
            push.view_json = session->current_view;
        }
        inst->rt.publish_view(push);
        return PMS_OK;
    } catch (...) {
        return PMS_INTERNAL;
    }
}

} // namespace pms::host::detail
