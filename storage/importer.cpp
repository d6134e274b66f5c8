// Cache::import: worker threads read the sources (parse, admit, copy to a temporary file while
// hashing); the calling thread stores them in batches through Cache::ingest, the one way into the
// cache. Every file gets an outcome; nothing stops the import but a full disk or an unwritable index.
#include "cache.h"
#include "preamble.h"

#include "dicom_file.h"
#include "import_sources.h"

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace lightbox::storage {

namespace {

struct Prepared {
    enum Kind { Ready, Present, NotDicom, Rejected, Fatal } kind = Rejected;
    std::string display;
    std::string reason;
    Candidate candidate;
};

// The item's bytes: small files (nearly all) are read once into memory, parsed, hashed and
// copied from there; big ones are parsed and copied from the file.
struct Source {
    std::string path;
    std::string extracted;  // a ZIP entry written to tmp/ (removed with the Source)
    std::vector<std::uint8_t> owned;  // a big ZIP entry of an encrypted cache, read into memory
    std::vector<std::uint8_t>* bytes = nullptr;
    ~Source()
    {
        if (!extracted.empty()) ::unlink(extracted.c_str());
    }
};

bool readSource(const ImportItem& item, const FileStore& store, const IngestLimits& limits, Source& src, std::string& why)
{
    src.path = item.path;
    constexpr std::uint64_t kInMemory = 16u << 20;
    thread_local std::vector<std::uint8_t> bytes;
    if (item.zipIndex >= 0) {
        // Entries that fit are read into memory, never written out in plain; bigger ones to tmp/.
        switch (readZipEntryToMemory(item.path, item.zipIndex, kInMemory, bytes, &why)) {
        case ZipRead::Read:
            if (Status s = admitSize(bytes.size(), limits); !s) {
                why = s.error().message;
                return false;
            }
            src.bytes = &bytes;
            return true;
        case ZipRead::Failed: return false;
        case ZipRead::TooBig: break;
        }
        why.clear();
        if (store.sealed()) {
            // An encrypted cache never has a plain copy on its disk: bigger entries are read into
            // memory too (up to the cache's file-size limit).
            const std::size_t most = limits.maxFileBytes > 0 ? std::size_t(limits.maxFileBytes) : std::numeric_limits<std::size_t>::max();
            switch (readZipEntryToMemory(item.path, item.zipIndex, most, src.owned, &why)) {
            case ZipRead::Read: src.bytes = &src.owned; return true;
            case ZipRead::Failed: return false;
            case ZipRead::TooBig:
                why = "the file has more than " + std::to_string(most) + " bytes, more than the cache takes (lightbox cache limits --max-file-size)";
                return false;
            }
        }
        src.extracted = store.temporaryPath(".zip-entry");
        const std::int64_t room = std::max<std::int64_t>(0, store.freeBytes());
        if (!extractZipEntry(item.path, item.zipIndex, src.extracted, room, &why)) return false;
        src.path = src.extracted;
    }
    std::error_code ec;
    const auto fileSize = std::filesystem::file_size(src.path, ec);
    if (!ec)
        if (Status s = admitSize(fileSize, limits); !s) {
            why = s.error().message;
            return false;
        }
    if (!ec && fileSize <= kInMemory) {
        bytes.resize(fileSize);
        std::FILE* f = std::fopen(src.path.c_str(), "rb");
        if (f && std::fread(bytes.data(), 1, bytes.size(), f) == bytes.size()) src.bytes = &bytes;
        if (f) std::fclose(f);
    }
    return true;
}

Prepared prepare(const ImportItem& item, const FileStore& store, StudyIndex* reader, const std::string& source, const IngestLimits& limits)
{
    Prepared p;
    p.display = item.displayName;
    Source src;
    if (!readSource(item, store, limits, src, p.reason)) return p;
    auto sniff = src.bytes ? sniffDicom(src.bytes->data(), src.bytes->size()) : sniffDicom(src.path);
    auto file = sniff ? (src.bytes ? DicomFile::parse(src.bytes->data(), src.bytes->size(), src.path) : DicomFile::open(src.path))
                      : Result<std::unique_ptr<DicomFile>>(sniff.error());
    if (!file) {
        p.kind = file.error().code == "not-dicom" ? Prepared::NotDicom : Prepared::Rejected;
        p.reason = file.error().message;
        return p;
    }
    auto record = admit(**file, limits);
    const std::vector<std::string> metaProblems = record ? (*file)->metaInconsistencies() : std::vector<std::string>{};
    // Meta information to be made anew: encoded in memory from the parsed file, so that no plain
    // copy is written to the disk.
    Result<std::vector<std::uint8_t>> rewritten = std::vector<std::uint8_t>{};
    if (record && !metaProblems.empty()) rewritten = (*file)->encodeWithFreshMeta();
    file->reset();  // closed before it is copied
    if (!record) {
        p.kind = record.error().code == "dicomdir" ? Prepared::NotDicom : Prepared::Rejected;
        p.reason = record.error().message;
        return p;
    }
    if (reader && reader->hasInstance(record->sopInstanceUid)) {
        p.kind = Prepared::Present;
        return p;
    }
    Sha256 digest{};
    std::uint64_t size = 0;
    Result<std::string> tmp = makeError("", "");
    if (!rewritten) {
        p.kind = Prepared::Rejected;
        p.reason = rewritten.error().message;
        return p;
    }
    // What the source's preamble held (reported even when the rewrite writes a zero one).
    PreambleCleaning original;
    {
        std::vector<std::uint8_t> head(132, 0);
        std::size_t got = 0;
        if (src.bytes) {
            got = std::min<std::size_t>(head.size(), src.bytes->size());
            std::copy_n(src.bytes->begin(), got, head.begin());
        } else if (std::FILE* f = std::fopen(src.path.c_str(), "rb")) {
            got = std::fread(head.data(), 1, head.size(), f);
            std::fclose(f);
        }
        original = cleanPreamble(head.data(), got);
    }
    // The bytes stored: the rewritten file, or the file read into memory (written once, encrypted
    // in a sealed cache, preamble zeroed), or else the file copied (the same, on the way).
    std::vector<std::uint8_t>* bytes = !metaProblems.empty() ? &*rewritten : src.bytes;
    Result<PreambleCleaning> preamble = PreambleCleaning{};
    if (bytes) {
        preamble = cleanPreamble(bytes->data(), bytes->size());
        digest = sha256(bytes->data(), bytes->size());
        size = bytes->size();
        tmp = store.writeTemporary(bytes->data(), bytes->size());
    } else {
        PreambleCleaning cleaning;
        tmp = store.copyToTemporary(src.path, digest, size, &cleaning);
        preamble = cleaning;
    }
    if (!tmp) {
        p.kind = tmp.error().code == "disk-full" ? Prepared::Fatal : Prepared::Rejected;
        p.reason = tmp.error().message;
        return p;
    }
    if (preamble && preamble->executable.empty() && !original.executable.empty()) preamble = original;
    // Hashed as stored (encrypted, in a sealed cache).
    if (preamble && store.sealed() && !sha256File(*tmp, digest, &size))
        preamble = Result<PreambleCleaning>(makeError("unreadable", "the copy cannot be read back"));
    if (!preamble) {
        ::unlink(tmp->c_str());
        p.kind = preamble.error().code == "disk-full" ? Prepared::Fatal : Prepared::Rejected;
        p.reason = preamble.error().message;
        return p;
    }
    p.candidate.preambleExecutable = preamble->executable;
    p.candidate.metaRewritten = joinProblems(metaProblems);
    p.candidate.temporary = *tmp;
    p.candidate.origin = item.displayName;
    p.candidate.record = std::move(*record);
    p.candidate.record.fileSize = std::int64_t(size);
    p.candidate.record.sha256 = digest;
    p.candidate.record.source = source + ":" + item.displayName;
    p.candidate.record.arrivedAt = nowMs();
    p.kind = Prepared::Ready;
    return p;
}

// Worker threads preparing items into a bounded queue, read in order of completion.
class Preparers {
public:
    Preparers(const std::vector<ImportItem>& items, const FileStore& store, const std::string& indexPath, const std::string& source,
              const IngestLimits& limits, int threads, std::size_t bound, std::function<bool()> cancelled)
        : m_items(items), m_limits(limits), m_bound(bound), m_cancelled(std::move(cancelled))
    {
        for (int t = 0; t < threads; ++t)
            m_workers.emplace_back([this, &store, indexPath, source] { work(store, indexPath, source); });
    }
    ~Preparers()
    {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_stopping = true;
        }
        m_ready.notify_all();
        for (std::thread& w : m_workers) w.join();
        // Whatever was prepared after a stop is discarded.
        for (Prepared& p : m_queue)
            if (p.kind == Prepared::Ready) ::unlink(p.candidate.temporary.c_str());
    }
    // The next prepared item; false when every worker is done.
    bool next(Prepared& out)
    {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_ready.wait(lock, [&] { return !m_queue.empty() || m_finished == m_workers.size(); });
        if (m_queue.empty()) return false;
        out = std::move(m_queue.front());
        m_queue.pop_front();
        m_ready.notify_all();
        return true;
    }
    void wake() { m_ready.notify_all(); }

private:
    void work(const FileStore& store, const std::string& indexPath, const std::string& source)
    {
        auto db = Database::open(indexPath, false, store.key() ? &*store.key() : nullptr);
        std::unique_ptr<StudyIndex> reader = db ? std::make_unique<StudyIndex>(*db) : nullptr;
        while (!m_cancelled()) {
            const std::size_t i = m_next++;
            if (i >= m_items.size()) break;
            Prepared p = prepare(m_items[i], store, reader.get(), source, m_limits);
            std::unique_lock<std::mutex> lock(m_mutex);
            // Bounded: workers wait while the writer catches up.
            m_ready.wait(lock, [&] { return m_queue.size() < m_bound || m_cancelled() || m_stopping; });
            m_queue.push_back(std::move(p));
            m_ready.notify_all();
        }
        std::lock_guard<std::mutex> lock(m_mutex);
        ++m_finished;
        m_ready.notify_all();
    }

    const std::vector<ImportItem>& m_items;
    const IngestLimits m_limits;
    const std::size_t m_bound;
    std::function<bool()> m_cancelled;
    std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<Prepared> m_queue;
    std::atomic<std::size_t> m_next{0};
    std::size_t m_finished = 0;
    bool m_stopping = false;
    std::vector<std::thread> m_workers;
};

}  // namespace

