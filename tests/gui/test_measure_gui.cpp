// Measuring in the main window under a real X server, on an analytic phantom written as DICOM:
// every tool drawn with synthetic mouse events on the 2D viewer and on MPR planes, results against
// the phantom's known sizes and values (lengths within 0.5 mm, ROI means exact, a 3D region's
// volume within 2 %), editing by dragging a handle, deleting, and everything back after the window
// is closed and the study opened again from the same cache.
#include "phantom_series.h"
#include "test_support.h"

#include "annotation_set.h"
#include "cache_service.h"
#include "image_stack.h"
#include "image_viewport.h"
#include "main_window.h"
#include "measurement_layer.h"
#include "mpr_stack.h"
#include "mpr_view.h"
#include "volume_job.h"
#include "vtk_view_widget.h"

#include <QApplication>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QtTest>

#include <cmath>

using namespace lightbox;
using namespace lightbox::test;
using viewer::AnnotationKind;
using viewer::MprView;

namespace {

const P3 kCentre{4, -6, 0};
constexpr double kRadius = 12, kValue = 120;

double firstNumber(const QString& s, const QString& after = {})
{
    const int from = after.isEmpty() ? 0 : s.indexOf(after);
    if (from < 0) return std::nan("");
    const auto m = QRegularExpression("(-?[0-9]+(\\.[0-9]+)?)").match(s, from + after.size());
    return m.hasMatch() ? m.captured(1).toDouble() : std::nan("");
}

// The area in a label, in mm² (labels switch to cm² from 1 cm²).
double areaMm2(const QString& label)
{
    const double v = firstNumber(label, "Area");
    return label.contains("cm²") ? v * 100 : v;
}

}  // namespace

class MeasureGuiTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void lengthAcrossTheSphere();
    void roiStatisticsInsideAndAcross();
    void angleCobbFreehandTextArrow();
    void dragAHandleAndDelete();
    void regionAndLengthOnMpr();
    void everythingComesBackAfterReopening();

private:
    void openWindow();
    void closeWindow();
    viewer::ImageViewport* vp() { return m_window->viewport(); }
    // Image pixel of a patient point on the image shown in the 2D viewer.
    QPointF pixelOf(const P3& p);
    QPoint widgetOf(viewer::ImageViewport* v, QPointF image) { return v->imageToWidget(image).toPoint(); }
    void drag(viewer::ImageViewport* v, QPointF from, QPointF to);
    void click(viewer::ImageViewport* v, QPointF at);
    const viewer::Annotation& last() { return m_window->annotations()->all().back(); }
    QString label(viewer::ImageViewport* v, const viewer::Annotation& a) { return m_window->measurementLayer(v)->labelFor(a); }
    void screenshot(const QString& name);

    QTemporaryDir m_tmp;
    QString m_folder;
    QString m_cacheDir;
    QThreadPool m_pool;
    std::unique_ptr<app::CacheService> m_cache;
    std::unique_ptr<app::MainWindow> m_window;
    int m_sliceThroughCentre = -1;
    std::map<QString, QString> m_labels;  // id -> label, to compare after reopening
};

void MeasureGuiTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    PhantomSeries s;
    s.rows = 110;
    s.columns = 90;
    s.rowSpacing = 0.6;
    s.columnSpacing = 0.8;  // non-square pixels
    s.positions = evenPositions(50, 1.0, -25);
    s.spheres = {{kCentre, kRadius, kValue}, {{-22, 14, 5}, 5, 700}};
    s.slope = 0.5;
    s.intercept = -1024;
    m_folder = m_tmp.path() + "/phantom";
    QCOMPARE(writePhantomSeries(s, m_folder), 50);
    m_cacheDir = m_tmp.path() + "/cache";
    openWindow();
}

void MeasureGuiTest::cleanupTestCase()
{
    closeWindow();
    m_pool.waitForDone();
}

void MeasureGuiTest::openWindow()
{
    m_cache = std::make_unique<app::CacheService>(m_cacheDir, m_pool);
    m_window = std::make_unique<app::MainWindow>(m_pool, *m_cache);
    m_window->resize(1300, 900);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QSignalSpy loaded(m_window.get(), &app::MainWindow::loadFinished);
    QSignalSpy annotations(m_window.get(), &app::MainWindow::annotationsLoaded);
    m_window->openPaths({m_folder});
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(annotations.count(), 1, 10000);
    vp()->setSmooth(false);
    // The slice through the sphere's centre (z = 0).
    for (int i = 0; i < vp()->stack()->size(); ++i)
        if (std::abs((*vp()->stack()->entry(i).info->plane.position)[2]) < 1e-6) m_sliceThroughCentre = i;
    QVERIFY(m_sliceThroughCentre >= 0);
    vp()->setCurrentIndex(m_sliceThroughCentre);
    QTRY_VERIFY_WITH_TIMEOUT(vp()->currentImageShown(), 10000);
}

