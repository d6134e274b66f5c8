#include "annotation_set.h"

#include "measure.h"

#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

namespace lightbox::viewer {

AnnotationSet::AnnotationSet(QThreadPool& pool, QObject* parent) : QObject(parent), m_pool(pool) {}

AnnotationSet::~AnnotationSet()
{
    for (auto& [id, flag] : m_running) flag->store(true);
}

const Annotation* AnnotationSet::find(const QString& id) const
{
    for (const Annotation& a : m_items)
        if (a.id == id) return &a;
    return nullptr;
}

void AnnotationSet::add(Annotation a)
{
    if (a.id.isEmpty()) a.id = newAnnotationId();
    const QString id = a.id;
    m_items.push_back(std::move(a));
    m_selected = id;
    emit added(id);
    emit changed();
}

void AnnotationSet::update(const Annotation& a)
{
    for (Annotation& x : m_items)
        if (x.id == a.id) {
            x = a;
            emit updated(a.id);
            emit changed();
            return;
        }
}

void AnnotationSet::remove(const QString& id)
{
    const auto it = std::find_if(m_items.begin(), m_items.end(), [&](const Annotation& a) { return a.id == id; });
    if (it == m_items.end()) return;
    m_items.erase(it);
    m_regions.erase(id);
    if (auto r = m_running.find(id); r != m_running.end()) {
        r->second->store(true);
        m_running.erase(r);
    }
    if (m_selected == id) m_selected.clear();
    emit removed(id);
    emit changed();
}

void AnnotationSet::reset(std::vector<Annotation> items)
{
    for (auto& [id, flag] : m_running) flag->store(true);
    m_running.clear();
    m_regions.clear();
    m_items = std::move(items);
    m_selected.clear();
    emit changed();
}

void AnnotationSet::select(const QString& id)
{
    if (m_selected == id) return;
    m_selected = id;
    emit changed();
}

const RegionState* AnnotationSet::region(const QString& id) const
{
    const auto it = m_regions.find(id);
    return it == m_regions.end() ? nullptr : &it->second;
}

void AnnotationSet::computeRegion(const QString& id, std::shared_ptr<const Volume> volume)
{
    const Annotation* a = find(id);
    if (!a || a->kind != AnnotationKind::Region || a->patient.empty() || !volume) return;
    if (auto r = m_running.find(id); r != m_running.end()) r->second->store(true);
    RegionState& state = m_regions[id];
    state.mask.reset();
    state.geometry = volume->geometry();
    state.unit = QString::fromStdString(modalityUnit(volume->display, 0));
    if (!volume->complete()) {
        state.status = tr("waiting for the volume to load");
        emit changed();
        return;
    }
    state.status = tr("computing…");
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    m_running[id] = cancel;
    RegionRequest req;
    req.mode = a->threshold ? RegionRequest::Mode::Threshold : RegionRequest::Mode::Connected;
    req.seed = a->patient.front();
    req.lower = a->lower;
    req.upper = a->upper;
    auto* watcher = new QFutureWatcher<Result<RegionMask>>(this);
    connect(watcher, &QFutureWatcher<Result<RegionMask>>::finished, this, [this, watcher, id, cancel] {
        watcher->deleteLater();
        if (cancel->load()) return;  // removed or recomputed meanwhile
        m_running.erase(id);
        auto it = m_regions.find(id);
        if (it == m_regions.end()) return;
        const Result<RegionMask> r = watcher->result();
        if (r) {
            it->second.mask = std::make_shared<const RegionMask>(*r);
            it->second.status.clear();
        } else {
            it->second.status = QString::fromStdString(r.error().message);
        }
        emit changed();
    });
    watcher->setFuture(QtConcurrent::run(&m_pool, [volume, req, cancel]() mutable {
        req.cancel = cancel.get();
        return growRegion(*volume, req);
    }));
    emit changed();
}

void AnnotationSet::computeRegions(std::shared_ptr<const Volume> volume)
{
    if (!volume) return;
    for (const Annotation& a : m_items) {
        if (a.kind != AnnotationKind::Region || a.seriesUid.toStdString() != volume->seriesInstanceUid) continue;
        const RegionState* s = region(a.id);
        if (s && (s->mask || m_running.count(a.id)) && s->geometry.size == volume->geometry().size) continue;
        computeRegion(a.id, volume);
    }
}

}  // namespace lightbox::viewer
