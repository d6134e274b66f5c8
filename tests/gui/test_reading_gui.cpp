// Reading windows under a real X server with three screens (Xvfb with three X screens, started
// by this test): opening the shared CT chest study lays the CT chest protocol out with one window
// per screen, on its screen; viewports show their series with the protocol's window preset, the
// coronal viewport a reformat of the volume, the prior viewport says it has nothing; the third
// screen stays free; the next stage re-lays the windows; on one screen everything folds into one.
#include "study_writer.h"
#include "test_support.h"

#include "image_viewport.h"
#include "image_stack.h"
#include "reading_session.h"
#include "network_service.h"
#include "orthanc_fixture.h"
#include "protocol_editor.h"
#include "reading_window.h"
#include "volume_view.h"
#include "cache_service.h"
#include "main_window.h"
#include "study_browser.h"
#include "key_images.h"
#include "cache.h"
#include "series_strip.h"
#include "reference_lines.h"
#include "mpr_stack.h"
#include "screen_plan.h"
#include "viewport_sync.h"
#include "vtk_view_widget.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QScreen>
#include <QMimeData>
#include <QTemporaryDir>
#include <QThread>
#include <QThreadPool>
#include <QWindow>
#include <QJsonArray>
#include <QLineEdit>
#include <QSpinBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <memory>

using namespace lightbox;
using namespace lightbox::test;

class ReadingGuiTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void threeScreens();
    void nextStage();
    void oneScreen();
    void linkedViewportsScrollAndWindowTogether();
    void mammogramsBackToBack();
    void nextSeriesInTheFocusedViewport();
    void saveLayoutAsProtocol();
    void priorsComeFromTheArchive();
    void screensAreRemembered();
    void referenceLinesAreWherePlanesCut();
    void dragASeriesOntoAViewport();
    void keyImagesAreFlaggedAndKept();
    void everyScreen();
    void openingAnotherStudyGivesUpTheFirst();
    void volumeRenderingViewport();
    void readFromTheBrowser();
    void anUntrustedPriorIsWithheldAndSaid();

private:
    void openOn(int screens, const QString& study = {}, const QString& protocol = "CT chest");
    QString importStudy(const StudySpec& spec);
    QTemporaryDir m_tmp;
    QString m_cache, m_study, m_syncStudy;
    QThreadPool m_pool;
    std::unique_ptr<app::CacheService> m_service;
    std::unique_ptr<app::ReadingSession> m_session;
};

void ReadingGuiTest::initTestCase()
{
    const int wanted = qEnvironmentVariableIntValue("LIGHTBOX_TEST_XSCREENS");
    QCOMPARE(int(QGuiApplication::screens().size()), wanted ? wanted : 3);
    m_cache = m_tmp.path() + "/cache";
    m_service = std::make_unique<app::CacheService>(m_cache, m_pool);
    const ProcessResult r = run(lightboxExe(), {"import", "--cache", m_cache, "--quiet", testDataDir() + "/ct/siemens-sensation10_chest_30sl"});
    QVERIFY2(r.ok(), r.err.constData());
    const ProcessResult s = run(lightboxExe(), {"studies", "--cache", m_cache, "--json"});
    m_study = QJsonDocument::fromJson(s.out).array()[0].toObject()["studyInstanceUid"].toString();
    QVERIFY(!m_study.isEmpty());
}

QString ReadingGuiTest::importStudy(const StudySpec& spec)
{
    QString error;
    const QString dir = m_tmp.path() + "/src-" + spec.patientId + "-" + spec.date;
    const QString uid = writeStudy(spec, dir, &error);
    if (uid.isEmpty()) return {};
    if (!run(lightboxExe(), {"import", "--cache", m_cache, "--quiet", dir}).ok()) return {};
    return uid;
}

void ReadingGuiTest::openOn(int screens, const QString& study, const QString& protocol)
{
    m_session.reset();
    m_session = std::make_unique<app::ReadingSession>(*m_service, app::ProtocolLibrary::load({}), m_pool);
    QSignalSpy opened(m_session.get(), &app::ReadingSession::opened);
    QSignalSpy failed(m_session.get(), &app::ReadingSession::failed);
    m_session->open(study.isEmpty() ? m_study : study, screens);
    QTRY_VERIFY_WITH_TIMEOUT(opened.count() + failed.count() == 1, 90000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.front()[0].toString()));
    QCOMPARE(opened.front()[0].toString(), protocol);
    for (app::ReadingWindow* w : m_session->windows()) QTRY_VERIFY_WITH_TIMEOUT(w->allShown(), 90000);
}

