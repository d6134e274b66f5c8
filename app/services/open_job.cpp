#include "open_job.h"

#include "dicom_file.h"
#include "image_info.h"
#include "instance_summary.h"

#include <QDirIterator>
#include <QFileInfo>
#include <QPromise>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

namespace lightbox::app {

namespace {

QStringList listFiles(const QStringList& paths)
{
    QStringList files;
    for (const QString& p : paths) {
        const QFileInfo fi(p);
        if (fi.isDir()) {
            QDirIterator it(p, QDir::Files | QDir::NoDotAndDotDot | QDir::Hidden, QDirIterator::Subdirectories);
            QStringList inDir;
            while (it.hasNext()) inDir << it.next();
            inDir.sort();
            files << inDir;
        } else {
            files << p;
        }
    }
    return files;
}

}  // namespace

OpenResult openPaths(const QStringList& paths, const std::function<bool(int, int)>& progress)
{
    OpenResult result;
    const QStringList files = listFiles(paths);
    std::vector<OpenedImage> images;
    for (int i = 0; i < files.size(); ++i) {
        if (progress && !progress(i, int(files.size()))) break;
        const QString& f = files[i];
        ++result.filesSeen;
        if (QFileInfo(f).fileName() == "DICOMDIR") continue;  // an index, not an image
        auto file = DicomFile::open(f.toStdString());
        if (!file) {
            // Folders hold other files too; only report what claims to be DICOM.
            if (file.error().code != "not-dicom" || QFileInfo(f).suffix().compare("dcm", Qt::CaseInsensitive) == 0 ||
                paths.contains(f))
                result.problems << QStringLiteral("%1: %2").arg(f, QString::fromStdString(file.error().message));
            continue;
        }
        auto info = readImageInfo(**file);
        if (!info) {
            result.problems << QStringLiteral("%1: %2").arg(f, QString::fromStdString(info.error().message));
            continue;
        }
        images.push_back({f.toStdString(), std::make_shared<const ImageInfo>(std::move(*info)),
                          std::make_shared<const InstanceSummary>(summarize(**file))});
    }
    if (progress) progress(int(files.size()), int(files.size()));
    result.series = groupIntoSeries(std::move(images));
    return result;
}

QFuture<OpenResult> openPathsAsync(QThreadPool& pool, const QStringList& paths)
{
    return QtConcurrent::run(&pool, [paths](QPromise<OpenResult>& promise) {
        OpenResult r = openPaths(paths, [&promise](int done, int total) {
            if (promise.isCanceled()) return false;
            promise.setProgressRange(0, total);
            promise.setProgressValue(done);
            return true;
        });
        promise.addResult(std::move(r));
    });
}

}  // namespace lightbox::app
