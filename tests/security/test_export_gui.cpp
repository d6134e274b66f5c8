// The Export dialog driven as a person would (under Xvfb): an anonymised export of a 30-slice CT
// to a folder through the transfer queue (read back with DCMTK's dcmdump: the patient's name is
// gone, a DICOMDIR is there), a cancel that leaves nothing at the destination, a wrong blanking
// rectangle that is shown and exports nothing, burned-in ultrasound refused with its reason, and
// a technologist's identified export refused by the dialog and, asked directly, by the service.
#include "test_support.h"

#include "auditor.h"
#include "cache_service.h"
#include "export_dialog.h"
#include "network_service.h"
#include "study_browser.h"
#include "transfer_panel.h"

#include <QComboBox>
#include <QGroupBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QtTest>

using namespace lightbox;
using namespace lightbox::test;

class ExportGuiTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanup();
    void anonymisedToFolder();
    void archivesAreDestinations();
    void cancelLeavesNothing();
    void badRectangleShownAndNothingExported();
    void burnedInRefusedWithTheReason();
    void technologistRefusedIdentifiedExport();
    void cleanupTestCase();

private:
    ProcessResult lb(const QStringList& args) const;
    app::ExportDialog* openDialog(const QString& studyUid, const QString& out);
    QMessageBox* waitForOutcome();
    QStringList dicomFilesUnder(const QString& dir) const;
    QString patientName(const QString& file) const;

    QTemporaryDir m_tmp;
    QString m_cache, m_security, m_ctStudy, m_usStudy;
    QThreadPool m_pool;
    std::unique_ptr<app::CacheService> m_cacheService;
    std::unique_ptr<app::NetworkService> m_network;
    std::unique_ptr<app::StudyBrowser> m_browser;
    std::unique_ptr<app::TransferPanel> m_panel;
};

ProcessResult ExportGuiTest::lb(const QStringList& args) const
{
    return runWith(lightboxExe(), args + QStringList{"--cache", m_cache}, {{"LIGHTBOX_SECURITY_DIR", m_security}}, {}, 300000);
}

QStringList ExportGuiTest::dicomFilesUnder(const QString& dir) const
{
    QStringList out;
    for (const QString& f : filesUnder(dir))
        if (f.contains("/DICOM/")) out << f;
    return out;
}

// Patient's Name as DCMTK's dcmdump reads it (not our reader).
QString ExportGuiTest::patientName(const QString& file) const
{
    const ProcessResult r = run("dcmdump", {"+P", "PatientName", file}, 30000);
    return QString::fromLatin1(r.out).trimmed();
}

void ExportGuiTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_cache = m_tmp.path() + "/cache";
    m_security = m_tmp.path() + "/security";
    qputenv("LIGHTBOX_SECURITY_DIR", m_security.toLocal8Bit());
    const QString data = testDataDir();
    const ProcessResult imp = lb({"import", data + "/ct/siemens-sensation10_chest_30sl", data + "/us/nema-wg04_us1_rgb_uncompressed.dcm"});
    QVERIFY2(imp.ok(), imp.err.constData());
    const ProcessResult studies = lb({"studies", "--json"});
    QVERIFY2(studies.ok(), studies.err.constData());
    for (const auto& s : QJsonDocument::fromJson(studies.out).array()) {
        const QJsonObject o = s.toObject();
        (o["modalities"].toArray().contains(QJsonValue("US")) ? m_usStudy : m_ctStudy) = o["studyInstanceUid"].toString();
    }
    QVERIFY(!m_ctStudy.isEmpty() && !m_usStudy.isEmpty());
    m_cacheService = std::make_unique<app::CacheService>(m_cache, m_pool);
    m_network = std::make_unique<app::NetworkService>(m_tmp.path() + "/lightbox.json", m_cache);
    m_browser = std::make_unique<app::StudyBrowser>(*m_cacheService);
    m_browser->setNetwork(m_network.get());
    m_browser->resize(900, 500);
    m_browser->show();
    m_panel = std::make_unique<app::TransferPanel>(*m_network);
    m_panel->show();
}

void ExportGuiTest::cleanup()
{
    for (QWidget* w : QApplication::topLevelWidgets())
        if (qobject_cast<QMessageBox*>(w) || qobject_cast<app::ExportDialog*>(w)) w->close();
    for (auto* d : m_browser->findChildren<QDialog*>()) d->close();
    QApplication::processEvents();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
}

