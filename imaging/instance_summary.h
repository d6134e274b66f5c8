#pragma once
// The attributes people and indexes need from an instance, decoded to UTF-8.
#include "image_info.h"

#include <optional>
#include <string>
#include <vector>

namespace lightbox {

class DicomFile;

struct InstanceSummary {
    std::string specificCharacterSet;
    std::string patientName;      // PN value, component groups joined by '='
    std::string patientId;
    std::string patientBirthDate;
    std::string patientSex;
    std::string patientAge;
    std::string studyInstanceUid;
    std::string studyDate;
    std::string studyTime;
    std::string studyDescription;
    std::string studyId;
    std::string accessionNumber;
    std::string referringPhysician;
    std::string seriesInstanceUid;
    std::string seriesDescription;
    std::string seriesNumber;
    std::string modality;
    std::string bodyPart;
    std::string laterality;        // of the image: see imageLaterality()
    std::string seriesLaterality;  // Laterality (0020,0060) as the series states it
    std::string viewPosition;
    std::vector<std::string> imageType;
    std::string sopClassUid;
    std::string sopClassName;
    std::string sopInstanceUid;
    std::string instanceNumber;
    std::string frameOfReferenceUid;
    std::string transferSyntaxUid;
    std::string transferSyntaxName;
    std::string manufacturer;
    std::string manufacturerModel;
    std::string institution;
    std::string acquisitionDate;
    std::string contentDate;
};

// The one reader of these attributes: the viewer, the cache index and hanging protocols all use it.
InstanceSummary summarize(const DicomFile& file);

class DicomItem;
// The laterality of an image, by one rule everywhere: Image Laterality (0020,0062); else the Frame
// Laterality (0020,9072) of an enhanced object's functional groups (shared, else the first frame's);
// else the series' Laterality (0020,0060). Upper case, trimmed; empty when none says.
std::string imageLaterality(const DicomItem& dataset);

}  // namespace lightbox
