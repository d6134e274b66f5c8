#include "lease_keeper.h"

#include "cache_keys.h"

#include "schema.h"
#include "sqlite_db.h"
#include "study_leases.h"

#include <chrono>
#include <filesystem>

namespace lightbox::storage {

StudyLease::~StudyLease()
{
    if (m_keeper) m_keeper->release(m_id);
}

Result<std::shared_ptr<LeaseKeeper>> LeaseKeeper::open(const std::string& cacheFolder)
{
    std::error_code ec;
    std::filesystem::create_directories(cacheFolder, ec);
    if (ec) return makeError("cache", "cannot create the cache folder " + cacheFolder + ": " + ec.message());
    auto db = openCacheIndex(cacheFolder);
    if (!db) return db.error();
    if (auto s = migrate(*db); !s) return s.error();
    return std::shared_ptr<LeaseKeeper>(new LeaseKeeper(cacheFolder, std::make_unique<Database>(std::move(*db))));
}

LeaseKeeper::LeaseKeeper(std::string folder, std::unique_ptr<Database> db)
    : m_folder(std::move(folder)), m_db(std::move(db)), m_leases(std::make_unique<StudyLeases>(*m_db))
{
    m_thread = std::thread([this] { run(); });
}

LeaseKeeper::~LeaseKeeper()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

Result<std::shared_ptr<StudyLease>> LeaseKeeper::acquire(const std::string& studyUid, const std::string& purpose)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    auto id = m_leases->acquire(studyUid, purpose);
    if (!id) return id.error();
    return std::make_shared<StudyLease>(shared_from_this(), *id, studyUid);
}

void LeaseKeeper::release(std::int64_t id)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_toRelease.push_back(id);
    }
    m_wake.notify_all();
}

void LeaseKeeper::run()
{
    using Clock = std::chrono::steady_clock;
    auto nextBeat = Clock::now() + std::chrono::milliseconds(kHeartbeatEveryMs);
    std::unique_lock<std::mutex> lock(m_mutex);
    while (true) {
        m_wake.wait_until(lock, nextBeat, [&] { return m_stop || !m_toRelease.empty(); });
        for (std::int64_t id : m_toRelease) m_leases->release(id);
        m_toRelease.clear();
        if (m_stop) break;
        if (Clock::now() >= nextBeat) {
            m_leases->renewMine();
            nextBeat = Clock::now() + std::chrono::milliseconds(kHeartbeatEveryMs);
        }
    }
}

}  // namespace lightbox::storage
