#pragma once
// Reference lines between the viewports of a reading layout: each viewport shows, as a line, where
// the image of every other viewport of the same frame of reference cuts it (an axial image shows
// the coronal plane shown beside it, and so on). Planes parallel to the image cut nothing and draw
// nothing. Lines follow scrolling and new images.
#include <QObject>
#include <QPointer>

#include <optional>
#include <vector>

class QPointF;

namespace lightbox::viewer {
class ImageViewport;
}

namespace lightbox::app {

class ReferenceLines : public QObject {
    Q_OBJECT
public:
    explicit ReferenceLines(QObject* parent = nullptr) : QObject(parent) {}
    void add(viewer::ImageViewport* viewport);
    void clear();
    void update();

    // Where the plane of `other`'s current image cuts `viewport`'s current image, in image pixel
    // coordinates clipped to the image; nothing when they do not cut (parallel, another frame of
    // reference, no geometry).
    static std::optional<std::pair<QPointF, QPointF>> cut(viewer::ImageViewport* viewport, viewer::ImageViewport* other);

private:
    std::vector<QPointer<viewer::ImageViewport>> m_viewports;
    bool m_pending = false;
};

}  // namespace lightbox::app