void ReadingGuiTest::threeScreens()
{
    openOn(0);  // every screen there is
    const auto& windows = m_session->windows();
    QCOMPARE(int(windows.size()), 3);
    const QList<QScreen*> screens = QGuiApplication::screens();
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(windows[std::size_t(i)]->screen(), screens[i]);
        QVERIFY(windows[std::size_t(i)]->isVisible());
    }
    // Screen 1: soft tissue and lung windows of the one series.
    app::ReadingWindow* first = windows[0];
    QCOMPARE(first->cellCount(), 2);
    QVERIFY(first->viewport(0) && first->viewport(1));
    QCOMPARE(first->viewport(0)->window().center, 50.0);
    QCOMPARE(first->viewport(0)->window().width, 350.0);
    QCOMPARE(first->viewport(1)->window().center, -600.0);
    QCOMPARE(first->viewport(1)->window().width, 1500.0);
    QCOMPARE(first->viewport(0)->count(), 30);
    // Screen 2: the coronal reformat (as many planes as the volume has rows) and the empty prior.
    app::ReadingWindow* second = windows[1];
    QCOMPARE(second->cellCount(), 2);
    QVERIFY(second->viewport(0));
    QCOMPARE(second->placement(0).spec.view, QString("coronal"));
    QVERIFY2(second->viewport(0)->count() > 30, qPrintable(QString::number(second->viewport(0)->count())));
    QVERIFY(second->viewport(0)->currentImageShown());
    QVERIFY(!second->viewport(1));
    QVERIFY(second->cellTitle(1).contains("nothing to show"));
    // Screen 3 is free.
    QCOMPARE(windows[2]->cellCount(), 0);
    const QString dir = qEnvironmentVariable("LIGHTBOX_TEST_SCREENSHOTS");
    if (!dir.isEmpty())
        for (int i = 0; i < 2; ++i) windows[std::size_t(i)]->grab().save(QStringLiteral("%1/reading-screen%2.png").arg(dir).arg(i + 1));
    // The images are really drawn: the lung window shows more than one grey level.
    const QImage img = first->viewport(1)->grabView();
    QSet<QRgb> greys;
    for (int y = 0; y < img.height(); y += 7)
        for (int x = 0; x < img.width(); x += 7) greys.insert(img.pixel(x, y));
    QVERIFY2(greys.size() > 20, qPrintable(QString::number(greys.size())));
}

void ReadingGuiTest::nextStage()
{
    QVERIFY(m_session);
    m_session->nextStage();
    QCOMPARE(m_session->layout().stage, 2);
    const auto& windows = m_session->windows();
    QCOMPARE(int(windows.size()), 3);
    for (app::ReadingWindow* w : windows) QTRY_VERIFY_WITH_TIMEOUT(w->allShown(), 30000);
    // Stage 2, screen 1: the lung window beside the (missing) prior's lung.
    QCOMPARE(windows[0]->placement(0).spec.displaySet, QString("lung"));
    QVERIFY(!windows[0]->viewport(1));
    // Screen 2: sagittal reformat and a MIP.
    QCOMPARE(windows[1]->placement(0).spec.view, QString("sagittal"));
    QCOMPARE(windows[1]->placement(1).spec.view, QString("mip"));
    QVERIFY(windows[1]->viewport(1)->currentImageShown());
    m_session->nextStage();  // the last stage: stays
    QCOMPARE(m_session->layout().stage, 2);
    m_session->previousStage();
    QCOMPARE(m_session->layout().stage, 1);
}

void ReadingGuiTest::oneScreen()
{
    openOn(1);
    QCOMPARE(int(m_session->windows().size()), 1);
    app::ReadingWindow* w = m_session->windows().front();
    QCOMPARE(w->cellCount(), 4);
    QCOMPARE(w->placement(2).column, 2);
    QCOMPARE(w->screen(), QGuiApplication::screens().front());
    m_session.reset();  // closes the windows
}

