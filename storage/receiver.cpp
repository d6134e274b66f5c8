#include "receiver.h"

#include "dicom_file.h"
#include "instance_record.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <unistd.h>

namespace lightbox::storage {

void registerImporting(const std::string& studyUid);
void unregisterImporting(const std::string& studyUid);

namespace fs = std::filesystem;

namespace {
constexpr int kGatherMs = 25;
constexpr std::size_t kGatherCount = 64;
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
    std::lock_guard<std::mutex> lock(m_mutex);
    m_incoming.push_back(dir);
    return dir;
}

void Receiver::submit(const std::string& path, std::function<void(const Arrival&)> done)
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
        m_queue.push_back({path, std::move(done)});
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
            m_wake.wait(lock, [&] { return m_stop || !m_queue.empty(); });
            if (m_queue.empty() && m_stop) break;
            // A stream of arrivals is flushed and indexed in batches of a few dozen rather than one by
            // one; a sender waiting for its answer (done callback) is never kept waiting for others.
            auto someoneWaits = [&] {
                for (const Item& it : m_queue)
                    if (it.done) return true;
                return false;
            };
            m_wake.wait_for(lock, std::chrono::milliseconds(kGatherMs), [&] { return m_stop || m_queue.size() >= kGatherCount || someoneWaits(); });
            // Gather a batch: what is queued now, up to 200 instances.
            while (!m_queue.empty() && batch.size() < 200) {
                batch.push_back(std::move(m_queue.front()));
                m_queue.pop_front();
            }
        }
        process(batch);
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_inFlight -= batch.size();
        }
        m_idle.notify_all();
    }
}

void Receiver::process(std::vector<Item>& batch)
{
    struct Ready {
        Item* item;
        InstanceRecord record;
        Arrival arrival;
    };
    std::vector<Ready> ready;
    std::vector<std::pair<Item*, Arrival>> finished;
    std::uint64_t bytes = 0;
    std::set<std::string> inBatch;
    for (Item& it : batch) {
        Arrival a;
        auto reject = [&](const std::string& why) {
            a.outcome = Arrival::Outcome::Rejected;
            a.reason = why;
            ::unlink(it.path.c_str());
            finished.emplace_back(&it, a);
        };
        auto file = DicomFile::open(it.path);
        if (!file) {
            reject(file.error().message);
            continue;
        }
        if (!(*file)->parseWarning().empty()) {
            reject((*file)->parseWarning());
            continue;
        }
        std::string why;
        auto record = recordFromFile(**file, &why);
        file->reset();
        if (!record) {
            reject(why);
            continue;
        }
        a.sopInstanceUid = record->sopInstanceUid;
        a.studyUid = record->studyUid;
        a.seriesUid = record->seriesUid;
        if (m_cache->index().hasInstance(record->sopInstanceUid) || !inBatch.insert(record->sopInstanceUid).second) {
            a.outcome = Arrival::Outcome::AlreadyPresent;
            ::unlink(it.path.c_str());
            finished.emplace_back(&it, a);
            continue;
        }
        Sha256 digest{};
        std::uint64_t size = 0;
        if (!sha256File(it.path, digest, &size)) {
            reject("the received file cannot be read back");
            continue;
        }
        bytes += size;
        record->fileSize = std::int64_t(size);
        record->sha256 = digest;
        record->source = m_source;
        record->arrivedAt = nowMs();
        a.outcome = Arrival::Outcome::Stored;
        ready.push_back({&it, std::move(*record), a});
    }

    if (!ready.empty()) {
        std::set<std::string> studies;
        for (const Ready& r : ready) studies.insert(r.record.studyUid);
        for (const std::string& s : studies) registerImporting(s);
        std::vector<FileStore::Move> moves;
        for (const Ready& r : ready) moves.push_back({r.item->path, r.record.sopInstanceUid});
        std::string fatal;
        if (auto s = m_cache->store().publish(moves); !s) {
            fatal = s.error().message;
        } else {
            Transaction t(m_cache->database());
            for (const Ready& r : ready) {
                auto added = t.ok() ? m_cache->index().addInstance(r.record) : Result<StudyIndex::Added>(t.error());
                if (!added) {
                    fatal = "the cache index cannot be written: " + added.error().message;
                    break;
                }
            }
            if (fatal.empty())
                if (auto s = t.commit(); !s) fatal = "the cache index cannot be written: " + s.error().message;
        }
        for (const std::string& s : studies) unregisterImporting(s);
        for (Ready& r : ready) {
            if (!fatal.empty()) {
                // Published files without index rows are orphans `cache verify` finds; unpublished ones go.
                ::unlink(r.item->path.c_str());
                r.arrival.outcome = Arrival::Outcome::Rejected;
                r.arrival.reason = fatal;
                r.arrival.fatal = true;
            }
            finished.emplace_back(r.item, r.arrival);
        }
        if (!fatal.empty()) {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (m_fatal.empty()) m_fatal = fatal;
        }
    }

    {
        std::lock_guard<std::mutex> lock(m_mutex);
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
}

}  // namespace lightbox::storage
