#include "receiver.h"


#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <unistd.h>

namespace lightbox::storage {

namespace fs = std::filesystem;

namespace {
constexpr int kGatherMs = 25;
constexpr std::size_t kGatherCount = 64;
constexpr std::size_t kBatchMax = 200;
constexpr int kHoldMs = 5000;       // a study is let go this long after its last instance arrived
constexpr int kHeldCheckMs = 1000;
}  // namespace

Result<std::unique_ptr<Receiver>> Receiver::open(const std::string& folder, std::string source)
{
    auto cache = Cache::open(folder);
    if (!cache) return cache.error();
    return std::unique_ptr<Receiver>(new Receiver(folder, std::move(source), std::move(*cache)));
}

Receiver::Receiver(std::string folder, std::string source, std::unique_ptr<Cache> cache)
    : m_folder(std::move(folder)), m_source(std::move(source)), m_cache(std::move(cache))
{
    m_thread = std::thread([this] { run(); });
}

Receiver::~Receiver()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
    std::error_code ec;
    for (const std::string& d : m_incoming) fs::remove_all(d, ec);
}

std::string Receiver::incomingFolder()
{
    const std::string dir = m_cache->store().temporaryPath("-incoming");
    std::error_code ec;
    fs::create_directories(dir, ec);
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);  // the user's alone, like tmp/
    std::lock_guard<std::mutex> lock(m_mutex);
    m_incoming.push_back(dir);
    return dir;
}

void Receiver::submit(const std::string& path, std::function<void(const Arrival&)> done, std::string source)
{
#ifdef __linux__
    // Start writing the data to the disk now, without waiting: the batch's flush then finds little left.
    if (const int fd = ::open(path.c_str(), O_RDONLY); fd >= 0) {
        ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
        ::close(fd);
    }
#endif
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_queue.push_back({path, std::move(done), source.empty() ? m_source : std::move(source)});
        ++m_inFlight;
    }
    m_wake.notify_all();
}

Status Receiver::flush()
{
    std::unique_lock<std::mutex> lock(m_mutex);
    m_idle.wait(lock, [&] { return m_inFlight == 0; });
    if (!m_fatal.empty()) return makeError("receive", m_fatal);
    return Done{};
}

ReceiverCounters Receiver::counters() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_counters;
}

std::vector<Problem> Receiver::problems() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_problems;
}

std::set<std::string> Receiver::studies() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_studies;
}

std::size_t Receiver::receivedOf(const std::string& studyUid, const std::vector<std::string>& seriesUids) const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    auto study = m_received.find(studyUid);
    if (study == m_received.end()) return 0;
    std::size_t n = 0;
    for (const auto& [series, sops] : study->second)
        if (seriesUids.empty() || std::find(seriesUids.begin(), seriesUids.end(), series) != seriesUids.end()) n += sops.size();
    return n;
}

void Receiver::run()
{
    while (true) {
        std::vector<Item> batch;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            // Awake now and then while studies are held, to let go of those that stopped arriving.
            if (m_held.empty()) m_wake.wait(lock, [&] { return m_stop || !m_queue.empty(); });
            else m_wake.wait_for(lock, std::chrono::milliseconds(kHeldCheckMs), [&] { return m_stop || !m_queue.empty(); });
            if (m_queue.empty() && m_stop) break;
            // A stream of arrivals is flushed and indexed in batches of a few dozen rather than one by
            // one; a sender waiting for its answer (done callback) is never kept waiting for others.
            auto someoneWaits = [&] {
                for (const Item& it : m_queue)
                    if (it.done) return true;
                return false;
            };
            if (!m_queue.empty())
                m_wake.wait_for(lock, std::chrono::milliseconds(kGatherMs), [&] { return m_stop || m_queue.size() >= kGatherCount || someoneWaits(); });
            while (!m_queue.empty() && batch.size() < kBatchMax) {
                batch.push_back(std::move(m_queue.front()));
                m_queue.pop_front();
            }
        }
        if (!batch.empty()) process(batch);
        releaseIdle(false);
        if (batch.empty()) continue;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_inFlight -= batch.size();
        }
        m_idle.notify_all();
    }
    releaseIdle(true);
}

void Receiver::hold(const std::vector<Candidate>& batch)
{
    const auto now = std::chrono::steady_clock::now();
    for (const Candidate& c : batch) {
        auto it = m_held.find(c.record.studyUid);
        if (it != m_held.end()) {
            it->second.last = now;
            continue;
        }
        auto lease = m_cache->leases().acquire(c.record.studyUid, kReceivingPurpose);
        m_held[c.record.studyUid] = {lease ? *lease : 0, now};
    }
    if (!m_held.empty()) m_cache->leases().renewMine();
}

