// Measurements against analytic phantoms written as DICOM series: lengths and angles between
// points whose patient positions are known (non-square pixels, oblique planes), ROI statistics
// equal to the phantom's values at the pixel centres inside (computed here from the phantom, not
// from Lightbox's decoding), areas of the drawn shapes, and 3D regions (ITK region growing and
// thresholds) whose volume matches the spheres' within 2 % on straight, oblique, anisotropic and
// gantry-tilted series.
#include "phantom_series.h"
#include "open_images.h"
#include "test_support.h"

#include "dicom_file.h"
#include "frame_decoder.h"
#include "measure.h"
#include "region_grow.h"
#include "volume_assembly.h"
#include "volume_loader.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace lightbox;
using namespace lightbox::test;

namespace {

// Where a patient point lies on an image (column, row): from its Image Position/Orientation and
// Pixel Spacing, as the standard defines them.
ImagePoint toPixel(const ImageInfo& info, const P3& p)
{
    const auto& pos = *info.plane.position;
    const auto& o = *info.plane.orientation;
    const auto& sp = *info.plane.pixelSpacing;  // row spacing, column spacing
    const double d[3] = {p[0] - pos[0], p[1] - pos[1], p[2] - pos[2]};
    return {(d[0] * o[0] + d[1] * o[1] + d[2] * o[2]) / sp[1], (d[0] * o[3] + d[1] * o[4] + d[2] * o[5]) / sp[0]};
}

P3 toPatient(const ImageInfo& info, double col, double row)
{
    const auto& pos = *info.plane.position;
    const auto& o = *info.plane.orientation;
    const auto& sp = *info.plane.pixelSpacing;
    return {pos[0] + o[0] * col * sp[1] + o[3] * row * sp[0], pos[1] + o[1] * col * sp[1] + o[4] * row * sp[0],
            pos[2] + o[2] * col * sp[1] + o[5] * row * sp[0]};
}

double dist(const P3& a, const P3& b) { return std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2])); }

DecodedFrame decode(const OpenedImage& img)
{
    auto file = DicomFile::open(img.path);
    auto f = decodeFrame(**file, *img.info, 0);
    return *f;
}

}  // namespace

class MeasureTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }
    void lengthsAndAnglesInPatientMillimetres();
    void cobbAngle();
    void scaleFromDetectorOrAspectRatio();
    void roiStatisticsAreTheValuesInside();
    void roiAreas();
    void regionVolumes_data();
    void regionVolumes();
    void regionErrorsAndThreshold();

private:
    QString write(const PhantomSeries& s, const QString& name) { return writePhantomFolder(s, m_tmp.path(), name); }
    QTemporaryDir m_tmp;
};

