#include "dimse_retrieve.h"

#include "dimse_session.h"
#include "piped_file.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <set>

namespace lightbox::net {

namespace {

std::string join(const std::vector<std::string>& v)
{
    std::string s;
    for (const std::string& x : v) s += (s.empty() ? "" : "\\") + x;
    return s;
}

Result<Done> identifier(const RetrieveRequest& r, DcmDataset& ds)
{
    if (r.level == QueryLevel::Patient) return makeError("bad-request", "retrieve a study, series or instances");
    if (r.studyUid.empty()) return makeError("bad-request", "a Study Instance UID is required");
    if (r.level == QueryLevel::Series && r.seriesUids.empty()) return makeError("bad-request", "series level needs Series Instance UIDs");
    if (r.level == QueryLevel::Image && r.sopUids.empty()) return makeError("bad-request", "image level needs SOP Instance UIDs");
    if (r.model == QueryModel::PatientRoot && r.patientId.empty()) return makeError("bad-request", "the patient-root model needs a Patient ID");
    ds.putAndInsertString(DCM_QueryRetrieveLevel, levelName(r.level));
    if (r.model == QueryModel::PatientRoot) ds.putAndInsertString(DCM_PatientID, r.patientId.c_str());
    ds.putAndInsertString(DCM_StudyInstanceUID, r.studyUid.c_str());
    if (r.level != QueryLevel::Study) ds.putAndInsertString(DCM_SeriesInstanceUID, join(r.seriesUids).c_str());
    if (r.level == QueryLevel::Image) ds.putAndInsertString(DCM_SOPInstanceUID, join(r.sopUids).c_str());
    return Done{};
}

void failedList(const QRResponse& rsp, RetrieveOutcome& out)
{
    if (!rsp.m_dataset) return;
    OFString list;
    if (rsp.m_dataset->findAndGetOFStringArray(DCM_FailedSOPInstanceUIDList, list).good()) {
        std::string s = list.c_str();
        std::size_t start = 0;
        while (start <= s.size()) {
            const std::size_t end = s.find('\\', start);
            const std::string uid = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
            if (!uid.empty()) out.failedSops.push_back(uid);
            if (end == std::string::npos) break;
            start = end + 1;
        }
    }
}

// SOP classes accepted by C-GET when the caller does not know which will come.
const std::vector<std::string>& commonStorageClasses()
{
    static const std::vector<std::string> l = {
        UID_CTImageStorage, UID_EnhancedCTImageStorage, UID_MRImageStorage, UID_EnhancedMRImageStorage,
        UID_ComputedRadiographyImageStorage, UID_DigitalXRayImageStorageForPresentation, UID_DigitalMammographyXRayImageStorageForPresentation,
        UID_UltrasoundImageStorage, UID_UltrasoundMultiframeImageStorage, UID_SecondaryCaptureImageStorage,
        UID_XRayAngiographicImageStorage, UID_NuclearMedicineImageStorage, UID_PositronEmissionTomographyImageStorage,
        UID_EnhancedPETImageStorage, UID_GrayscaleSoftcopyPresentationStateStorage, UID_BasicTextSRStorage,
        UID_EnhancedSRStorage, UID_ComprehensiveSRStorage, UID_EncapsulatedPDFStorage, UID_SegmentationStorage,
        UID_MultiframeGrayscaleWordSecondaryCaptureImageStorage, UID_MultiframeTrueColorSecondaryCaptureImageStorage,
        UID_RTImageStorage, UID_RTDoseStorage, UID_RTStructureSetStorage, UID_RTPlanStorage,
        UID_XRayRadiofluoroscopicImageStorage, UID_VLPhotographicImageStorage, UID_EnhancedXAImageStorage,
        UID_DigitalIntraOralXRayImageStorageForPresentation, UID_BreastTomosynthesisImageStorage, UID_KeyObjectSelectionDocumentStorage,
    };
    return l;
}

// Storage contexts for C-GET (we are the SCP of the C-STOREs): one per SOP class and transfer
// syntax, so that the archive sends each instance as it holds it. Fewer syntaxes per class when
// many classes share the 128 contexts.
void addStorageContexts(DcmSCU& scu, const std::vector<std::string>& requested)
{
    std::vector<std::string> classes;
    std::set<std::string> seen;
    for (const std::string& c : requested.empty() ? commonStorageClasses() : requested)
        if (!c.empty() && seen.insert(c).second) classes.push_back(c);
    const auto& all = storableTransferSyntaxes();
    const std::size_t room = 126;  // one context stays for the C-GET itself
    // The ones to keep when room is short: what archives hold most.
    static const std::vector<std::string> essential = {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax,
                                                       UID_JPEGLSLosslessTransferSyntax, UID_JPEG2000LosslessOnlyTransferSyntax,
                                                       UID_JPEGProcess14SV1TransferSyntax, UID_JPEGProcess1TransferSyntax,
                                                       UID_RLELosslessTransferSyntax, UID_JPEG2000TransferSyntax};
    const std::size_t perClass = std::max<std::size_t>(2, std::min(all.size(), room / std::max<std::size_t>(1, classes.size())));
    const std::vector<std::string>& syntaxes = perClass >= all.size() ? all : essential;
    std::size_t used = 0;
    for (const std::string& c : classes) {
        for (std::size_t i = 0; i < std::min(perClass, syntaxes.size()); ++i) {
            if (used >= room) return;
            OFList<OFString> ts;
            ts.push_back(syntaxes[i].c_str());
            scu.addPresentationContext(c.c_str(), ts, ASC_SC_ROLE_SCP);
            ++used;
        }
    }
}

// Progress and cancellation shared by C-GET and C-MOVE.
struct Tracker {
    const RetrieveProgressFn* progress = nullptr;
    const std::atomic<bool>* cancel = nullptr;
    RetrieveProgress now;
    bool cancelSent = false;

