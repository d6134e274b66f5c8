// The 2D viewport under a real X server: opens the shared CT, drives window/level (right-drag),
// zoom (Ctrl+wheel), scrolling (wheel, keys), rotation and cine with synthetic events, and checks
// the grabbed view pixel by pixel against `lightbox render` of the same image at the same window.
#include "test_support.h"

#include "frame_stack.h"
#include "image_viewport.h"
#include "open_job.h"
#include "viewport_overlay.h"
#include "vtk_view_widget.h"

#include <QApplication>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QtTest>

#include <climits>
#include <cmath>

using namespace lightbox;
using namespace lightbox::test;

class ViewportGuiTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void showsTheFirstImageAtItsFileWindow();
    void rightDragChangesTheWindow();
    void ctrlWheelZooms();
    void wheelAndKeysScroll();
    void rotationAndFlipKeepPixels();
    void cinePlays();
    void overlayShowsPatientAndGeometry();
    void magnifierShowsTheRegionUnderTheCursor();
    void nonSquarePixelsKeepTheirAspect();

private:
    // What a comparison of the view with `lightbox render` covered: the image pixels compared (those
    // whose screen pixel lies in the view), the box they span, and how many differed.
    struct Match {
        int compared = 0;
        int mismatched = 0;
        int minCol = INT_MAX, maxCol = -1, minRow = INT_MAX, maxRow = -1;
        QString error;  // the reference could not be made
        int columns() const { return maxCol < 0 ? 0 : maxCol - minCol + 1; }
        int rows() const { return maxRow < 0 ? 0 : maxRow - minRow + 1; }
    };
    Match compareWithRender(const WindowLevel& w);
    // Empty when `m` compared the pixels that must be visible: a whole block of `columns` x `rows`
    // image pixels (within `slack` of each, for zoom factors that do not divide the view).
    static QString coverage(const Match& m, double columns, double rows, int slack = 0);
    // The image's columns and rows a view of the grabbed size shows at `zoomX`, `zoomY` screen pixels
    // per image pixel when the whole width (height) fits or the image is centred.
    QSizeF visibleImagePixels(double zoomX, double zoomY) const;
    // With LIGHTBOX_TEST_SCREENSHOTS=DIR, saves what the user sees (view and overlay) for review.
    void screenshot(const QString& name);
    void waitShown();

    QTemporaryDir m_tmp;
    QThreadPool m_pool;
    std::unique_ptr<viewer::FrameStack> m_stack;
    std::unique_ptr<viewer::ImageViewport> m_viewport;
    int m_pngCounter = 0;
};

void ViewportGuiTest::initTestCase()
{
    const QString ct = testDataDir() + "/ct/siemens-sensation10_chest_30sl";
    app::OpenResult opened = app::openPaths({ct});
    QCOMPARE(opened.series.size(), size_t(1));
    const SeriesGroup& g = opened.series.front();
    QCOMPARE(g.frames.size(), size_t(30));
    std::vector<viewer::StackEntry> entries;
    for (const SeriesFrame& f : g.frames)
        entries.push_back({QString::fromStdString(g.images[f.image].path), f.frame, g.images[f.image].info, g.images[f.image].summary});
    m_stack = std::make_unique<viewer::FrameStack>(std::move(entries), m_pool);
    m_viewport = std::make_unique<viewer::ImageViewport>();
    m_viewport->resize(700, 560);
    m_viewport->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_viewport.get()));
    m_viewport->setSmooth(false);  // one screen pixel shows exactly one image pixel's value
    m_viewport->setStack(m_stack.get());
    waitShown();
}

void ViewportGuiTest::cleanupTestCase()
{
    m_viewport->setStack(nullptr);
    m_viewport.reset();
    m_stack.reset();
    m_pool.waitForDone();
}

