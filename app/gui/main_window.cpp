#include "main_window.h"

#include "auditor.h"

#include "app_config.h"
#include "key_images.h"
#include "protocol_library.h"
#include "reading_session.h"
#include "screen_plan.h"

#include <QGuiApplication>
#include <QScreen>

#include "annotation_set.h"
#include "archive_banner.h"
#include "archives_dialog.h"
#include "prefetch_progress.h"
#include "prefetch_rules.h"
#include "prefetch_rules_dialog.h"
#include "network_service.h"
#include "transfer_panel.h"
#include "transfer_tasks.h"
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
#include "worklist_panel.h"
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
#include <QVBoxLayout>
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

namespace {

constexpr const char* kDemoPatientId = "LB-DEMO-0001";

}  // namespace

MainWindow::MainWindow(QThreadPool& pool, CacheService& cache, QWidget* parent) : QMainWindow(parent), m_pool(pool), m_cache(cache)
{
    setWindowTitle(tr("Lightbox"));
    m_tabs = new QTabWidget(this);
    m_browser = new StudyBrowser(m_cache, m_tabs);
    m_viewStack = new QStackedWidget(m_tabs);
    m_viewport = new viewer::ImageViewport(m_viewStack);
    m_mpr = new viewer::MprView(m_pool, m_viewStack);
    m_viewStack->addWidget(m_viewport);
    m_viewStack->addWidget(m_mpr);
    m_volumeJob = new VolumeJob(m_pool, this);
    m_annotations = new viewer::AnnotationSet(m_pool, this);
    m_worklist = new WorklistPanel(m_cache, m_tabs);
    m_tabs->addTab(m_browser, tr("Studies"));
    m_tabs->addTab(m_worklist, tr("Worklist"));
    m_tabs->addTab(m_viewStack, tr("Viewer"));
    setCentralWidget(m_tabs);
    connectBrowser();
    buildStatusBar();

    buildActions();
    buildToolbar();
    buildMeasureToolbar();
    buildMprToolbar();
    buildDock();

    wireViewport(m_viewport);
    for (int p = 0; p < 3; ++p) wireViewport(m_mpr->viewport(viewer::MprView::Plane(p)));
    connect(m_annotations, &viewer::AnnotationSet::added, this, &MainWindow::saveAnnotation);
    connect(m_annotations, &viewer::AnnotationSet::updated, this, &MainWindow::saveAnnotation);
    connect(m_annotations, &viewer::AnnotationSet::removed, this, [this](const QString& id) {
        if (!m_annotationStudy.isEmpty()) m_cache.deleteAnnotation(id);
    });
    m_lastMprViewport = m_mpr->viewport(viewer::MprView::Axial);
    connectVolumeJob();
    connect(&m_openWatcher, &QFutureWatcher<OpenResult>::progressValueChanged, m_progress, &QProgressBar::setValue);
    connect(&m_openWatcher, &QFutureWatcher<OpenResult>::progressRangeChanged, m_progress, &QProgressBar::setRange);
    connect(&m_openWatcher, &QFutureWatcher<OpenResult>::finished, this, &MainWindow::onOpenFinished);

    QSettings settings;
    if (!restoreGeometry(settings.value("mainWindow/geometry").toByteArray())) resize(1280, 860);
    restoreState(settings.value("mainWindow/state").toByteArray());
    emit m_tabs->currentChanged(m_tabs->currentIndex());
    m_message->setText(tr("Open a file or folder (Ctrl+O, Ctrl+Shift+O), or the demo study."));
}

MainWindow::~MainWindow()
{
    m_openWatcher.cancel();
    m_openWatcher.waitForFinished();
    m_demoWatcher.waitForFinished();
    m_viewport->setStack(nullptr);
    m_volumeJob->cancel();
    m_mpr->setVolume(nullptr, nullptr);
}

