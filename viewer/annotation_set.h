#pragma once
// The annotations of the study on screen, shared by every viewport that shows it (2D and MPR).
// Changes are signalled so that the owner can save them; 3D regions are computed here, on the
// thread pool, and their masks kept in memory (they are recomputed from the saved seed and range
// when the study is opened again).
#include "annotation.h"
#include "region_grow.h"

#include <QFutureWatcher>
#include <QObject>

#include <map>
#include <memory>
#include <vector>

class QThreadPool;

namespace lightbox::viewer {

struct RegionState {
    std::shared_ptr<const RegionMask> mask;
    VolumeGeometry geometry;  // of the volume the mask indexes
    QString status;           // "computing…", or why it failed; empty when done
    QString unit;
};

class AnnotationSet : public QObject {
    Q_OBJECT
public:
    explicit AnnotationSet(QThreadPool& pool, QObject* parent = nullptr);
    ~AnnotationSet() override;

    const std::vector<Annotation>& all() const { return m_items; }
    const Annotation* find(const QString& id) const;
    void add(Annotation a);
    void update(const Annotation& a);
    void remove(const QString& id);
    // Replaces everything (a study was opened); no added/removed signals.
    void reset(std::vector<Annotation> items);

    QString selected() const { return m_selected; }
    void select(const QString& id);

    // 3D regions of a series, computed against its volume (when the volume is complete).
    void computeRegion(const QString& id, std::shared_ptr<const Volume> volume);
    // Computes every region of the volume's series that has no mask for it yet.
    void computeRegions(std::shared_ptr<const Volume> volume);
    const RegionState* region(const QString& id) const;

signals:
    void added(const QString& id);
    void updated(const QString& id);
    void removed(const QString& id);
    void changed();  // anything shown may have changed

private:
    QThreadPool& m_pool;
    std::vector<Annotation> m_items;
    QString m_selected;
    std::map<QString, RegionState> m_regions;
    std::map<QString, std::shared_ptr<std::atomic<bool>>> m_running;  // cancel flags
};

}  // namespace lightbox::viewer