void ViewportGuiTest::screenshot(const QString& name)
{
    const QString dir = qEnvironmentVariable("LIGHTBOX_TEST_SCREENSHOTS");
    if (dir.isEmpty()) return;
    QDir().mkpath(dir);
    QApplication::processEvents();
    m_viewport->grab().save(dir + "/" + name + ".png");
}

void ViewportGuiTest::waitShown()
{
    QTRY_VERIFY_WITH_TIMEOUT(m_viewport->currentImageShown(), 20000);
    QApplication::processEvents();
}

ViewportGuiTest::Match ViewportGuiTest::compareWithRender(const WindowLevel& w)
{
    Match m;
    const auto& entry = m_viewport->stack()->entry(m_viewport->currentIndex());
    const QString png = m_tmp.path() + QStringLiteral("/render%1.png").arg(++m_pngCounter);
    const ProcessResult r = run(lightboxExe(), {"render", entry.path, "--frame", QString::number(entry.frame + 1), "--window",
                                                QString::number(w.center, 'g', 12) + "," + QString::number(w.width, 'g', 12), "--out", png});
    if (!r.ok()) {
        m.error = "lightbox render failed: " + QString::fromUtf8(r.err.trimmed());
        return m;
    }
    const QImage reference = QImage(png).convertToFormat(QImage::Format_Grayscale8);
    if (reference.isNull() || reference.width() != int(entry.info->columns) || reference.height() != int(entry.info->rows)) {
        m.error = QStringLiteral("the rendered PNG is %1x%2, the image %3x%4").arg(reference.width()).arg(reference.height()).arg(entry.info->columns).arg(entry.info->rows);
        return m;
    }
    const QImage view = m_viewport->grabView().convertToFormat(QImage::Format_RGB32);
    for (int row = 0; row < reference.height(); ++row) {
        for (int col = 0; col < reference.width(); ++col) {
            const QPointF s = m_viewport->imageToView(QPointF(col, row));
            const int x = int(std::floor(s.x())), y = int(std::floor(s.y()));
            if (x < 0 || y < 0 || x >= view.width() || y >= view.height()) continue;
            ++m.compared;
            m.minCol = std::min(m.minCol, col);
            m.maxCol = std::max(m.maxCol, col);
            m.minRow = std::min(m.minRow, row);
            m.maxRow = std::max(m.maxRow, row);
            const QRgb p = view.pixel(x, y);
            const int expected = reference.constScanLine(row)[col];
            if (std::abs(qRed(p) - expected) > 0 || qRed(p) != qGreen(p) || qGreen(p) != qBlue(p)) {
                if (++m.mismatched <= 5 && qEnvironmentVariableIsSet("LIGHTBOX_TEST_VERBOSE"))
                    qInfo("pixel %d,%d at %d,%d: view %d/%d/%d, render %d", col, row, x, y, qRed(p), qGreen(p), qBlue(p), expected);
            }
        }
    }
    return m;
}

QString ViewportGuiTest::coverage(const Match& m, double columns, double rows, int slack)
{
    if (!m.error.isEmpty()) return m.error;
    if (m.compared == 0) return QStringLiteral("no pixel was compared");
    if (m.compared != m.columns() * m.rows())
        return QStringLiteral("%1 pixels compared, not a whole block of %2x%3").arg(m.compared).arg(m.columns()).arg(m.rows());
    if (std::abs(m.columns() - columns) > slack || std::abs(m.rows() - rows) > slack)
        return QStringLiteral("compared %1x%2 image pixels, expected %3x%4").arg(m.columns()).arg(m.rows()).arg(columns).arg(rows);
    return {};
}

QSizeF ViewportGuiTest::visibleImagePixels(double zoomX, double zoomY) const
{
    const QImage view = m_viewport->grabView();
    const auto& info = *m_viewport->stack()->entry(m_viewport->currentIndex()).info;
    return {std::min<double>(info.columns, view.width() / zoomX), std::min<double>(info.rows, view.height() / zoomY)};
}

