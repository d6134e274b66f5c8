// The reading worklist tab (issue 12, point 2) under a real X server: the orders of the cache's
// work queue with their status as the cache makes it (the ordered CT chest is here: "Ready"; the
// other order's study is not: "Scheduled"), the STAT order first; the status filter; "Next study"
// opens the ready study on the reading windows with its hanging protocol and marks it in progress
// for the signed-in reader (marked read by the command line, nothing is ready: said). The Figures
// dialog, and the offline banner against an Orthanc killed and started again.
#include "archived_studies.h"
#include "cache.h"
#include "test_support.h"
#include "transfer_panel.h"

#include "archive_banner.h"
#include "auditor.h"
#include "cache_service.h"
#include "main_window.h"
#include "network_service.h"
#include "orthanc_fixture.h"
#include "reading_session.h"
#include "reading_window.h"
#include "stats_dialog.h"
#include "worklist_panel.h"

#include <QAbstractBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QtTest>

using namespace lightbox;
using namespace lightbox::test;

class WorklistGuiTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void nextStudyOpensWithItsProtocol();
    void figuresWithCharts();
    void theBannerSaysWhichArchiveIsDown();
    void theWorklistIsMadeAvailableOffline();

private:
    ProcessResult lb(const QStringList& args) { return run(lightboxExe(), args + QStringList{"--cache", m_cache}, 120000); }
    QStringList column(QTableWidget* t, int c);
    QTemporaryDir m_tmp;
    QString m_cache, m_study;
    QThreadPool m_pool;
};

void WorklistGuiTest::initTestCase()
{
    m_cache = m_tmp.path() + "/cache";
    const ProcessResult r = lb({"import", "--quiet", testDataDir() + "/ct/siemens-sensation10_chest_30sl"});
    QVERIFY2(r.ok(), r.err.constData());
    const QJsonObject study = QJsonDocument::fromJson(lb({"studies", "--json"}).out).array()[0].toObject();
    m_study = study["studyInstanceUid"].toString();
    QVERIFY(!m_study.isEmpty());
    const QString earlier = QDateTime::currentDateTime().addSecs(-7200).toString("yyyy-MM-ddTHH:mm");
    QVERIFY(lb({"worklist", "add", "--patient-id", "WL-9", "--modality", "MR", "--accession", "ACC-LATER", "--scheduled", earlier, "--procedure",
                "MR knee", "--patient-name", "LATER^PATIENT"})
                .ok());
    QVERIFY(lb({"worklist", "add", "--patient-id", study["patientId"].toString(), "--modality", "CT", "--study", m_study, "--accession", "ACC-CT",
                "--priority", "STAT", "--procedure", "CT chest"})
                .ok());
}

QStringList WorklistGuiTest::column(QTableWidget* t, int c)
{
    QStringList out;
    for (int row = 0; row < t->rowCount(); ++row) out << (t->item(row, c) ? t->item(row, c)->text() : QString());
    return out;
}

void WorklistGuiTest::nextStudyOpensWithItsProtocol()
{
    app::CacheService service(m_cache, m_pool);
    app::MainWindow window(m_pool, service);
    window.resize(1400, 700);
    window.show();
    app::WorklistPanel* panel = window.worklist();
    QSignalSpy loaded(panel, &app::WorklistPanel::loaded);
    window.showWorklist();
    QVERIFY(loaded.wait(20000));
    QTableWidget* table = panel->table();
    // STAT first, though scheduled later; statuses as the cache has the studies.
    QCOMPARE(column(table, 5), (QStringList{"ACC-CT", "ACC-LATER"}));
    QCOMPARE(column(table, 2), (QStringList{"Ready", "Scheduled"}));
    QVERIFY(window.grab().save(QDir::tempPath() + "/lightbox-worklist.png"));
    auto* status = panel->findChild<QComboBox*>();
    status->setCurrentIndex(2);  // not here yet
    QCOMPARE(column(table, 5), QStringList{"ACC-LATER"});
    status->setCurrentIndex(0);

    QSignalSpy asked(panel, &app::WorklistPanel::readRequested);
    panel->nextButton()->click();
    QTRY_COMPARE_WITH_TIMEOUT(asked.size(), 1, 20000);
    QCOMPARE(asked.front().front().toString(), m_study);
    QTRY_VERIFY_WITH_TIMEOUT(window.readingSession() && !window.readingSession()->windows().empty(), 30000);
    QCOMPARE(window.readingSession()->layout().protocol, QString("CT chest"));
    for (app::ReadingWindow* w : window.readingSession()->windows()) QTRY_VERIFY_WITH_TIMEOUT(w->allShown(), 30000);
    QVERIFY(window.readingSession()->windows().front()->grab().save(QDir::tempPath() + "/lightbox-worklist-next.png"));
    // In progress for this reader, in the list and for the command line.
    QTRY_COMPARE_WITH_TIMEOUT(column(table, 2).value(0), QString("In progress"), 20000);
    QCOMPARE(column(table, 10).value(0), QString::fromStdString(security::systemUser()));
    const QJsonArray items = QJsonDocument::fromJson(lb({"worklist", "list", "--json"}).out).array();
    QCOMPARE(items[0]["status"].toString(), QString("in progress"));
    // Nothing else is ready: "Next study" says so and opens nothing new.
    QVERIFY(lb({"worklist", "mark", "ACC-CT", "read"}).ok());
    QSignalSpy said(panel, &app::WorklistPanel::message);
    panel->nextButton()->click();
    QTRY_COMPARE_WITH_TIMEOUT(said.size(), 1, 20000);
    QVERIFY2(said.front().front().toString().startsWith("Nothing to read"), qPrintable(said.front().front().toString()));
    QCOMPARE(asked.size(), 1);
}

