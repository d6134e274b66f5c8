#include "frame_stack.h"

#include "frame_decoder.h"
#include "dicom_file.h"

#include <QFileInfo>
#include <QFutureWatcher>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cstdlib>

namespace lightbox::viewer {

FrameStack::FrameStack(std::vector<StackEntry> entries, QThreadPool& pool, QObject* parent)
    : ImageStack(parent), m_entries(std::move(entries)), m_pool(pool), m_focus(std::make_shared<std::atomic<int>>(0))
{
}

FrameStack::~FrameStack() = default;

QString FrameStack::title() const
{
    if (m_entries.empty()) return {};
    const auto& s = *m_entries.front().summary;
    QString t = QString::fromStdString(s.seriesDescription);
    if (t.isEmpty()) t = QFileInfo(m_entries.front().path).fileName();
    return t;
}

std::shared_ptr<const DecodedFrame> FrameStack::cached(int i)
{
    auto it = m_cache.find(i);
    if (it == m_cache.end()) return nullptr;
    m_lru.remove(i);
    m_lru.push_front(i);
    return it.value();
}

void FrameStack::request(int i, int radius)
{
    if (i < 0 || i >= size()) return;
    m_focus->store(i);
    startDecode(i);
    for (int d = 1; d <= radius; ++d) {
        startDecode(i + d);
        startDecode(i - d);
    }
}

namespace {

struct DecodeResult {
    std::shared_ptr<const DecodedFrame> frame;
    QString error;
    bool skipped = false;
};

}  // namespace

void FrameStack::startDecode(int i)
{
    if (i < 0 || i >= size() || m_cache.contains(i) || m_pending.contains(i) || m_failures.contains(i)) return;
    m_pending.insert(i, true);
    const StackEntry entry = m_entries[size_t(i)];
    std::shared_ptr<std::atomic<int>> focus = m_focus;
    std::shared_ptr<DicomFilePool> files = m_files;
    QFuture<DecodeResult> future = QtConcurrent::run(&m_pool, [i, entry, focus, files] {
        DecodeResult r;
        if (std::abs(focus->load() - i) > 16) {  // the user has scrolled away
            r.skipped = true;
            return r;
        }
        auto file = files->acquire(entry.path.toStdString());
        if (!file) {
            r.error = QString::fromStdString(file.error().message);
            return r;
        }
        auto decoded = decodeFrame(**file, *entry.info, entry.frame);
        if (decoded) r.frame = std::make_shared<const DecodedFrame>(std::move(*decoded));
        else r.error = QString::fromStdString(decoded.error().message);
        files->release(std::move(*file));
        return r;
    });
    // The watcher is a child of this stack: results for a destroyed stack are dropped.
    auto* watcher = new QFutureWatcher<DecodeResult>(this);
    connect(watcher, &QFutureWatcher<DecodeResult>::finished, this, [this, watcher, i] {
        const DecodeResult r = watcher->result();
        watcher->deleteLater();
        m_pending.remove(i);
        if (r.skipped) return;
        if (r.frame) {
            store(i, r.frame);
            emit frameReady(i);
        } else {
            m_failures.insert(i, r.error);
            emit frameFailed(i, r.error);
        }
    });
    watcher->setFuture(future);
}

void FrameStack::store(int i, std::shared_ptr<const DecodedFrame> frame)
{
    m_cachedBytes += frame->data.size();
    m_cache.insert(i, std::move(frame));
    m_lru.push_front(i);
    const int focus = m_focus->load();
    while (m_cachedBytes > m_cacheLimit && m_lru.size() > 1) {
        // Evict the least recently used frame, but never the one on screen.
        int victim = m_lru.back();
        if (victim == focus) {
            m_lru.pop_back();
            m_lru.push_front(victim);
            victim = m_lru.back();
        }
        m_lru.pop_back();
        m_cachedBytes -= m_cache.value(victim)->data.size();
        m_cache.remove(victim);
    }
}

}  // namespace lightbox::viewer
