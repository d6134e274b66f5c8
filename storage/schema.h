#pragma once
// The cache index schema and its numbered migrations (PRAGMA user_version), applied in a
// transaction each.
#include "sqlite_db.h"

namespace lightbox::storage {

constexpr int kSchemaVersion = 6;

// Brings the database to kSchemaVersion; refuses a database newer than this build.
Status migrate(Database& db);

}  // namespace lightbox::storage
