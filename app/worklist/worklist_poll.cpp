#include "worklist_poll.h"

#include "archive_ops.h"
#include "audit_facts.h"

namespace lightbox::app {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

// DA + TM (HHMMSS.FFFFFF, HHMM, HH; the old "HH:MM:SS" too) as local time; invalid without a date.
QDateTime startOf(const std::string& date, const std::string& time)
{
    const QDate d = QDate::fromString(q(date), "yyyyMMdd");
    if (!d.isValid()) return {};
    QString t = q(time).remove(':').section('.', 0, 0);
    QTime at(0, 0);
    if (t.size() >= 2) at = QTime(t.mid(0, 2).toInt(), t.size() >= 4 ? t.mid(2, 2).toInt() : 0, t.size() >= 6 ? t.mid(4, 2).toInt() : 0);
    if (!at.isValid()) at = QTime(0, 0);
    return QDateTime(d, at);
}

// Why a step is not recorded, or empty.
QString whyIgnored(const net::WorklistItem& step, const WorklistSource& source, const Order& order, const QDateTime& until)
{
    if (!source.modality.isEmpty() && q(step.modality).compare(source.modality, Qt::CaseInsensitive) != 0) return "modality " + q(step.modality);
    if (!source.stationAe.isEmpty() && q(step.stationAe) != source.stationAe) return "station " + q(step.stationAe);
    if (order.patientId.isEmpty()) return "no patient ID";
    if (order.placer.isEmpty() && order.accession.isEmpty()) return "no accession or requested procedure ID";
    if (order.scheduled.isValid() && order.scheduled > until) return "scheduled after the look-ahead";
    return {};
}

// Whether the stored order already says all that `o` says (a Study Instance UID once known is
// kept when a later answer omits it).
bool sameOrder(const Order& a, const Order& o)
{
    return a.placer == o.placer && a.filler == o.filler && a.accession == o.accession && a.patientId == o.patientId && a.issuer == o.issuer &&
           a.patientName == o.patientName && a.birthDate == o.birthDate && a.sex == o.sex && a.modality == o.modality &&
           a.procedureCode == o.procedureCode && a.procedureText == o.procedureText && (o.studyUid.isEmpty() || a.studyUid == o.studyUid) &&
           a.scheduled == o.scheduled && a.priority == o.priority && a.status == o.status;
}

}  // namespace

QString PollReport::summary() const
{
    if (!ok()) return "worklist " + source + ": " + error;
    return QString("worklist %1: %2 steps, %3 new, %4 changed, %5 unchanged, %6 ignored")
        .arg(source)
        .arg(steps.size())
        .arg(added)
        .arg(changed)
        .arg(unchanged)
        .arg(ignored);
}

Order orderFromStep(const net::WorklistItem& w, const QString& sourceName)
{
    Order o;
    o.sender = "mwl:" + sourceName;
    const QString base = !w.placer.empty() ? q(w.placer) : q(w.requestedProcedureId);
    // One requested procedure may have several steps: each is its own order.
    if (!base.isEmpty()) o.placer = w.stepId.empty() ? base : base + "/" + q(w.stepId);
    o.filler = q(w.filler);
    o.accession = q(w.accession);
    o.patientId = q(w.patientId);
    o.issuer = q(w.issuer);
    o.patientName = q(w.patientName);
    o.birthDate = q(w.birthDate);
    o.sex = q(w.sex);
    o.modality = q(w.modality);
    o.procedureCode = q(w.requestedProcedureCode);
    o.procedureText = q(!w.requestedProcedureDescription.empty() ? w.requestedProcedureDescription : w.stepDescription);
    o.studyUid = q(w.studyUid);
    o.scheduled = startOf(w.startDate, w.startTime);
    o.priority = q(w.priority);
    const QString status = q(w.stepStatus).toUpper();
    if (status == "COMPLETED") o.status = Order::Status::Performed;
    else if (status == "DISCONTINUED" || status == "CANCELED" || status == "CANCELLED") o.status = Order::Status::Cancelled;
    return o;
}

net::WorklistQuery worklistQuery(const WorklistSource& source, const QDateTime& now)
{
    net::WorklistQuery query;
    query.modality = source.modality.toStdString();
    query.stationAe = source.stationAe.toStdString();
    const QDate last = now.addSecs(qint64(source.lookAheadHours) * 3600).date();
    query.startDate = (now.date().toString("yyyyMMdd") + "-" + last.toString("yyyyMMdd")).toStdString();
    return query;
}