void MeasureTest::lengthsAndAnglesInPatientMillimetres()
{
    // Non-square pixels (0.5 mm between rows, 0.9 mm between columns) on an oblique plane.
    PhantomSeries s;
    s.row = {std::cos(0.3), std::sin(0.3), 0};
    s.column = {0, 0, -1};
    s.rowSpacing = 0.5;
    s.columnSpacing = 0.9;
    s.rows = 200;
    s.columns = 110;
    s.positions = {0};
    s.spheres = {{{0, 0, 0}, 20, 100}};
    const auto images = openImages(write(s, "lengths"));
    QCOMPARE(images.size(), size_t(1));
    const ImageInfo& info = *images.front().info;
    const PixelScale scale = pixelScale(info, 0);
    QVERIFY(scale.calibrated);
    QCOMPARE(scale.x, 0.9);
    QCOMPARE(scale.y, 0.5);
    // Points in the plane with known distances: across rows, across columns, diagonally.
    const P3 c = toPatient(info, 40.3, 77.7);
    for (const auto& [dc, dr] : std::vector<std::pair<double, double>>{{0, 60}, {50, 0}, {33.3, -71.2}, {-12, 5}}) {
        const P3 e = toPatient(info, 40.3 + dc, 77.7 + dr);
        const double l = distanceMm(toPixel(info, c), toPixel(info, e), scale);
        QVERIFY2(std::abs(l - dist(c, e)) < 1e-6, qPrintable(QStringLiteral("%1 vs %2").arg(l).arg(dist(c, e))));
    }
    // The sphere's diameter along the row through its centre: from edge to edge of the pixels
    // inside, plus one pixel, is 2r within a pixel (0.9 mm) and the measured line within 0.5 mm
    // of the analytic chord between the analytic edges.
    const ImagePoint centre = toPixel(info, {0, 0, 0});
    const P3 left = toPatient(info, centre.x - 20 / 0.9, centre.y), right = toPatient(info, centre.x + 20 / 0.9, centre.y);
    QVERIFY(std::abs(distanceMm(toPixel(info, left), toPixel(info, right), scale) - 40) < 0.5);
    // A right angle in patient space is 90° on the image, although pixels are not square.
    const P3 a = toPatient(info, 10, 10), v = toPatient(info, 10, 70), b = toPatient(info, 60, 70);
    QVERIFY(std::abs(angleDegrees(toPixel(info, a), toPixel(info, v), toPixel(info, b), scale) - 90) < 1e-6);
    // 30° between a row and a ray: tan(30°) mm rows per mm column.
    const ImagePoint vv{20, 150}, ra{80, 150};
    const ImagePoint rb{20 + 50, 150 - 50 * 0.9 * std::tan(30 * M_PI / 180) / 0.5};
    QVERIFY(std::abs(angleDegrees(ra, vv, rb, scale) - 30) < 1e-6);
    // Naïvely in pixels it would not be 30°.
    QVERIFY(std::abs(angleDegrees(ra, vv, rb, PixelScale{}) - 30) > 5);
}

void MeasureTest::cobbAngle()
{
    const PixelScale sq{0.4, 0.4, true, {}};
    // End plates at +10° and -25° from horizontal: 35°, whichever way each line is drawn.
    auto line = [](double deg, double y) {
        const double t = deg * M_PI / 180;
        return std::pair<ImagePoint, ImagePoint>{{100 - 40 * std::cos(t), y + 40 * std::sin(t)}, {100 + 40 * std::cos(t), y - 40 * std::sin(t)}};
    };
    const auto [a0, a1] = line(10, 100);
    const auto [b0, b1] = line(-25, 300);
    QVERIFY(std::abs(cobbDegrees(a0, a1, b0, b1, sq) - 35) < 1e-9);
    QVERIFY(std::abs(cobbDegrees(a1, a0, b0, b1, sq) - 35) < 1e-9);
    QVERIFY(std::abs(cobbDegrees(a1, a0, b1, b0, sq) - 35) < 1e-9);
    // A severe curve beyond 90° (60° and -50°): 110°, not folded to 70°.
    const auto [c0, c1] = line(60, 100);
    const auto [d0, d1] = line(-50, 300);
    QVERIFY2(std::abs(cobbDegrees(c0, c1, d0, d1, sq) - 110) < 1e-9, qPrintable(QString::number(cobbDegrees(c0, c1, d0, d1, sq))));
}

void MeasureTest::scaleFromDetectorOrAspectRatio()
{
    ImageInfo info;
    QVERIFY(!pixelScale(info, 0).calibrated);
    info.imagerPixelSpacing = std::array<double, 2>{0.15, 0.15};
    PixelScale s = pixelScale(info, 0);
    QVERIFY(s.calibrated);
    QCOMPARE(s.note, std::string("detector"));
    info.plane.pixelSpacing = std::array<double, 2>{0.12, 0.1};
    s = pixelScale(info, 0);
    QVERIFY(s.note.empty());
    QCOMPARE(s.x, 0.1);
    QCOMPARE(s.y, 0.12);
    ImageInfo aspect;
    aspect.pixelAspectRatio = std::array<double, 2>{5, 4};
    s = pixelScale(aspect, 0);
    QVERIFY(!s.calibrated);
    QCOMPARE(s.y / s.x, 1.25);
}

