// MPR and 3D under a real X server, on analytic phantoms written as DICOM series: the three planes
// show while the volume loads and once loaded, clicking in one plane moves the 3D cursor and the
// other planes to it (checked against the phantom's known geometry), Shift+drag rotates the other
// planes, slabs show what a thin plane misses, the window is shared, orientation letters and scale
// bars are right on every plane, and the main window switches a series into MPR and back.
#include "phantom_series.h"
#include "test_support.h"

#include "cache_service.h"
#include "image_viewport.h"
#include "main_window.h"
#include "mpr_stack.h"
#include "mpr_view.h"
#include "open_job.h"
#include "viewport_overlay.h"
#include "volume_job.h"
#include "volume_loader.h"
#include "volume_view.h"
#include "vtk_view_widget.h"

#include <QApplication>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QtTest>

#include <cmath>

using namespace lightbox;
using namespace lightbox::test;
using viewer::MprView;

namespace {

// The phantom: a 200 HU sphere of radius 12 mm at (10, -15, 6), a 500 HU sphere of radius 3 mm
// at (-20, 20, 10) and a 60 HU cylinder along x, in air; 1 mm slices, 0.8 mm pixels.
const Vec3 kSphere{10, -15, 6};
const Vec3 kSmall{-20, 20, 10};

double valueAt(const viewer::MprStack& stack, int index, QPointF pixel)
{
    // The modality value of the computed reformat at a pixel (nearest), or NaN if not computed.
    auto& s = const_cast<viewer::MprStack&>(stack);
    auto f = s.cached(index);
    if (!f) return std::nan("");
    const int c = int(std::lround(pixel.x())), r = int(std::lround(pixel.y()));
    if (c < 0 || r < 0 || c >= int(f->columns) || r >= int(f->rows)) return std::nan("");
    const auto& info = *s.entry(index).info;
    std::int16_t v;
    std::memcpy(&v, f->data.data() + 2 * (size_t(r) * f->columns + c), 2);
    const double stored = info.isSigned ? double(v) : double(std::uint16_t(v));
    return stored * info.modality.slope + info.modality.intercept;
}

QPointF pixelOf(const ReslicePlane& p, const Vec3& patient)
{
    const Vec3 d = patient - p.origin;
    return {dot(d, p.x) / p.spacing, dot(d, p.y) / p.spacing};
}

}  // namespace

class MprGuiTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void planesShowTheVolume();
    void clickMovesTheCursorAndTheOtherPlanes();
    void referenceLinesCrossAtTheCursor();
    void shiftDragRotatesTheOtherPlanes();
    void slabShowsWhatAThinPlaneMisses();
    void windowIsShared();
    void lettersAndScaleBarsOnEveryPlane();
    void volumeViewPresetsMipCropAndLod();
    void mainWindowSwitchesToMprAndBack();

private:
    void waitAllShown();
    void screenshot(const QString& name);
    viewer::ImageViewport* vp(MprView::Plane p) { return m_mpr->viewport(p); }

    QTemporaryDir m_tmp;
    QString m_folder;
    QThreadPool m_pool;
    std::shared_ptr<Volume> m_volume;
    std::unique_ptr<MprView> m_mpr;
};

void MprGuiTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    PhantomSeries s;
    s.rows = s.columns = 100;
    s.rowSpacing = s.columnSpacing = 0.8;
    s.positions = evenPositions(70, 1.0, -30);
    s.spheres = {{{kSphere[0], kSphere[1], kSphere[2]}, 12, 200}, {{kSmall[0], kSmall[1], kSmall[2]}, 3, 500}};
    s.cylinders = {{{-35, 0, -10}, {35, 0, -10}, 5, 60}};
    m_folder = m_tmp.path() + "/phantom";
    QVERIFY(writePhantomSeries(s, m_folder) == 70);
    app::OpenResult opened = app::openPaths({m_folder});
    QCOMPARE(opened.series.size(), size_t(1));
    const auto plans = app::VolumeJob::plansFor(opened.series.front());
    QVERIFY(!plans.empty() && plans.front().isVolume);
    auto vol = loadVolume(plans.front(), opened.series.front().images);
    QVERIFY(vol.ok());
    m_volume = *vol;
    m_mpr = std::make_unique<MprView>(m_pool);
    m_mpr->resize(1000, 800);
    m_mpr->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_mpr.get()));
    for (int p = 0; p < 3; ++p) vp(MprView::Plane(p))->setSmooth(false);
    m_mpr->setVolume(m_volume, opened.series.front().images.front().summary);
    waitAllShown();
}

