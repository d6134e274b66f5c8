// The readout of the pixel under the cursor (status bar): the position and the value each labelled
// and apart, so that a value is never read as part of the row (it once read "y 121225" for row 121,
// value 225). The text on CT (negative HU, with the stored value), MR (no rescale: no unit) and
// colour; then in the main window under a real X server: the mouse over a pixel of a real image,
// the value following the image while scrolling, and the readout cleared when another series or
// study is shown. pydicom reads the expected values (tests/gui/pydicom_pixel.py).
#include "test_support.h"

#include "cache_service.h"
#include "dicom_file.h"
#include "frame_decoder.h"
#include "image_info.h"
#include "image_stack.h"
#include "image_viewport.h"
#include "main_window.h"
#include "overlay_text.h"
#include "vtk_view_widget.h"

#include <QApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QtTest>

using namespace lightbox;
using namespace lightbox::test;

namespace {

const QString kCtFile = "/ct/siemens-sensation10_chest_30sl/1-01.dcm";  // Rescale -1024, no Rescale Type
const QString kMrFile = "/mr/siemens-verio_brain-t1post_24sl/1-01.dcm";  // no rescale at all
const QString kRgbFile = "/sc/imagej-cardio_siemens-sensation64_rgb-sc.dcm";

// The readout pydicom's values make, in Lightbox's format; `unit` for grey images ("" for none),
// `stored`: whether the stored value is shown too (a rescale applies).
QString expectedReadout(const QString& file, int column, int row, const QString& unit, bool stored)
{
    const ProcessResult r = run(python(), {scriptsDir() + "/gui/pydicom_pixel.py", file, QString::number(row), QString::number(column)});
    if (!r.ok()) return "pydicom failed: " + QString::fromUtf8(r.err);
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    QString value;
    if (o.contains("rgb")) {
        const QJsonArray c = o["rgb"].toArray();
        value = QStringLiteral("R %1, G %2, B %3").arg(c[0].toInt()).arg(c[1].toInt()).arg(c[2].toInt());
    } else {
        value = "value " + QString::number(o["value"].toDouble()) + (unit.isEmpty() ? "" : " " + unit);
        if (stored) value += QStringLiteral(" (stored %1)").arg(o["stored"].toInt());
    }
    return QStringLiteral("x %1, y %2  |  %3").arg(column).arg(row).arg(value);
}

QString lightboxReadout(const QString& file, int column, int row)
{
    auto dicom = DicomFile::open(file.toStdString());
    if (!dicom) return "cannot open " + file;
    auto info = readImageInfo(**dicom);
    if (!info) return "no image in " + file;
    auto frame = decodeFrame(**dicom, *info, 0);
    if (!frame) return "cannot decode " + file;
    return viewer::pixelValueText(*frame, *info, 0, column, row);
}

}  // namespace

class PixelReadoutGuiTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }
    void cleanupTestCase();
    void ctValueWithUnitAndStored();
    void mrValueWithoutUnit();
    void colourValue();
    void followsTheMouseAndClearsOnAnotherSeries();

private:
    QLabel* readout() const { return m_window->findChild<QLabel*>("pixelReadout"); }
    viewer::ImageViewport* vp() const { return m_window->viewport(); }
    // Moves the mouse over image pixel (column, row) of the viewer and returns the position the
    // readout names (the pixel under the mouse), or (-1, -1).
    QPoint hover(int column, int row);
    void showSeriesOf(const QString& modality);

    QTemporaryDir m_tmp;
    QThreadPool m_pool;
    std::unique_ptr<app::CacheService> m_cache;
    std::unique_ptr<app::MainWindow> m_window;
};

void PixelReadoutGuiTest::cleanupTestCase()
{
    if (m_window) m_window->close();
    m_window.reset();
    m_pool.waitForDone();
}

void PixelReadoutGuiTest::ctValueWithUnitAndStored()
{
    const QString file = testDataDir() + kCtFile;
    const QString text = lightboxReadout(file, 132, 121);
    QCOMPARE(text, expectedReadout(file, 132, 121, "HU", true));
    QVERIFY2(text.contains("value -978 HU (stored 46)"), qPrintable(text));  // air: a negative HU
}