void MainWindow::connectBrowser()
{
    connect(m_browser, &StudyBrowser::openRequested, this, [this](const QString& study, const QString& series, const QString&) {
        openStudy(study, series);
    });
    connect(m_browser, &StudyBrowser::message, this, &MainWindow::showProblem);
    connect(m_browser, &StudyBrowser::readRequested, this, &MainWindow::readStudy);
    connect(m_worklist, &WorklistPanel::readRequested, this, &MainWindow::readStudy);
    connect(m_worklist, &WorklistPanel::message, this, &MainWindow::showProblem);
    // Viewer tools and the series list belong to the viewer tab.
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        const bool viewing = m_tabs->currentWidget() == m_viewStack;
        for (QToolBar* bar : findChildren<QToolBar*>()) bar->setVisible(viewing && (bar != m_mprBar || mprMode()));
        for (QDockWidget* dock : findChildren<QDockWidget*>())
            if (dock->objectName() != "transfers") dock->setVisible(viewing);
    });
}

void MainWindow::buildStatusBar()
{
    m_message = new QLabel(this);
    m_pixel = new QLabel(this);
    m_pixel->setObjectName("pixelReadout");
    m_position = new QLabel(this);
    m_progress = new QProgressBar(this);
    m_progress->setMaximumWidth(220);
    m_progress->setVisible(false);
    m_cancel = new QToolButton(this);
    m_cancel->setText(tr("Cancel"));
    m_cancel->setVisible(false);
    statusBar()->addWidget(m_message, 1);
    statusBar()->addPermanentWidget(m_pixel);
    statusBar()->addPermanentWidget(m_position);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);
    connect(m_cancel, &QToolButton::clicked, this, [this] {
        m_openWatcher.cancel();
        m_volumeJob->cancel();
    });
}

void MainWindow::wireViewport(viewer::ImageViewport* v)
{
    connect(v, &viewer::ImageViewport::indexChanged, this, [this, v](int i, int n) {
        if (v == activeViewport()) onIndexChanged(i, n);
    });
    connect(v, &viewer::ImageViewport::pixelValue, m_pixel, &QLabel::setText);
    connect(v, &viewer::ImageViewport::problem, this, &MainWindow::showProblem);
    if (v != m_viewport)
        connect(v, &viewer::ImageViewport::pointerEvent, this, [this, v](viewer::PointerPhase ph, QPointF, Qt::KeyboardModifiers) {
            if (ph == viewer::PointerPhase::Press) m_lastMprViewport = v;
        });
}

