#include "image_scene.h"

#include <vtkCamera.h>
#include <vtkImageActor.h>
#include <vtkImageData.h>
#include <vtkImageMapper3D.h>
#include <vtkImageProperty.h>
#include <vtkMatrix4x4.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>
#include <cstring>

namespace lightbox::viewer {

QPointF SceneGeometry::center() const
{
    return {(columns - 1) * spacingX / 2.0, (rows - 1) * spacingY / 2.0};
}

QPointF SceneGeometry::imageToWorld(QPointF p) const
{
    const QPointF c = center();
    const double x = p.x() * spacingX - c.x(), y = p.y() * spacingY - c.y();
    return {c.x() + transform[0] * x + transform[1] * y, c.y() + transform[2] * x + transform[3] * y};
}

QPointF SceneGeometry::worldToImage(QPointF w) const
{
    const QPointF c = center();
    const double x = w.x() - c.x(), y = w.y() - c.y();
    // The transform is orthogonal: its inverse is its transpose.
    const double ux = transform[0] * x + transform[2] * y, uy = transform[1] * x + transform[3] * y;
    return {(c.x() + ux) / spacingX, (c.y() + uy) / spacingY};
}

QPointF SceneGeometry::worldToScreen(QPointF w) const
{
    return {(w.x() - focal.x()) / mmPerScreenPixel + viewport.width() / 2.0,
            (w.y() - focal.y()) / mmPerScreenPixel + viewport.height() / 2.0};
}

QPointF SceneGeometry::screenToWorld(QPointF s) const
{
    return {focal.x() + (s.x() - viewport.width() / 2.0) * mmPerScreenPixel,
            focal.y() + (s.y() - viewport.height() / 2.0) * mmPerScreenPixel};
}

QSizeF SceneGeometry::displayedExtent() const
{
    const double w = columns * spacingX, h = rows * spacingY;
    return transform[0] != 0 ? QSizeF(w, h) : QSizeF(h, w);
}

struct ImageScene::Impl {
    vtkRenderWindow* window = nullptr;
    vtkNew<vtkRenderer> renderer;
    vtkNew<vtkRenderer> loupe;
    vtkNew<vtkImageData> data;
    vtkNew<vtkImageActor> actor;
    SceneGeometry geometry;
    bool hasImage = false;
    bool loupeOn = false;
    QPointF loupeCenter;
    int loupeSize = 0;
    double loupeFactor = 2.0;

    void applyCamera(vtkRenderer* r, QPointF focal, double mmPerPixel, double viewportHeightPx)
    {
        vtkCamera* cam = r->GetActiveCamera();
        cam->ParallelProjectionOn();
        // Looking along +z with y down on screen: x right, y down, like image rows and columns.
        cam->SetFocalPoint(focal.x(), focal.y(), 0.0);
        cam->SetPosition(focal.x(), focal.y(), -1000.0);
        cam->SetViewUp(0.0, -1.0, 0.0);
        cam->SetParallelScale(viewportHeightPx * mmPerPixel / 2.0);
        cam->SetClippingRange(1.0, 2000.0);
    }

    void update()
    {
        const SceneGeometry& g = geometry;
        // Actor transform: rotate/flip about the image centre.
        vtkNew<vtkMatrix4x4> m;
        const QPointF c = g.center();
        m->SetElement(0, 0, g.transform[0]);
        m->SetElement(0, 1, g.transform[1]);
        m->SetElement(1, 0, g.transform[2]);
        m->SetElement(1, 1, g.transform[3]);
        m->SetElement(0, 3, c.x() - (g.transform[0] * c.x() + g.transform[1] * c.y()));
        m->SetElement(1, 3, c.y() - (g.transform[2] * c.x() + g.transform[3] * c.y()));
        actor->SetUserMatrix(m);
        if (g.viewport.height() > 0) applyCamera(renderer, g.focal, g.mmPerScreenPixel, g.viewport.height());

        if (loupeOn && loupeSize > 0 && g.viewport.width() > 0 && g.viewport.height() > 0) {
            const double w = g.viewport.width(), h = g.viewport.height();
            const double x0 = std::clamp(loupeCenter.x() - loupeSize / 2.0, 0.0, w - 1), y0 = std::clamp(loupeCenter.y() - loupeSize / 2.0, 0.0, h - 1);
            const double x1 = std::clamp(x0 + loupeSize, 1.0, w), y1 = std::clamp(y0 + loupeSize, 1.0, h);
            // VTK viewports are normalised with y up.
            loupe->SetViewport(x0 / w, 1.0 - y1 / h, x1 / w, 1.0 - y0 / h);
            const QPointF focus = g.screenToWorld(loupeCenter);
            applyCamera(loupe, focus, g.mmPerScreenPixel / loupeFactor, y1 - y0);
            if (!window->HasRenderer(loupe)) window->AddRenderer(loupe);
        } else if (window->HasRenderer(loupe)) {
            window->RemoveRenderer(loupe);
        }
    }
};

ImageScene::ImageScene(vtkRenderWindow* window) : d(std::make_unique<Impl>())
{
    d->window = window;
    d->renderer->SetBackground(0, 0, 0);
    d->loupe->SetBackground(0.1, 0.1, 0.1);
    d->actor->GetMapper()->SetInputData(d->data);
    d->actor->GetMapper()->BorderOn();  // edge pixels are whole pixels, as in the rendered PNG
    d->actor->GetProperty()->SetColorWindow(255.0);
    d->actor->GetProperty()->SetColorLevel(127.5);
    d->actor->GetProperty()->SetInterpolationTypeToNearest();
    d->actor->VisibilityOff();
    d->renderer->AddViewProp(d->actor);
    d->loupe->AddViewProp(d->actor);
    d->loupe->InteractiveOff();
    window->AddRenderer(d->renderer);
}

ImageScene::~ImageScene()
{
    d->window->RemoveRenderer(d->loupe);
    d->window->RemoveRenderer(d->renderer);
}

void ImageScene::setImage(const DisplayImage& image, double spacingX, double spacingY)
{
    const int comps = image.channels == 3 ? 3 : 1;
    int* dims = d->data->GetDimensions();
    if (!d->hasImage || dims[0] != int(image.width) || dims[1] != int(image.height) || d->data->GetNumberOfScalarComponents() != comps) {
        d->data->SetDimensions(int(image.width), int(image.height), 1);
        d->data->AllocateScalars(VTK_UNSIGNED_CHAR, comps);
    }
    d->data->SetSpacing(spacingX, spacingY, 1.0);
    d->data->SetOrigin(0, 0, 0);
    auto* scalars = static_cast<unsigned char*>(d->data->GetScalarPointer());
    std::memcpy(scalars, image.pixels.data(), std::min<size_t>(image.pixels.size(), size_t(image.width) * image.height * comps));
    d->data->Modified();
    d->actor->VisibilityOn();
    d->hasImage = true;
}

void ImageScene::clearImage()
{
    d->actor->VisibilityOff();
    d->hasImage = false;
}

void ImageScene::setGeometry(const SceneGeometry& geometry)
{
    d->geometry = geometry;
    d->update();
}

void ImageScene::setSmooth(bool smooth)
{
    if (smooth) d->actor->GetProperty()->SetInterpolationTypeToLinear();
    else d->actor->GetProperty()->SetInterpolationTypeToNearest();
}

void ImageScene::setMagnifier(bool on, QPointF screen, int sizePx, double factor)
{
    d->loupeOn = on;
    d->loupeCenter = screen;
    d->loupeSize = sizePx;
    d->loupeFactor = factor;
    d->update();
}

}  // namespace lightbox::viewer