void PixelReadoutGuiTest::mrValueWithoutUnit()
{
    const QString file = testDataDir() + kMrFile;
    const QString text = lightboxReadout(file, 132, 121);
    QCOMPARE(text, expectedReadout(file, 132, 121, "", false));
    QCOMPARE(text, QString("x 132, y 121  |  value 91"));
}

void PixelReadoutGuiTest::colourValue()
{
    const QString file = testDataDir() + kRgbFile;
    QCOMPARE(lightboxReadout(file, 320, 240), expectedReadout(file, 320, 240, "", false));
}

QPoint PixelReadoutGuiTest::hover(int column, int row)
{
    dragTo(vp()->view(), vp()->imageToWidget(QPointF(column, row)).toPoint(), Qt::NoButton);
    const auto m = QRegularExpression("^x (\\d+), y (\\d+)  \\|  ").match(readout()->text());
    return m.hasMatch() ? QPoint(m.captured(1).toInt(), m.captured(2).toInt()) : QPoint(-1, -1);
}

void PixelReadoutGuiTest::showSeriesOf(const QString& modality)
{
    for (int i = 0; i < m_window->seriesCount(); ++i) {
        m_window->showSeries(i);
        if (vp()->stack() && vp()->stack()->size() && vp()->stack()->entry(0).info->modalityName == modality.toStdString()) break;
    }
    QTRY_VERIFY_WITH_TIMEOUT(vp()->currentImageShown(), 10000);
}

void PixelReadoutGuiTest::followsTheMouseAndClearsOnAnotherSeries()
{
    m_cache = std::make_unique<app::CacheService>(m_tmp.path() + "/cache", m_pool);
    m_window = std::make_unique<app::MainWindow>(m_pool, *m_cache);
    m_window->resize(1300, 900);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QSignalSpy loaded(m_window.get(), &app::MainWindow::loadFinished);
    m_window->openPaths({testDataDir() + "/ct/siemens-sensation10_chest_30sl", testDataDir() + "/mr/siemens-verio_brain-t1post_24sl"});
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 20000);
    QCOMPARE(m_window->seriesCount(), 2);
    QVERIFY(readout());

    // CT: the mouse over a pixel in air.
    showSeriesOf("CT");
    QPoint at = hover(132, 121);
    QVERIFY2((at - QPoint(132, 121)).manhattanLength() <= 1, qPrintable(readout()->text()));
    QString path = vp()->stack()->entry(vp()->currentIndex()).path;
    QCOMPARE(readout()->text(), expectedReadout(path, at.x(), at.y(), "HU", true));
    QVERIFY2(readout()->text().contains(" HU (stored "), qPrintable(readout()->text()));

    // Scrolling under a resting mouse: the value is the new image's (another value there).
    const QString before = readout()->text();
    vp()->setCurrentIndex(vp()->currentIndex() + 5);
    QTRY_VERIFY_WITH_TIMEOUT(vp()->currentImageShown(), 10000);
    const QString next = expectedReadout(vp()->stack()->entry(vp()->currentIndex()).path, at.x(), at.y(), "HU", true);
    QVERIFY(next != before);
    QTRY_COMPARE_WITH_TIMEOUT(readout()->text(), next, 5000);

    // Another series: the CT's value is gone, and stays gone until the mouse moves.
    showSeriesOf("MR");
    QCOMPARE(readout()->text(), QString());
    QTest::qWait(200);
    QCOMPARE(readout()->text(), QString());
    at = hover(100, 150);
    path = vp()->stack()->entry(vp()->currentIndex()).path;
    QCOMPARE(readout()->text(), expectedReadout(path, at.x(), at.y(), "", false));

    // The mouse leaves the image: nothing under it, nothing shown.
    QEvent leave(QEvent::Leave);
    QApplication::sendEvent(vp()->view(), &leave);
    QCOMPARE(readout()->text(), QString());

    // Another study (a colour image): cleared, then its RGB under the mouse.
    hover(100, 150);
    QVERIFY(!readout()->text().isEmpty());
    m_window->openPaths({testDataDir() + kRgbFile});
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 2, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(vp()->currentImageShown(), 10000);
    QCOMPARE(readout()->text(), QString());
    at = hover(500, 500);
    QCOMPARE(readout()->text(), expectedReadout(testDataDir() + kRgbFile, at.x(), at.y(), "", false));
}

QTEST_MAIN(PixelReadoutGuiTest)
#include "test_pixel_readout_gui.moc"
