#include "reading_window.h"

#include "series_strip.h"
#include "volume_job.h"

#include "frame_stack.h"
#include "image_viewport.h"
#include "vtk_view_widget.h"
#include "mpr_stack.h"
#include "volume_view.h"
#include "reslice.h"
#include "window_presets.h"

#include <QApplication>
#include <QDropEvent>
#include <QGridLayout>
#include <QPainter>
#include <QMimeData>
#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>

namespace lightbox::app {

struct ReadingWindow::Cell {
    ViewportPlacement placement;
    QWidget* frame = nullptr;
    QWidget* blank = nullptr;
    QLabel* title = nullptr;
    viewer::ImageViewport* viewport = nullptr;
    viewer::VolumeView* volumeView = nullptr;
    std::unique_ptr<viewer::ImageStack> stack;
    std::string modality;
    bool waitingForVolume = false;
};

ReadingWindow::ReadingWindow(QThreadPool& pool, QWidget* parent) : QWidget(parent), m_pool(pool)
{
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->setSpacing(2);
    m_warning = new QLabel(this);
    m_warning->setObjectName("readingWarning");
    m_warning->setWordWrap(true);
    m_warning->setStyleSheet("QLabel#readingWarning { color: black; background: #f0b030; padding: 4px; font-weight: bold; }");
    m_warning->hide();
    outer->addWidget(m_warning);
    auto* gridHolder = new QWidget(this);
    m_grid = new QGridLayout(gridHolder);
    m_grid->setContentsMargins(0, 0, 0, 0);
    m_grid->setSpacing(2);
    outer->addWidget(gridHolder, 1);
    m_strip = new SeriesStrip(this);
    outer->addWidget(m_strip);
    setStyleSheet("ReadingWindow { background: black; } QLabel#cellTitle { color: #d0d0d0; background: #202020; padding: 2px; }");
}

ReadingWindow::~ReadingWindow() { clear(); }

void ReadingWindow::setWarning(const QString& text)
{
    m_warning->setText(text);
    m_warning->setVisible(!text.isEmpty());
}

QString ReadingWindow::warning() const { return m_warning->text(); }

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

void ReadingWindow::setScreenPlacement(const ScreenPlacement& screen, const std::map<std::string, const SeriesGroup*>& series,
                                       const std::vector<SeriesGroup>& all, const QString& title)
{
    clear();
    m_all = &all;
    m_rows = screen.rows;
    m_columns = screen.columns;
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
            cell->blank = new QWidget(cell->frame);
            cell->blank->setStyleSheet("background: black;");
            box->addWidget(cell->blank, 1);
        } else {
            const SeriesGroup& g = *found->second;
            cell->modality = g.modality;
            const QString prior = p.imageSet == "current" ? QString() : p.imageSet + " — ";
            const QString date = g.images.empty() ? QString() : QString::fromStdString(g.images.front().summary->studyDate);
            cell->title->setText(QStringLiteral("%1%2 %3  %4").arg(prior, date, QString::fromStdString(g.description), p.spec.view == "2d" ? QString() : p.spec.view));
            if (p.spec.view == "vr") {
                cell->volumeView = new viewer::VolumeView(cell->frame);
                box->addWidget(cell->volumeView, 1);
                showReformat(*cell, g);
            } else {
                cell->viewport = new viewer::ImageViewport(cell->frame);
                box->addWidget(cell->viewport, 1);
                if (p.spec.view == "2d") show2d(*cell, g, p.sopInstanceUid);
                else showReformat(*cell, g);
            }
        }
        cell->frame->setAcceptDrops(true);
        cell->frame->installEventFilter(this);
        m_grid->addWidget(cell->frame, p.row, p.column);
        m_cells.push_back(std::move(cell));
    }
}

void ReadingWindow::show2d(Cell& cell, const SeriesGroup& g, const std::string& sopInstanceUid)
{
    std::vector<viewer::StackEntry> entries;
    int start = 0;
    for (const SeriesFrame& f : g.frames) {
        const OpenedImage& img = g.images[f.image];
        if (!sopInstanceUid.empty() && img.summary->sopInstanceUid == sopInstanceUid && start == 0) start = int(entries.size());
        entries.push_back({QString::fromStdString(img.path), f.frame, img.info, img.summary});
    }
    cell.viewport->setStack(nullptr);
    cell.stack = std::make_unique<viewer::FrameStack>(std::move(entries), m_pool);
    cell.modality = g.modality;
    cell.viewport->setStack(cell.stack.get());
    cell.viewport->setCurrentIndex(start);
    applyPreset(cell.viewport, g.modality, cell.placement.spec.preset);
    if (!cell.placement.spec.fit) {
        // One image pixel per screen pixel instead of zoom-to-fit, once the image is shown.
        viewer::ImageViewport* v = cell.viewport;
        auto once = std::make_shared<QMetaObject::Connection>();
        *once = connect(v, &viewer::ImageViewport::imageShown, this, [v, once] {
            disconnect(*once);
            v->actualSize();
        });
    }
    if (!cell.placement.spec.align.isEmpty()) {
        // Once the image is on screen (fitted): its chest wall to the side the protocol names.
        Cell* target = &cell;
        auto once = std::make_shared<QMetaObject::Connection>();
        *once = connect(cell.viewport, &viewer::ImageViewport::imageShown, this, [this, target, once] {
            disconnect(*once);
            align(*target);
        });
    }
}