void ViewportGuiTest::showsTheFirstImageAtItsFileWindow()
{
    QCOMPARE(m_viewport->currentIndex(), 0);
    const WindowLevel w = m_viewport->window();
    const auto& windows = m_stack->entry(0).info->windows;
    QVERIFY(!windows.empty());
    QCOMPARE(w.center, windows.front().center);
    QCOMPARE(w.width, windows.front().width);
    m_viewport->actualSize();
    const Match m = compareWithRender(w);
    // One screen pixel per image pixel: the whole 512x512 slice lies inside the 700x560 view.
    QCOMPARE(m_viewport->zoom(), 1.0);
    const QString covered = coverage(m, 512, 512);
    QVERIFY2(covered.isEmpty(), qPrintable(covered));
    QCOMPARE(m.mismatched, 0);
}

void ViewportGuiTest::rightDragChangesTheWindow()
{
    QWidget* view = m_viewport->view();
    const WindowLevel before = m_viewport->window();
    const QPoint start(300, 300);
    QTest::mousePress(view, Qt::RightButton, Qt::NoModifier, start);
    for (int i = 1; i <= 10; ++i) {
        QMouseEvent move(QEvent::MouseMove, QPointF(start + QPoint(8 * i, 5 * i)), view->mapToGlobal(QPointF(start + QPoint(8 * i, 5 * i))),
                         Qt::NoButton, Qt::RightButton, Qt::NoModifier);
        QApplication::sendEvent(view, &move);
    }
    QTest::mouseRelease(view, Qt::RightButton, Qt::NoModifier, start + QPoint(80, 50));
    const WindowLevel after = m_viewport->window();
    QVERIFY2(after.width > before.width + 50, qPrintable(QString::number(after.width)));  // dragged right: wider
    QVERIFY2(after.center > before.center + 20, qPrintable(QString::number(after.center)));  // dragged down: higher level
    QApplication::processEvents();
    const Match m = compareWithRender(after);
    const QString covered = coverage(m, 512, 512);
    QVERIFY2(covered.isEmpty(), qPrintable(covered));
    QCOMPARE(m.mismatched, 0);
}

