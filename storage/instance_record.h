#pragma once
// What the cache index keeps about one stored instance (and its patient, study and series): all
// that browsing and hanging protocols need without reopening the file.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace lightbox {
class DicomFile;
}

namespace lightbox::storage {

struct InstanceRecord {
    // Patient
    std::string patientId, issuerOfPatientId, patientName, patientBirthDate, patientSex, patientAge;
    // Study
    std::string studyUid, studyDate, studyTime, studyDescription, accession, referringPhysician, studyId;
    // Series
    std::string seriesUid, seriesDescription, modality, bodyPart, seriesLaterality, seriesDate, seriesTime, frameOfReference;
    std::optional<std::int64_t> seriesNumber;
    // Instance
    std::string sopInstanceUid, sopClassUid, imageType, viewPosition, imageLaterality;
    std::string imagePosition, imageOrientation, pixelSpacing;  // values joined by '\'
    std::optional<std::int64_t> instanceNumber, rows, columns, frames;
    std::optional<double> sliceThickness;
    std::string transferSyntax;
    // Storage
    std::int64_t fileSize = 0;
    std::array<std::uint8_t, 32> sha256{};
    std::string source;
    std::int64_t arrivedAt = 0;  // ms since the epoch
    std::string safety;          // what the way in changed or found for safety (index column `safety`)
};

// Reads the record's DICOM fields from a parsed file (text already UTF-8). Fails without the three
// UIDs that place an instance in the index.
std::optional<InstanceRecord> recordFromFile(const DicomFile& file, std::string* whyNot);
// A valid UID: 1 to 64 characters, digits and dots only (PS3.5 9.1).
bool isValidUid(const std::string& uid);

std::string toHex(const std::array<std::uint8_t, 32>& digest);

}  // namespace lightbox::storage
