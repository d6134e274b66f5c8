#pragma once
// The GUI's access to the study cache: every database or disk operation runs on the app's thread
// pool with that thread's own connection; results come back as futures. Studies are opened through
// the cache's one way to open (storage::openStudy): the returned lease keeps the study from
// eviction and deletion, in any process, for as long as the caller holds it.
#include "annotation_store.h"
#include "cache.h"
#include "study_open.h"

#include <QFuture>
#include <QObject>
#include <QSet>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>

class QThreadPool;

namespace lightbox::app {

class CacheService : public QObject {
    Q_OBJECT
public:
    CacheService(QString folder, QThreadPool& pool, QObject* parent = nullptr);
    ~CacheService() override;

    const QString& folder() const { return m_folder; }

    QFuture<std::vector<storage::StudyRow>> search(const storage::StudyQuery& query);
    QFuture<std::vector<storage::SeriesRow>> series(const QString& studyUid);
    // Opens a cached study (lease, "last opened", its files in display order); `purpose` is shown
    // to whoever asks why the study cannot be deleted ("viewing", "reading").
    QFuture<Result<storage::OpenedStudy>> openStudy(const QString& studyUid, const QString& purpose);
    // The lease holder of this process (for windows that open studies on their own workers).
    std::shared_ptr<storage::LeaseKeeper> keeper() const { return m_keeper; }
    // Imports in the background; progress through the future (progressValue/Maximum) and
    // importProgress; cancel with QFuture::cancel().
    QFuture<storage::ImportReport> import(const QStringList& paths);
    QFuture<storage::VerifyReport> verify();
    // The one way to delete (storage::Cache::deleteStudy): files, thumbnails, measurements, key
    // images. Empty string: done, else the reason (e.g. the study is open in a viewer).
    QFuture<QString> deleteStudy(const QString& studyUid);
    QFuture<QString> setPinned(const QString& studyUid, bool pinned);
    // Measurements and annotations saved with a study.
    QFuture<std::vector<storage::AnnotationRow>> annotations(const QString& studyUid);
    QFuture<QString> saveAnnotation(const storage::AnnotationRow& row);
    QFuture<QString> deleteAnnotation(const QString& id);
    QFuture<storage::Quota> quota();
    QFuture<QString> setQuota(const storage::Quota& quota);
    QFuture<storage::CacheStats> stats();
    struct Usage {
        storage::Quota quota;
        storage::CacheStats stats;
    };
    QFuture<Usage> usage();
    // A small grey thumbnail of a series (cached under <cache>/thumbs), null image if none.
    QFuture<QImage> thumbnail(const QString& seriesUid, int size);

    // Runs `work` on the pool with that thread's connection to the cache (null when the cache
    // cannot be opened): for the rooms above the services (the reading worklist).
    QFuture<void> runWithCache(std::function<void(storage::Cache*)> work);

signals:
    void importProgress(qint64 done, qint64 total);
    void cacheChanged();  // studies were added or removed

private:
    template <class T>
    QFuture<T> onPool(std::function<T(storage::Cache&)> work, QThreadPool* pool = nullptr);
    QString m_folder;
    QThreadPool& m_pool;
    // Annotation writes, one at a time in the order they were made (a save then a delete of the
    // same measurement must not cross on two threads); waited for on destruction.
    std::unique_ptr<QThreadPool> m_writes;
    std::shared_ptr<storage::LeaseKeeper> m_keeper;  // null when the cache cannot be opened
};

}  // namespace lightbox::app
