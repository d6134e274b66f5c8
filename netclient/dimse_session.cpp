#include "dimse_session.h"

#include "dimse_echo.h"

#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include <cstdio>
#include <filesystem>
#include <optional>

namespace lightbox::net {

const std::vector<std::string>& storableTransferSyntaxes()
{
    static const std::vector<std::string> list = {
        UID_JPEGLSLosslessTransferSyntax,
        UID_JPEGLSLossyTransferSyntax,
        UID_JPEG2000LosslessOnlyTransferSyntax,
        UID_JPEG2000TransferSyntax,
        UID_JPEGProcess14SV1TransferSyntax,
        UID_JPEGProcess14TransferSyntax,
        UID_JPEGProcess1TransferSyntax,
        UID_JPEGProcess2_4TransferSyntax,
        UID_RLELosslessTransferSyntax,
        "1.2.840.10008.1.2.4.201",  // HTJ2K lossless
        "1.2.840.10008.1.2.4.202",  // HTJ2K lossless RPCL
        "1.2.840.10008.1.2.4.203",  // HTJ2K
        UID_DeflatedExplicitVRLittleEndianTransferSyntax,
        UID_LittleEndianExplicitTransferSyntax,
        UID_BigEndianExplicitTransferSyntax,
        UID_LittleEndianImplicitTransferSyntax,
    };
    return list;
}

OFList<OFString> commandTransferSyntaxes()
{
    OFList<OFString> l;
    l.push_back(UID_LittleEndianExplicitTransferSyntax);
    l.push_back(UID_LittleEndianImplicitTransferSyntax);
    return l;
}

Status checkPeer(const DicomPeer& peer)
{
    if (peer.host.empty() || peer.port <= 0 || peer.port > 65535) return makeError("bad-peer", "host and port are required");
    if (peer.calledAeTitle.empty() || peer.calledAeTitle.size() > 16 || peer.callingAeTitle.empty() || peer.callingAeTitle.size() > 16)
        return makeError("bad-peer", "AE titles must have 1 to 16 characters");
    return Done{};
}

void configureScu(DcmSCU& scu, const DicomPeer& peer)
{
    initNetworking();
    scu.setAETitle(peer.callingAeTitle.c_str());
    scu.setPeerHostName(peer.host.c_str());
    scu.setPeerPort(Uint16(peer.port));
    scu.setPeerAETitle(peer.calledAeTitle.c_str());
    scu.setConnectionTimeout(peer.timeoutSeconds);
    scu.setACSETimeout(Uint32(peer.timeoutSeconds));
    scu.setDIMSETimeout(Uint32(peer.timeoutSeconds));
    scu.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
    scu.setMaxReceivePDULength(ASC_MAXIMUMPDUSIZE);
    scu.setProgressNotificationMode(OFFalse);
}

Status configureTls(DcmTLSSCU& scu, const TlsOptions& tls)
{
    namespace fs = std::filesystem;
    if (tls.verifyPeer) {
        if (tls.caFile.empty()) return makeError("tls", "TLS needs the archive's CA certificate (or turn verification off)");
        if (!fs::exists(tls.caFile)) return makeError("tls", "CA certificate not found: " + tls.caFile);
        scu.addTrustedCertFile(tls.caFile.c_str());
        scu.setPeerCertVerification(DCV_requireCertificate);
    } else {
        scu.setPeerCertVerification(DCV_ignoreCertificate);
    }
    if (!tls.certFile.empty() || !tls.keyFile.empty()) {
        if (!fs::exists(tls.certFile) || !fs::exists(tls.keyFile)) return makeError("tls", "client certificate or key not found");
        scu.enableAuthentication(tls.keyFile.c_str(), tls.certFile.c_str(), "");
    } else {
        scu.disableAuthentication();
    }
    return Done{};
}

Error dimseError(const OFCondition& c, const std::string& what)
{
    if (c == DUL_PEERABORTEDASSOCIATION) return makeError("aborted", what + ": the peer aborted the association");
    if (c == DUL_PEERREQUESTEDRELEASE) return makeError("aborted", what + ": the peer closed the association");
    if (c == DIMSE_NODATAAVAILABLE || c == DUL_READTIMEOUT) return makeError("timeout", what + ": no answer in time");
    if (c == DUL_NETWORKCLOSED || (c.module() == OFM_dcmnet && c.code() == DULC_TCPIOERROR)) return makeError("aborted", what + ": the connection was lost (" + std::string(c.text()) + ")");
    return makeError("dimse", what + ": " + c.text());
}

namespace {

// Why a peer rejects our association. DcmSCU keeps the A-ASSOCIATE-RJ reason to itself (it only
// logs it), so the request is made once more, bare (Verification only), to read it. Plain TCP only.
std::optional<T_ASC_RejectParametersReason> rejectReason(const DicomPeer& peer)
{
    if (peer.tls.enabled) return std::nullopt;
    T_ASC_Network* net = nullptr;
    if (ASC_initializeNetwork(NET_REQUESTOR, 0, peer.timeoutSeconds, &net).bad()) return std::nullopt;
    std::optional<T_ASC_RejectParametersReason> reason;
    T_ASC_Parameters* params = nullptr;
    if (ASC_createAssociationParameters(&params, ASC_DEFAULTMAXPDU).good()) {
        const std::string address = peer.host + ":" + std::to_string(peer.port);
        const char* syntaxes[] = {UID_LittleEndianImplicitTransferSyntax};
        ASC_setAPTitles(params, peer.callingAeTitle.c_str(), peer.calledAeTitle.c_str(), nullptr);
        ASC_setPresentationAddresses(params, "localhost", address.c_str());
        T_ASC_Association* assoc = nullptr;
        if (ASC_addPresentationContext(params, 1, UID_VerificationSOPClass, syntaxes, 1).good()) {
            const OFCondition c = ASC_requestAssociation(net, params, &assoc);
            if (c == DUL_ASSOCIATIONREJECTED) {
                T_ASC_RejectParameters rej;
                if (ASC_getRejectParameters(params, &rej).good()) reason = rej.reason;
            } else if (c.good()) {
                ASC_releaseAssociation(assoc);
            }
        }
        if (assoc) ASC_destroyAssociation(&assoc);  // frees the parameters with it
        else ASC_destroyAssociationParameters(&params);
    }
    ASC_dropNetwork(&net);
    return reason;
}

}  // namespace

Status associate(DcmSCU& scu, const DicomPeer& peer)
{
    const std::string where = peer.calledAeTitle + " at " + peer.host + ":" + std::to_string(peer.port);
    OFCondition c = scu.initNetwork();
    if (c.bad()) return makeError("network", std::string("cannot initialise the network: ") + c.text());
    c = scu.negotiateAssociation();
    if (c.good()) return Done{};
    if (c == DUL_ASSOCIATIONREJECTED) {
        // The standard's reasons (PS3.8 9.3.4): the called AE title is the usual culprit.
        const auto reason = rejectReason(peer);
        if (reason == ASC_REASON_SU_CALLEDAETITLENOTRECOGNIZED)
            return makeError("rejected", "association rejected by " + where + ": the archive does not know the AE title " + peer.calledAeTitle);
        if (reason == ASC_REASON_SU_CALLINGAETITLENOTRECOGNIZED)
            return makeError("rejected", "association rejected by " + where + ": the archive does not know our AE title " + peer.callingAeTitle);
        return makeError("rejected", "association rejected by " + where + ": " + c.text());
    }
    if (c == NET_EC_NoAcceptablePresentationContexts || c == NET_EC_NoPresentationContextsDefined)
        return makeError("no-service", where + " supports none of the services asked for");
    std::string why = c.text();
    if (why.find("Connection refused") != std::string::npos) return makeError("connect", "no association with " + where + ": connection refused, nothing listens on that port");
    if (peer.tls.enabled && (why.find("TLS") != std::string::npos || why.find("SSL") != std::string::npos || why.find("certificate") != std::string::npos))
        return makeError("tls", "TLS handshake with " + where + " failed: " + why);
    if (c == DUL_ASSOCIATIONREJECTED || why.find("timeout") != std::string::npos || why.find("Timeout") != std::string::npos)
        return makeError("timeout", "no association with " + where + ": no answer in time");
    return makeError("connect", "no association with " + where + ": " + why);
}

T_ASC_PresentationContextID contextFor(DcmSCU& scu, const char* abstractSyntax)
{
    return scu.findPresentationContextID(abstractSyntax, "");
}

std::string statusText(Uint16 status)
{
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%04X", status);
    std::string s = hex;
    if (status == 0xA700 || status == 0xA701 || status == 0xA702) return s + " (out of resources)";
    if (status == 0xA801) return s + " (move destination unknown)";
    if (status == 0xA900) return s + " (identifier does not match SOP class)";
    if (status == 0xC000 || (status & 0xF000) == 0xC000) return s + " (unable to process)";
    if (status == 0xFE00) return s + " (cancelled)";
    if (status == 0xB000) return s + " (some sub-operations failed)";
    if (status == 0x0122) return s + " (SOP class not supported)";
    return s;
}

}  // namespace lightbox::net
