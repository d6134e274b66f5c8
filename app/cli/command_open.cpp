// lightbox open --accession A | --patient-id P | --study UID | URL, and `lightbox lightbox://...`:
// hands the request to the Lightbox already running for this user and cache and prints its
// answers. When none runs, the caller starts the GUI in this process with the request.
#include "commands.h"

#include "cache_location.h"
#include "launch_channel.h"

#include <QCoreApplication>
#include <QJsonObject>
#include <QTextStream>

namespace lightbox::app {

std::optional<int> runOpen(int argc, char** argv)
{
    QStringList args;
    for (int i = 1; i < argc; ++i) args << QString::fromLocal8Bit(argv[i]);
    const Result<LaunchRequest> request = parseLaunchArguments(args);
    if (!request) return fail(QString::fromStdString(request.error().message), 2);
    const QString cacheDir = storage::resolveCacheDir(request->cacheDir);
    const Result<QString> socket = launchSocketPath(cacheDir);
    if (!socket) return fail(QString::fromStdString(socket.error().message), 1);

    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    const auto said = deliverLaunch(*socket, *request, [&out](const QJsonObject& reply) {
        const QString state = reply.value("state").toString();
        if (state == "accepted" || state == "shown") out << "lightbox: " << launchReplyText(reply) << Qt::endl;
    });
    if (!said && said.error().code == "no-instance") return std::nullopt;  // this process becomes the GUI
    if (!said) return fail(QString::fromStdString(said.error().message), 1);
    const QString state = said->value("state").toString();
    if (state == "accepted" || state == "shown") {
        if (request->screenshotExit)
            out << "lightbox: --screenshot-exit is ignored: the running Lightbox stays open for its user" << Qt::endl;
        return 0;
    }
    return fail(launchReplyText(*said), 1);
}

}  // namespace lightbox::app