void ReadingWindow::align(Cell& cell)
{
    viewer::ImageViewport* v = cell.viewport;
    if (!v || !v->stack() || v->stack()->size() == 0) return;
    const viewer::StackEntry& e = v->stack()->entry(v->currentIndex());
    if (!e.info) return;
    // Patient Orientation's first value: the direction of increasing columns. The chest wall is
    // posterior: for "right" it must be at the right edge (columns run towards P), for "left" at
    // the left edge (columns run towards A).
    const std::string rowDirection = e.info->patientOrientation.empty() ? std::string() : e.info->patientOrientation.front();
    const bool wantRight = cell.placement.spec.align == "right";
    const bool posteriorRight = rowDirection.find('P') != std::string::npos;
    const bool anteriorRight = rowDirection.find('A') != std::string::npos;
    if ((wantRight && anteriorRight) || (!wantRight && posteriorRight)) v->flipHorizontal();
    const double rowsMid = e.info->rows / 2.0;
    const double x0 = v->imageToWidget(QPointF(-0.5, rowsMid)).x();
    const double x1 = v->imageToWidget(QPointF(e.info->columns - 0.5, rowsMid)).x();
    const double left = std::min(x0, x1), right = std::max(x0, x1);
    v->panBy(QPointF(wantRight ? v->width() - right : -left, 0));
}

int ReadingWindow::focusedCell() const
{
    for (std::size_t i = 0; i < m_cells.size(); ++i)
        if (m_cells[i]->viewport && m_cells[i]->viewport->isAncestorOf(QApplication::focusWidget())) return int(i);
    return -1;
}

void ReadingWindow::stepSeries(int delta)
{
    const int i = focusedCell();
    if (i < 0 || !m_all) return;
    Cell& cell = *m_cells[std::size_t(i)];
    if (!cell.stack || cell.stack->size() == 0 || !cell.stack->entry(0).summary) return;
    const auto& shown = *cell.stack->entry(0).summary;
    // The series of the same study, in order.
    std::vector<const SeriesGroup*> list;
    int at = -1;
    for (const SeriesGroup& g : *m_all) {
        if (g.images.empty() || g.images.front().summary->studyInstanceUid != shown.studyInstanceUid) continue;
        if (g.seriesInstanceUid == shown.seriesInstanceUid) at = int(list.size());
        list.push_back(&g);
    }
    if (list.size() < 2) return;
    const int next = ((at < 0 ? 0 : at) + delta + int(list.size())) % int(list.size());
    showSeriesInCell(i, QString::fromStdString(list[std::size_t(next)]->seriesInstanceUid));
    cell.viewport->view()->setFocus();
}

