#include "durable_file.h"

#include "cache_keys.h"
#include "study_leases.h"

#include <QDateTime>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lightbox::app {

namespace {

Status createSchema(storage::Database& db, const std::string& fileName, int version, const char* schema)
{
    auto have = db.prepare("PRAGMA user_version");
    if (!have) return have.error();
    const int found = have->step() ? int(have->integer(0)) : 0;
    if (found == version) return Done{};
    if (found != 0)
        return makeError("durable-file", fileName + " has schema " + std::to_string(found) + ", this Lightbox reads " + std::to_string(version) +
                                             (found > version ? " (written by a newer Lightbox)" : ""));
    storage::Transaction tx(db);
    if (!tx.ok()) return tx.error();
    if (Status st = db.exec(schema); !st) return st;
    if (Status st = db.exec("PRAGMA user_version = " + std::to_string(version)); !st) return st;
    return tx.commit();
}

}  // namespace

Result<storage::Database> openDurableFile(const QString& cacheDir, const std::string& fileName, int version, const char* schema)
{
    const std::string folder = cacheDir.toStdString();
    // The cache's own key (remembered when the cache was opened, or unlocked now): these files
    // name patients' studies, so they are sealed whenever the index is.
    auto key = storage::cacheKeyForOpening(folder, false);
    if (!key) return key.error();
    // The user's alone from the start (SQLite gives its WAL and shm files the database's mode).
    const std::string path = folder + "/" + fileName;
    if (const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600); fd >= 0) ::close(fd);
    ::chmod(path.c_str(), 0600);
    auto db = storage::Database::open(path, true, *key ? &**key : nullptr);
    if (!db) return db.error();
    // Acknowledged means on the disk: every commit waits for it.
    if (Status st = db->exec("PRAGMA synchronous=FULL"); !st) return st.error();
    if (Status st = createSchema(*db, fileName, version, schema); !st) return st.error();
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
