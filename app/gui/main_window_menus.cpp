// MainWindow's menus and toolbars (viewer tools, MPR, measurements, window presets); the rest of
// the window is in main_window.cpp.
#include "main_window.h"

#include "app_config.h"
#include "key_images.h"
#include "protocol_library.h"
#include "reading_session.h"
#include "screen_plan.h"
#include <QGuiApplication>
#include <QScreen>
#include "annotation_set.h"
#include "archives_dialog.h"
#include "network_service.h"
#include "transfer_panel.h"
#include "frame_stack.h"
#include "measurement_layer.h"
#include "mpr_view.h"
#include "volume_job.h"
#include "image_stack.h"
#include "image_viewport.h"
#include "cache_location.h"
#include "cache_service.h"
#include "phantom.h"
#include "study_browser.h"
#include "vtk_view_widget.h"
#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QDateTime>
#include <QFileDialog>
#include <QJsonDocument>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QSettings>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QToolBar>
#include <QToolButton>
#include <QtConcurrent/QtConcurrentRun>

namespace lightbox::app {

void MainWindow::buildMeasureToolbar()
{
    addToolBarBreak();
    QToolBar* bar = addToolBar(tr("Measure"));
    bar->setObjectName("measure");
    struct Def { const char* name; viewer::AnnotationKind kind; const char* tip; };
    const Def defs[] = {
        {QT_TR_NOOP("Length"), viewer::AnnotationKind::Length, QT_TR_NOOP("Distance in mm: drag, or click both ends")},
        {QT_TR_NOOP("Angle"), viewer::AnnotationKind::Angle, QT_TR_NOOP("Angle: drag the first arm to the vertex, then click the end of the second")},
        {QT_TR_NOOP("Cobb"), viewer::AnnotationKind::Cobb, QT_TR_NOOP("Cobb angle: drag along each end plate")},
        {QT_TR_NOOP("Ellipse"), viewer::AnnotationKind::Ellipse, QT_TR_NOOP("Elliptical ROI: area, mean, SD, min, max")},
        {QT_TR_NOOP("Rectangle"), viewer::AnnotationKind::Rectangle, QT_TR_NOOP("Rectangular ROI: area, mean, SD, min, max")},
        {QT_TR_NOOP("Freehand"), viewer::AnnotationKind::Freehand, QT_TR_NOOP("Freehand ROI: draw the outline")},
        {QT_TR_NOOP("Text"), viewer::AnnotationKind::Text, QT_TR_NOOP("Text annotation: click where it goes")},
        {QT_TR_NOOP("Arrow"), viewer::AnnotationKind::Arrow, QT_TR_NOOP("Arrow: drag from the tip to the tail; optional label")},
        {QT_TR_NOOP("Region 3D"), viewer::AnnotationKind::Region, QT_TR_NOOP("3D region (MPR): click a seed; grows over the range set in the MPR bar")},
    };
    for (const Def& d : defs) {
        QAction* a = bar->addAction(tr(d.name));
        a->setCheckable(true);
        a->setToolTip(tr(d.tip));
        m_tools->addAction(a);
        const int tool = kMeasureTool + int(d.kind);
        connect(a, &QAction::triggered, this, [this, tool] { applyTool(tool); });
    }
    bar->addSeparator();
    bar->addAction(tr("Delete Measurement"), this, [this] {
        if (!m_annotations->selected().isEmpty()) m_annotations->remove(m_annotations->selected());
    });
    // One layer per viewport, all over the same annotations.
    std::vector<viewer::ImageViewport*> viewports{m_viewport};
    for (int p = 0; p < 3; ++p) viewports.push_back(m_mpr->viewport(viewer::MprView::Plane(p)));
    for (viewer::ImageViewport* v : viewports) {
        auto* layer = new viewer::MeasurementLayer(v, m_annotations, this);
        connect(layer, &viewer::MeasurementLayer::message, this, &MainWindow::showProblem);
        connect(layer, &viewer::MeasurementLayer::regionRangeChanged, this, [this](double lo, double hi) {
            const QSignalBlocker b1(m_regionLower), b2(m_regionUpper);
            m_regionLower->setValue(lo);
            m_regionUpper->setValue(hi);
            for (viewer::MeasurementLayer* l : m_layers) l->setRegionRange(lo, hi, m_regionMode->currentIndex() == 1);
        });
        m_layers.push_back(layer);
    }
}

void MainWindow::buildActions()
{
    buildFileMenu();
    buildViewMenu();

    m_presetMenu = menuBar()->addMenu(tr("&Window"));
    rebuildPresetMenu();

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Lightbox"), this, [this] {
        QMessageBox::about(this, tr("About Lightbox"),
                           tr("<b>Lightbox %1</b><br>Diagnostic radiology workstation.<br>"
                              "Not for diagnostic use unless validated at your site.").arg(QApplication::applicationVersion()));
    });
}

