#include "durable_file.h"

#include "cache_keys.h"
#include "study_leases.h"

#include <QDateTime>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lightbox::app {

namespace {

int userVersion(storage::Database& db)
{
    // The statement is gone before anything else runs: a read left open would hold its snapshot
    // and deadlock a write transaction begun beside it.
    auto have = db.prepare("PRAGMA user_version");
    return have && have->step() ? int(have->integer(0)) : -1;
}

Status migrateSchema(storage::Database& db, const std::string& fileName, const std::vector<const char*>& steps)
{
    const int version = int(steps.size());
    if (userVersion(db) == version) return Done{};
    // From the file's version up, each step in order, all in one write transaction; the version
    // is read again inside it, since another process (or thread) may have migrated the file while
    // this one waited for the lock.
    storage::Transaction tx(db);
    if (!tx.ok()) return tx.error();
    const int found = userVersion(db);
    if (found < 0) return makeError("durable-file", fileName + ": cannot read its schema version: " + db.lastError());
    if (found == version) return Done{};
    if (found > version)
        return makeError("durable-file", fileName + " has schema " + std::to_string(found) + ", this Lightbox reads " + std::to_string(version) +
                                             " (written by a newer Lightbox)");
    for (int v = found; v < version; ++v)
        if (Status st = db.exec(steps[size_t(v)]); !st) return st;
    if (Status st = db.exec("PRAGMA user_version = " + std::to_string(version)); !st) return st;
    return tx.commit();
}

}  // namespace

Result<storage::Database> openDurableFile(const QString& cacheDir, const std::string& fileName, const std::vector<const char*>& steps)
{
    const std::string folder = cacheDir.toStdString();
    // The cache's own key (remembered when the cache was opened, or unlocked now): these files
    // name patients' studies, so they are sealed whenever the index is.
    auto key = storage::cacheKeyForOpening(folder, false);
    if (!key) return key.error();
    // The user's alone from the start (SQLite gives its WAL and shm files the database's mode).
    const std::string path = folder + "/" + fileName;
    // Created here only when it does not exist yet: closing any descriptor of a file drops every
    // POSIX lock this process holds on it, those of its SQLite connections included, and another
    // process could then checkpoint and delete the WAL they still write to (their commits unseen
    // by others, and lost if this process is killed).
    if (::access(path.c_str(), F_OK) != 0)
        if (const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600); fd >= 0) ::close(fd);
    ::chmod(path.c_str(), 0600);
    auto db = storage::Database::open(path, true, *key ? &**key : nullptr);
    if (!db) return db.error();
    // Acknowledged means on the disk: every commit waits for it.
    if (Status st = db->exec("PRAGMA synchronous=FULL"); !st) return st.error();
    if (Status st = migrateSchema(*db, fileName, steps); !st) return st.error();
    return std::move(*db);
}

bool ownerGone(const std::string& host, std::int64_t pid, std::int64_t start, std::int64_t heartbeatAt)
{
    const std::int64_t now = std::int64_t(QDateTime::currentMSecsSinceEpoch());
    storage::LeaseRow owner;
    owner.host = host;
    owner.pid = pid;
    owner.processStart = start;
    // On this machine the process itself says whether it runs (a long transfer may go minutes
    // without a heartbeat); elsewhere only the heartbeat can.
    owner.heartbeatAt = host == storage::ProcessIdentity::self().host ? now : heartbeatAt;
    return !storage::StudyLeases::isLive(owner, now);
}

}  // namespace lightbox::app
