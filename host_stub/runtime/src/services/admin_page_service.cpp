// The host side of pms.admin-page/1 (since 1.2): push_view replaces the view of an open page
// session of the calling instance and notifies the live subscribers. Dialog sessions are not
// found here (and page sessions not through pms.folio-button/1): each twin serves the sessions
// its own hook opened, so a plugin cannot mistake one kind for the other.
#include "service_support.hpp"
#include "services.hpp"
#include "view_push.hpp"

namespace pms::host::detail {
namespace {

pms_status admin_page_push_view(const pms_host* host, pms_str view_session_id, pms_str view_json) noexcept {
    return push_session_view(host, view_session_id, view_json, ViewKind::admin_page);
}

constexpr pms_host_admin_page table{&admin_page_push_view};

} // namespace

const pms_host_admin_page* admin_page_service() noexcept {
    return &table;
}

} // namespace pms::host::detail
