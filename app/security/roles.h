#pragma once
// Roles and what each may do. Every job checks its permission in its one path (storage's gate,
// the services, the commands), not only in menus.
#include <optional>
#include <string>
#include <vector>

namespace lightbox::security {

enum class Role { Radiologist, Technologist, Administrator };

enum class Permission {
    Read,              // open studies, search the cache and archives, retrieve
    Annotate,          // measurements, annotations, key images
    Import,            // bring files in (import, receive)
    Delete,            // delete studies from the cache
    Export,            // send to archives, export anonymised copies
    ExportIdentified,  // export or send with the patient's identity
    Configure,         // archives, the listener, network and cache settings
    ManageUsers,       // users, roles, second factor policy
    ReadAudit,         // show, export and verify the audit trail
};

std::string roleName(Role role);
std::optional<Role> roleFromName(const std::string& name);
std::string permissionName(Permission permission);  // "delete studies", for messages
std::vector<Permission> permissionsOf(Role role);
bool allows(Role role, Permission permission);
const std::vector<Role>& allRoles();

}  // namespace lightbox::security
