#include "find_scu.h"

#include "dimse_session.h"

namespace lightbox::net {

namespace {

template <class Base>
class FindScu : public Base {
public:
    FindRun* run = nullptr;
    Uint16 lastStatus = 0;

    OFCondition handleFINDResponse(const T_ASC_PresentationContextID presID, QRResponse* response, OFBool& waitForNextResponse) override
    {
        waitForNextResponse = OFFalse;
        if (!response) return EC_IllegalParameter;
        lastStatus = response->m_status;
        if (!DICOM_PENDING_STATUS(response->m_status)) return EC_Normal;
        waitForNextResponse = OFTrue;
        if (run->stopped || !response->m_dataset) return EC_Normal;  // after a C-CANCEL: drain
        ++run->answers;
        const bool more = !run->onAnswer || run->onAnswer(*response->m_dataset);
        const bool atLimit = run->limit && run->answers >= run->limit;
        if (more && !atLimit && !(run->cancel && run->cancel->load())) return EC_Normal;
        run->stopped = true;
        run->truncated = atLimit;
        this->sendCANCELRequest(presID);
        // Do not wait for an archive that ignores C-CANCEL.
        waitForNextResponse = OFFalse;
        return EC_Normal;
    }
};

}  // namespace

Status runFind(const DicomPeer& peer, const char* sopClass, const char* service, DcmDataset& keys, FindRun& run)
{
    auto created = createScu<FindScu>(peer);
    if (!created) return created.error();
    DcmSCU& scu = **created;
    scu.addPresentationContext(sopClass, commandTransferSyntaxes());
    if (auto s = associate(scu, peer); !s) return s.error();
    const T_ASC_PresentationContextID pc = contextFor(scu, sopClass);
    if (pc == 0) {
        scu.abortAssociation();
        return makeError("no-service", std::string("the archive does not offer ") + service);
    }
    auto* plain = dynamic_cast<FindScu<DcmSCU>*>(&scu);
    auto* tls = dynamic_cast<FindScu<DcmTLSSCU>*>(&scu);
    if (plain) plain->run = &run;
    if (tls) tls->run = &run;
    const OFCondition c = scu.sendFINDRequest(pc, &keys, nullptr);
    const Uint16 status = plain ? plain->lastStatus : tls ? tls->lastStatus : 0;
    if (run.stopped) {
        scu.abortAssociation();
        return Done{};
    }
    if (c.bad()) {
        scu.abortAssociation();
        return dimseError(c, "C-FIND failed");
    }
    scu.releaseAssociation();
    if (status != STATUS_Success && !DICOM_PENDING_STATUS(status))
        return makeError("find-failed", "the archive refused the query: status " + statusText(status));
    return Done{};
}

}  // namespace lightbox::net
