// `lightbox render PATH --view axial|sagittal|coronal|mip|vr ...`: what the MPR and 3D viewports
// show, for a series given as a folder, a file or a series of the cache.
#include "cli_args.h"
#include "commands.h"
#include "display_image_qt.h"
#include "series_source.h"
#include "volume_render.h"

#include "reslice_frame.h"
#include "volume_loader.h"
#include "window_presets.h"

#include <QImage>
#include <QPainter>
#include <QSaveFile>

#include <cmath>
#include <optional>

namespace lightbox::app {

namespace {

bool parseSize(const QString& s, QSize& out)
{
    const QStringList p = s.toLower().split('x');
    if (p.size() != 2) return false;
    bool a = false, b = false;
    out = QSize(p[0].toInt(&a), p[1].toInt(&b));
    return a && b && out.width() > 0 && out.height() > 0 && out.width() <= 8192 && out.height() <= 8192;
}

// The viewport's way of showing an image in a WxH area: fitted, centred, black around.
QImage fitInto(const QImage& image, const QSize& size, double aspect = 1.0)
{
    QImage canvas(size, QImage::Format_RGB888);
    canvas.fill(Qt::black);
    const QSizeF natural(image.width(), image.height() * aspect);
    const double k = std::min(size.width() / natural.width(), size.height() / natural.height());
    const QSize scaled(std::max(1, int(std::lround(natural.width() * k))), std::max(1, int(std::lround(natural.height() * k))));
    QPainter p(&canvas);
    p.setRenderHint(QPainter::SmoothPixmapTransform);
    p.drawImage(QRect(QPoint((size.width() - scaled.width()) / 2, (size.height() - scaled.height()) / 2), scaled), image);
    return canvas;
}

bool savePng(const QImage& img, const QString& path, QString* error)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || !img.save(&f, "PNG") || !f.commit()) {
        *error = f.errorString();
        return false;
    }
    return true;
}

// What the command line asks of the view, checked before anything is read.
struct ViewRequest {
    QString view;
    QString out;
    QSize size;
    double slabMm = 0;
    SlabMode mode = SlabMode::Max;
};

// The options that need no image; an exit code when one is refused.
std::optional<int> parseViewRequest(const CliArgs& a, ViewRequest& r)
{
    r.view = *a.value("--view");
    const QStringList views{"axial", "sagittal", "coronal", "mip", "vr"};
    if (!views.contains(r.view)) return fail("--view is axial, sagittal, coronal, mip or vr", 2);
    r.out = a.value("--out").value_or(QString());
    if (r.out.isEmpty()) return fail("--out PNG is required", 2);
    if (auto s = a.value("--size"); s && !parseSize(*s, r.size)) return fail("--size takes WIDTHxHEIGHT", 2);
    if (auto s = a.value("--slab-mm")) {
        bool ok = false;
        r.slabMm = s->toDouble(&ok);
        if (!ok || r.slabMm < 0) return fail("--slab-mm takes a thickness in mm", 2);
    }
    if (auto m = a.value("--slab-mode")) {
        if (*m == "mip") r.mode = SlabMode::Max;
        else if (*m == "minip") r.mode = SlabMode::Min;
        else if (*m == "avg") r.mode = SlabMode::Mean;
        else return fail("--slab-mode is mip, minip or avg", 2);
    }
    return std::nullopt;
}

// The largest volume of the series given, or null; `best` is its plan.
const SeriesGroup* largestVolume(const SeriesSource& src, VolumePlan& best)
{
    const SeriesGroup* group = nullptr;
    for (const SeriesGroup& g : src.opened.series)
        for (const VolumePlan& p : assembleVolumes(g.images))
            if (p.isVolume && (!group || p.geometry.voxelCount() > best.geometry.voxelCount())) {
                group = &g;
                best = p;
            }
    return group;
}

// The plane shown: the middle one, or the one at --position (the plane's patient coordinate on
// its own axis: z for axial, y for coronal, x for sagittal); an exit code when refused.
std::optional<int> planeIndex(const CliArgs& a, const QString& view, const SliceStack& stack, int& index)
{
    index = stack.count / 2;
    if (auto p = a.value("--position")) {
        bool ok = false;
        const double v = p->toDouble(&ok);
        if (!ok) return fail("--position takes a coordinate in mm", 2);
        const Vec3 at = view == "axial" ? Vec3{0, 0, v} : view == "coronal" ? Vec3{0, v, 0} : Vec3{v, 0, 0};
        index = stack.indexOf(at);
        if (index < 0 || index >= stack.count) return fail("--position is outside the volume", 2);
    }
    return std::nullopt;
}

