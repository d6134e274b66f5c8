#include "image_viewport.h"

#include "frame_stack.h"
#include "image_scene.h"
#include "overlay_text.h"
#include "viewport_overlay.h"
#include "vtk_view_widget.h"

#include <vtkGenericOpenGLRenderWindow.h>

#include "patient_orientation.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QTimer>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace lightbox::viewer {

ImageViewport::ImageViewport(QWidget* parent) : QWidget(parent)
{
    m_view = new VtkViewWidget(this);
    m_overlay = new ViewportOverlay(this);
    m_scene = std::make_unique<ImageScene>(m_view->renderWindow());
    m_view->installEventFilter(this);
    m_cine = new QTimer(this);
    m_cine->setTimerType(Qt::PreciseTimer);
    connect(m_cine, &QTimer::timeout, this, &ImageViewport::onCineTick);
    setMinimumSize(120, 120);
    setSmooth(true);
}

ImageViewport::~ImageViewport() = default;

int ImageViewport::count() const { return m_stack ? m_stack->size() : 0; }

void ImageViewport::setStack(ImageStack* stack)
{
    if (m_stack) disconnect(m_stack, nullptr, this, nullptr);
    m_stack = stack;
    m_index = -1;
    m_shownIndex = -1;
    m_pointer.reset();
    emit pixelValue(QString());  // it was another series' pixel
    m_userWindow.reset();
    m_fileVoi.reset();
    m_needFit = true;
    m_scene->clearImage();
    if (!m_stack || m_stack->size() == 0) {
        updateOverlay();
        m_view->requestRender();
        return;
    }
    connect(m_stack, &ImageStack::frameReady, this, &ImageViewport::onFrameReady);
    connect(m_stack, &ImageStack::frameFailed, this, &ImageViewport::onFrameFailed);
    connect(m_stack, &ImageStack::contentChanged, this, [this] {
        m_stale = true;  // the image stays on screen until its replacement is ready
        if (m_index >= m_stack->size()) m_index = m_stack->size() - 1;
        showCurrent();
    });
    const auto& info = *m_stack->entry(0).info;
    if (info.frameTimeMs && *info.frameTimeMs > 0) m_cineFps = std::clamp(1000.0 / *info.frameTimeMs, 1.0, 120.0);
    setCurrentIndex(0);
}

void ImageViewport::setCurrentIndex(int index)
{
    if (!m_stack || m_stack->size() == 0) return;
    index = std::clamp(index, 0, m_stack->size() - 1);
    if (index == m_index) return;
    m_index = index;
    emit pixelValue(QString());  // read again once the new image is shown
    emit indexChanged(m_index, m_stack->size());
    showCurrent();
}

void ImageViewport::step(int delta)
{
    if (!m_stack || m_stack->size() == 0) return;
    setCurrentIndex(std::clamp(m_index + delta, 0, m_stack->size() - 1));
}

void ImageViewport::showCurrent()
{
    if (!m_stack || m_index < 0) return;
    const int radius = cinePlaying() ? 8 : 3;
    if (m_stack->cached(m_index)) {
        renderDisplay();
        m_stack->request(m_index, radius);  // prefetch neighbours
        return;
    }
    const QString failure = m_stack->failure(m_index);
    m_stack->request(m_index, radius);
    updateOverlay();
    if (!failure.isEmpty()) emit problem(failure);
}

void ImageViewport::onFrameReady(int index)
{
    if (index == m_index) renderDisplay();
}

void ImageViewport::onFrameFailed(int index, const QString& reason)
{
    if (index != m_index) return;
    m_scene->clearImage();
    m_shownIndex = -1;
    updateOverlay();
    m_view->requestRender();
    emit problem(tr("Image %1: %2").arg(index + 1).arg(reason));
}