void ReadingGuiTest::linkedViewportsScrollAndWindowTogether()
{
    // Current chest CT (soft tissue z 0..47.5, lung z 0..47.5) and a prior in another frame of
    // reference 100 mm away (z 100..147.5).
    const QString current = importStudy({"P-SYNC", "19600101", "20240310", "CT THORAX", "CHEST",
                                         {{"Mediastinum 3.0", "CT", "", 20}, {"Lung 1.0", "CT", "", 20}}});
    SeriesSpec priorSoft{"Mediastinum 3.0", "CT", "", 20};
    priorSoft.zStart = 100;
    const QString prior = importStudy({"P-SYNC", "19600101", "20230105", "CT THORAX", "CHEST", {priorSoft}});
    QVERIFY(!current.isEmpty() && !prior.isEmpty());
    m_syncStudy = current;
    openOn(2, current);
    app::ReadingWindow* first = m_session->windows()[0];
    app::ReadingWindow* second = m_session->windows()[1];
    viewer::ImageViewport* soft = first->viewport(0);
    viewer::ImageViewport* lung = first->viewport(1);
    viewer::ImageViewport* priorView = second->viewport(1);
    QVERIFY(soft && lung && priorView);
    QCOMPARE(QString::fromStdString(priorView->stack()->entry(0).summary->studyInstanceUid), prior);
    QCOMPARE(m_session->sync().groupSize("A"), 3);
    // Scrolling the soft-tissue viewport: the lung viewport (same frame of reference) goes to the
    // same z, the prior by the same displacement from where it was when linked.
    const int startPrior = priorView->currentIndex();
    const int startSoft = soft->currentIndex();
    QTest::keyClick(soft->view(), Qt::Key_Down);
    QTest::keyClick(soft->view(), Qt::Key_Down);
    QTest::keyClick(soft->view(), Qt::Key_Down);
    const int moved = soft->currentIndex() - startSoft;
    QVERIFY(moved != 0);
    const double z = *app::ViewportSync::position(soft, soft->currentIndex(), nullptr);
    QCOMPARE(*app::ViewportSync::position(lung, lung->currentIndex(), nullptr), z);
    QCOMPARE(priorView->currentIndex(), startPrior + moved);
    // Window: the prior (same preset) follows the soft-tissue viewport; the lung window stays.
    const WindowLevel lungBefore = lung->window();
    soft->setWindow({80, 500});
    QCOMPARE(priorView->window().center, 80.0);
    QCOMPARE(priorView->window().width, 500.0);
    QCOMPARE(lung->window().center, lungBefore.center);
    // Zoom follows in the group.
    soft->setZoom(2.0);
    QCOMPARE(lung->zoom(), 2.0);
    // Unlinked (Ctrl+L), the prior stays; linked again, the new offset holds.
    m_session->sync().setEnabled(false);
    const int priorNow = priorView->currentIndex();
    QTest::keyClick(soft->view(), Qt::Key_Down);
    QCOMPARE(priorView->currentIndex(), priorNow);
    m_session->sync().setEnabled(true);
    QTest::keyClick(soft->view(), Qt::Key_Up);
    QCOMPARE(priorView->currentIndex(), priorNow - 1);
}

void ReadingGuiTest::mammogramsBackToBack()
{
    // R CC stored with columns towards anterior (chest wall on the image's left), L CC with columns
    // towards posterior: both must be turned so that the chest walls meet in the middle.
    SeriesSpec rcc{"R CC", "MG", "", 1, {"R"}, {"CC"}, "ORIGINAL\\PRIMARY"};
    rcc.patientOrientation = {"A\\R"};
    SeriesSpec lcc{"L CC", "MG", "", 1, {"L"}, {"CC"}, "ORIGINAL\\PRIMARY"};
    lcc.patientOrientation = {"P\\L"};
    const QString mg = importStudy({"P-MGGUI", "19650606", "20240606", "MAMMO", "BREAST", {rcc, lcc}});
    QVERIFY(!mg.isEmpty());
    openOn(1, mg, "Mammography four-view");
    app::ReadingWindow* w = m_session->windows()[0];
    viewer::ImageViewport* right = w->viewport(0);
    viewer::ImageViewport* left = w->viewport(1);
    QVERIFY(right && left);
    QTRY_VERIFY_WITH_TIMEOUT(right->currentImageShown() && left->currentImageShown(), 10000);
    const double mid = 64;
    // Flipped and aligned once laid out: wait for the chest walls to reach the viewports' edges.
    QTRY_VERIFY_WITH_TIMEOUT(std::abs(right->imageToWidget(QPointF(-0.5, mid)).x() - right->width()) < 2 &&
                                 std::abs(std::min(left->imageToWidget(QPointF(-0.5, mid)).x(), left->imageToWidget(QPointF(127.5, mid)).x())) < 2,
                             5000);
    // R CC: columns ran towards anterior, so its chest wall (column 0's edge) was on the left: flipped,
    // that edge is now at the viewport's right edge.
    QVERIFY(right->imageToWidget(QPointF(-0.5, mid)).x() > right->imageToWidget(QPointF(127.5, mid)).x());
    QVERIFY2(std::abs(right->imageToWidget(QPointF(-0.5, mid)).x() - right->width()) < 2,
             qPrintable(QString::number(right->imageToWidget(QPointF(-0.5, mid)).x()) + " vs " + QString::number(right->width())));
    // L CC: columns ran towards posterior (chest wall on the right): flipped, the chest wall (column
    // 127's edge) is at the viewport's left edge.
    QVERIFY2(std::abs(std::min(left->imageToWidget(QPointF(-0.5, mid)).x(), left->imageToWidget(QPointF(127.5, mid)).x())) < 2,
             qPrintable(QString::number(left->imageToWidget(QPointF(127.5, mid)).x())));
    QVERIFY(left->imageToWidget(QPointF(127.5, mid)).x() < left->imageToWidget(QPointF(-0.5, mid)).x());
    const QString dir = qEnvironmentVariable("LIGHTBOX_TEST_SCREENSHOTS");
    if (!dir.isEmpty()) w->grab().save(dir + "/reading-mammo.png");
}