void MprGuiTest::cleanupTestCase()
{
    m_mpr.reset();
    m_pool.waitForDone();
}

void MprGuiTest::waitAllShown()
{
    for (int p = 0; p < 3; ++p) QTRY_VERIFY_WITH_TIMEOUT(vp(MprView::Plane(p))->currentImageShown(), 20000);
    QApplication::processEvents();
}

void MprGuiTest::screenshot(const QString& name)
{
    const QString dir = qEnvironmentVariable("LIGHTBOX_TEST_SCREENSHOTS");
    if (dir.isEmpty()) return;
    QDir().mkpath(dir);
    QApplication::processEvents();
    m_mpr->grab().save(dir + "/mpr-" + name + ".png");
}

void MprGuiTest::planesShowTheVolume()
{
    // The cursor starts at the volume's centre; every plane contains it.
    const Vec3 c = m_mpr->cursor();
    const VolumeGeometry& g = m_volume->geometry();
    QVERIFY(norm(c - g.toPatient({(g.size[0] - 1) / 2.0, (g.size[1] - 1) / 2.0, (g.size[2] - 1) / 2.0})) < 1e-9);
    for (int p = 0; p < 3; ++p) {
        const auto* st = m_mpr->stack(MprView::Plane(p));
        const ReslicePlane plane = st->plane(vp(MprView::Plane(p))->currentIndex());
        QVERIFY2(std::abs(dot(c - plane.origin, plane.normal())) <= st->slices().step / 2 + 1e-6, qPrintable(QString::number(p)));
    }
    // Axial planes are the acquired slices: 1 mm apart, 70 of them.
    QCOMPARE(m_mpr->stack(MprView::Axial)->size(), 70);
    QCOMPARE(m_mpr->stack(MprView::Axial)->slices().step, 1.0);
    screenshot("initial");
}

void MprGuiTest::clickMovesTheCursorAndTheOtherPlanes()
{
    // Click the sphere's centre in the axial plane through it.
    auto* axial = vp(MprView::Axial);
    const auto* ast = m_mpr->stack(MprView::Axial);
    axial->setCurrentIndex(ast->slices().indexOf(kSphere));
    QTRY_VERIFY_WITH_TIMEOUT(axial->currentImageShown(), 10000);
    const QPointF target = pixelOf(ast->plane(axial->currentIndex()), kSphere);
    const QPoint at = axial->imageToWidget(target).toPoint();
    QTest::mouseClick(axial->view(), Qt::LeftButton, {}, at);
    // The cursor is at the sphere's centre within a pixel; the coronal and sagittal planes pass
    // through it and show the sphere's value there.
    const Vec3 c = m_mpr->cursor();
    QVERIFY2(std::hypot(c[0] - kSphere[0], c[1] - kSphere[1]) < 1.0, qPrintable(QStringLiteral("%1 %2").arg(c[0]).arg(c[1])));
    QVERIFY(std::abs(c[2] - kSphere[2]) <= 0.5 + 1e-6);
    waitAllShown();
    for (MprView::Plane p : {MprView::Coronal, MprView::Sagittal}) {
        const auto* st = m_mpr->stack(p);
        const ReslicePlane plane = st->plane(vp(p)->currentIndex());
        QVERIFY(std::abs(dot(kSphere - plane.origin, plane.normal())) <= st->slices().step / 2 + 1.0);
        QCOMPARE(valueAt(*st, vp(p)->currentIndex(), pixelOf(plane, kSphere)), 200.0);
        // 11 mm from the centre, inside the sphere's 12 mm; 13 mm away, outside.
        const Vec3 up = kSphere + plane.y * 11.0, out = kSphere + plane.y * 13.5;
        QCOMPARE(valueAt(*st, vp(p)->currentIndex(), pixelOf(plane, up)), 200.0);
        QCOMPARE(valueAt(*st, vp(p)->currentIndex(), pixelOf(plane, out)), -1000.0);
    }
    screenshot("cursor-on-sphere");
}

