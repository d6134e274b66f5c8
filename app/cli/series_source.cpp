#include "series_source.h"

#include "cache.h"
#include "cache_location.h"

namespace lightbox::app {

SeriesSource loadSeriesSource(const CliArgs& a, const QString& positional, const QString& purpose)
{
    SeriesSource src;
    QStringList paths;
    const auto series = a.value("--series"), study = a.value("--study");
    if (series || study) {
        const QString dir = storage::resolveCacheDir(a.value("--cache").value_or(QString()));
        auto cache = storage::Cache::open(dir.toStdString());
        auto keeper = cache ? storage::LeaseKeeper::open(dir.toStdString()) : Result<std::shared_ptr<storage::LeaseKeeper>>(cache.error());
        if (!cache || !keeper) {
            src.error = QStringLiteral("cache %1: %2").arg(dir, QString::fromStdString(cache ? keeper.error().message : cache.error().message));
            return src;
        }
        std::string studyUid = study ? study->toStdString() : std::string();
        if (!study)
            if (auto owner = (*cache)->index().studyOfSeries(series->toStdString())) studyUid = *owner;
        auto opened = storage::openStudy(**cache, **keeper, studyUid, purpose.toStdString());
        if (opened) {
            src.lease = opened->lease;
            for (const auto& [path, row] : opened->files)
                if (!series || row.seriesUid == series->toStdString()) paths << QString::fromStdString(path);
        }
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