void ReadingGuiTest::nextSeriesInTheFocusedViewport()
{
    QVERIFY(!m_syncStudy.isEmpty());
    openOn(1, m_syncStudy, "CT chest");
    app::ReadingWindow* w = m_session->windows()[0];
    // Cell 2 is the coronal reformat: Ctrl+Right there shows the study's next series, in 2D.
    viewer::ImageViewport* v = w->viewport(2);
    QCOMPARE(w->placement(2).spec.view, QString("coronal"));
    w->activateWindow();
    v->view()->setFocus();
    QTRY_COMPARE(w->focusedCell(), 2);
    QCOMPARE(QString::fromStdString(v->stack()->entry(0).summary->seriesDescription), QString("Mediastinum 3.0"));
    QTest::keyClick(v->view(), Qt::Key_Right, Qt::ControlModifier);
    QCOMPARE(w->placement(2).spec.view, QString("2d"));
    QCOMPARE(QString::fromStdString(w->viewport(2)->stack()->entry(0).summary->seriesDescription), QString("Lung 1.0"));
    QCOMPARE(w->viewport(2)->count(), 20);
    w->stepSeries(1);  // wraps round to the first
    QCOMPARE(QString::fromStdString(w->viewport(2)->stack()->entry(0).summary->seriesDescription), QString("Mediastinum 3.0"));
}

void ReadingGuiTest::saveLayoutAsProtocol()
{
    // After Ctrl+Right put the lung series in the coronal slot (previous test's session, one
    // screen), the layout is saved as the user's protocol "Chest, my way".
    QVERIFY(m_session);
    app::ReadingWindow* w = m_session->windows()[0];
    w->activateWindow();
    w->viewport(2)->view()->setFocus();
    QTRY_COMPARE(w->focusedCell(), 2);
    w->stepSeries(1);  // Lung 1.0 in 2D in the third cell
    QCOMPARE(QString::fromStdString(w->viewport(2)->stack()->entry(0).summary->seriesDescription), QString("Lung 1.0"));
    const QString folder = m_tmp.path() + "/config/protocols";
    m_session->setUserProtocolFolder(folder);
    std::unique_ptr<app::ProtocolEditorDialog> d(m_session->editProtocol());
    QVERIFY(d);
    d->nameField()->setText("");
    QVERIFY(d->save().isEmpty());  // a name is needed
    d->nameField()->setText("Chest, my way");
    d->priorsField()->setValue(1);
    const QString file = d->save();
    QVERIFY2(!file.isEmpty(), qPrintable(d->message()));
    QVERIFY(QFile::exists(folder + "/chest-my-way.json"));
    // Read back through the library and the command line: it is valid, it is the user's, it wins
    // for this study, and it lays the study out as it was shown (the lung series in 2D third).
    const app::ProtocolLibrary lib = app::ProtocolLibrary::load(folder);
    QVERIFY2(lib.problems.isEmpty(), qPrintable(lib.problems.join("; ")));
    QVERIFY(lib.find("Chest, my way") && lib.find("Chest, my way")->user);
    const ProcessResult r = run(lightboxExe(), {"layout", m_syncStudy, "--cache", m_cache, "--config", m_tmp.path() + "/config/lightbox.json", "--json"});
    QVERIFY2(r.ok(), r.err.constData());
    const QJsonObject l = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(l["protocol"].toString(), QString("Chest, my way"));
    const QJsonArray vps = l["screens"].toArray()[0].toObject()["viewports"].toArray();
    QCOMPARE(vps.size(), 4);
    const app::Layout shown = m_session->shownLayout();
    for (int i = 0; i < 4; ++i) {
        const app::ViewportPlacement& want = shown.screens[0].viewports[std::size_t(i)];
        QCOMPARE(vps[i].toObject()["seriesInstanceUid"].toString(), QString::fromStdString(want.seriesUid));
        QCOMPARE(vps[i].toObject()["view"].toString(), want.spec.view);
        QCOMPARE(vps[i].toObject()["preset"].toString(), want.spec.preset);
    }
    QCOMPARE(vps[2].toObject()["view"].toString(), QString("2d"));
    // A study without priors does not get it (the rule asks for one).
    const ProcessResult other = run(lightboxExe(), {"layout", m_study, "--cache", m_cache, "--config", m_tmp.path() + "/config/lightbox.json", "--json"});
    QCOMPARE(QJsonDocument::fromJson(other.out).object()["protocol"].toString(), QString("CT chest"));
}