void MeasureGuiTest::closeWindow()
{
    if (!m_window) return;
    m_window->close();
    m_window.reset();
    m_pool.waitForDone();
    m_cache.reset();
}

void MeasureGuiTest::screenshot(const QString& name)
{
    const QString dir = qEnvironmentVariable("LIGHTBOX_TEST_SCREENSHOTS");
    if (dir.isEmpty()) return;
    QDir().mkpath(dir);
    // grab() paints the window and its views itself; only posted events (labels, overlays) remain.
    QCoreApplication::processEvents();
    m_window->grab().save(dir + "/measure-" + name + ".png");
}

QPointF MeasureGuiTest::pixelOf(const P3& p)
{
    const ImageInfo& info = *vp()->stack()->entry(vp()->currentIndex()).info;
    const auto& pos = *info.plane.position;
    const auto& o = *info.plane.orientation;
    const auto& sp = *info.plane.pixelSpacing;
    const double d[3] = {p[0] - pos[0], p[1] - pos[1], p[2] - pos[2]};
    return {(d[0] * o[0] + d[1] * o[1] + d[2] * o[2]) / sp[1], (d[0] * o[3] + d[1] * o[4] + d[2] * o[5]) / sp[0]};
}

void MeasureGuiTest::drag(viewer::ImageViewport* v, QPointF from, QPointF to)
{
    const QPoint a = widgetOf(v, from), b = widgetOf(v, to);
    QTest::mousePress(v->view(), Qt::LeftButton, {}, a);
    for (int i = 1; i <= 8; ++i) dragTo(v->view(), a + (b - a) * i / 8, Qt::LeftButton);
    QTest::mouseRelease(v->view(), Qt::LeftButton, {}, b);
}

void MeasureGuiTest::click(viewer::ImageViewport* v, QPointF at)
{
    const QPoint a = widgetOf(v, at);
    QTest::mouseMove(v->view(), a);
    QTest::mouseClick(v->view(), Qt::LeftButton, {}, a);
}

void MeasureGuiTest::lengthAcrossTheSphere()
{
    QVERIFY(m_window->selectTool("Length"));
    // Along a row, then along a column, then diagonally: 2r each time.
    const std::vector<std::pair<P3, P3>> chords = {
        {{kCentre[0] - kRadius, kCentre[1], 0}, {kCentre[0] + kRadius, kCentre[1], 0}},
        {{kCentre[0], kCentre[1] - kRadius, 0}, {kCentre[0], kCentre[1] + kRadius, 0}},
        {{kCentre[0] - kRadius * M_SQRT1_2, kCentre[1] - kRadius * M_SQRT1_2, 0}, {kCentre[0] + kRadius * M_SQRT1_2, kCentre[1] + kRadius * M_SQRT1_2, 0}},
    };
    for (const auto& [a, b] : chords) {
        const size_t before = m_window->annotations()->all().size();
        drag(vp(), pixelOf(a), pixelOf(b));
        QCOMPARE(m_window->annotations()->all().size(), before + 1);
        QCOMPARE(last().kind, AnnotationKind::Length);
        const QString text = label(vp(), last());
        QVERIFY2(text.endsWith(" mm"), qPrintable(text));
        QVERIFY2(std::abs(firstNumber(text) - 2 * kRadius) < 0.5, qPrintable(text));
    }
    // Click, move, click draws a length too.
    click(vp(), pixelOf({kCentre[0] - 10, kCentre[1] + 15, 0}));
    click(vp(), pixelOf({kCentre[0] + 10, kCentre[1] + 15, 0}));
    QVERIFY(std::abs(firstNumber(label(vp(), last())) - 20) < 0.5);
    screenshot("lengths");
}

