#pragma once
// The images a viewport scrolls through (files × frames), decoded on a thread pool owned by the
// app and kept in a bounded most-recently-used cache. Lives on the GUI thread.
#include "dicom_file_pool.h"
#include "image_stack.h"

#include <QHash>

#include <atomic>
#include <list>
#include <memory>
#include <vector>

class QThreadPool;

namespace lightbox::viewer {

class FrameStack : public ImageStack {
    Q_OBJECT
public:
    FrameStack(std::vector<StackEntry> entries, QThreadPool& pool, QObject* parent = nullptr);
    ~FrameStack() override;

    int size() const override { return int(m_entries.size()); }
    const StackEntry& entry(int i) const override { return m_entries[size_t(i)]; }
    QString title() const override;
    const std::vector<StackEntry>& entries() const { return m_entries; }

    std::shared_ptr<const DecodedFrame> cached(int i) override;
    void request(int i, int prefetchRadius = 2) override;
    QString failure(int i) const override { return m_failures.value(i); }

    void setCacheLimit(std::size_t bytes) { m_cacheLimit = bytes; }
    std::size_t cachedBytes() const { return m_cachedBytes; }

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
