#pragma once
// What is drawn over an image: four corners of text, orientation letters at the sides, a scale
// bar, a centred message and the magnifier's frame. A transparent widget above the VTK view.
#include <QRect>
#include <QStringList>
#include <QLineF>
#include <QWidget>

#include <functional>
#include <vector>

namespace lightbox::viewer {

struct OverlayContent {
    QStringList topLeft, topRight, bottomLeft, bottomRight;
    QString left, right, top, bottom;  // orientation letters
    double mmPerLogicalPixel = 0;      // 0: no calibration, no scale bar
    QString scaleNote;                 // e.g. "(detector)" when calibrated at the detector
    QString message;                   // e.g. "Loading…" or an error, centred
    QRect loupe;                       // magnifier frame, logical pixels; null when off
    struct Line {
        QLineF line;
        QColor color;
        bool dashed = false;
    };
    std::vector<Line> lines;           // logical pixels
    QStringList notices;               // remarks under the top-left block
};

class ViewportOverlay : public QWidget {
    Q_OBJECT
public:
    explicit ViewportOverlay(QWidget* parent = nullptr);
    void setContent(const OverlayContent& content);
    const OverlayContent& content() const { return m_content; }
    void setTextVisible(bool on);
    void setPainter(std::function<void(QPainter&)> painter) { m_painter = std::move(painter); update(); }
    bool textVisible() const { return m_textVisible; }

protected:
    void paintEvent(QPaintEvent* e) override;

private:
    OverlayContent m_content;
    bool m_textVisible = true;
    std::function<void(QPainter&)> m_painter;
};

// A "nice" scale bar length (1, 2 or 5 × 10^n) not longer than `maxLength`.
double niceScaleLength(double maxLength);

}  // namespace lightbox::viewer
