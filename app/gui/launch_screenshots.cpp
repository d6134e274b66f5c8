#include "launch_screenshots.h"

#include "reading_session.h"
#include "reading_window.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QTimer>
#include <QWindow>

#include <sys/stat.h>

namespace lightbox::app {

namespace {

bool painted(const ReadingSession& session)
{
    if (session.windows().empty()) return false;
    for (ReadingWindow* w : session.windows())
        if (!w->isVisible() || !w->windowHandle() || !w->windowHandle()->isExposed() || !w->allShown()) return false;
    return true;
}

// One file, created 0600 (an older file of that name is replaced).
QString savePrivatePng(const QImage& image, const QString& path)
{
    QFile::remove(path);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly, QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
    if (!image.save(&file, "PNG")) return QStringLiteral("cannot write %1").arg(path);
    return {};
}

LaunchShots saveAll(const ReadingSession& session, const QString& dir)
{
    LaunchShots shots;
    if (!QDir(dir).exists()) {
        if (!QDir().mkpath(dir)) {
            shots.error = QStringLiteral("cannot make the folder %1").arg(dir);
            return shots;
        }
        ::chmod(QFile::encodeName(dir).constData(), 0700);
    }
    for (std::size_t i = 0; i < session.windows().size(); ++i) {
        ReadingWindow* w = session.windows()[i];
        const QString path = QDir(dir).filePath(QStringLiteral("screen-%1.png").arg(i + 1));
        // grab() paints the window and its views itself, as they are now.
        if (const QString e = savePrivatePng(w->grab().toImage(), path); !e.isEmpty()) {
            shots.error = e;
            return shots;
        }
        shots.files << path;
        shots.titles << w->windowTitle();
    }
    return shots;
}

}  // namespace

void saveWhenPainted(QPointer<ReadingSession> session, const QString& dir, std::function<void(const LaunchShots&)> done, int timeoutMs)
{
    auto* poll = new QTimer;
    const QDeadlineTimer deadline(timeoutMs);
    poll->setInterval(50);
    QObject::connect(poll, &QTimer::timeout, poll, [poll, session, dir, done, deadline] {
        LaunchShots shots;
        if (!session) shots.error = QStringLiteral("the study was closed before it was shown");
        else if (painted(*session)) shots = saveAll(*session, dir);
        else if (deadline.hasExpired()) shots.error = QStringLiteral("the layout was not painted in time");
        else return;
        poll->stop();
        poll->deleteLater();
        done(shots);
    });
    poll->start();
}

}  // namespace lightbox::app