void MprGuiTest::referenceLinesCrossAtTheCursor()
{
    // Each plane shows the other two as lines through the cursor.
    for (int p = 0; p < 3; ++p) {
        auto* v = vp(MprView::Plane(p));
        const auto& lines = v->overlay()->content().lines;
        QCOMPARE(int(lines.size()), 2);
        const ReslicePlane plane = m_mpr->stack(MprView::Plane(p))->plane(v->currentIndex());
        const QPointF cursor = v->imageToWidget(pixelOf(plane, m_mpr->cursor()));
        for (const auto& l : lines) {
            // Distance from the cursor to the line (widget pixels).
            const QPointF d = l.line.p2() - l.line.p1();
            const double dist = std::abs(d.x() * (cursor.y() - l.line.p1().y()) - d.y() * (cursor.x() - l.line.p1().x())) / std::hypot(d.x(), d.y());
            QVERIFY2(dist < 1.0, qPrintable(QStringLiteral("plane %1: %2 px").arg(p).arg(dist)));
        }
        // Two different colours, perpendicular for the three orthogonal planes.
        const QPointF a = lines[0].line.p2() - lines[0].line.p1(), b = lines[1].line.p2() - lines[1].line.p1();
        QVERIFY(std::abs(a.x() * b.x() + a.y() * b.y()) / (std::hypot(a.x(), a.y()) * std::hypot(b.x(), b.y())) < 1e-6);
        QVERIFY(lines[0].color != lines[1].color);
    }
}

void MprGuiTest::shiftDragRotatesTheOtherPlanes()
{
    auto* axial = vp(MprView::Axial);
    const Vec3 before = m_mpr->cursor();
    const ReslicePlane plane = m_mpr->stack(MprView::Axial)->plane(axial->currentIndex());
    const QPointF centre = pixelOf(plane, before);
    // Drag a quarter turn around the cursor (in image pixels: from 20 px right of it to 20 px below).
    const QPoint from = axial->imageToWidget(centre + QPointF(20, 0)).toPoint();
    const QPoint mid = axial->imageToWidget(centre + QPointF(14.142, 14.142)).toPoint();
    const QPoint to = axial->imageToWidget(centre + QPointF(0, 20)).toPoint();
    QTest::mousePress(axial->view(), Qt::LeftButton, Qt::ShiftModifier, from);
    dragTo(axial->view(), mid, Qt::LeftButton, Qt::ShiftModifier);
    dragTo(axial->view(), to, Qt::LeftButton, Qt::ShiftModifier);
    QTest::mouseRelease(axial->view(), Qt::LeftButton, Qt::ShiftModifier, to);
    // The coronal plane turned by about 90° about the axial normal: its normal is now along x.
    const Vec3 n = m_mpr->stack(MprView::Coronal)->axes().normal();
    QVERIFY2(std::abs(std::abs(n[0]) - 1) < 0.05 && std::abs(n[2]) < 1e-9, qPrintable(QStringLiteral("%1 %2 %3").arg(n[0]).arg(n[1]).arg(n[2])));
    // The axial plane itself did not move, nor did the cursor.
    QCOMPARE(m_mpr->stack(MprView::Axial)->axes().normal()[2], 1.0);
    QVERIFY(norm(m_mpr->cursor() - before) < 1e-9);
    // An oblique angle: 30° from reset. The rotated planes still contain the cursor and show the
    // sphere as a disk of its radius through its centre.
    m_mpr->resetPlanes();
    m_mpr->rotatePlanes(MprView::Axial, 30);
    waitAllShown();
    const auto* cst = m_mpr->stack(MprView::Coronal);
    const Vec3 cn = cst->axes().normal();
    QVERIFY(std::abs(dot(cn, Vec3{0, 1, 0}) - std::cos(30 * M_PI / 180)) < 1e-9);
    const ReslicePlane cp = cst->plane(vp(MprView::Coronal)->currentIndex());
    QVERIFY(std::abs(dot(m_mpr->cursor() - cp.origin, cn)) <= cst->slices().step / 2 + 1e-6);
    // (trilinear samples 2 mm inside the surface are all inside)
    QCOMPARE(valueAt(*cst, vp(MprView::Coronal)->currentIndex(), pixelOf(cp, kSphere + cp.x * 10.0)), 200.0);
    QCOMPARE(valueAt(*cst, vp(MprView::Coronal)->currentIndex(), pixelOf(cp, kSphere + cp.x * 13.5)), -1000.0);
    screenshot("oblique");
    m_mpr->resetPlanes();
    QCOMPARE(m_mpr->stack(MprView::Coronal)->axes().normal()[1], coronalAxes().normal()[1]);
}