void ImageViewport::renderDisplay()
{
    auto frame = m_stack->cached(m_index);
    if (!frame) return;
    const StackEntry& entry = m_stack->entry(m_index);
    const ImageInfo& info = *entry.info;

    DisplayOptions options;
    options.invert = m_invert;
    if (m_fileVoi) {
        options.voi = *m_fileVoi;
    } else if (m_userWindow) {
        options.voi.kind = VoiChoice::Kind::Window;
        options.voi.window = *m_userWindow;
    } else if (isMonochrome(frame->photometric)) {
        const auto& windows = info.windowsFor(entry.frame);
        if (windows.empty() && !info.voiLuts.empty()) {
            options.voi.kind = VoiChoice::Kind::VoiLut;
            options.voi.index = 0;
        } else {
            options.voi.kind = VoiChoice::Kind::Window;
            options.voi.window = initialWindow(*frame, info, entry.frame);
        }
    }
    if (options.voi.kind == VoiChoice::Kind::Window) m_currentWindow = options.voi.window;
    else if (options.voi.kind == VoiChoice::Kind::FileWindow) {
        const auto& windows = info.windowsFor(entry.frame);
        if (options.voi.index >= 0 && size_t(options.voi.index) < windows.size()) m_currentWindow = windows[size_t(options.voi.index)];
    }

    auto image = renderForDisplay(*frame, info, entry.frame, options);
    if (!image) {
        emit problem(tr("Image %1: %2").arg(m_index + 1).arg(QString::fromStdString(image.error().message)));
        return;
    }
    // Displayed pixel size: Pixel Spacing, else Imager Pixel Spacing (at the detector), else the
    // Pixel Aspect Ratio without calibration.
    const PlaneGeometry plane = info.planeFor(entry.frame);
    double sx = 1.0, sy = 1.0;
    m_calibrated = false;
    m_calibrationNote.clear();
    if (plane.pixelSpacing) {
        sy = (*plane.pixelSpacing)[0];
        sx = (*plane.pixelSpacing)[1];
        m_calibrated = true;
    } else if (info.imagerPixelSpacing) {
        sy = (*info.imagerPixelSpacing)[0];
        sx = (*info.imagerPixelSpacing)[1];
        m_calibrated = true;
        m_calibrationNote = tr("(detector)");
    } else if (info.pixelAspectRatio) {
        sy = (*info.pixelAspectRatio)[0] / (*info.pixelAspectRatio)[1];
    }
    const bool sizeChanged = int(image->width) != m_columns || int(image->height) != m_rows ||
                             std::abs(sx - m_spacingX) > 1e-9 || std::abs(sy - m_spacingY) > 1e-9;
    m_columns = int(image->width);
    m_rows = int(image->height);
    m_spacingX = sx;
    m_spacingY = sy;
    m_scene->setImage(*image, sx, sy);
    m_shownIndex = m_index;
    m_stale = false;
    updateGeometry(m_needFit || sizeChanged);
    if (m_pointer) reportPixel(*m_pointer);
    emit windowChanged(m_currentWindow);
    emit imageShown(m_index);
}

SceneGeometry ImageViewport::geometry() const
{
    SceneGeometry g;
    g.columns = m_columns;
    g.rows = m_rows;
    g.spacingX = m_spacingX;
    g.spacingY = m_spacingY;
    g.transform = displayMatrix(m_turns, m_flipH, m_flipV);
    g.focal = m_focal;
    g.mmPerScreenPixel = m_mmPerPixel;
    const qreal dpr = m_view->devicePixelRatioF();
    g.viewport = QSize(int(m_view->width() * dpr), int(m_view->height() * dpr));
    return g;
}

void ImageViewport::updateGeometry(bool refit)
{
    if (m_columns <= 0) return;
    if (refit) {
        fitToWindow();
        return;
    }
    m_scene->setGeometry(geometry());
    m_scene->setMagnifier(m_magnifying, toDevice(m_magnifierAt), int(std::min(width(), height()) * 0.4 * m_view->devicePixelRatioF()), 2.5);
    updateOverlay();
    m_view->requestRender();
}

