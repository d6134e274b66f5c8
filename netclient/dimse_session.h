#pragma once
// Internal to netclient: DCMTK SCU set-up for a peer (plain or TLS), association negotiation
// with errors people understand, and the transfer syntaxes Lightbox proposes and accepts.
#include "dicom_peer.h"
#include "result.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/scu.h>
#include <dcmtk/dcmtls/tlsscu.h>

#include <memory>
#include <string>
#include <vector>

namespace lightbox::net {

// Every transfer syntax Lightbox can store as received, compressed ones first (so that an
// acceptor keeps what the sender has).
const std::vector<std::string>& storableTransferSyntaxes();
// Uncompressed syntaxes, for commands (find, move, get requests).
OFList<OFString> commandTransferSyntaxes();

// Checks the peer's fields (host, port, AE titles).
Status checkPeer(const DicomPeer& peer);
// Address, AE titles, timeouts (and nothing about TLS).
void configureScu(DcmSCU& scu, const DicomPeer& peer);
// Certificates and verification for a TLS SCU; fails if files are missing.
Status configureTls(DcmTLSSCU& scu, const TlsOptions& tls);

// An SCU of class Derived<DcmSCU>, or Derived<DcmTLSSCU> when the peer uses TLS, configured.
template <template <class> class Derived>
Result<std::unique_ptr<DcmSCU>> createScu(const DicomPeer& peer)
{
    if (auto s = checkPeer(peer); !s) return s.error();
    if (peer.tls.enabled) {
        auto scu = std::make_unique<Derived<DcmTLSSCU>>();
        configureScu(*scu, peer);
        if (auto s = configureTls(*scu, peer.tls); !s) return s.error();
        return std::unique_ptr<DcmSCU>(std::move(scu));
    }
    auto scu = std::make_unique<Derived<DcmSCU>>();
    configureScu(*scu, peer);
    return std::unique_ptr<DcmSCU>(std::move(scu));
}

template <class Base>
class PlainScu : public Base {};

// initNetwork + negotiateAssociation, with a one-line reason on failure.
Status associate(DcmSCU& scu, const DicomPeer& peer);
// A DIMSE failure as a one-line reason ("the archive aborted the association", "timeout"...).
Error dimseError(const OFCondition& c, const std::string& what);
// The accepted presentation context for an abstract syntax, 0 if none.
T_ASC_PresentationContextID contextFor(DcmSCU& scu, const char* abstractSyntax);
// A DIMSE status as text ("0xA700 out of resources").
std::string statusText(Uint16 status);

}  // namespace lightbox::net
