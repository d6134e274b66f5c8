#pragma once
// What a 2D viewport scrolls through: a numbered sequence of images, each with the description the
// display pipeline and the overlay need, decoded (or computed) on demand off the GUI thread.
// FrameStack holds acquired images; MprStack holds reformats of a volume.
#include "decoded_frame.h"
#include "image_info.h"
#include "instance_summary.h"

#include <QObject>
#include <QString>

#include <memory>

namespace lightbox::viewer {

struct StackEntry {
    QString path;             // the file, for acquired images
    std::uint32_t frame = 0;  // 0-based frame within the file
    std::shared_ptr<const ImageInfo> info;
    std::shared_ptr<const InstanceSummary> summary;
};

class ImageStack : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;

    virtual int size() const = 0;
    virtual const StackEntry& entry(int i) const = 0;
    virtual QString title() const { return {}; }
    // The image if it is ready (marks it recently used), else null.
    virtual std::shared_ptr<const DecodedFrame> cached(int i) = 0;
    // Starts preparing i and a few neighbours; frameReady/frameFailed follow.
    virtual void request(int i, int prefetchRadius = 2) = 0;
    virtual QString failure(int i) const = 0;
    // Short remarks shown on the images (e.g. a corrected gantry tilt).
    virtual QStringList notices() const { return {}; }

signals:
    void frameReady(int index);
    void frameFailed(int index, const QString& reason);
    // Every image may have changed (more of a volume loaded, a plane rotated): re-request.
    void contentChanged();
};

}  // namespace lightbox::viewer
