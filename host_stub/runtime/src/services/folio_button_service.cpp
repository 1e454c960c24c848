// The host side of pms.folio-button/1: push_view replaces the view of an open session of the
// calling instance and notifies the live subscribers.
#include "service_support.hpp"
#include "services.hpp"

namespace pms::host::detail {
namespace {

pms_status folio_button_push_view(const pms_host* host, pms_str view_session_id,
                                  pms_str view_json) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr || !valid(view_session_id) || !valid(view_json))
            return PMS_INVALID_ARGUMENT;
        const auto session = inst->rt.find_session(view_of(view_session_id));
        // Page sessions are pushed through pms.admin-page/1 (admin_page_service.cpp).
        if (!session || session->owner != inst || session->kind != ViewKind::folio_button)
            return PMS_NOT_FOUND;
        if (view_json.len > 256 * 1024)
            return PMS_TOO_LARGE;
        if (auto error = inst->rt.check_view(view_of(view_json))) {
            inst->log(LogLevel::plugin_misbehaving, "push_view with an invalid view: " + *error);
            return PMS_PROTOCOL_ERROR;
        }
        ViewPush push;
        {
            std::lock_guard lock(session->mutex);
            if (!session->open)
                return PMS_NOT_FOUND;
            session->current_view = std::string{view_of(view_json)};
            push.session_id = session->id;
            push.plugin_id = session->plugin_id;
            push.property = session->context.property;
            push.folio = session->context.folio;
            push.view_json = session->current_view;
        }
        inst->rt.publish_view(push);
        return PMS_OK;
    } catch (...) {
        return PMS_INTERNAL;
    }
}

constexpr pms_host_folio_button table{&folio_button_push_view};

} // namespace

const pms_host_folio_button* folio_button_service() noexcept {
    return &table;
}

} // namespace pms::host::detail