void Receiver::releaseIdle(bool all)
{
    const auto now = std::chrono::steady_clock::now();
    bool released = false;
    std::string newest;  // of the studies let go, the one whose instances arrived last
    std::chrono::steady_clock::time_point newestAt{};
    std::map<std::string, std::vector<StudyFacts>> arrived;  // by who sent them
    for (auto it = m_held.begin(); it != m_held.end();) {
        if (all || now - it->second.last > std::chrono::milliseconds(kHoldMs)) {
            if (it->second.lease) m_cache->leases().release(it->second.lease);
            if (it->second.stored.instances > 0) arrived[it->second.source].push_back(it->second.stored);
            if (!released || it->second.last > newestAt) {
                newest = it->first;
                newestAt = it->second.last;
            }
            released = true;
            it = m_held.erase(it);
        } else {
            ++it;
        }
    }
    if (const auto gate = accessGate())
        for (const auto& [source, studies] : arrived) gate->done(CacheJob::Receive, studies, Done{}, source);
    // What arrived may have left the cache over its quota while the studies were held: the least
    // recently used go now, never the study that arrived last (one larger than the quota stays whole).
    if (released) m_cache->evict(std::nullopt, 0, {newest});
}

void Receiver::process(std::vector<Item>& batch)
{
    std::vector<Candidate> candidates;
    std::vector<std::pair<Item*, Arrival>> finished;
    std::vector<Item*> submitted;
    std::uint64_t bytes = 0;
    const IngestLimits limits = m_cache->limits();
    for (Item& it : batch) {
        auto admitted = admitReceived(it.path, it.source, limits, m_cache->store());
        if (!admitted) {
            ::unlink(it.path.c_str());
            Arrival a;
            a.reason = admitted.error().message;
            finished.emplace_back(&it, a);
            continue;
        }
        bytes += std::uint64_t(admitted->record.fileSize);
        candidates.push_back(std::move(*admitted));
        submitted.push_back(&it);
    }
    hold(candidates);
    const IngestResult result = m_cache->ingest(candidates, CacheJob::Receive);
    // What was stored is told to the access gate once per study and arrival (when the study is let
    // go, below); a failure at once.
    std::vector<const InstanceRecord*> stored;
    for (std::size_t i = 0; i < candidates.size(); ++i)
        if (result.outcomes[i].kind == IngestOutcome::Kind::Stored) {
            const InstanceRecord& r = candidates[i].record;
            Held& h = m_held[r.studyUid];
            h.stored = {r.patientId, r.patientName, r.studyUid, h.stored.instances + 1};
            h.source = r.source;
            stored.push_back(&r);
        }
    if (!result.fatal.empty())
        if (const auto gate = accessGate()) gate->done(CacheJob::Receive, studyFacts(stored), makeError("receive-stopped", result.fatal), m_source);
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        Arrival a;
        a.sopInstanceUid = candidates[i].record.sopInstanceUid;
        a.studyUid = candidates[i].record.studyUid;
        a.seriesUid = candidates[i].record.seriesUid;
        a.sopClassUid = candidates[i].record.sopClassUid;
        a.modality = candidates[i].record.modality;
        a.bodyPart = candidates[i].record.bodyPart;
        const IngestOutcome& o = result.outcomes[i];
        a.outcome = o.kind == IngestOutcome::Kind::Stored           ? Arrival::Outcome::Stored
                    : o.kind == IngestOutcome::Kind::AlreadyPresent ? Arrival::Outcome::AlreadyPresent
                                                                    : Arrival::Outcome::Rejected;
        a.reason = o.reason;
        a.fatal = a.outcome == Arrival::Outcome::Rejected && !result.fatal.empty();
        if (a.outcome != Arrival::Outcome::Rejected) a.file = m_cache->store().finalPath(a.sopInstanceUid);
        finished.emplace_back(submitted[i], a);
    }
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (!result.fatal.empty() && m_fatal.empty()) m_fatal = result.fatal;
        m_counters.bytes += bytes;
        for (const auto& [item, a] : finished) {
            if (a.outcome != Arrival::Outcome::Rejected) m_received[a.studyUid][a.seriesUid].insert(a.sopInstanceUid);
            switch (a.outcome) {
            case Arrival::Outcome::Stored:
                ++m_counters.stored;
                m_studies.insert(a.studyUid);
                break;
            case Arrival::Outcome::AlreadyPresent: ++m_counters.alreadyPresent; break;
            case Arrival::Outcome::Rejected:
                ++m_counters.rejected;
                m_problems.push_back({a.sopInstanceUid.empty() ? item->path : a.sopInstanceUid, a.reason});
                break;
            }
        }
    }
    for (const auto& [item, a] : finished)
        if (item->done) item->done(a);
    if (m_onStored && result.stored() > 0) m_onStored(result.stored());
}

}  // namespace lightbox::storage
