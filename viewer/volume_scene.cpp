#include "volume_scene.h"

#include <vtkBoxRepresentation.h>
#include <vtkBoxWidget2.h>
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkColorTransferFunction.h>
#include <vtkFloatArray.h>
#include <vtkGPUVolumeRayCastMapper.h>
#include <vtkImageData.h>
#include <vtkMatrix4x4.h>
#include <vtkNew.h>
#include <vtkPiecewiseFunction.h>
#include <vtkPointData.h>
#include <vtkRenderWindowInteractor.h>
#include <vtkRenderer.h>
#include <vtkShortArray.h>
#include <vtkTransform.h>
#include <vtkUnsignedCharArray.h>
#include <vtkUnsignedShortArray.h>
#include <vtkVolume.h>
#include <vtkVolumeProperty.h>

#include <algorithm>
#include <cmath>

namespace lightbox::viewer {

namespace {

struct Point {
    double value;  // modality units (HU for CT)
    double r, g, b, a;
};

const std::vector<std::pair<QString, std::vector<Point>>>& presets()
{
    static const std::vector<std::pair<QString, std::vector<Point>>> p = {
        {"CT bone", {{-1000, 0, 0, 0, 0}, {150, 0.55, 0.25, 0.15, 0}, {250, 0.88, 0.6, 0.29, 0.12}, {600, 1, 0.94, 0.8, 0.6}, {3000, 1, 1, 1, 0.9}}},
        {"CT soft tissue", {{-1000, 0, 0, 0, 0}, {-200, 0.55, 0.25, 0.15, 0}, {-50, 0.8, 0.55, 0.4, 0.05}, {40, 0.85, 0.45, 0.35, 0.25}, {200, 0.95, 0.8, 0.7, 0.5}, {1000, 1, 1, 0.95, 0.85}}},
        {"CT lung", {{-1000, 0, 0, 0, 0}, {-950, 0.3, 0.4, 0.6, 0}, {-800, 0.6, 0.7, 0.9, 0.05}, {-500, 0.9, 0.85, 0.8, 0.12}, {-300, 0.9, 0.6, 0.5, 0}, {3000, 1, 1, 1, 0}}},
        {"CT angio", {{-1000, 0, 0, 0, 0}, {100, 0.6, 0.1, 0.1, 0}, {180, 0.85, 0.2, 0.15, 0.2}, {300, 1, 0.6, 0.4, 0.6}, {800, 1, 1, 0.9, 0.85}}},
    };
    return p;
}

}  // namespace

struct VolumeScene::Impl {
    vtkRenderer* renderer = nullptr;
    std::shared_ptr<const Volume> volume;
    vtkNew<vtkImageData> image;
    vtkNew<vtkGPUVolumeRayCastMapper> mapper;
    vtkNew<vtkVolumeProperty> property;
    vtkNew<vtkColorTransferFunction> color;
    vtkNew<vtkPiecewiseFunction> opacity;
    vtkNew<vtkVolume> prop;
    vtkNew<vtkBoxWidget2> box;
    bool interacting = false;
    vtkNew<vtkBoxRepresentation> boxRep;
    vtkNew<vtkCallbackCommand> boxMoved;
    QString preset;
    bool mip = false;

    double toStored(double value) const { return volume ? (value - volume->intercept) / volume->slope : value; }

