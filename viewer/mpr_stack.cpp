#include "mpr_stack.h"

#include "reslice_frame.h"

#include <QCoreApplication>
#include <QFutureWatcher>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

namespace lightbox::viewer {

namespace {

struct Computed {
    std::shared_ptr<const DecodedFrame> frame;
    std::shared_ptr<const ImageInfo> info;
};

}  // namespace

MprStack::MprStack(std::shared_ptr<const Volume> volume, const SliceAxes& axes, std::shared_ptr<const InstanceSummary> summary, QThreadPool& pool,
                   QObject* parent)
    : ImageStack(parent), m_volume(std::move(volume)), m_summary(std::move(summary)), m_pool(pool)
{
    m_stack = sliceStack(m_volume->geometry(), axes);
}

QString MprStack::title() const { return QString::fromStdString(m_summary ? m_summary->seriesDescription : std::string()); }

QStringList MprStack::notices() const
{
    QStringList out;
    for (const std::string& w : m_volume->warnings) {
        if (w == "gantry-tilt") out << tr("gantry tilt corrected");
        else if (w == "gap") out << tr("GAP in the series: no data there");
        else if (w == "uneven-spacing") out << tr("uneven spacing resampled");
        else if (w == "duplicate-position") out << tr("duplicate positions left out");
    }
    if (m_slabMm > 0) {
        const char* mode = m_slabMode == SlabMode::Max ? "MIP" : m_slabMode == SlabMode::Min ? "MinIP" : "AvgIP";
        out << QStringLiteral("%1 %2 mm").arg(mode).arg(m_slabMm, 0, 'f', 1);
    }
    if (!m_volume->complete()) out << tr("loading %1/%2").arg(m_volume->readyCount()).arg(m_volume->geometry().size[2]);
    return out;
}

const StackEntry& MprStack::entry(int i) const
{
    auto it = m_entries.find(i);
    if (it != m_entries.end()) return it->second;
    // The description of the plane (the pixels come with the reslice).
    static const std::vector<float> none;
    const ReslicePlane p = m_stack.plane(i);
    ResliceFrame rf = makeResliceFrame(*m_volume, p, none, m_slabMm);
    StackEntry e;
    e.info = std::make_shared<const ImageInfo>(std::move(rf.info));
    e.summary = m_summary;
    if (m_entries.size() > 64) m_entries.clear();
    return m_entries.emplace(i, std::move(e)).first->second;
}

std::shared_ptr<const DecodedFrame> MprStack::cached(int i)
{
    auto it = m_cache.find(i);
    if (it == m_cache.end()) return nullptr;
    m_lru.remove(i);
    m_lru.push_front(i);
    return it.value();
}

void MprStack::request(int i, int radius)
{
    for (int d = 0; d <= std::min(radius, 1); ++d) {
        for (int k : {i + d, i - d}) {
            if (k < 0 || k >= size() || m_cache.contains(k) || m_pending.value(k, -1) == m_generation) continue;
            m_pending.insert(k, m_generation);
            const ReslicePlane plane = m_stack.plane(k);
            std::shared_ptr<const Volume> vol = m_volume;
            ResliceOptions o;
            o.slabMm = m_slabMm;
            o.mode = m_slabMode;
            o.threads = 1;  // the pool provides the parallelism
            const double slab = m_slabMm;
            auto* watcher = new QFutureWatcher<Computed>(this);
            const int generation = m_generation;
            connect(watcher, &QFutureWatcher<Computed>::finished, this, [this, watcher, k, generation] {
                watcher->deleteLater();
                if (generation != m_generation) return;  // the planes changed meanwhile
                m_pending.remove(k);
                const Computed c = watcher->result();
                m_cache.insert(k, c.frame);
                m_entries[k] = StackEntry{QString(), 0, c.info, m_summary};
                m_lru.push_front(k);
                while (m_lru.size() > 24) {
                    m_cache.remove(m_lru.back());
                    m_lru.pop_back();
                }
                emit frameReady(k);
            });
            watcher->setFuture(QtConcurrent::run(&m_pool, [vol, plane, o, slab] {
                const float outside = vol->type() == VoxelType::Float32 ? 0.f
                                                                        : float(vol->intercept + vol->slope * (vol->type() == VoxelType::Int16 ? -32768.0 : 0.0));
                auto values = reslice(*vol, plane, o, outside);
                ResliceFrame rf = makeResliceFrame(*vol, plane, values, slab);
                return Computed{std::make_shared<const DecodedFrame>(std::move(rf.frame)), std::make_shared<const ImageInfo>(std::move(rf.info))};
            }));
        }
    }
}

void MprStack::invalidate()
{
    ++m_generation;
    m_cache.clear();
    m_lru.clear();
    m_pending.clear();
    m_entries.clear();
}

void MprStack::setAxes(const SliceAxes& axes)
{
    m_stack = sliceStack(m_volume->geometry(), axes);
    invalidate();
    emit contentChanged();
}

void MprStack::setSlab(double mm, SlabMode mode)
{
    m_slabMm = std::max(0.0, mm);
    m_slabMode = mode;
    invalidate();
    emit contentChanged();
}

void MprStack::refresh()
{
    invalidate();
    emit contentChanged();
}

}  // namespace lightbox::viewer