void MeasureTest::roiStatisticsAreTheValuesInside()
{
    // Rescaled values (slope 0.5, intercept -1024) on non-square pixels; two spheres and a
    // cylinder, so that an ROI straddling them has a known mixture.
    PhantomSeries s;
    s.rows = 160;
    s.columns = 120;
    s.rowSpacing = 0.6;
    s.columnSpacing = 0.8;
    s.slope = 0.5;
    s.intercept = -1024;
    s.background = -1000;
    s.positions = {0};
    s.spheres = {{{-12, 0, 0}, 14, 40.5}, {{22, 10, 0}, 9, 700}};
    const auto images = openImages(write(s, "roi"));
    const OpenedImage& img = images.front();
    const ImageInfo& info = *img.info;
    const DecodedFrame frame = decode(img);
    // An ellipse well inside the big sphere: every pixel is 40.5 HU.
    const ImagePoint c = toPixel(info, {-12, 0, 0});
    Roi inside{RoiShape::Ellipse, {{c.x - 10 / 0.8, c.y - 10 / 0.6}, {c.x + 10 / 0.8, c.y + 10 / 0.6}}};
    RoiStats st = roiStats(frame, info, 0, inside);
    QVERIFY(st.hasValues);
    QCOMPARE(st.unit, std::string("HU"));
    QVERIFY(st.pixels > 400);
    QCOMPARE(st.mean, 40.5);
    QCOMPARE(st.sd, 0.0);
    QCOMPARE(st.min, 40.5);
    QCOMPARE(st.max, 40.5);
    // Rectangles and a freehand polygon across several structures: the statistics of the phantom's
    // values at the pixel centres inside, computed here from the phantom itself.
    const std::vector<Roi> rois = {
        {RoiShape::Rectangle, {toPixel(info, {-30, -20, 0}), toPixel(info, {30, 18, 0})}},
        {RoiShape::Ellipse, {toPixel(info, {0, -5, 0}), toPixel(info, {33, 21, 0})}},
        {RoiShape::Polygon, {toPixel(info, {-25, -25, 0}), toPixel(info, {30, 0, 0}), toPixel(info, {25, 25, 0}), toPixel(info, {-5, 10, 0}),
                             toPixel(info, {-20, 30, 0})}},
    };
    for (const Roi& roi : rois) {
        const RoiStats got = roiStats(frame, info, 0, roi);
        std::vector<double> values;
        for (int r = 0; r < s.rows; ++r)
            for (int col = 0; col < s.columns; ++col)
                if (roi.contains(col, r)) values.push_back(phantomValue(s, toPatient(info, col, r)));
        QCOMPARE(got.pixels, values.size());
        double mean = 0;
        for (double v : values) mean += v;
        mean /= double(values.size());
        double var = 0;
        for (double v : values) var += (v - mean) * (v - mean);
        const double sd = std::sqrt(var / double(values.size() - 1));
        QVERIFY2(std::abs(got.mean - mean) < 1e-9, qPrintable(QStringLiteral("%1 vs %2").arg(got.mean).arg(mean)));
        QVERIFY(std::abs(got.sd - sd) < 1e-6);
        QCOMPARE(got.min, *std::min_element(values.begin(), values.end()));
        QCOMPARE(got.max, *std::max_element(values.begin(), values.end()));
        QVERIFY(got.min < got.max);
    }
}