ResliceFrame reslicePlane(const Volume& vol, const ViewRequest& r, const SliceStack& stack, int index)
{
    ResliceOptions ro;
    ro.slabMm = r.slabMm;
    ro.mode = r.mode;
    ReslicePlane plane = stack.plane(index);
    if (r.view == "mip") {
        // The whole volume projected from the front.
        ro.slabMm = stack.count * stack.step;
        ro.mode = SlabMode::Max;
    }
    const float outside = float(vol.intercept + vol.slope * (vol.type() == VoxelType::Int16 ? -32768.0 : 0.0));
    const std::vector<float> values = reslice(vol, plane, ro, vol.type() == VoxelType::Float32 ? 0.f : outside);
    return makeResliceFrame(vol, plane, values, ro.slabMm);
}

// The window from --window, else from --preset; an exit code when refused.
std::optional<int> chooseWindow(const CliArgs& a, const QString& preset, const Volume& vol, DisplayOptions& options)
{
    if (auto w = a.value("--window")) {
        const QStringList parts = w->split(',');
        bool okC = false, okW = false;
        if (parts.size() == 2) {
            options.voi.window.center = parts[0].toDouble(&okC);
            options.voi.window.width = parts[1].toDouble(&okW);
        }
        if (!okC || !okW || options.voi.window.width <= 0) return fail("--window takes CENTER,WIDTH", 2);
        options.voi.kind = VoiChoice::Kind::Window;
    } else if (!preset.isEmpty()) {
        bool found = false;
        for (const WindowPreset& p : windowPresetsFor(vol.display.modalityName))
            if (QString::fromStdString(p.name).compare(preset, Qt::CaseInsensitive) == 0) {
                options.voi.kind = VoiChoice::Kind::Window;
                options.voi.window = {p.center, p.width, VoiFunction::Linear, p.name};
                found = true;
            }
        if (!found) return fail(QStringLiteral("no window preset '%1' for %2").arg(preset, QString::fromStdString(vol.display.modalityName)), 2);
    }
    return std::nullopt;
}

int saveView(const QImage& img, const QString& out)
{
    QString error;
    if (!savePng(img, out, &error)) return fail(QStringLiteral("%1: %2").arg(out, error));
    return 0;
}

}  // namespace

int runRenderView(const CliArgs& a)
{
    ViewRequest r;
    if (auto refused = parseViewRequest(a, r)) return *refused;

    const SeriesSource src = loadSeriesSource(a, a.positional().value(0), QStringLiteral("rendering"));
    if (!src.error.isEmpty()) return fail(src.error);
    VolumePlan best;
    const SeriesGroup* group = largestVolume(src, best);
    if (!group) return fail("these images do not form a volume (inspect tells why)");
    auto volume = loadVolume(best, group->images);
    if (!volume) return fail(QString::fromStdString(volume.error().message));
    const Volume& vol = **volume;

    const QString preset = a.value("--preset").value_or(QString());
    if (r.view == "vr") {
        QString error;
        const QImage img = renderVolumeImage(vol, preset, r.size.isValid() ? r.size : QSize(512, 512), &error);
        if (img.isNull()) return fail(error);
        return saveView(img, r.out);
    }

    SliceAxes axes = r.view == "axial" ? axialAxes() : r.view == "sagittal" ? sagittalAxes() : coronalAxes();
    const SliceStack stack = sliceStack(vol.geometry(), axes);
    int index = 0;
    if (auto refused = planeIndex(a, r.view, stack, index)) return *refused;
    const ResliceFrame rf = reslicePlane(vol, r, stack, index);

    DisplayOptions options;
    if (auto refused = chooseWindow(a, preset, vol, options)) return *refused;
    auto shown = renderForDisplay(rf.frame, rf.info, 0, options);
    if (!shown) return fail(QString::fromStdString(shown.error().message));
    QImage img = toQImage(*shown);
    if (r.size.isValid()) img = fitInto(img, r.size);
    return saveView(img, r.out);
}

}  // namespace lightbox::app
