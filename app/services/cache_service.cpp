#include "cache_service.h"

#include "annotation_store.h"
#include "display_pipeline.h"
#include "display_image_qt.h"
#include "image_source.h"

#include <QDir>
#include <QBuffer>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QPromise>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <map>

namespace lightbox::app {

namespace {

// One cache connection per worker thread and folder.
storage::Cache* threadCache(const QString& folder, QString* error)
{
    thread_local std::map<QString, std::unique_ptr<storage::Cache>> caches;
    auto it = caches.find(folder);
    if (it != caches.end()) return it->second.get();
    auto opened = storage::Cache::open(folder.toStdString());
    if (!opened) {
        if (error) *error = QString::fromStdString(opened.error().message);
        return nullptr;
    }
    return caches.emplace(folder, std::move(*opened)).first->second.get();
}

QString statusText(const Status& s) { return s ? QString() : QString::fromStdString(s.error().message); }

}  // namespace

CacheService::CacheService(QString folder, QThreadPool& pool, QObject* parent)
    : QObject(parent), m_folder(std::move(folder)), m_pool(pool), m_writes(std::make_unique<QThreadPool>())
{
    m_writes->setMaxThreadCount(1);
    if (auto keeper = storage::LeaseKeeper::open(m_folder.toStdString())) m_keeper = *keeper;
    else qWarning("cache %s: %s", qPrintable(m_folder), keeper.error().message.c_str());
}

CacheService::~CacheService() { m_writes->waitForDone(); }

template <class T>
QFuture<T> CacheService::onPool(std::function<T(storage::Cache&)> work, QThreadPool* pool)
{
    const QString folder = m_folder;
    return QtConcurrent::run(pool ? pool : &m_pool, [folder, work]() -> T {
        QString error;
        storage::Cache* cache = threadCache(folder, &error);
        if (!cache) {
            qWarning("cache %s: %s", qPrintable(folder), qPrintable(error));
            return T{};
        }
        return work(*cache);
    });
}

QFuture<void> CacheService::runWithCache(std::function<void(storage::Cache*)> work)
{
    const QString folder = m_folder;
    return QtConcurrent::run(&m_pool, [folder, work] {
        QString error;
        work(threadCache(folder, &error));
    });
}

QFuture<std::vector<storage::StudyRow>> CacheService::search(const storage::StudyQuery& query)
{
    return onPool<std::vector<storage::StudyRow>>([query](storage::Cache& c) {
        auto rows = c.index().searchStudies(query);
        return rows ? *rows : std::vector<storage::StudyRow>{};
    });
}

QFuture<std::vector<storage::SeriesRow>> CacheService::series(const QString& studyUid)
{
    const std::string uid = studyUid.toStdString();
    return onPool<std::vector<storage::SeriesRow>>([uid](storage::Cache& c) { return c.index().seriesOf(uid); });
}

QFuture<Result<storage::OpenedStudy>> CacheService::openStudy(const QString& studyUid, const QString& purpose)
{
    const std::string uid = studyUid.toStdString(), why = purpose.toStdString();
    auto keeper = m_keeper;
    const QString folder = m_folder;
    return QtConcurrent::run(&m_pool, [folder, uid, why, keeper]() -> Result<storage::OpenedStudy> {
        QString error;
        storage::Cache* cache = threadCache(folder, &error);
        if (!cache || !keeper) return makeError("cache", "the cache cannot be opened: " + error.toStdString());
        return storage::openStudy(*cache, *keeper, uid, why);
    });
}

QFuture<storage::ImportReport> CacheService::import(const QStringList& paths)
{
    std::vector<std::string> list;
    for (const QString& p : paths) list.push_back(p.toStdString());
    const QString folder = m_folder;
    storage::ImportOptions options;
    QFuture<storage::ImportReport> f = QtConcurrent::run(&m_pool, [folder, list, options](QPromise<storage::ImportReport>& promise) {
        QString error;
        storage::Cache* cache = threadCache(folder, &error);
        storage::ImportReport report;
        if (!cache) {
            report.fatal = error.toStdString();
            promise.addResult(report);
            return;
        }
        std::atomic<bool> cancel{false};
        report = cache->import(list, options, [&](const storage::ImportProgress& p) {
            if (promise.isCanceled()) cancel = true;
            promise.setProgressRange(0, int(p.total));
            promise.setProgressValue(int(p.done));
        }, &cancel);
        promise.addResult(report);
    });
    return f;
}

QFuture<storage::VerifyReport> CacheService::verify()
{
    return onPool<storage::VerifyReport>([](storage::Cache& c) { return c.verify(); });
}

QFuture<QString> CacheService::deleteStudy(const QString& studyUid)
{
    const std::string uid = studyUid.toStdString();
    return onPool<QString>([uid](storage::Cache& c) { return statusText(c.deleteStudy(uid)); });
}

QFuture<std::vector<storage::AnnotationRow>> CacheService::annotations(const QString& studyUid)
{
    const std::string uid = studyUid.toStdString();
    return onPool<std::vector<storage::AnnotationRow>>([uid](storage::Cache& c) {
        auto rows = storage::studyAnnotations(c.database(), uid);
        if (!rows) qWarning("annotations of %s: %s", uid.c_str(), rows.error().message.c_str());
        return rows ? *rows : std::vector<storage::AnnotationRow>{};
    });
}

QFuture<QString> CacheService::saveAnnotation(const storage::AnnotationRow& row)
{
    return onPool<QString>([row](storage::Cache& c) { return statusText(storage::saveAnnotation(c.database(), row)); }, m_writes.get());
}

QFuture<QString> CacheService::deleteAnnotation(const QString& id)
{
    const std::string i = id.toStdString();
    return onPool<QString>([i](storage::Cache& c) { return statusText(storage::deleteAnnotation(c.database(), i)); }, m_writes.get());
}

QFuture<QString> CacheService::setPinned(const QString& studyUid, bool pinned)
{
    const std::string uid = studyUid.toStdString();
    return onPool<QString>([uid, pinned](storage::Cache& c) { return statusText(c.index().setPinned(uid, pinned)); });
}

QFuture<storage::Quota> CacheService::quota()
{
    return onPool<storage::Quota>([](storage::Cache& c) { return c.quota(); });
}

QFuture<QString> CacheService::setQuota(const storage::Quota& quota)
{
    return onPool<QString>([quota](storage::Cache& c) {
        const QString error = statusText(c.setQuota(quota));
        if (error.isEmpty()) c.evict();
        return error;
    });
}

QFuture<storage::CacheStats> CacheService::stats()
{
    return onPool<storage::CacheStats>([](storage::Cache& c) { return c.index().stats(); });
}

QFuture<CacheService::Usage> CacheService::usage()
{
    return onPool<Usage>([](storage::Cache& c) { return Usage{c.quota(), c.index().stats()}; });
}

QFuture<QImage> CacheService::thumbnail(const QString& seriesUid, int size)
{
    const std::string series = seriesUid.toStdString();
    return onPool<QImage>([series, size](storage::Cache& c) {
        // Named by a digest of the UID: nothing from the data becomes a file name.
        // Encrypted like the images in a sealed cache.
        const std::string file = c.store().thumbnailPath(series, size);
        if (auto bytes = c.store().readSmallFile(file)) {
            QImage cached;
            if (cached.loadFromData(reinterpret_cast<const uchar*>(bytes->data()), int(bytes->size()), "PNG")) return cached;
        }
        const auto instances = c.index().instancesOfSeries(series);
        // The middle image that has pixels.
        for (size_t k = 0; k < instances.size(); ++k) {
            const auto& row = instances[(instances.size() / 2 + k) % instances.size()];
            if (!row.rows) continue;
            auto src = ImageSource::open(c.store().finalPath(row.sopInstanceUid));
            if (!src) continue;
            const std::uint32_t frame = src->info().frames / 2;
            auto shown = src->render(frame, DisplayOptions{});
            if (!shown) continue;
            QImage img = toQImage(*shown).scaled(size, size, Qt::KeepAspectRatio, Qt::SmoothTransformation);
            QByteArray png;
            QBuffer buffer(&png);
            buffer.open(QIODevice::WriteOnly);
            if (img.save(&buffer, "PNG")) c.store().writeSmallFile(file, png.constData(), std::size_t(png.size()));
            return img;
        }
        return QImage();
    });
}

}  // namespace lightbox::app