void MeasureTest::roiAreas()
{
    const PixelScale s{0.8, 0.6, true, {}};
    // A 40 × 30 mm ellipse (50 × 50 pixels of 0.8 × 0.6 mm): π·20·15 mm².
    Roi e{RoiShape::Ellipse, {{10, 10}, {60, 60}}};
    QVERIFY(std::abs(e.areaMm2(s) - M_PI * 20 * 15) < 1e-9);
    Roi r{RoiShape::Rectangle, {{60, 10}, {10, 60}}};
    QVERIFY(std::abs(r.areaMm2(s) - 40 * 30) < 1e-9);
    // A right triangle with legs of 40 mm and 30 mm, drawn either way round.
    Roi t{RoiShape::Polygon, {{0, 0}, {50, 0}, {0, 50}}};
    QVERIFY(std::abs(t.areaMm2(s) - 600) < 1e-9);
    std::reverse(t.points.begin(), t.points.end());
    QVERIFY(std::abs(t.areaMm2(s) - 600) < 1e-9);
    // Pixel centres inside an ellipse: about its area in pixels.
    int n = 0;
    for (int y = 0; y < 80; ++y)
        for (int x = 0; x < 80; ++x) n += e.contains(x, y) ? 1 : 0;
    QVERIFY(std::abs(n - M_PI * 25 * 25) < 0.02 * M_PI * 25 * 25);
}

void MeasureTest::regionVolumes_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("straight 1 mm") << "straight";
    QTest::newRow("anisotropic 0.7 x 0.7 x 2.5 mm") << "anisotropic";
    QTest::newRow("oblique orientation") << "oblique";
    QTest::newRow("gantry tilt 20 degrees") << "tilt";
    QTest::newRow("uneven spacing") << "uneven";
}

void MeasureTest::regionVolumes()
{
    QFETCH(QString, kind);
    PhantomSeries s;
    s.rows = s.columns = 110;
    s.positions = evenPositions(70, 1.0, -35);
    const double r = 15, r2 = 8;
    const P3 c{-8, 5, 2}, c2{28, -25, -10};
    if (kind == "anisotropic") {
        s.rowSpacing = s.columnSpacing = 0.7;
        s.rows = s.columns = 150;
        s.positions = evenPositions(30, 2.5, -36);
    } else if (kind == "oblique") {
        const double t = 25 * M_PI / 180;
        s.row = {std::cos(t), 0, std::sin(t)};
        s.column = {0, 1, 0};
    } else if (kind == "tilt") {
        const double t = 20 * M_PI / 180;
        s.column = {0, std::cos(t), std::sin(t)};
        s.stepDirection = {0, 0, 1};
        s.positions = evenPositions(80, 1.0, -40);
    } else if (kind == "uneven") {
        s.positions.clear();
        for (double z = -35; z < 35; z += (s.positions.size() % 2 ? 1.5 : 1.0)) s.positions.push_back(z);
    }
    s.spheres = {{c, r, 120}, {c2, r2, 400}};
    s.cylinders = {{{-30, -40, -5}, {30, -40, -5}, 4, 130}};  // touches nothing else
    const auto images = openImages(write(s, "region-" + kind));
    const auto plans = assembleVolumes(images);
    QCOMPARE(plans.size(), size_t(1));
    auto vol = loadVolume(plans.front(), images);
    QVERIFY(vol.ok());
    // Region growing from the big sphere's centre, range half way to the background and below
    // the cylinder's value: the big sphere alone.
    RegionRequest req;
    req.seed = {c[0], c[1], c[2]};
    req.lower = -440;
    req.upper = 125;
    auto grown = growRegion(**vol, req);
    QVERIFY2(grown.ok(), grown.ok() ? "" : grown.error().message.c_str());
    const double expected = 4.0 / 3.0 * M_PI * r * r * r / 1000.0;  // mL
    QVERIFY2(std::abs(grown->volumeMl - expected) / expected < 0.02,
             qPrintable(QStringLiteral("%1: %2 mL, expected %3").arg(kind).arg(grown->volumeMl).arg(expected)));
    // The region holds the sphere's centre and not the small sphere's.
    const VolumeGeometry& g = (*vol)->geometry();
    auto voxel = [&](const P3& p) {
        const Vec3 i = g.toIndex({p[0], p[1], p[2]});
        return std::array<int, 3>{int(std::lround(i[0])), int(std::lround(i[1])), int(std::lround(i[2]))};
    };
    const auto vc = voxel(c), vc2 = voxel(c2);
    QVERIFY(grown->contains(vc[0], vc[1], vc[2]));
    QVERIFY(!grown->contains(vc2[0], vc2[1], vc2[2]));
    if (kind == "straight" || kind == "anisotropic" || kind == "oblique") {
        // No resampling: every voxel of the region holds the sphere's value.
        QCOMPARE(grown->mean, 120.0);
        QCOMPARE(grown->sd, 0.0);
    }
    // From the small sphere's centre with a range half way to the background: the small sphere
    // alone (it touches nothing), although the range holds the big sphere's value too.
    req.seed = {c2[0], c2[1], c2[2]};
    req.lower = -300;
    req.upper = 3000;
    auto small = growRegion(**vol, req);
    QVERIFY(small.ok());
    const double expectedSmall = 4.0 / 3.0 * M_PI * r2 * r2 * r2 / 1000.0;
    // An 8 mm sphere: within 2 % on 1 to 1.5 mm grids, 5 % on 2.5 mm slices.
    const double tolerance = kind == "anisotropic" ? 0.05 : 0.02;
    QVERIFY2(std::abs(small->volumeMl - expectedSmall) / expectedSmall < tolerance,
             qPrintable(QStringLiteral("%1: %2 mL, expected %3").arg(kind).arg(small->volumeMl).arg(expectedSmall)));
    // A global threshold: both spheres and the cylinder.
    RegionRequest th;
    th.mode = RegionRequest::Mode::Threshold;
    th.lower = -300;
    th.upper = 3000;
    auto all = growRegion(**vol, th);
    QVERIFY(all.ok());
    const double expectedAll = expected + expectedSmall + M_PI * 4 * 4 * 60 / 1000.0;
    QVERIFY2(std::abs(all->volumeMl - expectedAll) / expectedAll < 0.02,
             qPrintable(QStringLiteral("%1: %2 mL, expected %3").arg(kind).arg(all->volumeMl).arg(expectedAll)));
}

