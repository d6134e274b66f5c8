#pragma once
// The SQLite files beside the cache that hold work which must survive restarts and SIGKILL (the
// work queue, the outbox): the user's alone (0600 from their creation, whatever the umask),
// sealed with the cache's key when the cache is encrypted, every commit on the disk before it
// returns (synchronous=FULL). And the one rule for work claimed by a process that is gone.
#include "result.h"
#include "sqlite_db.h"

#include <QString>

#include <cstdint>
#include <string>

namespace lightbox::app {

// Opens (creating) <cacheDir>/<fileName>; the cache must be open already (its key is the one
// unlocked for it). A new file gets its tables from `schema` (SQL, run in one transaction) and
// `version` as its user_version; a file of another version is refused.
Result<storage::Database> openDurableFile(const QString& cacheDir, const std::string& fileName, int version, const char* schema);

// Whether the process that claimed a piece of work is gone. On this machine the process itself
// says (pid and start time); for one on another machine sharing the cache only its last sign of
// life (`heartbeatAt`, ms since the epoch) can.
bool ownerGone(const std::string& host, std::int64_t pid, std::int64_t start, std::int64_t heartbeatAt);

}  // namespace lightbox::app
