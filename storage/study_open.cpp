#include "study_open.h"

#include "access_gate.h"

namespace lightbox::storage {

namespace {

Result<OpenedStudy> openAllowed(Cache& cache, LeaseKeeper& keeper, const std::string& studyUid, const std::string& purpose)
{
    OpenedStudy opened;
    // The lease before anything is read: an eviction that has not deleted the study by now will
    // see the lease and leave it alone (it checks in the transaction that deletes).
    auto lease = keeper.acquire(studyUid, purpose);
    if (!lease) return lease.error();
    opened.lease = std::move(*lease);
    auto row = cache.index().study(studyUid);
    if (!row) return makeError("not-found", "study " + studyUid + " is not in the cache");
    opened.study = std::move(*row);
    if (auto s = cache.index().markOpened(studyUid, nowMs()); !s) return s.error();
    opened.files = cache.studyFiles(studyUid);
    if (opened.files.empty()) return makeError("not-found", "study " + studyUid + " has no instance in the cache");
    return opened;
}

}  // namespace

Result<OpenedStudy> openStudy(Cache& cache, LeaseKeeper& keeper, const std::string& studyUid, const std::string& purpose)
{
    const auto gate = accessGate();
    if (!gate) return openAllowed(cache, keeper, studyUid, purpose);
    // Asked and recorded with the patient the index names (the study may also be missing).
    const auto row = cache.index().study(studyUid);
    const StudyFacts facts = row ? StudyFacts{row->patientId, row->patientName, studyUid, row->instanceCount} : StudyFacts{{}, {}, studyUid, 0};
    if (Status allowed = gate->allow(CacheJob::Open, {facts}); !allowed) return allowed.error();
    auto opened = openAllowed(cache, keeper, studyUid, purpose);
    gate->done(CacheJob::Open, {facts}, opened ? Status(Done{}) : Status(opened.error()), purpose);
    return opened;
}

}  // namespace lightbox::storage
