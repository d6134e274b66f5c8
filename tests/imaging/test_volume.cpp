// Volume assembly, loading and reslicing against analytic phantoms written as DICOM series
// (spheres and cylinders of known size and value; oblique planes, non-square pixels, gantry tilt,
// uneven spacing, gaps, duplicates, time points, localizers), and `inspect` on the real series.
#include "phantom_series.h"
#include "open_images.h"
#include "test_support.h"

#include "dicom_file.h"
#include "reslice.h"
#include "volume_assembly.h"
#include "volume_loader.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace lightbox;
using namespace lightbox::test;

namespace {

bool hasWarning(const VolumePlan& p, const char* w) { return std::find(p.warnings.begin(), p.warnings.end(), w) != p.warnings.end(); }

P3 rotate(const P3& v, const P3& axis, double degrees)
{
    // Rodrigues' rotation.
    const double t = degrees * M_PI / 180, c = std::cos(t), s = std::sin(t);
    const Vec3 k = normalized({axis[0], axis[1], axis[2]}), x{v[0], v[1], v[2]};
    const Vec3 r = x * c + cross(k, x) * s + k * (dot(k, x) * (1 - c));
    return {r[0], r[1], r[2]};
}

// Centre and radius of the region above `threshold` in a resliced plane.
struct Disk {
    double cx = 0, cy = 0, radius = 0;
    int pixels = 0;
};
Disk diskOf(const std::vector<float>& v, const ReslicePlane& p, float threshold)
{
    Disk d;
    for (int r = 0; r < p.height; ++r)
        for (int c = 0; c < p.width; ++c)
            if (v[size_t(r) * p.width + c] > threshold) {
                d.cx += c;
                d.cy += r;
                ++d.pixels;
            }
    if (d.pixels) {
        d.cx /= d.pixels;
        d.cy /= d.pixels;
    }
    d.radius = std::sqrt(d.pixels / M_PI) * p.spacing;
    return d;
}

// The volumes `lightbox inspect --json` finds under a path.
QJsonArray inspectVolumes(const QString& path)
{
    const ProcessResult r = run(lightboxExe(), {"inspect", path, "--json"});
    if (!r.ok()) qWarning("%s", r.err.constData());
    return QJsonDocument::fromJson(r.out).object()["volumes"].toArray();
}

// Positions as a scanner writes them with one decimal in the DS string.
std::vector<double> oneDecimal(std::vector<double> v)
{
    for (double& x : v) x = std::round(x * 10) / 10;
    return v;
}

std::vector<double> joined(std::vector<double> a, const std::vector<double>& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

class VolumeTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }
    void straightStack();
    void obliqueNonSquare();
    void gantryTilt();
    void unevenGapsDuplicates();
    void timepointsMixedLocalizer();
    void mprCrossSectionsMatchTheShapes();
    void thickSlabs();
    void realSeries();
    void spacingChangesOnce();
    void missingSliceIsAGap();
    void spacingDoubles();
    void roundedPositions();
    void realDataKeepsItsWarnings();

private:
    QString write(const PhantomSeries& s, const QString& name) { return writePhantomFolder(s, m_tmp.path(), name); }
    QTemporaryDir m_tmp;
};

void VolumeTest::straightStack()
{
    PhantomSeries s;
    s.positions = evenPositions(40, 2.0, -39);
    s.spheres = {{{5, -3, 2}, 15, 100}};
    const auto images = openImages(write(s, "straight"));
    QCOMPARE(images.size(), size_t(40));
    const auto plans = assembleVolumes(images);
    QCOMPARE(plans.size(), size_t(1));
    const VolumePlan& p = plans.front();
    QVERIFY(p.isVolume);
    QVERIFY2(p.warnings.empty(), p.warnings.empty() ? "" : p.warnings.front().c_str());
    QCOMPARE(p.geometry.size, (std::array<int, 3>{96, 96, 40}));
    QCOMPARE(p.geometry.spacing[2], 2.0);
    QCOMPARE(std::round(p.geometry.origin[2] * 1000) / 1000, -39.0);  // sorted despite shuffled files
    QCOMPARE(std::round(p.geometry.origin[0] * 1000) / 1000, -47.5);
    auto vol = loadVolume(p, images);
    QVERIFY(vol.ok());
    QVERIFY((*vol)->complete());
    QCOMPARE((*vol)->type(), VoxelType::Int16);  // 16-bit stays 16-bit
    // Every voxel is the analytic value at its centre.
    int wrong = 0;
    const VolumeGeometry& g = (*vol)->geometry();
    for (int k = 0; k < g.size[2]; ++k)
        for (int j = 0; j < g.size[1]; j += 3)
            for (int i = 0; i < g.size[0]; i += 3) {
                const Vec3 pt = g.toPatient({double(i), double(j), double(k)});
                if ((*vol)->value(i, j, k) != phantomValue(s, {pt[0], pt[1], pt[2]})) ++wrong;
            }
    QCOMPARE(wrong, 0);
}

