#pragma once
// Key images: images the reader flags as the ones that matter (K in a reading window), kept with
// the study in the cache index (annotations of kind "key-image", one per image and frame, so they
// outlive eviction like measurements) and marked on screen wherever the image is shown.
#include "result.h"
#include "sqlite_db.h"

#include <set>
#include <string>
#include <utility>

namespace lightbox::storage {

using KeyImage = std::pair<std::string, int>;  // SOP Instance UID, frame (0-based)

inline constexpr const char* kKeyImageKind = "key-image";

Result<std::set<KeyImage>> keyImagesOf(Database& db, const std::string& studyUid);
Status setKeyImage(Database& db, const std::string& studyUid, const std::string& seriesUid, const KeyImage& image, bool flagged);

}  // namespace lightbox::storage
