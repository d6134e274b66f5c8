#pragma once
// The study browser's tree (private to study_browser*.cpp): its columns, the data roles of its
// items, and what kind of row an item is.
#include <Qt>

namespace lightbox::app::browser_tree {

enum Column { ColName, ColId, ColBirth, ColDate, ColDescription, ColModality, ColAccession, ColImages, ColSize, ColStatus, ColumnCount };
enum Role { RoleKind = Qt::UserRole, RoleStudy, RoleSeries, RoleLoaded, RolePinned, RoleRemote, RoleComplete, RoleLabel, RoleOffline };
enum Kind { KindPatient = 1, KindStudy, KindSeries };

}  // namespace lightbox::app::browser_tree