void VolumeTest::obliqueNonSquare()
{
    PhantomSeries s;
    s.row = rotate({1, 0, 0}, {1, 1, 0.3}, 27);
    s.column = rotate({0, 1, 0}, {1, 1, 0.3}, 27);
    s.rowSpacing = 1.2;
    s.columnSpacing = 0.8;
    s.rows = 80;
    s.columns = 110;
    s.positions = evenPositions(50, 1.5, -37);
    s.spheres = {{{0, 0, 0}, 18, 200}};
    const auto images = openImages(write(s, "oblique"));
    const auto plans = assembleVolumes(images);
    QCOMPARE(plans.size(), size_t(1));
    const VolumePlan& p = plans.front();
    QVERIFY(p.warnings.empty());
    QCOMPARE(p.geometry.size, (std::array<int, 3>{110, 80, 50}));
    QCOMPARE(p.geometry.spacing[0], 0.8);
    QCOMPARE(p.geometry.spacing[1], 1.2);
    for (int a = 0; a < 3; ++a) {
        QVERIFY(std::abs(p.geometry.axis(0)[a] - s.row[a]) < 1e-6);
        QVERIFY(std::abs(p.geometry.axis(1)[a] - s.column[a]) < 1e-6);
    }
    auto vol = loadVolume(p, images);
    QVERIFY(vol.ok());
    // An axial plane through the sphere's centre, resliced from the oblique grid: a disk of 18 mm.
    const SliceStack st = sliceStack((*vol)->geometry(), axialAxes());
    const ReslicePlane plane = st.plane(st.indexOf({0, 0, 0}));
    const auto values = reslice(**vol, plane, {}, -1000.f);
    const Disk d = diskOf(values, plane, -400);
    QVERIFY2(std::abs(d.radius - 18.0) < 0.5, qPrintable(QString::number(d.radius)));
}

void VolumeTest::gantryTilt()
{
    // A CT tilted 15 degrees: orientation tilted, positions still stepping along the table (z).
    PhantomSeries s;
    s.row = {1, 0, 0};
    s.column = {0, std::cos(15 * M_PI / 180), std::sin(15 * M_PI / 180)};
    s.stepDirection = {0, 0, 1};
    s.positions = evenPositions(60, 2.0, -59);
    s.spheres = {{{10, 5, 0}, 14, 300}};
    s.cylinders = {{{-30, -20, -50}, {-30, -20, 50}, 6, 80}};  // along the table axis
    const auto images = openImages(write(s, "tilt"));
    const auto plans = assembleVolumes(images);
    QCOMPARE(plans.size(), size_t(1));
    const VolumePlan& p = plans.front();
    QVERIFY(hasWarning(p, volume_warnings::GantryTilt));
    QVERIFY2(std::abs(p.tiltDegrees - 15.0) < 0.05, qPrintable(QString::number(p.tiltDegrees)));
    QVERIFY(std::abs(p.geometry.spacing[2] - 2.0 * std::cos(15 * M_PI / 180)) < 1e-6);
    auto vol = loadVolume(p, images);
    QVERIFY(vol.ok());
    // Resampled correctly: the sphere is round and where it belongs, the cylinder is straight.
    const SliceStack sag = sliceStack((*vol)->geometry(), sagittalAxes());
    const ReslicePlane plane = sag.plane(sag.indexOf({10, 5, 0}));
    const auto values = reslice(**vol, plane, {}, -1000.f);
    const Disk d = diskOf(values, plane, -350);  // half way between sphere and background
    QVERIFY2(std::abs(d.radius - 14.0) < 0.5, qPrintable(QString::number(d.radius)));
    const Vec3 centre = plane.origin + plane.x * (d.cx * plane.spacing) + plane.y * (d.cy * plane.spacing);
    QVERIFY2(std::abs(centre[1] - 5) < 0.5 && std::abs(centre[2] - 0) < 0.5, qPrintable(QStringLiteral("%1 %2").arg(centre[1]).arg(centre[2])));
    const SliceStack ax = sliceStack((*vol)->geometry(), axialAxes());
    for (double z : {-40.0, 0.0, 40.0}) {
        const ReslicePlane a = ax.plane(ax.indexOf({0, 0, z}));
        const auto v = reslice(**vol, a, {}, -1000.f);
        const Disk c = diskOf(v, a, -460);  // half way: the cylinder only (the sphere is elsewhere at these z)
        const Vec3 cc = a.origin + a.x * (c.cx * a.spacing) + a.y * (c.cy * a.spacing);
        if (std::abs(z) > 20) {
            QVERIFY2(std::abs(cc[0] + 30) < 0.5 && std::abs(cc[1] + 20) < 0.5, qPrintable(QStringLiteral("z %1: %2 %3").arg(z).arg(cc[0]).arg(cc[1])));
            QVERIFY2(std::abs(c.radius - 6) < 0.5, qPrintable(QString::number(c.radius)));
        }
    }
}

