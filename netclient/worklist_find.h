#pragma once
// DICOM Modality Worklist C-FIND (SOP class 1.2.840.10008.5.1.4.31): the procedure steps a RIS
// has scheduled, matched on the Scheduled Procedure Step's modality, station AE title and start
// date range, returned as typed items decoded to UTF-8 from their Specific Character Set. Runs
// over DICOM TLS when the peer says so; cancel and a result limit as for the other finds.
#include "dicom_peer.h"
#include "result.h"

#include <atomic>
#include <cstddef>
#include <string>
#include <vector>

namespace lightbox::net {

struct WorklistQuery {
    std::string modality;   // SPS Modality (0008,0060); empty: any
    std::string stationAe;  // SPS Scheduled Station AE Title (0040,0001); empty: any
    std::string startDate;  // SPS Start Date (0040,0002): a date or a range "YYYYMMDD-YYYYMMDD"
    std::string startTime;  // SPS Start Time (0040,0003): a time or a range; empty: any
    std::string patientId;  // (0010,0020); empty: any
    std::size_t limit = 0;  // stop (cancel) after this many answers; 0: all
};

// One scheduled procedure step and the requested procedure, order and patient it belongs to.
struct WorklistItem {
    std::string patientName, patientId, issuer, birthDate, sex;
    std::string accession, placer, filler;
    std::string requestedProcedureId, requestedProcedureDescription, requestedProcedureCode;
    std::string studyUid, priority;
    // The Scheduled Procedure Step.
    std::string modality, stationAe, startDate, startTime, stepId, stepDescription, stepStatus;
};

struct WorklistOutcome {
    std::vector<WorklistItem> items;  // one per step (an answer with two steps gives two)
    bool cancelled = false;           // by the caller or the limit
    bool truncated = false;           // the limit was reached
};

Result<WorklistOutcome> findWorklist(const DicomPeer& peer, const WorklistQuery& query, const std::atomic<bool>* cancel = nullptr);

// The keys as one line for the audit trail ("Modality=CT, ScheduledStationAETitle=CT1, ...").
std::string describeWorklistQuery(const WorklistQuery& query);

}  // namespace lightbox::net
