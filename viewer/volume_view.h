#pragma once
// The 3D view: volume rendering with presets (CT bone, soft tissue, lung, angio, MR default), a 3D
// MIP mode, a crop box, rotate/zoom/pan with the mouse, and coarser rendering while dragging.
#include "volume.h"

#include <QWidget>

#include <array>
#include <memory>

class QComboBox;
class QCheckBox;

namespace lightbox::viewer {

class VolumeScene;
class VtkViewWidget;

class VolumeView : public QWidget {
    Q_OBJECT
public:
    explicit VolumeView(QWidget* parent = nullptr);
    ~VolumeView() override;

    void setVolume(std::shared_ptr<const Volume> volume);
    void dataChanged();  // more slices loaded
    bool setPreset(const QString& name);
    void setMip(bool on);
    void setCropBox(bool on);
    void resetCamera();
    // Crop to a box in voxel indices [x0, x1, y0, y1, z0, z1]; all -1: no cropping.
    void setCrop(const std::array<double, 6>& box);
    // True while the user drags (coarser, faster rendering).
    bool interactive() const;
    QString preset() const;
    VtkViewWidget* view() const { return m_view; }
    QImage grabView();

private:
    VtkViewWidget* m_view = nullptr;
    std::unique_ptr<VolumeScene> m_scene;
    QComboBox* m_presets = nullptr;
    QCheckBox* m_mip = nullptr;
    QCheckBox* m_crop = nullptr;
    std::shared_ptr<const Volume> m_volume;
};

}  // namespace lightbox::viewer