QPointF ImageViewport::toDevice(QPointF logical) const { return logical * m_view->devicePixelRatioF(); }

void ImageViewport::fitToWindow()
{
    m_needFit = false;
    if (m_columns <= 0) return;
    SceneGeometry g = geometry();
    const QSizeF ext = g.displayedExtent();
    if (g.viewport.width() <= 0 || g.viewport.height() <= 0) {
        m_needFit = true;
        return;
    }
    m_mmPerPixel = std::max(ext.width() / g.viewport.width(), ext.height() / g.viewport.height());
    m_focal = g.center();
    emit zoomChanged(zoom());
    updateGeometry(false);
}

void ImageViewport::actualSize()
{
    if (m_columns <= 0) return;
    m_mmPerPixel = m_spacingY;
    // Put pixel edges on screen pixel edges so that one image pixel is exactly one screen pixel.
    const SceneGeometry g = geometry();
    auto snap = [](double f, double s, int viewport) {
        const double k = std::round(f / s - viewport / 2.0 + 0.5);
        return (k + viewport / 2.0 - 0.5) * s;
    };
    if (std::abs(m_spacingX - m_spacingY) < 1e-9) {
        m_focal = QPointF(snap(m_focal.x(), m_spacingX, g.viewport.width()), snap(m_focal.y(), m_spacingY, g.viewport.height()));
    }
    emit zoomChanged(zoom());
    updateGeometry(false);
}

double ImageViewport::zoom() const { return m_mmPerPixel > 0 ? m_spacingY / m_mmPerPixel : 1.0; }

void ImageViewport::setZoom(double z)
{
    if (z <= 0 || m_columns <= 0) return;
    m_mmPerPixel = m_spacingY / std::clamp(z, 0.01, 100.0);
    emit zoomChanged(zoom());
    updateGeometry(false);
}

void ImageViewport::zoomBy(double factor, std::optional<QPointF> anchor)
{
    if (m_columns <= 0 || factor <= 0) return;
    const SceneGeometry g = geometry();
    const QPointF a = anchor ? toDevice(*anchor) : QPointF(g.viewport.width() / 2.0, g.viewport.height() / 2.0);
    const QPointF w = g.screenToWorld(a);
    const double newMm = std::clamp(m_mmPerPixel / factor, m_spacingY / 100.0, m_spacingY * 100.0);
    m_focal = QPointF(w.x() - (a.x() - g.viewport.width() / 2.0) * newMm, w.y() - (a.y() - g.viewport.height() / 2.0) * newMm);
    m_mmPerPixel = newMm;
    emit zoomChanged(zoom());
    updateGeometry(false);
}

void ImageViewport::panBy(QPointF deltaLogical)
{
    const QPointF d = toDevice(deltaLogical);
    m_focal -= d * m_mmPerPixel;
    updateGeometry(false);
}

void ImageViewport::rotate(int quarterTurns)
{
    m_turns = ((m_turns + quarterTurns) % 4 + 4) % 4;
    updateGeometry(false);
}

void ImageViewport::flipHorizontal()
{
    // Flip what the user sees left-right: in screen space, i.e. after the rotation.
    if (m_turns % 2 == 0) m_flipH = !m_flipH;
    else m_flipV = !m_flipV;
    updateGeometry(false);
}

void ImageViewport::flipVertical()
{
    if (m_turns % 2 == 0) m_flipV = !m_flipV;
    else m_flipH = !m_flipH;
    updateGeometry(false);
}

void ImageViewport::reset()
{
    m_turns = 0;
    m_flipH = m_flipV = false;
    m_invert = false;
    m_userWindow.reset();
    m_fileVoi.reset();
    m_needFit = true;
    if (m_stack && m_stack->cached(m_index)) renderDisplay();
}

