// The one way into the cache (see ingest.h): admitting a file, and storing a batch.
#include "ingest.h"

#include "preamble.h"

#include <algorithm>

#include "cache.h"
#include "dicom_file.h"
#include "sealed_file.h"

#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace lightbox::storage {

namespace {

constexpr const char* kDicomdirSopClass = "1.2.840.10008.1.3.10";

bool isDicomdir(const DicomFile& file)
{
    return file.dataset().text(tags::SOPClassUID) == kDicomdirSopClass || file.metaHeader().text(makeTag(0x0002, 0x0002)) == kDicomdirSopClass;
}

}  // namespace

std::string joinProblems(const std::vector<std::string>& problems)
{
    std::string out;
    for (const std::string& p : problems) out += (out.empty() ? "" : "; ") + p;
    return out;
}

std::size_t IngestResult::stored() const
{
    std::size_t n = 0;
    for (const IngestOutcome& o : outcomes) n += o.kind == IngestOutcome::Kind::Stored;
    return n;
}

Status admitSize(std::uint64_t bytes, const IngestLimits& limits)
{
    if (limits.maxFileBytes > 0 && bytes > limits.maxFileBytes)
        return makeError("too-large", "the file has " + std::to_string(bytes) + " bytes, more than the cache takes (" + std::to_string(limits.maxFileBytes) +
                                          "; lightbox cache limits --max-file-size)");
    return Done{};
}

Result<InstanceRecord> admit(const DicomFile& file, const IngestLimits& limits)
{
    if (!file.parseWarning().empty()) return makeError("damaged", file.parseWarning());
    if (isDicomdir(file)) return makeError("dicomdir", "a DICOMDIR (import it, or its folder, to store the files it lists)");
    const DicomFile::Shape shape = file.shape();
    if (limits.maxElements > 0 && shape.elements > limits.maxElements)
        return makeError("too-many-elements", "the file has " + std::to_string(shape.elements) + " data elements, more than the cache takes (" +
                                                  std::to_string(limits.maxElements) + "; lightbox cache limits --max-elements)");
    if (limits.maxDepth > 0 && shape.depth > limits.maxDepth)
        return makeError("too-deep", "the file nests sequences " + std::to_string(shape.depth) + " deep, more than the cache takes (" +
                                         std::to_string(limits.maxDepth) + "; lightbox cache limits --max-depth)");
    std::string why;
    auto record = recordFromFile(file, &why);
    if (!record) return makeError("not-an-instance", why);
    return std::move(*record);
}

Status rewriteMeta(const std::string& temporary, const std::vector<std::string>& problems)
{
    if (problems.empty()) return Done{};
    auto file = DicomFile::open(temporary);
    if (!file) return file.error();
    const std::string fresh = temporary + ".meta";
    if (Status s = (*file)->saveWithFreshMeta(fresh); !s) {
        ::unlink(fresh.c_str());
        return s;
    }
    file->reset();
    ::chmod(fresh.c_str(), 0600);
    if (::rename(fresh.c_str(), temporary.c_str()) != 0) {
        ::unlink(fresh.c_str());
        return makeError("rewrite", "cannot replace " + temporary);
    }
    return Done{};
}

