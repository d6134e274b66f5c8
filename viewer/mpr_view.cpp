#include "mpr_view.h"

#include "mpr_stack.h"
#include "volume_view.h"

#include <QGridLayout>

#include <cmath>

namespace lightbox::viewer {

namespace {

const QColor kColors[3] = {QColor(90, 170, 255), QColor(110, 220, 110), QColor(255, 120, 90)};

SliceAxes defaultAxes(int p) { return p == 0 ? axialAxes() : p == 1 ? coronalAxes() : sagittalAxes(); }

Vec3 rotateAbout(const Vec3& v, const Vec3& axis, double degrees)
{
    const double t = degrees * M_PI / 180, c = std::cos(t), s = std::sin(t);
    const Vec3 k = normalized(axis);
    return v * c + cross(k, v) * s + k * (dot(k, v) * (1 - c));
}

}  // namespace

MprView::MprView(QThreadPool& pool, QWidget* parent) : QWidget(parent), m_pool(pool)
{
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(2);
    for (int p = 0; p < 3; ++p) {
        auto* v = new ImageViewport(this);
        v->setTool(Tool::External);
        m_viewports[size_t(p)] = v;
        const Plane plane = Plane(p);
        connect(v, &ImageViewport::pointerEvent, this,
                [this, plane](PointerPhase ph, QPointF px, Qt::KeyboardModifiers m) { onPointer(plane, ph, px, m); });
        connect(v, &ImageViewport::indexChanged, this, [this, plane](int i, int) { onIndexChanged(plane, i); });
        connect(v, &ImageViewport::imageShown, this, [this] { updateLines(); });
        // One window for the three planes.
        connect(v, &ImageViewport::windowChanged, this, [this, v](const WindowLevel& w) {
            if (m_syncing) return;
            m_syncing = true;
            for (ImageViewport* other : m_viewports)
                if (other != v && (other->window().center != w.center || other->window().width != w.width)) other->setWindow(w);
            m_syncing = false;
        });
    }
    m_volumeView = new VolumeView(this);
    grid->addWidget(m_viewports[Axial], 0, 0);
    grid->addWidget(m_viewports[Coronal], 0, 1);
    grid->addWidget(m_viewports[Sagittal], 1, 0);
    grid->addWidget(m_volumeView, 1, 1);
    // Four equal quarters whatever the widgets ask for.
    for (int i = 0; i < 2; ++i) {
        grid->setRowStretch(i, 1);
        grid->setColumnStretch(i, 1);
    }
    for (QWidget* w : std::initializer_list<QWidget*>{m_viewports[0], m_viewports[1], m_viewports[2], m_volumeView}) {
        w->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
        w->setMinimumSize(120, 120);
    }
}

MprView::~MprView()
{
    for (ImageViewport* v : m_viewports) v->setStack(nullptr);
}

void MprView::setVolume(std::shared_ptr<const Volume> volume, std::shared_ptr<const InstanceSummary> summary)
{
    for (ImageViewport* v : m_viewports) v->setStack(nullptr);
    m_volume = std::move(volume);
    if (!m_volume) {
        for (auto& s : m_stacks) s.reset();
        m_volumeView->setVolume(nullptr);
        return;
    }
    const VolumeGeometry& g = m_volume->geometry();
    m_cursor = g.toPatient({(g.size[0] - 1) / 2.0, (g.size[1] - 1) / 2.0, (g.size[2] - 1) / 2.0});
    m_syncing = true;  // showing the stacks is not the user scrolling
    for (int p = 0; p < 3; ++p) {
        m_stacks[size_t(p)] = std::make_unique<MprStack>(m_volume, defaultAxes(p), summary, m_pool);
        m_viewports[size_t(p)]->setStack(m_stacks[size_t(p)].get());
    }
    m_syncing = false;
    syncIndices();
    m_volumeView->setVolume(m_volume);
    updateLines();
}

void MprView::volumeProgress()
{
    for (auto& s : m_stacks)
        if (s) s->refresh();
    m_volumeView->dataChanged();
}

void MprView::setCursor(const Vec3& patient)
{
    m_cursor = patient;
    syncIndices();
    updateLines();
    emit cursorChanged(m_cursor);
}

void MprView::syncIndices()
{
    m_syncing = true;
    for (int p = 0; p < 3; ++p) {
        if (!m_stacks[size_t(p)]) continue;
        const int i = std::clamp(m_stacks[size_t(p)]->slices().indexOf(m_cursor), 0, m_stacks[size_t(p)]->size() - 1);
        m_viewports[size_t(p)]->setCurrentIndex(i);
    }
    m_syncing = false;
}

void MprView::onIndexChanged(Plane p, int index)
{
    if (m_syncing || !m_stacks[p]) return;
    // Scrolling one plane moves the cursor along its normal.
    const SliceStack& st = m_stacks[p]->slices();
    const Vec3 n = st.axes.normal();
    m_cursor = m_cursor + n * (st.position(index) - dot(m_cursor, n));
    updateLines();
    emit cursorChanged(m_cursor);
}

void MprView::onPointer(Plane p, PointerPhase phase, QPointF px, Qt::KeyboardModifiers mods)
{
    if (!m_stacks[p] || !m_cursorTool) return;
    if (phase == PointerPhase::Press && (mods & Qt::ShiftModifier)) {
        m_rotating = true;
        m_rotateFrom = px;
        return;
    }
    if (m_rotating) {
        if (phase == PointerPhase::Move) {
            // The angle swept around the cursor, as seen in this plane.
            const ReslicePlane plane = m_stacks[p]->plane(m_viewports[p]->currentIndex());
            const Vec3 c = m_cursor - plane.origin;
            const QPointF centre(dot(c, plane.x) / plane.spacing, dot(c, plane.y) / plane.spacing);
            const double a0 = std::atan2(m_rotateFrom.y() - centre.y(), m_rotateFrom.x() - centre.x());
            const double a1 = std::atan2(px.y() - centre.y(), px.x() - centre.x());
            rotatePlanes(p, (a1 - a0) * 180 / M_PI);
            m_rotateFrom = px;
        } else if (phase == PointerPhase::Release) {
            m_rotating = false;
        }
        return;
    }
    if (phase == PointerPhase::Press || phase == PointerPhase::Move) {
        const ReslicePlane plane = m_stacks[p]->plane(m_viewports[p]->currentIndex());
        setCursor(plane.origin + plane.x * (px.x() * plane.spacing) + plane.y * (px.y() * plane.spacing));
    }
}

void MprView::rotatePlanes(Plane about, double degrees)
{
    if (!m_stacks[about]) return;
    // Rotating the planes shows the patient rotated the other way.
    const Vec3 axis = m_stacks[about]->axes().normal();
    for (int p = 0; p < 3; ++p) {
        if (p == about || !m_stacks[size_t(p)]) continue;
        const SliceAxes a = m_stacks[size_t(p)]->axes();
        m_stacks[size_t(p)]->setAxes({normalized(rotateAbout(a.x, axis, -degrees)), normalized(rotateAbout(a.y, axis, -degrees))});
    }
    syncIndices();
    updateLines();
}

void MprView::resetPlanes()
{
    for (int p = 0; p < 3; ++p)
        if (m_stacks[size_t(p)]) m_stacks[size_t(p)]->setAxes(defaultAxes(p));
    syncIndices();
    updateLines();
}

void MprView::setSlab(double mm, SlabMode mode)
{
    for (auto& s : m_stacks)
        if (s) s->setSlab(mm, mode);
}

void MprView::setCursorTool(bool on)
{
    m_cursorTool = on;
}

void MprView::updateLines()
{
    for (int v = 0; v < 3; ++v) {
        if (!m_stacks[size_t(v)]) continue;
        const ReslicePlane plane = m_stacks[size_t(v)]->plane(m_viewports[size_t(v)]->currentIndex());
        const Vec3 c = m_cursor - plane.origin;
        const QPointF centre(dot(c, plane.x) / plane.spacing, dot(c, plane.y) / plane.spacing);
        const double reach = 2.0 * std::max(plane.width, plane.height);
        std::vector<ImageLine> lines;
        for (int w = 0; w < 3; ++w) {
            if (w == v || !m_stacks[size_t(w)]) continue;
            // The other plane meets this one along the cross product of their normals.
            const Vec3 d = cross(plane.normal(), m_stacks[size_t(w)]->axes().normal());
            QPointF dir(dot(d, plane.x), dot(d, plane.y));
            const double len = std::hypot(dir.x(), dir.y());
            if (len < 1e-6) continue;  // parallel planes do not cross
            dir /= len;
            lines.push_back({centre - dir * reach, centre + dir * reach, kColors[w], false});
        }
        m_viewports[size_t(v)]->setImageLines(std::move(lines));
    }
}

}  // namespace lightbox::viewer
