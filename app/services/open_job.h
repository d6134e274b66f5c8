#pragma once
// Opening files and folders in the background: lists DICOM files (recursively), reads their
// headers, and groups them into series. Reports progress; can be cancelled.
#include "series_sorting.h"

#include <QFuture>
#include <QStringList>

class QThreadPool;

namespace lightbox::app {

struct OpenResult {
    std::vector<SeriesGroup> series;
    QStringList problems;  // "file: reason", one per file that could not be opened
    int filesSeen = 0;
};

QFuture<OpenResult> openPathsAsync(QThreadPool& pool, const QStringList& paths);

// The same, synchronously (for headless commands and tests).
OpenResult openPaths(const QStringList& paths, const std::function<bool(int, int)>& progress = {});

}  // namespace lightbox::app