void ExportGuiTest::cleanupTestCase()
{
    security::installAuditor(nullptr);
    m_browser.reset();
    m_panel.reset();
    m_network.reset();
    m_cacheService.reset();
}

app::ExportDialog* ExportGuiTest::openDialog(const QString& studyUid, const QString& out)
{
    m_browser->exportStudies({studyUid}, "test study");
    auto dialogs = m_browser->findChildren<app::ExportDialog*>();
    if (dialogs.size() != 1) return nullptr;
    app::ExportDialog* d = dialogs.front();
    d->path()->setText(out);
    return d;
}

// The message box the browser shows once the export ends.
QMessageBox* ExportGuiTest::waitForOutcome()
{
    QMessageBox* box = nullptr;
    const bool shown = QTest::qWaitFor([&] {
        box = m_browser->findChild<QMessageBox*>("exportOutcome");
        return box != nullptr;
    }, 120000);
    return shown ? box : nullptr;
}

void ExportGuiTest::anonymisedToFolder()
{
    // As File > Export Selected Studies does it: nothing selected says so; the CT selected opens the dialog.
    QSignalSpy searched(m_browser.get(), &app::StudyBrowser::searchFinished);
    m_browser->refresh();
    QTRY_VERIFY_WITH_TIMEOUT(searched.count() >= 1, 20000);
    QSignalSpy messages(m_browser.get(), &app::StudyBrowser::message);
    m_browser->tree()->clearSelection();
    m_browser->exportSelected();
    QCOMPARE(messages.count(), 1);
    QVERIFY(m_browser->findChildren<app::ExportDialog*>().isEmpty());
    QTreeWidgetItem* ct = nullptr;
    for (QTreeWidgetItemIterator it(m_browser->tree()); *it; ++it)
        if (!ct && (*it)->data(0, Qt::UserRole + 1).toString() == m_ctStudy && (*it)->data(0, Qt::UserRole + 2).toString().isEmpty()) ct = *it;  // the study, not a series
    QVERIFY(ct);
    ct->setSelected(true);
    m_browser->exportSelected();
    const auto dialogs = m_browser->findChildren<app::ExportDialog*>();
    QCOMPARE(dialogs.size(), 1);
    app::ExportDialog* d = dialogs.front();
    const QString out = m_tmp.path() + "/anonymised";
    d->path()->setText(out);
    QVERIFY(d->isVisible());
    QVERIFY(d->anonymise()->isChecked());  // anonymised unless unticked
    d->patientName()->setText("ANON^GUI");
    d->patientId()->setText("GUI-0001");
    d->dates()->setCurrentIndex(1);
    d->shiftDays()->setValue(-30);
    QVERIFY2(d->summary()->text().contains("Kept: dates, moved 30 days earlier"), qPrintable(d->summary()->text()));
    QVERIFY(d->summary()->text().contains("Removed:"));
    const QString dir = qEnvironmentVariable("LIGHTBOX_TEST_SCREENSHOTS");
    if (!dir.isEmpty()) {
        // The dialog grows with the summary's lines: let the window system's resize arrive.
        QTRY_VERIFY(d->size() == d->layout()->totalMinimumSize() || d->height() >= d->minimumSizeHint().height());
        QTest::qWait(300);
        QVERIFY(d->grab().save(dir + "/export-dialog.png"));
    }
    const QString original = patientName(filesUnder(testDataDir() + "/ct/siemens-sensation10_chest_30sl").first());
    QVERIFY2(original.contains("PatientName"), qPrintable(original));
    QMessageBox* before = m_browser->findChild<QMessageBox*>("exportOutcome");
    QVERIFY(!before);
    QTest::mouseClick(d->exportButton(), Qt::LeftButton);
    QTRY_VERIFY(!d->isVisible() || d->isHidden());
    QMessageBox* box = waitForOutcome();
    QVERIFY(box);
    QVERIFY2(box->text().contains("exported 30 instances of 1 study"), qPrintable(box->text()));
    QCOMPARE(box->icon(), QMessageBox::Information);
    // The transfer panel lists it done.
    QTableWidget* t = m_panel->table();
    QCOMPARE(t->rowCount(), 1);
    QVERIFY2(t->item(0, 4)->text().startsWith("exported 30"), qPrintable(t->item(0, 4)->text()));
    QCOMPARE(t->item(0, 2)->text(), QString("export, anonymised"));
    QVERIFY(QFileInfo(out + "/DICOMDIR").isFile());
    const QStringList files = dicomFilesUnder(out);
    QCOMPARE(files.size(), 30);
    const QString originalValue = original.section('[', 1).section(']', 0, 0);
    QVERIFY(!originalValue.isEmpty());
    for (const QString& f : files) {
        const QString name = patientName(f);
        QVERIFY2(name.contains("[ANON^GUI]"), qPrintable(f + ": " + name));
        QVERIFY2(!name.contains(originalValue), qPrintable(name));
    }
    box->close();
}