void ReadingWindow::showReformat(Cell& cell, const SeriesGroup& series)
{
    cell.waitingForVolume = true;
    auto& job = m_volumes[series.seriesInstanceUid];
    if (!job) {
        job = std::make_unique<VolumeJob>(m_pool);
        job->start(series);  // assembled and loaded on a worker; finished() says when, or why not
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
        if (target->volumeView) {
            target->volumeView->setVolume(j->volume());
            if (!target->placement.spec.preset.isEmpty()) target->volumeView->setPreset(target->placement.spec.preset);
            return;
        }
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

viewer::VolumeView* ReadingWindow::volumeView(int cell) const { return m_cells[std::size_t(cell)]->volumeView; }

QWidget* ReadingWindow::cellWidget(int cell) const { return m_cells[std::size_t(cell)]->frame; }

QString ReadingWindow::cellTitle(int cell) const { return m_cells[std::size_t(cell)]->title->text(); }

const ViewportPlacement& ReadingWindow::placement(int cell) const { return m_cells[std::size_t(cell)]->placement; }

void ReadingWindow::noteEmpty(const QString& imageSet, const QString& note)
{
    for (auto& c : m_cells)
        if (!c->viewport && c->placement.imageSet == imageSet) c->title->setText(QStringLiteral("%1: %2").arg(c->placement.spec.displaySet, note));
}

void ReadingWindow::setKeyImages(std::shared_ptr<const std::set<std::pair<std::string, int>>> keys)
{
    m_keys = std::move(keys);
    for (std::size_t i = 0; i < m_cells.size(); ++i) installKeyMark(int(i));
    refreshKeyMarks();
}

void ReadingWindow::installKeyMark(int index)
{
    Cell& c = *m_cells[std::size_t(index)];
    if (!c.viewport) return;
    viewer::ImageViewport* v = c.viewport;
    v->setOverlayPainter([this, index, v](QPainter& p) {
        if (!shownIsKeyImage(index)) return;
        // A gold frame round the viewport and "KEY" under the top orientation letter.
        p.setPen(QPen(QColor(255, 200, 0), 3));
        p.setBrush(Qt::NoBrush);
        p.drawRect(QRectF(1.5, 1.5, v->width() - 3, v->height() - 3));
        QFont f = p.font();
        f.setBold(true);
        p.setFont(f);
        p.drawText(QRectF(0, 6 + 1.6 * p.fontMetrics().height(), v->width(), p.fontMetrics().height() + 2), Qt::AlignHCenter, tr("KEY"));
    });
}

void ReadingWindow::refreshKeyMarks()
{
    for (auto& c : m_cells)
        if (c->viewport) c->viewport->refreshOverlay();
}

std::pair<std::string, int> ReadingWindow::shownImage(int cell) const
{
    if (cell < 0 || cell >= int(m_cells.size())) return {};
    const Cell& c = *m_cells[std::size_t(cell)];
    if (!c.viewport || !c.stack || qobject_cast<viewer::MprStack*>(c.stack.get())) return {};
    const int i = c.viewport->currentIndex();
    if (i < 0 || i >= c.stack->size() || !c.stack->entry(i).summary) return {};
    return {c.stack->entry(i).summary->sopInstanceUid, int(c.stack->entry(i).frame)};
}

bool ReadingWindow::shownIsKeyImage(int cell) const
{
    const auto image = shownImage(cell);
    return m_keys && !image.first.empty() && m_keys->count(image) > 0;
}

void ReadingWindow::setSeriesStrip(const std::map<std::string, QImage>& thumbnails, const std::string& currentStudy)
{
    if (m_all) m_strip->setSeries(*m_all, thumbnails, currentStudy);
}

bool ReadingWindow::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() != QEvent::DragEnter && event->type() != QEvent::DragMove && event->type() != QEvent::Drop) return QWidget::eventFilter(watched, event);
    int cell = -1;
    for (std::size_t i = 0; i < m_cells.size(); ++i)
        if (m_cells[i]->frame == watched) cell = int(i);
    auto* drop = static_cast<QDropEvent*>(event);
    if (cell < 0 || !drop->mimeData()->hasFormat(kSeriesMimeType)) return QWidget::eventFilter(watched, event);
    if (event->type() == QEvent::Drop) showSeriesInCell(cell, QString::fromUtf8(drop->mimeData()->data(kSeriesMimeType)));
    drop->acceptProposedAction();
    return true;
}

bool ReadingWindow::showSeriesInCell(int index, const QString& seriesUid)
{
    if (index < 0 || index >= int(m_cells.size()) || !m_all) return false;
    const SeriesGroup* g = nullptr;
    for (const SeriesGroup& s : *m_all)
        if (QString::fromStdString(s.seriesInstanceUid) == seriesUid) g = &s;
    if (!g || g->images.empty()) return false;
    Cell& cell = *m_cells[std::size_t(index)];
    const bool created = !cell.viewport;
    if (created) {
        delete cell.blank;
        cell.blank = nullptr;
        delete cell.volumeView;  // a 3D cell shows the series in 2D from now on
        cell.volumeView = nullptr;
        cell.viewport = new viewer::ImageViewport(cell.frame);
        static_cast<QVBoxLayout*>(cell.frame->layout())->addWidget(cell.viewport, 1);
    }
    const auto& summary = *g->images.front().summary;
    cell.placement.studyUid = summary.studyInstanceUid;
    cell.placement.seriesUid = g->seriesInstanceUid;
    cell.placement.sopInstanceUid.clear();
    cell.placement.spec.view = "2d";
    cell.waitingForVolume = false;
    show2d(cell, *g, {});
    cell.title->setText(QStringLiteral("%1 %2").arg(QString::fromStdString(summary.studyDate), QString::fromStdString(g->description)));
    if (created) {
        installKeyMark(index);
        emit viewportCreated(cell.viewport, cell.placement.spec.sync, cell.placement.spec.preset);
    }
    return true;
}

ScreenPlacement ReadingWindow::shownPlacement() const
{
    ScreenPlacement s{m_rows, m_columns, {}};
    for (const auto& c : m_cells) s.viewports.push_back(c->placement);
    return s;
}

bool ReadingWindow::allShown() const
{
    for (const auto& c : m_cells) {
        if (c->viewport && (c->waitingForVolume || !c->viewport->currentImageShown())) return false;
        if (c->volumeView && c->waitingForVolume) return false;
    }
    return true;
}

}  // namespace lightbox::app
