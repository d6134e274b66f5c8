#pragma once
// Where headless 3D commands take a series from: a file, a folder, or a series or study of the
// cache (--series UID / --study UID with --cache DIR).
#include "cli_args.h"
#include "open_job.h"

namespace lightbox::app {

struct SeriesSource {
    OpenResult opened;  // grouped into series
    QString error;      // set if nothing could be opened
};

SeriesSource loadSeriesSource(const CliArgs& args, const QString& positional);

// Value options every such command accepts.
inline QStringList seriesSourceOptions() { return {"--cache", "--series", "--study"}; }

}  // namespace lightbox::app