void ReadingGuiTest::priorsComeFromTheArchive()
{
    // The current study is in the cache; its prior only in the archive.
    OrthancServer orthanc;
    QString error;
    QVERIFY2(orthanc.start(&error), qPrintable(error));
    const QString current = importStudy({"P-REMOTE", "19550505", "20240310", "CT THORAX", "CHEST",
                                         {{"Mediastinum 3.0", "CT", "", 20}, {"Lung 1.0", "CT", "", 20}}});
    QVERIFY(!current.isEmpty());
    const QString priorDir = m_tmp.path() + "/remote-prior";
    const QString prior = writeStudy({"P-REMOTE", "19550505", "20220202", "CT THORAX", "CHEST", {{"Mediastinum 3.0", "CT", "", 20}}}, priorDir, &error);
    QVERIFY2(!prior.isEmpty(), qPrintable(error));
    QCOMPARE(orthanc.upload(filesUnder(priorDir)), 20);
    const QString config = m_tmp.path() + "/remote/lightbox.json";
    QVERIFY(run(lightboxExe(), {"archive", "add", "orthanc", "--aet", "ORTHANC", "--host", "127.0.0.1", "--port", QString::number(orthanc.dicomPort()),
                                "--config", config}).ok());
    QVERIFY(run(lightboxExe(), {"config", "set", "listen", "off", "--config", config}).ok());
    app::NetworkService network(config, m_cache);

    m_session.reset();
    m_session = std::make_unique<app::ReadingSession>(*m_service, app::ProtocolLibrary::load({}), m_pool);
    m_session->setNetwork(&network);
    QSignalSpy opened(m_session.get(), &app::ReadingSession::opened);
    QSignalSpy requested(m_session.get(), &app::ReadingSession::priorRequested);
    QString noteWhileRetrieving;
    connect(m_session.get(), &app::ReadingSession::priorRequested, this,
            [&] { noteWhileRetrieving = m_session->windows()[1]->cellTitle(1); });
    m_session->open(current, 2);
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 30000);
    // First shown without the prior, which is asked for from the archive...
    QTRY_COMPARE_WITH_TIMEOUT(requested.count(), 1, 30000);
    QCOMPARE(requested.front()[0].toString(), prior);
    QCOMPARE(requested.front()[1].toString(), QString("orthanc"));
    QVERIFY2(noteWhileRetrieving.contains("retrieving the 20220202 prior from orthanc"), qPrintable(noteWhileRetrieving));
    // ...and appears when it has arrived: the layout is done again with it.
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 2, 60000);
    app::ReadingWindow* second = m_session->windows()[1];
    QTRY_VERIFY_WITH_TIMEOUT(second->allShown(), 30000);
    QVERIFY(second->viewport(1));
    QCOMPARE(QString::fromStdString(second->viewport(1)->stack()->entry(0).summary->studyInstanceUid), prior);
    QCOMPARE(second->viewport(1)->count(), 20);
    QCOMPARE(m_session->layout().priors.size(), std::size_t(1));
    m_session.reset();
    orthanc.stop();
}

void ReadingGuiTest::screensAreRemembered()
{
    const QString ini = m_tmp.path() + "/plan/ui.ini";
    const QList<QScreen*> screens = QGuiApplication::screens();
    app::ScreenPlan plan(ini);
    // The study list keeps the first screen: reading windows go to the two others.
    plan.setStudyListScreen(screens[0]);
    QCOMPARE(plan.studyListScreen(), screens[0]);
    auto openWithPlan = [&] {
        m_session.reset();
        m_session = std::make_unique<app::ReadingSession>(*m_service, app::ProtocolLibrary::load({}), m_pool);
        m_session->setScreenPlan(app::ScreenPlan(ini));
        QSignalSpy opened(m_session.get(), &app::ReadingSession::opened);
        m_session->open(m_study, 0);
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 30000);
    };
    openWithPlan();
    QCOMPARE(int(m_session->windows().size()), 2);
    QCOMPARE(m_session->windows()[0]->screen(), screens[1]);
    QCOMPARE(m_session->windows()[1]->screen(), screens[2]);
    // The user puts the first reading window on the third screen: remembered for the next study.
    m_session->windows()[0]->windowHandle()->setScreen(screens[2]);
    QTRY_COMPARE(app::ScreenPlan(ini).readingScreens().front(), screens[2]);
    openWithPlan();
    QCOMPARE(m_session->windows()[0]->screen(), screens[2]);
    QCOMPARE(m_session->windows()[1]->screen(), screens[1]);
    // Screens changed (as when one is plugged in or out): laid out again on the same stage.
    m_session->nextStage();
    const QList<app::ReadingWindow*> before(m_session->windows().begin(), m_session->windows().end());
    m_session->screensChanged();
    QCOMPARE(m_session->layout().stage, 2);
    QCOMPARE(int(m_session->windows().size()), 2);
    QVERIFY(m_session->windows()[0] != before[0]);
    // Without a study-list screen, reading windows use every screen again.
    app::ScreenPlan(ini).setStudyListScreen(nullptr);
    openWithPlan();
    QCOMPARE(int(m_session->windows().size()), 3);
    m_session.reset();
}

