#include "cache.h"

#include "access_gate.h"

#include "annotation_store.h"
#include "cache_keys.h"
#include "digest.h"
#include "schema.h"

#include <chrono>
#include <filesystem>
#include <mutex>
#include <unordered_set>

namespace lightbox::storage {

namespace fs = std::filesystem;

std::int64_t nowMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Cache::Cache(std::string folder, Database db, std::optional<CacheKey> key)
    : m_folder(std::move(folder)), m_db(std::move(db)), m_store(m_folder, key)
{
    m_index = std::make_unique<StudyIndex>(m_db);
}

Cache::~Cache() = default;

Result<std::unique_ptr<Cache>> Cache::open(const std::string& folder)
{
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) return makeError("cache", "cannot create the cache folder " + folder + ": " + ec.message());
    // Nothing in it is for another user: the folder is 0700 and the index 0600 (stored files are
    // created 0600), whatever the umask.
    fs::permissions(folder, fs::perms::owner_all, fs::perm_options::replace, ec);
    // Sealed (key.json beside the index) or plain; a new cache is what the application's key
    // provider decides (cache_keys.h).
    auto db = openCacheIndex(folder);
    const auto key = db ? cacheKeyForOpening(folder, false) : Result<std::optional<CacheKey>>(std::optional<CacheKey>());
    fs::permissions(folder + "/index.sqlite", fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace, ec);
    if (!db) return db.error();
    if (auto s = migrate(*db); !s) return s.error();
    if (!key) return key.error();
    std::unique_ptr<Cache> cache(new Cache(folder, std::move(*db), *key));
    if (auto s = cache->m_store.prepare(); !s) return s.error();
    return cache;
}

std::vector<std::pair<std::string, InstanceRow>> Cache::studyFiles(const std::string& studyUid)
{
    std::vector<std::pair<std::string, InstanceRow>> out;
    for (InstanceRow& r : m_index->instancesOfStudy(studyUid)) out.emplace_back(m_store.finalPath(r.sopInstanceUid), std::move(r));
    return out;
}

VerifyReport Cache::verify(const std::function<void(std::size_t, std::size_t)>& progress, const std::atomic<bool>* cancel)
{
    VerifyReport report;
    const std::size_t total = std::size_t(m_index->stats().instances);
    std::vector<std::pair<std::string, int>> statusChanges;
    std::unordered_set<std::string> expected;
    m_index->forEachInstance([&](const InstanceRow& r) {
        if (cancel && cancel->load()) {
            report.cancelled = true;
            return false;
        }
        const std::string path = m_store.finalPath(r.sopInstanceUid);
        expected.insert(path);
        Sha256 digest{};
        std::uint64_t size = 0;
        int status = StatusOk;
        std::error_code ec;
        if (!fs::exists(path, ec)) {
            status = StatusMissing;
            report.missing.push_back({path, "instance " + r.sopInstanceUid + " of study " + r.studyUid + ": file is missing"});
        } else if (!sha256File(path, digest, &size) || digest != r.sha256 || std::int64_t(size) != r.fileSize) {
            status = StatusModified;
            report.modified.push_back({path, "instance " + r.sopInstanceUid + " of study " + r.studyUid + ": content differs from the SHA-256 recorded at import"});
        }
        if (status != r.status) statusChanges.emplace_back(r.sopInstanceUid, status);
        ++report.checked;
        if (progress && report.checked % 64 == 0) progress(report.checked, total);
        return true;
    });
    if (!statusChanges.empty()) {
        Transaction t(m_db);
        for (const auto& [sop, status] : statusChanges) m_index->setInstanceStatus(sop, status);
        m_index->refreshProblemCounts();
        t.commit();
    }
    if (!report.cancelled)
        for (const std::string& f : m_store.listFiles())
            if (!expected.count(f)) report.orphans.push_back(f);
    if (progress) progress(report.checked, total);
    return report;
}

Quota Cache::quota()
{
    Quota q;
    if (auto v = m_index->setting("quota.maxBytes")) q.maxBytes = std::stoll(*v);
    if (auto v = m_index->setting("quota.minFreeBytes")) q.minFreeBytes = std::stoll(*v);
    return q;
}

Status Cache::setQuota(const Quota& q)
{
    if (q.maxBytes < 0 || q.minFreeBytes < 0) return makeError("bad-quota", "sizes must not be negative");
    if (auto s = m_index->setSetting("quota.maxBytes", std::to_string(q.maxBytes)); !s) return s;
    return m_index->setSetting("quota.minFreeBytes", std::to_string(q.minFreeBytes));
}

IngestLimits Cache::limits()
{
    IngestLimits l;
    if (auto v = m_index->setting("limits.maxFileBytes")) l.maxFileBytes = std::stoull(*v);
    if (auto v = m_index->setting("limits.maxElements")) l.maxElements = std::stoull(*v);
    if (auto v = m_index->setting("limits.maxDepth")) l.maxDepth = std::stoi(*v);
    return l;
}

