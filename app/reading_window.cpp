#include "reading_window.h"

#include "volume_job.h"

#include "frame_stack.h"
#include "image_viewport.h"
#include "mpr_stack.h"
#include "reslice.h"
#include "window_presets.h"

#include <QGridLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace lightbox::app {

struct ReadingWindow::Cell {
    ViewportPlacement placement;
    QWidget* frame = nullptr;
    QLabel* title = nullptr;
    viewer::ImageViewport* viewport = nullptr;
    std::unique_ptr<viewer::ImageStack> stack;
    std::string modality;
    bool waitingForVolume = false;
};

ReadingWindow::ReadingWindow(QThreadPool& pool, QWidget* parent) : QWidget(parent), m_pool(pool)
{
    m_grid = new QGridLayout(this);
    m_grid->setContentsMargins(0, 0, 0, 0);
    m_grid->setSpacing(2);
    setStyleSheet("ReadingWindow { background: black; } QLabel#cellTitle { color: #d0d0d0; background: #202020; padding: 2px; }");
}

ReadingWindow::~ReadingWindow() { clear(); }

void ReadingWindow::clear()
{
    for (auto& [uid, job] : m_volumes) job->cancel();
    for (auto& c : m_cells) {
        if (c->viewport) c->viewport->setStack(nullptr);
        delete c->frame;
    }
    m_cells.clear();
    m_volumes.clear();
}

namespace {

void applyPreset(viewer::ImageViewport* v, const std::string& modality, const QString& name)
{
    if (name.isEmpty()) return;
    for (const WindowPreset& p : windowPresetsFor(modality))
        if (QString::fromStdString(p.name).compare(name, Qt::CaseInsensitive) == 0) {
            v->applyPreset(p);
            return;
        }
}

}  // namespace

void ReadingWindow::setScreenPlacement(const ScreenPlacement& screen, const std::map<std::string, const SeriesGroup*>& series, const QString& title)
{
    clear();
    setWindowTitle(title);
    for (int r = 0; r < screen.rows; ++r) m_grid->setRowStretch(r, 1);
    for (int c = 0; c < screen.columns; ++c) m_grid->setColumnStretch(c, 1);
    for (const ViewportPlacement& p : screen.viewports) {
        auto cell = std::make_unique<Cell>();
        cell->placement = p;
        cell->frame = new QWidget(this);
        auto* box = new QVBoxLayout(cell->frame);
        box->setContentsMargins(0, 0, 0, 0);
        box->setSpacing(0);
        cell->title = new QLabel(cell->frame);
        cell->title->setObjectName("cellTitle");
        box->addWidget(cell->title);
        auto found = series.find(p.seriesUid);
        if (p.empty() || found == series.end()) {
            cell->title->setText(tr("%1: nothing to show").arg(p.spec.displaySet));
            auto* blank = new QWidget(cell->frame);
            blank->setStyleSheet("background: black;");
            box->addWidget(blank, 1);
        } else {
            const SeriesGroup& g = *found->second;
            cell->modality = g.modality;
            const QString prior = p.imageSet == "current" ? QString() : p.imageSet + " — ";
            const QString date = g.images.empty() ? QString() : QString::fromStdString(g.images.front().summary->studyDate);
            cell->title->setText(QStringLiteral("%1%2 %3  %4").arg(prior, date, QString::fromStdString(g.description), p.spec.view == "2d" ? QString() : p.spec.view));
            cell->viewport = new viewer::ImageViewport(cell->frame);
            box->addWidget(cell->viewport, 1);
            if (p.spec.view == "2d" || p.spec.view == "vr") {
                std::vector<viewer::StackEntry> entries;
                int start = 0;
                for (const SeriesFrame& f : g.frames) {
                    const OpenedImage& img = g.images[f.image];
                    if (!p.sopInstanceUid.empty() && img.summary->sopInstanceUid == p.sopInstanceUid && start == 0) start = int(entries.size());
                    entries.push_back({QString::fromStdString(img.path), f.frame, img.info, img.summary});
                }
                cell->stack = std::make_unique<viewer::FrameStack>(std::move(entries), m_pool);
                cell->viewport->setStack(cell->stack.get());
                cell->viewport->setCurrentIndex(start);
                applyPreset(cell->viewport, g.modality, p.spec.preset);
            } else {
                showReformat(*cell, g);
            }
        }
        m_grid->addWidget(cell->frame, p.row, p.column);
        m_cells.push_back(std::move(cell));
    }
}

void ReadingWindow::showReformat(Cell& cell, const SeriesGroup& series)
{
    cell.waitingForVolume = true;
    auto& job = m_volumes[series.seriesInstanceUid];
    if (!job) {
        job = std::make_unique<VolumeJob>(m_pool);
        const std::vector<VolumePlan> plans = VolumeJob::plansFor(series);
        const QString error = plans.empty() ? tr("not a volume") : job->start(series, plans.front());
        if (!error.isEmpty()) {
            cell.title->setText(cell.title->text() + " — " + error);
            cell.waitingForVolume = false;
            return;
        }
    }
    Cell* target = &cell;
    VolumeJob* j = job.get();
    connect(j, &VolumeJob::finished, this, [this, target, j](const QString& error) {
        target->waitingForVolume = false;
        if (!error.isEmpty() || !j->volume()) {
            target->title->setText(target->title->text() + " — " + error);
            return;
        }
        const QString view = target->placement.spec.view;
        const SliceAxes axes = view == "axial" ? axialAxes() : view == "sagittal" ? sagittalAxes() : coronalAxes();
        auto stack = std::make_unique<viewer::MprStack>(j->volume(), axes, j->summary(), m_pool);
        if (view == "mip") {
            const VolumeGeometry& g = j->volume()->geometry();
            double extent = 0;
            for (int i = 0; i < 3; ++i) extent = std::max(extent, g.size[std::size_t(i)] * g.spacing[std::size_t(i)]);
            stack->setSlab(extent, SlabMode::Max);
        }
        target->stack = std::move(stack);
        target->viewport->setStack(target->stack.get());
        target->viewport->setCurrentIndex(target->stack->size() / 2);
        applyPreset(target->viewport, target->modality, target->placement.spec.preset);
    });
}

viewer::ImageViewport* ReadingWindow::viewport(int cell) const { return m_cells[std::size_t(cell)]->viewport; }

QString ReadingWindow::cellTitle(int cell) const { return m_cells[std::size_t(cell)]->title->text(); }

const ViewportPlacement& ReadingWindow::placement(int cell) const { return m_cells[std::size_t(cell)]->placement; }

bool ReadingWindow::allShown() const
{
    for (const auto& c : m_cells)
        if (c->viewport && (c->waitingForVolume || !c->viewport->currentImageShown())) return false;
    return true;
}

}  // namespace lightbox::app
