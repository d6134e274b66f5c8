#pragma once
// Reformats of a volume as an ImageStack: the parallel planes of one orientation (axial,
// coronal, sagittal, or any oblique axes), each computed on the thread pool, optionally as a
// thick slab (MIP, MinIP, average).
#include "image_stack.h"
#include "reslice.h"

#include <QHash>

#include <list>
#include <map>

class QThreadPool;

namespace lightbox::viewer {

class MprStack : public ImageStack {
    Q_OBJECT
public:
    MprStack(std::shared_ptr<const Volume> volume, const SliceAxes& axes, std::shared_ptr<const InstanceSummary> summary, QThreadPool& pool,
             QObject* parent = nullptr);

    int size() const override { return m_stack.count; }
    const StackEntry& entry(int i) const override;
    QString title() const override;
    std::shared_ptr<const DecodedFrame> cached(int i) override;
    void request(int i, int prefetchRadius = 2) override;
    QString failure(int) const override { return {}; }
    QStringList notices() const override;

    const SliceStack& slices() const { return m_stack; }
    const SliceAxes& axes() const { return m_stack.axes; }
    ReslicePlane plane(int i) const { return m_stack.plane(i); }
    std::shared_ptr<const Volume> volume() const { return m_volume; }

    // New axes (oblique planes): the stack is rebuilt; the caller picks the index.
    void setAxes(const SliceAxes& axes);
    void setSlab(double mm, SlabMode mode);
    double slabMm() const { return m_slabMm; }
    SlabMode slabMode() const { return m_slabMode; }
    // The volume received more slices: recompute what is shown.
    void refresh();

private:
    void invalidate();
    std::shared_ptr<const Volume> m_volume;
    std::shared_ptr<const InstanceSummary> m_summary;
    QThreadPool& m_pool;
    SliceStack m_stack;
    double m_slabMm = 0;
    SlabMode m_slabMode = SlabMode::Max;
    int m_generation = 0;
    mutable std::map<int, StackEntry> m_entries;
    QHash<int, std::shared_ptr<const DecodedFrame>> m_cache;
    std::list<int> m_lru;
    QHash<int, int> m_pending;  // index -> generation being computed
};

}  // namespace lightbox::viewer
