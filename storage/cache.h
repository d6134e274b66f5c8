#pragma once
// The local study cache: a SQLite index (index.sqlite) and a managed file store (files/, tmp/,
// thumbs/) in one folder. Each job has one way through it: instances come in by ingest() (import()
// and the Receiver prepare them), studies are opened by openStudy() (study_open.h), and leave by
// deleteStudy() (the user) or evict() (the quota). Each Cache object owns one database
// connection: use one per thread. Several processes may share a cache folder.
#include "access_gate.h"
#include "file_store.h"
#include "ingest.h"
#include "sqlite_db.h"
#include "study_index.h"
#include "study_holds.h"
#include "study_leases.h"

#include <atomic>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace lightbox::storage {

struct Problem {
    std::string path;    // a file, or an index entry
    std::string reason;  // one line
};

struct ImportOptions {
    std::string source = "import";  // kept with every instance ("where it came from")
    int threads = 0;                // 0: one per core
    std::size_t batchSize = 200;    // instances per index transaction
};

struct ImportProgress {
    std::size_t total = 0;  // items known so far
    std::size_t done = 0;
    std::size_t imported = 0, alreadyPresent = 0, rejected = 0;
};

struct ImportReport {
    std::size_t imported = 0;
    std::size_t alreadyPresent = 0;
    std::vector<Problem> rejected;  // DICOM files that could not be stored, and unreadable sources
    std::vector<Problem> notDicom;  // files that are not DICOM (listed, not an error)
    std::set<std::string> studies;  // studies that received instances
    bool cancelled = false;
    std::string fatal;  // why the import stopped early (disk full, index unwritable), empty if it did not
    bool complete() const { return rejected.empty() && fatal.empty() && !cancelled; }
};

struct VerifyReport {
    std::size_t checked = 0;
    std::vector<Problem> missing;
    std::vector<Problem> modified;
    std::vector<std::string> orphans;  // files in the store no index row refers to
    bool cancelled = false;
    bool ok() const { return missing.empty() && modified.empty() && !cancelled; }
};

struct Quota {
    std::int64_t maxBytes = 0;                      // 0: no limit
    std::int64_t minFreeBytes = std::int64_t(2) << 30;  // keep 2 GiB free
};

struct EvictReport {
    std::vector<std::string> studies;
    std::int64_t freedBytes = 0;
    bool targetReached = true;  // false when only pinned, held or leased studies are left
    std::vector<std::string> held;  // studies left because a live lease holds them
};

using ProgressFn = std::function<void(const ImportProgress&)>;

class Cache {
public:
    ~Cache();
    static Result<std::unique_ptr<Cache>> open(const std::string& folder);

    const std::string& folder() const { return m_folder; }
    StudyIndex& index() { return *m_index; }
    Database& database() { return m_db; }
    const FileStore& store() const { return m_store; }

    ImportReport import(const std::vector<std::string>& paths, const ImportOptions& options = {}, const ProgressFn& progress = {},
                        const std::atomic<bool>* cancel = nullptr);

    // Files of a study or series in display order, with their index rows.
    std::vector<std::pair<std::string, InstanceRow>> studyFiles(const std::string& studyUid);

    VerifyReport verify(const std::function<void(std::size_t, std::size_t)>& progress = {}, const std::atomic<bool>* cancel = nullptr);

    // Stores a batch of admitted instances (ingest.h): the one way in.
    // `job` (Import or Receive) is what the access gate is asked to allow.
    IngestResult ingest(std::vector<Candidate>& batch, CacheJob job = CacheJob::Import);

    Quota quota();
    Status setQuota(const Quota& q);
    // The largest file, element count and nesting the way in takes (index settings).
    IngestLimits limits();
    Status setLimits(const IngestLimits& l);
    // Evicts least-recently-used studies until the quota (or `targetBytes`, if given) holds with
    // `incomingBytes` more stored. Pinned studies, held ones (study_holds.h: prefetched for an
    // order not read yet, made available offline), studies a live lease holds (open or arriving in
    // any process) and `keep` stay. Measurements and key images outlive eviction.
    EvictReport evict(std::optional<std::int64_t> targetBytes = std::nullopt, std::int64_t incomingBytes = 0,
                      const std::set<std::string>& keep = {});
    // The one way to delete a study: its rows, files, thumbnails, measurements, key images and holds.
    // Refused while a live lease holds it (open somewhere, or arriving).
    Status deleteStudy(const std::string& studyUid);
    StudyLeases& leases() { return m_leases; }
    StudyHolds& holds() { return m_holds; }

private:
    Cache(std::string folder, Database db, std::optional<CacheKey> key);
    enum class Removal { Evict, Delete };
    Status removeStudy(const std::string& studyUid, Removal how);
    void removeFiles(const std::vector<std::string>& sops, const std::vector<std::string>& series);
    std::string m_folder;
    Database m_db;
    std::unique_ptr<StudyIndex> m_index;
    StudyLeases m_leases{m_db};
    StudyHolds m_holds{m_db};
    FileStore m_store;
};

std::int64_t nowMs();

}  // namespace lightbox::storage
