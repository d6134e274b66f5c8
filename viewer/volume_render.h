#pragma once
// Renders a volume the way the 3D view shows it, into an image (headless commands, tests).
// Needs an X server (VTK makes its OpenGL contexts through GLX).
#include "volume.h"

#include <QImage>
#include <QSize>
#include <QString>

namespace lightbox::viewer {

// `preset`: a VolumeScene preset, "mip" for maximum intensity, or empty for the default.
QImage renderVolumeImage(const Volume& volume, const QString& preset, QSize size, QString* error);

}  // namespace lightbox::viewer

namespace lightbox::app {
using viewer::renderVolumeImage;
}
