// Archives in the main window against a real Orthanc: the browser searches the archive and marks
// what is cached, a double-click retrieves the study in the background (transfer panel) and
// opens it, a known modality's images arrive through the listener and appear in the local
// search, a cached study is sent back, and the Archives dialog tests and saves settings (the
// password sealed).
#include "../net/dicom_copies.h"
#include "orthanc_fixture.h"
#include "test_support.h"

#include "archives_dialog.h"
#include "cache_service.h"
#include "frame_stack.h"
#include "image_viewport.h"
#include "main_window.h"
#include "network_service.h"
#include "outbox.h"
#include "transfer_tasks.h"
#include "study_browser.h"
#include "transfer_panel.h"

#include <QFile>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QTreeWidget>
#include <QLineEdit>
#include <QtTest>

using namespace lightbox;
using namespace lightbox::test;

class ArchiveGuiTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void searchMarksWhatIsCached();
    void doubleClickRetrievesAndOpens();
    void modalityImagesArriveThroughTheListener();
    void sendACachedStudy();
    void aSendToAnArchiveThatIsDownWaitsInTheOutbox();
    void archivesDialogTestsAndSaves();

private:
    QTreeWidgetItem* studyItem(const QString& uid);
    void search(const QString& source, const QString& patientId);

    QTemporaryDir m_tmp;
    std::unique_ptr<OrthancServer> m_orthanc;
    QString m_config, m_cacheDir;
    int m_port = 0;
    QThreadPool m_pool;
    std::unique_ptr<app::CacheService> m_cache;
    std::unique_ptr<app::NetworkService> m_network;
    std::unique_ptr<app::MainWindow> m_window;
    QString m_study;
};

void ArchiveGuiTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_port = freePort();
    OrthancOptions oo;
    oo.lightboxPort = m_port;
    m_orthanc = std::make_unique<OrthancServer>(oo);
    QString error;
    QVERIFY2(m_orthanc->start(&error), qPrintable(error));
    m_study = newUid();
    QCOMPARE(m_orthanc->upload(copyWithNewUids(filesUnder(testDataDir() + "/mr/siemens-verio_brain-t1post_24sl"), m_tmp.path() + "/mr", m_study, "LB-GUI-MR")), 24);
    m_config = m_tmp.path() + "/lightbox.json";
    app::AppConfig c;
    auto loaded = app::AppConfig::load(m_config);
    QVERIFY(loaded.ok());
    c = *loaded;
    QVERIFY(!c.local.listen);  // a new install listens to nobody until an administrator turns it on
    c.local.listen = true;
    c.local.port = m_port;
    app::ArchiveEntry modality;  // the modality below pushes with dcmsend's AE title
    modality.name = "ct-room";
    modality.aeTitle = "DCMSEND";
    modality.host = "127.0.0.1";
    modality.port = 0;
    c.put(modality);
    app::ArchiveEntry e;
    e.name = "orthanc";
    e.aeTitle = "ORTHANC";
    e.host = "127.0.0.1";
    e.port = m_orthanc->dicomPort();
    e.url = m_orthanc->dicomWebUrl();
    e.timeoutSeconds = 10;
    c.put(e);
    QVERIFY(c.save().ok());
    m_cacheDir = m_tmp.path() + "/cache";
    m_cache = std::make_unique<app::CacheService>(m_cacheDir, m_pool);
    m_network = std::make_unique<app::NetworkService>(m_config, m_cacheDir);
    m_network->startListener();
    QVERIFY2(m_network->listening(), qPrintable(m_network->listenerStatus()));
    m_window = std::make_unique<app::MainWindow>(m_pool, *m_cache);
    m_window->attachNetwork(*m_network);
    m_window->resize(1300, 900);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void ArchiveGuiTest::cleanupTestCase()
{
    m_window.reset();
    m_network.reset();
    m_pool.waitForDone();
    if (m_orthanc) m_orthanc->stop();
}

QTreeWidgetItem* ArchiveGuiTest::studyItem(const QString& uid)
{
    QTreeWidgetItemIterator it(m_window->browser()->tree());
    for (; *it; ++it)
        if ((*it)->data(0, Qt::UserRole + 1).toString() == uid && !(*it)->parent()->parent()) return *it;
    return nullptr;
}

