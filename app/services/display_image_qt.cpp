#include "display_image_qt.h"

#include <QImageWriter>
#include <QSaveFile>

namespace lightbox::app {

QImage toQImage(const DisplayImage& image)
{
    const QImage::Format format = image.channels == 3 ? QImage::Format_RGB888 : QImage::Format_Grayscale8;
    QImage view(image.pixels.data(), int(image.width), int(image.height), int(image.width) * image.channels, format);
    return view.copy();
}

bool writePng(const DisplayImage& image, const QString& path, QString* error)
{
    QSaveFile file(path);  // written beside, renamed when complete
    if (!file.open(QIODevice::WriteOnly)) {
        if (error) *error = file.errorString();
        return false;
    }
    QImageWriter writer(&file, "png");
    if (!writer.write(toQImage(image))) {
        if (error) *error = writer.errorString();
        file.cancelWriting();
        return false;
    }
    if (!file.commit()) {
        if (error) *error = file.errorString();
        return false;
    }
    return true;
}

}  // namespace lightbox::app
