#pragma once
// The reading work that survives restarts: orders (from HL7 or worklists), the HL7 messages
// already processed (by sender and MSH-10, so a message sent again is acknowledged, not processed
// twice), patient merges, and prefetch tasks (one per order and study, never two: "never twice").
// A SQLite file beside the cache's index (<cache>/worklist.sqlite), encrypted with the cache's key
// when the cache is, written with synchronous=FULL: an order is acknowledged to its sender only
// once it is on the disk, so a killed process loses nothing it said yes to.
// A task being fetched names the process that runs it; when that process is gone (killed), the
// task goes back to the queue.
#include "order.h"

#include "result.h"
#include "sqlite_db.h"

#include <QString>

#include <cstdint>

#include <memory>
#include <optional>
#include <vector>

namespace lightbox::app {

struct StoredOrder {
    std::int64_t id = 0;
    Order order;
    std::int64_t receivedAt = 0, updatedAt = 0, plannedAt = 0;  // ms since the epoch; plannedAt 0: never
};

struct PrefetchTask {
    std::int64_t id = 0, orderId = 0;
    QString kind;  // "current" or "prior"
    QString studyUid, archive, reason;
    int rank = 0;
    enum class State { Queued, Running, Done, Failed, Skipped } state = State::Queued;
    int attempts = 0, instances = 0;
    QString lastError;
    std::int64_t finishedAt = 0;
    std::int64_t notBefore = 0;  // ms since the epoch: not tried again before (0: at once)
};
QString stateName(PrefetchTask::State s);

class WorkQueue {
public:
    // Opens (creating) the queue of the cache in `cacheDir` (which must be open already: its key
    // is the one unlocked for it).
    static Result<std::unique_ptr<WorkQueue>> open(const QString& cacheDir);

    // Whether the sender's message with this control ID was processed already.
    Result<bool> seen(const QString& sender, const QString& controlId);
    // Records an order (new, or an update of the one with the same sender and key) together with
    // the message it came in, in one transaction. Returns the order's id.
    Result<std::int64_t> recordOrder(const Order& order, const QString& controlId);
    // Records a message that changed no order (e.g. a merge of a patient with no orders here).
    Status recordMessage(const QString& sender, const QString& controlId);
    // ADT^A40: orders of patient `priorId` now belong to `survivingId`; remembered so that searches
    // for priors ask for both. A patient is an ID within its assigning authority (issuer): an
    // order recorded with another issuer is another patient (an empty issuer matches any).
    // Returns how many orders moved.
    Result<int> mergePatient(const QString& sender, const QString& controlId, const QString& priorId, const QString& priorIssuer,
                             const QString& survivingId, const QString& survivingIssuer);
    // Several merges of one message (ADT^A40 with several PID/MRG pairs), in one transaction.
    struct Merge {
        QString priorId, priorIssuer, survivingId, survivingIssuer;
    };
    Result<int> mergePatients(const QString& sender, const QString& controlId, const std::vector<Merge>& merges);
    // ADT^A08: new demographics for the open orders of a patient (ID and issuer, as above).
    Result<int> updatePatient(const QString& sender, const QString& controlId, const Order& demographics);
    // Patient IDs merged into `patientId` (to search priors under them too).
    std::vector<QString> mergedInto(const QString& patientId);

    std::vector<StoredOrder> orders(bool openOnly = false);
    std::optional<StoredOrder> order(std::int64_t id);
    // The order a sender knows by `key` (Order::key()), if recorded.
    std::optional<StoredOrder> order(const QString& sender, const QString& key);
    Status markPlanned(std::int64_t orderId);

    // Adds a task unless the order has one for that study (never twice). True when added.
    Result<bool> addTask(const PrefetchTask& task);
    // The next queued task (current studies first, then by the order's schedule and rank), marked
    // running by this process.
    std::optional<PrefetchTask> claimNext();
    // A running task's owner is still at it (for processes on other machines sharing the cache).
    Status heartbeat(std::int64_t taskId);
    Status finish(std::int64_t taskId, PrefetchTask::State state, const QString& error, int instances);
    // Back to the queue, not before 1, 2, 4... minutes (by its attempts); `countAttempt` false for
    // a run that was only cancelled.
    Status retryLater(std::int64_t taskId, const QString& error, int instances, bool countAttempt = true);
    // A failed task queued again at once, with its attempts counted afresh (a person asked for it).
    // An error when the task is not failed (it is queued, running or done already).
    Status retryFailed(std::int64_t taskId);
    std::vector<PrefetchTask> tasks(std::int64_t orderId = 0);
    // Tasks left running by a process that is gone go back to the queue. Returns how many.
    int requeueAbandoned();

    // The file's database, for the stores kept beside the queue (reading_log.h); the schema of
    // all of them is migrated here.
    storage::Database& database() { return m_db; }

private:
    explicit WorkQueue(storage::Database db) : m_db(std::move(db)) {}
    storage::Database m_db;
};

}  // namespace lightbox::app
