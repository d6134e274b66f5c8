#include "cli_args.h"
#include "commands.h"
#include "display_image_qt.h"
#include "series_source.h"

#include "image_source.h"

#include <QTextStream>

namespace lightbox::app {

int fail(const QString& message, int code)
{
    QTextStream(stderr) << "lightbox: " << message << '\n';
    return code;
}

namespace {

bool parseWindow(const QString& text, WindowLevel& w)
{
    const QStringList parts = text.split(',');
    if (parts.size() != 2) return false;
    bool okC = false, okW = false;
    w.center = parts[0].trimmed().toDouble(&okC);
    w.width = parts[1].trimmed().toDouble(&okW);
    return okC && okW && w.width > 0;
}

}  // namespace

int runRender(const QStringList& args)
{
    CliArgs a(args, QStringList{"--out", "--frame", "--window", "--file-window", "--voi-lut", "--voi-function", "--view", "--slab-mm", "--slab-mode",
                                "--preset", "--size", "--position"} + seriesSourceOptions(),
              {"--invert"});
    if (!a.ok()) return fail(a.error(), 2);
    if (a.value("--view")) return runRenderView(a);
    if (a.positional().size() != 1 || !a.value("--out"))
        return fail("usage: lightbox render FILE --out PNG [--frame N] [--window C,W] [--file-window N] "
                    "[--voi-lut N] [--voi-function linear|linear-exact|sigmoid] [--invert]", 2);
    const QString in = a.positional().front();
    const QString out = *a.value("--out");

    std::uint32_t frame = 0;
    if (auto f = a.value("--frame")) {
        bool ok = false;
        const int n = f->toInt(&ok);
        if (!ok || n < 1) return fail("--frame takes a frame number from 1", 2);
        frame = std::uint32_t(n - 1);
    }
    DisplayOptions options;
    options.invert = a.flag("--invert");
    if (auto w = a.value("--window")) {
        options.voi.kind = VoiChoice::Kind::Window;
        if (!parseWindow(*w, options.voi.window)) return fail("--window takes CENTER,WIDTH with WIDTH > 0", 2);
        const QString fn = a.value("--voi-function").value_or("linear");
        if (fn == "linear-exact") options.voi.window.function = VoiFunction::LinearExact;
        else if (fn == "sigmoid") options.voi.window.function = VoiFunction::Sigmoid;
        else if (fn != "linear") return fail("--voi-function is linear, linear-exact or sigmoid", 2);
    } else if (auto n = a.value("--file-window")) {
        options.voi.kind = VoiChoice::Kind::FileWindow;
        options.voi.index = n->toInt() - 1;
    } else if (auto n = a.value("--voi-lut")) {
        options.voi.kind = VoiChoice::Kind::VoiLut;
        options.voi.index = n->toInt() - 1;
    }

    auto source = ImageSource::open(in.toStdString());
    if (!source) return fail(QStringLiteral("%1: %2").arg(in, QString::fromStdString(source.error().message)));
    if (frame >= source->info().frames)
        return fail(QStringLiteral("%1: frame %2 requested, the image has %3").arg(in).arg(frame + 1).arg(source->info().frames));
    auto image = source->render(frame, options);
    if (!image) return fail(QStringLiteral("%1: %2").arg(in, QString::fromStdString(image.error().message)));
    QString error;
    if (!writePng(*image, out, &error)) return fail(QStringLiteral("%1: %2").arg(out, error));
    return 0;
}

}  // namespace lightbox::app
