#include "key_images.h"

#include "annotation_store.h"

#include <chrono>

namespace lightbox::storage {

namespace {

std::string idOf(const KeyImage& k) { return "key:" + k.first + ":" + std::to_string(k.second); }

}  // namespace

Result<std::set<KeyImage>> keyImagesOf(Database& db, const std::string& studyUid)
{
    auto rows = studyAnnotations(db, studyUid);
    if (!rows) return rows.error();
    std::set<KeyImage> out;
    for (const AnnotationRow& r : *rows)
        if (r.kind == kKeyImageKind) out.insert({r.sopInstanceUid, r.frame});
    return out;
}

Status setKeyImage(Database& db, const std::string& studyUid, const std::string& seriesUid, const KeyImage& image, bool flagged)
{
    if (Status allowed = mayAnnotate(studyUid); !allowed) return allowed;
    if (!flagged) return deleteAnnotation(db, idOf(image));
    AnnotationRow row;
    row.id = idOf(image);
    row.studyUid = studyUid;
    row.seriesUid = seriesUid;
    row.sopInstanceUid = image.first;
    row.frame = image.second;
    row.kind = kKeyImageKind;
    row.data = R"({"kind": "key-image"})";
    row.createdAt = row.modifiedAt =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    return saveAnnotation(db, row);
}

}  // namespace lightbox::storage
