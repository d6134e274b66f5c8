#pragma once
// Writes synthetic studies for tests and benchmarks: copies of a real image with new UIDs,
// patients, dates and positions, optionally cropped to a small matrix.
#include <QString>

namespace lightbox::test {

struct SyntheticOptions {
    int studies = 1;
    int seriesPerStudy = 1;
    int instancesPerSeries = 1;
    int crop = 0;          // square size to crop the pixel data to (0: keep)
    int patients = 0;      // distinct patients (0: one per study)
    QString modality;      // override (empty: the template's)
};

// Returns the number of files written under outDir (study/series/instance.dcm), -1 on error.
int writeSyntheticStudies(const QString& templateFile, const QString& outDir, const SyntheticOptions& options);

}  // namespace lightbox::test