void MeasureGuiTest::roiStatisticsInsideAndAcross()
{
    QVERIFY(m_window->selectTool("Ellipse"));
    drag(vp(), pixelOf({kCentre[0] - 8, kCentre[1] - 8, 0}), pixelOf({kCentre[0] + 8, kCentre[1] + 8, 0}));
    QCOMPARE(last().kind, AnnotationKind::Ellipse);
    QString text = label(vp(), last());
    // Inside the sphere: its value exactly (stored with slope 0.5, intercept -1024), in HU.
    QVERIFY2(text.contains("Mean 120.0  SD 0.0 HU"), qPrintable(text));
    QVERIFY2(text.contains("Min 120.0  Max 120.0 HU"), qPrintable(text));
    // The drawn ellipse's area: π·8·8 mm² within what the mouse's pixel rounding allows.
    QVERIFY2(std::abs(areaMm2(text) - M_PI * 64) < 5, qPrintable(text));
    QVERIFY(m_window->selectTool("Rectangle"));
    // Across the sphere's edge: values of both sides, mean between.
    drag(vp(), pixelOf({kCentre[0] + 6, kCentre[1] - 4, 0}), pixelOf({kCentre[0] + 20, kCentre[1] + 4, 0}));
    text = label(vp(), last());
    QVERIFY2(text.contains("Min -1000.0") && text.contains("Max 120.0"), qPrintable(text));
    const double mean = firstNumber(text, "Mean");
    QVERIFY(mean > -1000 && mean < 120);
    // The same mean from the phantom at the pixel centres inside the drawn rectangle.
    const auto& px = last().pixels;
    const double c0 = std::ceil(std::min(px[0].x(), px[1].x())), c1 = std::floor(std::max(px[0].x(), px[1].x()));
    const double r0 = std::ceil(std::min(px[0].y(), px[1].y())), r1 = std::floor(std::max(px[0].y(), px[1].y()));
    const ImageInfo& info = *vp()->stack()->entry(vp()->currentIndex()).info;
    double sum = 0;
    int n = 0;
    for (double r = r0; r <= r1; ++r)
        for (double c = c0; c <= c1; ++c) {
            const auto& pos = *info.plane.position;
            const P3 p{pos[0] + c * 0.8, pos[1] + r * 0.6, pos[2]};
            const double dd = std::hypot(p[0] - kCentre[0], p[1] - kCentre[1]);
            sum += dd <= kRadius ? kValue : -1000;
            ++n;
        }
    QVERIFY2(std::abs(sum / n - mean) < 0.051, qPrintable(QStringLiteral("%1 vs %2").arg(sum / n).arg(mean)));
    screenshot("rois");
}

void MeasureGuiTest::angleCobbFreehandTextArrow()
{
    // A right angle in patient space (non-square pixels): drag one arm, click the other end.
    QVERIFY(m_window->selectTool("Angle"));
    const P3 a{-20, -20, 0}, v{-20, 10, 0}, b{15, 10, 0};
    drag(vp(), pixelOf(a), pixelOf(v));
    click(vp(), pixelOf(b));
    QCOMPARE(last().kind, AnnotationKind::Angle);
    QVERIFY2(std::abs(firstNumber(label(vp(), last())) - 90) < 1.0, qPrintable(label(vp(), last())));
    // Cobb: lines at +10° and -20° from horizontal: 30°.
    QVERIFY(m_window->selectTool("Cobb"));
    auto line = [](double deg, double y) {
        const double t = deg * M_PI / 180;
        return std::pair<P3, P3>{{-15 * std::cos(t), y + 15 * std::sin(t), 0}, {15 * std::cos(t), y - 15 * std::sin(t), 0}};
    };
    const auto [l0, l1] = line(10, -18);
    const auto [m0, m1] = line(-20, 18);
    drag(vp(), pixelOf(l0), pixelOf(l1));
    drag(vp(), pixelOf(m0), pixelOf(m1));
    QCOMPARE(last().kind, AnnotationKind::Cobb);
    QVERIFY2(std::abs(firstNumber(label(vp(), last())) - 30) < 1.0, qPrintable(label(vp(), last())));
    // Freehand: a square outline inside the sphere, drawn in one drag.
    QVERIFY(m_window->selectTool("Freehand"));
    const QPoint p0 = widgetOf(vp(), pixelOf({kCentre[0] - 5, kCentre[1] - 5, 0}));
    const QPoint p1 = widgetOf(vp(), pixelOf({kCentre[0] + 5, kCentre[1] - 5, 0}));
    const QPoint p2 = widgetOf(vp(), pixelOf({kCentre[0] + 5, kCentre[1] + 5, 0}));
    const QPoint p3 = widgetOf(vp(), pixelOf({kCentre[0] - 5, kCentre[1] + 5, 0}));
    QTest::mousePress(vp()->view(), Qt::LeftButton, {}, p0);
    for (const auto& [from, to] : std::vector<std::pair<QPoint, QPoint>>{{p0, p1}, {p1, p2}, {p2, p3}, {p3, p0}})
        for (int i = 1; i <= 10; ++i) dragTo(vp()->view(), from + (to - from) * i / 10, Qt::LeftButton);
    QTest::mouseRelease(vp()->view(), Qt::LeftButton, {}, p0);
    QCOMPARE(last().kind, AnnotationKind::Freehand);
    QString text = label(vp(), last());
    QVERIFY2(text.contains("Mean 120.0  SD 0.0 HU"), qPrintable(text));
    QVERIFY2(std::abs(areaMm2(text) - 100) < 5, qPrintable(text));  // 10 × 10 mm
    // Text and arrow labels come from the prompt.
    for (viewer::ImageViewport* v : {vp()})
        m_window->measurementLayer(v)->setTextPrompt([](const QString&) -> std::optional<QString> { return QString("nodule?"); });
    QVERIFY(m_window->selectTool("Text"));
    click(vp(), pixelOf({-30, -25, 0}));
    QCOMPARE(last().kind, AnnotationKind::Text);
    QCOMPARE(label(vp(), last()), QString("nodule?"));
    QVERIFY(m_window->selectTool("Arrow"));
    drag(vp(), pixelOf({-22, 14, 0}), pixelOf({-32, 30, 0}));
    QCOMPARE(last().kind, AnnotationKind::Arrow);
    QCOMPARE(last().text, QString("nodule?"));
    // Escape abandons a drawing in progress.
    QVERIFY(m_window->selectTool("Length"));
    const size_t before = m_window->annotations()->all().size();
    click(vp(), pixelOf({0, 20, 0}));
    QTest::keyClick(vp()->view(), Qt::Key_Escape);
    click(vp(), pixelOf({10, 20, 0}));
    QTest::keyClick(vp()->view(), Qt::Key_Escape);
    QCOMPARE(m_window->annotations()->all().size(), before);
    screenshot("tools");
    // Nothing shows on another image.
    QVERIFY(!m_window->measurementLayer(vp())->visibleIds().isEmpty());
    vp()->setCurrentIndex(m_sliceThroughCentre + 1);
    QVERIFY(m_window->measurementLayer(vp())->visibleIds().isEmpty());
    vp()->setCurrentIndex(m_sliceThroughCentre);
    QTRY_VERIFY_WITH_TIMEOUT(vp()->currentImageShown(), 10000);
}

