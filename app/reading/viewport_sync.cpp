#include "viewport_sync.h"

#include "image_stack.h"
#include "image_viewport.h"
#include "mpr_stack.h"
#include "volume_geometry.h"

#include <cmath>

namespace lightbox::app {

namespace {

struct Where {
    Vec3 point, normal;
};

std::optional<Where> where(viewer::ImageViewport* v, int index)
{
    viewer::ImageStack* s = v ? v->stack() : nullptr;
    if (!s || index < 0 || index >= s->size()) return std::nullopt;
    if (auto* mpr = qobject_cast<viewer::MprStack*>(s)) {
        const ReslicePlane p = mpr->plane(index);
        return Where{p.origin, p.normal()};
    }
    const viewer::StackEntry& e = s->entry(index);
    if (!e.info) return std::nullopt;
    const PlaneGeometry g = e.info->planeFor(e.frame);
    if (!g.position || !g.orientation) return std::nullopt;
    const auto& o = *g.orientation;
    const Vec3 n = normalized(cross(Vec3{o[0], o[1], o[2]}, Vec3{o[3], o[4], o[5]}));
    return Where{Vec3{(*g.position)[0], (*g.position)[1], (*g.position)[2]}, n};
}

std::string frameOfReference(viewer::ImageViewport* v)
{
    viewer::ImageStack* s = v ? v->stack() : nullptr;
    if (!s || s->size() == 0 || !s->entry(0).info) return {};
    return s->entry(0).info->frameOfReferenceUid;
}

std::string modality(viewer::ImageViewport* v)
{
    viewer::ImageStack* s = v ? v->stack() : nullptr;
    if (!s || s->size() == 0 || !s->entry(0).summary) return {};
    return s->entry(0).summary->modality;
}

}  // namespace

std::optional<double> ViewportSync::position(viewer::ImageViewport* v, int index, double normal[3])
{
    const auto w = where(v, index);
    if (!w) return std::nullopt;
    if (normal)
        for (int i = 0; i < 3; ++i) normal[i] = w->normal[std::size_t(i)];
    return dot(w->point, w->normal);
}

void ViewportSync::add(const QString& group, viewer::ImageViewport* viewport, const QString& preset)
{
    if (group.isEmpty() || !viewport) return;
    m_members.push_back({viewport, group, preset.toLower(), position(viewport, viewport->currentIndex(), nullptr)});
    connect(viewport, &viewer::ImageViewport::indexChanged, this, [this, viewport] { onScrolled(viewport); });
    connect(viewport, &viewer::ImageViewport::windowChanged, this, [this, viewport] { onWindow(viewport); });
    connect(viewport, &viewer::ImageViewport::zoomChanged, this, [this, viewport] { onZoom(viewport); });
}

void ViewportSync::clear()
{
    for (Member& m : m_members)
        if (m.viewport) disconnect(m.viewport, nullptr, this, nullptr);
    m_members.clear();
}

void ViewportSync::setEnabled(bool on)
{
    m_enabled = on;
    for (Member& m : m_members) m.base.reset();
    if (on) captureBases();
}

int ViewportSync::groupSize(const QString& group) const
{
    int n = 0;
    for (const Member& m : m_members) n += m.group == group && m.viewport ? 1 : 0;
    return n;
}

ViewportSync::Member* ViewportSync::member(viewer::ImageViewport* v)
{
    for (Member& m : m_members)
        if (m.viewport == v) return &m;
    return nullptr;
}

void ViewportSync::captureBases()
{
    for (Member& m : m_members)
        if (!m.base && m.viewport) m.base = position(m.viewport, m.viewport->currentIndex(), nullptr);
}

void ViewportSync::onScrolled(viewer::ImageViewport* source)
{
    Member* from = member(source);
    if (!m_enabled || m_busy || !from) return;
    // A viewport whose images came later (a reformat) is linked where it is now; the one that just
    // moved cannot be: it waits for the next link.
    for (Member& m : m_members)
        if (!m.base && m.viewport && m.viewport != source) m.base = position(m.viewport, m.viewport->currentIndex(), nullptr);
    const auto here = where(source, source->currentIndex());
    if (!here || !from->base) return;
    const double pos = dot(here->point, here->normal);
    const std::string ref = frameOfReference(source);
    m_busy = true;
    for (Member& m : m_members) {
        if (m.group != from->group || !m.viewport || m.viewport == source || !m.viewport->stack()) continue;
        const auto theirs = where(m.viewport, m.viewport->currentIndex());
        if (!theirs || std::abs(dot(theirs->normal, here->normal)) < 0.99) continue;  // not parallel planes
        // The same patient coordinates, or the same displacement since they were linked.
        const bool sameFrame = !ref.empty() && frameOfReference(m.viewport) == ref;
        if (!sameFrame && !m.base) continue;
        const double target = sameFrame ? pos : *m.base + (pos - *from->base);
        int best = -1;
        double bestDistance = 0;
        for (int i = 0; i < m.viewport->count(); ++i) {
            const auto w = where(m.viewport, i);
            if (!w) continue;
            const double d = std::abs(dot(w->point, here->normal) - target);
            if (best < 0 || d < bestDistance) {
                best = i;
                bestDistance = d;
            }
        }
        if (best >= 0 && best != m.viewport->currentIndex()) m.viewport->setCurrentIndex(best);
    }
    m_busy = false;
}

void ViewportSync::onWindow(viewer::ImageViewport* source)
{
    Member* from = member(source);
    if (!m_enabled || m_busy || !from) return;
    const std::string mod = modality(source);
    m_busy = true;
    for (Member& m : m_members)
        if (m.group == from->group && m.preset == from->preset && m.viewport && m.viewport != source && modality(m.viewport) == mod)
            m.viewport->setWindow(source->window());
    m_busy = false;
}

void ViewportSync::onZoom(viewer::ImageViewport* source)
{
    Member* from = member(source);
    if (!m_enabled || m_busy || !from) return;
    m_busy = true;
    for (Member& m : m_members)
        if (m.group == from->group && m.viewport && m.viewport != source) m.viewport->setZoom(source->zoom());
    m_busy = false;
}

}  // namespace lightbox::app
