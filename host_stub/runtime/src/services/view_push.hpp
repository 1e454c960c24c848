// The one implementation of push_view for the view-session extensions (pms.folio-button/1 and
// pms.admin-page/1): argument checks, ownership and kind, the size cap, the view schema check,
// then the stored view and its publication to the page that shows it.
#pragma once

#include "../instance.hpp"

#include <pms/plugin_api/pms_plugin_api.h>

namespace pms::host::detail {

[[nodiscard]] pms_status push_session_view(const pms_host* host, pms_str view_session_id, pms_str view_json,
                                           ViewKind kind) noexcept;

} // namespace pms::host::detail
