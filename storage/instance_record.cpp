#include "instance_record.h"

#include "dicom_file.h"
#include "image_info.h"

#include <cstdio>

namespace lightbox::storage {

namespace {

constexpr Tag IssuerOfPatientID = makeTag(0x0010, 0x0021);

std::optional<std::int64_t> integer(const DicomItem& ds, Tag t)
{
    auto v = ds.number(t);
    if (!v) return std::nullopt;
    return std::int64_t(*v);
}

std::string joined(const DicomItem& ds, Tag t)
{
    std::string out;
    for (double v : ds.numbers(t)) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.6g", v);
        if (!out.empty()) out += '\\';
        out += buf;
    }
    return out;
}

bool plausibleUid(const std::string& uid) { return !uid.empty() && uid.size() <= 64; }

}  // namespace

std::optional<InstanceRecord> recordFromFile(const DicomFile& file, std::string* whyNot)
{
    const DicomItem ds = file.dataset();
    InstanceRecord r;
    r.sopInstanceUid = ds.text(tags::SOPInstanceUID);
    r.studyUid = ds.text(tags::StudyInstanceUID);
    r.seriesUid = ds.text(tags::SeriesInstanceUID);
    const char* missing = !plausibleUid(r.sopInstanceUid) ? "SOP Instance UID"
                          : !plausibleUid(r.studyUid)    ? "Study Instance UID"
                          : !plausibleUid(r.seriesUid)   ? "Series Instance UID"
                                                         : nullptr;
    if (missing) {
        if (whyNot) *whyNot = std::string("no valid ") + missing;
        return std::nullopt;
    }
    r.patientId = ds.text(tags::PatientID);
    r.issuerOfPatientId = ds.text(IssuerOfPatientID);
    r.patientName = ds.text(tags::PatientName);
    r.patientBirthDate = ds.text(tags::PatientBirthDate);
    r.patientSex = ds.text(tags::PatientSex);
    r.patientAge = ds.text(tags::PatientAge);
    r.studyDate = ds.text(tags::StudyDate);
    r.studyTime = ds.text(tags::StudyTime);
    r.studyDescription = ds.text(tags::StudyDescription);
    r.accession = ds.text(tags::AccessionNumber);
    r.referringPhysician = ds.text(tags::ReferringPhysicianName);
    r.studyId = ds.text(tags::StudyID);
    r.seriesDescription = ds.text(tags::SeriesDescription);
    r.modality = ds.text(tags::Modality);
    r.bodyPart = ds.text(tags::BodyPartExamined);
    r.seriesLaterality = ds.text(tags::Laterality);
    r.seriesDate = ds.text(tags::SeriesDate);
    r.seriesTime = ds.text(tags::SeriesTime);
    r.frameOfReference = ds.text(tags::FrameOfReferenceUID);
    r.seriesNumber = integer(ds, tags::SeriesNumber);
    r.sopClassUid = ds.text(tags::SOPClassUID);
    r.imageType = ds.text(tags::ImageType);
    r.viewPosition = ds.text(tags::ViewPosition);
    r.imageLaterality = ds.text(tags::ImageLaterality);
    r.imagePosition = joined(ds, tags::ImagePositionPatient);
    r.imageOrientation = joined(ds, tags::ImageOrientationPatient);
    r.pixelSpacing = joined(ds, tags::PixelSpacing);
    r.instanceNumber = integer(ds, tags::InstanceNumber);
    r.rows = integer(ds, tags::Rows);
    r.columns = integer(ds, tags::Columns);
    r.frames = ds.has(tags::PixelData) ? std::optional<std::int64_t>(integer(ds, tags::NumberOfFrames).value_or(1)) : std::nullopt;
    r.sliceThickness = ds.number(tags::SliceThickness);
    r.transferSyntax = file.transferSyntaxUid();
    if (r.imagePosition.empty() && ds.has(tags::PerFrameFunctionalGroupsSequence)) {
        // Enhanced multi-frame: the first frame's geometry, from the functional groups.
        if (auto info = readImageInfo(file)) {
            const PlaneGeometry g = info->planeFor(0);
            auto join = [](const double* v, int n) {
                std::string out;
                char buf[32];
                for (int i = 0; i < n; ++i) {
                    std::snprintf(buf, sizeof buf, "%.6g", v[i]);
                    out += (i ? "\\" : "") + std::string(buf);
                }
                return out;
            };
            if (g.position) r.imagePosition = join(g.position->data(), 3);
            if (g.orientation) r.imageOrientation = join(g.orientation->data(), 6);
            if (g.pixelSpacing) r.pixelSpacing = join(g.pixelSpacing->data(), 2);
            if (g.sliceThickness && !r.sliceThickness) r.sliceThickness = g.sliceThickness;
        }
    }
    return r;
}

std::string toHex(const std::array<std::uint8_t, 32>& d)
{
    static const char* digits = "0123456789abcdef";
    std::string s;
    s.reserve(64);
    for (std::uint8_t b : d) {
        s += digits[b >> 4];
        s += digits[b & 15];
    }
    return s;
}

}  // namespace lightbox::storage