void WorklistGuiTest::figuresWithCharts()
{
    // After the case before: two orders today, the CT opened (it was here: a prefetch hit) and
    // read by this reader.
    app::CacheService service(m_cache, m_pool);
    app::StatsDialog dialog(service);
    QSignalSpy loaded(&dialog, &app::StatsDialog::loaded);
    dialog.show();
    QVERIFY(loaded.wait(20000));
    const app::ReadingStats& s = dialog.stats();
    QCOMPARE(int(s.studies.size()), 2);
    QCOMPARE(s.opened, 1);
    QCOMPARE(s.hits, 1);
    QCOMPARE(int(s.readers.size()), 1);
    QCOMPARE(s.readers.front().user, QString::fromStdString(security::systemUser()));
    QCOMPARE(s.readers.front().read, 1);
    // The workload chart has the reader's CT; the turnaround chart its four steps.
    QCOMPARE(dialog.workloadChart()->chart()->series().size(), 1);
    auto* bars = qobject_cast<QAbstractBarSeries*>(dialog.workloadChart()->chart()->series().front());
    QVERIFY(bars);
    QCOMPARE(bars->barSets().size(), 1);
    QCOMPARE(bars->barSets().front()->label(), QString("CT"));
    QCOMPARE(bars->barSets().front()->at(0), 1.0);
    auto* steps = qobject_cast<QAbstractBarSeries*>(dialog.turnaroundChart()->chart()->series().front());
    QVERIFY(steps && steps->barSets().front()->count() == 4);
    QVERIFY(dialog.grab().save(QDir::tempPath() + "/lightbox-reading-figures.png"));
}

void WorklistGuiTest::theBannerSaysWhichArchiveIsDown()
{
    // A real archive, then the same archive killed: the banner names it and goes on reading from
    // the cache; a send queued meanwhile is counted; back up and delivered, the banner goes.
    OrthancServer orthanc;
    QString error;
    QVERIFY2(orthanc.start(&error), qPrintable(error));
    const QString config = m_tmp.path() + "/banner.json";
    auto withConfig = [&](const QStringList& args) { return run(lightboxExe(), args + QStringList{"--config", config, "--cache", m_cache}, 120000); };
    QVERIFY(withConfig({"archive", "add", "pacs", "--aet", "ORTHANC", "--host", "127.0.0.1", "--port", QString::number(orthanc.dicomPort())}).ok());
    app::CacheService service(m_cache, m_pool);
    app::NetworkService network(config, m_cache);
    app::MainWindow window(m_pool, service);
    window.attachNetwork(network);
    window.resize(1400, 700);
    window.show();
    app::ArchiveBanner* banner = window.archiveBanner();
    QSignalSpy checked(banner, &app::ArchiveBanner::checked);
    QVERIFY(checked.wait(20000));
    QCOMPARE(banner->text(), QString());
    QVERIFY(!banner->isVisible());

    orthanc.kill();
    banner->checkNow();
    QVERIFY(checked.wait(60000));
    QVERIFY2(banner->text().startsWith("Archive pacs cannot be reached") && banner->text().contains("Reading goes on from the cache"),
             qPrintable(banner->text()));
    QVERIFY(banner->isVisible());
    // What the banner found is in the queue's record too.
    const QJsonObject queue = QJsonDocument::fromJson(withConfig({"queue", "--json"}).out).object();
    bool down = false;
    for (const QJsonValue& a : queue["archives"].toArray()) down |= a["name"].toString() == "pacs" && !a["reachable"].toBool();
    QVERIFY2(down, QJsonDocument(queue).toJson().constData());
    const ProcessResult queued = withConfig({"send", "--archive", "pacs", "--study", m_study, "--queue"});
    QVERIFY2(queued.ok(), queued.err.constData());
    banner->checkNow();
    QVERIFY(checked.wait(60000));
    QVERIFY2(banner->text().contains("30 object(s) wait to be sent to pacs"), qPrintable(banner->text()));
    // Laid out again for the new text (a posted layout request), then what the reader sees.
    QTRY_VERIFY(banner->height() >= banner->heightForWidth(banner->width()));
    QVERIFY(window.grab().save(QDir::tempPath() + "/lightbox-offline-banner.png"));

    QVERIFY2(orthanc.start(&error), qPrintable(error));
    const ProcessResult delivered = withConfig({"queue", "deliver"});
    QVERIFY2(delivered.ok(), (delivered.out + delivered.err).constData());
    banner->checkNow();
    QVERIFY(checked.wait(60000));
    QCOMPARE(banner->text(), QString());
    QVERIFY(!banner->isVisible());
    QCOMPARE(orthanc.instanceCount(), 30);
}