void MainWindow::attachNetwork(NetworkService& network)
{
    m_network = &network;
    m_browser->setNetwork(&network);
    // The offline banner above the tabs: which archive cannot be reached, what waits to be sent.
    m_banner = new ArchiveBanner(network, m_cache.folder(), this);
    auto* central = new QWidget(this);
    auto* column = new QVBoxLayout(central);
    column->setContentsMargins(0, 0, 0, 0);
    column->setSpacing(0);
    column->addWidget(m_banner);
    column->addWidget(takeCentralWidget(), 1);
    setCentralWidget(central);
    auto* dock = new QDockWidget(tr("Transfers"), this);
    dock->setObjectName("transfers");
    m_transferPanel = new TransferPanel(network, dock);
    dock->setWidget(m_transferPanel);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    dock->setVisible(false);
    connect(m_transferPanel, &TransferPanel::openRequested, this, [this](const QString& study) { openStudy(study); });
    // Studies retrieved or made available offline change what the worklist says is here.
    connect(&network, &NetworkService::cacheChanged, m_worklist, &WorklistPanel::refresh);
    // "Make available offline" from the worklist: fetched and held, with its progress in Transfers.
    connect(m_worklist, &WorklistPanel::offlineRequested, this, [this](const ReadingFilter& filter, const QString& label) {
        m_network->enqueueTask(tr("offline"), {}, label, offlineWorklistTask(m_network->config(), m_cache.folder(), filter, currentReader()), true);
    });
    connect(m_worklist, &WorklistPanel::offlinePatientRequested, this, [this](const QString& patientId, const QString& name) {
        m_network->enqueueTask(tr("offline"), {}, tr("Offline: %1 (%2)").arg(name, patientId),
                               offlinePatientTask(m_network->config(), m_cache.folder(), patientId, currentReader()), true);
    });
    connect(m_transferPanel->showPrefetch(m_cache), &PrefetchProgress::message, this, &MainWindow::showProblem);
    connect(&network, &NetworkService::transferChanged, this, [dock] { dock->setVisible(true); });
    connect(&network, &NetworkService::transferFinished, this, [this](int id, bool ok) {
        if (const Transfer* t = m_network->transfer(id)) showProblem((ok ? tr("Done: %1 — %2") : tr("Failed: %1 — %2")).arg(t->label, t->status));
    });
    m_listenerLabel = new QLabel(this);
    statusBar()->addPermanentWidget(m_listenerLabel);
    m_listenerLabel->setText(network.listenerStatus());
    connect(&network, &NetworkService::listenerChanged, m_listenerLabel, &QLabel::setText);
    connect(&network, &NetworkService::received, this, [this](const QString&, int n) {
        statusBar()->showMessage(tr("Received %n instance(s) into the cache", nullptr, n), 4000);
    });
    for (QMenu* menu : menuBar()->findChildren<QMenu*>())
        if (menu->title() == tr("&File")) {
            QAction* archives = new QAction(tr("&Archives…"), menu);
            connect(archives, &QAction::triggered, this, &MainWindow::showArchivesDialog);
            menu->insertAction(menu->actions().value(menu->actions().size() - 2), archives);
            QAction* prefetch = new QAction(tr("&Prefetch rules…"), menu);
            connect(prefetch, &QAction::triggered, this, &MainWindow::showPrefetchRulesDialog);
            menu->insertAction(menu->actions().value(menu->actions().size() - 2), prefetch);
            QAction* transfers = dock->toggleViewAction();
            transfers->setText(tr("&Transfers"));
            menu->insertAction(menu->actions().value(menu->actions().size() - 2), transfers);
            break;
        }
    if (!network.configError().isEmpty()) showProblem(network.configError());
}

void MainWindow::showArchivesDialog()
{
    if (!m_network) return;
    ArchivesDialog dialog(*m_network, this);
    if (dialog.exec() == QDialog::Accepted) m_browser->refreshSources();
}

void MainWindow::showPrefetchRulesDialog()
{
    // The rules `lightbox service` reads (PrefetchRules::defaultPath), applied when it next starts.
    PrefetchRulesDialog dialog(PrefetchRules::defaultPath(), this);
    dialog.exec();
}

viewer::MeasurementLayer* MainWindow::measurementLayer(viewer::ImageViewport* v) const
{
    for (viewer::MeasurementLayer* l : m_layers)
        if (l->viewport() == v) return l;
    return nullptr;
}

bool MainWindow::selectTool(const QString& name)
{
    for (QAction* a : m_tools->actions())
        if (a->text() == name) {
            a->trigger();
            return true;
        }
    return false;
}

void MainWindow::loadAnnotations(const QString& studyUid)
{
    m_annotationStudy = studyUid;
    m_annotations->reset({});
    if (studyUid.isEmpty()) return;
    auto* w = new QFutureWatcher<std::vector<storage::AnnotationRow>>(this);
    connect(w, &QFutureWatcher<std::vector<storage::AnnotationRow>>::finished, this, [this, w, studyUid] {
        w->deleteLater();
        if (studyUid != m_annotationStudy) return;  // another study opened meanwhile
        std::vector<viewer::Annotation> items;
        for (const storage::AnnotationRow& r : w->result()) {
            if (r.kind == storage::kKeyImageKind) continue;  // flags on images, not drawings
            const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(r.data));
            auto a = viewer::Annotation::fromJson(doc.object());
            if (!a) {
                qWarning("annotation %s of study %s is unreadable and is not shown", r.id.c_str(), r.studyUid.c_str());
                continue;
            }
            a->id = QString::fromStdString(r.id);
            items.push_back(std::move(*a));
        }
        m_annotations->reset(std::move(items));
        if (mprMode() && m_volumeJob->volume() && m_volumeJob->volume()->complete()) m_annotations->computeRegions(m_volumeJob->volume());
        emit annotationsLoaded();
    });
    w->setFuture(m_cache.annotations(studyUid));
}

