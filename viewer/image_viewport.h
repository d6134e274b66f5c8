#pragma once
// The 2D viewport: shows one image of an ImageStack (acquired images or reformats) through the display pipeline, with scrolling,
// cine, window/level, zoom, pan, rotation, flips, inversion, a magnifier and the four-corner
// overlay. Input: wheel scrolls (Ctrl+wheel zooms), right-drag windows, middle-drag pans, left-drag
// runs the active tool; keys are listed in README.md.
#include "display_pipeline.h"
#include "window_presets.h"

#include <QColor>
#include <QPointer>
#include <QWidget>

#include <functional>
#include <memory>
#include <vector>
#include <optional>

class QTimer;

namespace lightbox::viewer {

class ImageStack;
class ImageScene;
class ViewportOverlay;
class VtkViewWidget;
struct SceneGeometry;

enum class Tool { WindowLevel, Pan, Zoom, Scroll, Magnifier, External };
enum class PointerPhase { Press, Move, Release, Hover };

// A line drawn over the image, in image pixel coordinates.
struct ImageLine {
    QPointF a, b;
    QColor color;
    bool dashed = false;
};

class ImageViewport : public QWidget {
    Q_OBJECT
public:
    explicit ImageViewport(QWidget* parent = nullptr);
    ~ImageViewport() override;

    void setStack(ImageStack* stack);  // not owned
    ImageStack* stack() const { return m_stack; }

    int currentIndex() const { return m_index; }
    int count() const;
    void setCurrentIndex(int index);
    void step(int delta);

    // Window/level in modality units; the user's choice holds for every image of the stack.
    WindowLevel window() const;
    void setWindow(const WindowLevel& w);
    void applyPreset(const WindowPreset& preset);
    void useFileVoi(const VoiChoice& choice);  // a window or VOI LUT stored in the file
    void resetWindow();
    bool inverted() const { return m_invert; }
    void setInverted(bool on);

    double zoom() const;  // screen pixels per image pixel (rows)
    void setZoom(double zoom);
    void zoomBy(double factor, std::optional<QPointF> anchor = std::nullopt);
    void fitToWindow();
    void actualSize();
    void panBy(QPointF deltaLogical);
    void rotate(int quarterTurnsClockwise);
    void flipHorizontal();
    void flipVertical();
    void reset();
    void setSmooth(bool smooth);
    bool smooth() const { return m_smooth; }

    // Tool::External: left-button pointer events go to pointerEvent() for the owner's tools
    // (MPR cursor, measurements).
    void setTool(Tool tool) { m_tool = tool; }
    Tool tool() const { return m_tool; }

    void setCineRate(double framesPerSecond);
    double cineRate() const { return m_cineFps; }
    void setCinePlaying(bool on);
    bool cinePlaying() const;

    void setOverlayTextVisible(bool on);
    // Lines over the image (reference lines, the 3D cursor), in image pixel coordinates.
    void setImageLines(std::vector<ImageLine> lines);
    // Where the overlay may draw the owner's graphics (measurements): called after the viewport's
    // own overlay with a painter in logical widget coordinates.
    void setOverlayPainter(std::function<void(QPainter&)> painter);
    QPointF imageToWidget(QPointF imagePixel) const;  // logical widget coordinates
    QPointF widgetToImage(QPointF widget) const;
    void refreshOverlay() { updateOverlay(); }

    // For tests and screenshots: the rendered view (no overlay), and where image pixel centres land
    // in it (device pixels).
    QImage grabView();
    QPointF imageToView(QPointF imagePixel) const;
    QPointF viewToImage(QPointF viewPixel) const;
    VtkViewWidget* view() const { return m_view; }
    ViewportOverlay* overlay() const { return m_overlay; }
    // The current image is on screen, up to date with its stack.
    bool currentImageShown() const { return m_shownIndex == m_index && m_index >= 0 && !m_stale; }

signals:
    void indexChanged(int index, int count);
    void windowChanged(const WindowLevel& window);
    void zoomChanged(double zoom);
    // The readout of the pixel under the cursor on the image shown; empty when there is none (the
    // cursor is off the image, or another series is shown).
    void pixelValue(const QString& text);
    void problem(const QString& message);
    void imageShown(int index);
    void pointerEvent(PointerPhase phase, QPointF imagePixel, Qt::KeyboardModifiers modifiers);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void resizeEvent(QResizeEvent* e) override;

private:
    void showCurrent();
    void renderDisplay();
    void updateGeometry(bool refit);
    void updateOverlay();
    void onFrameReady(int index);
    void onFrameFailed(int index, const QString& reason);
    void onCineTick();
    SceneGeometry geometry() const;
    QPointF toDevice(QPointF logical) const;
    void reportPixel(QPointF logical);
    bool handleKey(int key, Qt::KeyboardModifiers mods);

    VtkViewWidget* m_view = nullptr;
    ViewportOverlay* m_overlay = nullptr;
    std::unique_ptr<ImageScene> m_scene;
    QPointer<ImageStack> m_stack;
    QTimer* m_cine = nullptr;
    double m_cineFps = 10.0;

    int m_index = -1;
    int m_shownIndex = -1;
    bool m_stale = false;
    std::optional<WindowLevel> m_userWindow;  // set once the user changes the window
    std::optional<VoiChoice> m_fileVoi;       // a file window/VOI LUT chosen by the user
    WindowLevel m_currentWindow;
    bool m_invert = false;
    bool m_smooth = true;
    int m_turns = 0;
    bool m_flipH = false, m_flipV = false;
    double m_mmPerPixel = 1.0;  // device pixels
    QPointF m_focal;
    bool m_needFit = true;
    int m_columns = 0, m_rows = 0;
    double m_spacingX = 1.0, m_spacingY = 1.0;
    bool m_calibrated = false;
    QString m_calibrationNote;

    Tool m_tool = Tool::WindowLevel;
    Qt::MouseButton m_dragButton = Qt::NoButton;
    QPointF m_dragLast;
    QPointF m_dragStart;
    bool m_magnifying = false;
    QPointF m_magnifierAt;
    double m_scrollAccumulator = 0;
    std::optional<QPointF> m_pointer;  // the cursor over the view (logical): the readout follows the image under it
    std::vector<ImageLine> m_lines;
};

}  // namespace lightbox::viewer
