#pragma once
// Measurements and annotations saved with a study in the cache index: one row per annotation,
// its geometry and results as JSON written by the viewer. Rows are kept by study UID and survive
// eviction of the images (the study can come back); deleting the study deletes them.
#include "result.h"
#include "sqlite_db.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lightbox::storage {

struct AnnotationRow {
    std::string id;  // unique (a UUID)
    std::string studyUid;
    std::string seriesUid;
    std::string sopInstanceUid;  // empty for annotations on a reformat (kept in patient space)
    int frame = 0;
    std::string kind;            // "length", "angle", ...
    std::string data;            // JSON
    std::string author;
    std::int64_t createdAt = 0;  // ms since the epoch
    std::int64_t modifiedAt = 0;
};

// Inserts or replaces (by id) in one transaction-safe statement.
Status saveAnnotation(Database& db, const AnnotationRow& row);
Status deleteAnnotation(Database& db, const std::string& id);
Status deleteStudyAnnotations(Database& db, const std::string& studyUid);
// Asks the access gate whether the signed-in user may annotate (measurements, key images).
Status mayAnnotate(const std::string& studyUid);
Result<std::vector<AnnotationRow>> studyAnnotations(Database& db, const std::string& studyUid);

}  // namespace lightbox::storage