namespace {

// The patient position of image pixel (c, r) of what a viewport shows, and that plane's normal.
struct At {
    Vec3 point, normal;
};
At patientPoint(viewer::ImageViewport* v, QPointF pixel)
{
    viewer::ImageStack* s = v->stack();
    const int i = v->currentIndex();
    if (auto* mpr = qobject_cast<viewer::MprStack*>(s)) {
        const ReslicePlane p = mpr->plane(i);
        Vec3 q;
        for (int k = 0; k < 3; ++k) q[std::size_t(k)] = p.origin[std::size_t(k)] + (p.x[std::size_t(k)] * pixel.x() + p.y[std::size_t(k)] * pixel.y()) * p.spacing;
        return {q, p.normal()};
    }
    const viewer::StackEntry& e = s->entry(i);
    const PlaneGeometry g = e.info->planeFor(e.frame);
    const auto& o = *g.orientation;
    Vec3 q;
    for (int k = 0; k < 3; ++k)
        q[std::size_t(k)] = (*g.position)[std::size_t(k)] + o[std::size_t(k)] * pixel.x() * (*g.pixelSpacing)[1] + o[std::size_t(3 + k)] * pixel.y() * (*g.pixelSpacing)[0];
    return {q, normalized(cross(Vec3{o[0], o[1], o[2]}, Vec3{o[3], o[4], o[5]}))};
}

}  // namespace

void ReadingGuiTest::referenceLinesAreWherePlanesCut()
{
    openOn(2);  // the shared CT: axial soft tissue on screen 1, its coronal reformat on screen 2
    viewer::ImageViewport* axial = m_session->windows()[0]->viewport(0);
    viewer::ImageViewport* coronal = m_session->windows()[1]->viewport(0);
    QVERIFY(axial && coronal && qobject_cast<viewer::MprStack*>(coronal->stack()));
    axial->setCurrentIndex(12);
    coronal->setCurrentIndex(coronal->count() / 3);
    for (auto [a, b] : {std::pair{axial, coronal}, std::pair{coronal, axial}}) {
        const auto line = app::ReferenceLines::cut(a, b);
        QVERIFY(line);
        // Both ends lie on the other image's plane, and the line spans the image.
        const At other = patientPoint(b, QPointF(0, 0));
        for (QPointF end : {line->first, line->second}) {
            const At here = patientPoint(a, end);
            const double off = dot(Vec3{here.point[0] - other.point[0], here.point[1] - other.point[1], here.point[2] - other.point[2]}, other.normal);
            QVERIFY2(std::abs(off) < 1e-6, qPrintable(QString::number(off)));
        }
        QVERIFY(std::hypot(line->first.x() - line->second.x(), line->first.y() - line->second.y()) > 100);
    }
    // The lung viewport shows the same plane as the soft-tissue one: parallel, no line.
    QVERIFY(!app::ReferenceLines::cut(axial, m_session->windows()[0]->viewport(1)));
    const QString dir = qEnvironmentVariable("LIGHTBOX_TEST_SCREENSHOTS");
    if (!dir.isEmpty()) {
        QTRY_VERIFY_WITH_TIMEOUT(m_session->windows()[1]->allShown(), 10000);  // grab() paints; wait for the images
        m_session->windows()[1]->grab().save(dir + "/reading-reference-lines.png");
    }
}

