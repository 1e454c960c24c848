// The one permission table of pms-host (architecture §8). Every /api route names the single
// permission it needs; this file says which role holds which permission. Nothing else in the
// host decides who may do what.
#pragma once

#include <pms/host/storage/staff_repository.hpp>

#include <array>
#include <optional>
#include <string_view>
#include <vector>

namespace pms::host::auth {

enum class Permission {
    folio_view,         ///< folios, bookings, notifications, live events
    link_manage,        ///< the plugins' folio buttons and views: create, send, copy, cancel, refresh
    suspense_manage,    ///< unposted payments
    refund_manage,      ///< refunds
    integrations_admin, ///< plugins: enable, settings, mapping, settings actions
    users_admin,        ///< staff accounts
};

inline constexpr std::array all_permissions{
    Permission::folio_view,      Permission::link_manage,        Permission::suspense_manage,
    Permission::refund_manage,   Permission::integrations_admin, Permission::users_admin,
};

/// "folio.view", "link.manage", "suspense.manage", "refund.manage", "integrations.admin",
/// "users.admin".
[[nodiscard]] std::string_view to_string(Permission permission) noexcept;
[[nodiscard]] std::optional<Permission> parse_permission(std::string_view text) noexcept;

/// front_desk = folio.view + link.manage; accountant = front_desk + suspense.manage +
/// refund.manage; admin = all.
[[nodiscard]] bool role_has(StaffRole role, Permission permission) noexcept;
/// The permissions of `role`, in all_permissions order.
[[nodiscard]] std::vector<Permission> permissions_of(StaffRole role);

/// The role's name for people: «Администратор», «Служба приёма», «Бухгалтер».
[[nodiscard]] std::string_view display_name(StaffRole role) noexcept;

} // namespace pms::host::auth