void ArchiveGuiTest::search(const QString& source, const QString& patientId)
{
    app::StudyBrowser* b = m_window->browser();
    QSignalSpy done(b, &app::StudyBrowser::searchFinished);
    QVERIFY(b->setSource(source));
    storage::StudyQuery q;
    q.patientId = patientId.toStdString();
    b->setQuery(q);
    QTRY_VERIFY_WITH_TIMEOUT(done.count() > 0 && studyItem(m_study) != nullptr, 15000);
}

void ArchiveGuiTest::searchMarksWhatIsCached()
{
    m_window->showBrowser();
    search("orthanc", "LB-GUI-MR");
    QTreeWidgetItem* item = studyItem(m_study);
    QVERIFY(item);
    QCOMPARE(item->text(7), QString("24"));           // images
    QCOMPARE(item->text(9), QString("not cached"));  // status
}

void ArchiveGuiTest::doubleClickRetrievesAndOpens()
{
    QSignalSpy loaded(m_window.get(), &app::MainWindow::loadFinished);
    QSignalSpy finished(m_network.get(), &app::NetworkService::transferFinished);
    QTreeWidgetItem* item = studyItem(m_study);
    QVERIFY(item);
    emit m_window->browser()->tree()->itemDoubleClicked(item, 0);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    QVERIFY(finished.front()[1].toBool());
    QTRY_VERIFY_WITH_TIMEOUT(loaded.count() >= 1, 20000);
    QCOMPARE(m_window->seriesCount(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->viewport()->currentImageShown(), 10000);
    // The transfer panel shows it done.
    QTableWidget* t = m_window->transferPanel()->table();
    QCOMPARE(t->rowCount(), 1);
    QVERIFY2(t->item(0, 4)->text().startsWith("complete: 24 received"), qPrintable(t->item(0, 4)->text()));
    // Searched again: in the cache.
    m_window->showBrowser();
    search("orthanc", "LB-GUI-MR");
    QCOMPARE(studyItem(m_study)->text(9), QString("in the cache"));
    const QString dir = qEnvironmentVariable("LIGHTBOX_TEST_SCREENSHOTS");
    if (!dir.isEmpty()) m_window->grab().save(dir + "/archive-browser.png");
}

void ArchiveGuiTest::modalityImagesArriveThroughTheListener()
{
    const QString study = newUid();
    const QStringList files = copyWithNewUids(filesUnder(testDataDir() + "/compressed-series/siemens-trio_mr_4sl_rle"), m_tmp.path() + "/push", study, "LB-PUSHED");
    ProcessResult r = run("dcmsend", QStringList{"-aec", "LIGHTBOX", "127.0.0.1", QString::number(m_port)} + files);
    QVERIFY2(r.ok(), r.err.constData());
    // The local browser (refreshed on arrival) lists it.
    app::StudyBrowser* b = m_window->browser();
    QVERIFY(b->setSource(""));
    storage::StudyQuery q;
    q.patientId = "LB-PUSHED";
    b->setQuery(q);
    QTRY_COMPARE_WITH_TIMEOUT(b->studyCount(), 1, 10000);
    QCOMPARE(cachedInstances(m_cacheDir, study).size(), 4);
}

void ArchiveGuiTest::sendACachedStudy()
{
    const QString study = newUid();
    const QStringList files = copyWithNewUids(filesUnder(testDataDir() + "/compressed-series/siemens-trio_mr_4sl_jpeg-ls"), m_tmp.path() + "/send", study, "LB-GUI-SEND");
    QVERIFY(run(lightboxExe(), QStringList{"import", "--cache", m_cacheDir, "--quiet"} + files).ok());
    const int before = m_orthanc->instanceCount();
    QSignalSpy finished(m_network.get(), &app::NetworkService::transferFinished);
    // As the browser's "Send to" does: through the outbox, in the transfer queue.
    const int id = m_network->enqueueTask("outbox, C-STORE", "orthanc", "pushed back",
                                          app::outboxSendTask(m_network->config(), m_cacheDir, "orthanc", study, false), false);
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 20000);
    QCOMPARE(finished.front()[0].toInt(), id);
    QVERIFY2(finished.front()[1].toBool(), qPrintable(m_network->transfer(id)->status));
    QCOMPARE(m_orthanc->instanceCount(), before + 4);
    QCOMPARE(m_network->transfer(id)->done, 4);
    // The outbox recorded each instance sent, once.
    auto box = app::Outbox::open(m_cacheDir);
    QVERIFY(box);
    int sent = 0;
    for (const app::OutboxItem& i : (*box)->items(true)) sent += i.studyUid == study && i.state == app::OutboxItem::State::Sent;
    QCOMPARE(sent, 4);
}

