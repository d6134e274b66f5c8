#include "reference_lines.h"

#include "image_stack.h"
#include "image_viewport.h"
#include "mpr_stack.h"
#include "volume_geometry.h"

#include <QPointF>
#include <QTimer>

#include <cmath>

namespace lightbox::app {

namespace {

// The plane of the image a viewport shows: pixel (c, r) is at origin + x * c * sx + y * r * sy.
struct Plane {
    Vec3 origin, x, y;
    double sx = 1, sy = 1;
    int columns = 0, rows = 0;
    std::string frameOfReference;
    Vec3 normal() const { return normalized(cross(x, y)); }
};

std::optional<Plane> planeOf(viewer::ImageViewport* v)
{
    viewer::ImageStack* s = v ? v->stack() : nullptr;
    const int i = v ? v->currentIndex() : -1;
    if (!s || i < 0 || i >= s->size()) return std::nullopt;
    const viewer::StackEntry& e = s->entry(i);
    Plane p;
    if (e.info) p.frameOfReference = e.info->frameOfReferenceUid;
    if (auto* mpr = qobject_cast<viewer::MprStack*>(s)) {
        const ReslicePlane r = mpr->plane(i);
        p.origin = r.origin;
        p.x = r.x;
        p.y = r.y;
        p.sx = p.sy = r.spacing;
        p.columns = r.width;
        p.rows = r.height;
        return p;
    }
    if (!e.info) return std::nullopt;
    const PlaneGeometry g = e.info->planeFor(e.frame);
    if (!g.position || !g.orientation || !g.pixelSpacing) return std::nullopt;
    const auto& o = *g.orientation;
    p.origin = {(*g.position)[0], (*g.position)[1], (*g.position)[2]};
    p.x = {o[0], o[1], o[2]};
    p.y = {o[3], o[4], o[5]};
    p.sy = (*g.pixelSpacing)[0];  // between rows
    p.sx = (*g.pixelSpacing)[1];  // between columns
    p.columns = int(e.info->columns);
    p.rows = int(e.info->rows);
    return p;
}

}  // namespace

std::optional<std::pair<QPointF, QPointF>> ReferenceLines::cut(viewer::ImageViewport* viewport, viewer::ImageViewport* other)
{
    const auto a = planeOf(viewport), b = planeOf(other);
    if (!a || !b || a->frameOfReference.empty() || a->frameOfReference != b->frameOfReference) return std::nullopt;
    const Vec3 n = b->normal();
    // Points (c, r) of image A on plane B: k0 + kc * c + kr * r = 0.
    const double k0 = dot(Vec3{a->origin[0] - b->origin[0], a->origin[1] - b->origin[1], a->origin[2] - b->origin[2]}, n);
    const double kc = a->sx * dot(a->x, n), kr = a->sy * dot(a->y, n);
    if (std::abs(kc) < 1e-9 && std::abs(kr) < 1e-9) return std::nullopt;  // parallel planes
    // Clip the line to the image's edges (pixel centres run 0..N-1; edges at -0.5 and N-0.5).
    const double c0 = -0.5, c1 = a->columns - 0.5, r0 = -0.5, r1 = a->rows - 0.5;
    std::vector<QPointF> hits;
    auto keep = [&](double c, double r) {
        if (c >= c0 - 1e-6 && c <= c1 + 1e-6 && r >= r0 - 1e-6 && r <= r1 + 1e-6) hits.emplace_back(c, r);
    };
    if (std::abs(kr) > 1e-9) {
        keep(c0, -(k0 + kc * c0) / kr);
        keep(c1, -(k0 + kc * c1) / kr);
    }
    if (std::abs(kc) > 1e-9) {
        keep(-(k0 + kr * r0) / kc, r0);
        keep(-(k0 + kr * r1) / kc, r1);
    }
    if (hits.size() < 2) return std::nullopt;  // the plane misses the image
    // The two hits farthest apart (corners may be found twice).
    std::pair<QPointF, QPointF> best{hits[0], hits[1]};
    double far = -1;
    for (std::size_t i = 0; i < hits.size(); ++i)
        for (std::size_t j = i + 1; j < hits.size(); ++j) {
            const double d = std::hypot(hits[i].x() - hits[j].x(), hits[i].y() - hits[j].y());
            if (d > far) {
                far = d;
                best = {hits[i], hits[j]};
            }
        }
    if (far < 1e-6) return std::nullopt;
    return best;
}

void ReferenceLines::add(viewer::ImageViewport* viewport)
{
    if (!viewport) return;
    m_viewports.push_back(viewport);
    auto later = [this] {
        if (m_pending) return;
        m_pending = true;
        QTimer::singleShot(0, this, [this] {
            m_pending = false;
            update();
        });
    };
    connect(viewport, &viewer::ImageViewport::indexChanged, this, later);
    connect(viewport, &viewer::ImageViewport::imageShown, this, later);
}

void ReferenceLines::clear()
{
    for (auto& v : m_viewports)
        if (v) disconnect(v, nullptr, this, nullptr);
    m_viewports.clear();
}

void ReferenceLines::update()
{
    static const QColor colors[] = {QColor(255, 200, 0), QColor(0, 200, 255), QColor(120, 255, 120), QColor(255, 120, 255)};
    for (auto& v : m_viewports) {
        if (!v) continue;
        std::vector<viewer::ImageLine> lines;
        int k = 0;
        for (auto& other : m_viewports) {
            if (!other || other == v) continue;
            if (auto c = cut(v, other)) lines.push_back({c->first, c->second, colors[k++ % 4], true});
        }
        v->setImageLines(std::move(lines));
    }
}

}  // namespace lightbox::app
