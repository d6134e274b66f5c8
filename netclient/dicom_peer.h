#pragma once
// Who Lightbox talks DIMSE to: a peer's address and AE titles, timeouts, and DICOM TLS settings.
#include <string>

namespace lightbox::net {

struct TlsOptions {
    bool enabled = false;
    std::string caFile;        // trusted certificates (PEM); required to verify the peer
    std::string certFile;      // our certificate (PEM), when the peer wants client authentication
    std::string keyFile;       // its private key (PEM, unencrypted)
    bool verifyPeer = true;    // refuse a peer whose certificate does not chain to caFile
};

struct DicomPeer {
    std::string host;
    int port = 104;
    std::string calledAeTitle = "ANY-SCP";
    std::string callingAeTitle = "LIGHTBOX";
    int timeoutSeconds = 30;   // connection, association and each DIMSE message
    TlsOptions tls;
};

}  // namespace lightbox::net
