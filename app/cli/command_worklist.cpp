// Worklist commands: worklist [list] [--json], worklist add, worklist prefetch, worklist rules
// (worklist source and poll in command_worklist_sources.cpp); hl7 allow|list|remove (who may send
// orders).
#include "cli_args.h"
#include "cli_output.h"
#include "cli_session.h"
#include "command_worklist_sources.h"
#include "commands.h"

#include "app_config.h"
#include "cache.h"
#include "cache_location.h"
#include "prefetcher.h"
#include "reading_list.h"
#include "study_keeping.h"
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

QJsonObject itemJson(const ReadingItem& item, const std::vector<PrefetchTask>& tasks)
{
    QJsonArray taskList;
    for (const PrefetchTask& t : tasks)
        taskList.append(QJsonObject{{"kind", t.kind},          {"studyUid", t.studyUid}, {"archive", t.archive},       {"reason", t.reason},
                                    {"state", stateName(t.state)}, {"attempts", t.attempts}, {"instances", t.instances}, {"error", t.lastError},
                                    {"finished", t.finishedAt > 0 ? QDateTime::fromMSecsSinceEpoch(t.finishedAt).toString(Qt::ISODateWithMs) : QString()}});
    return QJsonObject{{"item", item.key},
                       {"order", item.orderId > 0 ? QJsonValue(double(item.orderId)) : QJsonValue()},
                       {"sender", item.sender},
                       {"placer", item.placer},
                       {"accession", item.accession},
                       {"patientId", item.patientId},
                       {"birthDate", item.birthDate},
                       {"patientName", item.patientName},
                       {"modality", item.modality},
                       {"procedure", item.procedure},
                       {"studyUid", item.studyUid},
                       {"scheduled", item.scheduled.isValid() ? item.scheduled.toString(Qt::ISODate) : QString()},
                       {"arrived", item.arrived.isValid() ? item.arrived.toString(Qt::ISODate) : QString()},
                       {"priority", item.priority},
                       {"status", itemStatusName(item.status)},
                       {"assignedTo", item.assignedTo},
                       {"readingUser", item.readingUser},
                       {"cachedInstances", item.cachedInstances},
                       {"priorsCached", item.priorsCached},
                       {"priorsPlanned", item.priorsPlanned},
                       {"prefetch", taskList}};
}

struct OpenQueue {
    std::unique_ptr<storage::Cache> cache;
    std::unique_ptr<WorkQueue> queue;
};

Result<OpenQueue> openQueue(const CliArgs& a)
{
    const QString dir = cacheDirOf(a);
    auto cache = storage::Cache::open(dir.toStdString());
    if (!cache) return makeError("cache", "cache " + dir.toStdString() + ": " + cache.error().message);
    auto queue = WorkQueue::open(dir);
    if (!queue) return queue.error();
    return OpenQueue{std::move(*cache), std::move(*queue)};
}

QString itemLine(const ReadingItem& item)
{
    const QDateTime when = item.scheduled.isValid() ? item.scheduled : item.arrived;
    QString line = (when.isValid() ? when.toString("yyyy-MM-dd HH:mm") : QString("(no time)")) + "  " + itemStatusName(item.status).leftJustified(11) +
                   "  " + (item.accession.isEmpty() ? "-" : item.accession) + "  " + item.modality + "  " + item.patientName + " (" + item.patientId + ")";
    if (!item.procedure.isEmpty()) line += "  " + item.procedure;
    if (!item.priority.isEmpty()) line += "  " + item.priority;
    if (!item.assignedTo.isEmpty()) line += "  for " + item.assignedTo;
    if (!item.readingUser.isEmpty()) line += "  by " + item.readingUser;
    if (item.orderId == 0) line += "  (no order)";
    return line;
}

int listOrders(const CliArgs& a)
{
    auto open = openQueue(a);
    if (!open) return fail(QString::fromStdString(open.error().message));
    auto filter = readingFilterOf(a);
    if (!filter) return fail(QString::fromStdString(filter.error().message), 2);
    ReadingListOptions options;
    options.includeClosed = a.flag("--all");
    QJsonArray all;
    for (const ReadingItem& item : buildReadingList(*open->queue, open->cache->index(), options)) {
        if (!filter->matches(item)) continue;
        const auto tasks = item.orderId > 0 ? open->queue->tasks(item.orderId) : std::vector<PrefetchTask>{};
        if (a.flag("--json")) {
            all.append(itemJson(item, tasks));
            continue;
        }
        out() << itemLine(item) << '\n';
        for (const PrefetchTask& t : tasks)
            out() << "    " << stateName(t.state).leftJustified(8) << ' ' << t.reason << " from " << t.archive
                  << (t.lastError.isEmpty() ? QString() : ": " + t.lastError) << '\n';
    }
    if (a.flag("--json")) out() << QJsonDocument(all).toJson(QJsonDocument::Indented);
    return 0;
}

// An item named on the command line: its key as `worklist list --json` prints it ("order:12",
// "study:UID"), an accession or a Study Instance UID — never a bare number, which an accession
// may also be. Two items matching is an error, never a guess.
Result<ReadingItem> findItem(const std::vector<ReadingItem>& items, const QString& name)
{
    std::vector<const ReadingItem*> found;
    for (const ReadingItem& item : items)
        if (!name.isEmpty() && (item.key == name || item.accession == name || item.studyUid == name)) found.push_back(&item);
    if (found.empty()) return makeError("worklist", "no worklist item " + name.toStdString() + " (an accession, a Study Instance UID or order:N; see lightbox worklist list --all)");
    if (found.size() > 1) return makeError("worklist", name.toStdString() + " names " + std::to_string(found.size()) + " items: use its key (order:N) from lightbox worklist list --json");
    return *found.front();
}

