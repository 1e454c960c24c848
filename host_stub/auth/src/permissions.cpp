// See permissions.hpp. The table is data, not branches spread over handlers.
#include <pms/host/auth/permissions.hpp>

namespace pms::host::auth {
namespace {

struct RoleGrant {
    StaffRole role;
    std::array<bool, all_permissions.size()> granted; // indexed like all_permissions
};

//                                    folio  link   susp.  refund integr. users
constexpr RoleGrant grants[] = {
    {StaffRole::front_desk, {true, true, false, false, false, false}},
    {StaffRole::accountant, {true, true, true, true, false, false}},
    {StaffRole::admin, {true, true, true, true, true, true}},
};

constexpr std::size_t index_of(Permission p) noexcept {
    return static_cast<std::size_t>(p);
}

} // namespace

std::string_view to_string(Permission permission) noexcept {
    switch (permission) {
    case Permission::folio_view:
        return "folio.view";
    case Permission::link_manage:
        return "link.manage";
    case Permission::suspense_manage:
        return "suspense.manage";
    case Permission::refund_manage:
        return "refund.manage";
    case Permission::integrations_admin:
        return "integrations.admin";
    case Permission::users_admin:
        return "users.admin";
    }
    return "";
}

std::optional<Permission> parse_permission(std::string_view text) noexcept {
    for (const auto p : all_permissions)
        if (to_string(p) == text)
            return p;
    return std::nullopt;
}

bool role_has(StaffRole role, Permission permission) noexcept {
    for (const auto& g : grants)
        if (g.role == role)
            return g.granted[index_of(permission)];
    return false;
}

std::vector<Permission> permissions_of(StaffRole role) {
    std::vector<Permission> out;
    for (const auto p : all_permissions)
        if (role_has(role, p))
            out.push_back(p);
    return out;
}

std::string_view display_name(StaffRole role) noexcept {
    switch (role) {
    case StaffRole::admin:
        return "Администратор";
    case StaffRole::front_desk:
        return "Служба приёма";
    case StaffRole::accountant:
        return "Бухгалтер";
    }
    return "";
}

} // namespace pms::host::auth