void MprGuiTest::slabShowsWhatAThinPlaneMisses()
{
    // The small sphere (z = 10) seen from an axial plane 5 mm below its centre: not in a thin
    // plane, present at its value in a 14 mm MIP, absent in a MinIP.
    m_mpr->setCursor(kSmall - Vec3{0, 0, 5});
    auto* axial = vp(MprView::Axial);
    const auto* st = m_mpr->stack(MprView::Axial);
    QTRY_VERIFY_WITH_TIMEOUT(axial->currentImageShown(), 10000);
    const QPointF at = pixelOf(st->plane(axial->currentIndex()), kSmall);
    QTRY_VERIFY(!std::isnan(valueAt(*st, axial->currentIndex(), at)));
    QCOMPARE(valueAt(*st, axial->currentIndex(), at), -1000.0);
    m_mpr->setSlab(14, SlabMode::Max);
    QTRY_VERIFY_WITH_TIMEOUT(axial->currentImageShown() && !std::isnan(valueAt(*st, axial->currentIndex(), at)), 10000);
    QCOMPARE(valueAt(*st, axial->currentIndex(), at), 500.0);
    QVERIFY(axial->overlay()->content().notices.join(' ').contains("MIP 14.0 mm"));
    QCOMPARE(axial->stack()->entry(axial->currentIndex()).info->plane.sliceThickness, 14.0);
    screenshot("mip-slab");
    m_mpr->setSlab(14, SlabMode::Min);
    QTRY_VERIFY_WITH_TIMEOUT(axial->currentImageShown() && !std::isnan(valueAt(*st, axial->currentIndex(), at)), 10000);
    QCOMPARE(valueAt(*st, axial->currentIndex(), at), -1000.0);
    m_mpr->setSlab(0, SlabMode::Max);
    QTRY_VERIFY_WITH_TIMEOUT(axial->currentImageShown() && !std::isnan(valueAt(*st, axial->currentIndex(), at)), 10000);
    QCOMPARE(valueAt(*st, axial->currentIndex(), at), -1000.0);
}

void MprGuiTest::windowIsShared()
{
    // A right-drag in the sagittal plane changes the window of all three.
    auto* sag = vp(MprView::Sagittal);
    const WindowLevel before = sag->window();
    const QPoint c = sag->view()->rect().center();
    QTest::mousePress(sag->view(), Qt::RightButton, {}, c);
    dragTo(sag->view(), c + QPoint(40, 25), Qt::RightButton);
    // The move may reach the view through the window system a moment later: wait for it.
    QTRY_VERIFY_WITH_TIMEOUT(sag->window().width != before.width || sag->window().center != before.center, 5000);
    QTest::mouseRelease(sag->view(), Qt::RightButton, {}, c + QPoint(40, 25));
    const WindowLevel after = sag->window();
    for (MprView::Plane p : {MprView::Axial, MprView::Coronal}) {
        QCOMPARE(vp(p)->window().width, after.width);
        QCOMPARE(vp(p)->window().center, after.center);
    }
}