void ArchiveGuiTest::aSendToAnArchiveThatIsDownWaitsInTheOutbox()
{
    const QString study = newUid();
    const QStringList files = copyWithNewUids(filesUnder(testDataDir() + "/compressed-series/siemens-trio_mr_4sl_jpeg-ls"), m_tmp.path() + "/send-down", study, "LB-GUI-DOWN");
    QVERIFY(run(lightboxExe(), QStringList{"import", "--cache", m_cacheDir, "--quiet"} + files).ok());
    app::AppConfig config = m_network->config();
    app::ArchiveEntry down;
    down.name = "down";
    down.aeTitle = "DOWN";
    down.host = "127.0.0.1";
    down.port = freePort();
    config.archives.push_back(down);
    std::atomic<bool> cancel{false};
    const app::TaskOutcome r = app::outboxSendTask(config, m_cacheDir, "down", study, false)([](int, int, const QString&) {}, cancel, cancel);
    QVERIFY(!r.ok);
    QVERIFY2(r.status.contains("4 wait in the outbox"), qPrintable(r.status));
    auto box = app::Outbox::open(m_cacheDir);
    QVERIFY(box);
    int waiting = 0;
    for (const app::OutboxItem& i : (*box)->items()) waiting += i.studyUid == study && i.archive == "down" && i.state == app::OutboxItem::State::Queued;
    QCOMPARE(waiting, 4);
    for (const app::OutboxItem& i : (*box)->items())
        if (i.archive == "down") QVERIFY((*box)->cancel(i.id));  // not left for other tests
}

void ArchiveGuiTest::archivesDialogTestsAndSaves()
{
    app::ArchivesDialog dialog(*m_network);
    app::ArchiveEntry e;
    e.name = "orthanc-web";
    e.url = m_orthanc->dicomWebUrl();
    e.user = "nobody-checks";
    e.password = "secret-in-the-form";
    dialog.addArchive(e);
    dialog.setFormEntry(e);
    dialog.testSelected();
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.testRunning(), 15000);
    QCOMPARE(dialog.testResult(), QString("It works."));
    // A port nobody listens on: said so.
    app::ArchiveEntry bad = e;
    bad.name = "nowhere";
    bad.url.clear();
    bad.aeTitle = "NOBODY";
    bad.host = "127.0.0.1";
    bad.port = freePort();
    dialog.setFormEntry(bad);
    dialog.testSelected();
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.testRunning(), 15000);
    QVERIFY2(dialog.testResult().contains("nothing listens"), qPrintable(dialog.testResult()));
    dialog.setFormEntry(e);
    // Lightbox's own DICOM TLS needs a certificate and its key, both readable.
    dialog.listenerCertField()->setText(m_tmp.path() + "/no-such-cert.pem");
    QVERIFY(dialog.save().contains("both a certificate and its key"));
    dialog.listenerKeyField()->setText(m_tmp.path() + "/no-such-key.pem");
    QVERIFY(dialog.save().contains("Cannot read"));
    dialog.listenerCertField()->clear();
    dialog.listenerKeyField()->clear();
    QCOMPARE(dialog.save(), QString());
    // Saved, with the password sealed; the browser offers the new archive.
    QFile f(m_config);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray text = f.readAll();
    QVERIFY(text.contains("orthanc-web"));
    QVERIFY(!text.contains("secret-in-the-form"));
    QVERIFY(m_network->config().find("orthanc-web"));
    QCOMPARE(m_network->config().find("orthanc-web")->password, QString("secret-in-the-form"));
    m_window->browser()->refreshSources();
    QVERIFY(m_window->browser()->setSource("orthanc-web"));
}

QTEST_MAIN(ArchiveGuiTest)
#include "test_archive_gui.moc"
