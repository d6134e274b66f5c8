#include "prefetcher.h"

#include "archive_listing.h"
#include "network_service.h"
#include "study_keeping.h"

#include <QDateTime>

#include <algorithm>
#include <map>

namespace lightbox::app {

namespace {

constexpr int kAttempts = 5;

bool searchable(const ArchiveEntry& a) { return a.callable() || a.hasWeb(); }

// Body parts are asked of the archive (series level) for at most this many studies per order.
constexpr int kBodyPartLookups = 12;

}  // namespace

ProcedureCodes Prefetcher::knownProcedures(const PrefetchRule& rule)
{
    // The procedure codes the RIS gave for studies it ordered (the archive's study-level answer
    // does not carry them).
    ProcedureCodes out;
    if (!rule.relatedProcedure) return out;
    for (const StoredOrder& o : m_queue.orders())
        if (!o.order.studyUid.isEmpty() && !o.order.procedureCode.isEmpty()) out[o.order.studyUid.toStdString()] << o.order.procedureCode;
    return out;
}

void Prefetcher::describeBodyParts(const Order& order, const PrefetchRule& rule, std::vector<RemoteStudy>& candidates,
                                   const std::map<std::string, QString>& archiveOf, const ProcedureCodes& procedures, const std::atomic<bool>* cancel)
{
    const std::vector<std::string> wanted = studiesNeedingBodyParts(order, rule, candidates, procedures, kBodyPartLookups);
    for (RemoteStudy& s : candidates) {
        if (std::find(wanted.begin(), wanted.end(), s.row.studyUid) == wanted.end()) continue;
        const auto from = archiveOf.find(s.row.studyUid);
        const ArchiveEntry* archive = from == archiveOf.end() ? nullptr : m_config.find(from->second);
        if (!archive) continue;
        auto parts = seriesBodyParts(*archive, m_config.local, s.row.studyUid, cancel);
        if (!parts) continue;  // unknown: the study is not excluded for it
        std::string text = s.row.bodyParts;
        for (const std::string& p : *parts) text += (text.empty() ? "" : "\\") + p;
        s.row.bodyParts = text;
    }
}

PatientSearch searchPatient(const AppConfig& config, const QString& cacheDir, const std::vector<QString>& ids, const std::atomic<bool>* cancel)
{
    PatientSearch out;
    for (const ArchiveEntry& archive : config.archives) {
        if (!searchable(archive)) continue;
        out.anyArchive = true;
        for (const QString& id : ids) {
            storage::StudyQuery query;
            query.patientId = id.toStdString();
            query.limit = 1000;
            auto found = findRemoteStudies(archive, config.local, query, cacheDir, cancel);
            if (!found) {
                out.problems.push_back(archive.name.toStdString() + ": " + found.error().message);
                continue;
            }
            out.searched = true;
            for (RemoteStudy& s : *found)
                if (out.archiveOf.emplace(s.row.studyUid, archive.name).second) out.studies.push_back(std::move(s));
        }
    }
    return out;
}

Result<int> Prefetcher::plan(const StoredOrder& stored, const std::atomic<bool>* cancel)
{
    const Order& order = stored.order;
    const PrefetchRule* rule = m_rules.ruleFor(order);
    if (!rule) return 0;
    // The patient's studies on every archive, under the order's patient ID and the IDs merged
    // into it; the first archive that lists a study is the one it is fetched from.
    std::vector<QString> ids{order.patientId};
    for (const QString& merged : m_queue.mergedInto(order.patientId)) ids.push_back(merged);
    PatientSearch found = searchPatient(m_config, m_cacheDir, ids, cancel);
    if (!found.searched) {
        std::string why;
        for (const std::string& p : found.problems) why += (why.empty() ? "" : "; ") + p;
        return makeError("unreachable", why.empty() ? "no archive to search" : why);
    }
    // A merged ID's studies are the patient's: compared under the surviving ID.
    std::vector<RemoteStudy>& candidates = found.studies;
    for (RemoteStudy& c : candidates) c.row.patientId = order.patientId.toStdString();
    std::map<std::string, QString>& archiveOf = found.archiveOf;
    const ProcedureCodes procedures = knownProcedures(*rule);
    if (rule->sameBodyPart) describeBodyParts(order, *rule, candidates, archiveOf, procedures, cancel);
    int added = 0;
    for (const PrefetchChoice& c : choosePrefetch(order, *rule, candidates, procedures)) {
        PrefetchTask t;
        t.orderId = stored.id;
        t.kind = c.kind == PrefetchChoice::Kind::Current ? "current" : "prior";
        t.studyUid = QString::fromStdString(c.studyUid);
        t.archive = archiveOf[c.studyUid];
        t.reason = QString::fromStdString(c.reason);
        t.rank = c.rank;
        t.state = c.cached ? PrefetchTask::State::Skipped : PrefetchTask::State::Queued;
        auto ok = m_queue.addTask(t);
        if (!ok) return ok.error();
        added += *ok;
    }
    // What was chosen stays in the cache until the order is read (study_keeping.h).
    if (!m_cache) {
        auto cache = storage::Cache::open(m_cacheDir.toStdString());
        if (!cache) return cache.error();
        m_cache = std::move(*cache);
    }
    if (Status s = holdForOrder(*m_cache, stored, m_queue.tasks(stored.id)); !s) return s.error();
    if (Status s = m_queue.markPlanned(stored.id); !s) return s.error();
    return added;
}

std::vector<std::string> Prefetcher::planDue(const QDateTime& now, int replanSeconds, const std::atomic<bool>* cancel)
{
    std::vector<std::string> problems;
    for (const StoredOrder& o : m_queue.orders(true)) {
        if (cancel && cancel->load()) break;
        const PrefetchRule* rule = m_rules.ruleFor(o.order);
        if (!rule || !rule->mayRunAt(now, o.order.scheduled)) continue;
        if (o.plannedAt > 0 && now.toMSecsSinceEpoch() - o.plannedAt < qint64(replanSeconds) * 1000) continue;
        if (auto r = plan(o, cancel); !r) problems.push_back((o.order.key() + ": ").toStdString() + r.error().message);
    }
    return problems;
}

int Prefetcher::runQueued(const std::atomic<bool>* cancel, const std::function<void(const PrefetchEvent&)>& progress)
{
    int ran = 0;
    m_queue.requeueAbandoned();
    while (!(cancel && cancel->load())) {
        auto task = m_queue.claimNext();
        if (!task) break;
        ++ran;
        const ArchiveEntry* archive = m_config.find(task->archive);
        if (!archive) {
            m_queue.finish(task->id, PrefetchTask::State::Failed, "archive " + task->archive + " is no longer configured", 0);
            continue;
        }
        const auto stored = m_queue.order(task->orderId);
        const PrefetchRule* rule = stored ? m_rules.ruleFor(stored->order) : nullptr;
        RetrieveSpec spec;
        spec.archive = *archive;
        spec.local = m_config.local;
        spec.cacheDir = m_cacheDir;
        spec.studyUid = task->studyUid.toStdString();
        spec.method = NetworkService::defaultMethod(*archive);
        spec.maxBytesPerSecond = rule ? rule->maxBytesPerSecond : 0;
        std::int64_t lastBeat = 0;
        const RetrieveReport report = retrieve(
            spec,
            [&](const RetrieveProgress& p) {
                // A heartbeat now and then (each is a synchronous write), for other machines' view.
                const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
                if (now - lastBeat > 30000) {
                    m_queue.heartbeat(task->id);
                    lastBeat = now;
                }
                if (progress) progress({*task, p});
            },
            cancel);
        if (report.cancelled) {
            m_queue.retryLater(task->id, "cancelled", report.received, false);  // taken up again next time
            break;
        }
        QString error;
        for (const std::string& e : report.errors) error += (error.isEmpty() ? "" : "; ") + QString::fromStdString(e);
        if (report.complete()) {
            m_queue.finish(task->id, PrefetchTask::State::Done, {}, report.received);
            continue;
        }
        if (error.isEmpty()) error = QString("%1 instances missing").arg(report.missingCount());
        // Tried again later (1, 2, 4... minutes), a few times; then left failed for a person to see.
        if (task->attempts < kAttempts) m_queue.retryLater(task->id, error, report.received);
        else m_queue.finish(task->id, PrefetchTask::State::Failed, error, report.received);
    }
    return ran;
}

}  // namespace lightbox::app