void VolumeTest::unevenGapsDuplicates()
{
    PhantomSeries s;
    s.spheres = {{{0, 0, 0}, 12, 100}};
    s.positions = {-20, -18, -16, -13, -11, -9, -7, -5, -3, -1, 1, 3, 5, 7, 9, 11, 13, 15};  // one step of 3
    auto plans = assembleVolumes(openImages(write(s, "uneven")));
    QCOMPARE(plans.size(), size_t(1));
    QVERIFY(hasWarning(plans[0], volume_warnings::UnevenSpacing));
    QVERIFY(!hasWarning(plans[0], volume_warnings::Gap));

    s.positions = {-20, -18, -16, -14, -12, 0, 2, 4, 6, 8, 10};  // a 12 mm gap
    const auto gapImages = openImages(write(s, "gap"));
    plans = assembleVolumes(gapImages);
    QVERIFY(hasWarning(plans[0], volume_warnings::Gap));
    auto vol = loadVolume(plans[0], gapImages);
    QVERIFY(vol.ok());
    // Inside the gap the volume holds no data (the lowest value), never invented tissue.
    const VolumeGeometry& g = (*vol)->geometry();
    const Vec3 mid = g.toIndex({0, 0, -6});
    QCOMPARE((*vol)->value(48, 48, int(std::lround(mid[2]))), -32768.0);
    const Vec3 inside = g.toIndex({0, 0, 2});
    QCOMPARE((*vol)->value(48, 48, int(std::lround(inside[2]))), 100.0);

    s.positions = {-4, -2, 0, 0, 2, 4, 6};  // one position twice, from different images
    plans = assembleVolumes(openImages(write(s, "duplicate")));
    QCOMPARE(plans.size(), size_t(1));
    QVERIFY(hasWarning(plans[0], volume_warnings::DuplicatePosition));
    QCOMPARE(plans[0].slices.size(), size_t(6));
}

void VolumeTest::timepointsMixedLocalizer()
{
    PhantomSeries s;
    s.spheres = {{{0, 0, 0}, 10, 100}};
    s.seriesUid = "1.2.826.0.1.3680043.10.543.1";
    // Two time points of 10 positions, interleaved in file order.
    s.positions.clear();
    for (int t = 0; t < 2; ++t)
        for (int k = 0; k < 10; ++k) {
            s.positions.push_back(k * 2.0);
            s.temporalPositions.push_back(t + 1);
        }
    auto plans = assembleVolumes(openImages(write(s, "phases")));
    QCOMPARE(plans.size(), size_t(2));
    for (const auto& p : plans) {
        QVERIFY(hasWarning(p, volume_warnings::MultipleTimepoints));
        QCOMPARE(p.slices.size(), size_t(10));
    }

    // The same series: an axial block, a coronal block and a localizer.
    PhantomSeries axial;
    axial.seriesUid = "1.2.826.0.1.3680043.10.543.2";
    axial.positions = evenPositions(8, 2);
    PhantomSeries coronal = axial;
    coronal.column = {0, 0, -1};
    PhantomSeries loc = axial;
    loc.positions = {0};
    loc.imageType = "ORIGINAL\\PRIMARY\\LOCALIZER";
    loc.row = {0, 1, 0};
    const QString dir = m_tmp.path() + "/mixed";
    QVERIFY(writePhantomSeries(axial, dir + "/a") == 8 && writePhantomSeries(coronal, dir + "/c") == 8 && writePhantomSeries(loc, dir + "/l") == 1);
    plans = assembleVolumes(openImages(dir));
    QCOMPARE(plans.size(), size_t(3));
    int volumes = 0, localizers = 0;
    for (const auto& p : plans) {
        if (p.isVolume) {
            ++volumes;
            QVERIFY(hasWarning(p, volume_warnings::MixedOrientation));
            QCOMPARE(p.slices.size(), size_t(8));
        } else {
            ++localizers;
            QVERIFY(hasWarning(p, volume_warnings::NotAVolume));
        }
    }
    QCOMPARE(volumes, 2);
    QCOMPARE(localizers, 1);
}

