#pragma once
// The images a viewport scrolls through (files × frames), decoded on a thread pool owned by the
// app and kept in a bounded most-recently-used cache. Lives on the GUI thread.
#include "decoded_frame.h"
#include "dicom_file_pool.h"
#include "image_info.h"
#include "instance_summary.h"

#include <QHash>
#include <QObject>
#include <QString>

#include <atomic>
#include <list>
#include <memory>
#include <vector>

class QThreadPool;

namespace lightbox::viewer {

struct StackEntry {
    QString path;
    std::uint32_t frame = 0;  // 0-based frame within the file
    std::shared_ptr<const ImageInfo> info;
    std::shared_ptr<const InstanceSummary> summary;
};

class FrameStack : public QObject {
    Q_OBJECT
public:
    FrameStack(std::vector<StackEntry> entries, QThreadPool& pool, QObject* parent = nullptr);
    ~FrameStack() override;

    int size() const { return int(m_entries.size()); }
    const StackEntry& entry(int i) const { return m_entries[size_t(i)]; }
    QString title() const;

    // The decoded frame if it is in the cache (and marks it recently used), else null.
    std::shared_ptr<const DecodedFrame> cached(int i);
    // Starts decoding i (and a few neighbours) if needed; frameReady/frameFailed follow.
    void request(int i, int prefetchRadius = 2);
    QString failure(int i) const { return m_failures.value(i); }

    void setCacheLimit(std::size_t bytes) { m_cacheLimit = bytes; }
    std::size_t cachedBytes() const { return m_cachedBytes; }

signals:
    void frameReady(int index);
    void frameFailed(int index, const QString& reason);

private:
    void startDecode(int i);
    void store(int i, std::shared_ptr<const DecodedFrame> frame);

    std::vector<StackEntry> m_entries;
    QThreadPool& m_pool;
    QHash<int, std::shared_ptr<const DecodedFrame>> m_cache;
    std::list<int> m_lru;  // front: most recent
    QHash<int, QString> m_failures;
    QHash<int, bool> m_pending;
    std::size_t m_cachedBytes = 0;
    std::size_t m_cacheLimit = std::size_t(768) << 20;
    std::shared_ptr<std::atomic<int>> m_focus;  // the index the user looks at, read by workers
    std::shared_ptr<DicomFilePool> m_files = std::make_shared<DicomFilePool>();
};

}  // namespace lightbox::viewer
