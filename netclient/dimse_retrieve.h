#pragma once
// C-GET and C-MOVE of a study, series or instances, in one association per request.
// C-GET receives the instances on the same association, straight to files (bit-preserving: the
// archive's transfer syntax and bytes are kept) that go to an InstanceSink. C-MOVE asks the
// archive to send them to an AE title (Lightbox's own storage listener, which stores them).
#include "dicom_peer.h"
#include "dimse_find.h"
#include "instance_sink.h"
#include "result.h"

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace lightbox::net {

struct RetrieveRequest {
    QueryLevel level = QueryLevel::Study;  // Study, Series or Image
    QueryModel model = QueryModel::StudyRoot;
    std::string patientId;                 // patient-root model only
    std::string studyUid;
    std::vector<std::string> seriesUids;   // Series level: one or more (a UID list)
    std::vector<std::string> sopUids;      // Image level: one or more
    // C-GET: the SOP classes to accept (from an image-level query); empty: the common ones.
    std::vector<std::string> sopClasses;
};

struct RetrieveProgress {
    int completed = 0, remaining = -1, failed = 0, warning = 0;  // remaining -1: unknown
    int received = 0;  // C-GET: instances received so far
};

struct RetrieveOutcome {
    int completed = 0, failed = 0, warning = 0, received = 0;
    bool cancelled = false;
    std::vector<std::string> failedSops;  // Failed SOP Instance UID List, when given
    std::string status;                    // the final DIMSE status
    int statusCode = 0;
    bool success() const { return !cancelled && failed == 0; }
};

using RetrieveProgressFn = std::function<void(const RetrieveProgress&)>;

Result<RetrieveOutcome> getInstances(const DicomPeer& peer, const RetrieveRequest& request, InstanceSink& sink,
                                     const RetrieveProgressFn& progress = {}, const std::atomic<bool>* cancel = nullptr);

// `destination`: the AE title the archive sends to (it must know its address).
Result<RetrieveOutcome> moveInstances(const DicomPeer& peer, const RetrieveRequest& request, const std::string& destination,
                                      const RetrieveProgressFn& progress = {}, const std::atomic<bool>* cancel = nullptr);

}  // namespace lightbox::net
