#include "worklist_find.h"

#include "dicom_file.h"
#include "find_scu.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>

namespace lightbox::net {

namespace {

Tag tagOf(const DcmTagKey& k) { return makeTag(k.getGroup(), k.getElement()); }

// The step's keys: matching where a value is given, returned either way.
const std::pair<DcmTagKey, std::string WorklistQuery::*> kStepKeys[] = {
    {DCM_Modality, &WorklistQuery::modality},
    {DCM_ScheduledStationAETitle, &WorklistQuery::stationAe},
    {DCM_ScheduledProcedureStepStartDate, &WorklistQuery::startDate},
    {DCM_ScheduledProcedureStepStartTime, &WorklistQuery::startTime},
};

const DcmTagKey kStepReturnKeys[] = {DCM_ScheduledProcedureStepID, DCM_ScheduledProcedureStepDescription, DCM_ScheduledProcedureStepStatus};

const DcmTagKey kReturnKeys[] = {DCM_AccessionNumber,
                                 DCM_PatientName,
                                 DCM_IssuerOfPatientID,
                                 DCM_PatientBirthDate,
                                 DCM_PatientSex,
                                 DCM_StudyInstanceUID,
                                 DCM_RequestedProcedureID,
                                 DCM_RequestedProcedureDescription,
                                 DCM_RequestedProcedurePriority,
                                 DCM_PlacerOrderNumberImagingServiceRequest,
                                 DCM_FillerOrderNumberImagingServiceRequest};

Status checkValue(const std::string& v, const char* what)
{
    // One value only: a '\' would make it a list of values; control characters are never valid.
    for (const char c : v)
        if (c == '\\' || static_cast<unsigned char>(c) < 0x20) return makeError("bad-query", std::string(what) + " holds a character not allowed in a key");
    return Done{};
}

void readItem(const DicomItem& d, WorklistItem& w)
{
    w.patientName = d.text(tags::PatientName);
    w.patientId = d.text(tags::PatientID);
    w.issuer = d.text(tagOf(DCM_IssuerOfPatientID));
    w.birthDate = d.text(tags::PatientBirthDate);
    w.sex = d.text(tags::PatientSex);
    w.accession = d.text(tags::AccessionNumber);
    w.placer = d.text(tagOf(DCM_PlacerOrderNumberImagingServiceRequest));
    w.filler = d.text(tagOf(DCM_FillerOrderNumberImagingServiceRequest));
    w.requestedProcedureId = d.text(tagOf(DCM_RequestedProcedureID));
    w.requestedProcedureDescription = d.text(tagOf(DCM_RequestedProcedureDescription));
    const auto codes = d.items(tagOf(DCM_RequestedProcedureCodeSequence));
    if (!codes.empty()) w.requestedProcedureCode = codes.front().text(tagOf(DCM_CodeValue));
    w.studyUid = d.text(tags::StudyInstanceUID);
    w.priority = d.text(tagOf(DCM_RequestedProcedurePriority));
}

void readStep(const DicomItem& s, WorklistItem& w)
{
    w.modality = s.text(tags::Modality);
    w.stationAe = s.text(tagOf(DCM_ScheduledStationAETitle));
    w.startDate = s.text(tagOf(DCM_ScheduledProcedureStepStartDate));
    w.startTime = s.text(tagOf(DCM_ScheduledProcedureStepStartTime));
    w.stepId = s.text(tagOf(DCM_ScheduledProcedureStepID));
    w.stepDescription = s.text(tagOf(DCM_ScheduledProcedureStepDescription));
    w.stepStatus = s.text(tagOf(DCM_ScheduledProcedureStepStatus));
}

}  // namespace

std::string describeWorklistQuery(const WorklistQuery& q)
{
    std::string line = "ModalityWorklist";
    const std::pair<const char*, const std::string*> keys[] = {
        {"Modality", &q.modality}, {"ScheduledStationAETitle", &q.stationAe}, {"ScheduledProcedureStepStartDate", &q.startDate},
        {"ScheduledProcedureStepStartTime", &q.startTime}, {"PatientID", &q.patientId}};
    const char* separator = ": ";
    for (const auto& [name, value] : keys) {
        if (value->empty()) continue;
        line += std::string(separator) + name + "=" + *value;
        separator = ", ";
    }
    return line;
}

Result<WorklistOutcome> findWorklist(const DicomPeer& peer, const WorklistQuery& query, const std::atomic<bool>* cancel)
{
    DcmDataset keys;
    keys.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
    for (const DcmTagKey& k : kReturnKeys) keys.insertEmptyElement(k);
    if (Status s = checkValue(query.patientId, "the patient ID"); !s) return s.error();
    keys.putAndInsertString(DCM_PatientID, query.patientId.c_str());
    DcmItem* code = nullptr;
    keys.findOrCreateSequenceItem(DCM_RequestedProcedureCodeSequence, code, -2);
    if (code) code->insertEmptyElement(DCM_CodeValue);
    DcmItem* step = nullptr;
    if (keys.findOrCreateSequenceItem(DCM_ScheduledProcedureStepSequence, step, -2).bad() || !step)
        return makeError("bad-query", "the worklist query could not be built");
    for (const auto& [tag, member] : kStepKeys) {
        const std::string& value = query.*member;
        if (Status s = checkValue(value, tag == DCM_Modality ? "the modality" : "a step key"); !s) return s.error();
        step->putAndInsertString(tag, value.c_str());
    }
    for (const DcmTagKey& k : kStepReturnKeys) step->insertEmptyElement(k);

    WorklistOutcome outcome;
    const auto onAnswer = [&](DcmDataset& ds) {
        OFString charset;
        ds.findAndGetOFStringArray(DCM_SpecificCharacterSet, charset);
        const CharsetDecoder decoder(charset.c_str());
        const DicomItem answer(&ds, &decoder);
        WorklistItem item;
        readItem(answer, item);
        const auto steps = answer.items(tagOf(DCM_ScheduledProcedureStepSequence));
        if (steps.empty()) outcome.items.push_back(item);
        for (const DicomItem& s : steps) {
            WorklistItem one = item;
            readStep(s, one);
            outcome.items.push_back(std::move(one));
        }
        return true;
    };
    FindRun run{onAnswer, cancel, query.limit};
    if (Status s = runFind(peer, UID_FINDModalityWorklistInformationModel, "Modality Worklist", keys, run); !s) return s.error();
    outcome.cancelled = run.stopped;
    outcome.truncated = run.truncated;
    return outcome;
}

}  // namespace lightbox::net
