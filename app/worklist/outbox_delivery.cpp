#include "outbox_delivery.h"

#include "archive_listing.h"
#include "archive_ops.h"
#include "audit_facts.h"
#include "cache.h"

#include <QFileInfo>

#include <map>
#include <utility>

namespace lightbox::app {

Result<int> queueStudy(Outbox& outbox, const QString& cacheDir, const ArchiveEntry& archive, const std::string& studyUid, bool stow,
                       const QString& origin)
{
    const auto auditor = security::currentAuditor();
    if (auditor)
        if (Status allowed = auditor->require(security::Permission::ExportIdentified, "send study " + studyUid + " to " + archive.name.toStdString()); !allowed)
            return allowed.error();
    auto cache = storage::Cache::open(cacheDir.toStdString());
    if (!cache) return cache.error();
    std::vector<OutboxItem> items;
    for (const auto& [path, row] : (*cache)->studyFiles(studyUid)) {
        OutboxItem i;
        i.sopUid = QString::fromStdString(row.sopInstanceUid);
        i.studyUid = QString::fromStdString(row.studyUid);
        i.seriesUid = QString::fromStdString(row.seriesUid);
        i.file = QString::fromStdString(path);
        i.archive = archive.name;
        i.origin = origin;
        i.stow = stow;
        items.push_back(i);
    }
    if (items.empty()) return makeError("not-cached", "the study is not in the cache");
    auto added = outbox.add(items);
    if (added && auditor) auditor->transferStarted(true, peerFacts(archive), cachedStudyFacts(cacheDir, studyUid));
    return added;
}

namespace {

// What one send of one instance came to.
struct Outcome {
    bool stored = false;
    Attempt attempt = Attempt::Unreachable;
    QString error;
};

Outcome sendOne(const ArchiveEntry& archive, const LocalNode& local, const OutboxItem& item, const std::atomic<bool>* stop)
{
    const SendReport r = sendFileList(archive, local, {item.file.toStdString()}, item.stow, {}, stop);
    Outcome o;
    if (r.sent == 1) {
        o.stored = true;
        return o;
    }
    if (!r.error.isEmpty()) {
        o.error = r.error;
        // By DIMSE an error here means no association: nothing went. A broken HTTP request may
        // have delivered the data before it broke.
        o.attempt = item.stow || !archive.hasDimse() ? Attempt::Unknown : Attempt::Unreachable;
        return o;
    }
    o.error = r.failed.empty() ? QString("interrupted") : QString::fromStdString(r.failed.front());
    // The archive answered with a failure status, or the file could not be offered: nothing was
    // stored. A C-STORE that broke (lost connection, no answer) may have stored it.
    const bool broke = !r.failed.empty() && r.failed.front().find(": C-STORE") != std::string::npos;
    o.attempt = r.cancelled && r.failed.empty() ? Attempt::Unreachable : broke ? Attempt::Unknown : Attempt::Refused;
    return o;
}

}  // namespace

DeliveryRound deliverDue(Outbox& outbox, const AppConfig& config, const QString& cacheDir, const QString& only, const std::atomic<bool>* stop,
                         const std::function<void(const QString&)>& report, const std::function<void(const DeliveryRound&)>& progress)
{
    auto say = [&](const QString& line) {
        if (report) report(line);
    };
    DeliveryRound round;
    outbox.requeueAbandoned();
    std::map<std::pair<QString, QString>, int> delivered;  // (archive, study) -> instances
    bool first = true;
    while (!(stop && stop->load())) {
        if (!first && progress) progress(round);
        first = false;
        std::optional<OutboxItem> item = outbox.claimNext(only);
        if (!item) break;
        const ArchiveEntry* archive = config.find(item->archive);
        if (!archive) {
            outbox.markFailed(item->id, "archive " + item->archive + " is no longer in the settings");
            ++round.failed;
            continue;
        }
        if (item->check) {
            // The outcome of an earlier attempt is unknown: does the archive hold it already?
            auto holds = archiveHolds(*archive, config.local, item->studyUid.toStdString(), item->seriesUid.toStdString(), item->sopUid.toStdString(),
                                      item->stow, stop);
            if (!holds) {
                const QString why = QString::fromStdString(holds.error().message);
                outbox.recordContact(archive->name, false, why);
                if (stop && stop->load()) outbox.release(item->id);
                else outbox.retryLater(item->id, Attempt::Unreachable, "asking whether " + archive->name + " holds it: " + why);
                ++round.retrying;
                continue;
            }
            outbox.recordContact(archive->name, true);
            if (*holds) {
                outbox.markSent(item->id, "found at the archive: not sent again");
                ++round.foundThere;
                continue;
            }
        }
        if (!QFileInfo::exists(item->file)) {
            outbox.markFailed(item->id, "no longer in the cache");
            ++round.failed;
            say("outbox: " + item->sopUid + " is no longer in the cache: not sent");
            continue;
        }
        const Outcome o = sendOne(*archive, config.local, *item, stop);
        if (o.stored) {
            outbox.markSent(item->id);
            outbox.recordContact(archive->name, true);
            ++round.sent;
            ++delivered[{archive->name, item->studyUid}];
            continue;
        }
        if (stop && stop->load() && o.attempt == Attempt::Unreachable) {
            outbox.release(item->id);
            break;
        }
        outbox.recordContact(archive->name, o.attempt == Attempt::Refused, o.error);
        outbox.retryLater(item->id, o.attempt, o.error);
        ++round.retrying;
        say("outbox: " + archive->name + ": " + o.error);
    }
    if (const auto auditor = security::currentAuditor())
        for (const auto& [key, count] : delivered)
            if (const ArchiveEntry* archive = config.find(key.first))
                auditor->transferred(true, peerFacts(*archive), cachedStudyFacts(cacheDir, key.second.toStdString()), Done{});
    return round;
}

}  // namespace lightbox::app
