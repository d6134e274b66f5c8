#pragma once
// A reading window: one screen's viewports of a hanging-protocol stage in a grid. 2D viewports
// show a series (or, for image-level display sets, start at the chosen image) with the protocol's
// window preset; axial/coronal/sagittal viewports show reformats and `mip` a full-thickness
// coronal MIP of the series' volume, loaded in the background. Empty viewports say what they
// were meant for.
#include "protocol_engine.h"
#include "series_sorting.h"

#include <QWidget>

#include <map>
#include <memory>
#include <vector>

class QGridLayout;
class QLabel;
class QThreadPool;

namespace lightbox::viewer {
class ImageViewport;
class ImageStack;
}  // namespace lightbox::viewer

namespace lightbox::app {

class VolumeJob;

class ReadingWindow : public QWidget {
    Q_OBJECT
public:
    explicit ReadingWindow(QThreadPool& pool, QWidget* parent = nullptr);
    ~ReadingWindow() override;

    // Lays out the screen; `series` finds an opened series by its UID (it must outlive the window's use).
    void setScreenPlacement(const ScreenPlacement& screen, const std::map<std::string, const SeriesGroup*>& series, const QString& title);
    int cellCount() const { return int(m_cells.size()); }
    viewer::ImageViewport* viewport(int cell) const;  // nullptr for an empty cell
    QString cellTitle(int cell) const;
    const ViewportPlacement& placement(int cell) const;
    // Every non-empty viewport shows its image (reformats once their volume is in).
    bool allShown() const;

private:
    struct Cell;
    void clear();
    void showReformat(Cell& cell, const SeriesGroup& series);

    QThreadPool& m_pool;
    QGridLayout* m_grid = nullptr;
    std::vector<std::unique_ptr<Cell>> m_cells;
    std::map<std::string, std::unique_ptr<VolumeJob>> m_volumes;  // per series
};

}  // namespace lightbox::app
