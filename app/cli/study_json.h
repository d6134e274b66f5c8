#pragma once
// The JSON shape of a study in `lightbox studies --json` and `lightbox find --json`.
#include "study_index.h"

#include <QJsonObject>

namespace lightbox::app {

QJsonObject studyJson(const storage::StudyRow& s);

}  // namespace lightbox::app
