#include "dimse_find.h"

#include "dicom_file.h"
#include "dimse_session.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
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

struct FindState {
    const std::function<bool(const Attributes&)>* onResult = nullptr;
    const std::atomic<bool>* cancel = nullptr;
    std::size_t limit = 0;
    FindOutcome outcome;
    bool stopped = false;
};

template <class Base>
class FindScu : public Base {
public:
    FindState* state = nullptr;

    OFCondition handleFINDResponse(const T_ASC_PresentationContextID presID, QRResponse* response, OFBool& waitForNextResponse) override
    {
        waitForNextResponse = OFFalse;
        if (!response) return EC_IllegalParameter;
        if (DICOM_PENDING_STATUS(response->m_status)) {
            waitForNextResponse = OFTrue;
            if (state->stopped) return EC_Normal;  // after a C-CANCEL: drain
            if (response->m_dataset) {
                Attributes a = attributesOf(*response->m_dataset);
                const bool more = !*state->onResult || (*state->onResult)(a);
                state->outcome.results.push_back(std::move(a));
                const bool atLimit = state->limit && state->outcome.results.size() >= state->limit;
                if (!more || atLimit || (state->cancel && state->cancel->load())) {
                    state->stopped = true;
                    state->outcome.cancelled = true;
                    state->outcome.truncated = atLimit;
                    this->sendCANCELRequest(presID);
                    // Do not wait for an archive that ignores C-CANCEL.
                    waitForNextResponse = OFFalse;
                }
            }
        }
        lastStatus = response->m_status;
        return EC_Normal;
    }
    Uint16 lastStatus = 0;
};

}  // namespace

Result<FindOutcome> find(const DicomPeer& peer, const FindQuery& query, const std::function<bool(const Attributes&)>& onResult,
                         const std::atomic<bool>* cancel)
{
    auto created = createScu<FindScu>(peer);
    if (!created) return created.error();
    DcmSCU& scu = **created;
    const char* model = query.model == QueryModel::PatientRoot ? UID_FINDPatientRootQueryRetrieveInformationModel
                                                               : UID_FINDStudyRootQueryRetrieveInformationModel;
    if (query.model == QueryModel::StudyRoot && query.level == QueryLevel::Patient)
        return makeError("bad-query", "patient-level queries need the patient-root model");
    OFList<OFString> syntaxes = commandTransferSyntaxes();
    scu.addPresentationContext(model, syntaxes);
    if (auto s = associate(scu, peer); !s) return s.error();
    const T_ASC_PresentationContextID pc = contextFor(scu, model);
    if (pc == 0) {
        scu.abortAssociation();
        return makeError("no-service", "the archive does not offer this query model");
    }
    DcmDataset keys;
    keys.putAndInsertString(DCM_QueryRetrieveLevel, levelName(query.level));
    keys.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
    for (const auto& [tag, value] : query.keys) keys.putAndInsertString(DcmTagKey(tagGroup(tag), tagElement(tag)), value.c_str());

    FindState state;
    state.onResult = &onResult;
    state.cancel = cancel;
    state.limit = query.limit;
    auto* typed = dynamic_cast<FindScu<DcmSCU>*>(&scu);
    auto* typedTls = dynamic_cast<FindScu<DcmTLSSCU>*>(&scu);
    if (typed) typed->state = &state;
    if (typedTls) typedTls->state = &state;
    const OFCondition c = scu.sendFINDRequest(pc, &keys, nullptr);
    const Uint16 status = typed ? typed->lastStatus : typedTls ? typedTls->lastStatus : 0;
    if (state.stopped) {
        scu.abortAssociation();
        return std::move(state.outcome);
    }
    if (c.bad()) {
        scu.abortAssociation();
        return dimseError(c, "C-FIND failed");
    }
    scu.releaseAssociation();
    if (status != STATUS_Success && !DICOM_PENDING_STATUS(status))
        return makeError("find-failed", "the archive refused the query: status " + statusText(status));
    return std::move(state.outcome);
}

}  // namespace lightbox::net
