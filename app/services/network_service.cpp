#include "network_service.h"

#include "audit_facts.h"

#include "dicomweb_client.h"
#include "dimse_echo.h"
#include "receiver.h"
#include "receiver_sink.h"
#include "storage_listener.h"

#include <QMetaObject>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

namespace lightbox::app {

NetworkService::NetworkService(QString configPath, QString cacheDir, QObject* parent)
    : QObject(parent), m_configPath(std::move(configPath)), m_cacheDir(std::move(cacheDir))
{
    m_pool.setMaxThreadCount(4);
    auto c = AppConfig::load(m_configPath);
    if (c) m_config = *c;
    else m_configError = QString::fromStdString(c.error().message);
    // What the listener stored (indexed, by the receiver's own thread), told a few times a second;
    // the GUI thread never waits for the receiver.
    m_tick = new QTimer(this);
    m_tick->setInterval(500);
    connect(m_tick, &QTimer::timeout, this, [this] {
        const int n = m_receivedSinceTick.exchange(0);
        if (n == 0) return;
        emit received(QString(), n);
        emit cacheChanged();
    });
    m_tick->start();
}

NetworkService::~NetworkService()
{
    for (Transfer& t : m_transfers) t.cancel->store(true);
    m_pool.waitForDone();
    stopListener();
    m_sink.reset();
    m_receiver.reset();  // stores what is still queued (its callback uses this object's counter)
}

QString NetworkService::setConfig(const AppConfig& config)
{
    const bool restart = !(config.local == m_config.local);
    AppConfig next = config;
    // Saved at this service's path whatever the copy says.
    auto reloaded = AppConfig::load(m_configPath);
    if (reloaded) {
        AppConfig target = *reloaded;
        target.local = next.local;
        target.archives = next.archives;
        if (auto s = target.save(); !s) return QString::fromStdString(s.error().message);
        m_config = target;
    } else {
        return QString::fromStdString(reloaded.error().message);
    }
    m_configError.clear();
    if (restart) {
        stopListener();
        if (m_config.local.listen) startListener();
    }
    return {};
}

bool NetworkService::listening() const { return m_listener && m_listener->running(); }

void NetworkService::startListener()
{
    if (listening()) return;
    if (!m_receiver) {
        auto r = storage::Receiver::open(m_cacheDir.toStdString(), "listener");
        if (!r) {
            m_listenerStatus = tr("Listener off: %1").arg(QString::fromStdString(r.error().message));
            emit listenerChanged(m_listenerStatus);
            return;
        }
        m_receiver = std::move(*r);
        m_receiver->setOnStored([this](std::size_t n) { m_receivedSinceTick += int(n); });
        m_sink = std::make_unique<ReceiverSink>(*m_receiver);
    }
    const net::ListenerOptions lo = listenerOptions(m_config);
    m_listener = std::make_unique<net::StorageListener>(lo, *m_sink);
    m_listener->setOnRefusedCaller([](const net::RefusedCaller& c) { auditRefusedCaller(c); });
    if (auto s = m_listener->start(); !s) {
        m_listener.reset();
        m_listenerStatus = tr("Listener off: %1").arg(QString::fromStdString(s.error().message));
    } else {
        m_listenerStatus = tr("Listening as %1 on port %2%3, for %n known peer(s)", nullptr, int(lo.peers.size()))
                               .arg(m_config.local.aeTitle)
                               .arg(m_config.local.port)
                               .arg(lo.tls.enabled ? tr(" (TLS)") : QString());
        for (const std::string& w : m_listener->warnings()) m_listenerStatus += "; " + QString::fromStdString(w);
    }
    emit listenerChanged(m_listenerStatus);
}

void NetworkService::stopListener()
{
    if (m_listener) m_listener->stop();
    m_listener.reset();  // what it received is stored by the receiver's own thread
    m_listenerStatus = tr("Listener off");
    emit listenerChanged(m_listenerStatus);
}

QFuture<Result<std::vector<RemoteStudy>>> NetworkService::find(const QString& archive, const storage::StudyQuery& query)
{
    const ArchiveEntry* e = m_config.find(archive);
    const ArchiveEntry entry = e ? *e : ArchiveEntry{};
    const LocalNode local = m_config.local;
    const QString cache = m_cacheDir;
    return QtConcurrent::run(&m_pool, [entry, local, query, cache]() -> Result<std::vector<RemoteStudy>> {
        if (entry.name.isEmpty()) return makeError("config", "no such archive");
        return findRemoteStudies(entry, local, query, cache);
    });
}

QFuture<QString> NetworkService::test(const ArchiveEntry& archive)
{
    const LocalNode local = m_config.local;
    return QtConcurrent::run(&m_pool, [archive, local]() -> QString {
        QStringList problems;
        if (archive.hasDimse())
            if (auto r = net::echo(archive.peer(local)); !r) problems << tr("DIMSE: %1").arg(QString::fromStdString(r.error().message));
        if (archive.hasWeb())
            if (auto r = net::qido(archive.web(), "studies", {{"limit", "1"}}); !r)
                problems << tr("DICOMweb: %1").arg(QString::fromStdString(r.error().message));
        if (!archive.hasDimse() && !archive.hasWeb()) problems << tr("neither DIMSE nor DICOMweb settings");
        return problems.join("\n");
    });
}

RetrieveMethod NetworkService::defaultMethod(const ArchiveEntry& a) { return a.hasDimse() ? RetrieveMethod::Get : RetrieveMethod::Wado; }

Transfer* NetworkService::find(int id)
{
    for (Transfer& t : m_transfers)
        if (t.id == id) return &t;
    return nullptr;
}

const Transfer* NetworkService::transfer(int id) const
{
    for (const Transfer& t : m_transfers)
        if (t.id == id) return &t;
    return nullptr;
}

int NetworkService::enqueue(Transfer t)
{
    t.id = m_nextId++;
    t.status = tr("queued");
    m_transfers.push_back(t);
    emit transferChanged(t.id);
    start(t.id);
    return t.id;
}

int NetworkService::enqueueRetrieve(const QString& archive, const QString& studyUid, const QString& seriesUid, const QString& label, RetrieveMethod method)
{
    Transfer t;
    t.kind = Transfer::Kind::Retrieve;
    t.archive = archive;
    t.studyUid = studyUid;
    t.seriesUid = seriesUid;
    t.label = label;
    t.method = method;
    return enqueue(t);
}

int NetworkService::enqueueExport(const ExportSpec& spec, const QString& label)
{
    Transfer t;
    t.kind = Transfer::Kind::Export;
    t.archive = spec.destination();
    t.studyUid = spec.studyUids.empty() ? QString() : QString::fromStdString(spec.studyUids.front());
    t.label = label;
    t.stow = spec.useStow;
    t.exportSpec = std::make_shared<const ExportSpec>(spec);
    return enqueue(t);
}

int NetworkService::enqueueTask(const QString& kind, const QString& archive, const QString& label, TaskFn task, bool fillsCache)
{
    Transfer t;
    t.kind = Transfer::Kind::Task;
    t.archive = archive;
    t.label = label;
    t.taskKind = kind;
    t.taskFills = fillsCache;
    t.task = std::make_shared<const TaskFn>(std::move(task));
    return enqueue(t);
}

void NetworkService::cancel(int id)
{
    if (Transfer* t = find(id)) {
        t->cancelledByUser->store(true);
        t->cancel->store(true);
    }
}

void NetworkService::retry(int id)
{
    Transfer* t = find(id);
    if (!t || t->state == Transfer::State::Running || t->state == Transfer::State::Queued) return;
    t->cancel = std::make_shared<std::atomic<bool>>(false);
    t->cancelledByUser = std::make_shared<std::atomic<bool>>(false);
    t->state = Transfer::State::Queued;
    t->status = tr("queued");
    emit transferChanged(id);
    start(id);
}

void NetworkService::start(int id)
{
    Transfer* t = find(id);
    if (t->kind == Transfer::Kind::Export) return startExport(id);
    if (t->kind == Transfer::Kind::Task) return startTask(id);
    const ArchiveEntry* archive = m_config.find(t->archive);
    if (!archive) {
        t->state = Transfer::State::Failed;
        t->status = tr("no archive named %1").arg(t->archive);
        emit transferChanged(id);
        emit transferFinished(id, false);
        return;
    }
    const Transfer copy = *t;
    const ArchiveEntry entry = *archive;
    const LocalNode local = m_config.local;
    const QString cache = m_cacheDir;
    // Progress from the worker thread, delivered on the GUI thread.
    auto update = [this, id](int done, int total, QString status) {
        QMetaObject::invokeMethod(this, [this, id, done, total, status] {
            if (Transfer* x = find(id)) {
                x->state = Transfer::State::Running;
                x->done = done;
                x->total = total;
                x->status = status;
                emit transferChanged(id);
            }
        });
    };
    auto finish = [this, id](bool ok, bool cancelled, QString status, int done, int total) {
        QMetaObject::invokeMethod(this, [this, id, ok, cancelled, status, done, total] {
            if (Transfer* x = find(id)) {
                x->state = ok ? Transfer::State::Done : cancelled ? Transfer::State::Cancelled : Transfer::State::Failed;
                x->status = status;
                x->done = done;
                x->total = total;
                emit transferChanged(id);
                emit transferFinished(id, ok);
                if (x->kind == Transfer::Kind::Retrieve) emit cacheChanged();
            }
        });
    };
    (void)QtConcurrent::run(&m_pool, [copy, entry, local, cache, update, finish] {
        RetrieveSpec spec;
        spec.archive = entry;
        spec.local = local;
        spec.cacheDir = cache;
        spec.studyUid = copy.studyUid.toStdString();
        if (!copy.seriesUid.isEmpty()) spec.seriesUids = {copy.seriesUid.toStdString()};
        spec.method = copy.method;
        const RetrieveReport r = retrieve(spec, [&](const RetrieveProgress& p) { update(p.done, p.total, p.stage); }, copy.cancel.get());
        QString status;
        if (r.complete()) status = tr("complete: %1 received, %2 already cached").arg(r.received).arg(r.alreadyCached);
        else if (r.cancelled) status = tr("cancelled: %1 of %2 in the cache").arg(r.expected - r.missingCount()).arg(r.expected);
        else
            status = tr("incomplete: %1 missing; %2").arg(r.missingCount()).arg(r.errors.empty() ? QString() : QString::fromStdString(r.errors.back()));
        finish(r.complete(), r.cancelled, status, r.expected - r.missingCount(), r.expected);
    });
}

// A higher layer's job: progress and outcome come back to the GUI thread like a transfer's.
void NetworkService::startTask(int id)
{
    const Transfer copy = *find(id);
    (void)QtConcurrent::run(&m_pool, [this, id, copy] {
        const TaskProgress progress = [this, id](int done, int total, const QString& stage) {
            QMetaObject::invokeMethod(this, [this, id, done, total, stage] {
                if (Transfer* x = find(id); x && x->state != Transfer::State::Done) {
                    x->state = Transfer::State::Running;
                    x->done = done;
                    x->total = total;
                    x->status = stage;
                    emit transferChanged(id);
                }
            });
        };
        const TaskOutcome r = (*copy.task)(progress, *copy.cancel, *copy.cancelledByUser);
        const bool cancelled = !r.ok && copy.cancel->load();
        QMetaObject::invokeMethod(this, [this, id, r, cancelled] {
            if (Transfer* x = find(id)) {
                x->state = r.ok ? Transfer::State::Done : cancelled ? Transfer::State::Cancelled : Transfer::State::Failed;
                x->status = r.status;
                x->done = r.done;
                x->total = r.total;
                emit transferChanged(id);
                emit transferFinished(id, r.ok);
                if (x->taskFills) emit cacheChanged();
            }
        });
    });
}

// The export service does the job (permission, audit, nothing left behind when it fails); the
// outcome comes back to the GUI thread as the transfer's status and details.
void NetworkService::startExport(int id)
{
    const Transfer copy = *find(id);
    (void)QtConcurrent::run(&m_pool, [this, id, copy] {
        const auto progress = [this, id](const ExportProgress& p) {
            QMetaObject::invokeMethod(this, [this, id, p] {
                if (Transfer* x = find(id); x && x->state != Transfer::State::Done) {
                    x->state = Transfer::State::Running;
                    x->done = p.done;
                    x->total = p.total;
                    x->status = p.stage;
                    emit transferChanged(id);
                }
            });
        };
        const ExportReport r = exportStudies(*copy.exportSpec, progress, copy.cancel.get());
        const QString where = copy.exportSpec->destination();
        QString status;
        const auto count = [](int n, const QString& one, const QString& many) { return n == 1 ? one : many.arg(n); };
        if (r.ok())
            status = tr("exported %1 of %2 to %3")
                         .arg(count(r.instances, tr("1 instance"), tr("%1 instances")), count(int(r.studies.size()), tr("1 study"), tr("%1 studies")), where);
        else if (r.cancelled) status = tr("cancelled; nothing was left at %1").arg(where);
        else if (!r.refused.isEmpty())
            status = tr("refused: %1 may show burned-in identifying text; nothing was exported")
                         .arg(count(int(r.refused.size()), tr("1 image"), tr("%1 images")));
        else status = tr("failed: %1").arg(r.error);
        QMetaObject::invokeMethod(this, [this, id, r, status] {
            if (Transfer* x = find(id)) {
                x->state = r.ok() ? Transfer::State::Done : r.cancelled ? Transfer::State::Cancelled : Transfer::State::Failed;
                x->status = status;
                x->details = r.refused;
                x->done = r.instances;
                x->total = std::max(x->total, r.instances);
                emit transferChanged(id);
                emit transferFinished(id, r.ok());
            }
        });
    });
}

}  // namespace lightbox::app