void VolumeTest::mprCrossSectionsMatchTheShapes()
{
    PhantomSeries s;
    s.rows = s.columns = 120;
    s.positions = evenPositions(80, 1.0, -40);
    s.spheres = {{{-20, 10, 5}, 15, 100}};
    s.cylinders = {{{20, -30, -30}, {20, 30, 30}, 8, 60}};  // oblique axis in the y-z plane
    const auto images = openImages(write(s, "shapes"));
    auto vol = loadVolume(assembleVolumes(images).front(), images);
    QVERIFY(vol.ok());
    // Oblique planes through the sphere centre: always a disk of its radius, at its centre.
    for (double angle : {0.0, 30.0, 63.0}) {
        SliceAxes axes{{1, 0, 0}, {0, std::cos(angle * M_PI / 180), std::sin(angle * M_PI / 180)}};
        const SliceStack st = sliceStack((*vol)->geometry(), axes);
        ReslicePlane plane = st.plane(0);
        // Move the plane so that it contains the sphere centre exactly.
        plane.origin = plane.origin + axes.normal() * dot(Vec3{-20, 10, 5} - plane.origin, axes.normal());
        const auto v = reslice(**vol, plane, {}, -1000.f);
        const Disk d = diskOf(v, plane, 80);  // the sphere (100), not the cylinder (60)
        QVERIFY2(std::abs(d.radius - 15) < 0.5, qPrintable(QStringLiteral("angle %1: r %2").arg(angle).arg(d.radius)));
        const Vec3 c = plane.origin + plane.x * (d.cx * plane.spacing) + plane.y * (d.cy * plane.spacing);
        QVERIFY(norm(c - Vec3{-20, 10, 5}) < 0.5);
    }
    // A plane perpendicular to the cylinder's axis cuts a disk of its radius (the values are
    // exact inside: ROI means equal the phantom's value).
    const Vec3 axis = normalized({0, 60, 60});
    SliceAxes perp{{1, 0, 0}, normalized(cross(axis, {1, 0, 0}))};
    const SliceStack st = sliceStack((*vol)->geometry(), perp);
    ReslicePlane plane = st.plane(0);
    plane.origin = plane.origin + perp.normal() * dot(Vec3{20, 0, 0} - plane.origin, perp.normal());
    auto v = reslice(**vol, plane, {ResliceOptions{0, SlabMode::Max, false}}, -1000.f);  // nearest neighbour
    std::vector<float> near = v;  // the cylinder's neighbourhood only (this plane also cuts the sphere)
    for (int r = 0; r < plane.height; ++r)
        for (int c = 0; c < plane.width; ++c)
            if (norm(plane.origin + plane.x * (c * plane.spacing) + plane.y * (r * plane.spacing) - Vec3{20, 0, 0}) > 20)
                near[size_t(r) * plane.width + c] = -1000.f;
    const Disk d = diskOf(near, plane, -470);
    QVERIFY2(std::abs(d.radius - 8) < 0.5, qPrintable(QString::number(d.radius)));
    int inside = 0, exact = 0;
    for (int r = 0; r < plane.height; ++r)
        for (int c = 0; c < plane.width; ++c) {
            const Vec3 p = plane.origin + plane.x * (c * plane.spacing) + plane.y * (r * plane.spacing);
            const Vec3 rel = p - Vec3{20, 0, 0};
            if (norm(rel - axis * dot(rel, axis)) < 6) {
                ++inside;
                exact += v[size_t(r) * plane.width + c] == 60.f ? 1 : 0;
            }
        }
    QVERIFY(inside > 100);
    QCOMPARE(exact, inside);
}

