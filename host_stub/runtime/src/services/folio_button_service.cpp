// The host side of pms.folio-button/1: push_view replaces the view of an open session of the
// calling instance and notifies the live subscribers.
#include "service_support.hpp"
#include "services.hpp"
#include "view_push.hpp"

namespace pms::host::detail {
namespace {

pms_status folio_button_push_view(const pms_host* host, pms_str view_session_id, pms_str view_json) noexcept {
    return push_session_view(host, view_session_id, view_json, ViewKind::folio_button);
}

constexpr pms_host_folio_button table{&folio_button_push_view};

} // namespace

const pms_host_folio_button* folio_button_service() noexcept {
    return &table;
}

} // namespace pms::host::detail