int markItem(const CliArgs& a)
{
    const QString name = a.positional().value(1), stateText = a.positional().value(2);
    std::optional<ReadingState> state = stateText == "unread" ? std::optional(ReadingState::None) : readingStateFrom(QString(stateText).replace('-', ' '));
    if (name.isEmpty() || !state) return fail("usage: lightbox worklist mark ITEM in-progress|read|reported|unread", 2);
    auto open = openQueue(a);
    if (!open) return fail(QString::fromStdString(open.error().message));
    ReadingListOptions options;
    options.includeClosed = true;
    auto item = findItem(buildReadingList(*open->queue, open->cache->index(), options), name);
    if (!item) return fail(QString::fromStdString(item.error().message));
    const QString user = QString::fromStdString(commandAuditor().identity().user);
    if (Status st = ReadingLog(*open->queue).setState(item->key, item->studyUid, *state, user); !st) return fail(QString::fromStdString(st.error().message));
    releaseFinishedOrderHolds(*open->queue, *open->cache);  // a read order's studies may leave the cache again
    out() << item->key << ": " << (*state == ReadingState::None ? QString("back on the list") : readingStateName(*state)) << " by " << user << '\n';
    return 0;
}

int assignItem(const CliArgs& a)
{
    const QString name = a.positional().value(1);
    const auto to = a.value("--to");
    if (name.isEmpty() || !to) return fail("usage: lightbox worklist assign ITEM --to USER (\"\" for nobody)", 2);
    auto open = openQueue(a);
    if (!open) return fail(QString::fromStdString(open.error().message));
    auto item = findItem(buildReadingList(*open->queue, open->cache->index()), name);
    if (!item) return fail(QString::fromStdString(item.error().message));
    const QString by = QString::fromStdString(commandAuditor().identity().user);
    if (Status st = ReadingLog(*open->queue).assign(item->key, item->studyUid, *to, by); !st) return fail(QString::fromStdString(st.error().message));
    out() << item->key << ": " << (to->isEmpty() ? QString("assigned to nobody") : "assigned to " + *to) << '\n';
    return 0;
}

int nextItem(const CliArgs& a)
{
    auto open = openQueue(a);
    if (!open) return fail(QString::fromStdString(open.error().message));
    auto filter = readingFilterOf(a);
    if (!filter) return fail(QString::fromStdString(filter.error().message), 2);
    const QString user = QString::fromStdString(commandAuditor().identity().user);
    std::optional<ReadingItem> next;
    if (a.flag("--claim")) {  // and mark it in progress for this reader
        auto claimed = claimNextStudy(*open->queue, open->cache->index(), user, *filter);
        if (!claimed) return fail(QString::fromStdString(claimed.error().message));
        next = *claimed;
    } else {
        next = nextStudy(buildReadingList(*open->queue, open->cache->index()), user, *filter);
    }
    if (!next) return fail("nothing to read: no cached, unread study for " + user, 3);
    if (a.flag("--json")) out() << QJsonDocument(itemJson(*next, {})).toJson(QJsonDocument::Indented);
    else out() << itemLine(*next) << "\n" << next->studyUid << '\n';
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
    auto open = openQueue(a);  // the cache made (and unlocked) if need be
    if (!open) return fail(QString::fromStdString(open.error().message));
    auto id = open->queue->recordOrder(o, {});
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

Result<ReadingFilter> readingFilterOf(const CliArgs& a)
{
    ReadingFilter f;
    for (const QString& name : a.value("--status").value_or(QString()).split(',', Qt::SkipEmptyParts)) {
        auto s = itemStatusFrom(name);
        if (!s) return makeError("usage", "--status takes scheduled, arriving, cached, in progress, read, reported or cancelled (comma-separated)");
        f.statuses.push_back(*s);
    }
    f.modality = a.value("--modality").value_or(QString());
    f.text = a.value("--text").value_or(QString());
    if (a.flag("--mine")) f.mineFor = QString::fromStdString(commandAuditor().identity().user);
    return f;
}

int runWorklist(const QStringList& args)
{
    CliArgs a(args,
              {"--config", "--cache", "--rules", "--patient-id", "--patient-name", "--birth-date", "--modality", "--accession", "--study", "--scheduled",
               "--procedure", "--priority", "--status", "--text", "--to", "--archive", "--station-ae", "--interval", "--hours", "--source"},
              {"--json", "--all", "--quiet", "--mine", "--claim", "--studies"});
    if (!a.ok()) return fail(a.error(), 2);
    const QString sub = a.positional().value(0, "list");
    if (sub == "list") return listOrders(a);
    if (sub == "add") return addOrder(a);
    if (sub == "prefetch") return prefetchNow(a);
    if (sub == "rules") return showRules(a);
    if (sub == "next") return nextItem(a);
    if (sub == "mark") return markItem(a);
    if (sub == "assign") return assignItem(a);
    if (sub == "source") return worklistSource(a);
    if (sub == "poll") return pollWorklists(a);
    return fail("usage: lightbox worklist [list [--all] [--json] [--status S,...] [--modality M] [--mine] [--text T] | next [--claim] [--json] | "
                "mark ITEM in-progress|read|reported|unread | assign ITEM --to USER | add ... | prefetch [--quiet] | rules | "
                "poll [--source NAME] [--json] | source add|list|remove ...] [--rules FILE] [--config FILE] [--cache DIR]",
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
