// Worklist commands: worklist [list] [--json], worklist add, worklist prefetch, worklist rules
// (worklist source and poll in command_worklist_sources.cpp); hl7 allow|list|remove (who may send
// orders).
#include "cli_args.h"
#include "cli_output.h"
#include "command_worklist_sources.h"
#include "commands.h"

#include "app_config.h"
#include "cache.h"
#include "cache_location.h"
#include "prefetcher.h"
#include "work_queue.h"

#include <QDateTime>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <atomic>
#include <csignal>

namespace lightbox::app {

namespace {

std::atomic<bool>& g_stop = stopRequested();

QString cacheDirOf(const CliArgs& a) { return storage::resolveCacheDir(a.value("--cache").value_or(QString())); }

// Where an order stands for the reader: its current study in the cache whole ("cached"), in
// part or being fetched ("arriving"), not yet ("scheduled"); or what the RIS said of it.
QString readingStatus(const StoredOrder& o, const std::vector<PrefetchTask>& tasks, storage::StudyIndex& index, int* cachedInstances)
{
    *cachedInstances = 0;
    if (o.order.status != Order::Status::Scheduled) return statusName(o.order.status);
    storage::StudyQuery q;
    if (!o.order.studyUid.isEmpty()) q.studyUid = o.order.studyUid.toStdString();
    else if (!o.order.accession.isEmpty()) q.accession = o.order.accession.toStdString();
    else return "scheduled";
    q.limit = 1;
    auto rows = index.searchStudies(q);
    if (rows && !rows->empty()) *cachedInstances = rows->front().instanceCount;
    for (const PrefetchTask& t : tasks) {
        if (t.kind != "current") continue;
        if (t.state == PrefetchTask::State::Running || t.state == PrefetchTask::State::Queued) return "arriving";
        if (t.state == PrefetchTask::State::Done || t.state == PrefetchTask::State::Skipped) return "cached";
    }
    return *cachedInstances > 0 ? "arriving" : "scheduled";
}

QJsonObject orderJson(const StoredOrder& s, const QString& status, int cachedInstances, const std::vector<PrefetchTask>& tasks)
{
    const Order& o = s.order;
    QJsonArray taskList;
    for (const PrefetchTask& t : tasks)
        taskList.append(QJsonObject{{"kind", t.kind},          {"studyUid", t.studyUid}, {"archive", t.archive},       {"reason", t.reason},
                                    {"state", stateName(t.state)}, {"attempts", t.attempts}, {"instances", t.instances}, {"error", t.lastError}});
    return QJsonObject{{"id", qint64(s.id)},
                       {"sender", o.sender},
                       {"accession", o.accession},
                       {"placer", o.placer},
                       {"patientId", o.patientId},
                       {"patientName", o.patientName},
                       {"birthDate", o.birthDate},
                       {"modality", o.modality},
                       {"procedure", o.procedureText},
                       {"studyUid", o.studyUid},
                       {"scheduled", o.scheduled.isValid() ? o.scheduled.toString(Qt::ISODate) : QString()},
                       {"priority", o.priority},
                       {"status", status},
                       {"cachedInstances", cachedInstances},
                       {"prefetch", taskList}};
}

int listOrders(const CliArgs& a)
{
    const QString dir = cacheDirOf(a);
    auto cache = storage::Cache::open(dir.toStdString());
    if (!cache) return fail("cache " + dir + ": " + QString::fromStdString(cache.error().message));
    auto queue = WorkQueue::open(dir);
    if (!queue) return fail(QString::fromStdString(queue.error().message));
    QJsonArray all;
    for (const StoredOrder& s : (*queue)->orders(!a.flag("--all"))) {
        const auto tasks = (*queue)->tasks(s.id);
        int cached = 0;
        const QString status = readingStatus(s, tasks, (*cache)->index(), &cached);
        if (a.flag("--json")) {
            all.append(orderJson(s, status, cached, tasks));
            continue;
        }
        const Order& o = s.order;
        out() << (o.scheduled.isValid() ? o.scheduled.toString("yyyy-MM-dd HH:mm") : QString("(no time)")) << "  " << status.leftJustified(9) << "  "
              << (o.accession.isEmpty() ? "-" : o.accession) << "  " << o.modality << "  " << o.patientName << " (" << o.patientId << ")"
              << (o.procedureText.isEmpty() ? QString() : "  " + o.procedureText) << (o.priority.isEmpty() ? QString() : "  " + o.priority) << '\n';
        for (const PrefetchTask& t : tasks)
            out() << "    " << stateName(t.state).leftJustified(8) << ' ' << t.reason << " from " << t.archive
                  << (t.lastError.isEmpty() ? QString() : ": " + t.lastError) << '\n';
    }
    if (a.flag("--json")) out() << QJsonDocument(all).toJson(QJsonDocument::Indented);
    return 0;
}

int addOrder(const CliArgs& a)
{
    Order o;
    o.sender = "manual";
    o.patientId = a.value("--patient-id").value_or(QString());
    o.patientName = a.value("--patient-name").value_or(QString());
    o.birthDate = a.value("--birth-date").value_or(QString());
    o.modality = a.value("--modality").value_or(QString());
    o.accession = a.value("--accession").value_or(QString());
    o.studyUid = a.value("--study").value_or(QString());
    o.procedureText = a.value("--procedure").value_or(QString());
    o.priority = a.value("--priority").value_or("ROUTINE");
    o.placer = o.accession.isEmpty() ? QString::number(QDateTime::currentMSecsSinceEpoch()) : QString();
    if (o.patientId.isEmpty() || o.modality.isEmpty())
        return fail("usage: lightbox worklist add --patient-id ID --modality M [--accession A] [--study UID] [--scheduled YYYY-MM-DDTHH:MM] "
                    "[--patient-name N] [--birth-date YYYYMMDD] [--procedure TEXT] [--priority P]",
                    2);
    if (auto when = a.value("--scheduled")) {
        o.scheduled = QDateTime::fromString(*when, Qt::ISODate);
        if (!o.scheduled.isValid()) return fail("--scheduled takes a date and time, e.g. 2026-12-08T08:30", 2);
    }
    const QString dir = cacheDirOf(a);
    auto cache = storage::Cache::open(dir.toStdString());  // made (and unlocked) if need be
    if (!cache) return fail("cache " + dir + ": " + QString::fromStdString(cache.error().message));
    auto queue = WorkQueue::open(dir);
    if (!queue) return fail(QString::fromStdString(queue.error().message));
    auto id = (*queue)->recordOrder(o, {});
    if (!id) return fail(QString::fromStdString(id.error().message));
    out() << "order " << *id << " for " << o.patientId << " (" << o.modality << ")\n";
    return 0;
}

Result<PrefetchRules> rulesFor(const CliArgs& a)
{
    const QString path = a.value("--rules").value_or(PrefetchRules::defaultPath());
    return PrefetchRules::load(path);
}

int prefetchNow(const CliArgs& a)
{
    auto config = AppConfig::load(AppConfig::resolvePath(a.value("--config").value_or(QString())));
    if (!config) return fail(QString::fromStdString(config.error().message));
    auto rules = rulesFor(a);
    if (!rules) return fail(QString::fromStdString(rules.error().message));
    const QString dir = cacheDirOf(a);
    auto cache = storage::Cache::open(dir.toStdString());
    if (!cache) return fail("cache " + dir + ": " + QString::fromStdString(cache.error().message));
    cache->reset();
    auto queue = WorkQueue::open(dir);
    if (!queue) return fail(QString::fromStdString(queue.error().message));
    stopOnSignals();
    Prefetcher prefetcher(*config, dir, *rules, **queue);
    // Orders whose rule may run now (lead time, time windows), planned again each time.
    const auto problems = prefetcher.planDue(QDateTime::currentDateTime(), 0, &g_stop);
    for (const std::string& p : problems) QTextStream(stderr) << "lightbox: " << QString::fromStdString(p) << '\n';
    const bool quiet = a.flag("--quiet");
    const int ran = prefetcher.runQueued(&g_stop, [&](const PrefetchEvent& e) {
        if (!quiet && e.progress.stage == "checking")
            out() << e.task.reason << ": " << e.progress.done << "/" << e.progress.total << " instances\n" << Qt::flush;
    });
    int done = 0, failed = 0, waiting = 0;
    for (const PrefetchTask& t : (*queue)->tasks()) {
        done += t.state == PrefetchTask::State::Done || t.state == PrefetchTask::State::Skipped;
        failed += t.state == PrefetchTask::State::Failed;
        waiting += t.state == PrefetchTask::State::Queued;
    }
    out() << "prefetch: " << ran << " retrieved now; " << done << " done or cached, " << waiting << " waiting, " << failed << " failed\n";
    return problems.empty() && failed == 0 && waiting == 0 ? 0 : 1;
}

int showRules(const CliArgs& a)
{
    auto rules = rulesFor(a);
    if (!rules) return fail(QString::fromStdString(rules.error().message));
    out() << QJsonDocument(rules->toJson()).toJson(QJsonDocument::Indented);
    return 0;
}

}  // namespace

int runWorklist(const QStringList& args)
{
    CliArgs a(args,
              {"--config", "--cache", "--rules", "--patient-id", "--patient-name", "--birth-date", "--modality", "--accession", "--study", "--scheduled",
               "--procedure", "--priority", "--archive", "--station-ae", "--interval", "--hours", "--source"},
              {"--json", "--all", "--quiet"});
    if (!a.ok()) return fail(a.error(), 2);
    const QString sub = a.positional().value(0, "list");
    if (sub == "list") return listOrders(a);
    if (sub == "add") return addOrder(a);
    if (sub == "prefetch") return prefetchNow(a);
    if (sub == "rules") return showRules(a);
    if (sub == "source") return worklistSource(a);
    if (sub == "poll") return pollWorklists(a);
    return fail("usage: lightbox worklist [list [--all] [--json] | add ... | prefetch [--quiet] | rules | poll [--source NAME] [--json] | source ...] "
                "[--rules FILE] [--config FILE] [--cache DIR]",
                2);
}

int runHl7(const QStringList& args)
{
    CliArgs a(args, {"--config", "--host", "--application", "--facility"}, {});
    if (!a.ok()) return fail(a.error(), 2);
    auto config = AppConfig::load(AppConfig::resolvePath(a.value("--config").value_or(QString())));
    if (!config) return fail(QString::fromStdString(config.error().message));
    const QString sub = a.positional().value(0), name = a.positional().value(1);
    auto& senders = config->hl7.senders;
    const auto named = std::find_if(senders.begin(), senders.end(), [&](const Hl7Sender& s) { return s.name == name; });
    if (sub == "list" && a.positional().size() == 1) {
        out() << "HL7 listener: " << (config->hl7.port > 0 ? QString("port %1 on %2").arg(config->hl7.port).arg(config->hl7.listenAddress) : QString("off"))
              << '\n';
        for (const Hl7Sender& s : senders)
            out() << "  " << s.name << ": from " << s.hosts.join(", ") << ", application " << (s.application.isEmpty() ? "any" : s.application)
                  << ", facility " << (s.facility.isEmpty() ? "any" : s.facility) << '\n';
        return 0;
    }
    if (sub == "allow" && !name.isEmpty() && a.value("--host")) {
        Hl7Sender s{name, a.value("--host")->split(',', Qt::SkipEmptyParts), a.value("--application").value_or(QString()),
                    a.value("--facility").value_or(QString())};
        if (named != senders.end()) *named = s;
        else senders.push_back(s);
    } else if (sub == "remove" && !name.isEmpty()) {
        if (named == senders.end()) return fail("no HL7 sender named " + name, 2);
        senders.erase(named);
    } else {
        return fail("usage: lightbox hl7 allow NAME --host HOST[,HOST] [--application MSH-3] [--facility MSH-4] | list | remove NAME [--config FILE]", 2);
    }
    if (auto s = config->save(); !s) return fail(QString::fromStdString(s.error().message));
    return 0;
}

}  // namespace lightbox::app