Status Cache::setLimits(const IngestLimits& l)
{
    if (l.maxDepth < 0) return makeError("bad-limits", "the depth must not be negative");
    if (auto s = m_index->setSetting("limits.maxFileBytes", std::to_string(l.maxFileBytes)); !s) return s;
    if (auto s = m_index->setSetting("limits.maxElements", std::to_string(l.maxElements)); !s) return s;
    return m_index->setSetting("limits.maxDepth", std::to_string(l.maxDepth));
}

EvictReport Cache::evict(std::optional<std::int64_t> targetBytes, std::int64_t incomingBytes, const std::set<std::string>& keep)
{
    EvictReport report;
    const Quota q = quota();
    const std::int64_t maxBytes = targetBytes ? *targetBytes : q.maxBytes;
    std::int64_t total = targetBytes || maxBytes > 0 ? m_index->totalBytes() : 0;
    auto over = [&] {
        const bool tooBig = (targetBytes || maxBytes > 0) && total + incomingBytes > maxBytes;
        const std::int64_t free = m_store.freeBytes();
        const bool tooFull = !targetBytes && q.minFreeBytes > 0 && free >= 0 && free - incomingBytes < q.minFreeBytes;
        return tooBig || tooFull;
    };
    if (!over()) return report;
    for (const EvictionCandidate& c : m_index->evictionOrder()) {
        if (!over()) break;
        if (keep.count(c.studyUid)) continue;
        const Status s = removeStudy(c.studyUid, Removal::Evict);
        if (s) {
            report.studies.push_back(c.studyUid);
            report.freedBytes += c.sizeBytes;
            total -= c.sizeBytes;
        } else if (s.error().code == "in-use") {
            report.held.push_back(c.studyUid);
        }
    }
    report.targetReached = !over();
    return report;
}

Status Cache::deleteStudy(const std::string& studyUid)
{
    const auto gate = accessGate();
    if (!gate) return removeStudy(studyUid, Removal::Delete);
    const auto row = m_index->study(studyUid);
    const std::vector<StudyFacts> facts = {row ? StudyFacts{row->patientId, row->patientName, studyUid, row->instanceCount} : StudyFacts{{}, {}, studyUid, 0}};
    if (Status allowed = gate->allow(CacheJob::Delete, facts); !allowed) return allowed;
    Status outcome = row ? removeStudy(studyUid, Removal::Delete) : Status(makeError("not-found", "study " + studyUid + " is not in the cache"));
    gate->done(CacheJob::Delete, facts, outcome, {});
    return outcome;
}

Status Cache::removeStudy(const std::string& studyUid, Removal how)
{
    // Rows first, in one transaction that also checks the study is not held (no lease can be taken
    // between the check and the delete): a crash after it leaves unreferenced files, never rows
    // without files.
    std::vector<std::string> series;
    Transaction t(m_db);
    if (!t.ok()) return t.error();
    std::vector<LeaseRow> holders = m_leases.holders(studyUid);
    // The user may delete a study that is still arriving (what arrives later is stored again);
    // not one that is open somewhere.
    if (how == Removal::Delete) std::erase_if(holders, [](const LeaseRow& r) { return isArrivalPurpose(r.purpose); });
    if (!holders.empty()) return makeError("in-use", "study " + studyUid + " is in use by " + describeHolders(holders) + "; close it there first");
    // Held or pinned since the eviction chose it (another process): it stays.
    if (how == Removal::Evict) {
        const auto row = m_index->study(studyUid);
        if (!m_holds.holds(studyUid, true).empty() || (row && row->pinned)) return makeError("held", "study " + studyUid + " is kept in the cache");
    }
    for (const SeriesRow& r : m_index->seriesOf(studyUid)) series.push_back(r.seriesUid);
    auto sops = m_index->deleteStudy(studyUid);
    if (!sops) return sops.error();
    // Eviction keeps the reader's measurements and key images (the study may come back from the
    // archive); the user deleting the study deletes them with it.
    if (how == Removal::Delete) {
        if (auto s = deleteStudyAnnotations(m_db, studyUid); !s) return s;
        if (auto s = m_holds.releaseStudy(studyUid); !s) return s.error();
    }
    if (auto s = t.commit(); !s) return s;
    removeFiles(*sops, series);
    return Done{};
}

void Cache::removeFiles(const std::vector<std::string>& sops, const std::vector<std::string>& series)
{
    // Under the write lock, so that an instance stored again meanwhile by another process (its row
    // is back) keeps its file.
    Transaction lock(m_db);
    if (!lock.ok()) return;  // left as unreferenced files: `cache verify` lists them
    for (const std::string& sop : sops)
        if (!m_index->hasInstance(sop)) m_store.remove(sop);
    for (const std::string& s : series)
        if (m_index->instancesOfSeries(s).empty()) m_store.removeThumbnails(s);
    lock.commit();
}

}  // namespace lightbox::storage
