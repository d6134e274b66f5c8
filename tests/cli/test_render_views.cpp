// `lightbox render --view` on an analytic phantom written as DICOM: axial, coronal and sagittal
// planes and the whole-volume MIP compared pixel by pixel with reformats made by pydicom and numpy
// (tests/cli/reformat_reference.py); thick slabs against the phantom's known shapes; the volume
// rendering (presets, size) under X; the same images from a series of the cache; clear errors.
#include "phantom_series.h"
#include "test_support.h"

#include <QImage>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace lightbox::test;

class RenderViewsTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void planesMatchPydicom_data();
    void planesMatchPydicom();
    void slabsShowTheShapes();
    void volumeRendering();
    void fromTheCache();
    void reformatsOpenWithTheCentralImagesWindow();
    void errors();

private:
    QImage render(const QStringList& extra, const QString& source = {});
    QTemporaryDir m_tmp;
    QString m_folder;
    int m_n = 0;
};

namespace {

// Background -1000, a 300 HU sphere (r 14) at (6, -4, 3), a 900 HU sphere (r 3) at (-20, 18, 9),
// a 60 HU cylinder along x at y = 25, z = -12.
constexpr double kSmallZ = 9;

int count(const QImage& img, int above)
{
    int n = 0;
    const QImage g = img.convertToFormat(QImage::Format_Grayscale8);
    for (int y = 0; y < g.height(); ++y)
        for (int x = 0; x < g.width(); ++x) n += g.constScanLine(y)[x] > above ? 1 : 0;
    return n;
}

}  // namespace

void RenderViewsTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    PhantomSeries s;
    s.rows = 90;
    s.columns = 100;
    s.positions = evenPositions(64, 1.0, -32);
    s.spheres = {{{6, -4, 3}, 14, 300}, {{-20, 18, kSmallZ}, 3, 900}};
    s.cylinders = {{{-40, 25, -12}, {40, 25, -12}, 5, 60}};
    m_folder = m_tmp.path() + "/phantom";
    QCOMPARE(writePhantomSeries(s, m_folder), 64);
}

QImage RenderViewsTest::render(const QStringList& extra, const QString& source)
{
    const QString out = m_tmp.path() + QStringLiteral("/view%1.png").arg(++m_n);
    const ProcessResult r = run(lightboxExe(), QStringList{"render", source.isEmpty() ? m_folder : source, "--out", out} + extra, 120000);
    if (!r.ok()) {
        qWarning("render %s: %s", qPrintable(extra.join(' ')), r.err.constData());
        return {};
    }
    return QImage(out);
}

void RenderViewsTest::planesMatchPydicom_data()
{
    QTest::addColumn<QString>("view");
    QTest::addColumn<double>("position");
    QTest::newRow("axial through the big sphere") << "axial" << 3.0;
    QTest::newRow("axial through the cylinder") << "axial" << -12.0;
    QTest::newRow("coronal") << "coronal" << -4.0;
    QTest::newRow("coronal off-centre") << "coronal" << 18.0;
    QTest::newRow("sagittal") << "sagittal" << 6.0;
    QTest::newRow("sagittal through the cylinder") << "sagittal" << 25.0;
    QTest::newRow("mip") << "mip" << 0.0;
}

void RenderViewsTest::planesMatchPydicom()
{
    QFETCH(QString, view);
    QFETCH(double, position);
    const QString window = "100,1400";
    QStringList args{"--view", view, "--window", window};
    if (view != "mip") args << "--position" << QString::number(position);
    const QImage ours = render(args);
    QVERIFY(!ours.isNull());
    const QString ref = m_tmp.path() + QStringLiteral("/ref%1.png").arg(++m_n);
    const ProcessResult r = run(python(), {scriptsDir() + "/cli/reformat_reference.py", m_folder, view, QString::number(position), window, ref});
    QVERIFY2(r.ok(), r.err.constData());
    const ImageDiff d = compareImages(ours, QImage(ref));
    QVERIFY2(d.sameSize && d.maxDiff <= 1, qPrintable(d.describe()));
    // Not a blank image: the plane cuts something.
    QVERIFY(count(ours, 100) > 20);
}

void RenderViewsTest::slabsShowTheShapes()
{
    // The small sphere (z = 9, r = 3) seen on the axial plane 6 mm below it: absent from the thin
    // plane, present in a 16 mm MIP slab at its value (900 HU: white at this window), absent again
    // from the MinIP, dimmed in the average.
    const QStringList base{"--view", "axial", "--position", QString::number(kSmallZ - 6), "--window", "100,1400"};
    const QImage thin = render(base);
    const QImage mip = render(base + QStringList{"--slab-mm", "16", "--slab-mode", "mip"});
    const QImage minip = render(base + QStringList{"--slab-mm", "16", "--slab-mode", "minip"});
    const QImage avg = render(base + QStringList{"--slab-mm", "16", "--slab-mode", "avg"});
    QVERIFY(!thin.isNull() && !mip.isNull() && !minip.isNull() && !avg.isNull());
    // The small sphere's centre on the axial image: column x + 49.5, row y + 44.5 (1 mm pixels).
    const QPoint small(int(std::lround(-20 + 49.5)), int(std::lround(18 + 44.5)));
    auto grey = [&](const QImage& img) { return qGray(img.pixel(small)); };
    QCOMPARE(grey(thin), 0);
    QCOMPARE(grey(mip), 255);
    QCOMPARE(grey(minip), 0);
    QVERIFY(grey(avg) > 0 && grey(avg) < 255);
    // The MIP's bright disk: the sphere's largest section, radius 3 mm (28 pixels ± edge).
    int bright = 0;
    for (int y = small.y() - 6; y <= small.y() + 6; ++y)
        for (int x = small.x() - 6; x <= small.x() + 6; ++x) bright += qGray(mip.pixel(x, y)) == 255 ? 1 : 0;
    QVERIFY2(std::abs(bright - M_PI * 9) < 8, qPrintable(QString::number(bright)));
}

