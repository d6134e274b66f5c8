#pragma once
// Multiplanar reading: axial, coronal and sagittal reformats linked by a 3D cursor (click or drag
// in one plane moves the others; Shift+drag rotates the other two planes about this one's normal
// for oblique reformats), reference lines, a shared window, thick slabs (MIP, MinIP, average),
// and the 3D view. The volume may still be loading: planes fill in as slices arrive.
#include "image_viewport.h"
#include "instance_summary.h"
#include "reslice.h"
#include "volume.h"

#include <QWidget>

#include <array>
#include <memory>

class QThreadPool;

namespace lightbox::viewer {

class MprStack;
class VolumeView;

class MprView : public QWidget {
    Q_OBJECT
public:
    enum Plane { Axial = 0, Coronal = 1, Sagittal = 2 };

    explicit MprView(QThreadPool& pool, QWidget* parent = nullptr);
    ~MprView() override;

    void setVolume(std::shared_ptr<const Volume> volume, std::shared_ptr<const InstanceSummary> summary);
    std::shared_ptr<const Volume> volume() const { return m_volume; }
    // Called while the volume loads: planes and 3D view pick up the new slices.
    void volumeProgress();

    ImageViewport* viewport(Plane p) const { return m_viewports[size_t(p)]; }
    VolumeView* volumeView() const { return m_volumeView; }
    MprStack* stack(Plane p) const { return m_stacks[size_t(p)].get(); }

    Vec3 cursor() const { return m_cursor; }
    void setCursor(const Vec3& patient);
    // Rotates the two other planes about the normal of `about` (degrees), through the cursor.
    void rotatePlanes(Plane about, double degrees);
    void resetPlanes();
    void setSlab(double mm, SlabMode mode);
    // Measurement tools take over the left button when set; else it moves the cursor.
    void setCursorTool(bool on);

signals:
    void cursorChanged(const Vec3& patient);

private:
    void onPointer(Plane p, PointerPhase phase, QPointF imagePixel, Qt::KeyboardModifiers mods);
    void onIndexChanged(Plane p, int index);
    void syncIndices();
    void updateLines();

    QThreadPool& m_pool;
    std::shared_ptr<const Volume> m_volume;
    std::array<ImageViewport*, 3> m_viewports{};
    std::array<std::unique_ptr<MprStack>, 3> m_stacks;
    VolumeView* m_volumeView = nullptr;
    Vec3 m_cursor{0, 0, 0};
    bool m_syncing = false;
    QPointF m_rotateFrom;
    bool m_rotating = false;
    bool m_cursorTool = true;
};

}  // namespace lightbox::viewer
