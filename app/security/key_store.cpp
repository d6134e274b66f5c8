#include "key_store.h"

#include <qt6keychain/keychain.h>

#include <QCoreApplication>
#include <QThread>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace lightbox::security {

namespace {

enum class Op { Store, Read, Delete };

struct Outcome {
    std::mutex mutex;
    std::condition_variable done;
    bool finished = false;
    QKeychain::Error error = QKeychain::NoError;
    QString message;
    QByteArray data;
};

// The one thread every qtkeychain job runs on (see the header for why it is process-wide).
QThread* g_thread = nullptr;
QObject* g_context = nullptr;
// True while a job that timed out has not finished: qtkeychain's queue is blocked behind it.
std::mutex g_stuckMutex;
bool g_stuck = false;

void stopThread()
{
    if (!g_thread) return;
    g_thread->quit();
    g_thread->wait(2000);
}

QObject* jobContext()
{
    static QObject* context = [] {
        g_thread = new QThread;
        g_thread->setObjectName("lightbox-key-store");
        g_thread->start();
        g_context = new QObject;
        g_context->moveToThread(g_thread);
        if (QCoreApplication::instance()) qAddPostRoutine(stopThread);
        return g_context;
    }();
    return context;
}

Error unavailable(const QString& why)
{
    return makeError("unavailable", ("no key store can be reached (" + why + "): use a passphrase instead").toStdString());
}

Error classify(QKeychain::Error error, const QString& message)
{
    switch (error) {
    case QKeychain::EntryNotFound: return makeError("not-found", "the key store has no such entry");
    case QKeychain::AccessDenied: return makeError("denied", ("the key store refused access: " + message).toStdString());
    case QKeychain::NoBackendAvailable: return unavailable(message);
    case QKeychain::OtherError:
        // libsecret reports a missing session bus or Secret Service as a plain GLib/D-Bus error.
        for (const char* sign : {"D-Bus", "DBus", "dbus", "org.freedesktop", "connect", "autolaunch", "Secret Service", "No such file"})
            if (message.contains(QLatin1String(sign))) return unavailable(message);
        [[fallthrough]];
    default: return makeError("key-store", ("the key store failed: " + message).toStdString());
    }
}

std::shared_ptr<Outcome> runJob(Op op, const QString& service, const QString& name, const QByteArray& bytes, const KeyStoreOptions& options,
                                Error& timedOut)
{
#if defined(Q_OS_UNIX) && !defined(Q_OS_MACOS)
    // Without a session bus address GLib would "autolaunch" a private bus through X11 (dbus-launch)
    // and a locked keyring behind it: never do that from a headless or CI process.
    if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS")) {
        timedOut = unavailable("no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set");
        return nullptr;
    }
#endif
    if (qEnvironmentVariable("LIGHTBOX_KEY_STORE") == "off") {
        timedOut = unavailable("LIGHTBOX_KEY_STORE=off");
        return nullptr;
    }
    {
        std::lock_guard lock(g_stuckMutex);
        if (g_stuck) {
            timedOut = unavailable("an earlier request got no answer and is still pending");
            return nullptr;
        }
    }
    auto out = std::make_shared<Outcome>();
    QMetaObject::invokeMethod(
        jobContext(),
        [=] {
            QKeychain::Job* job = nullptr;
            if (op == Op::Store) {
                auto* write = new QKeychain::WritePasswordJob(service);
                write->setBinaryData(bytes);
                job = write;
            } else if (op == Op::Read) {
                job = new QKeychain::ReadPasswordJob(service);
            } else {
                job = new QKeychain::DeletePasswordJob(service);
            }
            job->setAutoDelete(true);  // deleted after `finished`; a job cannot be cancelled safely
            job->setInsecureFallback(false);
            job->setKey(name);
            QObject::connect(job, &QKeychain::Job::finished, job, [out, op](QKeychain::Job* j) {
                std::lock_guard lock(out->mutex);
                out->error = j->error();
                out->message = j->errorString();
                if (op == Op::Read && j->error() == QKeychain::NoError) out->data = static_cast<QKeychain::ReadPasswordJob*>(j)->binaryData();
                out->finished = true;
                {
                    std::lock_guard stuck(g_stuckMutex);
                    g_stuck = false;
                }
                out->done.notify_all();
            });
            job->start();
        },
        Qt::QueuedConnection);

    std::unique_lock lock(out->mutex);
    if (!out->done.wait_for(lock, std::chrono::milliseconds(options.timeoutMs), [&] { return out->finished; })) {
        std::lock_guard stuck(g_stuckMutex);
        g_stuck = true;
        timedOut = unavailable(QString("no answer within %1 s").arg(options.timeoutMs / 1000.0));
        return nullptr;
    }
    return out;
}

}  // namespace

Status storeSecret(const QString& service, const QString& name, const QByteArray& bytes, const KeyStoreOptions& options)
{
    Error timedOut;
    auto out = runJob(Op::Store, service, name, bytes, options, timedOut);
    if (!out) return timedOut;
    if (out->error != QKeychain::NoError) return classify(out->error, out->message);
    return Done{};
}

Result<QByteArray> readSecret(const QString& service, const QString& name, const KeyStoreOptions& options)
{
    Error timedOut;
    auto out = runJob(Op::Read, service, name, {}, options, timedOut);
    if (!out) return timedOut;
    if (out->error != QKeychain::NoError) return classify(out->error, out->message);
    return out->data;
}

Status deleteSecret(const QString& service, const QString& name, const KeyStoreOptions& options)
{
    Error timedOut;
    auto out = runJob(Op::Delete, service, name, {}, options, timedOut);
    if (!out) return timedOut;
    if (out->error != QKeychain::NoError && out->error != QKeychain::EntryNotFound) return classify(out->error, out->message);
    return Done{};
}

}  // namespace lightbox::security