void MeasureTest::regionErrorsAndThreshold()
{
    PhantomSeries s;
    s.positions = evenPositions(40, 1.0, -20);
    s.spheres = {{{0, 0, 0}, 10, 100}};
    const auto images = openImages(write(s, "region-errors"));
    auto vol = loadVolume(assembleVolumes(images).front(), images);
    QVERIFY(vol.ok());
    RegionRequest req;
    req.seed = {0, 0, 0};
    req.lower = 200;
    req.upper = 300;
    auto r = growRegion(**vol, req);
    QVERIFY(!r.ok());
    QVERIFY(QString::fromStdString(r.error().message).contains("outside the range"));
    req.lower = 50;
    req.seed = {500, 0, 0};
    r = growRegion(**vol, req);
    QVERIFY(!r.ok());
    QVERIFY(QString::fromStdString(r.error().message).contains("outside the volume"));
    req.seed = {0, 0, 0};
    req.lower = 300;
    req.upper = 200;
    QVERIFY(!growRegion(**vol, req).ok());
    // Cancelled before it starts: reported as such.
    std::atomic<bool> cancel{true};
    req.lower = 50;
    req.upper = 150;
    req.cancel = &cancel;
    r = growRegion(**vol, req);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, std::string("cancelled"));
    // Progress reaches the end.
    cancel = false;
    double last = 0;
    req.progress = [&](double f) { last = f; };
    r = growRegion(**vol, req);
    QVERIFY(r.ok());
    QCOMPARE(last, 1.0);
    // An incomplete volume is refused rather than measured short.
    auto partial = createVolume(assembleVolumes(images).front(), images);
    QVERIFY(partial.ok());
    QVERIFY(!growRegion(**partial, req).ok());
}

QTEST_GUILESS_MAIN(MeasureTest)
#include "test_measure.moc"