// The configured archives are offered by the way each can be reached; choosing one needs no path.
void ExportGuiTest::archivesAreDestinations()
{
    app::AppConfig config;
    app::ArchiveEntry pacs;
    pacs.name = "pacs";
    pacs.aeTitle = "PACS";
    pacs.host = "127.0.0.1";
    pacs.port = 11112;
    pacs.url = "http://127.0.0.1:8042/dicom-web";
    config.archives.push_back(pacs);
    app::ExportDialog d(m_cache, {m_ctStudy.toStdString()}, "CT", config);
    QStringList kinds;
    for (int i = 0; i < d.destinationKind()->count(); ++i) kinds << d.destinationKind()->itemText(i);
    QCOMPARE(kinds, QStringList({"Folder (with a DICOMDIR)", "ZIP file (with a DICOMDIR)", "Archive pacs (C-STORE)", "Archive pacs (STOW-RS)"}));
    QCOMPARE(d.check(), QString("Give the folder to write."));
    d.destinationKind()->setCurrentIndex(3);
    QVERIFY(!d.path()->isEnabled());
    QCOMPARE(d.check(), QString());
    QVERIFY(d.spec().archive && d.spec().archive->name == "pacs");
    QVERIFY(d.spec().useStow);
    QVERIFY(d.spec().folder.isEmpty() && d.spec().zip.isEmpty());
    QVERIFY(d.spec().anonymize);
}

void ExportGuiTest::cancelLeavesNothing()
{
    // The export service promises: nothing is left at the destination when it is cancelled.
    const QString out = m_tmp.path() + "/cancelled";
    app::ExportDialog* d = openDialog(m_ctStudy, out);
    QVERIFY(d);
    const int rows = m_panel->table()->rowCount();
    QTest::mouseClick(d->exportButton(), Qt::LeftButton);
    // The job is queued at once; Cancel in the transfer panel before the worker is through 30 images.
    QCOMPARE(m_panel->table()->rowCount(), rows + 1);
    m_panel->table()->selectRow(rows);
    QPushButton* cancel = nullptr;
    for (QPushButton* b : m_panel->findChildren<QPushButton*>())
        if (b->text() == "Cancel") cancel = b;
    QVERIFY(cancel);
    QTest::mouseClick(cancel, Qt::LeftButton);
    QMessageBox* box = waitForOutcome();
    QVERIFY(box);
    QVERIFY2(box->text().contains("cancelled; nothing was left at"), qPrintable(box->text()));
    QCOMPARE(box->icon(), QMessageBox::Warning);
    const app::Transfer& t = m_network->transfers().back();
    QCOMPARE(int(t.state), int(app::Transfer::State::Cancelled));
    QVERIFY(!QFileInfo::exists(out));
    // No staging folder beside it either.
    QCOMPARE(QDir(m_tmp.path()).entryList({"cancelled*", ".cancelled*"}, QDir::AllEntries | QDir::Hidden).size(), 0);
    box->close();
}