void ReadingGuiTest::dragASeriesOntoAViewport()
{
    openOn(2);
    app::ReadingWindow* second = m_session->windows()[1];
    app::SeriesStrip* strip = second->seriesStrip();
    // The strip lists the study's series, with a thumbnail.
    QCOMPARE(strip->count(), 1);
    QVERIFY(!strip->item(0)->icon().isNull());
    // What a drag from the strip carries, dropped on the empty prior viewport.
    QVERIFY(!second->viewport(1));
    std::unique_ptr<QMimeData> mime(strip->model()->mimeData({strip->model()->index(0, 0)}));
    QVERIFY(mime->hasFormat(app::kSeriesMimeType));
    QWidget* target = second->cellWidget(1);
    const QPoint at(target->width() / 2, target->height() / 2);
    QDragEnterEvent enter(at, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(at, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &drop);
    QVERIFY(second->viewport(1));
    QCOMPARE(QString::fromStdString(second->viewport(1)->stack()->entry(0).summary->seriesInstanceUid), strip->seriesUid(0));
    QCOMPARE(second->placement(1).spec.view, QString("2d"));
    QTRY_VERIFY_WITH_TIMEOUT(second->viewport(1)->currentImageShown(), 10000);
    // It joined the viewport's synchronisation group.
    QCOMPARE(m_session->sync().groupSize("A"), 3);
}

void ReadingGuiTest::keyImagesAreFlaggedAndKept()
{
    openOn(1);
    app::ReadingWindow* w = m_session->windows()[0];
    viewer::ImageViewport* v = w->viewport(0);
    w->activateWindow();
    v->view()->setFocus();
    QTRY_COMPARE(w->focusedCell(), 0);
    v->setCurrentIndex(5);
    const auto image = w->shownImage(0);
    QVERIFY(!image.first.empty());
    QVERIFY(!w->shownIsKeyImage(0));
    QSignalSpy saved(m_session.get(), &app::ReadingSession::keyImageSaved);
    QTest::keyClick(v->view(), Qt::Key_K);
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 10000);
    QVERIFY2(saved.front()[0].toBool(), qPrintable(saved.front()[1].toString()));
    QVERIFY(w->shownIsKeyImage(0));
    v->setCurrentIndex(6);
    QVERIFY(!w->shownIsKeyImage(0));  // only that image
    // In the cache index, with the study.
    {
        auto cache = storage::Cache::open(m_cache.toStdString());
        QVERIFY(cache.ok());
        auto keys = storage::keyImagesOf((*cache)->database(), m_study.toStdString());
        QVERIFY(keys.ok());
        QCOMPARE(keys->size(), std::size_t(1));
        QVERIFY(keys->count(image));
    }
    // Opened again: still flagged. K again unflags it, there and in the index.
    openOn(1);
    w = m_session->windows()[0];
    v = w->viewport(0);
    QVERIFY(m_session->keyImages().count(image));
    v->setCurrentIndex(5);
    QVERIFY(w->shownIsKeyImage(0));
    const QString dir = qEnvironmentVariable("LIGHTBOX_TEST_SCREENSHOTS");
    if (!dir.isEmpty()) {
        QTRY_VERIFY_WITH_TIMEOUT(w->allShown(), 10000);  // grab() paints; wait for the images
        w->grab().save(dir + "/reading-key-image.png");
    }
    QSignalSpy unsaved(m_session.get(), &app::ReadingSession::keyImageSaved);
    QVERIFY(m_session->toggleKeyImage(w, 0));
    QTRY_COMPARE_WITH_TIMEOUT(unsaved.count(), 1, 10000);
    QVERIFY(!w->shownIsKeyImage(0));
    auto cache = storage::Cache::open(m_cache.toStdString());
    QVERIFY(storage::keyImagesOf((*cache)->database(), m_study.toStdString())->empty());
}

void ReadingGuiTest::everyScreen()
{
    // CT chest is written for two screens: on one they fold into a 1x4 grid; on three the third is free.
    const int n = int(QGuiApplication::screens().size());
    openOn(0);
    const auto& windows = m_session->windows();
    QCOMPARE(int(windows.size()), n);
    for (int i = 0; i < n; ++i) QCOMPARE(windows[std::size_t(i)]->screen(), QGuiApplication::screens()[i]);
    QCOMPARE(windows[0]->cellCount(), n == 1 ? 4 : 2);
    if (n >= 2) QCOMPARE(windows[1]->cellCount(), 2);
    if (n >= 3) QCOMPARE(windows[2]->cellCount(), 0);
    for (app::ReadingWindow* w : windows) QVERIFY(w->allShown());
    m_session.reset();
}

void ReadingGuiTest::openingAnotherStudyGivesUpTheFirst()
{
    // Closed while still preparing: nothing waits, nothing is shown later.
    {
        app::ReadingSession s(*m_service, app::ProtocolLibrary::load({}), m_pool);
        s.open(m_study, 1);
    }
    // Opened twice in a row: only the second study is laid out.
    m_session.reset();
    m_session = std::make_unique<app::ReadingSession>(*m_service, app::ProtocolLibrary::load({}), m_pool);
    QSignalSpy opened(m_session.get(), &app::ReadingSession::opened);
    m_session->open(m_study, 1);
    m_session->open(m_syncStudy, 1);
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 30000);
    // The first study's preparation runs on the pool: once the pool is idle and its queued results
    // are delivered, no second "opened" can come.
    m_pool.waitForDone();
    QCoreApplication::processEvents();
    QCOMPARE(opened.count(), 1);
    QCOMPARE(QString::fromStdString(m_session->windows()[0]->placement(0).studyUid), m_syncStudy);
    m_pool.waitForDone();
    m_session.reset();
}