void MainWindow::saveAnnotation(const QString& id)
{
    const viewer::Annotation* a = m_annotations->find(id);
    if (!a || m_annotationStudy.isEmpty()) return;
    storage::AnnotationRow row;
    row.id = a->id.toStdString();
    row.studyUid = m_annotationStudy.toStdString();
    row.seriesUid = a->seriesUid.toStdString();
    row.sopInstanceUid = a->sopUid.toStdString();
    row.frame = a->frame;
    row.kind = viewer::kindName(a->kind).toStdString();
    row.data = QJsonDocument(a->toJson()).toJson(QJsonDocument::Compact).toStdString();
    const auto auditor = security::currentAuditor();
    row.author = auditor ? auditor->identity().user : security::systemUser();
    row.createdAt = a->created;
    row.modifiedAt = QDateTime::currentMSecsSinceEpoch();
    auto* w = new QFutureWatcher<QString>(this);
    connect(w, &QFutureWatcher<QString>::finished, this, [this, w] {
        w->deleteLater();
        if (!w->result().isEmpty()) showProblem(tr("The measurement could not be saved: %1").arg(w->result()));
    });
    w->setFuture(m_cache.saveAnnotation(row));
}

viewer::ImageViewport* MainWindow::activeViewport() const
{
    if (!mprMode()) return m_viewport;
    for (int p = 0; p < 3; ++p) {
        viewer::ImageViewport* v = m_mpr->viewport(viewer::MprView::Plane(p));
        if (v->isAncestorOf(QApplication::focusWidget())) return v;
    }
    return m_lastMprViewport;
}

bool MainWindow::mprMode() const { return m_viewStack->currentWidget() == m_mpr; }

void MainWindow::closeEvent(QCloseEvent* e)
{
    QSettings settings;
    settings.setValue("mainWindow/geometry", saveGeometry());
    settings.setValue("mainWindow/state", saveState());
    QMainWindow::closeEvent(e);
}

bool MainWindow::isLoading() const { return m_openWatcher.isRunning() || m_demoWatcher.isRunning(); }

void MainWindow::applyTool(int tool)
{
    m_tool = tool;
    const bool crosshair = tool == kCrosshairTool;
    const bool measure = tool >= kMeasureTool;
    const viewer::Tool t = crosshair || measure ? viewer::Tool::External : viewer::Tool(tool);
    m_viewport->setTool(crosshair ? viewer::Tool::WindowLevel : t);
    for (int p = 0; p < 3; ++p) m_mpr->viewport(viewer::MprView::Plane(p))->setTool(t);
    m_mpr->setCursorTool(crosshair);
    std::optional<viewer::AnnotationKind> kind;
    if (measure) kind = viewer::AnnotationKind(tool - kMeasureTool);
    for (viewer::MeasurementLayer* l : m_layers) l->setTool(kind);
}

void MainWindow::buildDock()
{
    auto* dock = new QDockWidget(tr("Series"), this);
    dock->setObjectName("series");
    m_seriesList = new QListWidget(dock);
    dock->setWidget(m_seriesList);
    addDockWidget(Qt::LeftDockWidgetArea, dock);
    connect(m_seriesList, &QListWidget::currentRowChanged, this, &MainWindow::showSeries);
}

void MainWindow::showBrowser() { m_tabs->setCurrentWidget(m_browser); }
void MainWindow::showWorklist() { m_tabs->setCurrentWidget(m_worklist); }

void MainWindow::showViewer() { m_tabs->setCurrentWidget(m_viewStack); }

