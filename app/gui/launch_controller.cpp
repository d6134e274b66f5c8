#include "launch_controller.h"

#include "auditor.h"
#include "cache_service.h"
#include "launch_screenshots.h"
#include "main_window.h"
#include "network_service.h"
#include "reading_session.h"
#include "session_guard.h"

#include <QCoreApplication>
#include <QFutureWatcher>
#include <QJsonArray>
#include <QPointer>
#include <QStatusBar>
#include <QtConcurrent>

namespace lightbox::app {

namespace {

struct ArchiveAnswers {
    std::vector<LaunchCandidate> found;
    QStringList problems;  // "archive: why", for archives that did not answer
};

QJsonObject accepted(const LaunchCandidate& c, const QString& source)
{
    return {{"state", "accepted"},
            {"study", QString::fromStdString(c.row.studyUid)},
            {"patientName", QString::fromStdString(c.row.patientName)},
            {"patientId", QString::fromStdString(c.row.patientId)},
            {"accession", QString::fromStdString(c.row.accession)},
            {"source", source},
            {"pid", QCoreApplication::applicationPid()}};
}

}  // namespace

LaunchController::LaunchController(MainWindow& window, CacheService& cache, NetworkService& network, SessionGuard& guard, QObject* parent)
    : QObject(parent), m_window(window), m_cache(cache), m_network(network), m_guard(guard)
{
}

void LaunchController::refuse(const LaunchReply& reply, const QString& why, const char* state)
{
    m_window.statusBar()->showMessage(tr("Launch request: %1").arg(why), 15000);
    reply({{"state", state}, {"error", why}});
}

void LaunchController::handle(const LaunchRequest& request, LaunchReply reply)
{
    // Whoever is signed in opens it: the screen must be theirs, unlocked, and they must be allowed to read.
    if (m_guard.locked()) return refuse(reply, tr("Lightbox is locked; unlock it, then ask again"));
    const auto auditor = security::currentAuditor();
    if (!auditor) return refuse(reply, tr("nobody is signed in to Lightbox"));
    if (Status allowed = auditor->require(security::Permission::Read, "open " + describeLaunch(request).toStdString() + " from outside"); !allowed)
        return refuse(reply, QString::fromStdString(allowed.error().message));

    auto* watcher = new QFutureWatcher<std::vector<storage::StudyRow>>(this);
    connect(watcher, &QFutureWatcher<std::vector<storage::StudyRow>>::finished, this, [this, watcher, request, reply] {
        watcher->deleteLater();
        std::vector<LaunchCandidate> rows;
        for (const storage::StudyRow& r : watcher->result()) rows.push_back({r, {}});
        const Result<LaunchCandidate> chosen = chooseLaunchStudy(request, rows);
        if (chosen) return open(*chosen, request, reply);
        if (chosen.error().code == "ambiguous") return refuse(reply, QString::fromStdString(chosen.error().message));
        searchArchives(request, reply);
    });
    watcher->setFuture(m_cache.search(launchQuery(request)));
}

void LaunchController::searchArchives(const LaunchRequest& request, LaunchReply reply)
{
    const AppConfig config = m_network.config();
    if (config.archives.empty()) return refuse(reply, tr("no study with %1 in the cache, and no archive is configured").arg(describeLaunch(request)));
    const QString cacheDir = m_cache.folder();
    const storage::StudyQuery query = launchQuery(request);
    auto* watcher = new QFutureWatcher<ArchiveAnswers>(this);
    connect(watcher, &QFutureWatcher<ArchiveAnswers>::finished, this, [this, watcher, request, reply] {
        watcher->deleteLater();
        const ArchiveAnswers answers = watcher->result();
        const Result<LaunchCandidate> chosen = chooseLaunchStudy(request, answers.found);
        if (chosen) return retrieveThenOpen(*chosen, request, reply);
        QString why = QString::fromStdString(chosen.error().message);
        if (chosen.error().code == "not-found") why = tr("no study with %1 in the cache or on the archives").arg(describeLaunch(request));
        if (!answers.problems.isEmpty()) why += tr(" (not answering: %1)").arg(answers.problems.join("; "));
        refuse(reply, why);
    });
    // Not on the viewer's pool, never on this thread: an archive may take its time to answer.
    watcher->setFuture(QtConcurrent::run([config, query, cacheDir] {
        ArchiveAnswers answers;
        for (const ArchiveEntry& archive : config.archives) {
            auto found = findRemoteStudies(archive, config.local, query, cacheDir);
            if (!found) {
                answers.problems << archive.name + ": " + QString::fromStdString(found.error().message);
                continue;
            }
            for (const RemoteStudy& s : *found) answers.found.push_back({s.row, archive.name});
        }
        return answers;
    }));
}

void LaunchController::retrieveThenOpen(const LaunchCandidate& found, const LaunchRequest& request, LaunchReply reply)
{
    const ArchiveEntry* archive = m_network.config().find(found.archive);
    if (!archive) return refuse(reply, tr("the archive %1 is no longer configured").arg(found.archive));
    const QString uid = QString::fromStdString(found.row.studyUid);
    const QString label = QStringLiteral("%1 — %2 (%3)").arg(QString::fromStdString(found.row.patientName), QString::fromStdString(found.row.studyDate),
                                                            describeLaunch(request));
    // The one retrieve path: queued with progress in the Transfers panel, run off this thread.
    const int id = m_network.enqueueRetrieve(found.archive, uid, {}, label, NetworkService::defaultMethod(*archive));
    reply(accepted(found, tr("archive %1 (retrieving)").arg(found.archive)));
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(&m_network, &NetworkService::transferFinished, this, [this, id, found, request, reply, connection](int done, bool ok) {
        if (done != id) return;
        disconnect(*connection);
        if (!ok) {
            const Transfer* t = m_network.transfer(id);
            return refuse(reply, tr("the study could not be retrieved from %1: %2").arg(found.archive, t ? t->status : QString()), "failed");
        }
        LaunchCandidate cached = found;
        cached.archive.clear();
        LaunchRequest again = request;
        open(cached, again, [reply](const QJsonObject& r) {
            if (r.value("state").toString() != "accepted") reply(r);  // accepted was said already
        });
    });
}

void LaunchController::open(const LaunchCandidate& found, const LaunchRequest& request, LaunchReply reply)
{
    reply(accepted(found, found.archive.isEmpty() ? tr("the cache") : found.archive));
    const QString uid = QString::fromStdString(found.row.studyUid);
    m_window.readStudy(uid);
    QPointer<ReadingSession> session = m_window.readingSession();
    if (!session) return refuse(reply, tr("the study could not be opened"), "failed");
    auto answered = std::make_shared<bool>(false);
    connect(session, &ReadingSession::failed, this, [this, reply, answered](const QString& why) {
        if (std::exchange(*answered, true)) return;
        refuse(reply, why, "failed");
    });
    connect(session, &ReadingSession::opened, this, [reply, answered, session, request] {
        if (std::exchange(*answered, true) || request.screenshotDir.isEmpty()) return;
        saveWhenPainted(session, request.screenshotDir, [reply](const LaunchShots& shots) {
            if (!shots.error.isEmpty()) return reply({{"state", "failed"}, {"error", shots.error}});
            reply({{"state", "shown"}, {"files", QJsonArray::fromStringList(shots.files)}, {"titles", QJsonArray::fromStringList(shots.titles)}});
        });
    });
}

}  // namespace lightbox::app
