#pragma once
// C-ECHO (DICOM verification) to a peer: the first thing anyone checks when an archive does not
// answer. Synchronous; run it off the GUI thread.
#include "dicom_peer.h"
#include "result.h"

#include <string>

namespace lightbox::net {

// Verifies the peer; the error says which step failed (connect, association, echo).
Result<Done> echo(const DicomPeer& peer);

// Process-wide network defaults: TCP_NODELAY for DCMTK's sockets unless the user set it.
void initNetworking();

}  // namespace lightbox::net
