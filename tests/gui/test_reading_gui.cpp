// Reading windows under a real X server with three screens (Xvfb with three X screens, started
// by this test): opening the shared CT chest study lays the CT chest protocol out with one window
// per screen, on its screen; viewports show their series with the protocol's window preset, the
// coronal viewport a reformat of the volume, the prior viewport says it has nothing; the third
// screen stays free; the next stage re-lays the windows; on one screen everything folds into one.
#include "test_support.h"

#include "image_viewport.h"
#include "image_stack.h"
#include "reading_session.h"
#include "reading_window.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QScreen>
#include <QTemporaryDir>
#include <QThread>
#include <QThreadPool>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

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

private:
    void openOn(int screens);
    QTemporaryDir m_tmp;
    QString m_cache, m_study;
    QThreadPool m_pool;
    std::unique_ptr<app::ReadingSession> m_session;
};

void ReadingGuiTest::initTestCase()
{
    QCOMPARE(QGuiApplication::screens().size(), 3);
    m_cache = m_tmp.path() + "/cache";
    const ProcessResult r = run(lightboxExe(), {"import", "--cache", m_cache, "--quiet", testDataDir() + "/ct/siemens-sensation10_chest_30sl"});
    QVERIFY2(r.ok(), r.err.constData());
    const ProcessResult s = run(lightboxExe(), {"studies", "--cache", m_cache, "--json"});
    m_study = QJsonDocument::fromJson(s.out).array()[0].toObject()["studyInstanceUid"].toString();
    QVERIFY(!m_study.isEmpty());
}

void ReadingGuiTest::openOn(int screens)
{
    m_session = std::make_unique<app::ReadingSession>(m_cache, app::ProtocolLibrary::load({}), m_pool);
    QSignalSpy opened(m_session.get(), &app::ReadingSession::opened);
    QSignalSpy failed(m_session.get(), &app::ReadingSession::failed);
    m_session->open(m_study, screens);
    QTRY_VERIFY_WITH_TIMEOUT(opened.count() + failed.count() == 1, 30000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.front()[0].toString()));
    QCOMPARE(opened.front()[0].toString(), QString("CT chest"));
    for (app::ReadingWindow* w : m_session->windows()) QTRY_VERIFY_WITH_TIMEOUT(w->allShown(), 30000);
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

// Its own X server with three screens: the suite's Xvfb has one.
int main(int argc, char** argv)
{
    int display = 0;
    QProcess xvfb;
    for (display = 90; display < 120; ++display)
        if (!QFile::exists(QStringLiteral("/tmp/.X11-unix/X%1").arg(display)) && !QFile::exists(QStringLiteral("/tmp/.X%1-lock").arg(display))) break;
    xvfb.start("Xvfb", {QStringLiteral(":%1").arg(display), "-nolisten", "tcp", "-screen", "0", "1280x1024x24", "-screen", "1", "1280x1024x24", "-screen",
                        "2", "1024x768x24"});
    if (!xvfb.waitForStarted()) {
        std::fprintf(stderr, "cannot start Xvfb\n");
        return 1;
    }
    for (int i = 0; i < 100 && !QFile::exists(QStringLiteral("/tmp/.X11-unix/X%1").arg(display)); ++i) QThread::msleep(50);
    qputenv("DISPLAY", QStringLiteral(":%1").arg(display).toLocal8Bit());
    qputenv("QT_QPA_PLATFORM", "xcb");
    int rc = 0;
    {
        QApplication app(argc, argv);
        ReadingGuiTest test;
        rc = QTest::qExec(&test, argc, argv);
    }
    xvfb.terminate();
    xvfb.waitForFinished(5000);
    return rc;
}

#include "test_reading_gui.moc"
