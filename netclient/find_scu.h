#pragma once
// Internal to netclient: one C-FIND on its own association, shared by the query/retrieve finds
// (dimse_find.cpp) and the Modality Worklist find (worklist_find.cpp). Each pending answer's data
// set goes to a callback; the callback, the caller's cancel flag or the result limit stop the
// run (C-CANCEL, then the association is aborted so that nothing more is read).
#include "dicom_peer.h"
#include "result.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>

#include <atomic>
#include <cstddef>
#include <functional>

namespace lightbox::net {

struct FindRun {
    // Called for each pending answer; false stops the run.
    std::function<bool(DcmDataset&)> onAnswer;
    const std::atomic<bool>* cancel = nullptr;  // polled after each answer
    std::size_t limit = 0;                      // stop after this many answers; 0: all
    // Filled in by runFind.
    std::size_t answers = 0;
    bool stopped = false;    // by the callback, the cancel flag or the limit
    bool truncated = false;  // by the limit
};

// Sends `keys` as a C-FIND under `sopClass` to `peer` (plain or TLS as the peer says). `service`
// names the service for errors ("this query model", "Modality Worklist"). Done when the archive
// finished the answers or the run was stopped; an error for a failed association, a failed
// exchange or a refusing status.
Status runFind(const DicomPeer& peer, const char* sopClass, const char* service, DcmDataset& keys, FindRun& run);

}  // namespace lightbox::net
