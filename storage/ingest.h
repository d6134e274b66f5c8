#pragma once
// The one way into the cache. Every instance that enters it (imported files, the storage
// listener, C-GET, C-MOVE, WADO-RS, and the objects Lightbox itself creates) passes the same two
// steps, so the same policy applies to all of them:
//   1. admit(), by whoever holds the file (any thread): the file must parse completely, be a
//      storable instance (not a DICOMDIR) and carry Study, Series and SOP Instance UIDs that are
//      valid UIDs (digits and dots, at most 64 characters: nothing else ever names a file or
//      reaches a path); its index record is read from it with the one attribute reader
//      (InstanceSummary). A received file is also hashed here (admitReceived).
//   2. Cache::ingest(), by the cache's writer, a batch at a time: room is made first (the quota and
//      the free-space floor, by evicting least-recently-used studies that no lease holds); the data
//      are flushed to the disk; then, holding the index's write lock (so no other process can store
//      or delete the same instance meanwhile), instances already stored are left out, the files are
//      renamed into place, the names flushed, and the rows written in one transaction. A second
//      writer of the same SOP Instance UID never replaces a stored file: the file on disk is always
//      the one whose SHA-256 the index records.
#include "access_gate.h"
#include "file_store.h"
#include "instance_record.h"
#include "result.h"

#include <string>
#include <vector>

namespace lightbox {
class DicomFile;
}

namespace lightbox::storage {

// A file on its way into the cache.
struct Candidate {
    std::string temporary;  // a complete file in the store's tmp/, owned by the candidate
    std::string origin;     // for reports: the source path, "archive.zip:entry", "C-STORE"...
    InstanceRecord record;  // with size, SHA-256, source and arrival time set
    std::string preambleExecutable;  // the kind of executable header its preamble held (now zeroed), if any
    std::string metaRewritten;  // why its meta information was rewritten, if it was
    bool inPlace = false;  // `temporary` is a second name of a file already in the store (rebuild): no room to make
};

// What no file may exceed, whatever its source: sizes that would exhaust memory or disk for
// whoever opens it. Kept in the index's settings (Cache::limits, `lightbox cache limits`).
struct IngestLimits {
    std::uint64_t maxFileBytes = std::uint64_t(8) << 30;  // 8 GiB
    std::size_t maxElements = 1000000;                     // data elements, in every sequence item
    int maxDepth = 32;                                     // sequences within sequences
};

// The checks every arrival passes, and its index record (without size, hash and source).
Result<InstanceRecord> admit(const DicomFile& file, const IngestLimits& limits);
// The file size check, before a file is parsed at all.
Status admitSize(std::uint64_t bytes, const IngestLimits& limits);
// Rewrites a file of the store's tmp/ through DCMTK's writer with meta information made from its
// dataset, when `problems` (DicomFile::metaInconsistencies) is not empty.
Status rewriteMeta(const std::string& temporary, const std::vector<std::string>& problems);
// "a; b; c".
std::string joinProblems(const std::vector<std::string>& problems);
// For a received file already written in the store's tmp/: parses, admits and hashes it.
// In a sealed store the file is encrypted in place once admitted (then hashed as stored).
Result<Candidate> admitReceived(const std::string& temporary, const std::string& source, const IngestLimits& limits, const FileStore& store);

struct IngestOutcome {
    enum class Kind { Stored, AlreadyPresent, Rejected } kind = Kind::Rejected;
    std::string reason;  // when rejected
};

// The studies of a set of candidates with how many instances each brings, for the access gate.
std::vector<StudyFacts> studyFacts(const std::vector<const InstanceRecord*>& records);

struct IngestResult {
    std::vector<IngestOutcome> outcomes;  // one per candidate, in the batch's order
    std::string fatal;                    // why nothing (more) could be stored: disk full, index unwritable
    std::size_t stored() const;
};

}  // namespace lightbox::storage
