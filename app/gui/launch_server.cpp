#include "launch_server.h"

#include "launch_channel.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QLocalServer>
#include <QLocalSocket>
#include <QPointer>
#include <QTimer>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lightbox::app {

namespace {

constexpr qint64 kMaxRequestBytes = 8 * 1024;
constexpr int kRequestTimeoutMs = 10000;

// The caller's uid as the kernel knows it; -1 when it cannot be read.
long long peerUid(QLocalSocket* socket)
{
#ifdef SO_PEERCRED
    struct ucred cred {};
    socklen_t size = sizeof cred;
    if (::getsockopt(int(socket->socketDescriptor()), SOL_SOCKET, SO_PEERCRED, &cred, &size) == 0) return cred.uid;
    return -1;
#else
    Q_UNUSED(socket);
    return ::getuid();  // elsewhere the 0700 folder and the 0600 socket keep other users out
#endif
}

void sendLine(QLocalSocket* socket, const QJsonObject& reply)
{
    socket->write(QJsonDocument(reply).toJson(QJsonDocument::Compact) + '\n');
    socket->flush();
}

}  // namespace

std::unique_ptr<LaunchServer> LaunchServer::claim(const QString& cacheDir, Claim* claim, QString* why)
{
    *claim = Claim::Failed;
    const Result<QString> path = launchSocketPath(cacheDir);
    if (!path) {
        *why = QString::fromStdString(path.error().message);
        return nullptr;
    }
    const QByteArray lock = QFile::encodeName(launchLockPath(*path));
    const int fd = ::open(lock.constData(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        *why = QStringLiteral("cannot open %1: %2").arg(QFile::decodeName(lock), QString::fromLocal8Bit(std::strerror(errno)));
        return nullptr;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int e = errno;
        ::close(fd);
        if (e == EWOULDBLOCK) *claim = Claim::HeldByAnother;
        *why = e == EWOULDBLOCK ? QStringLiteral("another Lightbox serves this cache")
                                : QStringLiteral("cannot lock %1: %2").arg(QFile::decodeName(lock), QString::fromLocal8Bit(std::strerror(e)));
        return nullptr;
    }
    *claim = Claim::Claimed;
    return std::unique_ptr<LaunchServer>(new LaunchServer(*path, fd));
}

LaunchServer::LaunchServer(QString socketPath, int lockFd) : m_socketPath(std::move(socketPath)), m_lockFd(lockFd) {}

LaunchServer::~LaunchServer()
{
    if (m_server) m_server->close();  // removes the socket file
    if (m_lockFd >= 0) ::close(m_lockFd);  // and lets the next Lightbox take the lock
}

bool LaunchServer::listen(QString* why)
{
    QLocalServer::removeServer(m_socketPath);
    m_server = new QLocalServer(this);
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    if (!m_server->listen(m_socketPath)) {
        *why = QStringLiteral("cannot listen on %1: %2").arg(m_socketPath, m_server->errorString());
        return false;
    }
    ::chmod(QFile::encodeName(m_socketPath).constData(), 0600);
    connect(m_server, &QLocalServer::newConnection, this, &LaunchServer::onConnection);
    return true;
}

void LaunchServer::onConnection()
{
    while (QLocalSocket* socket = m_server->nextPendingConnection()) {
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
        if (peerUid(socket) != ::getuid()) {
            socket->abort();  // never another user's requests
            continue;
        }
        auto* timeout = new QTimer(socket);
        timeout->setSingleShot(true);
        connect(timeout, &QTimer::timeout, socket, [socket] {
            sendLine(socket, {{"state", "refused"}, {"error", "no request came within 10 s"}});
            socket->disconnectFromServer();
        });
        timeout->start(kRequestTimeoutMs);
        connect(socket, &QLocalSocket::readyRead, socket, [this, socket, timeout] {
            if (!socket->canReadLine()) {
                if (socket->bytesAvailable() > kMaxRequestBytes) {
                    sendLine(socket, {{"state", "refused"}, {"error", "the request is too long"}});
                    socket->disconnectFromServer();
                }
                return;
            }
            timeout->stop();
            disconnect(socket, &QLocalSocket::readyRead, socket, nullptr);  // one request per connection
            const Result<LaunchRequest> request = launchRequestFromJson(socket->readLine(kMaxRequestBytes));
            if (!request || !m_handler) {
                sendLine(socket, {{"state", "refused"}, {"error", request ? QStringLiteral("Lightbox is not ready") : QString::fromStdString(request.error().message)}});
                socket->disconnectFromServer();
                return;
            }
            const bool wait = !request->screenshotDir.isEmpty();
            QPointer<QLocalSocket> alive(socket);
            m_handler(*request, [alive, wait](const QJsonObject& reply) {
                if (!alive) return;  // the caller went away; the study opens all the same
                sendLine(alive, reply);
                if (isFinalLaunchReply(reply, wait)) alive->disconnectFromServer();
            });
        });
    }
}

}  // namespace lightbox::app