void MainWindow::openStudy(const QString& studyUid, const QString& seriesUid)
{
    m_message->setText(tr("Opening the study from the cache…"));
    auto* w = new QFutureWatcher<Result<storage::OpenedStudy>>(this);
    connect(w, &QFutureWatcher<Result<storage::OpenedStudy>>::finished, this, [this, w, studyUid, seriesUid] {
        w->deleteLater();
        const Result<storage::OpenedStudy> opened = w->result();
        if (!opened) {
            showProblem(opened.error().code == "not-found" ? tr("The study is no longer in the cache.")
                                                           : tr("The study cannot be opened: %1").arg(QString::fromStdString(opened.error().message)));
            return;
        }
        QStringList files;
        for (const auto& [path, row] : opened->files) files << QString::fromStdString(path);
        openPaths(files, studyUid, seriesUid);
        m_loadingLease = opened->lease;
    });
    w->setFuture(m_cache.openStudy(studyUid, QStringLiteral("viewing")));
}

void MainWindow::placeStudyList(QScreen* screen, bool remember)
{
    if (!screen) return;
    if (remember) ScreenPlan().setStudyListScreen(screen);
    setScreen(screen);
    setGeometry(screen->availableGeometry());
}

void MainWindow::readStudy(const QString& studyUid)
{
    const QString protocols = ProtocolLibrary::userFolderFor(AppConfig::resolvePath({}));
    m_reading = std::make_unique<ReadingSession>(m_cache, ProtocolLibrary::load(protocols), m_pool);
    m_reading->setUserProtocolFolder(protocols);
    m_reading->setNetwork(m_network);
    connect(m_reading.get(), &ReadingSession::failed, this, &MainWindow::showProblem);
    connect(m_reading.get(), &ReadingSession::opened, this, [this](const QString& protocol) {
        statusBar()->showMessage(tr("Hanging protocol: %1 (Ctrl+Page Down / Ctrl+Page Up: next / previous stage)").arg(protocol), 8000);
    });
    m_reading->open(studyUid);
}

void MainWindow::openPaths(const QStringList& paths, const QString& studyUid, const QString& seriesUid)
{
    if (paths.isEmpty()) return;
    m_loadingStudy = studyUid;
    m_loadingLease.reset();
    m_preferredSeries = seriesUid;
    if (m_openWatcher.isRunning()) {
        m_openWatcher.cancel();
        m_openWatcher.waitForFinished();
    }
    m_message->setText(tr("Reading %1…").arg(paths.size() == 1 ? paths.front() : tr("%1 items").arg(paths.size())));
    m_progress->setRange(0, 0);
    m_progress->setVisible(true);
    m_cancel->setVisible(true);
    m_openWatcher.setFuture(openPathsAsync(m_pool, paths));
}

void MainWindow::openDemo()
{
    if (m_demoWatcher.isRunning()) return;
    storage::StudyQuery q;
    q.patientId = kDemoPatientId;
    auto* search = new QFutureWatcher<std::vector<storage::StudyRow>>(this);
    connect(search, &QFutureWatcher<std::vector<storage::StudyRow>>::finished, this, [this, search] {
        search->deleteLater();
        const auto rows = search->result();
        if (!rows.empty()) {
            openStudy(QString::fromStdString(rows.front().studyUid));
            return;
        }
        // First use: write the phantom beside the cache, import it, open it from the cache.
        const QString source = m_cache.folder() + QStringLiteral("/demo-source");
        m_message->setText(tr("Generating the demo study…"));
        m_progress->setRange(0, 0);
        m_progress->setVisible(true);
        QFuture<void> f = QtConcurrent::run(&m_pool, [source] {
            QDir(source).removeRecursively();
            QDir().mkpath(source);
            writeCtPhantom(source.toStdString(), PhantomOptions{});
        });
        connect(&m_demoWatcher, &QFutureWatcher<void>::finished, this, [this, source] {
            disconnect(&m_demoWatcher, nullptr, this, nullptr);
            m_progress->setVisible(false);
            auto once = std::make_shared<QMetaObject::Connection>();
            *once = connect(m_browser, &StudyBrowser::importFinished, this, [this, source, once](const storage::ImportReport& r) {
                disconnect(*once);
                QDir(source).removeRecursively();
                if (r.studies.empty()) {
                    showProblem(tr("The demo study could not be stored in the cache: %1").arg(QString::fromStdString(r.fatal)));
                    return;
                }
                openStudy(QString::fromStdString(*r.studies.begin()));
            });
            m_browser->importPaths({source});
        });
        m_demoWatcher.setFuture(f);
    });
    search->setFuture(m_cache.search(q));
}