void ImageViewport::setSmooth(bool smooth)
{
    m_smooth = smooth;
    m_scene->setSmooth(smooth);
    m_view->requestRender();
}

WindowLevel ImageViewport::window() const { return m_currentWindow; }

void ImageViewport::setWindow(const WindowLevel& w)
{
    WindowLevel v = w;
    v.width = std::max(1.0, v.width);
    v.explanation.clear();
    m_userWindow = v;
    m_fileVoi.reset();
    renderDisplay();
}

void ImageViewport::applyPreset(const WindowPreset& preset)
{
    WindowLevel w;
    w.center = preset.center;
    w.width = preset.width;
    setWindow(w);
    m_currentWindow.explanation = preset.name;
    updateOverlay();
}

void ImageViewport::useFileVoi(const VoiChoice& choice)
{
    m_fileVoi = choice;
    m_userWindow.reset();
    renderDisplay();
}

void ImageViewport::resetWindow()
{
    m_userWindow.reset();
    m_fileVoi.reset();
    renderDisplay();
}

void ImageViewport::setInverted(bool on)
{
    m_invert = on;
    renderDisplay();
}

void ImageViewport::setCineRate(double fps)
{
    m_cineFps = std::clamp(fps, 0.5, 120.0);
    if (m_cine->isActive()) m_cine->start(int(std::lround(1000.0 / m_cineFps)));
}

void ImageViewport::setCinePlaying(bool on)
{
    if (on && count() > 1) m_cine->start(int(std::lround(1000.0 / m_cineFps)));
    else m_cine->stop();
}

bool ImageViewport::cinePlaying() const { return m_cine->isActive(); }

void ImageViewport::onCineTick()
{
    if (!m_stack || m_stack->size() < 2) return;
    const int next = (m_index + 1) % m_stack->size();
    if (m_stack->cached(next) || !m_stack->failure(next).isEmpty()) setCurrentIndex(next);
    else m_stack->request(next, 8);  // wait for it rather than skip
}

void ImageViewport::setOverlayTextVisible(bool on) { m_overlay->setTextVisible(on); }

void ImageViewport::setImageLines(std::vector<ImageLine> lines)
{
    m_lines = std::move(lines);
    updateOverlay();
}

void ImageViewport::setOverlayPainter(std::function<void(QPainter&)> painter) { m_overlay->setPainter(std::move(painter)); }

QPointF ImageViewport::imageToWidget(QPointF imagePixel) const { return imageToView(imagePixel) / m_view->devicePixelRatioF(); }

QPointF ImageViewport::widgetToImage(QPointF widget) const { return viewToImage(toDevice(widget)); }

QImage ImageViewport::grabView() { return m_view->grabView(); }

QPointF ImageViewport::imageToView(QPointF imagePixel) const
{
    const SceneGeometry g = geometry();
    return g.worldToScreen(g.imageToWorld(imagePixel));
}

QPointF ImageViewport::viewToImage(QPointF viewPixel) const
{
    const SceneGeometry g = geometry();
    return g.worldToImage(g.screenToWorld(viewPixel));
}

void ImageViewport::resizeEvent(QResizeEvent*)
{
    m_view->setGeometry(rect());
    m_overlay->setGeometry(rect());
    m_overlay->raise();
    if (m_columns > 0) updateGeometry(m_needFit);
}

