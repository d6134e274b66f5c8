// `lightbox offline`: make a patient's studies, one study or a worklist's available offline (held
// in the cache and fetched now), list what is held and why, release holds.
#include "cli_args.h"
#include "cli_output.h"
#include "cli_session.h"
#include "command_worklist_sources.h"
#include "commands.h"

#include "app_config.h"
#include "cache.h"
#include "cache_location.h"
#include "study_keeping.h"
#include "work_queue.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

namespace lightbox::app {

namespace {

QString cacheDirOf(const CliArgs& a) { return storage::resolveCacheDir(a.value("--cache").value_or(QString())); }

QString when(std::int64_t ms) { return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms).toString("yyyy-MM-dd HH:mm") : QString(); }

// --days N or --until YYYY-MM-DD[THH:MM]: when the holds end (0: until released).
Result<std::int64_t> endOf(const CliArgs& a)
{
    if (auto days = a.value("--days")) {
        bool ok = false;
        const int n = days->toInt(&ok);
        if (!ok || n <= 0) return makeError("usage", "--days takes a number of days above 0");
        return QDateTime::currentDateTime().addDays(n).toMSecsSinceEpoch();
    }
    if (auto until = a.value("--until")) {
        // A date alone: to its end; a date and time: to then.
        QDateTime t = until->size() == 10 ? QDate::fromString(*until, Qt::ISODate).addDays(1).startOfDay() : QDateTime::fromString(*until, Qt::ISODate);
        if (!t.isValid() || t <= QDateTime::currentDateTime()) return makeError("usage", "--until takes a date (and time) to come, e.g. 2026-12-24");
        return t.toMSecsSinceEpoch();
    }
    return 0;
}

int makeOffline(const CliArgs& a, const QString& what)
{
    auto config = AppConfig::load(AppConfig::resolvePath(a.value("--config").value_or(QString())));
    if (!config) return fail(QString::fromStdString(config.error().message));
    auto until = endOf(a);
    if (!until) return fail(QString::fromStdString(until.error().message), 2);
    const QString dir = cacheDirOf(a);
    if (auto cache = storage::Cache::open(dir.toStdString()); !cache) return fail("cache " + dir + ": " + QString::fromStdString(cache.error().message));
    auto queue = WorkQueue::open(dir);
    if (!queue) return fail(QString::fromStdString(queue.error().message));
    stopOnSignals();
    std::atomic<bool>& stop = stopRequested();
    Result<std::vector<OfflineStudy>> studies = std::vector<OfflineStudy>{};
    const QString name = a.positional().value(1);
    if (what == "patient") {
        if (name.isEmpty()) return fail("usage: lightbox offline patient PATIENT_ID [--days N | --until DATE]", 2);
        studies = patientStudies(*config, dir, queue->get(), name, &stop);
    } else if (what == "study") {
        if (name.isEmpty()) return fail("usage: lightbox offline study STUDY_UID [--days N | --until DATE]", 2);
        // The study as the cache or an archive knows it.
        auto cache = storage::Cache::open(dir.toStdString());
        OfflineStudy s;
        s.studyUid = name.toStdString();
        if (auto row = (*cache)->index().study(s.studyUid)) {
            s.patientId = row->patientId;
            s.cachedInstances = row->instanceCount;
        }
        for (const ArchiveEntry& archive : config->archives) {
            if (!archive.callable() && !archive.hasWeb()) continue;
            storage::StudyQuery query;
            query.studyUid = s.studyUid;
            auto found = findRemoteStudies(archive, config->local, query, dir, &stop);
            if (!found || found->empty()) continue;
            s.archive = archive.name;
            s.archiveInstances = found->front().row.instanceCount;
            s.patientId = found->front().row.patientId;
            break;
        }
        if (s.archive.isEmpty() && s.cachedInstances == 0) return fail("study " + name + " is neither in the cache nor on an archive that answered");
        studies->push_back(s);
    }
    const QString user = QString::fromStdString(commandAuditor().identity().user);
    const bool quiet = a.flag("--quiet");
    const auto progress = [&](const OfflineProgress& p) {
        if (!quiet)
            QTextStream(stderr) << "\rstudy " << p.study << "/" << p.studies << ": " << p.retrieve.stage << " " << p.retrieve.done << "/"
                                << p.retrieve.total << "          " << Qt::flush;
    };
    OfflineReport r;
    if (what == "worklist") {
        auto rules = PrefetchRules::load(a.value("--rules").value_or(PrefetchRules::defaultPath()));
        if (!rules) return fail(QString::fromStdString(rules.error().message));
        auto filter = readingFilterOf(a);
        if (!filter) return fail(QString::fromStdString(filter.error().message), 2);
        auto done = makeWorklistAvailableOffline(*config, dir, *rules, **queue, *filter, user, *until, progress, &stop);
        if (!done) return fail(QString::fromStdString(done.error().message), done.error().code == "nothing" ? 3 : 1);
        r = *done;
    } else {
        if (!studies) return fail(QString::fromStdString(studies.error().message));
        if (studies->empty()) return fail("nothing to make available offline: no study found", 3);
        r = makeAvailableOffline(*config, dir, *studies, user, *until, progress, &stop);
    }
    if (!quiet) QTextStream(stderr) << "\n";
    for (const std::string& p : r.problems) QTextStream(stderr) << "lightbox: " << QString::fromStdString(p) << '\n';
    if (a.flag("--json")) {
        out() << QJsonDocument(QJsonObject{{"studies", r.studies}, {"alreadyWhole", r.alreadyWhole}, {"fetched", r.fetched},
                                           {"incomplete", r.incomplete}, {"cancelled", r.cancelled}, {"until", when(*until)}})
                     .toJson(QJsonDocument::Compact)
              << '\n';
    } else {
        out() << r.studies << " studies kept offline" << (*until ? " until " + when(*until) : QString(" until released")) << ": " << r.alreadyWhole
              << " were cached whole, " << r.fetched << " fetched now, " << r.incomplete << " incomplete\n";
    }
    if (r.cancelled) return fail("interrupted: the holds stay; run it again to fetch the rest");
    return r.incomplete == 0 && r.studies > 0 ? 0 : 1;
}

int listHolds(const CliArgs& a)
{
    const QString dir = cacheDirOf(a);
    auto cache = storage::Cache::open(dir.toStdString());
    if (!cache) return fail("cache " + dir + ": " + QString::fromStdString(cache.error().message));
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    QJsonArray rows;
    int shown = 0;
    for (const storage::HoldRow& h : (*cache)->holds().holds()) {
        if (!h.inForce(now) && !a.flag("--all")) continue;
        const auto study = (*cache)->index().study(h.studyUid);
        const int instances = study ? study->instanceCount : 0;
        if (a.flag("--json")) {
            rows.append(QJsonObject{{"studyUid", QString::fromStdString(h.studyUid)}, {"holder", QString::fromStdString(h.holder)},
                                    {"reason", QString::fromStdString(h.reason)},     {"patientId", QString::fromStdString(h.patientId)},
                                    {"by", QString::fromStdString(h.createdBy)},      {"since", when(h.createdAt)},
                                    {"until", when(h.until)},                         {"inForce", h.inForce(now)},
                                    {"cachedInstances", instances}});
        } else {
            out() << QString::fromStdString(h.studyUid) << "  " << QString::fromStdString(h.patientId) << "  "
                  << (study ? QString::fromStdString(study->studyDate + " " + study->description) : QString("(not cached yet)")) << "  "
                  << QString::fromStdString(h.holder) << ": " << QString::fromStdString(h.reason) << "  "
                  << (h.until ? "until " + when(h.until) : QString("until released")) << (h.inForce(now) ? "" : "  (ended)") << "  " << instances
                  << " instances cached\n";
        }
        ++shown;
    }
    if (a.flag("--json")) out() << QJsonDocument(rows).toJson(QJsonDocument::Indented);
    else if (shown == 0) out() << "no study is held in the cache\n";
    return 0;
}

int releaseHolds(const CliArgs& a)
{
    const auto patient = a.value("--patient"), study = a.value("--study");
    if (!patient && !study && !a.flag("--all"))
        return fail("usage: lightbox offline release --patient PATIENT_ID | --study STUDY_UID | --all", 2);
    const QString dir = cacheDirOf(a);
    auto cache = storage::Cache::open(dir.toStdString());
    if (!cache) return fail("cache " + dir + ": " + QString::fromStdString(cache.error().message));
    storage::StudyHolds& holds = (*cache)->holds();
    // Only what users made available offline: an order's studies are released when it is read.
    auto n = patient ? holds.releasePatient(kOfflineHolder, patient->toStdString())
                     : holds.release(kOfflineHolder, study ? study->toStdString() : std::string());
    if (!n) return fail(QString::fromStdString(n.error().message));
    out() << *n << " studies no longer kept offline (they leave the cache when its quota needs the room)\n";
    return *n > 0 ? 0 : 3;
}

}  // namespace

int runOffline(const QStringList& args)
{
    CliArgs a(args, {"--config", "--cache", "--rules", "--days", "--until", "--patient", "--study", "--status", "--modality", "--text"},
              {"--json", "--quiet", "--mine", "--all"});
    if (!a.ok()) return fail(a.error(), 2);
    const QString sub = a.positional().value(0, "list");
    if (sub == "patient" || sub == "study" || sub == "worklist") return makeOffline(a, sub);
    if (sub == "list") return listHolds(a);
    if (sub == "release") return releaseHolds(a);
    return fail("usage: lightbox offline [list [--all] [--json] | patient PATIENT_ID | study STUDY_UID | worklist [--status S,...] [--modality M] "
                "[--text T] [--mine] | release --patient ID|--study UID|--all] [--days N | --until DATE] [--json] [--quiet] [--config FILE] [--cache DIR]",
                2);
}

}  // namespace lightbox::app