void ReadingGuiTest::volumeRenderingViewport()
{
    // A user protocol with a volume-rendered viewport beside the axial images.
    const QString folder = m_tmp.path() + "/vr-protocols";
    QVERIFY(QDir().mkpath(folder));
    QFile f(folder + "/ct-3d.json");
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"name": "CT 3D", "rules": [{"attribute": "modality", "op": "equals", "value": "CT", "required": true, "weight": 9}],
               "displaySets": [{"name": "ct", "reuse": true, "rules": []}],
               "stages": [{"screens": [{"rows": 1, "columns": 2, "viewports": [
                   {"row": 0, "column": 0, "displaySet": "ct", "preset": "Lung"},
                   {"row": 0, "column": 1, "displaySet": "ct", "view": "vr", "preset": "CT bone"}]}]}]})");
    f.close();
    m_session.reset();
    m_session = std::make_unique<app::ReadingSession>(*m_service, app::ProtocolLibrary::load(folder), m_pool);
    QSignalSpy opened(m_session.get(), &app::ReadingSession::opened);
    m_session->open(m_study, 1);
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 30000);
    QCOMPARE(opened.front()[0].toString(), QString("CT 3D"));
    app::ReadingWindow* w = m_session->windows()[0];
    QVERIFY(w->viewport(0) && !w->viewport(1));
    viewer::VolumeView* vr = w->volumeView(1);
    QVERIFY(vr);
    QTRY_VERIFY_WITH_TIMEOUT(w->allShown(), 30000);
    QCOMPARE(vr->preset(), QString("CT bone"));
    // Something is rendered: more than a handful of colours (waited for: the first frames may be
    // coarse or empty).
    auto colourCount = [vr] {
        const QImage img = vr->grabView();
        QSet<QRgb> colours;
        for (int y = 0; y < img.height(); y += 5)
            for (int x = 0; x < img.width(); x += 5) colours.insert(img.pixel(x, y));
        return int(colours.size());
    };
    QTRY_VERIFY2_WITH_TIMEOUT(colourCount() > 20, qPrintable(QString::number(colourCount())), 10000);
    const QString dir = qEnvironmentVariable("LIGHTBOX_TEST_SCREENSHOTS");
    if (!dir.isEmpty()) w->grab().save(dir + "/reading-vr.png");
    m_session.reset();
}

void ReadingGuiTest::readFromTheBrowser()
{
    // The browser's "Read with hanging protocol" opens the reading windows from the main window.
    app::CacheService service(m_cache, m_pool);
    app::MainWindow window(m_pool, service);
    window.show();
    emit window.browser()->readRequested(m_study);
    QTRY_VERIFY_WITH_TIMEOUT(window.readingSession() && !window.readingSession()->windows().empty(), 30000);
    QCOMPARE(window.readingSession()->layout().protocol, QString("CT chest"));
    for (app::ReadingWindow* w : window.readingSession()->windows()) QTRY_VERIFY_WITH_TIMEOUT(w->allShown(), 30000);
}

// Its own X server with three screens: the suite's Xvfb has one.
void ReadingGuiTest::anUntrustedPriorIsWithheldAndSaid()
{
    // An earlier study under the same patient ID and birth date that came from a peer not trusted
    // for priors (here a sender no settings entry vouches for): not hung as the prior, and the
    // reading window says so in words.
    const QString current = importStudy({"P-UNTRUSTED", "19500101", "20240601", "CT THORAX", "CHEST", {{"Mediastinum 3.0", "CT", "", 10}}});
    QVERIFY(!current.isEmpty());
    QString error;
    const QString priorDir = m_tmp.path() + "/untrusted-prior";
    const QString prior = writeStudy({"P-UNTRUSTED", "19500101", "20230601", "CT THORAX", "CHEST", {{"Mediastinum 3.0", "CT", "", 10}}}, priorDir, &error);
    QVERIFY2(!prior.isEmpty(), qPrintable(error));
    QVERIFY(run(lightboxExe(), {"import", "--cache", m_cache, "--quiet", "--source", "store:outside-clinic", priorDir}).ok());
    openOn(1, current);
    QVERIFY(m_session->layout().priors.empty());
    const QString warning = m_session->windows().front()->warning();
    QVERIFY2(warning.startsWith("Another study under this patient's ID is not shown as a prior") && warning.contains("store:outside-clinic") && warning.contains("20230601"), qPrintable(warning));
    QVERIFY(m_session->windows().front()->grab().save(QDir::tempPath() + "/lightbox-untrusted-prior-warning.png"));
}

int main(int argc, char** argv)
{
    // LIGHTBOX_TEST_XSCREENS: how many X screens (1 to 3; default 3). Xvfb picks a free display
    // itself and tells which (-displayfd): tests running side by side never share one.
    const int screens = std::clamp(qEnvironmentVariableIntValue("LIGHTBOX_TEST_XSCREENS") ? qEnvironmentVariableIntValue("LIGHTBOX_TEST_XSCREENS") : 3, 1, 3);
    const char* sizes[] = {"1280x1024x24", "1280x1024x24", "1024x768x24"};
    QStringList screenSizes;
    for (int i = 0; i < screens; ++i) screenSizes << sizes[i];
    PrivateXServer x;
    if (QString error; !x.start(screenSizes, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    // Remembered screens and user protocols of this run stay in a folder of its own.
    QTemporaryDir settings;
    qputenv("LIGHTBOX_CONFIG", (settings.path() + "/lightbox.json").toLocal8Bit());
    int rc = 0;
    {
        QApplication app(argc, argv);
        ReadingGuiTest test;
        rc = QTest::qExec(&test, argc, argv);
    }
    return rc;
}

#include "test_reading_gui.moc"