void ImageViewport::updateOverlay()
{
    OverlayContent c;
    if (m_stack && m_index >= 0 && m_index < m_stack->size()) {
        const StackEntry& entry = m_stack->entry(m_index);
        OverlayInputs in;
        in.summary = entry.summary.get();
        in.info = entry.info.get();
        in.frame = entry.frame;
        in.index = m_index;
        in.count = m_stack->size();
        in.window = m_currentWindow;
        in.windowKnown = m_shownIndex == m_index && isMonochrome(entry.info->photometric);
        in.voiLut = m_fileVoi && m_fileVoi->kind == VoiChoice::Kind::VoiLut ? m_fileVoi->index + 1 : 0;
        in.zoom = zoom();
        in.inverted = m_invert;
        c = overlayText(in);
        const auto letters = overlayLetters(*entry.info, entry.frame, m_turns, m_flipH, m_flipV);
        c.left = QString::fromStdString(letters.left);
        c.right = QString::fromStdString(letters.right);
        c.top = QString::fromStdString(letters.top);
        c.bottom = QString::fromStdString(letters.bottom);
        if (m_calibrated && m_shownIndex == m_index) {
            c.mmPerLogicalPixel = m_mmPerPixel * m_view->devicePixelRatioF();
            c.scaleNote = m_calibrationNote;
        }
        if (m_shownIndex != m_index) {
            const QString failure = m_stack->failure(m_index);
            c.message = failure.isEmpty() ? tr("Loading…") : tr("Cannot display this image:\n%1").arg(failure);
        }
    }
    if (m_stack) c.notices = m_stack->notices();
    if (m_shownIndex == m_index && m_columns > 0) {
        for (const ImageLine& l : m_lines) c.lines.push_back({QLineF(imageToWidget(l.a), imageToWidget(l.b)), l.color, l.dashed});
    }
    if (m_magnifying) {
        const int size = int(std::min(width(), height()) * 0.4);
        QRect r(0, 0, size, size);
        r.moveCenter(m_magnifierAt.toPoint());
        c.loupe = r.intersected(rect());
    }
    m_overlay->setContent(c);
}

void ImageViewport::reportPixel(QPointF logical)
{
    if (!m_stack || m_shownIndex != m_index) return;
    auto frame = m_stack->cached(m_index);
    if (!frame) return;
    const QPointF ip = viewToImage(toDevice(logical) );
    const int col = int(std::floor(ip.x() + 0.5)), row = int(std::floor(ip.y() + 0.5));
    if (col < 0 || row < 0 || col >= int(frame->columns) || row >= int(frame->rows)) {
        emit pixelValue(QString());
        return;
    }
    const StackEntry& entry = m_stack->entry(m_index);
    emit pixelValue(pixelValueText(*frame, *entry.info, entry.frame, col, row));
}

bool ImageViewport::handleKey(int key, Qt::KeyboardModifiers mods)
{
    const int page = std::max(1, count() / 10);
    switch (key) {
    case Qt::Key_Up: case Qt::Key_Left: step(-1); return true;
    case Qt::Key_Down: case Qt::Key_Right: step(1); return true;
    case Qt::Key_PageUp: step(-page); return true;
    case Qt::Key_PageDown: step(page); return true;
    case Qt::Key_Home: setCurrentIndex(0); return true;
    case Qt::Key_End: setCurrentIndex(count() - 1); return true;
    case Qt::Key_Space: setCinePlaying(!cinePlaying()); return true;
    case Qt::Key_F: fitToWindow(); return true;
    case Qt::Key_A: actualSize(); return true;
    case Qt::Key_R: rotate(mods & Qt::ShiftModifier ? -1 : 1); return true;
    case Qt::Key_H: flipHorizontal(); return true;
    case Qt::Key_V: flipVertical(); return true;
    case Qt::Key_I: setInverted(!m_invert); return true;
    case Qt::Key_T: setOverlayTextVisible(!m_overlay->textVisible()); return true;
    case Qt::Key_Escape: reset(); return true;
    case Qt::Key_Plus: case Qt::Key_Equal: zoomBy(1.25); return true;
    case Qt::Key_Minus: zoomBy(0.8); return true;
    case Qt::Key_0: resetWindow(); return true;
    default: break;
    }
    if (key >= Qt::Key_1 && key <= Qt::Key_9 && m_stack && m_index >= 0) {
        const auto& presets = windowPresetsFor(m_stack->entry(m_index).summary->modality);
        const size_t k = size_t(key - Qt::Key_1);
        if (k < presets.size()) {
            applyPreset(presets[k]);
            return true;
        }
    }
    return false;
}