ImportReport Cache::import(const std::vector<std::string>& paths, const ImportOptions& options, const ProgressFn& progress,
                           const std::atomic<bool>* cancel)
{
    ImportReport report;
    std::vector<SourceProblem> problems;
    const std::vector<ImportItem> items = enumerateImportItems(paths, problems, cancel);
    for (const SourceProblem& sp : problems) report.rejected.push_back({sp.path, sp.reason});

    ImportProgress prog;
    prog.total = items.size();
    std::atomic<bool> stop{false};
    auto cancelled = [&] { return stop.load() || (cancel && cancel->load()); };
    const int threads = options.threads > 0 ? options.threads : int(std::max(1u, std::thread::hardware_concurrency()));
    // Studies being imported are held (no process evicts them meanwhile) until the end.
    std::map<std::string, std::int64_t> held;
    std::vector<Candidate> batch;
    std::vector<InstanceRecord> storedRecords;  // for the access gate's record of the import

    auto flush = [&] {
        if (batch.empty()) return;
        m_leases.renewMine();
        const IngestResult r = ingest(batch);
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (r.outcomes[i].kind == IngestOutcome::Kind::Stored) {
                ++report.imported;
                report.studies.insert(batch[i].record.studyUid);
                storedRecords.push_back(batch[i].record);
            } else if (r.outcomes[i].kind == IngestOutcome::Kind::AlreadyPresent) {
                ++report.alreadyPresent;
            }
        }
        prog.imported = report.imported;
        prog.alreadyPresent = report.alreadyPresent;
        if (!r.fatal.empty()) {
            report.fatal = r.fatal;
            stop = true;
        }
        batch.clear();
    };

    {
        Preparers preparers(items, m_store, m_folder + "/index.sqlite", options.source, limits(), threads, options.batchSize * 2, cancelled);
        Prepared p;
        while (preparers.next(p)) {
            ++prog.done;
            switch (p.kind) {
            case Prepared::Ready:
                if (cancelled()) {
                    ::unlink(p.candidate.temporary.c_str());
                    break;
                }
                if (!held.count(p.candidate.record.studyUid))
                    if (auto id = m_leases.acquire(p.candidate.record.studyUid, kImportingPurpose)) held[p.candidate.record.studyUid] = *id;
                batch.push_back(std::move(p.candidate));
                if (batch.size() >= options.batchSize) flush();
                break;
            case Prepared::Present:
                ++report.alreadyPresent;
                ++prog.alreadyPresent;
                break;
            case Prepared::NotDicom: report.notDicom.push_back({p.display, p.reason}); break;
            case Prepared::Fatal:
                report.fatal = p.reason;
                stop = true;
                break;
            case Prepared::Rejected:
                report.rejected.push_back({p.display, p.reason});
                ++prog.rejected;
                break;
            }
            if (stop) preparers.wake();
            if (progress && (prog.done % 16 == 0 || prog.done == items.size())) progress(prog);
        }
    }
    if (!cancelled()) flush();
    for (Candidate& c : batch) ::unlink(c.temporary.c_str());  // cancelled: never stored
    report.cancelled = cancel && cancel->load();
    if (progress) progress(prog);
    if (report.fatal.empty() && !report.cancelled) evict(std::nullopt, 0, report.studies);  // back within the quota, never at the expense of what was just stored
    for (const auto& [study, id] : held) m_leases.release(id);
    if (const auto gate = accessGate(); gate && (!storedRecords.empty() || !report.complete())) {
        std::vector<const InstanceRecord*> records;
        for (const InstanceRecord& r : storedRecords) records.push_back(&r);
        std::string from;
        for (const std::string& p : paths) from += (from.empty() ? "" : ", ") + p;
        const Status outcome = report.complete() ? Status(Done{})
                               : !report.fatal.empty() ? Status(makeError("import-stopped", report.fatal))
                               : report.cancelled      ? Status(makeError("cancelled", "cancelled"))
                                                       : Status(makeError("import-partial", std::to_string(report.rejected.size()) + " item(s) refused"));
        gate->done(CacheJob::Import, studyFacts(records), outcome, from);
    }
    return report;
}

}  // namespace lightbox::storage