namespace {

Candidate candidateFor(const std::string& temporary, const std::string& source, InstanceRecord record, const Sha256& digest, std::uint64_t size)
{
    Candidate c;
    c.temporary = temporary;
    c.origin = source;
    c.record = std::move(record);
    c.record.fileSize = std::int64_t(size);
    c.record.sha256 = digest;
    c.record.source = source;
    c.record.arrivedAt = nowMs();
    return c;
}

// A file written encrypted as it arrived (the network into an encrypted cache; the store's own
// files at rebuild-index): checked on its plaintext in memory, and when its meta header must be
// rewritten or its preamble cleaned, replaced by a new encrypted file made in memory. No plain
// copy is ever written.
Result<Candidate> admitSealed(const std::string& temporary, const std::string& source, const IngestLimits& limits, const FileStore& store)
{
    if (!store.sealed()) return makeError("locked", "an encrypted file cannot go into a cache that is not encrypted");
    auto plain = unsealFile(temporary);
    if (!plain) return plain.error();
    if (Status s = admitSize(plain->size(), limits); !s) return s.error();
    auto* bytes = reinterpret_cast<std::uint8_t*>(plain->data());
    const PreambleCleaning preamble = cleanPreamble(bytes, plain->size());
    auto file = DicomFile::parse(bytes, plain->size(), temporary);
    if (!file) return file.error();
    auto record = admit(**file, limits);
    if (!record) return record.error();
    const std::vector<std::string> metaProblems = (*file)->metaInconsistencies();
    if (preamble.cleaned || !metaProblems.empty()) {
        std::vector<std::uint8_t> fresh;
        if (!metaProblems.empty()) {
            auto encoded = (*file)->encodeWithFreshMeta();
            if (!encoded) return encoded.error();
            fresh = std::move(*encoded);
            cleanPreamble(fresh.data(), fresh.size());
        }
        file->reset();
        const void* data = fresh.empty() ? static_cast<const void*>(plain->data()) : fresh.data();
        const std::size_t size = fresh.empty() ? plain->size() : fresh.size();
        auto replacement = store.writeTemporary(data, size);
        if (!replacement) return replacement.error();
        if (::rename(replacement->c_str(), temporary.c_str()) != 0) {
            ::unlink(replacement->c_str());
            return makeError("rewrite", "cannot replace " + temporary);
        }
    }
    file->reset();
    plain = std::vector<char>();
    Sha256 digest{};
    std::uint64_t size = 0;
    if (!sha256File(temporary, digest, &size)) return makeError("unreadable", "the received file cannot be read back");
    Candidate c = candidateFor(temporary, source, std::move(*record), digest, size);
    c.preambleExecutable = preamble.executable;
    c.metaRewritten = joinProblems(metaProblems);
    return c;
}

}  // namespace

Result<Candidate> admitReceived(const std::string& temporary, const std::string& source, const IngestLimits& limits, const FileStore& store)
{
    // Network code (DCMTK's store provider among it) may write with the umask's mode: stored files
    // are the user's alone.
    ::chmod(temporary.c_str(), 0600);
    if (isSealedFile(temporary)) return admitSealed(temporary, source, limits, store);
    struct stat st {};
    if (::stat(temporary.c_str(), &st) == 0)
        if (Status s = admitSize(std::uint64_t(st.st_size), limits); !s) return s.error();
    auto file = DicomFile::open(temporary);
    if (!file) return file.error();
    auto record = admit(**file, limits);
    const std::vector<std::string> metaProblems = record ? (*file)->metaInconsistencies() : std::vector<std::string>{};
    file->reset();  // closed before it is hashed and moved
    if (!record) return record.error();
    if (Status s = rewriteMeta(temporary, metaProblems); !s) return s.error();
    auto preamble = cleanPreamble(temporary);  // the network carries none; a peer's file might
    if (!preamble) return preamble.error();
    if (Status s = store.seal(temporary); !s) return s.error();  // encrypted before it is hashed
    Sha256 digest{};
    std::uint64_t size = 0;
    if (!sha256File(temporary, digest, &size)) return makeError("unreadable", "the received file cannot be read back");
    Candidate c = candidateFor(temporary, source, std::move(*record), digest, size);
    c.preambleExecutable = preamble->executable;
    c.metaRewritten = joinProblems(metaProblems);
    return c;
}

std::vector<StudyFacts> studyFacts(const std::vector<const InstanceRecord*>& records)
{
    std::vector<StudyFacts> facts;
    for (const InstanceRecord* r : records) {
        auto it = std::find_if(facts.begin(), facts.end(), [&](const StudyFacts& f) { return f.studyUid == r->studyUid; });
        if (it == facts.end()) facts.push_back({r->patientId, r->patientName, r->studyUid, 1});
        else ++it->instances;
    }
    return facts;
}

