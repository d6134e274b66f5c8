#include "transfer_tasks.h"

#include "outbox_delivery.h"
#include "prefetch_rules.h"
#include "study_keeping.h"

#include <QCoreApplication>
#include <QDateTime>

#include <algorithm>

namespace lightbox::app {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("TransferTasks", text); }

// How a making-available-offline ended, for the Transfers panel.
TaskOutcome outcomeOf(const OfflineReport& r)
{
    const int whole = r.alreadyWhole + r.fetched;
    const int total = r.studies;
    if (r.studies == 0) return {false, QString::fromStdString(r.problems.empty() ? std::string("nothing held") : r.problems.front()), 0, 0};
    QString status = tr("%1 of %2 studies kept offline (%3 fetched now)").arg(whole).arg(total).arg(r.fetched);
    if (r.incomplete > 0) status += tr("; %1 incomplete: %2").arg(r.incomplete).arg(r.problems.empty() ? tr("cancelled") : QString::fromStdString(r.problems.front()));
    return {r.incomplete == 0, status, whole, total};
}

// Holds and fetches `studies`, with the progress in studies (and the current one's instances).
TaskOutcome keep(const AppConfig& config, const QString& cacheDir, const std::vector<OfflineStudy>& studies, const QString& user,
                 const TaskProgress& progress, const std::atomic<bool>& cancel)
{
    if (studies.empty()) return {false, tr("no study found to keep offline"), 0, 0};
    const int total = int(studies.size());
    const OfflineReport r = makeAvailableOffline(config, cacheDir, studies, user, 0, [&](const OfflineProgress& p) {
        progress(p.study - 1, total, tr("study %1 of %2: %3 %4/%5").arg(p.study).arg(total).arg(p.retrieve.stage).arg(p.retrieve.done).arg(p.retrieve.total));
    }, &cancel);
    return outcomeOf(r);
}

}  // namespace

TaskFn offlinePatientTask(AppConfig config, QString cacheDir, QString patientId, QString user)
{
    return [=](const TaskProgress& progress, const std::atomic<bool>& cancel, const std::atomic<bool>& byUser) -> TaskOutcome {
        progress(0, 0, tr("searching the archives"));
        auto queue = WorkQueue::open(cacheDir);  // the IDs merged into the patient's
        auto studies = patientStudies(config, cacheDir, queue ? queue->get() : nullptr, patientId, &cancel);
        if (!studies) return {false, QString::fromStdString(studies.error().message), 0, 0};
        return keep(config, cacheDir, *studies, user, progress, cancel);
    };
}

TaskFn offlineStudyTask(AppConfig config, QString cacheDir, QString studyUid, QString patientId, QString user)
{
    return [=](const TaskProgress& progress, const std::atomic<bool>& cancel, const std::atomic<bool>& byUser) -> TaskOutcome {
        // A cached study: held as it is (nothing to fetch).
        OfflineStudy s;
        s.studyUid = studyUid.toStdString();
        s.patientId = patientId.toStdString();
        return keep(config, cacheDir, {s}, user, progress, cancel);
    };
}

TaskFn offlineWorklistTask(AppConfig config, QString cacheDir, ReadingFilter filter, QString user)
{
    return [=](const TaskProgress& progress, const std::atomic<bool>& cancel, const std::atomic<bool>& byUser) -> TaskOutcome {
        progress(0, 0, tr("choosing the studies"));
        auto rules = PrefetchRules::load(PrefetchRules::defaultPath());
        if (!rules) return {false, QString::fromStdString(rules.error().message), 0, 0};
        auto queue = WorkQueue::open(cacheDir);
        if (!queue) return {false, QString::fromStdString(queue.error().message), 0, 0};
        auto r = makeWorklistAvailableOffline(config, cacheDir, *rules, **queue, filter, user, 0, [&](const OfflineProgress& p) {
            progress(p.study - 1, p.studies, tr("study %1 of %2: %3 %4/%5").arg(p.study).arg(p.studies).arg(p.retrieve.stage).arg(p.retrieve.done).arg(p.retrieve.total));
        }, &cancel);
        if (!r) return {false, QString::fromStdString(r.error().message), 0, 0};
        return outcomeOf(*r);
    };
}

TaskFn outboxSendTask(AppConfig config, QString cacheDir, QString archiveName, QString studyUid, bool stow)
{
    return [=](const TaskProgress& progress, const std::atomic<bool>& cancel, const std::atomic<bool>& byUser) -> TaskOutcome {
        const ArchiveEntry* archive = config.find(archiveName);
        if (!archive) return {false, tr("no archive named %1").arg(archiveName), 0, 0};
        auto box = Outbox::open(cacheDir);
        if (!box) return {false, QString::fromStdString(box.error().message), 0, 0};
        const std::int64_t start = QDateTime::currentMSecsSinceEpoch();
        auto queued = queueStudy(**box, cacheDir, *archive, studyUid.toStdString(), stow, "send");
        if (!queued) return {false, QString::fromStdString(queued.error().message), 0, 0};
        progress(0, *queued, tr("queued in the outbox"));
        deliverDue(**box, config, cacheDir, archiveName, &cancel, {}, [&](const DeliveryRound& sofar) {
            progress(std::min(sofar.sent + sofar.foundThere, *queued), *queued, tr("sending"));
        });
        // The user cancelled: what has not gone is taken out of the outbox. Lightbox closing
        // leaves it there, for `lightbox service` or the next send.
        if (byUser.load())
            for (const OutboxItem& i : (*box)->items())
                if (i.archive == archiveName && i.studyUid == studyUid && i.state == OutboxItem::State::Queued) (*box)->cancel(i.id);
        // This study's items for the archive: sent by this send, still waiting, or refused now.
        int sent = 0, waiting = 0, failed = 0;
        QString why;
        for (const OutboxItem& i : (*box)->items(true)) {
            if (i.archive != archiveName || i.studyUid != studyUid) continue;
            if (i.state == OutboxItem::State::Sent && i.doneAt >= start) ++sent;
            else if (i.state == OutboxItem::State::Queued || i.state == OutboxItem::State::Sending) ++waiting, why = why.isEmpty() ? i.lastError : why;
            else if (i.state == OutboxItem::State::Failed && i.lastTry >= start) ++failed, why = i.lastError;
        }
        const int total = sent + waiting + failed;
        if (byUser.load()) return {false, tr("cancelled: %1 sent, the rest taken out of the outbox").arg(sent), sent, total};
        if (failed > 0) return {false, tr("%1 of %2 sent; %3 refused: %4").arg(sent).arg(total).arg(failed).arg(why), sent, total};
        if (waiting > 0)
            return {false,
                    tr("%1 of %2 sent; %3 wait in the outbox (%4): lightbox service delivers them when the archive is back, or Retry here")
                        .arg(sent)
                        .arg(total)
                        .arg(waiting)
                        .arg(why),
                    sent, total};
        return {true, tr("sent %1 instances (exactly once, through the outbox)").arg(sent), sent, total};
    };
}

}  // namespace lightbox::app
