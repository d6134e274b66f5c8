#include "cache.h"

#include "digest.h"
#include "schema.h"

#include <chrono>
#include <filesystem>
#include <mutex>
#include <unordered_set>

namespace lightbox::storage {

namespace fs = std::filesystem;

namespace {

std::mutex g_importingMutex;
std::multiset<std::string> g_importing;

}  // namespace

std::int64_t nowMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Cache::Cache(std::string folder, Database db) : m_folder(std::move(folder)), m_db(std::move(db)), m_store(m_folder)
{
    m_index = std::make_unique<StudyIndex>(m_db);
}

Cache::~Cache() = default;

Result<std::unique_ptr<Cache>> Cache::open(const std::string& folder)
{
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) return makeError("cache", "cannot create the cache folder " + folder + ": " + ec.message());
    auto db = Database::open(folder + "/index.sqlite");
    if (!db) return db.error();
    if (auto s = migrate(*db); !s) return s.error();
    std::unique_ptr<Cache> cache(new Cache(folder, std::move(*db)));
    if (auto s = cache->m_store.prepare(); !s) return s.error();
    return cache;
}

std::set<std::string> Cache::studiesBeingImported()
{
    std::lock_guard<std::mutex> lock(g_importingMutex);
    return {g_importing.begin(), g_importing.end()};
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

EvictReport Cache::evict(std::optional<std::int64_t> targetBytes, const std::set<std::string>& protectedStudies)
{
    EvictReport report;
    const Quota q = quota();
    std::int64_t total = m_index->stats().bytes;
    std::int64_t maxBytes = targetBytes ? *targetBytes : q.maxBytes;
    auto over = [&] {
        const bool tooBig = maxBytes > 0 || targetBytes ? total > maxBytes : false;
        const std::int64_t free = m_store.freeBytes();
        const bool tooFull = !targetBytes && q.minFreeBytes > 0 && free >= 0 && free < q.minFreeBytes;
        return tooBig || tooFull;
    };
    if (!over()) return report;
    const std::set<std::string> importing = studiesBeingImported();
    for (const EvictionCandidate& c : m_index->evictionOrder()) {
        if (!over()) break;
        if (protectedStudies.count(c.studyUid) || importing.count(c.studyUid)) continue;
        if (deleteStudy(c.studyUid)) {
            report.studies.push_back(c.studyUid);
            report.freedBytes += c.sizeBytes;
            total -= c.sizeBytes;
        }
    }
    report.targetReached = !over();
    return report;
}

Status Cache::deleteStudy(const std::string& studyUid)
{
    // Index first: a crash between the two steps leaves unreferenced files, never rows without files.
    Transaction t(m_db);
    if (!t.ok()) return t.error();
    auto sops = m_index->deleteStudy(studyUid);
    if (!sops) return sops.error();
    if (auto s = t.commit(); !s) return s;
    for (const std::string& sop : *sops) m_store.remove(sop);
    return Done{};
}

Status Cache::markOpened(const std::string& studyUid) { return m_index->markOpened(studyUid, nowMs()); }

// Importer bookkeeping used by import(): see importer.cpp.
void registerImporting(const std::string& studyUid)
{
    std::lock_guard<std::mutex> lock(g_importingMutex);
    g_importing.insert(studyUid);
}

void unregisterImporting(const std::string& studyUid)
{
    std::lock_guard<std::mutex> lock(g_importingMutex);
    auto it = g_importing.find(studyUid);
    if (it != g_importing.end()) g_importing.erase(it);
}

}  // namespace lightbox::storage
