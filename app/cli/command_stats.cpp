// lightbox stats [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json] [--csv FILE]: the reading room's
// figures (app/worklist/reading_stats.h). A radiologist sees their own reader figures; the other
// roles everyone's.
#include "cli_args.h"
#include "cli_output.h"
#include "cli_session.h"
#include "commands.h"

#include "cache.h"
#include "cache_location.h"
#include "reading_stats.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace lightbox::app {

namespace {

QString iso(std::int64_t ms) { return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms).toString(Qt::ISODate) : QString(); }
QJsonValue seconds(std::int64_t ms) { return ms >= 0 ? QJsonValue(double(ms) / 1000.0) : QJsonValue(); }
QString minutes(std::int64_t ms) { return ms >= 0 ? QString::number(double(ms) / 60000.0, 'f', 1) + " min" : QString("-"); }

QJsonObject statsJson(const ReadingStats& s)
{
    QJsonArray studies, readers;
    for (const StudyTurnaround& t : s.studies)
        studies.append(QJsonObject{{"item", t.itemKey},
                                   {"accession", t.accession},
                                   {"patientId", t.patientId},
                                   {"modality", t.modality},
                                   {"studyUid", t.studyUid},
                                   {"ordered", iso(t.orderedAt)},
                                   {"arrived", iso(t.arrivedAt)},
                                   {"firstOpened", iso(t.firstOpenedAt)},
                                   {"reported", iso(t.reportedAt)},
                                   {"reportedBy", t.reportedBy},
                                   {"prefetchHit", t.opened() ? QJsonValue(t.prefetchHit()) : QJsonValue()}});
    for (const ReaderFigures& r : s.readers) {
        QJsonObject modalities;
        for (const auto& [m, n] : r.byModality) modalities[m.isEmpty() ? "?" : m] = n;
        readers.append(QJsonObject{{"user", r.user},
                                   {"opened", r.opened},
                                   {"read", r.read},
                                   {"reported", r.reported},
                                   {"readingSeconds", double(r.readingMs) / 1000.0},
                                   {"byModality", modalities}});
    }
    return QJsonObject{{"from", iso(s.fromMs)},
                       {"to", iso(s.toMs)},
                       {"studies", studies},
                       {"readers", readers},
                       {"opened", s.opened},
                       {"prefetchHits", s.hits},
                       {"prefetchHitRate", s.opened > 0 ? QJsonValue(s.hitRate()) : QJsonValue()},
                       {"medianSeconds", QJsonObject{{"orderToArrival", seconds(s.medianOrderToArrival)},
                                                     {"arrivalToOpen", seconds(s.medianArrivalToOpen)},
                                                     {"openToReport", seconds(s.medianOpenToReport)},
                                                     {"orderToReport", seconds(s.medianOrderToReport)}}},
                       {"qa", QJsonObject{{"failedPrefetches", s.failedPrefetches},
                                          {"cancelledOrders", s.cancelledOrders},
                                          {"studiesWithProblems", s.studiesWithProblems}}}};
}

std::optional<std::int64_t> dayStart(const QString& text)
{
    const QDate d = QDate::fromString(text, Qt::ISODate);
    if (!d.isValid()) return std::nullopt;
    return QDateTime(d, QTime(0, 0)).toMSecsSinceEpoch();
}

}  // namespace

int runStats(const QStringList& args)
{
    CliArgs a(args, {"--cache", "--from", "--to", "--csv", "--config"}, {"--json"});
    if (!a.ok()) return fail(a.error(), 2);
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    std::int64_t from = now - 7LL * 24 * 3600 * 1000, to = now + 1;
    if (auto f = a.value("--from")) {
        auto ms = dayStart(*f);
        if (!ms) return fail("--from takes a date, e.g. 2026-12-01", 2);
        from = *ms;
    }
    if (auto t = a.value("--to")) {  // inclusive: to the end of that day
        auto ms = dayStart(*t);
        if (!ms) return fail("--to takes a date, e.g. 2026-12-07", 2);
        to = QDateTime::fromMSecsSinceEpoch(*ms).addDays(1).toMSecsSinceEpoch();
    }
    const QString dir = storage::resolveCacheDir(a.value("--cache").value_or(QString()));
    auto cache = storage::Cache::open(dir.toStdString());
    if (!cache) return fail("cache " + dir + ": " + QString::fromStdString(cache.error().message));
    auto queue = WorkQueue::open(dir);
    if (!queue) return fail(QString::fromStdString(queue.error().message));
    const security::Identity& who = commandAuditor().identity();
    const QString only = who.role == security::Role::Radiologist ? QString::fromStdString(who.user) : QString();
    const ReadingStats stats = computeReadingStats(**queue, (*cache)->index(), from, to, only);
    if (auto csv = a.value("--csv")) {
        // The file names patients' IDs and accessions: a copy leaving Lightbox, as `export` is.
        if (Status allowed = commandAuditor().require(security::Permission::ExportIdentified, "export reading figures with patient IDs"); !allowed)
            return fail(QString::fromStdString(allowed.error().message), 3);
        QSaveFile f(*csv);
        const bool written = f.open(QIODevice::WriteOnly) && f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) &&
                             f.write(readingStatsCsv(stats)) >= 0 && f.commit();
        if (!written) return fail(*csv + ": " + f.errorString());
    }
    if (a.flag("--json")) {
        out() << QJsonDocument(statsJson(stats)).toJson(QJsonDocument::Indented);
        return 0;
    }
    out() << "Reading from " << iso(from) << " to " << iso(to) << '\n';
    out() << "  orders: " << stats.studies.size() << ", opened: " << stats.opened << ", prefetch hit rate: "
          << (stats.opened ? QString::number(100.0 * stats.hitRate(), 'f', 0) + " %" : QString("-")) << '\n';
    out() << "  median order→arrival " << minutes(stats.medianOrderToArrival) << ", arrival→open " << minutes(stats.medianArrivalToOpen)
          << ", open→report " << minutes(stats.medianOpenToReport) << ", order→report " << minutes(stats.medianOrderToReport) << '\n';
    out() << "  QA: " << stats.failedPrefetches << " failed prefetches, " << stats.cancelledOrders << " cancelled orders, " << stats.studiesWithProblems
          << " studies with problems\n";
    for (const ReaderFigures& r : stats.readers) {
        QStringList modalities;
        for (const auto& [m, n] : r.byModality) modalities << (m.isEmpty() ? "?" : m) + " " + QString::number(n);
        out() << "  " << r.user << ": opened " << r.opened << ", read " << r.read << ", reported " << r.reported << ", reading " << minutes(r.readingMs)
              << (modalities.isEmpty() ? QString() : " (" + modalities.join(", ") + ")") << '\n';
    }
    return 0;
}

}  // namespace lightbox::app
