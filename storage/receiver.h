#pragma once
// Instances arriving from the network (C-STORE to the storage listener, C-GET, C-MOVE, WADO-RS)
// into the cache. Network code writes each received object through openTemporary() (inside the
// cache's tmp/, so that it is renamed into the store, never copied; encrypted as it is written in
// an encrypted cache, so no plain copy reaches the disk) and submits it; a writer thread admits and stores them in batches through Cache::ingest (ingest.h), the same way
// in as an import: same checks, same quota and free-space eviction, same duplicate handling. A
// file that is not a valid DICOM instance is rejected with a reason and deleted. A study receiving
// instances is held by a lease (nobody evicts it) until none of its instances arrived for a few
// seconds; the quota is then applied again, now that it may be evicted.
// What has been submitted but not yet indexed when the process dies is discarded at the next start
// (the tmp/ cleanup): the index never refers to a file that is not complete.
#include "cache.h"

#include <chrono>

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace lightbox::storage {

struct Arrival {
    std::string sopInstanceUid;
    std::string studyUid, seriesUid;
    std::string sopClassUid, modality, bodyPart;  // as the instance's index record has them
    std::string file;  // where the store keeps it (Stored or AlreadyPresent)
    enum class Outcome { Stored, AlreadyPresent, Rejected } outcome = Outcome::Rejected;
    std::string reason;  // when rejected
    bool fatal = false;   // rejected because the cache cannot take anything (disk full, index unwritable)
};

struct ReceiverCounters {
    std::size_t stored = 0, alreadyPresent = 0, rejected = 0;
    std::uint64_t bytes = 0;  // of the files submitted
};

class Receiver {
public:
    // Opens its own connection to the cache in `folder`; `source` is recorded with each instance
    // (e.g. "dimse:ORTHANC", "wado:https://pacs/dicom-web").
    static Result<std::unique_ptr<Receiver>> open(const std::string& folder, std::string source);
    ~Receiver();  // indexes what is pending, then stops
    Receiver(const Receiver&) = delete;
    Receiver& operator=(const Receiver&) = delete;

    // A new folder of this process inside the cache's tmp/, for what network code needs while
    // receiving (named pipes).
    std::string incomingFolder();
    // A new temporary file in the cache's tmp/ for one received object: encrypted as it is
    // written in an encrypted cache. Thread-safe.
    Result<std::unique_ptr<TemporaryWriter>> openTemporary() const { return m_cache->store().openTemporary(); }
    // Thread-safe. Takes ownership of the file (it is moved into the store or deleted). `done` is
    // called from the writer thread once the instance is indexed or rejected. `source`, when not
    // empty, is recorded instead of the receiver's own (e.g. "store:CT-ROOM-2", the peer that
    // pushed it to the listener).
    void submit(const std::string& path, std::function<void(const Arrival&)> done = {}, std::string source = {});
    // Waits until every file submitted so far is indexed or rejected; the first fatal error
    // (disk full, index unwritable) if any.
    Status flush();
    ReceiverCounters counters() const;
    // Called from the writer thread after each batch with how many instances it stored (not while
    // holding any lock of the receiver). Set before the first submit.
    void setOnStored(std::function<void(std::size_t)> f) { m_onStored = std::move(f); }
    std::vector<Problem> problems() const;
    std::set<std::string> studies() const;  // that received instances
    // Distinct instances received (stored or already present) of a study, or of some of its series.
    std::size_t receivedOf(const std::string& studyUid, const std::vector<std::string>& seriesUids = {}) const;
    // The store of the cache (for paths of stored instances).
    std::string folder() const { return m_folder; }

private:
    Receiver(std::string folder, std::string source, std::unique_ptr<Cache> cache);
    void run();
    struct Item {
        std::string path;
        std::function<void(const Arrival&)> done;
        std::string source;
    };
    void process(std::vector<Item>& batch);

    std::string m_folder, m_source;
    std::unique_ptr<Cache> m_cache;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake, m_idle;
    std::deque<Item> m_queue;
    std::size_t m_inFlight = 0;
    bool m_stop = false;
    std::string m_fatal;
    ReceiverCounters m_counters;
    std::vector<Problem> m_problems;
    std::set<std::string> m_studies;
    std::map<std::string, std::map<std::string, std::set<std::string>>> m_received;  // study -> series -> SOP
    std::vector<std::string> m_incoming;
    struct Held {
        std::int64_t lease = 0;
        std::chrono::steady_clock::time_point last;
        StudyFacts stored;  // what this arrival stored, told to the access gate once it is let go
        std::string source;  // who sent what was stored
    };
    std::map<std::string, Held> m_held;
    std::function<void(std::size_t)> m_onStored;  // studies receiving instances (writer thread only)
    void hold(const std::vector<Candidate>& batch);
    void releaseIdle(bool all);
    std::thread m_thread;
};

}  // namespace lightbox::storage
