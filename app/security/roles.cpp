#include "roles.h"

#include <algorithm>

namespace lightbox::security {

std::string roleName(Role role)
{
    switch (role) {
    case Role::Radiologist: return "radiologist";
    case Role::Technologist: return "technologist";
    case Role::Administrator: return "administrator";
    }
    return "?";
}

std::optional<Role> roleFromName(const std::string& name)
{
    for (Role r : allRoles())
        if (roleName(r) == name) return r;
    return std::nullopt;
}

const std::vector<Role>& allRoles()
{
    static const std::vector<Role> roles = {Role::Radiologist, Role::Technologist, Role::Administrator};
    return roles;
}

std::string permissionName(Permission permission)
{
    switch (permission) {
    case Permission::Read: return "read studies";
    case Permission::Annotate: return "annotate";
    case Permission::Import: return "import studies";
    case Permission::Delete: return "delete studies";
    case Permission::Export: return "export or send studies";
    case Permission::ExportIdentified: return "export or send studies without anonymisation";
    case Permission::Configure: return "change archives and network settings";
    case Permission::ManageUsers: return "manage users";
    case Permission::ReadAudit: return "read the audit trail";
    }
    return "?";
}

// Technologists acquire, import, annotate and send anonymised; they never delete or let a
// patient's identity leave the machine. Administrators run the machine and read the trail; they
// read images too (support, break-glass reviews). Radiologists read, report and send.
std::vector<Permission> permissionsOf(Role role)
{
    using P = Permission;
    switch (role) {
    case Role::Radiologist: return {P::Read, P::Annotate, P::Import, P::Delete, P::Export, P::ExportIdentified};
    case Role::Technologist: return {P::Read, P::Annotate, P::Import, P::Export};
    case Role::Administrator:
        return {P::Read, P::Annotate, P::Import, P::Delete, P::Export, P::ExportIdentified, P::Configure, P::ManageUsers, P::ReadAudit};
    }
    return {};
}

bool allows(Role role, Permission permission)
{
    const auto p = permissionsOf(role);
    return std::find(p.begin(), p.end(), permission) != p.end();
}

}  // namespace lightbox::security
