#include "cli_args.h"
#include "commands.h"

#include "phantom.h"

#include <QDir>
#include <QTextStream>

namespace lightbox::app {

int runDemo(const QStringList& args)
{
    CliArgs a(args, {"--out", "--slices", "--size"}, {});
    if (!a.ok()) return fail(a.error(), 2);
    if (!a.value("--out") || !a.positional().isEmpty())
        return fail("usage: lightbox demo --out DIR [--slices N] [--size PIXELS]", 2);
    const QString dir = *a.value("--out");
    if (!QDir().mkpath(dir)) return fail(QStringLiteral("cannot create %1").arg(dir));
    PhantomOptions options;
    if (auto s = a.value("--slices")) options.slices = s->toInt();
    if (auto s = a.value("--size")) {
        options.rows = options.columns = s->toInt();
        options.pixelSpacingMm = 358.4 / std::max(1, options.columns);
    }
    auto study = writeCtPhantom(QDir(dir).absolutePath().toStdString(), options);
    if (!study) return fail(QString::fromStdString(study.error().message));
    QTextStream(stdout) << "wrote " << options.slices << " CT slices of study " << QString::fromStdString(*study)
                        << " to " << dir << '\n';
    return 0;
}

}  // namespace lightbox::app
