#pragma once
// C-STORE SCU: sends DICOM files to a peer in one association (several only when more than 127
// SOP class / transfer syntax pairs are needed). Each file goes in its own transfer syntax when the
// peer accepts it; else it is converted to explicit VR little endian where DCMTK's codecs can
// (JPEG, JPEG-LS, RLE) and reported as a problem where they cannot.
#include "dicom_peer.h"
#include "result.h"

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace lightbox::net {

struct SendProblem {
    std::string file;
    std::string reason;
};

struct SendOutcome {
    int sent = 0;       // stored by the peer (success or warning)
    int warnings = 0;
    std::vector<SendProblem> failed;
    bool cancelled = false;
    bool complete() const { return failed.empty() && !cancelled; }
};

Result<SendOutcome> sendFiles(const DicomPeer& peer, const std::vector<std::string>& files,
                              const std::function<void(int done, int total)>& progress = {}, const std::atomic<bool>* cancel = nullptr);

}  // namespace lightbox::net
