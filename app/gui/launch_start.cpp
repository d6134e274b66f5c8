#include "launch_start.h"

#include "launch_channel.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QJsonObject>
#include <QTextStream>
#include <QThread>

namespace lightbox::app {

std::optional<int> deliverToStarting(const QString& cacheDir, const LaunchRequest& request, std::unique_ptr<LaunchServer>& server)
{
    const Result<QString> socket = launchSocketPath(cacheDir);
    const QDeadlineTimer deadline(120000);
    while (socket) {
        const auto said = deliverLaunch(*socket, request, [](const QJsonObject& reply) {
            const QString state = reply.value("state").toString();
            if (state == "accepted" || state == "shown") QTextStream(stdout) << "lightbox: " << launchReplyText(reply) << Qt::endl;
        });
        if (said) {
            const QString state = said->value("state").toString();
            if (state == "accepted" || state == "shown") return 0;
            QTextStream(stderr) << "lightbox: " << launchReplyText(*said) << '\n';
            return 1;
        }
        if (said.error().code != "no-instance") break;
        LaunchServer::Claim claim;
        QString why;
        if ((server = LaunchServer::claim(cacheDir, &claim, &why))) return std::nullopt;
        if (claim != LaunchServer::Claim::HeldByAnother || deadline.hasExpired()) break;
        QThread::msleep(100);  // the other Lightbox is between its lock and its socket
    }
    QTextStream(stderr) << "lightbox: another Lightbox holds this cache but does not answer launch requests\n";
    return 1;
}

LaunchReply terminalReply(const LaunchRequest& request)
{
    return [request](const QJsonObject& reply) {
        const QString state = reply.value("state").toString();
        const bool good = state == "accepted" || state == "shown";
        QTextStream(good ? stdout : stderr) << "lightbox: " << launchReplyText(reply) << Qt::endl;
        if (request.screenshotExit && isFinalLaunchReply(reply, true)) QCoreApplication::exit(good ? 0 : 1);
    };
}

}  // namespace lightbox::app
