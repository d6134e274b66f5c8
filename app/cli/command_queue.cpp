// queue [list] [--json] [--all]: what waits to be sent (the outbox) and fetched (prefetch tasks),
// per archive with its reachability; queue deliver: deliver what is due now; queue retry [ID]:
// due now (a failed item afresh); queue cancel ID: not sent.
#include "cli_args.h"
#include "cli_output.h"
#include "commands.h"

#include "app_config.h"
#include "cache_location.h"
#include "outbox.h"
#include "outbox_delivery.h"
#include "work_queue.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <map>

namespace lightbox::app {

namespace {

QString when(std::int64_t ms) { return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms).toString(Qt::ISODate) : QString(); }

QJsonObject itemJson(const OutboxItem& i)
{
    return QJsonObject{{"id", qint64(i.id)},          {"sopUid", i.sopUid},       {"studyUid", i.studyUid},
                       {"archive", i.archive},        {"origin", i.origin},       {"method", i.stow ? "stow" : "store"},
                       {"state", stateName(i.state)}, {"attempts", i.attempts},   {"checkFirst", i.check},
                       {"nextTry", when(i.notBefore)}, {"nextTryMs", qint64(i.notBefore)}, {"lastTryMs", qint64(i.lastTry)},
                       {"lastError", i.lastError},    {"note", i.note}};
}

QJsonObject taskJson(const PrefetchTask& t)
{
    return QJsonObject{{"id", qint64(t.id)},          {"orderId", qint64(t.orderId)}, {"kind", t.kind},
                       {"studyUid", t.studyUid},      {"archive", t.archive},         {"state", stateName(t.state)},
                       {"attempts", t.attempts},      {"nextTry", when(t.notBefore)}, {"nextTryMs", qint64(t.notBefore)},
                       {"lastError", t.lastError}};
}

int list(Outbox& box, const QString& cacheDir, const CliArgs& a)
{
    const std::vector<OutboxItem> items = box.items(a.flag("--all"));
    std::vector<PrefetchTask> tasks;
    if (auto queue = WorkQueue::open(cacheDir); queue)
        for (const PrefetchTask& t : (*queue)->tasks())
            if (a.flag("--all") || t.state == PrefetchTask::State::Queued || t.state == PrefetchTask::State::Running || t.state == PrefetchTask::State::Failed)
                tasks.push_back(t);
    // Every archive something waits for or that was called, with its last contact.
    std::map<QString, ArchiveContact> archives;
    for (const ArchiveContact& c : box.contacts()) archives[c.archive] = c;
    std::map<QString, int> waiting;
    for (const OutboxItem& i : items) {
        archives[i.archive].archive = i.archive;
        if (i.state != OutboxItem::State::Sent && i.state != OutboxItem::State::Cancelled) ++waiting[i.archive];
    }
    if (a.flag("--json")) {
        QJsonArray archiveList, itemList, taskList;
        for (const auto& [name, c] : archives)
            archiveList.append(QJsonObject{{"name", name},
                                           {"reachable", c.reachable()},
                                           {"lastReached", when(c.lastReached)},
                                           {"lastFailure", when(c.lastFailure)},
                                           {"lastError", c.lastError},
                                           {"waiting", waiting[name]}});
        for (const OutboxItem& i : items) itemList.append(itemJson(i));
        for (const PrefetchTask& t : tasks) taskList.append(taskJson(t));
        out() << QJsonDocument(QJsonObject{{"archives", archiveList}, {"outbox", itemList}, {"prefetch", taskList}}).toJson();
        return 0;
    }
    for (const auto& [name, c] : archives) {
        out() << name << ": " << waiting[name] << " to send; "
              << (c.lastReached == 0 && c.lastFailure == 0 ? QString("not called yet")
                  : c.reachable()                          ? "reached " + when(c.lastReached)
                                                           : "unreachable since " + when(c.lastFailure) + " (" + c.lastError + ")")
              << '\n';
        for (const OutboxItem& i : items)
            if (i.archive == name)
                out() << "  #" << i.id << ' ' << stateName(i.state) << ' ' << i.origin << ' ' << i.sopUid << " attempts " << i.attempts
                      << (i.state == OutboxItem::State::Queued && i.notBefore > 0 ? " next try " + when(i.notBefore) : QString())
                      << (i.lastError.isEmpty() ? QString() : " (" + i.lastError + ")") << (i.note.isEmpty() ? QString() : " " + i.note) << '\n';
    }
    if (!tasks.empty()) out() << "prefetch:\n";
    for (const PrefetchTask& t : tasks)
        out() << "  #" << t.id << ' ' << stateName(t.state) << ' ' << t.kind << ' ' << t.studyUid << " from " << t.archive << " attempts " << t.attempts
              << (t.notBefore > 0 && t.state == PrefetchTask::State::Queued ? " next try " + when(t.notBefore) : QString())
              << (t.lastError.isEmpty() ? QString() : " (" + t.lastError + ")") << '\n';
    if (archives.empty() && tasks.empty()) out() << "nothing waits\n";
    return 0;
}

}  // namespace

int runQueue(const QStringList& args)
{
    CliArgs a(args, {"--config", "--cache"}, {"--json", "--all"});
    if (!a.ok()) return fail(a.error(), 2);
    const QString usage = "usage: lightbox queue [list] [--json] [--all] | deliver | retry [ID] | cancel ID";
    const QString sub = a.positional().value(0, "list");
    const QString cacheDir = storage::resolveCacheDir(a.value("--cache").value_or(QString()));
    auto box = Outbox::open(cacheDir);
    if (!box) return fail("outbox: " + QString::fromStdString(box.error().message));
    if (sub == "list") return list(**box, cacheDir, a);
    bool numeric = true;
    const qint64 id = a.positional().value(1).toLongLong(&numeric);
    if (sub == "retry") {
        if (a.positional().size() > 1 && (!numeric || id <= 0)) return fail(usage, 2);
        auto n = (*box)->retryNow(a.positional().size() > 1 ? id : 0);
        if (!n) return fail(QString::fromStdString(n.error().message));
        out() << *n << " items due now\n";
        return 0;
    }
    if (sub == "cancel") {
        if (!numeric || id <= 0) return fail(usage, 2);
        if (Status st = (*box)->cancel(id); !st) return fail(QString::fromStdString(st.error().message));
        out() << "item " << id << " cancelled: not sent\n";
        return 0;
    }
    if (sub == "deliver") {
        auto config = AppConfig::load(AppConfig::resolvePath(a.value("--config").value_or(QString())));
        if (!config) return fail(QString::fromStdString(config.error().message));
        stopOnSignals();
        const DeliveryRound r = deliverDue(**box, *config, cacheDir, {}, &stopRequested(),
                                           [](const QString& line) { QTextStream(stderr) << "lightbox: " << line << '\n'; });
        out() << r.sent << " sent, " << r.foundThere << " found at the archive already, " << r.retrying << " to try again later, " << r.failed
              << " given up\n";
        return r.retrying + r.failed > 0 ? 75 : 0;
    }
    return fail(usage, 2);
}

}  // namespace lightbox::app
