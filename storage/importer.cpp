// Cache::import: reads sources on worker threads (parse the header, check, copy to a temporary
// file while hashing) and stores them in batches from the calling thread (flush, rename into
// place, index in one transaction). Every file gets an outcome; nothing stops the import but a
// full disk or an unwritable index.
#include "cache.h"

#include "dicom_file.h"
#include "import_sources.h"

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace lightbox::storage {

void registerImporting(const std::string& studyUid);
void unregisterImporting(const std::string& studyUid);

namespace {

constexpr const char* kDicomdirSopClass = "1.2.840.10008.1.3.10";

struct Prepared {
    enum Kind { Ready, Present, NotDicom, Rejected, Fatal } kind = Rejected;
    std::string display;
    std::string reason;
    InstanceRecord record;
    std::string temporary;
};

Prepared prepare(const ImportItem& item, const FileStore& store, StudyIndex* reader, const std::string& source)
{
    Prepared p;
    p.display = item.displayName;
    std::string path = item.path;
    std::string extracted;
    if (item.zipIndex >= 0) {
        extracted = store.temporaryPath(".zip-entry");
        std::string error;
        const std::int64_t room = std::max<std::int64_t>(0, store.freeBytes());
        if (!extractZipEntry(item.path, item.zipIndex, extracted, room, &error)) {
            ::unlink(extracted.c_str());
            p.reason = error;
            return p;
        }
        path = extracted;
    }
    auto cleanup = [&] {
        if (!extracted.empty()) ::unlink(extracted.c_str());
    };

    // Small files (nearly all) are read once: parsed, hashed and copied from memory.
    constexpr std::uint64_t kInMemory = 16u << 20;
    thread_local std::vector<std::uint8_t> bytes;
    bool inMemory = false;
    {
        std::error_code ec;
        const auto fileSize = std::filesystem::file_size(path, ec);
        if (!ec && fileSize <= kInMemory) {
            bytes.resize(fileSize);
            std::FILE* f = std::fopen(path.c_str(), "rb");
            inMemory = f && std::fread(bytes.data(), 1, bytes.size(), f) == bytes.size();
            if (f) std::fclose(f);
        }
    }
    auto sniff = inMemory ? sniffDicom(bytes.data(), bytes.size()) : sniffDicom(path);
    if (!sniff) {
        cleanup();
        p.kind = sniff.error().code == "not-dicom" ? Prepared::NotDicom : Prepared::Rejected;
        p.reason = sniff.error().message;
        return p;
    }
    auto file = inMemory ? DicomFile::parse(bytes.data(), bytes.size(), path) : DicomFile::open(path);
    if (!file) {
        cleanup();
        p.kind = file.error().code == "not-dicom" ? Prepared::NotDicom : Prepared::Rejected;
        p.reason = file.error().message;
        return p;
    }
    if (!(*file)->parseWarning().empty()) {
        cleanup();
        p.reason = (*file)->parseWarning();
        return p;
    }
    std::string why;
    auto record = recordFromFile(**file, &why);
    if (!record) {
        cleanup();
        if ((*file)->dataset().text(tags::SOPClassUID) == kDicomdirSopClass || (*file)->metaHeader().text(makeTag(0x0002, 0x0002)) == kDicomdirSopClass) {
            p.kind = Prepared::NotDicom;
            p.reason = "a DICOMDIR (import it, or its folder, to store the files it lists)";
        } else {
            p.reason = why;
        }
        return p;
    }
    file->reset();  // close the file before copying it
    if (reader && reader->hasInstance(record->sopInstanceUid)) {
        cleanup();
        p.kind = Prepared::Present;
        return p;
    }
    Sha256 digest{};
    std::uint64_t size = 0;
    Result<std::string> tmp = makeError("", "");
    if (inMemory) {
        digest = sha256(bytes.data(), bytes.size());
        size = bytes.size();
        tmp = store.writeTemporary(bytes.data(), bytes.size());
    } else {
        tmp = store.copyToTemporary(path, digest, size);
    }
    cleanup();
    if (!tmp) {
        p.kind = tmp.error().code == "disk-full" ? Prepared::Fatal : Prepared::Rejected;
        p.reason = tmp.error().message;
        return p;
    }
    record->fileSize = std::int64_t(size);
    record->sha256 = digest;
    record->source = source + ":" + item.displayName;
    record->arrivedAt = nowMs();
    p.record = std::move(*record);
    p.temporary = *tmp;
    p.kind = Prepared::Ready;
    return p;
}

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

    std::mutex mutex;
    std::condition_variable ready;
    std::deque<Prepared> queue;
    std::atomic<std::size_t> next{0};
    std::size_t finishedWorkers = 0;
    const int threads = options.threads > 0 ? options.threads : int(std::max(1u, std::thread::hardware_concurrency()));
    const std::string indexPath = m_folder + "/index.sqlite";

    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            auto db = Database::open(indexPath, false);
            std::unique_ptr<StudyIndex> reader = db ? std::make_unique<StudyIndex>(*db) : nullptr;
            while (!cancelled()) {
                const std::size_t i = next++;
                if (i >= items.size()) break;
                Prepared p = prepare(items[i], m_store, reader.get(), options.source);
                std::unique_lock<std::mutex> lock(mutex);
                // Bounded queue: workers wait while the writer catches up.
                ready.wait(lock, [&] { return queue.size() < options.batchSize * 2 || cancelled(); });
                queue.push_back(std::move(p));
                ready.notify_all();
            }
            std::lock_guard<std::mutex> lock(mutex);
            ++finishedWorkers;
            ready.notify_all();
        });
    }

    std::set<std::string> registered;
    std::vector<Prepared> batch;
    std::int64_t batchBytes = 0;
    const Quota q = quota();

    auto flush = [&]() {
        if (batch.empty()) return;
        // Room for the batch, making it by eviction if the quota allows.
        const std::int64_t free = m_store.freeBytes();
        if (q.minFreeBytes > 0 && free >= 0 && free < q.minFreeBytes) evict(std::nullopt, options.protectedStudies);
        if (q.maxBytes > 0 && m_index->stats().bytes + batchBytes > q.maxBytes) evict(std::max<std::int64_t>(0, q.maxBytes - batchBytes), options.protectedStudies);
        // An instance already indexed, or twice in this batch (the same SOP Instance UID in two
        // files, e.g. one image in several transfer syntaxes), is stored once: the first copy.
        std::set<std::string> seen;
        std::vector<Prepared> fresh;
        std::size_t duplicatesBefore = 0;
        for (Prepared& p : batch) {
            if (!seen.insert(p.record.sopInstanceUid).second || m_index->hasInstance(p.record.sopInstanceUid)) {
                ::unlink(p.temporary.c_str());
                ++duplicatesBefore;
            } else {
                fresh.push_back(std::move(p));
            }
        }
        batch = std::move(fresh);
        report.alreadyPresent += duplicatesBefore;
        prog.alreadyPresent += duplicatesBefore;
        std::vector<FileStore::Move> moves;
        for (const Prepared& p : batch) moves.push_back({p.temporary, p.record.sopInstanceUid});
        if (auto s = m_store.publish(moves); !s) {
            report.fatal = s.error().message;
            for (const Prepared& p : batch) ::unlink(p.temporary.c_str());
            stop = true;
            batch.clear();
            return;
        }
        Transaction t(m_db);
        std::vector<const Prepared*> duplicates;
        std::size_t inserted = 0;
        for (const Prepared& p : batch) {
            auto added = t.ok() ? m_index->addInstance(p.record) : Result<StudyIndex::Added>(t.error());
            if (!added) {
                report.fatal = "the cache index cannot be written: " + added.error().message;
                break;
            }
            if (*added == StudyIndex::Added::AlreadyPresent) duplicates.push_back(&p);
            else ++inserted;
        }
        if (report.fatal.empty()) {
            if (auto s = t.commit(); !s) report.fatal = "the cache index cannot be written: " + s.error().message;
        }
        if (!report.fatal.empty()) {
            stop = true;  // the files stay as unreferenced copies; a re-import finds them
        } else {
            report.imported += inserted;
            report.alreadyPresent += duplicates.size();
            prog.imported += inserted;
            prog.alreadyPresent += duplicates.size();
            for (const Prepared& p : batch) report.studies.insert(p.record.studyUid);
        }
        batch.clear();
        batchBytes = 0;
    };

    std::size_t handled = 0;
    while (true) {
        Prepared p;
        {
            std::unique_lock<std::mutex> lock(mutex);
            ready.wait(lock, [&] { return !queue.empty() || finishedWorkers == workers.size(); });
            if (queue.empty()) break;
            p = std::move(queue.front());
            queue.pop_front();
            ready.notify_all();
        }
        ++handled;
        prog.done = handled;
        switch (p.kind) {
        case Prepared::Ready:
            if (cancelled()) {
                ::unlink(p.temporary.c_str());
                break;
            }
            if (registered.insert(p.record.studyUid).second) registerImporting(p.record.studyUid);
            batchBytes += p.record.fileSize;
            batch.push_back(std::move(p));
            if (batch.size() >= options.batchSize) flush();
            break;
        case Prepared::Present:
            ++report.alreadyPresent;
            ++prog.alreadyPresent;
            break;
        case Prepared::NotDicom:
            report.notDicom.push_back({p.display, p.reason});
            break;
        case Prepared::Fatal:
            report.fatal = p.reason;
            stop = true;
            break;
        case Prepared::Rejected:
            report.rejected.push_back({p.display, p.reason});
            ++prog.rejected;
            break;
        }
        if (progress && (handled % 16 == 0 || handled == items.size())) progress(prog);
    }
    for (std::thread& w : workers) w.join();
    if (!cancelled()) flush();
    for (Prepared& p : batch) ::unlink(p.temporary.c_str());  // cancelled: never published
    // Whatever workers prepared after a stop is discarded.
    for (Prepared& p : queue)
        if (p.kind == Prepared::Ready) ::unlink(p.temporary.c_str());
    for (const std::string& s : registered) unregisterImporting(s);
    report.cancelled = cancel && cancel->load();
    if (progress) progress(prog);
    if (report.fatal.empty() && !report.cancelled) {
        // Back within the quota, at the expense of older studies, never of what was just stored.
        std::set<std::string> keep = options.protectedStudies;
        keep.insert(report.studies.begin(), report.studies.end());
        evict(std::nullopt, keep);
    }
    return report;
}

}  // namespace lightbox::storage
