#include "phantom.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <vector>

namespace lightbox {

namespace {

bool inEllipse(double x, double y, double cx, double cy, double a, double b)
{
    const double dx = (x - cx) / a, dy = (y - cy) / b;
    return dx * dx + dy * dy <= 1.0;
}

bool inEllipsoid(double x, double y, double z, double cx, double cy, double cz, double a, double b, double c)
{
    const double dx = (x - cx) / a, dy = (y - cy) / b, dz = (z - cz) / c;
    return dx * dx + dy * dy + dz * dz <= 1.0;
}

std::string uid(const char* root)
{
    char buf[100];
    dcmGenerateUniqueIdentifier(buf, root);
    return buf;
}

}  // namespace

double phantomHu(double x, double y, double z)
{
    // Body: an elliptic cylinder with a fat layer.
    if (!inEllipse(x, y, 0, 0, 160, 115)) return -1000;
    double hu = inEllipse(x, y, 0, 0, 150, 105) ? 40 : -100;
    // Spine: vertebral bodies every 30 mm with discs between, spinal canal behind.
    const double level = std::fmod(z + 300.0, 30.0);
    if (inEllipse(x, y, 0, 75, 20, 17)) {
        const bool disc = level < 5.0;
        hu = disc ? 80 : (inEllipse(x, y, 0, 75, 17, 14) ? 250 : 900);
    }
    if (inEllipse(x, y, 0, 100, 8, 8)) hu = 15;
    // Ribs: arcs every 30 mm, 10 mm thick, following the body outline.
    if (std::fmod(z + 315.0, 30.0) < 10.0 && inEllipse(x, y, 0, 0, 145, 100) && !inEllipse(x, y, 0, 0, 137, 92) && y > -60)
        hu = 700;
    // Lungs: ellipsoids left and right, with vessels.
    for (double side : {-1.0, 1.0}) {
        if (inEllipsoid(x, y, z, side * 70, 5, 0, 55, 75, 110)) {
            hu = -850;
            const double vx = side * 70 + 22 * std::sin(z / 17.0), vy = 5 + 30 * std::cos(z / 23.0);
            if (inEllipse(x, y, vx, vy, 4, 4) || inEllipse(x, y, side * 55, -20, 3, 3)) hu = 40;
            if (inEllipsoid(x, y, z, side * 85, -25, 25, 7, 7, 7) && side > 0) hu = 30;  // a nodule, 14 mm
        }
    }
    // Heart with a contrast-filled ventricle, and the aorta.
    if (inEllipsoid(x, y, z, 20, -15, -30, 55, 45, 60)) hu = inEllipsoid(x, y, z, 25, -20, -30, 25, 20, 30) ? 300 : 45;
    if (inEllipse(x, y, -15, 45, 13, 13) && z > -90) hu = 280;
    if (inEllipse(x, y, 20, 40, 10, 10) && z > -60 && z < 60) hu = 30;  // oesophagus-like soft tissue
    return hu;
}

Result<std::string> writeCtPhantom(const std::string& folder, const PhantomOptions& o,
                                   const std::function<void(int, int)>& progress, const std::atomic<bool>* cancel)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) return makeError("not-found", "folder " + folder + " does not exist");
    if (o.rows < 8 || o.columns < 8 || o.slices < 1 || o.pixelSpacingMm <= 0 || o.sliceSpacingMm <= 0)
        return makeError("bad-options", "phantom size or spacing out of range");

    const std::string studyUid = uid(SITE_STUDY_UID_ROOT);
    const std::string seriesUid = uid(SITE_SERIES_UID_ROOT);
    const std::string forUid = uid(SITE_INSTANCE_UID_ROOT);
    std::mt19937 rng(20261128);
    std::normal_distribution<double> noise(0.0, o.noiseHu);

    const double x0 = -(o.columns - 1) * o.pixelSpacingMm / 2.0;
    const double y0 = -(o.rows - 1) * o.pixelSpacingMm / 2.0;
    const double zTop = (o.slices - 1) * o.sliceSpacingMm / 2.0;
    std::vector<Uint16> pixels(size_t(o.rows) * o.columns);
    char text[64];

    for (int s = 0; s < o.slices; ++s) {
        if (cancel && cancel->load()) return makeError("cancelled", "cancelled");
        const double z = zTop - s * o.sliceSpacingMm;  // head first, top to bottom
        for (int r = 0; r < o.rows; ++r) {
            const double y = y0 + r * o.pixelSpacingMm;
            for (int c = 0; c < o.columns; ++c) {
                const double x = x0 + c * o.pixelSpacingMm;
                double hu = phantomHu(x, y, z);
                if (hu > -1000) hu += noise(rng);
                const long stored = std::lround(hu + 1024.0);
                pixels[size_t(r) * o.columns + c] = Uint16(std::clamp<long>(stored, 0, 4095));
            }
        }

        DcmFileFormat ff;
        DcmDataset* ds = ff.getDataset();
        const std::string sopUid = uid(SITE_INSTANCE_UID_ROOT);
        ds->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
        ds->putAndInsertString(DCM_ImageType, "ORIGINAL\\PRIMARY\\AXIAL");
        ds->putAndInsertString(DCM_SOPClassUID, UID_CTImageStorage);
        ds->putAndInsertString(DCM_SOPInstanceUID, sopUid.c_str());
        ds->putAndInsertString(DCM_StudyDate, "20261128");
        ds->putAndInsertString(DCM_SeriesDate, "20261128");
        ds->putAndInsertString(DCM_ContentDate, "20261128");
        ds->putAndInsertString(DCM_StudyTime, "093000");
        ds->putAndInsertString(DCM_ContentTime, "093000");
        ds->putAndInsertString(DCM_AccessionNumber, "DEMO0001");
        ds->putAndInsertString(DCM_Modality, "CT");
        ds->putAndInsertString(DCM_Manufacturer, "Lightbox phantom");
        ds->putAndInsertString(DCM_InstitutionName, "Lightbox demo");
        ds->putAndInsertString(DCM_ReferringPhysicianName, "");
        ds->putAndInsertString(DCM_StudyDescription, o.studyDescription.c_str());
        ds->putAndInsertString(DCM_SeriesDescription, "Chest phantom 3 mm");
        ds->putAndInsertString(DCM_PatientName, o.patientName.c_str());
        ds->putAndInsertString(DCM_PatientID, o.patientId.c_str());
        ds->putAndInsertString(DCM_PatientBirthDate, "19700101");
        ds->putAndInsertString(DCM_PatientSex, "O");
        ds->putAndInsertString(DCM_BodyPartExamined, "CHEST");
        std::snprintf(text, sizeof text, "%.2f", o.sliceSpacingMm);
        ds->putAndInsertString(DCM_SliceThickness, text);
        ds->putAndInsertString(DCM_KVP, "120");
        ds->putAndInsertString(DCM_PatientPosition, "HFS");
        ds->putAndInsertString(DCM_StudyInstanceUID, studyUid.c_str());
        ds->putAndInsertString(DCM_SeriesInstanceUID, seriesUid.c_str());
        ds->putAndInsertString(DCM_StudyID, "1");
        ds->putAndInsertString(DCM_SeriesNumber, "2");
        std::snprintf(text, sizeof text, "%d", s + 1);
        ds->putAndInsertString(DCM_InstanceNumber, text);
        std::snprintf(text, sizeof text, "%.3f\\%.3f\\%.3f", x0, y0, z);
        ds->putAndInsertString(DCM_ImagePositionPatient, text);
        ds->putAndInsertString(DCM_ImageOrientationPatient, "1\\0\\0\\0\\1\\0");
        ds->putAndInsertString(DCM_FrameOfReferenceUID, forUid.c_str());
        ds->putAndInsertString(DCM_PositionReferenceIndicator, "");
        std::snprintf(text, sizeof text, "%.3f", z);
        ds->putAndInsertString(DCM_SliceLocation, text);
        ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
        ds->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
        ds->putAndInsertUint16(DCM_Rows, Uint16(o.rows));
        ds->putAndInsertUint16(DCM_Columns, Uint16(o.columns));
        std::snprintf(text, sizeof text, "%.4f\\%.4f", o.pixelSpacingMm, o.pixelSpacingMm);
        ds->putAndInsertString(DCM_PixelSpacing, text);
        ds->putAndInsertUint16(DCM_BitsAllocated, 16);
        ds->putAndInsertUint16(DCM_BitsStored, 12);
        ds->putAndInsertUint16(DCM_HighBit, 11);
        ds->putAndInsertUint16(DCM_PixelRepresentation, 0);
        ds->putAndInsertString(DCM_WindowCenter, "40\\-600");
        ds->putAndInsertString(DCM_WindowWidth, "400\\1500");
        ds->putAndInsertString(DCM_WindowCenterWidthExplanation, "MEDIASTINUM\\LUNG");
        ds->putAndInsertString(DCM_RescaleIntercept, "-1024");
        ds->putAndInsertString(DCM_RescaleSlope, "1");
        ds->putAndInsertString(DCM_RescaleType, "HU");
        ds->putAndInsertUint16Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size()));

        std::snprintf(text, sizeof text, "CT_%04d.dcm", s + 1);
        const fs::path finalPath = fs::path(folder) / text;
        const fs::path tmpPath = fs::path(folder) / (std::string(".") + text + ".part");
        OFCondition c = ff.saveFile(tmpPath.c_str(), EXS_LittleEndianExplicit);
        if (c.bad()) {
            fs::remove(tmpPath, ec);
            return makeError("write-failed", std::string("cannot write ") + finalPath.string() + ": " + c.text());
        }
        fs::rename(tmpPath, finalPath, ec);
        if (ec) return makeError("write-failed", "cannot rename " + tmpPath.string() + ": " + ec.message());
        if (progress) progress(s + 1, o.slices);
    }
    return studyUid;
}

}  // namespace lightbox
