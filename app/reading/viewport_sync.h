#pragma once
// Linked viewports of a reading layout: viewports in one synchronisation group scroll together by
// patient position (along their common slice normal), share zoom, and share window/level with
// those of the same modality showing the same protocol preset (a lung window does not follow a
// soft-tissue one). Within one frame of reference positions are matched as they are; across frames of
// reference (a prior) by the offset between the viewports when they were linked, so the user sets
// the offset by lining both up and linking again.
#include <QObject>
#include <QPointer>
#include <QString>

#include <map>
#include <optional>
#include <vector>

namespace lightbox::viewer {
class ImageViewport;
}

namespace lightbox::app {

class ViewportSync : public QObject {
    Q_OBJECT
public:
    explicit ViewportSync(QObject* parent = nullptr) : QObject(parent) {}

    void add(const QString& group, viewer::ImageViewport* viewport, const QString& preset = {});
    void clear();
    // Off: each viewport on its own. On again: offsets are taken from the positions shown now.
    void setEnabled(bool on);
    bool enabled() const { return m_enabled; }
    int groupSize(const QString& group) const;

    // Position of the image shown at `index` along its slice normal, and that normal (for tests).
    static std::optional<double> position(viewer::ImageViewport* v, int index, double normal[3]);

private:
    struct Member {
        QPointer<viewer::ImageViewport> viewport;
        QString group, preset;
        std::optional<double> base;  // position when linked
    };
    void onScrolled(viewer::ImageViewport* source);
    void onWindow(viewer::ImageViewport* source);
    void onZoom(viewer::ImageViewport* source);
    void captureBases();
    Member* member(viewer::ImageViewport* v);

    std::vector<Member> m_members;
    bool m_enabled = true;
    bool m_busy = false;  // a change we make is not echoed back
};

}  // namespace lightbox::app
