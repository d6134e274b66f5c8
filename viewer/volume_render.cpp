#include "volume_render.h"

#include "volume_scene.h"

#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkUnsignedCharArray.h>
#include <vtkWindowToImageFilter.h>

#include <cstdlib>
#include <cstring>

namespace lightbox::viewer {

QImage renderVolumeImage(const Volume& volume, const QString& preset, QSize size, QString* error)
{
    if (!std::getenv("DISPLAY")) {
        if (error) *error = "volume rendering needs an X server (run under xvfb-run, or set DISPLAY)";
        return {};
    }
    vtkNew<vtkRenderWindow> window;
    window->SetOffScreenRendering(1);
    window->SetSize(size.width(), size.height());
    window->SetMultiSamples(0);
    vtkNew<vtkRenderer> renderer;
    window->AddRenderer(renderer);
    VolumeScene scene(renderer);
    // The scene shares the volume's memory; this call keeps it alive by the caller's reference.
    scene.setVolume(std::shared_ptr<const Volume>(&volume, [](const Volume*) {}));
    if (preset.compare("mip", Qt::CaseInsensitive) == 0) scene.setMip(true);
    else if (!preset.isEmpty() && !scene.setPreset(preset)) {
        if (error) *error = "unknown preset '" + preset + "' (" + VolumeScene::presetNames().join(", ") + ", mip)";
        return {};
    }
    scene.resetCamera();
    scene.setInteractive(false);
    window->Render();
    vtkNew<vtkWindowToImageFilter> grab;
    grab->SetInput(window);
    grab->SetInputBufferTypeToRGB();
    grab->ReadFrontBufferOff();
    grab->Update();
    vtkImageData* img = grab->GetOutput();
    int dims[3];
    img->GetDimensions(dims);
    QImage out(dims[0], dims[1], QImage::Format_RGB888);
    const auto* src = static_cast<const unsigned char*>(img->GetScalarPointer());
    for (int y = 0; y < dims[1]; ++y)  // VTK rows go bottom-up
        std::memcpy(out.scanLine(dims[1] - 1 - y), src + std::size_t(y) * dims[0] * 3, std::size_t(dims[0]) * 3);
    return out;
}

}  // namespace lightbox::viewer
