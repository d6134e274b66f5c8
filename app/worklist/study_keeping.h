#pragma once
// Studies kept in the cache for reading without the archive (storage/study_holds.h):
//  - for an order: every study its prefetch chose (the current one and the priors, fetched or
//    found cached) is held by "order:N" until the order is read, reported or cancelled — at most
//    kOrderHoldDays after it was scheduled (or planned, when it has no schedule), so that an
//    order nobody closes does not fill the disk for ever;
//  - "make available offline": a user holds a patient's studies, or those of a worklist, by
//    "offline" until released (or until a chosen end), and what is not cached whole is fetched now.
#include "prefetch_rules.h"
#include "reading_list.h"
#include "work_queue.h"

#include "app_config.h"
#include "archive_ops.h"
#include "cache.h"

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace lightbox::app {

inline constexpr int kOrderHoldDays = 7;
inline constexpr const char* kOfflineHolder = "offline";
std::string orderHolder(std::int64_t orderId);  // "order:12"

// Holds the studies of the order's tasks (storage::StudyHolds, in `cache`).
Status holdForOrder(storage::Cache& cache, const StoredOrder& order, const std::vector<PrefetchTask>& tasks);
// Releases the holds of orders that are read, reported or cancelled (and those past their end).
// Returns how many holds it released.
int releaseFinishedOrderHolds(WorkQueue& queue, storage::Cache& cache);

struct OfflineStudy {
    std::string studyUid, patientId, description, date, modalities;
    QString archive;          // where it is fetched from (empty: it is only in the cache)
    int archiveInstances = 0; // as the archive counts them (0: unknown)
    int cachedInstances = 0;
    // Cached whole: as many instances as the archive counts; one on no archive, when it is cached at all.
    bool whole() const { return archive.isEmpty() ? cachedInstances > 0 : (archiveInstances > 0 && cachedInstances >= archiveInstances); }
};

// A patient's studies, on every archive Lightbox can search (under the IDs merged into it, which
// the work queue remembers, when `queue` is given) and in the cache; a study listed by several
// archives is fetched from the first in the settings.
Result<std::vector<OfflineStudy>> patientStudies(const AppConfig& config, const QString& cacheDir, WorkQueue* queue, const QString& patientId,
                                                 const std::atomic<bool>* cancel = nullptr);

// The studies a worklist needs, for the items `filter` lets through that are not read yet: each
// order's prefetch is planned at once (time windows and lead time do not apply: the user asked
// now) and its chosen studies taken; a study that came without an order is taken as it is.
// `problems` hears why an order's studies could not be planned (its archive unreachable...).
Result<std::vector<OfflineStudy>> worklistStudies(const AppConfig& config, const QString& cacheDir, const PrefetchRules& rules, WorkQueue& queue,
                                                  const ReadingFilter& filter, const std::atomic<bool>* cancel = nullptr,
                                                  std::vector<std::string>* problems = nullptr);

struct OfflineProgress {
    int study = 0, studies = 0;  // 1-based index of the study being fetched, of how many
    std::string studyUid;
    RetrieveProgress retrieve;
};

struct OfflineReport {
    int studies = 0;        // held
    int alreadyWhole = 0;   // in the cache whole before
    int fetched = 0;        // retrieved whole now
    int incomplete = 0;     // still not whole (archive down, refused, cancelled)
    std::vector<std::string> problems;
    bool cancelled = false;
    std::vector<std::string> whole;  // studies cached whole at the end (before, or fetched now)
};

// Holds each study for `user` (until `untilMs`, 0: until released), then fetches what is not
// cached whole, one study at a time, through the one retrieve path. A study already held by the
// user is held again (its end renewed).
OfflineReport makeAvailableOffline(const AppConfig& config, const QString& cacheDir, const std::vector<OfflineStudy>& studies, const QString& user,
                                   std::int64_t untilMs, const std::function<void(const OfflineProgress&)>& progress = {},
                                   const std::atomic<bool>* cancel = nullptr);

// worklistStudies, then makeAvailableOffline; the prefetch tasks of those orders whose study is now
// cached whole are recorded done (the reading worklist then says "cached", and the service does
// not fetch them again).
Result<OfflineReport> makeWorklistAvailableOffline(const AppConfig& config, const QString& cacheDir, const PrefetchRules& rules, WorkQueue& queue,
                                                   const ReadingFilter& filter, const QString& user, std::int64_t untilMs,
                                                   const std::function<void(const OfflineProgress&)>& progress = {},
                                                   const std::atomic<bool>* cancel = nullptr);

}  // namespace lightbox::app