IngestResult Cache::ingest(std::vector<Candidate>& batch, CacheJob job)
{
    IngestResult result;
    result.outcomes.resize(batch.size());
    if (batch.empty()) return result;
    // Nothing of the batch is stored: every candidate not already present is rejected for `why`.
    auto refuseRest = [&](const std::string& why) {
        result.fatal = why;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (result.outcomes[i].kind == IngestOutcome::Kind::AlreadyPresent) continue;
            ::unlink(batch[i].temporary.c_str());  // gone already if it was placed
            result.outcomes[i] = {IngestOutcome::Kind::Rejected, why};
        }
        return result;
    };

    // 0. Whoever is signed in may bring studies in.
    if (const auto gate = accessGate()) {
        std::vector<const InstanceRecord*> records;
        for (const Candidate& c : batch) records.push_back(&c.record);
        if (Status allowed = gate->allow(job, studyFacts(records)); !allowed) return refuseRest(allowed.error().message);
    }

    // 1. Room for what the batch adds (instances stored already add nothing), made at the expense
    //    of the least recently used studies nobody holds.
    std::int64_t bytes = 0;
    std::set<std::string> studies;
    for (const Candidate& c : batch) {
        if (c.inPlace || m_index->hasInstance(c.record.sopInstanceUid)) continue;
        bytes += c.record.fileSize;
        studies.insert(c.record.studyUid);
    }
    if (bytes > 0) evict(std::nullopt, bytes, studies);

    // 2. The data on the disk before any name points at them (here, outside the lock, unless every
    //    instance seemed stored already; then below, should one have gone meanwhile).
    bool durable = false;
    if (bytes > 0) {
        if (auto s = m_store.makeDurable(); !s) return refuseRest(s.error().message);
        durable = true;
    }

    // 3. Under the index's write lock (every process's ingest and delete take it): instances
    //    already stored are left out, the rest placed, flushed and indexed in one transaction.
    Transaction t(m_db);
    if (!t.ok()) return refuseRest("the cache index cannot be written: " + t.error().message);
    std::set<std::string> seen;
    std::vector<std::size_t> placed;
    std::string fatal;
    for (std::size_t i = 0; i < batch.size() && fatal.empty(); ++i) {
        Candidate& c = batch[i];
        if (!seen.insert(c.record.sopInstanceUid).second || m_index->hasInstance(c.record.sopInstanceUid)) {
            ::unlink(c.temporary.c_str());
            result.outcomes[i].kind = IngestOutcome::Kind::AlreadyPresent;
            continue;
        }
        if (!durable) {
            if (auto s = m_store.makeDurable(); !s) {
                fatal = s.error().message;
                break;
            }
            durable = true;
        }
        if (auto s = m_store.place(c.temporary, c.record.sopInstanceUid); !s) fatal = s.error().message;
        else placed.push_back(i);
    }
    if (fatal.empty() && !placed.empty())
        if (auto s = m_store.makeDurable(); !s) fatal = s.error().message;
    for (std::size_t k = 0; fatal.empty() && k < placed.size(); ++k) {
        Candidate& c = batch[placed[k]];
        if (!c.preambleExecutable.empty()) c.record.safety = "executable preamble (" + c.preambleExecutable + ") zeroed";
        if (!c.metaRewritten.empty()) c.record.safety += (c.record.safety.empty() ? "" : "; ") + std::string("meta information rewritten: ") + c.metaRewritten;
        if (auto added = m_index->addInstance(c.record); !added) fatal = "the cache index cannot be written: " + added.error().message;
    }
    if (fatal.empty())
        if (auto s = t.commit(); !s) fatal = "the cache index cannot be written: " + s.error().message;
    if (!fatal.empty()) {
        // Rolled back. The files placed under our lock have no row, and no other process can
        // have placed the same instances meanwhile: they go.
        for (std::size_t i : placed) m_store.remove(batch[i].record.sopInstanceUid);
        return refuseRest(fatal);
    }
    for (std::size_t i : placed) result.outcomes[i].kind = IngestOutcome::Kind::Stored;
    // Files that were executables too are stored clean, and reported.
    if (const auto gate = accessGate())
        for (std::size_t i : placed)
            if (!batch[i].preambleExecutable.empty()) {
                const InstanceRecord& r = batch[i].record;
                gate->securityFinding("the preamble of instance " + r.sopInstanceUid + " from " + batch[i].origin + " held a " +
                                          batch[i].preambleExecutable + " header; stored with a zero preamble",
                                      {r.patientId, r.patientName, r.studyUid, 1});
            }
    return result;
}

}  // namespace lightbox::storage