void MainWindow::onOpenFinished()
{
    m_progress->setVisible(false);
    m_cancel->setVisible(false);
    if (m_openWatcher.isCanceled() || m_openWatcher.future().resultCount() == 0) {
        m_message->setText(tr("Cancelled."));
        m_loadingLease.reset();
        emit loadFinished();
        return;
    }
    OpenResult result = m_openWatcher.result();
    m_viewport->setStack(nullptr);
    m_stacks.clear();
    m_seriesList->clear();
    m_currentSeries = -1;
    m_series = result.series;
    for (const SeriesGroup& g : result.series) {
        std::vector<viewer::StackEntry> entries;
        for (const SeriesFrame& f : g.frames) {
            const OpenedImage& img = g.images[f.image];
            entries.push_back({QString::fromStdString(img.path), f.frame, img.info, img.summary});
        }
        m_stacks.push_back(std::make_unique<viewer::FrameStack>(std::move(entries), m_pool));
        QString label = QString::fromStdString(g.modality);
        if (g.seriesNumber) label += tr(" S%1").arg(g.seriesNumber);
        const QString desc = QString::fromStdString(g.description);
        label += "  " + (desc.isEmpty() ? tr("(no description)") : desc);
        label += tr("  [%1]").arg(g.frames.size());
        m_seriesList->addItem(label);
    }
    QString msg = tr("%n series", nullptr, int(result.series.size()));
    if (!result.problems.isEmpty()) {
        msg += tr(", %n file(s) not shown: ", nullptr, int(result.problems.size())) + result.problems.front();
        for (const QString& p : result.problems) qWarning("%s", qPrintable(p));
    }
    m_message->setText(msg);
    {
        // Annotations belong to the study shown (saved in the cache index by its UID).
        QString study = m_loadingStudy;
        if (study.isEmpty() && !result.series.empty() && !result.series.front().images.empty())
            study = QString::fromStdString(result.series.front().images.front().summary->studyInstanceUid);
        loadAnnotations(study);
    }
    // The study shown now is held in the cache; the one shown before is let go.
    m_openStudy = m_loadingStudy;
    m_studyLease = m_loadingStudy.isEmpty() ? nullptr : std::move(m_loadingLease);
    m_loadingLease.reset();
    if (!m_stacks.empty()) {
        int first = 0;
        for (size_t i = 0; i < result.series.size(); ++i)
            if (!m_preferredSeries.isEmpty() && QString::fromStdString(result.series[i].seriesInstanceUid) == m_preferredSeries) first = int(i);
        m_seriesList->setCurrentRow(first);
        showViewer();
        const auto& s = *m_stacks.front()->entry(0).summary;
        setWindowTitle(tr("Lightbox — %1").arg(QString::fromStdString(s.patientName)));
    } else if (!result.problems.isEmpty()) {
        showProblem(result.problems.front());
    }
    emit loadFinished();
}

void MainWindow::showSeries(int index)
{
    if (index < 0 || index >= int(m_stacks.size())) return;
    m_currentSeries = index;
    if (mprMode()) startVolume();
    m_viewport->setCinePlaying(false);
    m_cineAction->setChecked(false);
    m_viewport->setStack(m_stacks[size_t(index)].get());
    m_fps->setValue(m_viewport->cineRate());
    rebuildPresetMenu();
    if (!mprMode()) m_viewport->view()->setFocus();
}

void MainWindow::onIndexChanged(int index, int count)
{
    m_position->setText(tr("%1 / %2").arg(index + 1).arg(count));
}

void MainWindow::showProblem(const QString& message)
{
    m_message->setText(message);
    statusBar()->showMessage(message, 8000);
}

}  // namespace lightbox::app
