#include "measurement_layer.h"

#include "annotation_set.h"
#include "image_stack.h"
#include "image_viewport.h"
#include "mpr_stack.h"
#include "vtk_view_widget.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QEvent>
#include <QInputDialog>
#include <QKeyEvent>
#include <QPainter>
#include <QPainterPath>

#include <cmath>

namespace lightbox::viewer {

namespace {

const QColor kShape(255, 215, 60);
const QColor kSelected(90, 215, 255);
const QColor kDraft(255, 150, 40);
const QColor kRegion(255, 70, 70, 110);
constexpr double kHandleRadius = 7.0;  // widget pixels

QString fixed(double v, int decimals) { return QString::number(v, 'f', decimals); }

QString lengthText(double mm, const PixelScale& s)
{
    if (!s.calibrated) return QCoreApplication::translate("Measure", "%1 px").arg(fixed(mm, 1));
    QString t = QCoreApplication::translate("Measure", "%1 mm").arg(fixed(mm, mm < 10 ? 2 : 1));
    if (s.note == "detector") t += QCoreApplication::translate("Measure", " (detector)");
    return t;
}

QString areaText(double mm2, const PixelScale& s)
{
    if (!s.calibrated) return QCoreApplication::translate("Measure", "Area %1 px²").arg(fixed(mm2, 0));
    if (mm2 >= 100) return QCoreApplication::translate("Measure", "Area %1 cm²").arg(fixed(mm2 / 100, 2));
    return QCoreApplication::translate("Measure", "Area %1 mm²").arg(fixed(mm2, 1));
}

QString statsText(double mean, double sd, double min, double max, const QString& unit)
{
    const QString u = unit.isEmpty() ? QString() : " " + unit;
    return QCoreApplication::translate("Measure", "Mean %1  SD %2%3\nMin %4  Max %5%3")
        .arg(fixed(mean, 1), fixed(sd, 1), u, fixed(min, 1), fixed(max, 1));
}

ImagePoint ip(QPointF p) { return {p.x(), p.y()}; }

std::optional<RoiShape> roiShape(AnnotationKind k)
{
    switch (k) {
    case AnnotationKind::Ellipse: return RoiShape::Ellipse;
    case AnnotationKind::Rectangle: return RoiShape::Rectangle;
    case AnnotationKind::Freehand: return RoiShape::Polygon;
    default: return std::nullopt;
    }
}

void outlinedText(QPainter& p, QPointF at, const QString& text, const QColor& color)
{
    const QStringList lines = text.split('\n');
    const QFontMetricsF fm(p.font());
    // Kept inside the view: moved left or down when it would leave it.
    double widest = 0;
    for (const QString& line : lines) widest = std::max(widest, fm.horizontalAdvance(line));
    if (p.device()) {
        const double w = p.device()->width() / p.device()->devicePixelRatioF();
        if (at.x() + widest + 4 > w) at.setX(std::max(4.0, w - widest - 4));
        if (at.y() - fm.ascent() < 2) at.setY(fm.ascent() + 2);
    }
    double y = at.y();
    for (const QString& line : lines) {
        QPainterPath path;
        path.addText(QPointF(at.x(), y), p.font(), line);
        p.setPen(QPen(QColor(0, 0, 0, 220), 3.0, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        p.setBrush(Qt::NoBrush);
        p.drawPath(path);
        p.fillPath(path, color);
        y += fm.lineSpacing();
    }
}

}  // namespace

MeasurementLayer::MeasurementLayer(ImageViewport* viewport, AnnotationSet* set, QObject* parent)
    : QObject(parent), m_vp(viewport), m_set(set)
{
    m_prompt = [this](const QString& title) -> std::optional<QString> {
        bool ok = false;
        const QString t = QInputDialog::getText(m_vp, title, tr("Text:"), QLineEdit::Normal, QString(), &ok);
        if (!ok) return std::nullopt;
        return t;
    };
    connect(viewport, &ImageViewport::pointerEvent, this, &MeasurementLayer::onPointer);
    connect(set, &AnnotationSet::changed, viewport, &ImageViewport::refreshOverlay);
    connect(viewport, &ImageViewport::imageShown, viewport, &ImageViewport::refreshOverlay);
    viewport->setOverlayPainter([this](QPainter& p) { paint(p); });
    viewport->view()->installEventFilter(this);
}

MeasurementLayer::~MeasurementLayer()
{
    if (m_vp) {
        m_vp->setOverlayPainter({});
        m_vp->view()->removeEventFilter(this);
    }
}

void MeasurementLayer::setTool(std::optional<AnnotationKind> tool)
{
    m_tool = tool;
    m_draft.clear();
    m_dragging = false;
    if (m_vp) m_vp->refreshOverlay();
}

void MeasurementLayer::setRegionRange(double lower, double upper, bool threshold)
{
    m_lower = std::min(lower, upper);
    m_upper = std::max(lower, upper);
    m_threshold = threshold;
}

MeasurementLayer::Context MeasurementLayer::context() const
{
    Context c;
    if (!m_vp || !m_vp->stack() || m_vp->currentIndex() < 0 || m_vp->currentIndex() >= m_vp->stack()->size()) return c;
    ImageStack* st = m_vp->stack();
    const int i = m_vp->currentIndex();
    if (auto* ms = qobject_cast<MprStack*>(st)) {
        c.onVolume = true;
        c.plane = ms->plane(i);
        c.step = ms->slices().step;
        c.seriesUid = QString::fromStdString(ms->volume()->seriesInstanceUid);
        c.scale = PixelScale{c.plane.spacing, c.plane.spacing, true, {}};
    } else {
        const StackEntry& e = st->entry(i);
        if (!e.summary || !e.info) return c;
        c.sopUid = QString::fromStdString(e.summary->sopInstanceUid);
        c.seriesUid = QString::fromStdString(e.summary->seriesInstanceUid);
        c.frame = int(e.frame);
        c.scale = pixelScale(*e.info, e.frame);
    }
    c.valid = true;
    return c;
}

bool MeasurementLayer::visibleOn(const Annotation& a, const Context& c) const
{
    if (!c.valid || a.onVolume != c.onVolume) return false;
    if (!a.onVolume) return a.sopUid == c.sopUid && a.frame == c.frame;
    if (a.seriesUid != c.seriesUid) return false;
    const Vec3 n = c.plane.normal();
    const double tolerance = std::max(c.step / 2, 0.05) + 1e-6;
    if (a.kind == AnnotationKind::Region) {
        const RegionState* s = m_set->region(a.id);
        if (!s || !s->mask) return std::abs(dot(a.patient.front() - c.plane.origin, n)) <= tolerance;
        // The plane crosses the region's bounding box.
        const RegionMask& m = *s->mask;
        double lo = 1e300, hi = -1e300;
        for (int corner = 0; corner < 8; ++corner) {
            const Vec3 idx{corner & 1 ? m.hi[0] + 0.5 : m.lo[0] - 0.5, corner & 2 ? m.hi[1] + 0.5 : m.lo[1] - 0.5, corner & 4 ? m.hi[2] + 0.5 : m.lo[2] - 0.5};
            const double d = dot(s->geometry.toPatient(idx) - c.plane.origin, n);
            lo = std::min(lo, d);
            hi = std::max(hi, d);
        }
        return lo <= 0 && hi >= 0;
    }
    if (std::abs(dot(a.normal, n)) < 0.9999) return false;
    for (const Vec3& p : a.patient)
        if (std::abs(dot(p - c.plane.origin, n)) > tolerance) return false;
    return true;
}

std::vector<QPointF> MeasurementLayer::imagePoints(const Annotation& a, const Context& c) const
{
    if (!a.onVolume) return a.pixels;
    std::vector<QPointF> out;
    for (const Vec3& p : a.patient) {
        const Vec3 d = p - c.plane.origin;
        out.emplace_back(dot(d, c.plane.x) / c.plane.spacing, dot(d, c.plane.y) / c.plane.spacing);
    }
    return out;
}

void MeasurementLayer::setImagePoints(Annotation& a, const std::vector<QPointF>& pts, const Context& c) const
{
    if (!c.onVolume) {
        a.pixels = pts;
        return;
    }
    a.patient.clear();
    for (const QPointF& q : pts) a.patient.push_back(c.plane.origin + c.plane.x * (q.x() * c.plane.spacing) + c.plane.y * (q.y() * c.plane.spacing));
    a.normal = c.plane.normal();
}

QStringList MeasurementLayer::visibleIds() const
{
    QStringList out;
    const Context c = context();
    for (const Annotation& a : m_set->all())
        if (visibleOn(a, c)) out << a.id;
    return out;
}

QString MeasurementLayer::resultText(AnnotationKind kind, const std::vector<QPointF>& pts, const Context& c) const
{
    switch (kind) {
    case AnnotationKind::Length:
        if (pts.size() < 2) return {};
        return lengthText(distanceMm(ip(pts[0]), ip(pts[1]), c.scale), c.scale);
    case AnnotationKind::Angle:
        if (pts.size() < 3) return {};
        return QStringLiteral("%1°").arg(fixed(angleDegrees(ip(pts[0]), ip(pts[1]), ip(pts[2]), c.scale), 1));
    case AnnotationKind::Cobb:
        if (pts.size() < 4) return {};
        return tr("Cobb %1°").arg(fixed(cobbDegrees(ip(pts[0]), ip(pts[1]), ip(pts[2]), ip(pts[3]), c.scale), 1));
    case AnnotationKind::Ellipse:
    case AnnotationKind::Rectangle:
    case AnnotationKind::Freehand: {
        Roi roi;
        roi.shape = *roiShape(kind);
        for (const QPointF& q : pts) roi.points.push_back(ip(q));
        QString text = areaText(roi.areaMm2(c.scale), c.scale);
        ImageStack* st = m_vp->stack();
        auto frame = st->cached(m_vp->currentIndex());
        const StackEntry& e = st->entry(m_vp->currentIndex());
        if (frame && e.info) {
            const RoiStats s = roiStats(*frame, *e.info, e.frame, roi);
            if (s.hasValues) text += "\n" + statsText(s.mean, s.sd, s.min, s.max, QString::fromStdString(s.unit));
        }
        return text;
    }
    default: return {};
    }
}

QString MeasurementLayer::labelFor(const Annotation& a) const
{
    if (a.kind == AnnotationKind::Text || a.kind == AnnotationKind::Arrow) return a.text;
    if (a.kind == AnnotationKind::Region) {
        const RegionState* s = m_set->region(a.id);
        if (!s) return tr("Region: open it in MPR to compute");
        if (!s->mask) return tr("Region: %1").arg(s->status);
        const RegionMask& m = *s->mask;
        return tr("Volume %1 mL (%2 voxels)").arg(fixed(m.volumeMl, m.volumeMl < 10 ? 2 : 1)).arg(m.voxels) + "\n" +
               statsText(m.mean, m.sd, m.min, m.max, s->unit);
    }
    const Context c = context();
    return resultText(a.kind, imagePoints(a, c), c);
}

std::optional<std::pair<QString, int>> MeasurementLayer::handleAt(QPointF widget) const
{
    const Context c = context();
    for (auto it = m_set->all().rbegin(); it != m_set->all().rend(); ++it) {
        const Annotation& a = *it;
        if (a.kind == AnnotationKind::Region || !visibleOn(a, c)) continue;
        const auto pts = imagePoints(a, c);
        for (size_t i = 0; i < pts.size(); ++i) {
            const QPointF d = m_vp->imageToWidget(pts[i]) - widget;
            if (std::hypot(d.x(), d.y()) <= kHandleRadius) return std::make_pair(a.id, int(i));
        }
    }
    return std::nullopt;
}

void MeasurementLayer::onPointer(PointerPhase phase, QPointF image, Qt::KeyboardModifiers)
{
    const Context c = context();
    if (!c.valid || !m_vp) return;
    const QPointF w = m_vp->imageToWidget(image);
    if (phase == PointerPhase::Press) {
        m_pressAt = w;
        if (m_draft.empty()) {
            if (auto h = handleAt(w)) {
                m_editId = h->first;
                m_editHandle = h->second;
                m_set->select(m_editId);
                return;
            }
            if (!m_tool) return;
            const AnnotationKind k = *m_tool;
            if (k == AnnotationKind::Text) {
                const auto text = m_prompt(tr("Text annotation"));
                if (!text || text->trimmed().isEmpty()) return;
                Annotation a;
                a.kind = k;
                a.seriesUid = c.seriesUid;
                a.onVolume = c.onVolume;
                a.sopUid = c.sopUid;
                a.frame = c.frame;
                a.text = *text;
                a.created = QDateTime::currentMSecsSinceEpoch();
                setImagePoints(a, {image}, c);
                m_set->add(a);
                return;
            }
            if (k == AnnotationKind::Region) {
                auto* ms = qobject_cast<MprStack*>(m_vp->stack());
                if (!ms) {
                    emit message(tr("3D regions are measured on the MPR planes (MPR / 3D, Ctrl+M)."));
                    return;
                }
                auto vol = ms->volume();
                if (!vol->complete()) {
                    emit message(tr("Wait for the volume to finish loading before measuring a 3D region."));
                    return;
                }
                Annotation a;
                a.kind = k;
                a.seriesUid = c.seriesUid;
                a.onVolume = true;
                setImagePoints(a, {image}, c);
                // A seed outside the range: the range moves to centre on the seed's value.
                const double v = vol->sample(vol->geometry().toIndex(a.patient.front()), std::nan(""));
                if (std::isnan(v)) {
                    emit message(tr("The seed is outside the volume."));
                    return;
                }
                if (!m_threshold && (v < m_lower || v > m_upper)) {
                    const double half = (m_upper - m_lower) / 2;
                    m_lower = v - half;
                    m_upper = v + half;
                    emit regionRangeChanged(m_lower, m_upper);
                }
                a.lower = m_lower;
                a.upper = m_upper;
                a.threshold = m_threshold;
                a.created = QDateTime::currentMSecsSinceEpoch();
                a.id = newAnnotationId();
                m_set->add(a);
                m_set->computeRegion(a.id, vol);
                return;
            }
            m_dragging = true;
            m_draft = k == AnnotationKind::Freehand ? std::vector<QPointF>{image} : std::vector<QPointF>{image, image};
            m_vp->refreshOverlay();
            return;
        }
        // Click by click: the floating point is fixed here.
        m_dragging = true;
        m_draft.back() = image;
        if (int(m_draft.size()) >= pointsNeeded(*m_tool)) finishDraft();
        else m_draft.push_back(image);
        m_vp->refreshOverlay();
        return;
    }
    if (phase == PointerPhase::Move || phase == PointerPhase::Hover) {
        if (!m_editId.isEmpty() && phase == PointerPhase::Move) {
            const Annotation* a = m_set->find(m_editId);
            if (!a) return;
            Annotation copy = *a;
            auto pts = imagePoints(copy, c);
            if (m_editHandle < int(pts.size())) pts[size_t(m_editHandle)] = image;
            setImagePoints(copy, pts, c);
            // Shown while dragging; saved on release.
            m_set->blockSignals(true);
            m_set->update(copy);
            m_set->blockSignals(false);
            m_vp->refreshOverlay();
            return;
        }
        if (m_draft.empty()) return;
        if (m_tool == AnnotationKind::Freehand) {
            if (!m_dragging) return;
            const QPointF d = m_vp->imageToWidget(m_draft.back()) - w;
            if (std::hypot(d.x(), d.y()) >= 2.0) m_draft.push_back(image);
        } else {
            m_draft.back() = image;
        }
        m_vp->refreshOverlay();
        return;
    }
    if (phase == PointerPhase::Release) {
        if (!m_editId.isEmpty()) {
            if (const Annotation* a = m_set->find(m_editId)) m_set->update(*a);
            m_editId.clear();
            m_editHandle = -1;
            return;
        }
        if (m_draft.empty() || !m_tool) return;
        const bool dragged = std::hypot(w.x() - m_pressAt.x(), w.y() - m_pressAt.y()) > 3.0;
        if (m_tool == AnnotationKind::Freehand) {
            m_dragging = false;
            if (m_draft.size() >= 3) finishDraft();
            else m_draft.clear();
        } else if (dragged && m_dragging) {
            m_draft.back() = image;
            if (int(m_draft.size()) >= pointsNeeded(*m_tool)) finishDraft();
            else m_draft.push_back(image);
        }
        m_dragging = false;
        m_vp->refreshOverlay();
    }
}

void MeasurementLayer::finishDraft()
{
    const Context c = context();
    if (!c.valid || !m_tool || m_draft.empty()) return;
    Annotation a;
    a.kind = *m_tool;
    a.seriesUid = c.seriesUid;
    a.onVolume = c.onVolume;
    a.sopUid = c.sopUid;
    a.frame = c.frame;
    a.created = QDateTime::currentMSecsSinceEpoch();
    setImagePoints(a, m_draft, c);
    m_draft.clear();
    m_dragging = false;
    if (a.kind == AnnotationKind::Arrow) {
        const auto text = m_prompt(tr("Arrow label (may be empty)"));
        if (!text) {
            m_vp->refreshOverlay();
            return;
        }
        a.text = *text;
    }
    m_set->add(a);
    const QString result = labelFor(a);
    if (!result.isEmpty()) emit message(QString(result).replace('\n', "  "));
}

bool MeasurementLayer::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() == QEvent::KeyPress && m_vp && watched == m_vp->view()) {
        auto* e = static_cast<QKeyEvent*>(event);
        if (e->key() == Qt::Key_Escape && !m_draft.empty()) {
            m_draft.clear();
            m_dragging = false;
            m_vp->refreshOverlay();
            return true;
        }
        if ((e->key() == Qt::Key_Delete || e->key() == Qt::Key_Backspace) && !m_set->selected().isEmpty() &&
            visibleIds().contains(m_set->selected())) {
            m_set->remove(m_set->selected());
            return true;
        }
    }
    return QObject::eventFilter(watched, event);
}

void MeasurementLayer::paint(QPainter& p)
{
    const Context c = context();
    if (!c.valid || !m_vp->currentImageShown()) return;
    p.setRenderHint(QPainter::Antialiasing);
    auto toW = [this](QPointF q) { return m_vp->imageToWidget(q); };
    auto drawShape = [&](AnnotationKind kind, const std::vector<QPointF>& pts, const QColor& color, bool dashed) -> QPointF {
        QPen pen(color, 1.6, dashed ? Qt::DashLine : Qt::SolidLine);
        p.setPen(pen);
        p.setBrush(Qt::NoBrush);
        QPolygonF poly;
        QPointF labelAt = pts.empty() ? QPointF() : toW(pts.back());
        switch (kind) {
        case AnnotationKind::Length:
        case AnnotationKind::Arrow:
            if (pts.size() >= 2) {
                const QPointF a = toW(pts[0]), b = toW(pts[1]);
                p.drawLine(a, b);
                const QPointF d = b - a;
                const double len = std::hypot(d.x(), d.y());
                if (len > 1) {
                    const QPointF u = d / len, n(-u.y(), u.x());
                    if (kind == AnnotationKind::Arrow) {
                        p.setBrush(color);
                        p.drawPolygon(QPolygonF{a, a + u * 12 + n * 5, a + u * 12 - n * 5});
                        p.setBrush(Qt::NoBrush);
                    } else {
                        p.drawLine(a - n * 5, a + n * 5);
                        p.drawLine(b - n * 5, b + n * 5);
                    }
                }
            }
            break;
        case AnnotationKind::Angle:
            for (const QPointF& q : pts) poly << toW(q);
            p.drawPolyline(poly);
            if (pts.size() >= 2) labelAt = toW(pts[1]);
            break;
        case AnnotationKind::Cobb:
            if (pts.size() >= 2) p.drawLine(toW(pts[0]), toW(pts[1]));
            if (pts.size() >= 4) {
                p.drawLine(toW(pts[2]), toW(pts[3]));
                const QPointF m1 = (toW(pts[0]) + toW(pts[1])) / 2, m2 = (toW(pts[2]) + toW(pts[3])) / 2;
                p.setPen(QPen(color, 1.0, Qt::DotLine));
                p.drawLine(m1, m2);
                labelAt = (m1 + m2) / 2;
            }
            break;
        case AnnotationKind::Ellipse:
            if (pts.size() >= 2) {
                const QPointF ctr = (pts[0] + pts[1]) / 2;
                const double rx = std::abs(pts[1].x() - pts[0].x()) / 2, ry = std::abs(pts[1].y() - pts[0].y()) / 2;
                for (int i = 0; i < 72; ++i) {
                    const double t = i * 2 * M_PI / 72;
                    poly << toW(ctr + QPointF(rx * std::cos(t), ry * std::sin(t)));
                }
                p.drawPolygon(poly);
                labelAt = toW(QPointF(std::max(pts[0].x(), pts[1].x()), std::min(pts[0].y(), pts[1].y())));
            }
            break;
        case AnnotationKind::Rectangle:
            if (pts.size() >= 2) {
                poly << toW(pts[0]) << toW(QPointF(pts[1].x(), pts[0].y())) << toW(pts[1]) << toW(QPointF(pts[0].x(), pts[1].y()));
                p.drawPolygon(poly);
                labelAt = toW(QPointF(std::max(pts[0].x(), pts[1].x()), std::min(pts[0].y(), pts[1].y())));
            }
            break;
        case AnnotationKind::Freehand:
            for (const QPointF& q : pts) poly << toW(q);
            if (dashed) p.drawPolyline(poly);
            else p.drawPolygon(poly);
            break;
        case AnnotationKind::Text:
        case AnnotationKind::Region: break;
        }
        return labelAt;
    };

    for (const Annotation& a : m_set->all()) {
        if (!visibleOn(a, c)) continue;
        const QColor color = a.id == m_set->selected() ? kSelected : kShape;
        if (a.kind == AnnotationKind::Region) {
            paintRegion(p, a, c);
            continue;
        }
        const auto pts = imagePoints(a, c);
        QPointF labelAt = drawShape(a.kind, pts, color, false);
        if (a.kind == AnnotationKind::Text && !pts.empty()) labelAt = toW(pts[0]);
        // Handles of the selected annotation.
        if (a.id == m_set->selected()) {
            p.setPen(QPen(color, 1));
            for (const QPointF& q : pts) p.drawRect(QRectF(toW(q) - QPointF(3, 3), QSizeF(6, 6)));
        }
        const QString label = labelFor(a);
        if (!label.isEmpty()) outlinedText(p, labelAt + (a.kind == AnnotationKind::Text ? QPointF(0, 0) : QPointF(8, -6)), label, color);
    }
    if (!m_draft.empty() && m_tool) {
        const QPointF labelAt = drawShape(*m_tool, m_draft, kDraft, true);
        const QString live = resultText(*m_tool, m_draft, c);
        if (!live.isEmpty()) outlinedText(p, labelAt + QPointF(8, -6), live, kDraft);
    }
}

void MeasurementLayer::paintRegion(QPainter& p, const Annotation& a, const Context& c)
{
    const RegionState* s = m_set->region(a.id);
    const QColor color = a.id == m_set->selected() ? kSelected : kShape;
    auto toW = [this](QPointF q) { return m_vp->imageToWidget(q); };
    const QPointF seed = imagePoints(a, c).front();
    if (!s || !s->mask) {
        const QPointF w = toW(seed);
        p.setPen(QPen(color, 1.5));
        p.drawLine(w - QPointF(6, 0), w + QPointF(6, 0));
        p.drawLine(w - QPointF(0, 6), w + QPointF(0, 6));
        outlinedText(p, w + QPointF(8, -6), labelFor(a), color);
        return;
    }
    const RegionMask& m = *s->mask;
    // The plane's pixels over the region's bounding box.
    double c0 = 1e300, c1 = -1e300, r0 = 1e300, r1 = -1e300;
    for (int corner = 0; corner < 8; ++corner) {
        const Vec3 idx{corner & 1 ? m.hi[0] + 0.5 : m.lo[0] - 0.5, corner & 2 ? m.hi[1] + 0.5 : m.lo[1] - 0.5, corner & 4 ? m.hi[2] + 0.5 : m.lo[2] - 0.5};
        const Vec3 d = s->geometry.toPatient(idx) - c.plane.origin;
        const double x = dot(d, c.plane.x) / c.plane.spacing, y = dot(d, c.plane.y) / c.plane.spacing;
        c0 = std::min(c0, x);
        c1 = std::max(c1, x);
        r0 = std::min(r0, y);
        r1 = std::max(r1, y);
    }
    const int ic0 = std::max(0, int(std::floor(c0))), ic1 = std::min(c.plane.width - 1, int(std::ceil(c1)));
    const int ir0 = std::max(0, int(std::floor(r0))), ir1 = std::min(c.plane.height - 1, int(std::ceil(r1)));
    if (ic0 > ic1 || ir0 > ir1) return;
    QImage img(ic1 - ic0 + 1, ir1 - ir0 + 1, QImage::Format_ARGB32_Premultiplied);
    img.fill(Qt::transparent);
    const QRgb fill = qPremultiply(kRegion.rgba());
    int top = -1, right = -1;
    for (int r = ir0; r <= ir1; ++r) {
        auto* line = reinterpret_cast<QRgb*>(img.scanLine(r - ir0));
        for (int col = ic0; col <= ic1; ++col) {
            const Vec3 pt = c.plane.origin + c.plane.x * (col * c.plane.spacing) + c.plane.y * (r * c.plane.spacing);
            const Vec3 idx = s->geometry.toIndex(pt);
            if (m.contains(int(std::lround(idx[0])), int(std::lround(idx[1])), int(std::lround(idx[2])))) {
                line[col - ic0] = fill;
                if (top < 0) top = r;
                right = std::max(right, col);
            }
        }
    }
    if (top < 0) return;  // the plane misses the region
    const QPointF A = toW(QPointF(ic0 - 0.5, ir0 - 0.5)), B = toW(QPointF(ic0 + 0.5, ir0 - 0.5)), C = toW(QPointF(ic0 - 0.5, ir0 + 0.5));
    p.save();
    p.setTransform(QTransform(B.x() - A.x(), B.y() - A.y(), C.x() - A.x(), C.y() - A.y(), A.x(), A.y()), true);
    p.drawImage(QPointF(0, 0), img);
    p.restore();
    outlinedText(p, toW(QPointF(right + 1, top)) + QPointF(6, 0), labelFor(a), color);
}

}  // namespace lightbox::viewer
