#pragma once
// A patient's studies in a test archive, by name: written (study_writer.h), uploaded to Orthanc,
// and found again in a Lightbox cache by name (for prefetch tests).
#include "orthanc_fixture.h"
#include "study_writer.h"

#include <QMap>
#include <QString>
#include <QStringList>

#include <vector>

namespace lightbox::test {

struct NamedStudy {
    QString name;
    StudySpec spec;
};

// Writes each study under dir/<name>/ and uploads it; adds name -> Study Instance UID to `uids`.
// False (and why) when one could not be written or uploaded.
bool uploadStudies(OrthancServer& orthanc, const std::vector<NamedStudy>& studies, const QString& dir, QMap<QString, QString>& uids,
                   QString* error);

// The names (from `uids`; a UID not there as itself) of the studies of a patient in a cache, sorted.
QStringList cachedStudyNames(const QString& cacheDir, const QString& patientId, const QMap<QString, QString>& uids);

}  // namespace lightbox::test