void MainWindow::buildFileMenu()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    m_fileMenu = file;
    file->addAction(tr("&Open File…"), QKeySequence::Open, this, [this] {
        const QStringList files = QFileDialog::getOpenFileNames(this, tr("Open DICOM files"));
        if (!files.isEmpty()) openPaths(files);
    });
    file->addAction(tr("Open &Folder…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a folder of DICOM files"));
        if (!dir.isEmpty()) openPaths({dir});
    });
    file->addAction(tr("&Import into Cache…"), QKeySequence(Qt::CTRL | Qt::Key_I), this, [this] {
        const QStringList files = QFileDialog::getOpenFileNames(this, tr("Import DICOM files, DICOMDIRs or ZIP archives"));
        if (!files.isEmpty()) {
            showBrowser();
            m_browser->importPaths(files);
        }
    });
    file->addAction(tr("Import &Folder into Cache…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Import a folder (CD, DVD, USB or any folder)"));
        if (!dir.isEmpty()) {
            showBrowser();
            m_browser->importPaths({dir});
        }
    });
    file->addAction(tr("&Export Selected Studies…"), QKeySequence(Qt::CTRL | Qt::Key_E), this, [this] {
        showBrowser();
        m_browser->exportSelected();
    });
    file->addAction(tr("Open &Demo Study"), this, &MainWindow::openDemo);
    file->addAction(tr("Study &Browser"), QKeySequence(Qt::CTRL | Qt::Key_B), this, &MainWindow::showBrowser);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
}

void MainWindow::buildViewMenu()
{
    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("&Fit to Window"), QKeySequence(Qt::Key_F), this, [this] { activeViewport()->fitToWindow(); });
    view->addAction(tr("&Actual Size (1:1)"), QKeySequence(Qt::Key_A), this, [this] { activeViewport()->actualSize(); });
    view->addAction(tr("Zoom &In"), QKeySequence::ZoomIn, this, [this] { activeViewport()->zoomBy(1.25); });
    view->addAction(tr("Zoom &Out"), QKeySequence::ZoomOut, this, [this] { activeViewport()->zoomBy(0.8); });
    view->addSeparator();
    view->addAction(tr("Rotate &Right"), QKeySequence(Qt::Key_R), this, [this] { activeViewport()->rotate(1); });
    view->addAction(tr("Rotate &Left"), QKeySequence(Qt::SHIFT | Qt::Key_R), this, [this] { activeViewport()->rotate(-1); });
    view->addAction(tr("Flip &Horizontally"), QKeySequence(Qt::Key_H), this, [this] { activeViewport()->flipHorizontal(); });
    view->addAction(tr("Flip &Vertically"), QKeySequence(Qt::Key_V), this, [this] { activeViewport()->flipVertical(); });
    view->addAction(tr("&Invert"), QKeySequence(Qt::Key_I), this, [this] { activeViewport()->setInverted(!activeViewport()->inverted()); });
    view->addAction(tr("Re&set"), QKeySequence(Qt::Key_Escape), this, [this] { activeViewport()->reset(); });
    view->addSeparator();
    addStudyListScreenMenu(view);
    QAction* smooth = view->addAction(tr("&Smooth Interpolation"));
    smooth->setCheckable(true);
    smooth->setChecked(m_viewport->smooth());
    connect(smooth, &QAction::toggled, this, [this](bool on) {
        m_viewport->setSmooth(on);
        for (int p = 0; p < 3; ++p) m_mpr->viewport(viewer::MprView::Plane(p))->setSmooth(on);
    });
    QAction* text = view->addAction(tr("Overlay &Text"));
    text->setCheckable(true);
    text->setChecked(true);
    text->setShortcut(QKeySequence(Qt::Key_T));
    connect(text, &QAction::toggled, this, [this](bool on) {
        m_viewport->setOverlayTextVisible(on);
        for (int p = 0; p < 3; ++p) m_mpr->viewport(viewer::MprView::Plane(p))->setOverlayTextVisible(on);
    });
    // Shortcuts live in the viewport's key handling; menu entries only show them.
    for (QAction* a : view->actions()) a->setShortcutContext(Qt::WidgetShortcut);
}