bool ImageViewport::eventFilter(QObject* watched, QEvent* event)
{
    if (watched != m_view) return QWidget::eventFilter(watched, event);
    switch (event->type()) {
    case QEvent::Wheel: {
        auto* e = static_cast<QWheelEvent*>(event);
        if (e->modifiers() & Qt::ControlModifier) {
            zoomBy(std::pow(1.1, e->angleDelta().y() / 120.0), e->position());
        } else {
            m_scrollAccumulator += e->angleDelta().y() / 120.0;
            const int steps = int(m_scrollAccumulator);
            m_scrollAccumulator -= steps;
            if (steps) step(-steps);  // wheel towards the user: next image
        }
        return true;
    }
    case QEvent::MouseButtonPress: {
        auto* e = static_cast<QMouseEvent*>(event);
        m_view->setFocus();
        m_dragButton = e->button();
        m_dragLast = m_dragStart = e->position();
        if (e->button() == Qt::LeftButton && m_tool == Tool::External) {
            emit pointerEvent(PointerPhase::Press, widgetToImage(e->position()), e->modifiers());
            return true;
        }
        if (e->button() == Qt::LeftButton && m_tool == Tool::Magnifier) {
            m_magnifying = true;
            m_magnifierAt = e->position();
            updateGeometry(false);
        }
        return true;
    }
    case QEvent::MouseMove: {
        auto* e = static_cast<QMouseEvent*>(event);
        const QPointF p = e->position();
        const QPointF d = p - m_dragLast;
        m_dragLast = p;
        m_pointer = p;
        reportPixel(p);
        if (m_dragButton == Qt::NoButton) {
            if (m_tool == Tool::External) emit pointerEvent(PointerPhase::Hover, widgetToImage(p), e->modifiers());
            return true;
        }
        Tool t = m_tool;
        if (m_dragButton == Qt::RightButton) t = Tool::WindowLevel;
        else if (m_dragButton == Qt::MiddleButton) t = Tool::Pan;
        switch (t) {
        case Tool::WindowLevel: {
            const double k = std::max(0.1, m_currentWindow.width / 256.0);
            WindowLevel w = m_currentWindow;
            w.width = std::max(1.0, w.width + d.x() * k);
            w.center += d.y() * k;
            setWindow(w);
            break;
        }
        case Tool::Pan: panBy(d); break;
        case Tool::Zoom: zoomBy(std::pow(1.01, -d.y()), m_dragStart); break;
        case Tool::Scroll: {
            m_scrollAccumulator += d.y() / 8.0;
            const int steps = int(m_scrollAccumulator);
            m_scrollAccumulator -= steps;
            if (steps) step(steps);
            break;
        }
        case Tool::Magnifier:
            m_magnifierAt = p;
            updateGeometry(false);
            break;
        case Tool::External:
            emit pointerEvent(PointerPhase::Move, widgetToImage(p), e->modifiers());
            break;
        }
        return true;
    }
    case QEvent::MouseButtonRelease: {
        auto* e = static_cast<QMouseEvent*>(event);
        if (m_dragButton == Qt::LeftButton && m_tool == Tool::External)
            emit pointerEvent(PointerPhase::Release, widgetToImage(e->position()), e->modifiers());
        m_dragButton = Qt::NoButton;
        if (m_magnifying) {
            m_magnifying = false;
            updateGeometry(false);
        }
        return true;
    }
    case QEvent::Leave:
        m_pointer.reset();
        emit pixelValue(QString());
        break;
    case QEvent::MouseButtonDblClick:
        if (m_tool != Tool::External) fitToWindow();
        return true;
    case QEvent::KeyPress: {
        auto* e = static_cast<QKeyEvent*>(event);
        return handleKey(e->key(), e->modifiers());
    }
    default: break;
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace lightbox::viewer
