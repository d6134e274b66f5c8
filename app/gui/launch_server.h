#pragma once
// The running Lightbox's end of `lightbox open` (app/services/launch_channel.h): it holds the
// cache's launch lock (flock on <socket>.lock: the kernel lets go when the process dies, even by
// SIGKILL, so a stale socket never blocks the next start), listens on the socket (0600, in the
// user's 0700 runtime folder), refuses callers of another uid (SO_PEERCRED), reads one request line
// (at most 8 KiB, within 10 s) and hands it to the handler with a way to answer.
#include "launch_request.h"

#include <QJsonObject>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>

class QLocalServer;

namespace lightbox::app {

// Sends one reply line to whoever asked; the connection closes after the final one.
using LaunchReply = std::function<void(const QJsonObject&)>;

class LaunchServer : public QObject {
    Q_OBJECT
public:
    enum class Claim { Claimed, HeldByAnother, Failed };
    // Takes the lock of the cache's launch socket (made and checked first). HeldByAnother: a live
    // Lightbox serves this cache; Failed: `why` says what is wrong (e.g. an unsafe runtime folder).
    static std::unique_ptr<LaunchServer> claim(const QString& cacheDir, Claim* claim, QString* why);
    ~LaunchServer() override;

    // Listens (any socket file left by a dead Lightbox is removed first: this process holds the lock).
    bool listen(QString* why);
    QString socketPath() const { return m_socketPath; }
    void setHandler(std::function<void(const LaunchRequest&, LaunchReply)> handler) { m_handler = std::move(handler); }

private:
    LaunchServer(QString socketPath, int lockFd);
    void onConnection();

    QString m_socketPath;
    int m_lockFd = -1;
    QLocalServer* m_server = nullptr;
    std::function<void(const LaunchRequest&, LaunchReply)> m_handler;
};

}  // namespace lightbox::app
