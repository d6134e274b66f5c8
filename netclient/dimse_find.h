#pragma once
// C-FIND: query an archive at patient, study, series or image level, in the patient-root or
// study-root information model. Results stream to a callback as they arrive, decoded to UTF-8
// from their Specific Character Set; the caller can cancel (C-CANCEL, then the association is
// aborted so that nothing more is read). One association per query.
#include "dicom_peer.h"
#include "dicom_tag.h"
#include "result.h"

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lightbox::net {

enum class QueryLevel { Patient, Study, Series, Image };
enum class QueryModel { PatientRoot, StudyRoot };

// Attributes of one result, UTF-8, multiple values joined by '\'.
using Attributes = std::map<Tag, std::string>;

struct FindQuery {
    QueryLevel level = QueryLevel::Study;
    QueryModel model = QueryModel::StudyRoot;
    // Matching keys (value set) and return keys (empty value), in any order. The Query/Retrieve
    // Level and Specific Character Set (ISO_IR 192: our keys are UTF-8) are added.
    std::vector<std::pair<Tag, std::string>> keys;
    std::size_t limit = 0;  // stop (cancel) after this many results; 0: all
};

struct FindOutcome {
    std::vector<Attributes> results;
    bool cancelled = false;   // by the caller or the limit
    bool truncated = false;   // the limit was reached
};

// onResult may return false to cancel. `cancel` is polled between results.
Result<FindOutcome> find(const DicomPeer& peer, const FindQuery& query, const std::function<bool(const Attributes&)>& onResult = {},
                         const std::atomic<bool>* cancel = nullptr);

const char* levelName(QueryLevel level);  // "PATIENT", "STUDY", "SERIES", "IMAGE"

}  // namespace lightbox::net
