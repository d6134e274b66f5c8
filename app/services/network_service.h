#pragma once
// The GUI's link to archives: the settings (our AE title and port, the archives), the always-on
// storage listener (instances arrive straight into the cache), remote searches, connection tests,
// and a queue of transfers (retrieve, export, and the jobs of higher layers: sending through the
// outbox, making studies available offline) run in the background with progress, cancel and retry.
// Everything blocking runs on its own threads; signals arrive on the GUI thread.
#include "app_config.h"
#include "archive_ops.h"
#include "export_study.h"

#include <QFuture>
#include <QObject>
#include <QThreadPool>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

class QTimer;

namespace lightbox::storage {
class Receiver;
}
namespace lightbox::net {
class StorageListener;
}

namespace lightbox::app {

class ReceiverSink;

// A job of a higher layer run in the transfer queue (make available offline, send through the
// outbox): it reports progress with `progress(done, total, stage)`, stops soon after `stop` is
// set, and says how it ended. `byUser` is set too when the user cancelled it (Cancel), not when
// Lightbox is closing.
struct TaskOutcome {
    bool ok = false;
    QString status;
    int done = 0, total = 0;
};
using TaskProgress = std::function<void(int done, int total, const QString& stage)>;
using TaskFn = std::function<TaskOutcome(const TaskProgress& progress, const std::atomic<bool>& stop, const std::atomic<bool>& byUser)>;

struct Transfer {
    enum class Kind { Retrieve, Export, Task } kind = Kind::Retrieve;
    enum class State { Queued, Running, Done, Failed, Cancelled } state = State::Queued;
    int id = 0;
    QString archive;
    QString studyUid, seriesUid;
    QString label;          // patient and study, for people
    RetrieveMethod method = RetrieveMethod::Get;
    bool stow = false;
    int done = 0, total = 0;
    QString status;         // the stage, or the outcome
    std::shared_ptr<const ExportSpec> exportSpec;  // an export's job (archive: its destination in words)
    QStringList details;    // an export's instances refused for burned-in text, one line each
    std::shared_ptr<const TaskFn> task;  // a Task's work, run again by retry
    QString taskKind;       // a Task's kind in words ("offline", "outbox C-STORE")
    bool taskFills = false; // a Task that brings studies into the cache (cacheChanged when it ends)
    std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
    std::shared_ptr<std::atomic<bool>> cancelledByUser = std::make_shared<std::atomic<bool>>(false);
};

class NetworkService : public QObject {
    Q_OBJECT
public:
    NetworkService(QString configPath, QString cacheDir, QObject* parent = nullptr);
    ~NetworkService() override;

    const AppConfig& config() const { return m_config; }
    QString configError() const { return m_configError; }
    // Saves and applies (restarts the listener when its AE title or port changed).
    QString setConfig(const AppConfig& config);

    // The listener: on when the settings say so; its state in words.
    void startListener();
    void stopListener();
    QString listenerStatus() const { return m_listenerStatus; }
    bool listening() const;

    QFuture<Result<std::vector<RemoteStudy>>> find(const QString& archive, const storage::StudyQuery& query);
    // C-ECHO and/or a QIDO-RS query; empty string: it works.
    QFuture<QString> test(const ArchiveEntry& archive);

    int enqueueRetrieve(const QString& archive, const QString& studyUid, const QString& seriesUid, const QString& label, RetrieveMethod method);
    // Exports cached studies (app/services/export_study.h) in the queue; `label` names them.
    int enqueueExport(const ExportSpec& spec, const QString& label);
    // A job of a higher layer (TaskFn) in the queue; `kind` names it in the transfers panel.
    int enqueueTask(const QString& kind, const QString& archive, const QString& label, TaskFn task, bool fillsCache);
    void cancel(int id);
    void retry(int id);
    const std::vector<Transfer>& transfers() const { return m_transfers; }
    const Transfer* transfer(int id) const;
    // The default retrieve method for an archive: C-GET, else WADO-RS.
    static RetrieveMethod defaultMethod(const ArchiveEntry& a);

signals:
    void transferChanged(int id);
    void transferFinished(int id, bool ok);
    void listenerChanged(const QString& status);
    void received(const QString& callingAe, int count);  // instances the listener stored lately
    void cacheChanged();

private:
    int enqueue(Transfer t);
    void start(int id);
    void startExport(int id);
    void startTask(int id);
    Transfer* find(int id);

    QString m_configPath, m_cacheDir, m_configError;
    AppConfig m_config;
    QThreadPool m_pool;  // transfers and searches: never the viewer's pool
    std::unique_ptr<storage::Receiver> m_receiver;
    std::unique_ptr<ReceiverSink> m_sink;
    std::unique_ptr<net::StorageListener> m_listener;
    QString m_listenerStatus;
    std::vector<Transfer> m_transfers;
    int m_nextId = 1;
    std::atomic<int> m_receivedSinceTick{0};
    QTimer* m_tick = nullptr;
};

}  // namespace lightbox::app
