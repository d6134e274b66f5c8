#pragma once
// The reading worklist: the orders of the work queue and the studies that arrived without one,
// each with where it stands for the reader —
//   scheduled   ordered, its study not here yet
//   arriving    its study partly here, or being fetched
//   cached      its study whole in the cache, nobody reading it
//   in progress a radiologist opened it from the list
//   read        read, no report yet
//   reported    the report is signed
// — its priority, its assignment, and the filters and "next study" choice the GUI and
// `lightbox worklist` share. No widgets; reads the cache's index and the queue's file.
#include "reading_log.h"
#include "work_queue.h"

#include <QDateTime>
#include <QString>

#include <optional>
#include <vector>

namespace lightbox::storage {
class StudyIndex;
}

namespace lightbox::app {

enum class ItemStatus { Scheduled, Arriving, Cached, InProgress, Read, Reported, Cancelled };
QString itemStatusName(ItemStatus s);
std::optional<ItemStatus> itemStatusFrom(const QString& name);

struct ReadingItem {
    QString key;               // orderItemKey / studyItemKey
    std::int64_t orderId = 0;  // 0: a study that arrived without an order
    QString studyUid;          // the current study (as ordered, or as found in the cache)
    QString accession, patientId, patientName, modality, procedure, priority;
    QString sender, placer, birthDate;  // of the order (empty for a study without one)
    QDateTime scheduled;       // the order's (invalid: none)
    QDateTime arrived;         // when its study reached the cache (invalid: not yet)
    ItemStatus status = ItemStatus::Scheduled;
    QString assignedTo;        // "": anyone
    QString readingUser;       // who set the reading state (in progress, read, reported)
    int cachedInstances = 0;
    int priorsCached = 0, priorsPlanned = 0;
};

// 0 STAT, 1 ASAP, 2 urgent/high, 3 routine/medium (or none), 4 low: the order to read in.
int priorityRank(const QString& priority);

struct ReadingListOptions {
    bool includeClosed = false;     // cancelled orders and reported items too
    int arrivedWithinHours = 24;    // studies without an order: arrived this recently...
    int studyWithinDays = 2;        // ...and acquired this recently (not an old prior someone fetched)
    QDateTime now = QDateTime::currentDateTime();
};

// Items in reading order: priority, then schedule (or arrival), then order number.
std::vector<ReadingItem> buildReadingList(WorkQueue& queue, storage::StudyIndex& index, const ReadingListOptions& options = {});

struct ReadingFilter {
    std::vector<ItemStatus> statuses;  // empty: any
    QString modality;                  // "": any
    QString mineFor;                   // a user: only items assigned to them or to nobody
    QString text;                      // in the patient's name or ID, the accession or the procedure
    bool matches(const ReadingItem& item) const;
};

// The next study for `user` to read: cached, not read, not in progress by someone else, assigned
// to them or to nobody, first in reading order among those `filter` lets through.
std::optional<ReadingItem> nextStudy(const std::vector<ReadingItem>& items, const QString& user, const ReadingFilter& filter = {});

// nextStudy, then marks it in progress by `user` (ReadingLog::claim); when another reader took it
// meanwhile, the following one. Nothing (no error) when there is nothing to read.
Result<std::optional<ReadingItem>> claimNextStudy(WorkQueue& queue, storage::StudyIndex& index, const QString& user, const ReadingFilter& filter = {});

}  // namespace lightbox::app