void MeasureGuiTest::dragAHandleAndDelete()
{
    QVERIFY(m_window->selectTool("Length"));
    drag(vp(), pixelOf({-10, 30, 0}), pixelOf({10, 30, 0}));
    const QString id = last().id;
    QVERIFY(std::abs(firstNumber(label(vp(), last())) - 20) < 0.5);
    // Drag its right end 10 mm further right.
    drag(vp(), pixelOf({10, 30, 0}), pixelOf({20, 30, 0}));
    const viewer::Annotation* a = m_window->annotations()->find(id);
    QVERIFY(a);
    QVERIFY2(std::abs(firstNumber(label(vp(), *a)) - 30) < 0.5, qPrintable(label(vp(), *a)));
    QCOMPARE(m_window->annotations()->selected(), id);
    // Delete removes the selected measurement.
    const size_t before = m_window->annotations()->all().size();
    QTest::keyClick(vp()->view(), Qt::Key_Delete);
    QCOMPARE(m_window->annotations()->all().size(), before - 1);
    QVERIFY(!m_window->annotations()->find(id));
}

void MeasureGuiTest::regionAndLengthOnMpr()
{
    QSignalSpy volume(m_window.get(), &app::MainWindow::volumeLoaded);
    m_window->setMprMode(true);
    QTRY_COMPARE_WITH_TIMEOUT(volume.count(), 1, 30000);
    MprView* mpr = m_window->mprView();
    // Put the cursor at the sphere's centre: every plane goes through it.
    mpr->setCursor({kCentre[0], kCentre[1], kCentre[2]});
    for (int p = 0; p < 3; ++p) {
        mpr->viewport(MprView::Plane(p))->setSmooth(false);
        QTRY_VERIFY_WITH_TIMEOUT(mpr->viewport(MprView::Plane(p))->currentImageShown(), 10000);
    }
    auto planePixel = [&](MprView::Plane p, const P3& pt) {
        const ReslicePlane plane = mpr->stack(p)->plane(mpr->viewport(p)->currentIndex());
        const Vec3 d = Vec3{pt[0], pt[1], pt[2]} - plane.origin;
        return QPointF(dot(d, plane.x) / plane.spacing, dot(d, plane.y) / plane.spacing);
    };
    // A 3D region grown from a seed in the coronal plane.
    QVERIFY(m_window->selectTool("Region 3D"));
    auto* coronal = mpr->viewport(MprView::Coronal);
    click(coronal, planePixel(MprView::Coronal, {kCentre[0] + 3, kCentre[1], kCentre[2] + 2}));
    QCOMPARE(last().kind, AnnotationKind::Region);
    const QString regionId = last().id;
    QTRY_VERIFY_WITH_TIMEOUT(m_window->annotations()->region(regionId) && m_window->annotations()->region(regionId)->mask, 20000);
    const double expected = 4.0 / 3.0 * M_PI * kRadius * kRadius * kRadius / 1000;
    const QString text = label(coronal, last());
    QVERIFY2(std::abs(firstNumber(text, "Volume") - expected) / expected < 0.02, qPrintable(QStringLiteral("%1 (expected %2 mL)").arg(text).arg(expected)));
    QVERIFY2(text.contains("Mean 120.0  SD 0.0 HU"), qPrintable(text));
    // Shown on the three planes through it (a cross-section is drawn: the overlay has red).
    for (int p = 0; p < 3; ++p) QVERIFY(m_window->measurementLayer(mpr->viewport(MprView::Plane(p)))->visibleIds().contains(regionId));
    // A length on the axial plane: 2r across the sphere, in patient space.
    QVERIFY(m_window->selectTool("Length"));
    auto* axial = mpr->viewport(MprView::Axial);
    drag(axial, planePixel(MprView::Axial, {kCentre[0], kCentre[1] - kRadius, 0}), planePixel(MprView::Axial, {kCentre[0], kCentre[1] + kRadius, 0}));
    QCOMPARE(last().kind, AnnotationKind::Length);
    QVERIFY(last().onVolume);
    QVERIFY2(std::abs(firstNumber(label(axial, last())) - 2 * kRadius) < 0.5, qPrintable(label(axial, last())));
    // Not on the coronal plane (another orientation).
    QVERIFY(!m_window->measurementLayer(coronal)->visibleIds().contains(last().id));
    screenshot("mpr");
    for (const viewer::Annotation& a : m_window->annotations()->all()) {
        viewer::ImageViewport* v = a.onVolume ? (a.kind == AnnotationKind::Region ? coronal : axial) : vp();
        m_labels[a.id] = label(v, a);
    }
}

