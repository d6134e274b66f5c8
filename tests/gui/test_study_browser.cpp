// The study browser on a real cache: import by call and by drag-and-drop with the event loop
// staying responsive, search as you type (any script), series with thumbnails, open by
// double-click, delete and pin from the service.
#include "synthetic_dicom.h"
#include "test_support.h"

#include "cache_service.h"
#include "study_browser.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QMimeData>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QTimer>
#include <QTreeWidget>
#include <QtTest>

using namespace lightbox;
using namespace lightbox::app;
using namespace lightbox::test;

class StudyBrowserTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void importKeepsTheWindowResponsive();
    void searchAsYouType();
    void seriesWithThumbnails();
    void doubleClickOpens();
    void dropImports();
    void cleanupTestCase();

private:
    QTreeWidgetItem* studyItem(const QString& patientId);
    QTemporaryDir m_tmp;
    QThreadPool m_pool;
    std::unique_ptr<CacheService> m_service;
    std::unique_ptr<StudyBrowser> m_browser;
};

void StudyBrowserTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_service = std::make_unique<CacheService>(m_tmp.path() + "/cache", m_pool);
    m_browser = std::make_unique<StudyBrowser>(*m_service);
    m_browser->resize(1200, 700);
    m_browser->show();
    QSignalSpy first(m_browser.get(), &StudyBrowser::searchFinished);
    QVERIFY(first.wait(10000) || first.count() > 0);
}

void StudyBrowserTest::cleanupTestCase()
{
    m_browser.reset();
    m_pool.waitForDone();
    m_service.reset();
}

QTreeWidgetItem* StudyBrowserTest::studyItem(const QString& patientId)
{
    QTreeWidget* tree = m_browser->tree();
    for (int i = 0; i < tree->topLevelItemCount(); ++i)
        if (tree->topLevelItem(i)->text(1) == patientId && tree->topLevelItem(i)->childCount() > 0) return tree->topLevelItem(i)->child(0);
    return nullptr;
}

void StudyBrowserTest::importKeepsTheWindowResponsive()
{
    // A larger import: the charset set plus 600 synthetic CT images.
    SyntheticOptions o;
    o.studies = 6;
    o.seriesPerStudy = 2;
    o.instancesPerSeries = 50;
    o.crop = 256;
    QCOMPARE(writeSyntheticStudies(testDataDir() + "/ct/siemens-sensation10_chest_30sl/1-10.dcm", m_tmp.path() + "/synthetic", o), 600);

    QElapsedTimer sinceTick;
    qint64 longestGap = 0;
    QTimer ticker;
    connect(&ticker, &QTimer::timeout, this, [&] {
        longestGap = std::max(longestGap, sinceTick.restart());
    });
    QSignalSpy finished(m_browser.get(), &StudyBrowser::importFinished);
    sinceTick.start();
    ticker.start(5);
    m_browser->importPaths({testDataDir() + "/dicomdir/clunie-charsettests", testDataDir() + "/ct/siemens-sensation10_chest_30sl",
                            m_tmp.path() + "/synthetic"});
    QVERIFY(m_browser->importRunning());
    QVERIFY(finished.wait(120000));
    ticker.stop();
    const auto report = finished.first().first().value<storage::ImportReport>();
    QCOMPARE(report.imported, std::size_t(11 + 30 + 600));
    qInfo("longest pause of the event loop during the import: %lld ms", longestGap);
    QVERIFY2(longestGap < 250, qPrintable(QString::number(longestGap)));
    QTRY_COMPARE_WITH_TIMEOUT(m_browser->studyCount(), 11 + 1 + 6, 10000);
}

void StudyBrowserTest::searchAsYouType()
{
    auto* name = m_browser->findChild<QLineEdit*>();
    QVERIFY(name);
    QSignalSpy searched(m_browser.get(), &StudyBrowser::searchFinished);
    name->insert(QString::fromUtf8("山田"));  // typed through an input method; no wildcard: a prefix
    QTRY_VERIFY_WITH_TIMEOUT(searched.count() > 0 && m_browser->studyCount() == 2, 5000);
    name->clear();
    QTest::keyClicks(name, "synth^patient0000?");
    QTRY_VERIFY_WITH_TIMEOUT(m_browser->studyCount() == 6, 5000);
    name->clear();
    QTRY_VERIFY_WITH_TIMEOUT(m_browser->studyCount() == 18, 5000);
}

void StudyBrowserTest::seriesWithThumbnails()
{
    QTreeWidgetItem* study = studyItem("Lung_Dx-A0002");
    QVERIFY(study);
    study->setExpanded(true);
    QTRY_VERIFY_WITH_TIMEOUT(study->childCount() == 1, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!study->child(0)->icon(0).isNull(), 10000);
    QCOMPARE(study->child(0)->text(7), QString("30"));
    QVERIFY(QDir(m_tmp.path() + "/cache/thumbs").entryList(QDir::Files).size() >= 1);
}

void StudyBrowserTest::doubleClickOpens()
{
    QTreeWidgetItem* study = studyItem("Lung_Dx-A0002");
    QVERIFY(study);
    QSignalSpy open(m_browser.get(), &StudyBrowser::openRequested);
    m_browser->tree()->scrollToItem(study);
    QApplication::processEvents();
    const QRect r = m_browser->tree()->visualItemRect(study);
    // A real double click: press, release, then the double-click press (Qt Test sends only the last).
    QTest::mouseClick(m_browser->tree()->viewport(), Qt::LeftButton, Qt::NoModifier, r.center());
    QTest::mousePress(m_browser->tree()->viewport(), Qt::LeftButton, Qt::NoModifier, r.center());
    QTest::mouseDClick(m_browser->tree()->viewport(), Qt::LeftButton, Qt::NoModifier, r.center());
    QTRY_COMPARE(open.count(), 1);
    const QString uid = open.first().first().toString();
    QVERIFY(uid.startsWith("1.3.6.1.4.1.14519"));
    // The service opens it with its 30 files, all present.
    const Result<storage::OpenedStudy> opened = m_service->openStudy(uid, "viewing").result();
    QVERIFY(opened.ok());
    QCOMPARE(int(opened->files.size()), 30);
    for (const auto& [path, row] : opened->files) QVERIFY(QFile::exists(QString::fromStdString(path)));
}

void StudyBrowserTest::dropImports()
{
    QSignalSpy finished(m_browser.get(), &StudyBrowser::importFinished);
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(testDataDir() + "/pet/acrin-flt-breast_pt_single-slice.dcm")});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_browser.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_browser.get(), &drop);
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.first().first().value<storage::ImportReport>().imported, std::size_t(1));
    QTRY_VERIFY_WITH_TIMEOUT(m_browser->studyCount() == 19, 5000);
}

QTEST_MAIN(StudyBrowserTest)
#include "test_study_browser.moc"
