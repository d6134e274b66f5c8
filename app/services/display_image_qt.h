#pragma once
// DisplayImage <-> QImage and PNG output.
#include "display_pipeline.h"

#include <QImage>
#include <QString>

namespace lightbox::app {

QImage toQImage(const DisplayImage& image);  // deep copy: Grayscale8 or RGB888
bool writePng(const DisplayImage& image, const QString& path, QString* error);

}  // namespace lightbox::app
