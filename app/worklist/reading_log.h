#pragma once
// Where each item of the reading worklist stands for the readers: who it is assigned to, who is
// reading it ("in progress"), and whether it was read or reported; every change is also kept as
// an event (item, what, who, when) for turnaround and workload figures. Kept in the work queue's
// file (<cache>/worklist.sqlite, sealed with the cache), so it survives restarts like the orders.
//
// An item is an order ("order:ID") or a study that arrived without one ("study:UID").
#include "work_queue.h"

#include <QString>

#include <cstdint>
#include <map>
#include <vector>

namespace lightbox::app {

enum class ReadingState { None, InProgress, Read, Reported };
QString readingStateName(ReadingState s);  // "", "in progress", "read", "reported"
std::optional<ReadingState> readingStateFrom(const QString& name);

struct ReadingRecord {
    QString itemKey, studyUid;
    ReadingState state = ReadingState::None;
    QString user;               // who set the state
    std::int64_t at = 0;        // when (ms since the epoch)
    QString assignedTo;         // the radiologist it is assigned to ("": anyone)
    std::int64_t firstOpenedAt = 0;
};

struct ReadingEvent {
    QString itemKey, studyUid, event, user;  // event: "assigned", "unassigned", "in progress", "read", "reported", "reopened"
    std::int64_t at = 0;
};

QString orderItemKey(std::int64_t orderId);
QString studyItemKey(const QString& studyUid);

class ReadingLog {
public:
    explicit ReadingLog(WorkQueue& queue) : m_queue(queue) {}

    std::map<QString, ReadingRecord> records();
    std::optional<ReadingRecord> record(const QString& itemKey);
    // Sets the state by `user` (None: back to the list, "reopened"). Opening an item that another
    // reader has in progress is allowed (the caller warns); the item then is this reader's.
    Status setState(const QString& itemKey, const QString& studyUid, ReadingState state, const QString& user, std::int64_t atMs = 0);
    // Marks the item in progress by `user` unless another reader has it in progress or it was
    // read already (then false, nothing changed): two readers asking for the next study at once
    // never get the same one.
    Result<bool> claim(const QString& itemKey, const QString& studyUid, const QString& user);
    // Assigns to `user` ("" to nobody), by `by`.
    Status assign(const QString& itemKey, const QString& studyUid, const QString& user, const QString& by, std::int64_t atMs = 0);
    std::vector<ReadingEvent> events(std::int64_t sinceMs = 0);

private:
    WorkQueue& m_queue;
};

}  // namespace lightbox::app
