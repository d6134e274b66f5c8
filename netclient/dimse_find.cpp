#include "dimse_find.h"

#include "dicom_file.h"
#include "find_scu.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcelem.h>
#include <dcmtk/dcmdata/dcuid.h>

namespace lightbox::net {

const char* levelName(QueryLevel level)
{
    switch (level) {
    case QueryLevel::Patient: return "PATIENT";
    case QueryLevel::Study: return "STUDY";
    case QueryLevel::Series: return "SERIES";
    case QueryLevel::Image: return "IMAGE";
    }
    return "STUDY";
}

namespace {

Attributes attributesOf(DcmDataset& ds)
{
    OFString charset;
    ds.findAndGetOFStringArray(DCM_SpecificCharacterSet, charset);
    const CharsetDecoder decoder(charset.c_str());
    const DicomItem item(&ds, &decoder);
    Attributes a;
    for (unsigned long i = 0; i < ds.card(); ++i) {
        DcmElement* e = ds.getElement(i);
        if (!e || e->ident() == EVR_SQ) continue;
        const Tag t = makeTag(e->getGTag(), e->getETag());
        if (t == tags::SpecificCharacterSet) continue;
        a[t] = item.text(t);
    }
    return a;
}

}  // namespace

Result<FindOutcome> find(const DicomPeer& peer, const FindQuery& query, const std::function<bool(const Attributes&)>& onResult,
                         const std::atomic<bool>* cancel)
{
    if (query.model == QueryModel::StudyRoot && query.level == QueryLevel::Patient)
        return makeError("bad-query", "patient-level queries need the patient-root model");
    const char* model = query.model == QueryModel::PatientRoot ? UID_FINDPatientRootQueryRetrieveInformationModel
                                                               : UID_FINDStudyRootQueryRetrieveInformationModel;
    DcmDataset keys;
    keys.putAndInsertString(DCM_QueryRetrieveLevel, levelName(query.level));
    keys.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
    for (const auto& [tag, value] : query.keys) keys.putAndInsertString(DcmTagKey(tagGroup(tag), tagElement(tag)), value.c_str());

    FindOutcome outcome;
    const auto onAnswer = [&](DcmDataset& ds) {
        Attributes a = attributesOf(ds);
        const bool more = !onResult || onResult(a);
        outcome.results.push_back(std::move(a));
        return more;
    };
    FindRun run{onAnswer, cancel, query.limit};
    if (Status s = runFind(peer, model, "this query model", keys, run); !s) return s.error();
    outcome.cancelled = run.stopped;
    outcome.truncated = run.truncated;
    return outcome;
}

}  // namespace lightbox::net
