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
    std::string laterality;
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

InstanceSummary summarize(const DicomFile& file);

}  // namespace lightbox