// Where the study list (this window) lives; reading windows use the other screens.
void MainWindow::addStudyListScreenMenu(QMenu* view)
{
    QMenu* listScreen = view->addMenu(tr("Study List on Screen"));
    connect(listScreen, &QMenu::aboutToShow, this, [this, listScreen] {
        listScreen->clear();
        const ScreenPlan plan;
        QScreen* chosen = plan.studyListScreen();
        QAction* any = listScreen->addAction(tr("Any (reading windows use every screen)"), this, [] { ScreenPlan().setStudyListScreen(nullptr); });
        any->setCheckable(true);
        any->setChecked(!chosen);
        int n = 0;
        for (QScreen* s : QGuiApplication::screens()) {
            QAction* a = listScreen->addAction(tr("Screen %1 (%2, %3×%4)").arg(++n).arg(s->name()).arg(s->geometry().width()).arg(s->geometry().height()),
                                               this, [this, s] { placeStudyList(s, true); });
            a->setCheckable(true);
            a->setChecked(s == chosen);
        }
    });
}

void MainWindow::buildToolbar()
{
    QToolBar* bar = addToolBar(tr("Tools"));
    bar->setObjectName("tools");
    m_tools = new QActionGroup(this);
    struct ToolDef { const char* name; viewer::Tool tool; };
    const ToolDef defs[] = {{QT_TR_NOOP("Window/Level"), viewer::Tool::WindowLevel}, {QT_TR_NOOP("Pan"), viewer::Tool::Pan},
                            {QT_TR_NOOP("Zoom"), viewer::Tool::Zoom}, {QT_TR_NOOP("Scroll"), viewer::Tool::Scroll},
                            {QT_TR_NOOP("Magnifier"), viewer::Tool::Magnifier}};
    for (const ToolDef& d : defs) {
        QAction* a = bar->addAction(tr(d.name));
        a->setCheckable(true);
        a->setChecked(d.tool == viewer::Tool::WindowLevel);
        m_tools->addAction(a);
        const viewer::Tool t = d.tool;
        connect(a, &QAction::triggered, this, [this, t] { applyTool(int(t)); });
    }
    QAction* crosshair = bar->addAction(tr("Crosshair"));
    crosshair->setCheckable(true);
    crosshair->setToolTip(tr("MPR: click or drag to move the 3D cursor; Shift+drag rotates the other planes"));
    m_tools->addAction(crosshair);
    connect(crosshair, &QAction::triggered, this, [this] { applyTool(kCrosshairTool); });
    bar->addSeparator();
    m_mprAction = bar->addAction(tr("MPR / 3D"));
    m_mprAction->setCheckable(true);
    m_mprAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_M));
    m_mprAction->setToolTip(tr("Axial, coronal and sagittal reformats and the 3D view of this series (Ctrl+M)"));
    connect(m_mprAction, &QAction::toggled, this, &MainWindow::setMprMode);
    bar->addSeparator();
    QToolButton* presets = new QToolButton(this);
    presets->setText(tr("Presets"));
    presets->setMenu(m_presetMenu);
    presets->setPopupMode(QToolButton::InstantPopup);
    bar->addWidget(presets);
    bar->addAction(tr("Fit"), this, [this] { activeViewport()->fitToWindow(); });
    bar->addAction(tr("1:1"), this, [this] { activeViewport()->actualSize(); });
    bar->addAction(tr("Rotate"), this, [this] { activeViewport()->rotate(1); });
    bar->addAction(tr("Flip"), this, [this] { activeViewport()->flipHorizontal(); });
    bar->addAction(tr("Invert"), this, [this] { activeViewport()->setInverted(!activeViewport()->inverted()); });
    bar->addAction(tr("Reset"), this, [this] { activeViewport()->reset(); });
    bar->addSeparator();
    m_cineAction = bar->addAction(tr("Play"));
    m_cineAction->setCheckable(true);
    connect(m_cineAction, &QAction::toggled, this, [this](bool on) {
        m_viewport->setCinePlaying(on);
        m_cineAction->setText(on ? tr("Pause") : tr("Play"));
    });
    m_fps = new QDoubleSpinBox(this);
    m_fps->setRange(0.5, 120.0);
    m_fps->setDecimals(1);
    m_fps->setSuffix(tr(" fps"));
    m_fps->setValue(m_viewport->cineRate());
    m_fps->setToolTip(tr("Cine rate"));
    connect(m_fps, &QDoubleSpinBox::valueChanged, m_viewport, &viewer::ImageViewport::setCineRate);
    bar->addWidget(m_fps);
}

