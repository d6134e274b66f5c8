#include "reading_stats.h"

#include "reading_log.h"
#include "study_index.h"

#include <QDateTime>

#include <algorithm>
#include <set>

namespace lightbox::app {

namespace {

std::int64_t median(std::vector<std::int64_t> v)
{
    if (v.empty()) return -1;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

QString isoTime(std::int64_t ms) { return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms).toString(Qt::ISODate) : QString(); }

bool inPeriod(std::int64_t t, std::int64_t from, std::int64_t to) { return t >= from && t < to; }

// When an order's study was here whole: its current prefetch finished, else its first instance
// reached the cache (sent by the modality, or imported).
std::int64_t arrivalOf(const std::vector<PrefetchTask>& tasks, const StoredOrder& o, storage::StudyIndex& index)
{
    for (const PrefetchTask& t : tasks)
        if (t.kind == "current" && (t.state == PrefetchTask::State::Done || t.state == PrefetchTask::State::Skipped) && t.finishedAt > 0) return t.finishedAt;
    if (o.order.studyUid.isEmpty()) return 0;
    auto row = index.study(o.order.studyUid.toStdString());
    return row ? row->arrivedAt : 0;
}

}  // namespace

ReadingStats computeReadingStats(WorkQueue& queue, storage::StudyIndex& index, std::int64_t fromMs, std::int64_t toMs, const QString& onlyReader)
{
    ReadingStats stats;
    stats.fromMs = fromMs;
    stats.toMs = toMs;
    ReadingLog log(queue);
    const auto records = log.records();
    const std::vector<ReadingEvent> events = log.events(0);

    // Per item: first opened, reported; per reader: reading sessions.
    struct ItemEvents {
        std::int64_t firstOpened = 0, reported = 0;
        QString reportedBy, studyUid;
    };
    std::map<QString, ItemEvents> byItem;
    std::map<QString, ReaderFigures> readers;
    std::map<QString, QString> modalityOf;  // item -> modality
    for (const StoredOrder& o : queue.orders(false)) modalityOf[orderItemKey(o.id)] = o.order.modality;
    auto modality = [&](const QString& itemKey, const QString& studyUid) {
        auto it = modalityOf.find(itemKey);
        if (it != modalityOf.end()) return it->second;
        QStringList m;
        if (auto row = index.study(studyUid.toStdString()))
            for (const std::string& s : row->modalities) m << QString::fromStdString(s);
        return modalityOf[itemKey] = m.join('/');
    };
    auto counts = [&](const ReadingEvent& e) { return inPeriod(e.at, fromMs, toMs) && (onlyReader.isEmpty() || e.user == onlyReader); };
    // One reading session open per item at a time (who, since when): it ends when the item is
    // read, reported or put back, or another reader takes it; its time is its reader's. Opening
    // again what one has open does not start another.
    struct Session {
        QString user;
        std::int64_t since = 0;
    };
    std::map<QString, Session> open;
    std::set<std::pair<QString, QString>> opened;          // (item, user) opened in the period
    std::map<std::pair<QString, QString>, QString> outcome;  // (item, user) -> "read" or "reported", the last in the period
    std::map<std::pair<QString, QString>, QString> studyOf;
    auto close = [&](const QString& itemKey, std::int64_t at) {
        auto s = open.find(itemKey);
        if (s == open.end()) return;
        if (inPeriod(at, fromMs, toMs) && (onlyReader.isEmpty() || s->second.user == onlyReader)) {
            ReaderFigures& r = readers[s->second.user];
            r.user = s->second.user;
            r.readingMs += at - s->second.since;
        }
        open.erase(s);
    };
    for (const ReadingEvent& e : events) {
        ItemEvents& item = byItem[e.itemKey];
        item.studyUid = e.studyUid;
        if (e.event == "in progress" && item.firstOpened == 0) item.firstOpened = e.at;
        if (e.event == "reported") {
            item.reported = e.at;
            item.reportedBy = e.user;
        }
        const auto key = std::make_pair(e.itemKey, e.user);
        if (e.event == "in progress") {
            auto s = open.find(e.itemKey);
            if (s != open.end() && s->second.user == e.user) continue;  // opened again by its reader
            close(e.itemKey, e.at);                                     // taken over
            open[e.itemKey] = {e.user, e.at};
            if (counts(e)) opened.insert(key);
        } else if (e.event == "read" || e.event == "reported" || e.event == "reopened") {
            close(e.itemKey, e.at);
            if (e.event != "reopened" && counts(e)) {
                outcome[key] = e.event;
                studyOf[key] = e.studyUid;
            }
        }
    }
    for (const auto& [key, user] : opened) {
        ReaderFigures& r = readers[user];
        r.user = user;
        ++r.opened;
    }
    for (const auto& [key, what] : outcome) {
        ReaderFigures& r = readers[key.second];
        r.user = key.second;
        (what == "read" ? r.read : r.reported) += 1;
        ++r.byModality[modality(key.first, studyOf[key])];
    }
    for (auto& [user, r] : readers) stats.readers.push_back(r);

    std::vector<std::int64_t> orderToArrival, arrivalToOpen, openToReport, orderToReport;
    for (const StoredOrder& o : queue.orders(false)) {
        const QString key = orderItemKey(o.id);
        const auto tasks = queue.tasks(o.id);
        for (const PrefetchTask& t : tasks) stats.failedPrefetches += t.state == PrefetchTask::State::Failed && inPeriod(t.finishedAt, fromMs, toMs);
        if (!inPeriod(o.receivedAt, fromMs, toMs)) continue;
        stats.cancelledOrders += o.order.status == Order::Status::Cancelled;
        StudyTurnaround t;
        t.itemKey = key;
        t.accession = o.order.accession;
        t.patientId = o.order.patientId;
        t.modality = o.order.modality;
        t.studyUid = o.order.studyUid;
        t.orderedAt = o.receivedAt;
        t.arrivedAt = arrivalOf(tasks, o, index);
        if (auto rec = records.find(key); rec != records.end()) t.firstOpenedAt = rec->second.firstOpenedAt;
        if (auto ev = byItem.find(key); ev != byItem.end()) {
            if (t.firstOpenedAt == 0) t.firstOpenedAt = ev->second.firstOpened;
            t.reportedAt = ev->second.reported;
            t.reportedBy = ev->second.reportedBy;
            if (t.studyUid.isEmpty()) t.studyUid = ev->second.studyUid;
        }
        if (!t.studyUid.isEmpty())
            if (auto row = index.study(t.studyUid.toStdString()); row && row->problems > 0) ++stats.studiesWithProblems;
        if (t.opened()) {
            ++stats.opened;
            stats.hits += t.prefetchHit();
        }
        if (t.orderedAt && t.arrivedAt) orderToArrival.push_back(t.arrivedAt - t.orderedAt);
        if (t.arrivedAt && t.firstOpenedAt) arrivalToOpen.push_back(t.firstOpenedAt - t.arrivedAt);
        if (t.firstOpenedAt && t.reportedAt) openToReport.push_back(t.reportedAt - t.firstOpenedAt);
        if (t.orderedAt && t.reportedAt) orderToReport.push_back(t.reportedAt - t.orderedAt);
        stats.studies.push_back(t);
    }
    stats.medianOrderToArrival = median(orderToArrival);
    stats.medianArrivalToOpen = median(arrivalToOpen);
    stats.medianOpenToReport = median(openToReport);
    stats.medianOrderToReport = median(orderToReport);
    return stats;
}

QByteArray readingStatsCsv(const ReadingStats& s)
{
    auto field = [](QString v) {
        if (v.contains(',') || v.contains('"') || v.contains('\n')) v = '"' + v.replace("\"", "\"\"") + '"';
        return v;
    };
    QByteArray out = "accession,patient_id,modality,study_uid,ordered,arrived,first_opened,reported,reported_by,prefetch_hit\r\n";
    for (const StudyTurnaround& t : s.studies) {
        const QStringList row{t.accession,        t.patientId,        t.modality,        t.studyUid,     isoTime(t.orderedAt),
                              isoTime(t.arrivedAt),   isoTime(t.firstOpenedAt), isoTime(t.reportedAt), t.reportedBy,
                              t.opened() ? (t.prefetchHit() ? "yes" : "no") : ""};
        QStringList quoted;
        for (const QString& v : row) quoted << field(v);
        out += quoted.join(',').toUtf8() + "\r\n";
    }
    return out;
}

}  // namespace lightbox::app