void VolumeTest::thickSlabs()
{
    PhantomSeries s;
    s.positions = evenPositions(60, 1.0, -30);
    s.spheres = {{{0, 0, 0}, 10, 300}, {{25, 0, 8}, 4, 500}};
    const auto images = openImages(write(s, "slab"));
    auto vol = loadVolume(assembleVolumes(images).front(), images);
    QVERIFY(vol.ok());
    const SliceStack st = sliceStack((*vol)->geometry(), axialAxes());
    const ReslicePlane plane = st.plane(st.indexOf({0, 0, 0}));
    // A thin plane misses the small sphere (8 mm above); a 20 mm MIP slab shows it at its value.
    auto thin = reslice(**vol, plane, {}, -1000.f);
    QVERIFY(diskOf(thin, plane, 400).pixels == 0);
    auto mip = reslice(**vol, plane, {20, SlabMode::Max}, -1000.f);
    const Disk small = diskOf(mip, plane, 400);
    QVERIFY2(std::abs(small.radius - 4) < 0.6, qPrintable(QString::number(small.radius)));
    // MinIP of a slab wider than the big sphere: background only.
    auto minip = reslice(**vol, plane, {30, SlabMode::Min}, -1000.f);
    QVERIFY(diskOf(minip, plane, 0).pixels == 0);
    // Average through the big sphere's centre: 300 over 20 mm of its chord / 30 mm of slab.
    auto avg = reslice(**vol, plane, {30, SlabMode::Mean}, -1000.f);
    const int c = int(std::lround(dot(Vec3{0, 0, 0} - plane.origin, plane.x) / plane.spacing));
    const int r = int(std::lround(dot(Vec3{0, 0, 0} - plane.origin, plane.y) / plane.spacing));
    const double expected = (300.0 * 20 + -1000.0 * 10) / 30;
    QVERIFY2(std::abs(avg[size_t(r) * plane.width + c] - expected) < 60, qPrintable(QString::number(avg[size_t(r) * plane.width + c])));
}

void VolumeTest::realSeries()
{
    struct Expect { QString path; std::array<int, 3> size; double zSpacing; };
    const QList<Expect> cases = {{"ct/siemens-sensation10_chest_30sl", {512, 512, 30}, 8.0},
                                 {"mr/siemens-verio_brain-t1post_24sl", {260, 320, 24}, 6.5},
                                 {"mr/philips-achieva_pancreas-tse_36sl", {320, 960, 36}, 0.5},
                                 {"compressed-series/siemens-trio_mr_4sl_jpeg-ls", {256, 256, 4}, 1.0}};
    for (const Expect& e : cases) {
        const ProcessResult r = run(lightboxExe(), {"inspect", testDataDir() + "/" + e.path, "--json"});
        QVERIFY2(r.ok(), r.err.constData());
        const QJsonArray vols = QJsonDocument::fromJson(r.out).object()["volumes"].toArray();
        QCOMPARE(vols.size(), 1);
        const QJsonObject v = vols[0].toObject();
        for (int a = 0; a < 3; ++a) QCOMPARE(v["size"].toArray()[a].toInt(), e.size[size_t(a)]);
        QVERIFY(std::abs(v["spacing"].toArray()[2].toDouble() - e.zSpacing) < 1e-3);
        QVERIFY2(v["warnings"].toArray().isEmpty(), qPrintable(e.path));
        QCOMPARE(v["direction"].toArray().size(), 9);
    }
    // Enhanced multi-frame: four time points of six slices; XA cine: not a volume.
    ProcessResult r = run(lightboxExe(), {"inspect", testDataDir() + "/multiframe/enhanced-mr_siemens-vida-xa10", "--json"});
    QJsonArray vols = QJsonDocument::fromJson(r.out).object()["volumes"].toArray();
    QCOMPARE(vols.size(), 4);
    for (const QJsonValue& v : vols) QVERIFY(v.toObject()["warnings"].toArray().contains("multiple-timepoints"));
    r = run(lightboxExe(), {"inspect", testDataDir() + "/multiframe/xa_cine_jpeg-baseline_96fr.dcm", "--json"});
    vols = QJsonDocument::fromJson(r.out).object()["volumes"].toArray();
    QCOMPARE(vols.size(), 1);
    QVERIFY(vols[0].toObject()["warnings"].toArray().contains("not-a-volume"));
    // Nine copies of one slice in nine transfer syntaxes: one image, not nine time points.
    r = run(lightboxExe(), {"inspect", testDataDir() + "/transfer-syntaxes", "--json"});
    vols = QJsonDocument::fromJson(r.out).object()["volumes"].toArray();
    QCOMPARE(vols.size(), 1);
    QVERIFY(vols[0].toObject()["warnings"].toArray().contains("duplicate-position"));
}