void MainWindow::buildMprToolbar()
{
    m_mprBar = addToolBar(tr("MPR"));
    m_mprBar->setObjectName("mpr");
    m_mprBar->addWidget(new QLabel(tr("Slab "), m_mprBar));
    m_slabMode = new QComboBox(m_mprBar);
    m_slabMode->addItem(tr("Thin"));
    m_slabMode->addItem(tr("MIP"));
    m_slabMode->addItem(tr("MinIP"));
    m_slabMode->addItem(tr("Average"));
    m_slabMode->setToolTip(tr("Thick-slab projection of the MPR planes"));
    m_mprBar->addWidget(m_slabMode);
    m_slabMm = new QDoubleSpinBox(m_mprBar);
    m_slabMm->setRange(0.0, 200.0);
    m_slabMm->setDecimals(1);
    m_slabMm->setSingleStep(1.0);
    m_slabMm->setValue(10.0);
    m_slabMm->setSuffix(tr(" mm"));
    m_slabMm->setToolTip(tr("Slab thickness"));
    m_mprBar->addWidget(m_slabMm);
    auto applySlab = [this] {
        const int mode = m_slabMode->currentIndex();
        m_slabMm->setEnabled(mode != 0);
        const SlabMode modes[] = {SlabMode::Max, SlabMode::Max, SlabMode::Min, SlabMode::Mean};
        m_mpr->setSlab(mode == 0 ? 0.0 : m_slabMm->value(), modes[mode]);
    };
    connect(m_slabMode, &QComboBox::currentIndexChanged, this, applySlab);
    connect(m_slabMm, &QDoubleSpinBox::valueChanged, this, applySlab);
    m_slabMm->setEnabled(false);
    m_mprBar->addSeparator();
    m_mprBar->addAction(tr("Reset Planes"), this, [this] { m_mpr->resetPlanes(); });
    m_mprBar->addSeparator();
    m_mprBar->addWidget(new QLabel(tr("Region "), m_mprBar));
    m_regionMode = new QComboBox(m_mprBar);
    m_regionMode->addItem(tr("Grow from seed"));
    m_regionMode->addItem(tr("Threshold all"));
    m_regionMode->setToolTip(tr("3D region: voxels connected to the seed within the range, or every voxel within it"));
    m_mprBar->addWidget(m_regionMode);
    m_regionLower = new QDoubleSpinBox(m_mprBar);
    m_regionUpper = new QDoubleSpinBox(m_mprBar);
    for (QDoubleSpinBox* b : {m_regionLower, m_regionUpper}) {
        b->setRange(-100000, 100000);
        b->setDecimals(0);
        b->setSingleStep(10);
        m_mprBar->addWidget(b);
    }
    m_regionLower->setValue(-300);
    m_regionUpper->setValue(3000);
    m_regionLower->setToolTip(tr("Lowest value in the region (modality units)"));
    m_regionUpper->setToolTip(tr("Highest value in the region (modality units)"));
    auto applyRange = [this] {
        for (viewer::MeasurementLayer* l : m_layers)
            l->setRegionRange(m_regionLower->value(), m_regionUpper->value(), m_regionMode->currentIndex() == 1);
    };
    connect(m_regionLower, &QDoubleSpinBox::valueChanged, this, applyRange);
    connect(m_regionUpper, &QDoubleSpinBox::valueChanged, this, applyRange);
    connect(m_regionMode, &QComboBox::currentIndexChanged, this, applyRange);
    applyRange();
    m_mprBar->setVisible(false);
}

