#include "instance_record.h"

#include "dicom_file.h"
#include "image_info.h"
#include "instance_summary.h"

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

}  // namespace

bool isValidUid(const std::string& uid)
{
    if (uid.empty() || uid.size() > 64) return false;
    bool digit = false;
    for (char c : uid) {
        if (c >= '0' && c <= '9') digit = true;
        else if (c != '.') return false;
    }
    return digit;
}

std::optional<InstanceRecord> recordFromFile(const DicomFile& file, std::string* whyNot)
{
    const DicomItem ds = file.dataset();
    // The text attributes come from the one attribute reader the viewer uses too (the same
    // laterality, the same decoded names), the numbers are read here.
    const InstanceSummary s = summarize(file);
    InstanceRecord r;
    r.sopInstanceUid = s.sopInstanceUid;
    r.studyUid = s.studyInstanceUid;
    r.seriesUid = s.seriesInstanceUid;
    // These three name the instance in the index, in file names and in network requests: a value
    // that is not a UID (e.g. "../../x") is refused, never used.
    for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"SOP Instance UID", &r.sopInstanceUid},
                                      {"Study Instance UID", &r.studyUid},
                                      {"Series Instance UID", &r.seriesUid}}) {
        if (isValidUid(*value)) continue;
        if (whyNot) {
            std::string shown = value->substr(0, 80);
            for (char& c : shown)
                if (static_cast<unsigned char>(c) < 0x20) c = '?';
            *whyNot = value->empty() ? std::string("no ") + name
                                     : std::string(name) + " \"" + shown + "\" is not a valid UID (digits and dots, at most 64 characters)";
        }
        return std::nullopt;
    }
    r.patientId = s.patientId;
    r.issuerOfPatientId = ds.text(IssuerOfPatientID);
    r.patientName = s.patientName;
    r.patientBirthDate = s.patientBirthDate;
    r.patientSex = s.patientSex;
    r.patientAge = s.patientAge;
    r.studyDate = s.studyDate;
    r.studyTime = s.studyTime;
    r.studyDescription = s.studyDescription;
    r.accession = s.accessionNumber;
    r.referringPhysician = s.referringPhysician;
    r.studyId = s.studyId;
    r.seriesDescription = s.seriesDescription;
    r.modality = s.modality;
    r.bodyPart = s.bodyPart;
    r.seriesLaterality = s.seriesLaterality;
    r.seriesDate = ds.text(tags::SeriesDate);
    r.seriesTime = ds.text(tags::SeriesTime);
    r.frameOfReference = s.frameOfReferenceUid;
    r.seriesNumber = integer(ds, tags::SeriesNumber);
    r.sopClassUid = s.sopClassUid;
    r.imageType = ds.text(tags::ImageType);
    r.viewPosition = s.viewPosition;
    r.imageLaterality = s.laterality;
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