void ExportGuiTest::badRectangleShownAndNothingExported()
{
    const QString out = m_tmp.path() + "/bad-rectangle";
    app::ExportDialog* d = openDialog(m_usStudy, out);
    QVERIFY(d);
    const int transfers = int(m_network->transfers().size());
    d->blanking()->setPlainText("0,0,640,60\n10,20,300");
    QVERIFY2(d->summary()->text().contains("10,20,300"), qPrintable(d->summary()->text()));
    QTest::mouseClick(d->exportButton(), Qt::LeftButton);
    QVERIFY(d->isVisible());  // stays open, saying what is wrong
    QVERIFY(d->problem()->isVisible());
    QVERIFY2(d->problem()->text().contains("blanking rectangle \"10,20,300\""), qPrintable(d->problem()->text()));
    QVERIFY2(d->problem()->text().contains("X,Y,WIDTH,HEIGHT"), qPrintable(d->problem()->text()));
    QCOMPARE(int(m_network->transfers().size()), transfers);
    QTest::qWait(200);
    QVERIFY(!QFileInfo::exists(out));
    // A ZIP destination that is no .zip is refused the same way.
    d->blanking()->setPlainText("0,0,640,60");
    d->destinationKind()->setCurrentIndex(1);
    d->path()->setText(m_tmp.path() + "/not-a-zip");
    QTest::mouseClick(d->exportButton(), Qt::LeftButton);
    QVERIFY(d->isVisible());
    QVERIFY2(d->problem()->text().contains(".zip"), qPrintable(d->problem()->text()));
    QCOMPARE(int(m_network->transfers().size()), transfers);
    d->reject();
}

void ExportGuiTest::burnedInRefusedWithTheReason()
{
    const QString out = m_tmp.path() + "/us";
    app::ExportDialog* d = openDialog(m_usStudy, out);
    QVERIFY(d);
    QTest::mouseClick(d->exportButton(), Qt::LeftButton);
    QMessageBox* box = waitForOutcome();
    QVERIFY(box);
    QCOMPARE(box->icon(), QMessageBox::Warning);
    QVERIFY2(box->text().contains("refused: 1 image may show burned-in identifying text"), qPrintable(box->text()));
    QVERIFY2(box->informativeText().contains("ultrasound"), qPrintable(box->informativeText()));
    const ProcessResult sop = run("dcmdump", {"+P", "SOPInstanceUID", testDataDir() + "/us/nema-wg04_us1_rgb_uncompressed.dcm"}, 30000);
    const QString uid = QString::fromLatin1(sop.out).section('[', 1).section(']', 0, 0);
    QVERIFY(!uid.isEmpty());
    QVERIFY2(box->informativeText().contains(uid), qPrintable(box->informativeText()));
    const QString dir = qEnvironmentVariable("LIGHTBOX_TEST_SCREENSHOTS");
    if (!dir.isEmpty()) {
        QTest::qWait(300);
        QVERIFY(box->grab().save(dir + "/export-refused.png"));
    }
    QVERIFY(!QFileInfo::exists(out));
    box->close();
}

void ExportGuiTest::technologistRefusedIdentifiedExport()
{
    security::installAuditor(std::make_shared<security::Auditor>(m_security.toStdString(),
                                                                 security::Identity{"tina", security::Role::Technologist, true}, "test_export_gui"));
    const QString out = m_tmp.path() + "/identified";
    app::ExportDialog* d = openDialog(m_ctStudy, out);
    QVERIFY(d);
    d->anonymise()->setChecked(false);
    QVERIFY(d->summary()->text().startsWith("Not anonymised"));
    const int transfers = int(m_network->transfers().size());
    QTest::mouseClick(d->exportButton(), Qt::LeftButton);
    QVERIFY(d->isVisible());
    QVERIFY2(d->problem()->text().contains("tina (technologist) may not export without anonymisation"), qPrintable(d->problem()->text()));
    QCOMPARE(int(m_network->transfers().size()), transfers);
    d->reject();
    // The service itself refuses it too, and the browser says so.
    app::ExportSpec spec;
    spec.cacheDir = m_cache;
    spec.studyUids = {m_ctStudy.toStdString()};
    spec.folder = out;
    m_network->enqueueExport(spec, "identified");
    QMessageBox* box = waitForOutcome();
    QVERIFY(box);
    QCOMPARE(box->icon(), QMessageBox::Warning);
    QVERIFY2(box->text().contains("tina (technologist) may not export or send studies without anonymisation"), qPrintable(box->text()));
    QVERIFY(!QFileInfo::exists(out));
    box->close();
    security::installAuditor(nullptr);
}

QTEST_MAIN(ExportGuiTest)
#include "test_export_gui.moc"