void WorklistGuiTest::theWorklistIsMadeAvailableOffline()
{
    // An order three days ahead (beyond the prefetch lead time): the Worklist tab's "Make
    // available offline" fetches its study and prior now, in the Transfers panel, and holds them.
    OrthancServer orthanc;
    QString error;
    QVERIFY2(orthanc.start(&error), qPrintable(error));
    QMap<QString, QString> uids;
    const QString today = QDate::currentDate().toString("yyyyMMdd"), before = QDate::currentDate().addDays(-90).toString("yyyyMMdd");
    QVERIFY2(uploadStudies(orthanc,
                           {{"current", {"WL-OFF", "19650303", today, "MR KNEE", "KNEE", {{"PD", "MR", "", 3}}}},
                            {"prior", {"WL-OFF", "19650303", before, "MR KNEE", "KNEE", {{"PD", "MR", "", 2}}}}},
                           m_tmp.path() + "/offline-studies", uids, &error),
             qPrintable(error));
    const QString config = m_tmp.path() + "/offline.json";
    auto withConfig = [&](const QStringList& args) { return run(lightboxExe(), args + QStringList{"--config", config, "--cache", m_cache}, 120000); };
    QVERIFY(withConfig({"archive", "add", "pacs", "--aet", "ORTHANC", "--host", "127.0.0.1", "--port", QString::number(orthanc.dicomPort())}).ok());
    QVERIFY(lb({"worklist", "add", "--patient-id", "WL-OFF", "--birth-date", "19650303", "--modality", "MR", "--study", uids["current"], "--accession",
                "ACC-OFF", "--scheduled", QDateTime::currentDateTime().addDays(3).toString("yyyy-MM-ddTHH:mm")})
                .ok());
    app::CacheService service(m_cache, m_pool);
    app::NetworkService network(config, m_cache);
    app::MainWindow window(m_pool, service);
    window.attachNetwork(network);
    window.resize(1400, 800);
    window.show();
    window.showWorklist();
    auto* panel = window.findChild<app::WorklistPanel*>();
    QVERIFY(panel);
    panel->refresh();
    QTRY_VERIFY_WITH_TIMEOUT(!panel->isLoading() && !panel->items().empty(), 20000);
    // Only this patient's item: the other tests' orders and studies are left out.
    auto* text = panel->findChild<QLineEdit*>();
    QVERIFY(text);
    text->setText("WL-OFF");
    QTRY_VERIFY_WITH_TIMEOUT(!panel->isLoading() && panel->items().size() == 1, 20000);
    QPushButton* offline = nullptr;
    for (QPushButton* b : panel->findChildren<QPushButton*>())
        if (b->text() == "Make available offline") offline = b;
    QVERIFY(offline);
    QSignalSpy finished(&network, &app::NetworkService::transferFinished);
    offline->click();
    QVERIFY(finished.wait(120000));
    const app::Transfer* t = network.transfer(finished.front()[0].toInt());
    QVERIFY2(finished.front()[1].toBool(), qPrintable(t->status));
    QCOMPARE(t->done, 2);
    QCOMPARE(t->total, 2);
    // Both studies whole in the cache (Orthanc's count of instances: 3 and 2), and held.
    auto cache = storage::Cache::open(m_cache.toStdString());
    QVERIFY(cache);
    QCOMPARE(int((*cache)->index().instancesOfStudy(uids["current"].toStdString()).size()), 3);
    QCOMPARE(int((*cache)->index().instancesOfStudy(uids["prior"].toStdString()).size()), 2);
    QStringList held;
    for (const storage::HoldRow& h : (*cache)->holds().holds({}, true))
        if (h.holder == "offline") held << uids.key(QString::fromStdString(h.studyUid));
    held.sort();
    QCOMPARE(held, (QStringList{"current", "prior"}));
    // The list follows: the order's study is here now.
    QTRY_VERIFY_WITH_TIMEOUT(!panel->isLoading() && panel->items().size() == 1 && panel->items().front().status == app::ItemStatus::Cached, 20000);
    // What the reader sees in the Transfers panel.
    auto* transfers = window.findChild<app::TransferPanel*>();
    QVERIFY(transfers);
    QTRY_VERIFY(transfers->isVisible());
    QVERIFY(window.grab().save(QDir::tempPath() + "/lightbox-offline-worklist.png"));
}

QTEST_MAIN(WorklistGuiTest)
#include "test_worklist_gui.moc"
