#pragma once
// The cache index: patients, studies, series and instances in SQLite, and the queries the browser,
// the command line, eviction and integrity checks need. One StudyIndex per connection (thread).
#include "instance_record.h"
#include "sqlite_db.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lightbox::storage {

struct StudyQuery {
    std::string patientName;  // wildcards * and ?; no wildcard: prefix; any component group
    std::string patientId;    // exact, or a wildcard pattern
    std::string accession;    // exact, or a wildcard pattern
    std::string modality;     // one modality, e.g. "CT"
    std::string description;  // case/accent-insensitive; no wildcard: contains
    std::string fromDate, toDate;  // YYYYMMDD, inclusive; either may be empty
    std::string studyUid;     // exact
    enum class Sort { DateNewest, DateOldest, PatientName, Arrived, LastOpened } sort = Sort::DateNewest;
    int limit = 200;
    int offset = 0;
};

struct StudyRow {
    std::string studyUid, patientName, patientId, patientBirthDate, patientSex;
    std::string studyDate, studyTime, accession, description, referringPhysician, bodyParts;
    std::string patientAge;  // Patient's Age as the study recorded it (e.g. "045Y")
    std::vector<std::string> modalities;
    int seriesCount = 0, instanceCount = 0, problems = 0;
    std::int64_t sizeBytes = 0, arrivedAt = 0, lastOpened = 0;
    bool pinned = false;
    std::vector<std::string> heldBy;  // holders of holds in force (study_holds.h): "offline", "order:12"
};

struct SeriesRow {
    std::string seriesUid, studyUid, description, modality, bodyPart, laterality, frameOfReference;
    std::optional<std::int64_t> seriesNumber;
    int instanceCount = 0;
};

struct InstanceRow {
    std::string sopInstanceUid, seriesUid, studyUid, sopClassUid, transferSyntax, imageType, viewPosition, laterality;
    std::string imagePosition, imageOrientation, pixelSpacing, frameOfReference;
    std::optional<std::int64_t> instanceNumber, rows, columns, frames;
    std::optional<double> sliceThickness;
    std::int64_t fileSize = 0;
    std::array<std::uint8_t, 32> sha256{};
    int status = 0;  // InstanceStatus
};

enum InstanceStatus { StatusOk = 0, StatusMissing = 1, StatusModified = 2 };

struct CacheStats {
    std::int64_t patients = 0, studies = 0, series = 0, instances = 0, bytes = 0, pinnedStudies = 0, problemStudies = 0;
};

struct EvictionCandidate {
    std::string studyUid;
    std::int64_t sizeBytes = 0;
    std::int64_t lastUsed = 0;  // last opened, else arrival
};

class StudyIndex {
public:
    explicit StudyIndex(Database& db) : m_db(db) {}

    enum class Added { Inserted, AlreadyPresent };
    // Adds an instance with its patient, study and series. Call inside a transaction.
    Result<Added> addInstance(const InstanceRecord& r);
    bool hasInstance(const std::string& sopInstanceUid);

    Result<std::vector<StudyRow>> searchStudies(const StudyQuery& q);
    Result<std::int64_t> countStudies(const StudyQuery& q);
    std::optional<StudyRow> study(const std::string& studyUid);
    std::vector<SeriesRow> seriesOf(const std::string& studyUid);
    std::optional<std::string> studyOfSeries(const std::string& seriesUid);
    std::vector<InstanceRow> instancesOfStudy(const std::string& studyUid);
    // Instances the way in changed or flagged for safety (an executable preamble, rewritten meta
    // information): SOP Instance UID, Study Instance UID, patient ID, what.
    struct SafetyFinding {
        std::string sopInstanceUid, studyUid, patientId, what;
    };
    std::vector<SafetyFinding> safetyFindings();
    // Where a study's instances came from (import folders, archives, the peers that pushed them).
    std::vector<std::string> sourcesOfStudy(const std::string& studyUid);
    std::vector<InstanceRow> instancesOfSeries(const std::string& seriesUid);
    // Visits every instance (for integrity checks) in index order.
    Status forEachInstance(const std::function<bool(const InstanceRow&)>& visit);

    // Removes a study's rows (and its patient if it has no other study); returns its SOP UIDs.
    Result<std::vector<std::string>> deleteStudy(const std::string& studyUid);
    Status markOpened(const std::string& studyUid, std::int64_t whenMs);  // see study_open.h
    Status setPinned(const std::string& studyUid, bool pinned);
    Status setInstanceStatus(const std::string& sopInstanceUid, int status);
    Status refreshProblemCounts();

    CacheStats stats();
    std::int64_t totalBytes();  // of every study
    // Studies in eviction order (least recently used first), pinned and held ones (study_holds.h) left out.
    std::vector<EvictionCandidate> evictionOrder();

    std::optional<std::string> setting(const std::string& key);
    Status setSetting(const std::string& key, const std::string& value);

private:
    Result<std::int64_t> upsertPatient(const InstanceRecord& r);
    Result<std::int64_t> upsertStudy(const InstanceRecord& r, std::int64_t patient, bool* created);
    Result<std::int64_t> upsertSeries(const InstanceRecord& r, std::int64_t study, bool* created);
    Database& m_db;
};

}  // namespace lightbox::storage
