#pragma once
// The reading window: a 2D viewport, the series list, tools, presets, cine and status bar.
#include "open_job.h"

#include <QFutureWatcher>
#include <QMainWindow>
#include <QPointer>

#include <memory>
#include <vector>

class QActionGroup;
class QDoubleSpinBox;
class QLabel;
class QListWidget;
class QMenu;
class QProgressBar;
class QThreadPool;
class QToolButton;
class QAction;
class QTabWidget;
class QStackedWidget;
class QComboBox;
class QToolBar;

namespace lightbox::storage {
class StudyLease;
}
namespace lightbox::viewer {
class FrameStack;
class ImageViewport;
class MprView;
class AnnotationSet;
class MeasurementLayer;
}  // namespace lightbox::viewer

class QScreen;

namespace lightbox::app {

class CacheService;
class ReadingSession;
class NetworkService;
class SessionGuard;
class StudyBrowser;
class TransferPanel;
class VolumeJob;
class WorklistPanel;
class ArchiveBanner;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    MainWindow(QThreadPool& pool, CacheService& cache, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens files and folders in the background (progress in the status bar). `studyUid` names
    // the cached study they are, if any (measurements are saved with it).
    void openPaths(const QStringList& paths, const QString& studyUid = {}, const QString& seriesUid = {});
    // Opens a study of the cache in the viewer, through the cache's one way to open: it is held
    // there (no process evicts or deletes it) while shown, and marked as opened.
    void openStudy(const QString& studyUid, const QString& seriesUid = {});
    // Opens the study on every screen as its hanging protocol says (reading windows).
    void readStudy(const QString& studyUid);
    ReadingSession* readingSession() const { return m_reading.get(); }
    // Puts this window (the study list) on `screen`; `remember`: reading windows leave it free from now on.
    void placeStudyList(QScreen* screen, bool remember);
    // Opens the demo study, generating and importing it into the cache the first time.
    void openDemo();
    StudyBrowser* browser() const { return m_browser; }
    WorklistPanel* worklist() const { return m_worklist; }
    void showWorklist();
    void showBrowser();
    void showViewer();
    viewer::ImageViewport* viewport() const { return m_viewport; }
    int seriesCount() const { return int(m_stacks.size()); }
    void showSeries(int index);
    int currentSeries() const { return m_currentSeries; }
    bool isLoading() const;

    // MPR and 3D of the current series (its largest volume), or back to the 2D viewer.
    void setMprMode(bool on);
    bool mprMode() const;
    viewer::MprView* mprView() const { return m_mpr; }
    VolumeJob* volumeJob() const { return m_volumeJob; }
    // The viewport menus and tools act on: the 2D viewer, or the MPR plane last used.
    viewer::ImageViewport* activeViewport() const;
    // Archives: the Archives… dialog, the Transfers panel, remote search in the browser and the
    // listener's state in the status bar.
    void attachNetwork(NetworkService& network);
    // The signed-in user's session: Lock Screen and Audit Trail in the File menu; a switch of
    // user closes what the previous one had open.
    void attachSession(SessionGuard& guard);
    TransferPanel* transferPanel() const { return m_transferPanel; }
    ArchiveBanner* archiveBanner() const { return m_banner; }
    void showArchivesDialog();
    void showPrefetchRulesDialog();
    // Measurements and annotations of the study on screen (saved with it in the cache).
    viewer::AnnotationSet* annotations() const { return m_annotations; }
    viewer::MeasurementLayer* measurementLayer(viewer::ImageViewport* v) const;
    // Selects a tool by its toolbar name ("Length", "Crosshair", "Window/Level"...).
    bool selectTool(const QString& name);

signals:
    void loadFinished();
    void volumeLoaded(const QString& error);
    void annotationsLoaded();

protected:
    void closeEvent(QCloseEvent* e) override;

private:
    void connectBrowser();
    void buildStatusBar();
    void buildActions();
    void buildFileMenu();
    void buildViewMenu();
    void addStudyListScreenMenu(QMenu* view);
    void buildToolbar();
    void buildDock();
    void buildMprToolbar();
    void applyTool(int tool);
    void startVolume();
    void connectVolumeJob();
    void onVolumeStarted(const QString& error);
    void onVolumeFinished(const QString& error);
    void wireViewport(viewer::ImageViewport* v);
    void buildMeasureToolbar();
    void loadAnnotations(const QString& studyUid);
    void saveAnnotation(const QString& id);
    void onOpenFinished();
    void onIndexChanged(int index, int count);
    void rebuildPresetMenu();
    void showProblem(const QString& message);

    // Tools beyond the viewport's own (viewer::Tool values come first).
    static constexpr int kCrosshairTool = 100;
    static constexpr int kMeasureTool = 200;  // + AnnotationKind
    QThreadPool& m_pool;
    std::unique_ptr<ReadingSession> m_reading;
    CacheService& m_cache;
    QTabWidget* m_tabs = nullptr;
    StudyBrowser* m_browser = nullptr;
    WorklistPanel* m_worklist = nullptr;
    QString m_openStudy;        // the cached study on screen
    QString m_loadingStudy;     // the cached study being opened
    std::shared_ptr<storage::StudyLease> m_studyLease;    // holds m_openStudy in the cache while shown
    std::shared_ptr<storage::StudyLease> m_loadingLease;  // and m_loadingStudy while it loads
    QString m_preferredSeries;  // the series to show first once loaded
    viewer::ImageViewport* m_viewport = nullptr;
    QStackedWidget* m_viewStack = nullptr;
    viewer::MprView* m_mpr = nullptr;
    VolumeJob* m_volumeJob = nullptr;
    viewer::ImageViewport* m_lastMprViewport = nullptr;
    std::vector<SeriesGroup> m_series;
    int m_currentSeries = -1;
    QAction* m_mprAction = nullptr;
    QToolBar* m_mprBar = nullptr;
    QComboBox* m_slabMode = nullptr;
    QDoubleSpinBox* m_slabMm = nullptr;
    int m_tool = 0;
    viewer::AnnotationSet* m_annotations = nullptr;
    NetworkService* m_network = nullptr;
    TransferPanel* m_transferPanel = nullptr;
    ArchiveBanner* m_banner = nullptr;
    QLabel* m_listenerLabel = nullptr;
    std::vector<viewer::MeasurementLayer*> m_layers;
    QString m_annotationStudy;  // the study the annotations belong to
    QDoubleSpinBox* m_regionLower = nullptr;
    QDoubleSpinBox* m_regionUpper = nullptr;
    QComboBox* m_regionMode = nullptr;
    QListWidget* m_seriesList = nullptr;
    std::vector<std::unique_ptr<viewer::FrameStack>> m_stacks;
    QFutureWatcher<OpenResult> m_openWatcher;
    QFutureWatcher<void> m_demoWatcher;

    QLabel* m_message = nullptr;
    QLabel* m_pixel = nullptr;
    QLabel* m_position = nullptr;
    QProgressBar* m_progress = nullptr;
    QToolButton* m_cancel = nullptr;
    QMenu* m_presetMenu = nullptr;
    QMenu* m_fileMenu = nullptr;
    QAction* m_cineAction = nullptr;
    QDoubleSpinBox* m_fps = nullptr;
    QActionGroup* m_tools = nullptr;
};

}  // namespace lightbox::app
