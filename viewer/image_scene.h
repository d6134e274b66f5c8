#pragma once
// The VTK side of a 2D viewport: one image actor seen by an axis-aligned parallel camera, plus an
// optional magnifier renderer. VTK headers stay in image_scene.cpp.
#include "display_pipeline.h"

#include <QPointF>
#include <QSize>

#include <array>
#include <memory>

class vtkRenderWindow;

namespace lightbox::viewer {

struct SceneGeometry {
    // Image size in pixels and the displayed size of one pixel (mm, or relative units when the
    // image has no calibration).
    int columns = 0;
    int rows = 0;
    double spacingX = 1.0;
    double spacingY = 1.0;
    std::array<int, 4> transform{1, 0, 0, 1};  // screen = M * image, see displayMatrix()
    QPointF focal;                              // world point at the viewport centre
    double mmPerScreenPixel = 1.0;
    QSize viewport;                             // device pixels

    QPointF imageToWorld(QPointF imagePixel) const;  // pixel centres at integer coordinates
    QPointF worldToImage(QPointF world) const;
    QPointF worldToScreen(QPointF world) const;      // device pixels, pixel centres at +0.5
    QPointF screenToWorld(QPointF screen) const;
    QPointF center() const;                          // the image centre in world coordinates
    QSizeF displayedExtent() const;                  // the transformed image's width/height in mm
};

class ImageScene {
public:
    explicit ImageScene(vtkRenderWindow* window);
    ~ImageScene();
    ImageScene(const ImageScene&) = delete;
    ImageScene& operator=(const ImageScene&) = delete;

    void setImage(const DisplayImage& image, double spacingX, double spacingY);
    void clearImage();
    void setGeometry(const SceneGeometry& geometry);
    void setSmooth(bool smooth);
    // A loupe of `sizePx` device pixels centred at `screen`, magnifying `factor` times.
    void setMagnifier(bool on, QPointF screen = {}, int sizePx = 0, double factor = 2.0);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

}  // namespace lightbox::viewer
