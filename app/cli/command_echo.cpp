#include "cli_args.h"
#include "commands.h"

#include "app_config.h"
#include "dimse_echo.h"

#include <QElapsedTimer>
#include <QTextStream>

namespace lightbox::app {

int runEcho(const QStringList& args)
{
    CliArgs a(args, {"--host", "--port", "--aet", "--called-aet", "--timeout", "--archive", "--config"}, {});
    if (!a.ok()) return fail(a.error(), 2);
    net::DicomPeer peer;
    if (auto name = a.value("--archive")) {
        // An archive of the settings file.
        const QString path = a.value("--config").value_or(qEnvironmentVariable("LIGHTBOX_CONFIG").isEmpty() ? AppConfig::defaultPath()
                                                                                                             : qEnvironmentVariable("LIGHTBOX_CONFIG"));
        auto config = AppConfig::load(path);
        if (!config) return fail(QString::fromStdString(config.error().message));
        const ArchiveEntry* e = config->find(*name);
        if (!e) return fail("no archive named " + *name + " in " + path, 2);
        if (!e->hasDimse()) return fail("archive " + *name + " has no DIMSE settings to echo", 2);
        peer = e->peer(config->local);
    } else {
        if (!a.value("--host") || !a.value("--port") || !a.positional().isEmpty())
            return fail("usage: lightbox echo --host HOST --port PORT [--called-aet AET] [--aet OUR_AET] [--timeout SECONDS] | --archive NAME [--config FILE]", 2);
        peer.host = a.value("--host")->toStdString();
        bool ok = false;
        peer.port = a.value("--port")->toInt(&ok);
        if (!ok) return fail("--port takes a number", 2);
    }
    if (auto v = a.value("--called-aet")) peer.calledAeTitle = v->toStdString();
    if (auto v = a.value("--aet")) peer.callingAeTitle = v->toStdString();
    if (auto v = a.value("--timeout")) peer.timeoutSeconds = std::max(1, v->toInt());
    QElapsedTimer t;
    t.start();
    auto r = net::echo(peer);
    if (!r) return fail(QString::fromStdString(r.error().message));
    QTextStream(stdout) << "C-ECHO to " << QString::fromStdString(peer.calledAeTitle) << " at " << QString::fromStdString(peer.host) << ":" << peer.port
                        << " succeeded in " << t.elapsed() << " ms\n";
    return 0;
}

}  // namespace lightbox::app