    void report()
    {
        if (progress && *progress) (*progress)(now);
    }
    // Takes a response's counters; true when a C-CANCEL is due (the session goes on).
    bool update(const RetrieveResponse* r, bool more)
    {
        if (r) {
            now.completed = r->m_numberOfCompletedSubops;
            now.remaining = r->m_numberOfRemainingSubops;
            now.failed = r->m_numberOfFailedSubops;
            now.warning = r->m_numberOfWarningSubops;
            report();
        }
        if (more && cancel && cancel->load() && !cancelSent) {
            cancelSent = true;
            return true;
        }
        return false;
    }
};

struct GetState : Tracker {
    InstanceSink* sink = nullptr;
    std::string folder;
    std::vector<std::string> notWritten;  // SOP Instance UIDs received but not written
};

template <class Base>
class GetScu : public Base {
public:
    GetState* state = nullptr;
    mutable std::string lastFile;

    OFCondition handleSTORERequestFile(T_ASC_PresentationContextID* presID, const OFString&, T_DIMSE_C_StoreRQ* request) override
    {
        // DCMTK writes into a named pipe (our own name: the archive's UIDs are not safe as paths)
        // whose bytes go to the sink's file; none are written to a plain file.
        lastFile.clear();
        auto file = state->sink->createFile();
        auto pipe = file ? PipedFile::open(state->folder, std::move(*file)) : Result<std::unique_ptr<PipedFile>>(file.error());
        if (!pipe) {
            // Nowhere to receive it: read and dropped, so that the session goes on (the next may fit).
            state->notWritten.push_back(request->AffectedSOPInstanceUID);
            return this->ignoreSTORERequest(*presID, *request);
        }
        const OFCondition c = Base::handleSTORERequestFile(presID, (*pipe)->path().c_str(), request);
        auto done = (*pipe)->finish(c.good());
        // Not written (disk full): not handed over, and the session goes on (the next may fit); the
        // retrieve finds it missing.
        if (c.good() && !done) state->notWritten.push_back(request->AffectedSOPInstanceUID);
        if (done) lastFile = *done;
        return c;
    }
    void notifyInstanceStored(const OFString&, const OFString&, const OFString&) const override
    {
        if (lastFile.empty()) return;
        state->sink->received(lastFile, {});
        ++state->now.received;
        state->report();
    }
    OFCondition handleCGETResponse(const T_ASC_PresentationContextID presID, RetrieveResponse* response, OFBool& continueSession) override
    {
        const OFCondition c = Base::handleCGETResponse(presID, response, continueSession);
        if (state->update(response, continueSession)) this->sendCANCELRequest(presID);
        return c;
    }
};

template <class Base>
class MoveScu : public Base {
public:
    Tracker* state = nullptr;
    OFCondition handleMOVEResponse(const T_ASC_PresentationContextID presID, RetrieveResponse* response, OFBool& waitForNextResponse) override
    {
        const OFCondition c = Base::handleMOVEResponse(presID, response, waitForNextResponse);
        if (state->update(response, waitForNextResponse)) this->sendCANCELRequest(presID);
        return c;
    }
};

bool isFailure(int status)
{
    return status != STATUS_Success && (status & 0xF000) != 0xB000 && status != STATUS_GET_Cancel_SubOperationsTerminatedDueToCancelIndication &&
           !DICOM_PENDING_STATUS(status);
}

template <class T>
T* as(DcmSCU& scu)
{
    return dynamic_cast<T*>(&scu);
}

RetrieveOutcome summarize(OFList<RetrieveResponse*>& responses, bool cancelled)
{
    RetrieveOutcome out;
    out.cancelled = cancelled;
    for (RetrieveResponse* r : responses) {
        if (DICOM_PENDING_STATUS(r->m_status)) continue;
        out.completed = r->m_numberOfCompletedSubops;
        out.failed = r->m_numberOfFailedSubops;
        out.warning = r->m_numberOfWarningSubops;
        out.status = statusText(r->m_status);
        out.statusCode = r->m_status;
        if (r->m_status == STATUS_GET_Cancel_SubOperationsTerminatedDueToCancelIndication) out.cancelled = true;
        // A final failure status without counts: everything failed.
        if (r->m_status != STATUS_Success && r->m_status != STATUS_GET_Warning_SubOperationsCompleteOneOrMoreFailures &&
            r->m_status != STATUS_GET_Cancel_SubOperationsTerminatedDueToCancelIndication && out.failed == 0)
            out.failed = std::max(1, int(r->m_numberOfFailedSubops));
        failedList(*r, out);
    }
    for (RetrieveResponse* r : responses) delete r;
    responses.clear();
    return out;
}

}  // namespace

Result<RetrieveOutcome> getInstances(const DicomPeer& peer, const RetrieveRequest& request, InstanceSink& sink, const RetrieveProgressFn& progress,
                                     const std::atomic<bool>* cancel)
{
    DcmDataset ids;
    if (auto s = identifier(request, ids); !s) return s.error();
    RetrieveRequest rq = request;
    if (rq.sopClasses.empty()) {
        // Which SOP classes will come: asked first (image level), so that every one gets storage
        // contexts in every transfer syntax; the common classes if the archive cannot tell.
        FindQuery q;
        q.level = QueryLevel::Image;
        q.model = rq.model;
        if (rq.model == QueryModel::PatientRoot) q.keys.push_back({tags::PatientID, rq.patientId});
        q.keys.push_back({tags::StudyInstanceUID, rq.studyUid});
        q.keys.push_back({tags::SeriesInstanceUID, rq.level == QueryLevel::Study ? std::string() : join(rq.seriesUids)});
        q.keys.push_back({tags::SOPInstanceUID, rq.level == QueryLevel::Image ? join(rq.sopUids) : std::string()});
        q.keys.push_back({tags::SOPClassUID, ""});
        if (auto found = find(peer, q, {}, cancel)) {
            std::set<std::string> classes;
            for (const Attributes& a : found->results)
                if (auto it = a.find(tags::SOPClassUID); it != a.end() && !it->second.empty()) classes.insert(it->second);
            rq.sopClasses.assign(classes.begin(), classes.end());
        }
    }
    auto created = createScu<GetScu>(peer);
    if (!created) return created.error();
    DcmSCU& scu = **created;
    const char* model = rq.model == QueryModel::PatientRoot ? UID_GETPatientRootQueryRetrieveInformationModel
                                                                 : UID_GETStudyRootQueryRetrieveInformationModel;
    OFList<OFString> syntaxes = commandTransferSyntaxes();
    scu.addPresentationContext(model, syntaxes);
    addStorageContexts(scu, rq.sopClasses);
    GetState state;
    state.sink = &sink;
    state.progress = &progress;
    state.cancel = cancel;
    state.folder = sink.incomingFolder();
    if (auto* g = as<GetScu<DcmSCU>>(scu)) g->state = &state;
    if (auto* g = as<GetScu<DcmTLSSCU>>(scu)) g->state = &state;
    scu.setStorageMode(DCMSCU_STORAGE_BIT_PRESERVING);
    if (auto s = associate(scu, peer); !s) return s.error();
    const T_ASC_PresentationContextID pc = contextFor(scu, model);
    if (pc == 0) {
        scu.abortAssociation();
        return makeError("no-service", "the archive does not offer C-GET (use C-MOVE or DICOMweb)");
    }
    OFList<RetrieveResponse*> responses;
    const OFCondition c = scu.sendCGETRequest(pc, &ids, &responses);
    if (c.bad()) {
        scu.abortAssociation();
        for (RetrieveResponse* r : responses) delete r;
        return dimseError(c, "C-GET failed after " + std::to_string(state.now.received) + " instances");
    }
    scu.releaseAssociation();
    RetrieveOutcome out = summarize(responses, state.cancelSent);
    out.received = state.now.received;
    for (const std::string& uid : state.notWritten)
        if (std::find(out.failedSops.begin(), out.failedSops.end(), uid) == out.failedSops.end()) out.failedSops.push_back(uid);
    if (out.received == 0 && out.completed == 0 && isFailure(out.statusCode))
        return makeError("get-failed", "the archive refused the C-GET: status " + out.status);
    return out;
}

Result<RetrieveOutcome> moveInstances(const DicomPeer& peer, const RetrieveRequest& request, const std::string& destination,
                                      const RetrieveProgressFn& progress, const std::atomic<bool>* cancel)
{
    if (destination.empty() || destination.size() > 16) return makeError("bad-request", "the move destination must be an AE title of 1 to 16 characters");
    DcmDataset ids;
    if (auto s = identifier(request, ids); !s) return s.error();
    auto created = createScu<MoveScu>(peer);
    if (!created) return created.error();
    DcmSCU& scu = **created;
    const char* model = request.model == QueryModel::PatientRoot ? UID_MOVEPatientRootQueryRetrieveInformationModel
                                                                 : UID_MOVEStudyRootQueryRetrieveInformationModel;
    OFList<OFString> syntaxes = commandTransferSyntaxes();
    scu.addPresentationContext(model, syntaxes);
    Tracker state;
    state.progress = &progress;
    state.cancel = cancel;
    if (auto* m = as<MoveScu<DcmSCU>>(scu)) m->state = &state;
    if (auto* m = as<MoveScu<DcmTLSSCU>>(scu)) m->state = &state;
    if (auto s = associate(scu, peer); !s) return s.error();
    const T_ASC_PresentationContextID pc = contextFor(scu, model);
    if (pc == 0) {
        scu.abortAssociation();
        return makeError("no-service", "the archive does not offer C-MOVE");
    }
    OFList<RetrieveResponse*> responses;
    const OFCondition c = scu.sendMOVERequest(pc, destination.c_str(), &ids, &responses);
    if (c.bad()) {
        scu.abortAssociation();
        for (RetrieveResponse* r : responses) delete r;
        return dimseError(c, "C-MOVE failed after " + std::to_string(state.now.completed) + " instances");
    }
    scu.releaseAssociation();
    RetrieveOutcome out = summarize(responses, state.cancelSent);
    const std::string hint = " (the archive must know " + destination + " with Lightbox's host and storage port among its DICOM nodes)";
    if (out.statusCode == STATUS_MOVE_Failed_MoveDestinationUnknown)
        return makeError("move-destination", "the archive does not know the destination " + destination + hint);
    if (out.completed == 0 && isFailure(out.statusCode))
        return makeError("move-failed", "the archive refused the C-MOVE: status " + out.status + hint);
    return out;
}

}  // namespace lightbox::net