    void applyPreset()
    {
        color->RemoveAllPoints();
        opacity->RemoveAllPoints();
        if (!volume) return;
        if (mip) {
            // Grey ramp over the data window: the brightest voxel along each ray.
            const auto& w = volume->display.windows;
            double lo = 0, hi = 1000;
            if (!w.empty()) {
                lo = w.front().center - w.front().width / 2;
                hi = w.front().center + w.front().width / 2;
            } else {
                lo = rangeLow;
                hi = rangeHigh;
            }
            color->AddRGBPoint(toStored(lo), 0, 0, 0);
            color->AddRGBPoint(toStored(hi), 1, 1, 1);
            opacity->AddPoint(toStored(lo), 1.0);
            opacity->AddPoint(toStored(hi), 1.0);
            return;
        }
        for (const auto& [name, points] : presets()) {
            if (name != preset) continue;
            for (const Point& p : points) {
                color->AddRGBPoint(toStored(p.value), p.r, p.g, p.b);
                opacity->AddPoint(toStored(p.value), p.a);
            }
            return;
        }
        // MR default (and anything else): opacity over the upper part of the value range.
        const double lo = rangeLow + 0.1 * (rangeHigh - rangeLow), hi = rangeHigh;
        color->AddRGBPoint(toStored(rangeLow), 0, 0, 0);
        color->AddRGBPoint(toStored(lo), 0.45, 0.3, 0.25);
        color->AddRGBPoint(toStored(hi), 1, 0.95, 0.9);
        opacity->AddPoint(toStored(rangeLow), 0);
        opacity->AddPoint(toStored(lo), 0);
        opacity->AddPoint(toStored(lo + 0.4 * (hi - lo)), 0.3);
        opacity->AddPoint(toStored(hi), 0.8);
    }
    double rangeLow = 0, rangeHigh = 1;
};

VolumeScene::VolumeScene(vtkRenderer* renderer) : d(std::make_unique<Impl>())
{
    d->renderer = renderer;
    d->property->SetColor(d->color);
    d->property->SetScalarOpacity(d->opacity);
    d->property->SetInterpolationTypeToLinear();
    d->property->ShadeOn();
    d->property->SetAmbient(0.3);
    d->property->SetDiffuse(0.7);
    d->property->SetSpecular(0.2);
    d->mapper->SetInputData(d->image);
    d->mapper->AutoAdjustSampleDistancesOn();
    d->prop->SetMapper(d->mapper);
    d->prop->SetProperty(d->property);
    d->renderer->SetBackground(0.05, 0.05, 0.08);
    d->box->SetRepresentation(d->boxRep);
    d->boxRep->SetPlaceFactor(1.0);
    d->boxRep->HandlesOn();
    d->boxRep->OutlineFaceWiresOff();
    d->boxMoved->SetClientData(this);
    d->boxMoved->SetCallback([](vtkObject*, unsigned long, void* self, void*) {
        auto* s = static_cast<VolumeScene*>(self);
        if (!s->d->volume) return;
        // The box lives in patient space; cropping works in the volume's own coordinates.
        double* b = s->d->boxRep->GetBounds();
        vtkNew<vtkMatrix4x4> inverse;
        vtkMatrix4x4::Invert(s->d->prop->GetUserMatrix(), inverse);
        double lo[3] = {1e300, 1e300, 1e300}, hi[3] = {-1e300, -1e300, -1e300};
        for (int c = 0; c < 8; ++c) {
            double p[4] = {b[c & 1 ? 1 : 0], b[c & 2 ? 3 : 2], b[c & 4 ? 5 : 4], 1};
            double q[4];
            inverse->MultiplyPoint(p, q);
            for (int a = 0; a < 3; ++a) {
                lo[a] = std::min(lo[a], q[a]);
                hi[a] = std::max(hi[a], q[a]);
            }
        }
        s->d->mapper->SetCropping(1);
        s->d->mapper->SetCroppingRegionPlanes(lo[0], hi[0], lo[1], hi[1], lo[2], hi[2]);
        s->d->mapper->SetCroppingRegionFlagsToSubVolume();
    });
    d->box->AddObserver(vtkCommand::InteractionEvent, d->boxMoved);
}

VolumeScene::~VolumeScene()
{
    d->box->Off();
    d->renderer->RemoveVolume(d->prop);
}

QStringList VolumeScene::presetNames() { return {"CT bone", "CT soft tissue", "CT lung", "CT angio", "MR default"}; }

QString VolumeScene::defaultPreset(const Volume& v) { return v.display.modalityName == "CT" ? "CT bone" : "MR default"; }

void VolumeScene::setVolume(std::shared_ptr<const Volume> volume)
{
    d->volume = std::move(volume);
    d->renderer->RemoveVolume(d->prop);
    if (!d->volume) return;
    const Volume& v = *d->volume;
    const VolumeGeometry& g = v.geometry();
    d->image->SetDimensions(g.size[0], g.size[1], g.size[2]);
    d->image->SetSpacing(g.spacing[0], g.spacing[1], g.spacing[2]);
    d->image->SetOrigin(0, 0, 0);
    const vtkIdType n = vtkIdType(g.voxelCount());
    void* data = const_cast<void*>(v.data());  // VTK reads only; the volume owns the memory
    switch (v.type()) {
    case VoxelType::UInt8: { vtkNew<vtkUnsignedCharArray> a; a->SetArray(static_cast<unsigned char*>(data), n, 1); d->image->GetPointData()->SetScalars(a); break; }
    case VoxelType::Int16: { vtkNew<vtkShortArray> a; a->SetArray(static_cast<short*>(data), n, 1); d->image->GetPointData()->SetScalars(a); break; }
    case VoxelType::UInt16: { vtkNew<vtkUnsignedShortArray> a; a->SetArray(static_cast<unsigned short*>(data), n, 1); d->image->GetPointData()->SetScalars(a); break; }
    case VoxelType::Float32: { vtkNew<vtkFloatArray> a; a->SetArray(static_cast<float*>(data), n, 1); d->image->GetPointData()->SetScalars(a); break; }
    }
    // Index space (times spacing) to patient space.
    vtkNew<vtkMatrix4x4> m;
    for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 3; ++c) m->SetElement(r, c, g.direction[size_t(r * 3 + c)]);
        m->SetElement(r, 3, g.origin[size_t(r)]);
    }
    d->prop->SetUserMatrix(m);
    double range[2];
    d->image->GetScalarRange(range);
    d->rangeLow = range[0] * v.slope + v.intercept;
    d->rangeHigh = range[1] * v.slope + v.intercept;
    if (d->preset.isEmpty()) d->preset = defaultPreset(v);
    d->applyPreset();
    d->mapper->SetCropping(0);
    d->renderer->AddVolume(d->prop);
    resetCamera();
}

