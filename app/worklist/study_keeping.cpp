#include "study_keeping.h"

#include "network_service.h"
#include "prefetcher.h"

#include <QDateTime>

#include <algorithm>
#include <map>
#include <set>

namespace lightbox::app {

namespace {

std::string join(const std::vector<std::string>& parts, const char* sep)
{
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : sep) + p;
    return out;
}

OfflineStudy fromRow(const storage::StudyRow& row)
{
    OfflineStudy s;
    s.studyUid = row.studyUid;
    s.patientId = row.patientId;
    s.description = row.description;
    s.date = row.studyDate;
    s.modalities = join(row.modalities, "/");
    return s;
}

}  // namespace

std::string orderHolder(std::int64_t orderId) { return "order:" + std::to_string(orderId); }

Status holdForOrder(storage::Cache& cache, const StoredOrder& stored, const std::vector<PrefetchTask>& tasks)
{
    // Until the order is read, and no longer than kOrderHoldDays after its schedule (or after it
    // was received): planned again, the end stays where it was.
    const QDateTime from = stored.order.scheduled.isValid() ? stored.order.scheduled : QDateTime::fromMSecsSinceEpoch(stored.receivedAt);
    const std::int64_t until = from.addDays(kOrderHoldDays).toMSecsSinceEpoch();
    const std::string reason = "prefetched for " + (stored.order.accession.isEmpty() ? stored.order.key() : stored.order.accession).toStdString();
    storage::Transaction t(cache.database());
    if (!t.ok()) return t.error();
    for (const PrefetchTask& task : tasks) {
        if (task.state == PrefetchTask::State::Failed) continue;
        storage::HoldRow row;
        row.studyUid = task.studyUid.toStdString();
        row.holder = orderHolder(stored.id);
        row.reason = reason + " (" + task.kind.toStdString() + ")";
        row.patientId = stored.order.patientId.toStdString();
        row.createdBy = "prefetch";
        row.until = until;
        if (Status s = cache.holds().hold(row); !s) return s;
    }
    return t.commit();
}

int releaseFinishedOrderHolds(WorkQueue& queue, storage::Cache& cache)
{
    std::set<std::string> holders;
    for (const storage::HoldRow& h : cache.holds().holds())
        if (h.holder.rfind("order:", 0) == 0) holders.insert(h.holder);
    if (holders.empty()) return cache.holds().purgeExpired();
    ReadingListOptions options;
    options.includeClosed = true;
    // Only orders seen closed are released: an order the list does not show (the queue could not
    // be read) keeps its studies, until the hold's end at the latest.
    std::set<std::string> finished;
    for (const ReadingItem& item : buildReadingList(queue, cache.index(), options)) {
        if (item.orderId == 0) continue;
        if (item.status == ItemStatus::Read || item.status == ItemStatus::Reported || item.status == ItemStatus::Cancelled)
            finished.insert(orderHolder(item.orderId));
    }
    int released = cache.holds().purgeExpired();
    for (const std::string& holder : holders)
        if (finished.count(holder))
            if (auto n = cache.holds().release(holder)) released += *n;
    return released;
}