namespace {

// A study as a step of the stored query's "worklist": the order it stands for is known by its
// Study Instance UID, scheduled when it was acquired, for the source's modality when it has it.
net::WorklistItem stepOfStudy(const storage::StudyRow& row, const WorklistSource& source)
{
    net::WorklistItem w;
    w.patientName = row.patientName;
    w.patientId = row.patientId;
    w.birthDate = row.patientBirthDate;
    w.sex = row.patientSex;
    w.accession = row.accession;
    w.studyUid = row.studyUid;
    w.placer = row.studyUid;
    w.requestedProcedureDescription = row.description;
    w.startDate = row.studyDate;
    w.startTime = row.studyTime;
    for (const std::string& m : row.modalities)
        if (w.modality.empty() || q(m).compare(source.modality, Qt::CaseInsensitive) == 0) w.modality = m;
    return w;
}

// Records each step of `steps` as an order of `sender` (new, changed or unchanged).
bool recordSteps(const std::vector<net::WorklistItem>& steps, const WorklistSource& source, const QString& sender, WorkQueue& queue,
                 const QDateTime& from, const QDateTime& until, PollReport& report)
{
    for (const net::WorklistItem& step : steps) {
        PolledStep polled{step, {}, 0};
        Order order = orderFromStep(step, source.name);
        order.sender = sender;
        QString why = whyIgnored(step, source, order, until);
        if (why.isEmpty() && from.isValid() && order.scheduled.isValid() && order.scheduled < from) why = "acquired before the look-back";
        if (!why.isEmpty()) {
            polled.outcome = "ignored: " + why;
            ++report.ignored;
        } else if (auto known = queue.order(order.sender, order.key()); known && sameOrder(known->order, order)) {
            polled.outcome = "unchanged";
            polled.orderId = known->id;
            ++report.unchanged;
        } else if (auto id = queue.recordOrder(order, {}); !id) {
            report.error = "the work queue could not record an order: " + q(id.error().message);
            return false;
        } else {
            polled.outcome = known ? "changed" : "new";
            polled.orderId = *id;
            ++(known ? report.changed : report.added);
        }
        report.steps.push_back(std::move(polled));
    }
    return true;
}

// A stored query: the archive's studies of the source's modality acquired in its look-back.
PollReport pollStudies(const AppConfig& config, const WorklistSource& source, const ArchiveEntry& archive, WorkQueue& queue, const QDateTime& now,
                       const std::atomic<bool>* cancel, const QString& cacheDir)
{
    PollReport report;
    report.source = source.name;
    report.archive = source.archive;
    const QDateTime from = now.addSecs(-qint64(source.lookBackHours) * 3600);
    storage::StudyQuery query;
    query.modality = source.modality.toStdString();
    query.fromDate = from.date().toString("yyyyMMdd").toStdString();
    query.toDate = now.date().toString("yyyyMMdd").toStdString();
    query.limit = 1000;
    auto found = findRemoteStudies(archive, config.local, query, cacheDir, cancel);
    if (!found) {
        report.error = QString("%1 could not be asked: %2; asked again at the next poll").arg(source.archive, q(found.error().message));
        return report;
    }
    std::vector<net::WorklistItem> steps;
    for (const RemoteStudy& s : *found) steps.push_back(stepOfStudy(s.row, source));
    // No bound ahead but a sane one: a modality's clock or time zone may put today's study later today.
    recordSteps(steps, source, "query:" + source.name, queue, from, now.addDays(2), report);
    return report;
}

}  // namespace

PollReport pollWorklist(const AppConfig& config, const WorklistSource& source, WorkQueue& queue, const QDateTime& now, const std::atomic<bool>* cancel,
                        const QString& cacheDir)
{
    PollReport report;
    report.source = source.name;
    report.archive = source.archive;
    const ArchiveEntry* archive = config.find(source.archive);
    if (!archive) {
        report.error = "no archive named " + source.archive + " (lightbox archive list)";
        return report;
    }
    if (source.studies()) return pollStudies(config, source, *archive, queue, now, cancel, cacheDir);
    if (!archive->callable()) {
        report.error = "archive " + source.archive + " has no DIMSE address to ask a worklist of";
        return report;
    }
    const net::WorklistQuery query = worklistQuery(source, now);
    auto found = net::findWorklist(archive->peer(config.local), query, cancel);
    if (auto auditor = security::currentAuditor())
        auditor->query(peerFacts(*archive), net::describeWorklistQuery(query), found ? Status(Done{}) : Status(found.error()));
    if (!found) {
        report.error = QString("%1 (%2@%3:%4) could not be asked: %5; asked again at the next poll")
                           .arg(source.archive, archive->aeTitle, archive->host)
                           .arg(archive->port)
                           .arg(q(found.error().message));
        return report;
    }
    const QDateTime until = now.addSecs(qint64(source.lookAheadHours) * 3600);
    recordSteps(found->items, source, "mwl:" + source.name, queue, {}, until, report);
    return report;
}

}  // namespace lightbox::app