bool VolumeScene::setPreset(const QString& name)
{
    if (!presetNames().contains(name)) return false;
    d->preset = name;
    d->applyPreset();
    return true;
}

QString VolumeScene::preset() const { return d->preset; }

void VolumeScene::setMip(bool on)
{
    d->mip = on;
    if (on) d->mapper->SetBlendModeToMaximumIntensity();
    else d->mapper->SetBlendModeToComposite();
    d->property->SetShade(on ? 0 : 1);
    d->applyPreset();
}

bool VolumeScene::mip() const { return d->mip; }

void VolumeScene::setCrop(const std::array<double, 6>& box)
{
    if (!d->volume || box[0] < 0) {
        d->mapper->SetCropping(0);
        return;
    }
    const auto& sp = d->volume->geometry().spacing;
    d->mapper->SetCropping(1);
    d->mapper->SetCroppingRegionPlanes(box[0] * sp[0], box[1] * sp[0], box[2] * sp[1], box[3] * sp[1], box[4] * sp[2], box[5] * sp[2]);
    d->mapper->SetCroppingRegionFlagsToSubVolume();
}

void VolumeScene::setCropBoxVisible(vtkRenderWindowInteractor* interactor, bool on)
{
    if (on && d->volume) {
        d->box->SetInteractor(interactor);
        double b[6];
        d->prop->GetBounds(b);
        d->boxRep->PlaceWidget(b);
        d->box->On();
    } else {
        d->box->Off();
    }
}

void VolumeScene::resetCamera()
{
    vtkCamera* cam = d->renderer->GetActiveCamera();
    double b[6];
    d->prop->GetBounds(b);
    const double c[3] = {(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2};
    const double size = std::max({b[1] - b[0], b[3] - b[2], b[5] - b[4]});
    // From the front of the patient (anterior is -y in patient coordinates), head up (+z).
    cam->SetFocalPoint(c);
    cam->SetPosition(c[0], c[1] - 3 * size, c[2]);
    cam->SetViewUp(0, 0, 1);
    cam->ParallelProjectionOn();
    cam->SetParallelScale(size * 0.55);
    d->renderer->ResetCameraClippingRange();
}

void VolumeScene::dataChanged()
{
    d->image->Modified();
    d->image->GetPointData()->GetScalars()->Modified();
}

void VolumeScene::setInteractive(bool interacting)
{
    // The mapper picks its sample distance from the time it may take per frame.
    d->mapper->SetAutoAdjustSampleDistances(1);
    d->prop->SetAllocatedRenderTime(interacting ? 0.08 : 10.0, d->renderer);
    d->interacting = interacting;
}

bool VolumeScene::interactive() const { return d->interacting; }

}  // namespace lightbox::viewer
