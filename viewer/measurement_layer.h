#pragma once
// Measuring and annotating on one viewport (2D images or an MPR plane): the active tool draws a
// new length, angle, Cobb angle, ellipse, rectangle, freehand ROI, text, arrow or 3D region with
// the left button; handles of existing ones can be dragged; Delete removes the selected one and
// Escape abandons a drawing. Everything visible on the current image is painted with its results,
// computed from the image's pixels in patient millimetres and modality units.
#include "annotation.h"
#include "measure.h"
#include "reslice.h"

#include <QObject>
#include <QPointer>

#include <functional>
#include <optional>

class QPainter;

namespace lightbox::viewer {

class AnnotationSet;
class ImageViewport;
enum class PointerPhase;

class MeasurementLayer : public QObject {
    Q_OBJECT
public:
    MeasurementLayer(ImageViewport* viewport, AnnotationSet* set, QObject* parent = nullptr);
    ~MeasurementLayer() override;

    ImageViewport* viewport() const { return m_vp; }
    // The tool that draws with the left button; none: the layer only shows and edits nothing.
    void setTool(std::optional<AnnotationKind> tool);
    std::optional<AnnotationKind> tool() const { return m_tool; }
    // Asks for the label of a text or arrow (default: a dialog). Empty optional: cancelled.
    void setTextPrompt(std::function<std::optional<QString>(const QString& title)> prompt) { m_prompt = std::move(prompt); }
    // The range and mode of new 3D regions.
    void setRegionRange(double lower, double upper, bool threshold);
    // Grows new regions' ranges around the seed's value when it lies outside (keeps the width).
    std::pair<double, double> regionRange() const { return {m_lower, m_upper}; }

    // Results as shown on the current image (one line per row of the label).
    QString labelFor(const Annotation& a) const;
    // Ids of the annotations shown on the current image.
    QStringList visibleIds() const;

signals:
    void message(const QString& text);
    void regionRangeChanged(double lower, double upper);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    struct Context {
        bool valid = false;
        bool onVolume = false;
        QString seriesUid, sopUid;
        int frame = 0;
        ReslicePlane plane;
        double step = 1;
        PixelScale scale;
    };
    Context context() const;
    bool visibleOn(const Annotation& a, const Context& c) const;
    std::vector<QPointF> imagePoints(const Annotation& a, const Context& c) const;
    void setImagePoints(Annotation& a, const std::vector<QPointF>& pts, const Context& c) const;
    void onPointer(PointerPhase phase, QPointF image, Qt::KeyboardModifiers mods);
    void finishDraft();
    void paint(QPainter& p);
    void paintRegion(QPainter& p, const Annotation& a, const Context& c);
    std::optional<std::pair<QString, int>> handleAt(QPointF widget) const;
    QString resultText(AnnotationKind kind, const std::vector<QPointF>& pts, const Context& c) const;

    QPointer<ImageViewport> m_vp;
    AnnotationSet* m_set;
    std::optional<AnnotationKind> m_tool;
    std::function<std::optional<QString>(const QString&)> m_prompt;
    double m_lower = -300, m_upper = 3000;
    bool m_threshold = false;

    // The shape being drawn (image pixel coordinates of the current image).
    std::vector<QPointF> m_draft;
    bool m_dragging = false;
    QPointF m_pressAt;
    // A handle being dragged.
    QString m_editId;
    int m_editHandle = -1;
};

}  // namespace lightbox::viewer
