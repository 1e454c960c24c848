// The host services (pms.log/1 ... pms.settings/1, pms.property/1, pms.store/2) and the host sides of
// pms.folio-button/1 and pms.admin-page/1:
// one static function table per extension id, shared by every instance (each function finds
// its instance through the pms_host it receives). Every function validates its arguments and
// never throws across the boundary.
#pragma once

#include <pms/plugin_api/pms_plugin_api.h>

namespace pms::host::detail {

/// The table for `extension_id`, or NULL when the host does not offer it.
[[nodiscard]] const void* host_extension(const char* extension_id) noexcept;

// One table per file in this folder.
[[nodiscard]] const pms_host_log* log_service() noexcept;
[[nodiscard]] const pms_host_executor* executor_service() noexcept;
[[nodiscard]] const pms_host_clock* clock_service() noexcept;
[[nodiscard]] const pms_host_http* http_service() noexcept; ///< NULL without pms::net
[[nodiscard]] const pms_host_store* store_service() noexcept;
[[nodiscard]] const pms_host_store2* store2_service() noexcept; ///< since 1.4
[[nodiscard]] const pms_host_folio* folio_service() noexcept;
[[nodiscard]] const pms_host_mail* mail_service() noexcept;
[[nodiscard]] const pms_host_notify* notify_service() noexcept;
[[nodiscard]] const pms_host_settings* settings_service() noexcept;
[[nodiscard]] const pms_host_folio_button* folio_button_service() noexcept;
[[nodiscard]] const pms_host_admin_page* admin_page_service() noexcept; ///< since 1.2
[[nodiscard]] const pms_host_property* property_service() noexcept;     ///< since 1.2

} // namespace pms::host::detail