void ViewportGuiTest::ctrlWheelZooms()
{
    QWidget* view = m_viewport->view();
    m_viewport->actualSize();
    const double before = m_viewport->zoom();
    const QPointF at(350, 280);
    QWheelEvent wheel(at, view->mapToGlobal(at), QPoint(), QPoint(0, 240), Qt::NoButton, Qt::ControlModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(view, &wheel);
    QCOMPARE(m_viewport->zoom(), before * 1.1 * 1.1);
    // The image point under the cursor stays under the cursor.
    QApplication::processEvents();
    const Match m = compareWithRender(m_viewport->window());
    // At 1.21 screen pixels per image pixel: all 512 columns, and the 560/1.21 rows the view holds.
    const QSizeF visible = visibleImagePixels(1.21, 1.21);
    QCOMPARE(visible.width(), 512.0);
    const QString covered = coverage(m, visible.width(), visible.height(), 1);
    QVERIFY2(covered.isEmpty(), qPrintable(covered));
    QVERIFY2(m.mismatched <= m.compared / 1000, qPrintable(QStringLiteral("%1 of %2").arg(m.mismatched).arg(m.compared)));
    m_viewport->fitToWindow();
}

void ViewportGuiTest::wheelAndKeysScroll()
{
    QWidget* view = m_viewport->view();
    const QPointF at(350, 280);
    QWheelEvent down(at, view->mapToGlobal(at), QPoint(), QPoint(0, -360), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(view, &down);
    QCOMPARE(m_viewport->currentIndex(), 3);
    waitShown();
    m_viewport->actualSize();
    Match m = compareWithRender(m_viewport->window());
    QString covered = coverage(m, 512, 512);
    QVERIFY2(covered.isEmpty(), qPrintable(covered));
    QCOMPARE(m.mismatched, 0);

    QTest::keyClick(view, Qt::Key_End);
    QCOMPARE(m_viewport->currentIndex(), 29);
    QTest::keyClick(view, Qt::Key_Home);
    QCOMPARE(m_viewport->currentIndex(), 0);
    QTest::keyClick(view, Qt::Key_PageDown);
    QCOMPARE(m_viewport->currentIndex(), 3);
    QTest::keyClick(view, Qt::Key_Down);
    QCOMPARE(m_viewport->currentIndex(), 4);
    QTest::keyClick(view, Qt::Key_Up);
    QCOMPARE(m_viewport->currentIndex(), 3);
    waitShown();
    m = compareWithRender(m_viewport->window());
    covered = coverage(m, 512, 512);
    QVERIFY2(covered.isEmpty(), qPrintable(covered));
    QCOMPARE(m.mismatched, 0);
}

void ViewportGuiTest::rotationAndFlipKeepPixels()
{
    QWidget* view = m_viewport->view();
    QTest::keyClick(view, Qt::Key_R);
    QTest::keyClick(view, Qt::Key_H);
    QApplication::processEvents();
    const Match m = compareWithRender(m_viewport->window());
    // Still at actual size: the rotated and flipped square slice lies wholly inside the view.
    QCOMPARE(m_viewport->zoom(), 1.0);
    const QString covered = coverage(m, 512, 512);
    QVERIFY2(covered.isEmpty(), qPrintable(covered));
    QVERIFY2(m.mismatched <= m.compared / 1000, qPrintable(QStringLiteral("%1 of %2").arg(m.mismatched).arg(m.compared)));
    // Rotated clockwise (R goes to the top, A to the right), then flipped left-right (P on the right).
    const auto& c = m_viewport->overlay()->content();
    QCOMPARE(c.top, QString("R"));
    QCOMPARE(c.right, QString("P"));
    screenshot("rotated-flipped");
    QTest::keyClick(view, Qt::Key_Escape);
    QCOMPARE(m_viewport->overlay()->content().left, QString("R"));
}

void ViewportGuiTest::cinePlays()
{
    m_viewport->setCurrentIndex(0);
    m_viewport->setCineRate(20);
    QTest::keyClick(m_viewport->view(), Qt::Key_Space);
    QVERIFY(m_viewport->cinePlaying());
    // It moves on by itself (how fast depends on the machine's load: decoding under software GL
    // may slow it, never stop it), and stops when asked.
    QTRY_VERIFY_WITH_TIMEOUT(m_viewport->currentIndex() >= 8, 20000);
    QTest::keyClick(m_viewport->view(), Qt::Key_Space);
    QVERIFY(!m_viewport->cinePlaying());
    const int stoppedAt = m_viewport->currentIndex();
    // That nothing happens has no event to wait for: a sleep of six cine periods (at 20 frames/s)
    // in which a still-running cine would have moved on.
    QTest::qWait(300);
    QCOMPARE(m_viewport->currentIndex(), stoppedAt);
}

void ViewportGuiTest::overlayShowsPatientAndGeometry()
{
    waitShown();
    const auto& c = m_viewport->overlay()->content();
    QVERIFY(c.topLeft.join('\n').contains("Lung_Dx-A0002"));
    QVERIFY(c.topRight.join('\n').contains("2007-04-25"));
    QVERIFY(c.bottomLeft.join('\n').contains("/30"));
    QVERIFY(c.bottomLeft.join('\n').contains("Thk 8 mm"));
    QVERIFY(c.bottomRight.join('\n').startsWith("W "));
    QCOMPARE(c.left + c.right + c.top + c.bottom, QString("RLAP"));
    QVERIFY(c.mmPerLogicalPixel > 0);  // calibrated: scale bar shown
}

void ViewportGuiTest::magnifierShowsTheRegionUnderTheCursor()
{
    m_viewport->fitToWindow();
    QApplication::processEvents();
    const QImage before = m_viewport->grabView();
    m_viewport->setTool(viewer::Tool::Magnifier);
    const QPoint at(350, 280);
    QTest::mousePress(m_viewport->view(), Qt::LeftButton, Qt::NoModifier, at);
    QApplication::processEvents();
    const QImage loupe = m_viewport->grabView();
    QVERIFY(!m_viewport->overlay()->content().loupe.isNull());
    screenshot("magnifier");
    const qreal dpr = m_viewport->view()->devicePixelRatioF();
    const QPoint c = (QPointF(at) * dpr).toPoint();
    // Same image point at the centre; magnified around it (2.5x): 10 screen pixels in the loupe
    // are 4 in the plain view.
    QCOMPARE(qRed(loupe.pixel(c)), qRed(before.pixel(c)));
    int same = 0;
    for (int d = -40; d <= 40; d += 10) {
        const int v = qRed(loupe.pixel(c + QPoint(d, 0)));
        const QPoint plain = c + QPoint(int(std::lround(d / 2.5)), 0);
        bool found = false;  // nearest-neighbour sampling may land on either neighbour
        for (int k = -1; k <= 1; ++k) found = found || v == qRed(before.pixel(plain + QPoint(k, 0)));
        same += found ? 1 : 0;
    }
    QCOMPARE(same, 9);
    QTest::mouseRelease(m_viewport->view(), Qt::LeftButton, Qt::NoModifier, at);
    QVERIFY(m_viewport->overlay()->content().loupe.isNull());
    m_viewport->setTool(viewer::Tool::WindowLevel);
}

void ViewportGuiTest::nonSquarePixelsKeepTheirAspect()
{
    // The CT slice with rows twice as far apart as columns: it must look twice as tall.
    const QString src = m_stack->entry(0).path;
    const QString dst = m_tmp.path() + "/nonsquare.dcm";
    QVERIFY(QFile::copy(src, dst));
    QFile(dst).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    const ProcessResult r = run("dcmodify", {"-nb", "-m", "(0028,0030)=1.0\\0.5", dst});
    QVERIFY2(r.ok(), r.err.constData());
    app::OpenResult opened = app::openPaths({dst});
    QCOMPARE(opened.series.size(), size_t(1));
    const SeriesGroup& g = opened.series.front();
    std::vector<viewer::StackEntry> entries{{QString::fromStdString(g.images[0].path), 0, g.images[0].info, g.images[0].summary}};
    viewer::FrameStack stack(std::move(entries), m_pool);
    m_viewport->setStack(&stack);
    waitShown();
    const QPointF o = m_viewport->imageToView(QPointF(0, 0));
    const QPointF x = m_viewport->imageToView(QPointF(100, 0));
    const QPointF y = m_viewport->imageToView(QPointF(0, 100));
    QCOMPARE(std::round((y.y() - o.y()) / (x.x() - o.x()) * 1000) / 1000, 2.0);
    // And every pixel still shows the rendered value (at a zoom where no image pixel is smaller
    // than a screen pixel).
    screenshot("non-square-pixels");
    m_viewport->setZoom(2.0);
    QApplication::processEvents();
    const Match m = compareWithRender(m_viewport->window());
    // Rows 2 screen pixels apart, columns 1 (half the spacing): all 512 columns, 560/2 rows.
    const QSizeF visible = visibleImagePixels(1.0, 2.0);
    QCOMPARE(visible, QSizeF(512, 280));
    const QString covered = coverage(m, visible.width(), visible.height(), 1);
    QVERIFY2(covered.isEmpty(), qPrintable(covered));
    QVERIFY2(m.mismatched <= m.compared / 500, qPrintable(QStringLiteral("%1 of %2").arg(m.mismatched).arg(m.compared)));
    m_viewport->setStack(m_stack.get());
    waitShown();
}

int main(int argc, char** argv)
{
    viewer::VtkViewWidget::configureDefaultSurfaceFormat();
    QApplication app(argc, argv);
    ViewportGuiTest test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_viewport_gui.moc"
