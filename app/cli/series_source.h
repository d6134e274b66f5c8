#pragma once
// Where headless 3D commands take a series from: a file, a folder, or a series or study of the
// cache (--series UID / --study UID with --cache DIR).
#include "cli_args.h"
#include "open_job.h"
#include "study_open.h"

namespace lightbox::app {

struct SeriesSource {
    OpenResult opened;  // grouped into series
    QString error;      // set if nothing could be opened
    std::shared_ptr<storage::StudyLease> lease;  // a cached study stays held while the command reads it
};

// A study of the cache is opened through the cache's one way to open (purpose: what the command does).
SeriesSource loadSeriesSource(const CliArgs& args, const QString& positional, const QString& purpose);

// Value options every such command accepts.
inline QStringList seriesSourceOptions() { return {"--cache", "--series", "--study"}; }

}  // namespace lightbox::app