void MeasureGuiTest::everythingComesBackAfterReopening()
{
    const auto saved = m_window->annotations()->all();
    QVERIFY(saved.size() >= 12);
    // Saves run one at a time on the cache service's write pool: closeWindow() destroys the
    // service, whose destructor waits until every queued save is written.
    closeWindow();
    openWindow();
    const auto& back = m_window->annotations()->all();
    QCOMPARE(back.size(), saved.size());
    for (const viewer::Annotation& a : saved) {
        const viewer::Annotation* b = m_window->annotations()->find(a.id);
        QVERIFY2(b, qPrintable(a.id));
        QCOMPARE(b->kind, a.kind);
        QCOMPARE(b->pointCount(), a.pointCount());
        if (!a.onVolume) QCOMPARE(label(vp(), *b), m_labels[a.id]);
    }
    // The MPR ones: the region is recomputed when the volume is loaded again.
    QSignalSpy volume(m_window.get(), &app::MainWindow::volumeLoaded);
    m_window->setMprMode(true);
    QTRY_COMPARE_WITH_TIMEOUT(volume.count(), 1, 30000);
    MprView* mpr = m_window->mprView();
    mpr->setCursor({kCentre[0], kCentre[1], kCentre[2]});
    for (const viewer::Annotation& a : saved) {
        if (!a.onVolume) continue;
        viewer::ImageViewport* v = mpr->viewport(a.kind == AnnotationKind::Region ? MprView::Coronal : MprView::Axial);
        QTRY_VERIFY_WITH_TIMEOUT(v->currentImageShown(), 10000);
        if (a.kind == AnnotationKind::Region)
            QTRY_VERIFY_WITH_TIMEOUT(m_window->annotations()->region(a.id) && m_window->annotations()->region(a.id)->mask, 20000);
        QVERIFY(m_window->measurementLayer(v)->visibleIds().contains(a.id));
        QCOMPARE(label(v, *m_window->annotations()->find(a.id)), m_labels[a.id]);
    }
    screenshot("reopened-mpr");
}

QTEST_MAIN(MeasureGuiTest)
#include "test_measure_gui.moc"
