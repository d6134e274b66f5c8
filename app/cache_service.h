#pragma once
// The GUI's access to the study cache: every database or disk operation runs on the app's thread
// pool with that thread's own connection; results come back as futures. Keeps the set of studies
// open in a viewer, which eviction never touches.
#include "annotation_store.h"
#include "cache.h"

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
    // Paths of a study's (or one series') files in display order.
    QFuture<QStringList> files(const QString& studyUid, const QString& seriesUid = {});
    // Imports in the background; progress through the future (progressValue/Maximum) and
    // importProgress; cancel with QFuture::cancel().
    QFuture<storage::ImportReport> import(const QStringList& paths);
    QFuture<storage::VerifyReport> verify();
    QFuture<QString> deleteStudy(const QString& studyUid);  // empty string: done, else the reason
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

    // Studies shown in a viewer: marked as opened now, and protected from eviction while shown.
    void studyOpened(const QString& studyUid);
    void studyClosed(const QString& studyUid);

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
    QSet<QString> m_open;
};

}  // namespace lightbox::app
