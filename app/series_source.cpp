#include "series_source.h"

#include "cache.h"
#include "cache_location.h"

namespace lightbox::app {

SeriesSource loadSeriesSource(const CliArgs& a, const QString& positional)
{
    SeriesSource src;
    QStringList paths;
    const auto series = a.value("--series"), study = a.value("--study");
    if (series || study) {
        const QString dir = storage::resolveCacheDir(a.value("--cache").value_or(QString()));
        auto cache = storage::Cache::open(dir.toStdString());
        if (!cache) {
            src.error = QStringLiteral("cache %1: %2").arg(dir, QString::fromStdString(cache.error().message));
            return src;
        }
        std::string studyUid = study ? study->toStdString() : std::string();
        if (!study) {
            // Find the study holding the series.
            auto& db = (*cache)->database();
            auto st = db.prepare("SELECT s.study_uid FROM series se JOIN studies s ON s.id = se.study_ref WHERE se.series_uid = ?");
            if (st) {
                st->bind(1, series->toStdString());
                if (st->step()) studyUid = st->text(0);
            }
        }
        for (const auto& [path, row] : (*cache)->studyFiles(studyUid))
            if (!series || row.seriesUid == series->toStdString()) paths << QString::fromStdString(path);
        if (paths.isEmpty()) {
            src.error = series ? QStringLiteral("series %1 is not in the cache").arg(*series) : QStringLiteral("study %1 is not in the cache").arg(*study);
            return src;
        }
    } else if (!positional.isEmpty()) {
        paths << positional;
    } else {
        src.error = "no PATH, --series or --study given";
        return src;
    }
    src.opened = openPaths(paths);
    if (src.opened.series.empty())
        src.error = src.opened.problems.isEmpty() ? QStringLiteral("no images found") : src.opened.problems.front();
    return src;
}

}  // namespace lightbox::app