void MainWindow::rebuildPresetMenu()
{
    m_presetMenu->clear();
    m_presetMenu->addAction(tr("Default (from the image)"), this, [this] { activeViewport()->resetWindow(); });
    viewer::ImageStack* stack = activeViewport()->stack();
    if (stack && activeViewport()->currentIndex() >= 0) {
        const auto& entry = stack->entry(activeViewport()->currentIndex());
        const auto& windows = entry.info->windowsFor(entry.frame);
        for (size_t i = 0; i < windows.size(); ++i) {
            QString label = tr("Image window %1: W %2 L %3").arg(i + 1).arg(windows[i].width).arg(windows[i].center);
            if (!windows[i].explanation.empty()) label += " (" + QString::fromStdString(windows[i].explanation) + ")";
            m_presetMenu->addAction(label, this, [this, i] {
                VoiChoice c;
                c.kind = VoiChoice::Kind::FileWindow;
                c.index = int(i);
                activeViewport()->useFileVoi(c);
            });
        }
        for (size_t i = 0; i < entry.info->voiLuts.size(); ++i) {
            QString label = tr("VOI LUT %1").arg(i + 1);
            if (!entry.info->voiLuts[i].explanation.empty()) label += " (" + QString::fromStdString(entry.info->voiLuts[i].explanation) + ")";
            m_presetMenu->addAction(label, this, [this, i] {
                VoiChoice c;
                c.kind = VoiChoice::Kind::VoiLut;
                c.index = int(i);
                activeViewport()->useFileVoi(c);
            });
        }
        const auto& presets = windowPresetsFor(entry.summary->modality);
        if (!presets.empty()) m_presetMenu->addSeparator();
        for (size_t i = 0; i < presets.size(); ++i) {
            QAction* a = m_presetMenu->addAction(tr("%1: W %2 L %3").arg(QString::fromStdString(presets[i].name)).arg(presets[i].width).arg(presets[i].center),
                                                 this, [this, p = presets[i]] { activeViewport()->applyPreset(p); });
            if (i < 9) a->setShortcut(QKeySequence(Qt::Key_1 + int(i)));
            a->setShortcutContext(Qt::WidgetShortcut);
        }
    }
}

}  // namespace lightbox::app
