#pragma once
// What Lightbox must send to an archive (results, reports, routed and sent studies), kept on the
// disk until the archive has it: <cache>/outbox.sqlite, beside the work queue and made the same
// way (durable_file.h: 0600, sealed with the cache's key when the cache is encrypted, every commit
// on the disk). One row per cached instance and archive; it survives restarts and SIGKILL.
//
// Exactly once. An item is marked "sending", with the process that sends it, in a committed
// transaction before its C-STORE (or STOW-RS) starts, and "sent" once the archive said it stored
// it. Whenever the outcome of a send is unknown (an item found "sending" whose process is gone, an
// association lost or an HTTP request broken after the data may have gone), the item is marked
// to be checked: before it is sent again, the archive is asked whether it holds that SOP Instance
// UID (C-FIND at image level, or QIDO-RS when the archive has DICOMweb only); when it does, the
// item is marked sent without sending it ("found at the archive"). A send that never reached the
// archive (no association) changes nothing of that mark. So an archive that stores what it is sent
// and answers queries about it receives each object once.
//
// Back-off: after a failed attempt an item waits 30 s, 1, 2, 4... minutes (by its attempts, at
// most 32 min). When an archive cannot be reached (or its connection breaks), every item queued
// for it waits as long (the archive is not called once per item). An archive that answers but refuses an item 5 times
// leaves it "failed" (shown by `lightbox queue`, sent again on `lightbox queue retry`); an archive
// that cannot be reached is tried for ever.
//
// Spool: copies made only to be sent (routing's de-identified copies) live in
// <cache>/outbox-spool/ (outboxSpool()); the outbox removes such an item's file once the item is
// sent or cancelled (a failed item keeps it, to be retried).
//
// Reachability: the outcome of the last contact with each archive (last reached, last failure
// and its reason), for `lightbox queue` and the GUI's banner.
#include "result.h"
#include "sqlite_db.h"
#include "study_leases.h"

#include <QString>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace lightbox::app {

struct OutboxItem {
    std::int64_t id = 0;
    QString sopUid, studyUid, seriesUid;
    QString file;     // the instance's file in the cache
    QString archive;  // the destination, by its name in the settings
    QString origin;   // why it is sent: "send", "route", "result"...
    bool stow = false;  // STOW-RS rather than C-STORE
    enum class State { Queued, Sending, Sent, Failed, Cancelled } state = State::Queued;
    int attempts = 0;
    bool check = false;  // the outcome of an earlier attempt is unknown: ask the archive first
    // ms since the epoch; lastTry: when it was last claimed, or when its last attempt failed
    std::int64_t notBefore = 0, lastTry = 0, createdAt = 0, doneAt = 0;
    QString lastError;
    QString note;  // how it ended ("found at the archive: not sent again")
};
QString stateName(OutboxItem::State s);

// The folder of copies made only to be sent: <cacheDir>/outbox-spool.
QString outboxSpool(const QString& cacheDir);

struct ArchiveContact {
    QString archive;
    std::int64_t lastReached = 0, lastFailure = 0;  // ms since the epoch, 0: never
    QString lastError;
    bool reachable() const { return lastReached > 0 && lastReached >= lastFailure; }
};

// What became of an attempt, for retryLater().
enum class Attempt {
    Unreachable,  // no association (or connection): nothing went; the archive waits as a whole
    Refused,      // the archive answered and did not store it; counts towards "failed"
    Unknown,      // the data may have gone: the archive is asked before the next attempt; the
                  // archive waits as a whole
};

class Outbox {
public:
    static Result<std::unique_ptr<Outbox>> open(const QString& cacheDir);

    // Queues items (id, state and times are ignored) in one transaction; an instance already
    // waiting for the same archive is not queued twice. Returns how many were added.
    Result<int> add(const std::vector<OutboxItem>& items);
    // The next item due (queued, its time come), by archive (empty: any), oldest first, marked
    // "sending" by `owner` and committed before it is returned.
    std::optional<OutboxItem> claimNext(const QString& archive = {},
                                        const storage::ProcessIdentity& owner = storage::ProcessIdentity::self());
    Status markSent(std::int64_t id, const QString& note = {});
    // Back to the queue untouched (cancelled before anything went).
    Status release(std::int64_t id);
    Status retryLater(std::int64_t id, Attempt what, const QString& error);
    Status markFailed(std::int64_t id, const QString& error);
    // Items left "sending" by a process that is gone go back to the queue, to be checked first,
    // not before 30 s after they were claimed (the archive may still be storing what it got).
    int requeueAbandoned();

    // Waiting items (queued, sending, failed), or every item with `all`, oldest first.
    std::vector<OutboxItem> items(bool all = false);
    // Due now (one item, or with id 0 every queued or failed one, including those left by a
    // process that is gone). Returns how many.
    Result<int> retryNow(std::int64_t id);
    // A waiting item is not sent (a "sending" one only when its process is gone).
    Status cancel(std::int64_t id);

    Status recordContact(const QString& archive, bool reached, const QString& error = {});
    std::vector<ArchiveContact> contacts();

private:
    Outbox(storage::Database db, QString spool) : m_db(std::move(db)), m_spool(std::move(spool)) {}
    void dropSpooled(std::int64_t id);  // the item's file, when it is a spool copy
    storage::Database m_db;
    QString m_spool;
};

}  // namespace lightbox::app
