#pragma once
// A reading window: one screen's viewports of a hanging-protocol stage in a grid. 2D viewports
// show a series (or, for image-level display sets, start at the chosen image) with the protocol's
// window preset; axial/coronal/sagittal viewports show reformats and `mip` a full-thickness
// coronal MIP of the series' volume, and `vr` volume rendering, loaded in the background. Empty viewports say what they
// were meant for.
#include "protocol_engine.h"
#include "series_sorting.h"

#include <QImage>
#include <QWidget>

#include <map>
#include <memory>
#include <set>
#include <vector>

class QGridLayout;
class QLabel;
class QThreadPool;

namespace lightbox::viewer {
class ImageViewport;
class ImageStack;
class VolumeView;
}  // namespace lightbox::viewer

namespace lightbox::app {

class VolumeJob;

class ReadingWindow : public QWidget {
    Q_OBJECT
public:
    explicit ReadingWindow(QThreadPool& pool, QWidget* parent = nullptr);
    ~ReadingWindow() override;

    // Lays out the screen; `series` finds an opened series by its UID, `all` lists every opened
    // series in order (both must outlive the window).
    void setScreenPlacement(const ScreenPlacement& screen, const std::map<std::string, const SeriesGroup*>& series,
                            const std::vector<SeriesGroup>& all, const QString& title);
    // The viewport with the keyboard focus shows the next (or previous) series of its study, in 2D.
    void stepSeries(int delta);
    // Key images (shared with the session): flagged images are marked "KEY IMAGE" in the viewports.
    void setKeyImages(std::shared_ptr<const std::set<std::pair<std::string, int>>> keys);
    void refreshKeyMarks();
    // The image (SOP Instance UID, frame) a cell shows now; empty UID for reformats and empty cells.
    std::pair<std::string, int> shownImage(int cell) const;
    bool shownIsKeyImage(int cell) const;
    // The thumbnail strip: the series of the study and its priors (drag one onto a viewport).
    void setSeriesStrip(const std::map<std::string, QImage>& thumbnails, const std::string& currentStudy);
    class SeriesStrip* seriesStrip() const { return m_strip; }
    // Shows a series (by UID) in a cell, in 2D (what a drop from the strip does).
    bool showSeriesInCell(int cell, const QString& seriesUid);

signals:
    // A viewport was made for a cell that had none (a series dropped on an empty cell).
    void viewportCreated(viewer::ImageViewport* viewport, const QString& syncGroup, const QString& preset);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

public:
    // The cell whose viewport has the focus (-1: none).
    int focusedCell() const;
    int cellCount() const { return int(m_cells.size()); }
    viewer::ImageViewport* viewport(int cell) const;  // nullptr for an empty cell (or a 3D one)
    viewer::VolumeView* volumeView(int cell) const;  // the 3D view of a "vr" cell, else nullptr
    QString cellTitle(int cell) const;
    QWidget* cellWidget(int cell) const;  // the cell's frame (drop target)
    const ViewportPlacement& placement(int cell) const;
    // Every non-empty viewport shows its image (reformats once their volume is in).
    bool allShown() const;
    // A note on the empty viewports of an image set (e.g. "retrieving the prior from PACS…").
    void noteEmpty(const QString& imageSet, const QString& note);
    // A warning across the top of the window (e.g. priors withheld); hidden when empty.
    void setWarning(const QString& text);
    QString warning() const;
    // What the window shows now (after series changed by the user), for "save layout as protocol".
    ScreenPlacement shownPlacement() const;

private:
    struct Cell;
    void clear();
    void showReformat(Cell& cell, const SeriesGroup& series);
    void show2d(Cell& cell, const SeriesGroup& series, const std::string& sopInstanceUid);
    void align(Cell& cell);
    void installKeyMark(int cell);

    QThreadPool& m_pool;
    QGridLayout* m_grid = nullptr;
    QLabel* m_warning = nullptr;
    std::shared_ptr<const std::set<std::pair<std::string, int>>> m_keys;
    class SeriesStrip* m_strip = nullptr;
    int m_rows = 1, m_columns = 1;
    const std::vector<SeriesGroup>* m_all = nullptr;
    std::vector<std::unique_ptr<Cell>> m_cells;
    std::map<std::string, std::unique_ptr<VolumeJob>> m_volumes;  // per series
};

}  // namespace lightbox::app
