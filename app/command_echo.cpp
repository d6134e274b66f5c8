#include "cli_args.h"
#include "commands.h"

#include "dimse_echo.h"

#include <QElapsedTimer>
#include <QTextStream>

namespace lightbox::app {

int runEcho(const QStringList& args)
{
    CliArgs a(args, {"--host", "--port", "--aet", "--called-aet", "--timeout"}, {});
    if (!a.ok()) return fail(a.error(), 2);
    if (!a.value("--host") || !a.value("--port") || !a.positional().isEmpty())
        return fail("usage: lightbox echo --host HOST --port PORT [--called-aet AET] [--aet OUR_AET] [--timeout SECONDS]", 2);
    net::DicomPeer peer;
    peer.host = a.value("--host")->toStdString();
    bool ok = false;
    peer.port = a.value("--port")->toInt(&ok);
    if (!ok) return fail("--port takes a number", 2);
    if (auto v = a.value("--called-aet")) peer.calledAeTitle = v->toStdString();
    if (auto v = a.value("--aet")) peer.callingAeTitle = v->toStdString();
    if (auto v = a.value("--timeout")) peer.timeoutSeconds = std::max(1, v->toInt());
    QElapsedTimer t;
    t.start();
    auto r = net::echo(peer);
    if (!r) return fail(QString::fromStdString(r.error().message));
    QTextStream(stdout) << "C-ECHO to " << QString::fromStdString(peer.calledAeTitle) << " at " << *a.value("--host") << ":" << peer.port
                        << " succeeded in " << t.elapsed() << " ms\n";
    return 0;
}

}  // namespace lightbox::app
