#include "instance_summary.h"

#include "dicom_file.h"
#include "transfer_syntax.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>

namespace lightbox {

namespace {

std::string upper(std::string s)
{
    for (char& c : s)
        if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
    return s;
}

std::string frameLaterality(const DicomItem& ds)
{
    for (Tag groups : {tags::SharedFunctionalGroupsSequence, tags::PerFrameFunctionalGroupsSequence}) {
        const std::vector<DicomItem> frames = ds.items(groups);
        if (frames.empty()) continue;
        for (const DicomItem& anatomy : frames.front().items(tags::FrameAnatomySequence))
            if (std::string l = anatomy.text(tags::FrameLaterality); !l.empty()) return l;
    }
    return {};
}

}  // namespace

std::string imageLaterality(const DicomItem& ds)
{
    std::string l = ds.text(tags::ImageLaterality);
    if (l.empty()) l = frameLaterality(ds);
    if (l.empty()) l = ds.text(tags::Laterality);
    return upper(l);
}

InstanceSummary summarize(const DicomFile& file)
{
    const DicomItem ds = file.dataset();
    InstanceSummary s;
    s.specificCharacterSet = ds.text(tags::SpecificCharacterSet);
    s.patientName = ds.text(tags::PatientName);
    s.patientId = ds.text(tags::PatientID);
    s.patientBirthDate = ds.text(tags::PatientBirthDate);
    s.patientSex = ds.text(tags::PatientSex);
    s.patientAge = ds.text(tags::PatientAge);
    s.studyInstanceUid = ds.text(tags::StudyInstanceUID);
    s.studyDate = ds.text(tags::StudyDate);
    s.studyTime = ds.text(tags::StudyTime);
    s.studyDescription = ds.text(tags::StudyDescription);
    s.studyId = ds.text(tags::StudyID);
    s.accessionNumber = ds.text(tags::AccessionNumber);
    s.referringPhysician = ds.text(tags::ReferringPhysicianName);
    s.seriesInstanceUid = ds.text(tags::SeriesInstanceUID);
    s.seriesDescription = ds.text(tags::SeriesDescription);
    s.seriesNumber = ds.text(tags::SeriesNumber);
    s.modality = ds.text(tags::Modality);
    s.bodyPart = ds.text(tags::BodyPartExamined);
    s.laterality = imageLaterality(ds);
    s.seriesLaterality = upper(ds.text(tags::Laterality));
    s.viewPosition = ds.text(tags::ViewPosition);
    s.imageType = ds.texts(tags::ImageType);
    s.sopClassUid = ds.text(tags::SOPClassUID);
    const char* name = dcmFindNameOfUID(s.sopClassUid.c_str(), nullptr);
    s.sopClassName = name ? name : "";
    s.sopInstanceUid = ds.text(tags::SOPInstanceUID);
    s.instanceNumber = ds.text(tags::InstanceNumber);
    s.frameOfReferenceUid = ds.text(tags::FrameOfReferenceUID);
    s.transferSyntaxUid = file.transferSyntaxUid();
    s.transferSyntaxName = describeTransferSyntax(s.transferSyntaxUid).name;
    s.manufacturer = ds.text(tags::Manufacturer);
    s.manufacturerModel = ds.text(tags::ManufacturerModelName);
    s.institution = ds.text(tags::InstitutionName);
    s.acquisitionDate = ds.text(tags::AcquisitionDate);
    s.contentDate = ds.text(tags::ContentDate);
    return s;
}

}  // namespace lightbox
