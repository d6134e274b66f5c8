#include "phantom_series.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <QDir>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

namespace lightbox::test {

namespace {

P3 add(const P3& a, const P3& b) { return {a[0] + b[0], a[1] + b[1], a[2] + b[2]}; }
P3 sub(const P3& a, const P3& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
P3 mul(const P3& a, double k) { return {a[0] * k, a[1] * k, a[2] * k}; }
double dotp(const P3& a, const P3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
P3 crossp(const P3& a, const P3& b) { return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]}; }

std::string uid(const char* root)
{
    char buf[100];
    dcmGenerateUniqueIdentifier(buf, root);
    return buf;
}

}  // namespace

QString writePhantomFolder(const PhantomSeries& s, const QString& parent, const QString& name)
{
    const QString dir = parent + "/" + name;
    return writePhantomSeries(s, dir) == int(s.positions.size()) ? dir : QString();
}

std::vector<double> evenPositions(int count, double spacing, double first)
{
    std::vector<double> v;
    for (int i = 0; i < count; ++i) v.push_back(first + i * spacing);
    return v;
}

double phantomValue(const PhantomSeries& s, const P3& p)
{
    double v = s.background;
    for (const Cylinder& c : s.cylinders) {
        const P3 axis = sub(c.b, c.a);
        const double len2 = dotp(axis, axis);
        const double t = dotp(sub(p, c.a), axis) / len2;
        if (t < 0 || t > 1) continue;
        const P3 radial = sub(sub(p, c.a), mul(axis, t));
        if (dotp(radial, radial) <= c.radius * c.radius) v = c.value;
    }
    for (const Sphere& sp : s.spheres) {
        const P3 d = sub(p, sp.center);
        if (dotp(d, d) <= sp.radius * sp.radius) v = sp.value;
    }
    return v;
}

int writePhantomSeries(const PhantomSeries& s, const QString& folder)
{
    QDir().mkpath(folder);
    const P3 normal = crossp(s.row, s.column);
    const P3 step = dotp(s.stepDirection, s.stepDirection) > 0 ? s.stepDirection : normal;
    const std::string study = uid(SITE_STUDY_UID_ROOT), series = s.seriesUid.empty() ? uid(SITE_SERIES_UID_ROOT) : s.seriesUid,
                      frame = uid(SITE_INSTANCE_UID_ROOT);
    std::vector<int> order(s.positions.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = int(i);
    if (s.shuffleFiles) std::shuffle(order.begin(), order.end(), std::mt19937(7));
    std::vector<Sint16> pixels(size_t(s.rows) * s.columns);
    char text[256];
    for (size_t k = 0; k < s.positions.size(); ++k) {
        const P3 centre = add(s.center, mul(step, s.positions[k]));
        const P3 ipp = sub(sub(centre, mul(s.row, (s.columns - 1) / 2.0 * s.columnSpacing)), mul(s.column, (s.rows - 1) / 2.0 * s.rowSpacing));
        for (int j = 0; j < s.rows; ++j)
            for (int i = 0; i < s.columns; ++i) {
                const P3 p = add(add(ipp, mul(s.row, i * s.columnSpacing)), mul(s.column, j * s.rowSpacing));
                pixels[size_t(j) * s.columns + i] = Sint16(std::lround((phantomValue(s, p) - s.intercept) / s.slope));
            }
        DcmFileFormat ff;
        DcmDataset* ds = ff.getDataset();
        ds->putAndInsertString(DCM_SOPClassUID, UID_CTImageStorage);
        ds->putAndInsertString(DCM_SOPInstanceUID, uid(SITE_INSTANCE_UID_ROOT).c_str());
        ds->putAndInsertString(DCM_StudyInstanceUID, study.c_str());
        ds->putAndInsertString(DCM_SeriesInstanceUID, series.c_str());
        ds->putAndInsertString(DCM_FrameOfReferenceUID, frame.c_str());
        ds->putAndInsertString(DCM_Modality, "CT");
        ds->putAndInsertString(DCM_PatientName, "PHANTOM^ANALYTIC");
        ds->putAndInsertString(DCM_PatientID, "PHANTOM-1");
        ds->putAndInsertString(DCM_StudyDate, "20260101");
        ds->putAndInsertString(DCM_ImageType, s.imageType.c_str());
        ds->putAndInsertString(DCM_SeriesNumber, "1");
        std::snprintf(text, sizeof text, "%zu", k + 1);
        ds->putAndInsertString(DCM_InstanceNumber, text);
        std::snprintf(text, sizeof text, "%.6f\\%.6f\\%.6f", ipp[0], ipp[1], ipp[2]);
        ds->putAndInsertString(DCM_ImagePositionPatient, text);
        std::snprintf(text, sizeof text, "%.8f\\%.8f\\%.8f\\%.8f\\%.8f\\%.8f", s.row[0], s.row[1], s.row[2], s.column[0], s.column[1], s.column[2]);
        ds->putAndInsertString(DCM_ImageOrientationPatient, text);
        std::snprintf(text, sizeof text, "%.6f\\%.6f", s.rowSpacing, s.columnSpacing);
        ds->putAndInsertString(DCM_PixelSpacing, text);
        ds->putAndInsertString(DCM_SliceThickness, "1");
        if (k < s.temporalPositions.size()) {
            std::snprintf(text, sizeof text, "%d", s.temporalPositions[k]);
            ds->putAndInsertString(DCM_TemporalPositionIdentifier, text);
        }
        ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
        ds->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
        ds->putAndInsertUint16(DCM_Rows, Uint16(s.rows));
        ds->putAndInsertUint16(DCM_Columns, Uint16(s.columns));
        ds->putAndInsertUint16(DCM_BitsAllocated, 16);
        ds->putAndInsertUint16(DCM_BitsStored, 16);
        ds->putAndInsertUint16(DCM_HighBit, 15);
        ds->putAndInsertUint16(DCM_PixelRepresentation, 1);
        std::snprintf(text, sizeof text, "%.10g", s.intercept);
        ds->putAndInsertString(DCM_RescaleIntercept, text);
        std::snprintf(text, sizeof text, "%.10g", s.slope);
        ds->putAndInsertString(DCM_RescaleSlope, text);
        ds->putAndInsertString(DCM_WindowCenter, "0");
        ds->putAndInsertString(DCM_WindowWidth, "2000");
        ds->putAndInsertUint16Array(DCM_PixelData, reinterpret_cast<const Uint16*>(pixels.data()), static_cast<unsigned long>(pixels.size()));
        std::snprintf(text, sizeof text, "/f%04d.dcm", order[k]);
        if (ff.saveFile((folder + text).toLocal8Bit().constData(), EXS_LittleEndianExplicit).bad()) return -1;
    }
    return int(s.positions.size());
}

}  // namespace lightbox::test
