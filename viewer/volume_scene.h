#pragma once
// The 3D view's scene: a volume rendered by ray casting (composite with presets, or maximum
// intensity), an optional crop box, a camera facing the patient. VTK headers stay in the .cpp.
#include "volume.h"

#include <QString>
#include <QStringList>

#include <array>
#include <memory>

class vtkRenderer;
class vtkRenderWindowInteractor;

namespace lightbox::viewer {

class VolumeScene {
public:
    explicit VolumeScene(vtkRenderer* renderer);
    ~VolumeScene();
    VolumeScene(const VolumeScene&) = delete;
    VolumeScene& operator=(const VolumeScene&) = delete;

    static QStringList presetNames();  // "CT bone", "CT soft tissue", "CT lung", "CT angio", "MR default"
    static QString defaultPreset(const Volume& volume);

    // The volume must outlive the scene's use of it (its memory is shared, not copied).
    void setVolume(std::shared_ptr<const Volume> volume);
    bool setPreset(const QString& name);
    QString preset() const;
    void setMip(bool on);  // maximum intensity projection instead of compositing
    bool mip() const;
    // Crop to a box in voxel indices [x0, x1, y0, y1, z0, z1] (whole volume when all are -1).
    void setCrop(const std::array<double, 6>& box);
    void setCropBoxVisible(vtkRenderWindowInteractor* interactor, bool on);
    // Anterior view, head up, the whole volume in sight.
    void resetCamera();
    // Called when the volume's data changed (progressive loading).
    void dataChanged();
    // Faster, coarser rendering while the user drags; full quality at rest.
    void setInteractive(bool interacting);
    bool interactive() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

}  // namespace lightbox::viewer
