#include "launch_channel.h"

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalSocket>
#include <QStandardPaths>

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace lightbox::app {

namespace {

// The folder must be a real folder of this user that nobody else can enter.
Status checkPrivateFolder(const QString& dir)
{
    const QByteArray path = QFile::encodeName(dir);
    if (::mkdir(path.constData(), 0700) != 0 && errno != EEXIST)
        return makeError("runtime-dir", "cannot make " + dir.toStdString() + ": " + std::strerror(errno));
    struct stat st {};
    if (::lstat(path.constData(), &st) != 0) return makeError("runtime-dir", "cannot read " + dir.toStdString() + ": " + std::strerror(errno));
    if (!S_ISDIR(st.st_mode) || st.st_uid != ::getuid() || (st.st_mode & 077) != 0)
        return makeError("runtime-dir", dir.toStdString() + " is not a private folder of this user (it must be owned by the user, mode 0700); "
                                                             "Lightbox neither listens nor connects there");
    return Done{};
}

}  // namespace

Result<QString> launchSocketPath(const QString& cacheDir)
{
    QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (runtime.isEmpty()) runtime = QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
    if (runtime.isEmpty()) return makeError("runtime-dir", "no runtime folder for this user (XDG_RUNTIME_DIR)");
    const QString dir = QDir(runtime).filePath("lightbox");
    if (Status ok = checkPrivateFolder(dir); !ok) return ok.error();
    const QFileInfo cache(cacheDir);
    const QString identity = cache.exists() ? cache.canonicalFilePath() : cache.absoluteFilePath();
    const QByteArray hash = QCryptographicHash::hash(identity.toUtf8(), QCryptographicHash::Sha256).toHex().left(16);
    return QDir(dir).filePath(QStringLiteral("launch-") + QString::fromLatin1(hash));
}

QString launchLockPath(const QString& socketPath) { return socketPath + QStringLiteral(".lock"); }

bool isFinalLaunchReply(const QJsonObject& reply, bool waitingForScreenshots)
{
    const QString state = reply.value("state").toString();
    return state != "accepted" || !waitingForScreenshots;
}

Result<QJsonObject> deliverLaunch(const QString& socketPath, const LaunchRequest& request, const std::function<void(const QJsonObject&)>& onReply,
                                  int replyTimeoutMs)
{
    if (!QFileInfo::exists(socketPath)) return makeError("no-instance", "no Lightbox is running for this cache");
    QLocalSocket socket;
    socket.connectToServer(socketPath);
    if (!socket.waitForConnected(3000)) {
        const auto e = socket.error();
        if (e == QLocalSocket::ServerNotFoundError || e == QLocalSocket::ConnectionRefusedError)
            return makeError("no-instance", "no Lightbox is running for this cache (a stale socket was left)");
        return makeError("connect", "cannot reach the running Lightbox: " + socket.errorString().toStdString());
    }
    socket.write(launchRequestLine(request));
    if (!socket.waitForBytesWritten(5000)) return makeError("connect", "cannot send to the running Lightbox: " + socket.errorString().toStdString());
    const bool wait = !request.screenshotDir.isEmpty();
    QDeadlineTimer deadline(replyTimeoutMs);
    while (true) {
        while (socket.canReadLine()) {
            const QByteArray line = socket.readLine(64 * 1024);
            const QJsonDocument doc = QJsonDocument::fromJson(line.trimmed());
            if (!doc.isObject()) return makeError("protocol", "the running Lightbox answered something that is not JSON");
            const QJsonObject reply = doc.object();
            if (onReply) onReply(reply);
            if (isFinalLaunchReply(reply, wait)) return reply;
        }
        if (socket.state() != QLocalSocket::ConnectedState && socket.bytesAvailable() == 0)
            return makeError("protocol", "the running Lightbox closed the connection before its answer");
        if (deadline.hasExpired()) return makeError("timeout", "the running Lightbox did not answer in time");
        socket.waitForReadyRead(int(std::min<qint64>(deadline.remainingTime(), 1000)));
    }
}

QString launchReplyText(const QJsonObject& r)
{
    const QString state = r.value("state").toString();
    if (state == "accepted")
        return QStringLiteral("opening study %1 of %2 (ID %3) from %4 in Lightbox (pid %5)")
            .arg(r.value("study").toString(), r.value("patientName").toString(), r.value("patientId").toString(), r.value("source").toString())
            .arg(r.value("pid").toInteger());
    if (state == "shown") {
        QStringList files, titles;
        for (const QJsonValue& f : r.value("files").toArray()) files << f.toString();
        for (const QJsonValue& t : r.value("titles").toArray()) titles << t.toString();
        return QStringLiteral("shown in %1 window(s): %2; screenshots: %3").arg(titles.size()).arg(titles.join(" | "), files.join(", "));
    }
    return r.value("error").toString();
}

}  // namespace lightbox::app
