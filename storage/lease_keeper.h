#pragma once
// A process's holder of study leases (study_leases.h) for what it shows: takes leases on its own
// connection to the cache index, renews their heartbeat every kHeartbeatEveryMs on its own thread,
// and releases a lease when its handle goes (on that thread: dropping a handle never waits on the
// disk, so the GUI thread may do it). Destroyed, it releases every lease it took.
#include "result.h"

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lightbox::storage {

class Database;
class StudyLeases;
class LeaseKeeper;

// A lease on one study; released when the last copy of its shared_ptr goes.
class StudyLease {
public:
    StudyLease(std::shared_ptr<LeaseKeeper> keeper, std::int64_t id, std::string studyUid)
        : m_keeper(std::move(keeper)), m_id(id), m_studyUid(std::move(studyUid))
    {
    }
    ~StudyLease();
    StudyLease(const StudyLease&) = delete;
    StudyLease& operator=(const StudyLease&) = delete;
    const std::string& studyUid() const { return m_studyUid; }

private:
    std::shared_ptr<LeaseKeeper> m_keeper;
    std::int64_t m_id;
    std::string m_studyUid;
};

class LeaseKeeper : public std::enable_shared_from_this<LeaseKeeper> {
public:
    static Result<std::shared_ptr<LeaseKeeper>> open(const std::string& cacheFolder);
    ~LeaseKeeper();
    LeaseKeeper(const LeaseKeeper&) = delete;
    LeaseKeeper& operator=(const LeaseKeeper&) = delete;

    const std::string& folder() const { return m_folder; }
    // Takes a lease (writes the index: call off the GUI thread).
    Result<std::shared_ptr<StudyLease>> acquire(const std::string& studyUid, const std::string& purpose);

private:
    friend class StudyLease;
    LeaseKeeper(std::string folder, std::unique_ptr<Database> db);
    void release(std::int64_t id);  // queued for the keeper's thread
    void run();

    std::string m_folder;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<StudyLeases> m_leases;
    std::mutex m_mutex;  // guards the connection and the queue
    std::condition_variable m_wake;
    std::vector<std::int64_t> m_toRelease;
    bool m_stop = false;
    std::thread m_thread;
};

}  // namespace lightbox::storage
