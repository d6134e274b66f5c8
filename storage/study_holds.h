#pragma once
// Holds on studies that must stay in the cache although nobody has them open: studies prefetched
// for an order until it is read ("order:12"), and studies a user made available offline
// ("offline"). Eviction leaves a held study alone while any of its holds is in force (no end, or an
// end still to come); a user deleting a study removes its holds with it. A hold names a study by
// its UID whether or not the cache holds it yet (it is placed before the retrieve, so what arrives
// is kept). One StudyHolds per database connection.
#include "sqlite_db.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lightbox::storage {

struct HoldRow {
    std::string studyUid, holder, reason, patientId, createdBy;
    std::int64_t createdAt = 0;
    std::int64_t until = 0;  // ms since the epoch; 0: until released
    bool inForce(std::int64_t nowMs) const { return until == 0 || until > nowMs; }
};

class StudyHolds {
public:
    explicit StudyHolds(Database& db) : m_db(db) {}

    // Places (or renews) the holder's hold on a study. Renewing never shortens it: the later end
    // stays, and "until released" (0) stays so (two users holding the same study).
    Status hold(const HoldRow& row);
    // Releases one holder's hold on one study, or with an empty study every hold of the holder.
    // Returns how many were released.
    Result<int> release(const std::string& holder, const std::string& studyUid = {});
    // Releases every hold on a study (the user deletes it).
    Result<int> releaseStudy(const std::string& studyUid);
    // Releases every hold on the studies of a patient (by the holds' patient ID) held by `holder`.
    Result<int> releasePatient(const std::string& holder, const std::string& patientId);
    // Holds, of one study (or all), newest first; with `inForceOnly`, those still in force.
    std::vector<HoldRow> holds(const std::string& studyUid = {}, bool inForceOnly = false);
    // Holds whose end has passed are forgotten. Returns how many.
    int purgeExpired();

private:
    Database& m_db;
};

}  // namespace lightbox::storage