void MprGuiTest::lettersAndScaleBarsOnEveryPlane()
{
    struct Expect { MprView::Plane plane; const char *left, *right, *top, *bottom; };
    // Radiological convention: axial seen from the feet, coronal from the front, sagittal from the left.
    const Expect expect[] = {{MprView::Axial, "R", "L", "A", "P"}, {MprView::Coronal, "R", "L", "H", "F"}, {MprView::Sagittal, "A", "P", "H", "F"}};
    waitAllShown();
    for (const Expect& e : expect) {
        const auto& c = vp(e.plane)->overlay()->content();
        QCOMPARE(c.left, QString(e.left));
        QCOMPARE(c.right, QString(e.right));
        QCOMPARE(c.top, QString(e.top));
        QCOMPARE(c.bottom, QString(e.bottom));
        // The scale bar: image pixels of the reformat's spacing shown at the viewport's zoom.
        const double spacing = m_mpr->stack(e.plane)->slices().spacing;
        QVERIFY(std::abs(c.mmPerLogicalPixel - spacing / vp(e.plane)->zoom() * 1.0) < 1e-6 * spacing);
    }
    // An oblique plane: letters for the nearest axes (the 30° coronal plane still shows H/F).
    m_mpr->rotatePlanes(MprView::Axial, 30);
    waitAllShown();
    const auto& c = vp(MprView::Coronal)->overlay()->content();
    QCOMPARE(c.top, QString("H"));
    QCOMPARE(c.bottom, QString("F"));
    QVERIFY(!c.left.isEmpty() && !c.right.isEmpty());
    m_mpr->resetPlanes();
}

namespace {

// Pixels that differ from the view's background (its corner).
int foreground(const QImage& img)
{
    const QRgb bg = img.pixel(0, 0);
    int n = 0;
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x) {
            const QRgb p = img.pixel(x, y);
            if (std::abs(qRed(p) - qRed(bg)) + std::abs(qGreen(p) - qGreen(bg)) + std::abs(qBlue(p) - qBlue(bg)) > 30) ++n;
        }
    return n;
}

}  // namespace

void MprGuiTest::volumeViewPresetsMipCropAndLod()
{
    viewer::VolumeView* v = m_mpr->volumeView();
    QCOMPARE(v->preset(), QString("CT bone"));
    // Bone shows the 500 HU sphere but not the 60 HU cylinder; soft tissue shows the cylinder too.
    v->resetCamera();
    const int bone = foreground(v->grabView());
    QVERIFY(v->setPreset("CT soft tissue"));
    const int soft = foreground(v->grabView());
    QVERIFY2(bone > 50 && soft > bone * 2, qPrintable(QStringLiteral("bone %1, soft tissue %2").arg(bone).arg(soft)));
    QVERIFY(!v->setPreset("no such preset"));
    // The 3D MIP: every structure brighter than air, seen through.
    v->setMip(true);
    const int mip = foreground(v->grabView());
    QVERIFY2(mip >= soft * 0.8, qPrintable(QStringLiteral("mip %1").arg(mip)));
    v->setMip(false);
    // Cropping to the patient's right half (x < 0, voxel columns 0..49) leaves the cylinder's
    // right half and the small sphere: fewer pixels.
    v->setCrop({0, 49, 0, 99, 0, 69});
    const int cropped = foreground(v->grabView());
    QVERIFY2(cropped < soft * 0.8 && cropped > 0, qPrintable(QStringLiteral("cropped %1 of %2").arg(cropped).arg(soft)));
    v->setCrop({-1, -1, -1, -1, -1, -1});
    QCOMPARE(foreground(v->grabView()), soft);
    // Dragging rotates with coarser rendering; letting go restores full quality.
    const QPoint c = v->view()->rect().center();
    QTest::mousePress(v->view(), Qt::LeftButton, {}, c);
    dragTo(v->view(), c + QPoint(30, 0), Qt::LeftButton);
    QVERIFY(v->interactive());
    QTest::mouseRelease(v->view(), Qt::LeftButton, {}, c + QPoint(30, 0));
    QVERIFY(!v->interactive());
    if (!qEnvironmentVariableIsEmpty("LIGHTBOX_TEST_SCREENSHOTS")) v->grabView().save(qEnvironmentVariable("LIGHTBOX_TEST_SCREENSHOTS") + "/vr-rotated.png");
    v->resetCamera();
    v->setPreset("CT bone");
}