void RenderViewsTest::volumeRendering()
{
    const QImage bone = render({"--view", "vr", "--preset", "CT bone", "--size", "320x240"});
    QVERIFY(!bone.isNull());
    QCOMPARE(bone.size(), QSize(320, 240));
    const QImage soft = render({"--view", "vr", "--preset", "CT soft tissue", "--size", "320x240"});
    QVERIFY(!soft.isNull());
    // Soft tissue shows the 60 HU cylinder that bone hides.
    const QRgb bg = bone.pixel(0, 0);
    auto fg = [&](const QImage& img) {
        int n = 0;
        for (int y = 0; y < img.height(); ++y)
            for (int x = 0; x < img.width(); ++x) n += img.pixel(x, y) != bg ? 1 : 0;
        return n;
    };
    QVERIFY2(fg(bone) > 100 && fg(soft) > fg(bone) * 1.3, qPrintable(QStringLiteral("%1 %2").arg(fg(bone)).arg(fg(soft))));
}

void RenderViewsTest::fromTheCache()
{
    const QString cache = m_tmp.path() + "/cache";
    ProcessResult r = run(lightboxExe(), {"import", m_folder, "--cache", cache});
    QVERIFY2(r.ok(), r.err.constData());
    r = run(lightboxExe(), {"inspect", m_folder, "--json"});
    QVERIFY(r.ok());
    const QString series = QJsonDocument::fromJson(r.out).object()["volumes"].toArray()[0].toObject()["seriesInstanceUid"].toString();
    QVERIFY(!series.isEmpty());
    const QStringList args{"--view", "coronal", "--position", "-4", "--window", "100,1400"};
    const QImage fromFolder = render(args);
    const QImage fromCache = render(args + QStringList{"--cache", cache, "--series", series}, QStringLiteral(""));
    QVERIFY(!fromCache.isNull());
    const ImageDiff d = compareImages(fromFolder, fromCache);
    QVERIFY2(d.sameSize && d.maxDiff == 0, qPrintable(d.describe()));
}

void RenderViewsTest::reformatsOpenWithTheCentralImagesWindow()
{
    // As on a sagittal MR whose edge slices carry a window of their own (W 22): the first and last
    // slices along the normal get C 11 W 22, every other C 100 W 1400 (pydicom writes them). The
    // reformat, without --window, opens with the central image's window.
    const QString folder = m_tmp.path() + "/windows";
    QVERIFY(QDir().mkpath(folder));
    for (const QString& f : QDir(m_folder).entryList(QDir::Files)) QVERIFY(QFile::copy(m_folder + "/" + f, folder + "/" + f));
    const char* script = R"(
import glob, sys, pydicom
files = sorted(glob.glob(sys.argv[1] + "/*.dcm"), key=lambda f: float(pydicom.dcmread(f).ImagePositionPatient[2]))
for i, f in enumerate(files):
    ds = pydicom.dcmread(f)
    edge = i in (0, len(files) - 1)
    ds.WindowCenter, ds.WindowWidth = ("11", "22") if edge else ("100", "1400")
    ds.save_as(f)
)";
    const ProcessResult py = run(python(), {"-c", script, folder});
    QVERIFY2(py.ok(), py.err.constData());
    const QImage ours = render({"--view", "axial", "--position", "3"}, folder);
    QVERIFY(!ours.isNull());
    const QString ref = m_tmp.path() + "/central-window-ref.png";
    const ProcessResult r = run(python(), {scriptsDir() + "/cli/reformat_reference.py", folder, "axial", "3", "100,1400", ref});
    QVERIFY2(r.ok(), r.err.constData());
    const ImageDiff d = compareImages(ours, QImage(ref));
    QVERIFY2(d.sameSize && d.maxDiff <= 1, qPrintable(d.describe()));
}

void RenderViewsTest::errors()
{
    const QString out = m_tmp.path() + "/err.png";
    ProcessResult r = run(lightboxExe(), {"render", m_folder, "--view", "oblique", "--out", out});
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.err.contains("--view is axial"));
    r = run(lightboxExe(), {"render", m_folder, "--view", "axial", "--position", "500", "--out", out});
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.err.contains("outside the volume"));
    r = run(lightboxExe(), {"render", m_folder, "--view", "axial", "--slab-mode", "sum", "--out", out});
    QCOMPARE(r.exitCode, 2);
    r = run(lightboxExe(), {"render", m_folder, "--view", "vr", "--preset", "no such preset", "--out", out});
    QVERIFY(!r.ok());
    QVERIFY(r.err.contains("preset"));
    // One image is not a volume: said so, nothing written.
    const QString single = m_tmp.path() + "/single";
    QDir().mkpath(single);
    QVERIFY(QFile::copy(filesUnder(m_folder).front(), single + "/one.dcm"));
    r = run(lightboxExe(), {"render", single, "--view", "coronal", "--out", out});
    QVERIFY(!r.ok() && !r.crashed);
    QVERIFY2(r.err.contains("volume"), r.err.constData());
    QVERIFY(!QFile::exists(out));
}

QTEST_MAIN(RenderViewsTest)
#include "test_render_views.moc"
