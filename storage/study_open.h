#pragma once
// The one way to open a cached study, for every caller (the viewer, reading windows, the command
// line, and later a RIS launch): a lease is taken first (from then on no process evicts or deletes
// the study), "last opened" is recorded (eviction goes by it: a prior read every day stays), and
// the study's files are listed in display order. The study stays held while the returned lease
// lives.
#include "cache.h"
#include "lease_keeper.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace lightbox::storage {

struct OpenedStudy {
    std::shared_ptr<StudyLease> lease;
    StudyRow study;
    std::vector<std::pair<std::string, InstanceRow>> files;  // path and index row, in display order
};

// `purpose` says who holds it ("viewing", "reading", "rendering"...), for people asking why a
// study cannot be deleted. Fails with code "not-found" when the study is not in the cache.
Result<OpenedStudy> openStudy(Cache& cache, LeaseKeeper& keeper, const std::string& studyUid, const std::string& purpose);

}  // namespace lightbox::storage