Result<std::vector<OfflineStudy>> patientStudies(const AppConfig& config, const QString& cacheDir, WorkQueue* queue, const QString& patientId,
                                                 const std::atomic<bool>* cancel)
{
    if (patientId.trimmed().isEmpty()) return makeError("offline", "a patient ID is needed");
    auto cache = storage::Cache::open(cacheDir.toStdString());
    if (!cache) return cache.error();
    std::vector<QString> ids{patientId};
    if (queue)
        for (const QString& merged : queue->mergedInto(patientId)) ids.push_back(merged);
    std::vector<OfflineStudy> out;
    std::map<std::string, std::size_t> byUid;
    const PatientSearch found = searchPatient(config, cacheDir, ids, cancel);
    if (found.anyArchive && !found.searched) return makeError("unreachable", "no archive could be searched: " + join(found.problems, "; "));
    for (const RemoteStudy& r : found.studies) {
        // The archive matched the ID as a pattern: keep the patient's own studies only.
        if (std::find(ids.begin(), ids.end(), QString::fromStdString(r.row.patientId)) == ids.end()) continue;
        OfflineStudy s = fromRow(r.row);
        s.patientId = patientId.toStdString();  // under a merged ID too: released with the patient
        s.archive = found.archiveOf.at(r.row.studyUid);
        s.archiveInstances = r.row.instanceCount;
        s.cachedInstances = r.cachedInstances;
        byUid.emplace(s.studyUid, out.size());
        out.push_back(std::move(s));
    }
    for (const QString& id : ids) {
        storage::StudyQuery query;
        query.patientId = id.toStdString();
        query.limit = 10000;
        auto local = (*cache)->index().searchStudies(query);
        if (!local) return local.error();
        for (const storage::StudyRow& row : *local) {
            if (row.patientId != id.toStdString()) continue;
            auto at = byUid.find(row.studyUid);
            if (at != byUid.end()) {
                out[at->second].cachedInstances = std::max(out[at->second].cachedInstances, row.instanceCount);
                continue;
            }
            OfflineStudy s = fromRow(row);
            s.patientId = patientId.toStdString();
            s.cachedInstances = row.instanceCount;
            byUid.emplace(s.studyUid, out.size());
            out.push_back(std::move(s));
        }
    }
    return out;
}

Result<std::vector<OfflineStudy>> worklistStudies(const AppConfig& config, const QString& cacheDir, const PrefetchRules& rules, WorkQueue& queue,
                                                  const ReadingFilter& filter, const std::atomic<bool>* cancel, std::vector<std::string>* said)
{
    auto cache = storage::Cache::open(cacheDir.toStdString());
    if (!cache) return cache.error();
    Prefetcher prefetcher(config, cacheDir, rules, queue);
    std::vector<OfflineStudy> out;
    std::set<std::string> seen;
    std::vector<std::string> problems;
    auto take = [&](const std::string& uid, const QString& archive, const std::string& patientId) {
        if (uid.empty() || !seen.insert(uid).second) return;
        OfflineStudy s;
        s.studyUid = uid;
        s.patientId = patientId;
        s.archive = archive;
        if (auto row = (*cache)->index().study(uid)) {
            const OfflineStudy local = fromRow(*row);
            s.description = local.description;
            s.date = local.date;
            s.modalities = local.modalities;
            s.cachedInstances = row->instanceCount;
        }
        out.push_back(std::move(s));
    };
    for (const ReadingItem& item : buildReadingList(queue, (*cache)->index())) {
        if (cancel && cancel->load()) break;
        if (!filter.matches(item) || item.status == ItemStatus::Read || item.status == ItemStatus::Reported ||
            item.status == ItemStatus::Cancelled)
            continue;
        if (item.orderId == 0) {
            take(item.studyUid.toStdString(), {}, item.patientId.toStdString());
            continue;
        }
        const auto stored = queue.order(item.orderId);
        if (!stored) continue;
        if (auto planned = prefetcher.plan(*stored, cancel); !planned)
            problems.push_back((item.key + ": ").toStdString() + planned.error().message);
        for (const PrefetchTask& task : queue.tasks(item.orderId))
            take(task.studyUid.toStdString(), task.archive, item.patientId.toStdString());
        // The ordered study the cache holds already (pushed by the modality, not on an archive).
        take(item.studyUid.toStdString(), {}, item.patientId.toStdString());
    }
    if (out.empty() && !problems.empty()) return makeError("unreachable", join(problems, "; "));
    if (said) *said = problems;
    return out;
}