void MprGuiTest::mainWindowSwitchesToMprAndBack()
{
    QTemporaryDir cacheDir;
    QThreadPool pool;
    app::CacheService cache(cacheDir.path(), pool);
    app::MainWindow w(pool, cache);
    w.resize(1300, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QSignalSpy loaded(&w, &app::MainWindow::loadFinished);
    w.openPaths({m_folder});
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 20000);
    QSignalSpy volume(&w, &app::MainWindow::volumeLoaded);
    w.setMprMode(true);
    QTRY_VERIFY_WITH_TIMEOUT(w.mprMode(), 20000);  // once the volume is assembled and allocated (on a worker)
    // The first plane is on screen before the volume is complete or right after.
    QTRY_VERIFY_WITH_TIMEOUT(w.mprView()->viewport(MprView::Axial)->currentImageShown(), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(volume.count(), 1, 30000);
    QCOMPARE(volume.front().front().toString(), QString());
    QVERIFY(w.mprView()->volume()->complete());
    for (int p = 0; p < 3; ++p) QTRY_VERIFY_WITH_TIMEOUT(w.mprView()->viewport(MprView::Plane(p))->currentImageShown(), 20000);
    // Once loaded, the reformats show the whole volume: the coronal plane through the middle has
    // air 5 mm inside its top and bottom edges (the slices loaded last), and the cylinder's value.
    {
        auto* cv = w.mprView()->viewport(MprView::Coronal);
        const auto* st = w.mprView()->stack(MprView::Coronal);
        const ReslicePlane plane = st->plane(cv->currentIndex());
        const Vec3 mid = plane.origin + plane.x * (plane.width * plane.spacing / 2);
        QTRY_VERIFY_WITH_TIMEOUT(!std::isnan(valueAt(*st, cv->currentIndex(), pixelOf(plane, mid))), 10000);
        QCOMPARE(valueAt(*st, cv->currentIndex(), pixelOf(plane, mid + plane.y * 5.0)), -1000.0);
        QCOMPARE(valueAt(*st, cv->currentIndex(), pixelOf(plane, mid + plane.y * (plane.height * plane.spacing - 5))), -1000.0);
        QCOMPARE(valueAt(*st, cv->currentIndex(), pixelOf(plane, Vec3{0, 0, -10} + plane.normal() * dot(plane.origin, plane.normal()))), 60.0);
    }
    const QString dir = qEnvironmentVariable("LIGHTBOX_TEST_SCREENSHOTS");
    if (!dir.isEmpty()) {
        // grab() paints every view itself; the planes were waited for above, only posted events remain.
        QCoreApplication::processEvents();
        w.grab().save(dir + "/mpr-main-window.png");
    }
    w.setMprMode(false);
    QVERIFY(!w.mprMode());
    QVERIFY(!w.mprView()->volume());
    QTRY_VERIFY_WITH_TIMEOUT(w.viewport()->currentImageShown(), 10000);
    w.close();
    pool.waitForDone();
}

QTEST_MAIN(MprGuiTest)
#include "test_mpr_gui.moc"