void VolumeTest::spacingChangesOnce()
{
    // A head CT at 4 mm through the skull base, then 7 mm above; no slice missing.
    PhantomSeries s;
    s.spheres = {{{0, 0, 60}, 30, 100}};
    s.positions = joined(evenPositions(11, 4.0), evenPositions(8, 7.0, 47));  // 0 ... 40, 47 ... 96
    const QString dir = write(s, "4then7");
    const auto images = openImages(dir);
    const auto plans = assembleVolumes(images);
    QCOMPARE(plans.size(), size_t(1));
    QVERIFY(hasWarning(plans[0], volume_warnings::UnevenSpacing));
    QVERIFY(!hasWarning(plans[0], volume_warnings::Gap));
    QVERIFY(plans[0].resampleAlongNormal);
    QVERIFY(std::abs(plans[0].geometry.spacing[2] - 4.0) < 1e-6);  // the finest: the skull base keeps its detail
    QCOMPARE(plans[0].geometry.size[2], 25);
    // Every grid slice holds data: between the 7 mm slices it is interpolated, never left empty.
    auto vol = loadVolume(plans[0], images);
    QVERIFY(vol.ok());
    for (int k = 0; k < 25; ++k) QVERIFY2((*vol)->value(48, 48, k) != -32768.0, qPrintable(QString::number(k)));
    const QJsonArray vols = inspectVolumes(dir);
    QCOMPARE(vols.size(), 1);
    const QJsonArray warnings = vols[0].toObject()["warnings"].toArray();
    QVERIFY(warnings.contains("uneven-spacing") && !warnings.contains("gap"));

    // The same with a slice missing in the 7 mm part: a gap there, uneven spacing still.
    s.positions = joined(evenPositions(11, 4.0), {47, 54, 68, 75, 82});
    const auto gapped = assembleVolumes(openImages(write(s, "4then7gap")));
    QVERIFY(hasWarning(gapped[0], volume_warnings::Gap) && hasWarning(gapped[0], volume_warnings::UnevenSpacing));
}

void VolumeTest::missingSliceIsAGap()
{
    // 5 mm, the slice at 30 missing: a gap, not uneven spacing; no data where it would be.
    PhantomSeries s;
    s.spheres = {{{0, 0, 30}, 40, 100}};
    s.positions = evenPositions(12, 5.0);
    s.positions.erase(s.positions.begin() + 6);
    const QString dir = write(s, "5missing");
    const auto images = openImages(dir);
    const auto plans = assembleVolumes(images);
    QVERIFY(hasWarning(plans[0], volume_warnings::Gap));
    QVERIFY(!hasWarning(plans[0], volume_warnings::UnevenSpacing));
    QCOMPARE(plans[0].geometry.size[2], 12);
    auto vol = loadVolume(plans[0], images);
    QVERIFY(vol.ok());
    QCOMPARE((*vol)->value(48, 48, 6), -32768.0);
    QCOMPARE((*vol)->value(48, 48, 5), 100.0);
    QCOMPARE((*vol)->value(48, 48, 7), 100.0);
    const QJsonArray vols = inspectVolumes(dir);
    QCOMPARE(vols.size(), 1);
    QCOMPARE(vols[0].toObject()["warnings"].toArray(), QJsonArray{"gap"});
}