OfflineReport makeAvailableOffline(const AppConfig& config, const QString& cacheDir, const std::vector<OfflineStudy>& studies, const QString& user,
                                   std::int64_t untilMs, const std::function<void(const OfflineProgress&)>& progress,
                                   const std::atomic<bool>* cancel)
{
    OfflineReport report;
    auto cache = storage::Cache::open(cacheDir.toStdString());
    if (!cache) {
        report.problems.push_back(cache.error().message);
        return report;
    }
    {
        // Every hold first, in one transaction: what arrives is kept from its first instance.
        storage::Transaction t((*cache)->database());
        if (!t.ok()) {
            report.problems.push_back(t.error().message);
            return report;
        }
        for (const OfflineStudy& s : studies) {
            storage::HoldRow row{s.studyUid, kOfflineHolder, "made available offline by " + user.toStdString(), s.patientId, user.toStdString(), 0, untilMs};
            if (Status st = (*cache)->holds().hold(row); !st) {
                report.problems.push_back(st.error().message);
                return report;
            }
        }
        if (Status st = t.commit(); !st) {
            report.problems.push_back(st.error().message);
            return report;
        }
        report.studies = int(studies.size());
    }
    int index = 0;
    for (const OfflineStudy& s : studies) {
        ++index;
        if (s.whole()) {
            ++report.alreadyWhole;
            report.whole.push_back(s.studyUid);
            continue;
        }
        if (s.archive.isEmpty()) {
            report.problems.push_back(s.studyUid + ": not cached, and on no archive that answered");
            ++report.incomplete;
            continue;
        }
        if (cancel && cancel->load()) {
            report.cancelled = true;
            ++report.incomplete;
            continue;
        }
        const ArchiveEntry* archive = config.find(s.archive);
        if (!archive) {
            report.problems.push_back(s.studyUid + ": archive " + s.archive.toStdString() + " is no longer configured");
            ++report.incomplete;
            continue;
        }
        RetrieveSpec spec;
        spec.archive = *archive;
        spec.local = config.local;
        spec.cacheDir = cacheDir;
        spec.studyUid = s.studyUid;
        spec.method = NetworkService::defaultMethod(*archive);
        const RetrieveReport r = retrieve(
            spec, [&](const RetrieveProgress& p) { if (progress) progress({index, int(studies.size()), s.studyUid, p}); }, cancel);
        if (r.cancelled) report.cancelled = true;
        if (r.complete()) report.whole.push_back(s.studyUid);
        if (r.complete() && r.alreadyCached == r.expected) ++report.alreadyWhole;
        else if (r.complete()) ++report.fetched;
        else {
            ++report.incomplete;
            for (const std::string& e : r.errors) report.problems.push_back(s.studyUid + ": " + e);
            if (r.errors.empty() && !r.cancelled) report.problems.push_back(s.studyUid + ": " + std::to_string(r.missingCount()) + " instances missing");
        }
    }
    return report;
}

Result<OfflineReport> makeWorklistAvailableOffline(const AppConfig& config, const QString& cacheDir, const PrefetchRules& rules, WorkQueue& queue,
                                                   const ReadingFilter& filter, const QString& user, std::int64_t untilMs,
                                                   const std::function<void(const OfflineProgress&)>& progress, const std::atomic<bool>* cancel)
{
    std::vector<std::string> planning;
    auto studies = worklistStudies(config, cacheDir, rules, queue, filter, cancel, &planning);
    if (!studies) return studies.error();
    if (studies->empty()) return makeError("nothing", "nothing to make available offline: no study found");
    OfflineReport report = makeAvailableOffline(config, cacheDir, *studies, user, untilMs, progress, cancel);
    report.problems.insert(report.problems.begin(), planning.begin(), planning.end());
    const std::set<std::string> whole(report.whole.begin(), report.whole.end());
    for (const PrefetchTask& t : queue.tasks())
        if (t.state == PrefetchTask::State::Queued && whole.count(t.studyUid.toStdString()))
            queue.finish(t.id, PrefetchTask::State::Done, {}, t.instances);
    return report;
}

}  // namespace lightbox::app
