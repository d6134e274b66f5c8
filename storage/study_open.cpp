#include "study_open.h"

namespace lightbox::storage {

Result<OpenedStudy> openStudy(Cache& cache, LeaseKeeper& keeper, const std::string& studyUid, const std::string& purpose)
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

}  // namespace lightbox::storage