void VolumeTest::spacingDoubles()
{
    // 2.5 mm, then 5 mm to the end. The first 5 mm step is twice the spacing before it, but the
    // series goes on at 5 mm: a second, coarser part of the protocol (as in a head CT), not every
    // other slice lost. A radiologist expects it read as such: uneven spacing, interpolated at 2.5 mm.
    PhantomSeries s;
    s.spheres = {{{0, 0, 20}, 15, 100}};
    s.positions = joined(evenPositions(9, 2.5), evenPositions(6, 5.0, 25));  // 0 ... 20, 25 ... 50
    const auto images = openImages(write(s, "2.5then5"));
    auto plans = assembleVolumes(images);
    QVERIFY(hasWarning(plans[0], volume_warnings::UnevenSpacing));
    QVERIFY(!hasWarning(plans[0], volume_warnings::Gap));
    QVERIFY(std::abs(plans[0].geometry.spacing[2] - 2.5) < 1e-6);
    // Half way between two 5 mm slices (2.5 mm from each) is interpolated, not left empty.
    auto vol = loadVolume(plans[0], images);
    QVERIFY(vol.ok());
    QCOMPARE(plans[0].geometry.size[2], 21);
    for (int k = 0; k < 21; ++k) QVERIFY2((*vol)->value(48, 48, k) != -32768.0, qPrintable(QString::number(k)));

    // When 2.5 mm resumes after the 5 mm steps, every other slice was lost there: a gap.
    s.positions = joined(s.positions, evenPositions(5, 2.5, 52.5));
    plans = assembleVolumes(openImages(write(s, "2.5then5then2.5")));
    QVERIFY(hasWarning(plans[0], volume_warnings::Gap));
    QVERIFY(!hasWarning(plans[0], volume_warnings::UnevenSpacing));

    // A single 5 mm step at the end cannot be told from a missing last-but-one slice: a gap.
    s.positions = joined(evenPositions(9, 2.5), {25});
    plans = assembleVolumes(openImages(write(s, "2.5then1x5")));
    QVERIFY(hasWarning(plans[0], volume_warnings::Gap));
}

void VolumeTest::roundedPositions()
{
    // Positions written with one decimal: 0.625 mm becomes steps of 0.6 and 0.7. That is one
    // regular spacing, a missing slice among them is a gap, and 0.625 then 1 mm is uneven.
    PhantomSeries s;
    s.positions = oneDecimal(evenPositions(60, 0.625, -50.123));
    auto plans = assembleVolumes(openImages(write(s, "rounded")));
    QVERIFY2(plans[0].warnings.empty(), plans[0].warnings.empty() ? "" : plans[0].warnings.front().c_str());
    QVERIFY(std::abs(plans[0].geometry.spacing[2] - 0.625) < 0.01);

    std::vector<double> missing = s.positions;
    missing.erase(missing.begin() + 30);
    s.positions = missing;
    plans = assembleVolumes(openImages(write(s, "roundedGap")));
    QVERIFY(hasWarning(plans[0], volume_warnings::Gap));
    QVERIFY(!hasWarning(plans[0], volume_warnings::UnevenSpacing));

    s.positions = oneDecimal(joined(evenPositions(30, 0.625, -50.123), evenPositions(20, 1.0, -50.123 + 19.125)));
    plans = assembleVolumes(openImages(write(s, "roundedUneven")));
    QVERIFY(hasWarning(plans[0], volume_warnings::UnevenSpacing));
    QVERIFY(!hasWarning(plans[0], volume_warnings::Gap));
}

void VolumeTest::realDataKeepsItsWarnings()
{
    // No real series has uneven spacing; the only gaps are those of a segmentation (and of
    // pydicom's CT of the same slices): frames at -99.48 mm and at 103.02 ... 105.52 mm.
    QJsonArray vols = inspectVolumes(testDataDir());
    for (const QJsonValue& v : inspectVolumes(pydicomTestFiles())) vols.append(v);
    QVERIFY(vols.size() > 80);
    int gaps = 0;
    for (const QJsonValue& v : vols) {
        const QJsonObject o = v.toObject();
        const QJsonArray w = o["warnings"].toArray();
        QVERIFY2(!w.contains("uneven-spacing"), qPrintable(o["seriesInstanceUid"].toString()));
        if (!w.contains("gap")) continue;
        ++gaps;
        QVERIFY(std::abs(o["origin"].toArray()[2].toDouble() + 99.48) < 0.01);
        QCOMPARE(o["size"].toArray()[2].toInt(), 165);
        QCOMPARE(o["frames"].toInt(), 4);
    }
    QCOMPARE(gaps, 3);
}

QTEST_GUILESS_MAIN(VolumeTest)
#include "test_volume.moc"
