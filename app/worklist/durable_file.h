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
#include <vector>

namespace lightbox::app {

// Opens (creating) <cacheDir>/<fileName>; the cache must be open already (its key is the one
// unlocked for it). `steps[v]` is the SQL that brings the file from schema version v to v + 1 (a
// new file is version 0): those the file lacks run in order, in one transaction, and its
// user_version becomes steps.size(). A file of a newer version is refused.
Result<storage::Database> openDurableFile(const QString& cacheDir, const std::string& fileName, const std::vector<const char*>& steps);

// Whether the process that claimed a piece of work is gone. On this machine the process itself
// says (pid and start time); for one on another machine sharing the cache only its last sign of
// life (`heartbeatAt`, ms since the epoch) can.
bool ownerGone(const std::string& host, std::int64_t pid, std::int64_t start, std::int64_t heartbeatAt);

}  // namespace lightbox::app
