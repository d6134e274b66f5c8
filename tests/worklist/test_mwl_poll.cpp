// DICOM Modality Worklist polling (issue 12, point 2), against a real Orthanc serving .wl files
// (its ModalityWorklists plugin) written here with DCMTK's dump2dcm: the steps `lightbox worklist
// poll` reads equal what DCMTK's findscu -W reads from the same worklist (an independent client;
// pydicom decodes its answers), a non-ASCII name included; only the source's modality and
// station are recorded; the order brings, with `lightbox worklist prefetch`, the current study and
// its two relevant priors into the cache and nothing else; a second poll and prefetch record and
// fetch nothing; a changed step is recorded again; a RIS that cannot be reached gives a clear
// error and a failing exit code and records nothing; `lightbox service` polls by itself and
// stops promptly. The query is in the audit trail.
#include "archived_studies.h"
#include "test_support.h"
#include "work_queue.h"
#include "worklist_poll.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <signal.h>

#include <thread>

using namespace lightbox;
using namespace lightbox::test;

namespace {

struct Step {
    QString file, name, patientId, accession, rp, sps, modality, station, studyUid;
    QDateTime start;
    QString priority = "ROUTINE";
};

// The worklist file of one step, as a dcmdump text for dump2dcm (UTF-8, ISO_IR 192).
QString dumpOf(const Step& s)
{
    return QStringList{"(0008,0005) CS [ISO_IR 192]",
                       "(0008,0050) SH [" + s.accession + "]",
                       "(0010,0010) PN [" + s.name + "]",
                       "(0010,0020) LO [" + s.patientId + "]",
                       "(0010,0021) LO [HOSP]",
                       "(0010,0030) DA [19600101]",
                       "(0010,0040) CS [F]",
                       "(0020,000d) UI [" + s.studyUid + "]",
                       "(0032,1060) LO [CT CHEST W/O CONTRAST]",
                       "(0032,1064) SQ",
                       "(fffe,e000) -",
                       "(0008,0100) SH [CTCHEST]",
                       "(0008,0102) SH [LBX]",
                       "(0008,0104) LO [CT chest]",
                       "(fffe,e00d) -",
                       "(fffe,e0dd) -",
                       "(0040,0100) SQ",
                       "(fffe,e000) -",
                       "(0008,0060) CS [" + s.modality + "]",
                       "(0040,0001) AE [" + s.station + "]",
                       "(0040,0002) DA [" + s.start.toString("yyyyMMdd") + "]",
                       "(0040,0003) TM [" + s.start.toString("HHmmss") + "]",
                       "(0040,0007) LO [CT chest]",
                       "(0040,0009) SH [" + s.sps + "]",
                       "(0040,0020) CS [SCHEDULED]",
                       "(fffe,e00d) -",
                       "(fffe,e0dd) -",
                       "(0040,1001) SH [" + s.rp + "]",
                       "(0040,1003) SH [" + s.priority + "]"}
               .join('\n') +
           '\n';
}

// The fields compared with the oracle, one line per step, sorted.
const char* kCompared[] = {"patientName", "patientId", "issuer", "birthDate", "sex", "accession", "requestedProcedureId", "requestedProcedureDescription",
                           "studyUid", "priority", "modality", "stationAe", "startDate", "startTime", "stepId"};

QStringList lines(const QJsonArray& steps)
{
    QStringList out;
    for (const QJsonValue& v : steps) {
        QStringList fields;
        for (const char* k : kCompared) fields << v.toObject()[k].toString();
        out << fields.join('|');
    }
    out.sort();
    return out;
}

}  // namespace

class MwlPollTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void aStepBecomesAnOrder();
    void sourcesAreCheckedWhenAdded();
    void aPollReadsWhatFindscuReads();
    void thePrefetchBringsTheCurrentStudyAndTwoPriors();
    void aSecondPollRecordsAndFetchesNothing();
    void aChangedStepIsRecordedAgain();
    void anUnreachableRisFailsAndRecordsNothing();
    void theServicePollsByItself();
    void openersAtOnceCreateTheQueueOnce();

private:
    bool writeStep(const Step& s);
    QString dateRange() const;
    ProcessResult lb(const QStringList& args, const QString& config = {}, const QString& cache = {});
    QJsonArray poll();
    QStringList cached(const QString& cache, const QString& patientId);

    QTemporaryDir m_tmp;
    std::unique_ptr<OrthancServer> m_orthanc;
    QString m_config, m_cache, m_wl;
    QMap<QString, QString> m_uid;  // name -> Study Instance UID
    Step m_ct;
};

ProcessResult MwlPollTest::lb(const QStringList& args, const QString& config, const QString& cache)
{
    return runWith(lightboxExe(), args + QStringList{"--config", config.isEmpty() ? m_config : config, "--cache", cache.isEmpty() ? m_cache : cache},
                   {{"LIGHTBOX_SECURITY_DIR", m_tmp.path() + "/security"}}, {}, 240000);
}

bool MwlPollTest::writeStep(const Step& s)
{
    const QString dump = m_tmp.path() + "/" + s.file + ".dump";
    QFile f(dump);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
    f.write(dumpOf(s).toUtf8());
    f.close();
    const ProcessResult r = run("dump2dcm", {"-g", dump, m_wl + "/" + s.file + ".wl"});
    if (!r.ok()) qWarning() << r.err;
    return r.ok();
}

// The start dates a source with the default look-ahead (24 h) asks for.
QString MwlPollTest::dateRange() const
{
    const QDateTime now = QDateTime::currentDateTime();
    return now.date().toString("yyyyMMdd") + "-" + now.addSecs(24 * 3600).date().toString("yyyyMMdd");
}

QJsonArray MwlPollTest::poll()
{
    const ProcessResult r = lb({"worklist", "poll", "--json"});
    if (!r.ok()) qWarning() << r.err;
    return QJsonDocument::fromJson(r.out).array();
}

QStringList MwlPollTest::cached(const QString& cache, const QString& patientId) { return cachedStudyNames(cache, patientId, m_uid); }

void MwlPollTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_wl = m_tmp.path() + "/wl";
    QVERIFY(QDir().mkpath(m_wl));
    OrthancOptions options;
    options.worklistFolder = m_wl;
    m_orthanc = std::make_unique<OrthancServer>(options);
    QString error;
    QVERIFY2(m_orthanc->start(&error), qPrintable(error));
    const QString today = QDate::currentDate().toString("yyyyMMdd");
    const auto ago = [](int days) { return QDate::currentDate().addDays(-days).toString("yyyyMMdd"); };
    const std::vector<NamedStudy> studies = {
        {"current", {"MWL-1", "19600101", today, "CT CHEST", "CHEST", {{"Lung 1.0", "CT", "", 3}}}},
        {"ct-1y", {"MWL-1", "19600101", ago(400), "CT CHEST", "CHEST", {{"Lung 1.0", "CT", "", 2}}}},
        {"mr-2y", {"MWL-1", "19600101", ago(800), "MR BRAIN", "HEAD", {{"T1", "MR", "", 2}}}},
        {"ct-3y", {"MWL-1", "19600101", ago(1100), "CT ABDOMEN", "ABDOMEN", {{"Portal", "CT", "", 2}}}},
        {"ct-7y", {"MWL-1", "19600101", ago(2600), "CT CHEST", "CHEST", {{"Lung 1.0", "CT", "", 2}}}},
        {"other", {"MWL-2", "19700202", ago(300), "CT CHEST", "CHEST", {{"Lung 1.0", "CT", "", 2}}}},
    };
    QVERIFY2(uploadStudies(*m_orthanc, studies, m_tmp.path() + "/studies", m_uid, &error), qPrintable(error));
    // The ordered CT in an hour on station CT1; an MR of the same patient on CT1 and a CT on
    // another station, neither for this source.
    const QDateTime inAnHour = QDateTime(QDate::currentDate(), QTime::currentTime()).addSecs(3600);
    const QDateTime at(inAnHour.date(), QTime(inAnHour.time().hour(), inAnHour.time().minute()));
    m_ct = {"ct1", "MÜLLER^ANNA", "MWL-1", "ACC-MWL-1", "RP1001", "SPS1001", "CT", "CT1", m_uid["current"], at};
    QVERIFY(writeStep(m_ct));
    QVERIFY(writeStep({"mr1", "MÜLLER^ANNA", "MWL-1", "ACC-MWL-2", "RP1002", "SPS1002", "MR", "CT1", "1.2.826.0.1.3680043.8.498.77", at}));
    QVERIFY(writeStep({"ct2", "OTHER^PAT", "MWL-2", "ACC-MWL-3", "RP1003", "SPS1003", "CT", "CT2", "1.2.826.0.1.3680043.8.498.78", at}));
    m_config = m_tmp.path() + "/lightbox.json";
    m_cache = m_tmp.path() + "/cache";
    QVERIFY(lb({"archive", "add", "ris", "--aet", "ORTHANC", "--host", "127.0.0.1", "--port", QString::number(m_orthanc->dicomPort())}).ok());
}

void MwlPollTest::cleanupTestCase()
{
    if (m_orthanc) m_orthanc->stop();
}

// The mapping itself, on steps made here: keys, times, status, the query's date range.
void MwlPollTest::aStepBecomesAnOrder()
{
    net::WorklistItem w;
    w.patientId = "P1";
    w.accession = "ACC1";
    w.requestedProcedureId = "RP1";
    w.stepId = "SPS1";
    w.startDate = "20261208";
    w.startTime = "0930";
    w.modality = "CT";
    w.stepDescription = "step text";
    app::Order o = app::orderFromStep(w, "ris");
    QCOMPARE(o.sender, QString("mwl:ris"));
    QCOMPARE(o.key(), QString("placer:RP1/SPS1"));
    QCOMPARE(o.scheduled, QDateTime(QDate(2026, 12, 8), QTime(9, 30)));
    QCOMPARE(o.procedureText, QString("step text"));
    QCOMPARE(o.status, app::Order::Status::Scheduled);
    w.placer = "ORD7";
    w.startTime = "07:05:30.25";
    w.stepStatus = "COMPLETED";
    o = app::orderFromStep(w, "ris");
    QCOMPARE(o.key(), QString("placer:ORD7/SPS1"));
    QCOMPARE(o.scheduled, QDateTime(QDate(2026, 12, 8), QTime(7, 5, 30)));
    QCOMPARE(o.status, app::Order::Status::Performed);
    w.placer.clear();
    w.requestedProcedureId.clear();
    w.stepStatus = "DISCONTINUED";
    w.startDate = "2026-12-08";  // not a DICOM date: no time
    o = app::orderFromStep(w, "ris");
    QCOMPARE(o.key(), QString("acc:ACC1"));
    QVERIFY(!o.scheduled.isValid());
    QCOMPARE(o.status, app::Order::Status::Cancelled);
    app::WorklistSource source;
    source.modality = "MR";
    source.stationAe = "MR1";
    source.lookAheadHours = 6;
    const net::WorklistQuery late = app::worklistQuery(source, QDateTime(QDate(2026, 12, 8), QTime(21, 0)));
    QCOMPARE(QString::fromStdString(late.startDate), QString("20261208-20261209"));
    QCOMPARE(QString::fromStdString(late.modality + "/" + late.stationAe), QString("MR/MR1"));
    QCOMPARE(QString::fromStdString(app::worklistQuery(source, QDateTime(QDate(2026, 12, 8), QTime(8, 0))).startDate), QString("20261208-20261208"));
}

void MwlPollTest::sourcesAreCheckedWhenAdded()
{
    const ProcessResult unknown = lb({"worklist", "source", "add", "ct", "--archive", "nowhere"});
    QCOMPARE(unknown.exitCode, 2);
    QVERIFY2(unknown.err.contains("no archive named nowhere"), unknown.err.constData());
    QCOMPARE(lb({"worklist", "source", "add", "ct", "--archive", "ris", "--interval", "5"}).exitCode, 2);
    QCOMPARE(lb({"worklist", "source", "add", "ct", "--archive", "ris", "--modality", "C T"}).exitCode, 2);
    const ProcessResult none = lb({"worklist", "poll"});
    QCOMPARE(none.exitCode, 2);
    QVERIFY2(none.err.contains("no worklist sources"), none.err.constData());
    const ProcessResult added = lb({"worklist", "source", "add", "ct", "--archive", "ris", "--station-ae", "CT1", "--modality", "ct"});
    QVERIFY2(added.ok(), added.err.constData());
    QVERIFY(lb({"worklist", "source", "add", "spare", "--archive", "ris"}).ok());
    QVERIFY(lb({"worklist", "source", "remove", "spare"}).ok());
    const ProcessResult list = lb({"worklist", "source", "list"});
    QVERIFY2(list.ok(), list.err.constData());
    QCOMPARE(QString::fromUtf8(list.out).trimmed(), QString("ct: worklist of archive ris, station CT1, modality CT, 24 h ahead, every 300 s"));
}

void MwlPollTest::aPollReadsWhatFindscuReads()
{
    const QJsonArray polled = poll();
    QCOMPARE(polled.size(), 1);
    const QJsonObject source = polled[0].toObject();
    QCOMPARE(source["error"].toString(), QString());
    QCOMPARE(source["new"].toInt(), 1);
    const QJsonArray steps = source["steps"].toArray();
    QCOMPARE(steps.size(), 1);
    const QJsonObject step = steps[0].toObject();
    QCOMPARE(step["patientName"].toString(), QString("MÜLLER^ANNA"));
    QCOMPARE(step["accession"].toString(), QString("ACC-MWL-1"));
    QCOMPARE(step["requestedProcedureCode"].toString(), QString("CTCHEST"));
    QCOMPARE(step["startTime"].toString(), m_ct.start.toString("HHmmss"));
    QCOMPARE(step["outcome"].toString(), QString("new"));
    // DCMTK's findscu asks the same worklist the same question; pydicom reads its answers.
    const QString out = m_tmp.path() + "/findscu";
    QVERIFY(QDir().mkpath(out));
    const ProcessResult oracle = run(python(), {"-c", R"PY(
import glob, json, subprocess, sys
import pydicom
port, out, dates = sys.argv[1:4]
sps = "ScheduledProcedureStepSequence[0]."
keys = ["SpecificCharacterSet=ISO_IR 192", "PatientName", "PatientID", "IssuerOfPatientID", "PatientBirthDate", "PatientSex",
        "AccessionNumber", "StudyInstanceUID", "RequestedProcedureID", "RequestedProcedureDescription", "RequestedProcedurePriority",
        sps + "Modality=CT", sps + "ScheduledStationAETitle=CT1", sps + "ScheduledProcedureStepStartDate=" + dates,
        sps + "ScheduledProcedureStepStartTime", sps + "ScheduledProcedureStepID"]
cmd = ["findscu", "-W", "-aet", "LIGHTBOX", "-aec", "ORTHANC", "-X", "-od", out, "127.0.0.1", port]
for k in keys:
    cmd += ["-k", k]
subprocess.run(cmd, check=True, capture_output=True)
steps = []
for f in sorted(glob.glob(out + "/rsp*.dcm")):
    ds = pydicom.dcmread(f)
    assert ds.SpecificCharacterSet == "ISO_IR 100", ds.SpecificCharacterSet  # Orthanc answers in Latin-1: decoding is needed
    for s in ds.ScheduledProcedureStepSequence:
        steps.append({"patientName": str(ds.PatientName), "patientId": ds.PatientID, "issuer": ds.IssuerOfPatientID,
                      "birthDate": ds.PatientBirthDate, "sex": ds.PatientSex, "accession": ds.AccessionNumber,
                      "requestedProcedureId": ds.RequestedProcedureID, "requestedProcedureDescription": ds.RequestedProcedureDescription,
                      "studyUid": ds.StudyInstanceUID, "priority": ds.RequestedProcedurePriority, "modality": s.Modality,
                      "stationAe": s.ScheduledStationAETitle, "startDate": s.ScheduledProcedureStepStartDate,
                      "startTime": s.ScheduledProcedureStepStartTime, "stepId": s.ScheduledProcedureStepID})
print(json.dumps(steps))
)PY",
                                                QString::number(m_orthanc->dicomPort()), out, dateRange()});
    QVERIFY2(oracle.ok(), oracle.err.constData());
    const QJsonArray expected = QJsonDocument::fromJson(oracle.out).array();
    QCOMPARE(expected.size(), 1);
    QCOMPARE(lines(steps), lines(expected));
    // Recorded as an order of the source; the MR and the other station's CT are not.
    const ProcessResult list = lb({"worklist", "--json"});
    const QJsonArray orders = QJsonDocument::fromJson(list.out).array();
    QCOMPARE(orders.size(), 1);
    const QJsonObject order = orders[0].toObject();
    QCOMPARE(order["sender"].toString(), QString("mwl:ct"));
    QCOMPARE(order["accession"].toString(), QString("ACC-MWL-1"));
    QCOMPARE(order["placer"].toString(), QString("RP1001/SPS1001"));
    QCOMPARE(order["patientName"].toString(), QString("MÜLLER^ANNA"));
    QCOMPARE(order["modality"].toString(), QString("CT"));
    QCOMPARE(order["studyUid"].toString(), m_uid["current"]);
    QCOMPARE(order["scheduled"].toString(), m_ct.start.toString(Qt::ISODate));
    // The query is in the audit trail, with its keys.
    const ProcessResult audit = runWith(lightboxExe(), {"audit", "show", "--format", "json"}, {{"LIGHTBOX_SECURITY_DIR", m_tmp.path() + "/security"}});
    QVERIFY2(audit.out.contains("ModalityWorklist: Modality=CT, ScheduledStationAETitle=CT1, ScheduledProcedureStepStartDate=" + dateRange().toUtf8()),
             audit.out.right(3000).constData());
}

void MwlPollTest::thePrefetchBringsTheCurrentStudyAndTwoPriors()
{
    const ProcessResult r = lb({"worklist", "prefetch", "--quiet"});
    QVERIFY2(r.ok(), (r.out + r.err).constData());
    QCOMPARE(cached(m_cache, "MWL-1"), (QStringList{"ct-1y", "ct-3y", "current"}));
    QCOMPARE(cached(m_cache, "MWL-2"), QStringList());
}

void MwlPollTest::aSecondPollRecordsAndFetchesNothing()
{
    const QJsonObject source = poll().first().toObject();
    QCOMPARE(source["new"].toInt(), 0);
    QCOMPARE(source["changed"].toInt(), 0);
    QCOMPARE(source["unchanged"].toInt(), 1);
    const ProcessResult r = lb({"worklist", "prefetch", "--quiet"});
    QVERIFY2(r.ok(), (r.out + r.err).constData());
    QVERIFY2(r.out.contains("prefetch: 0 retrieved now"), r.out.constData());
    const QJsonArray orders = QJsonDocument::fromJson(lb({"worklist", "--json"}).out).array();
    QCOMPARE(orders.size(), 1);
    QCOMPARE(orders[0].toObject()["prefetch"].toArray().size(), 3);
}

void MwlPollTest::aChangedStepIsRecordedAgain()
{
    Step urgent = m_ct;
    urgent.priority = "STAT";
    QVERIFY(writeStep(urgent));
    const QJsonObject source = poll().first().toObject();
    QCOMPARE(source["changed"].toInt(), 1);
    QCOMPARE(source["new"].toInt(), 0);
    const QJsonArray orders = QJsonDocument::fromJson(lb({"worklist", "--json"}).out).array();
    QCOMPARE(orders.size(), 1);
    QCOMPARE(orders[0].toObject()["priority"].toString(), QString("STAT"));
    QCOMPARE(poll().first().toObject()["unchanged"].toInt(), 1);
}

void MwlPollTest::anUnreachableRisFailsAndRecordsNothing()
{
    const QString config = m_tmp.path() + "/down.json", cache = m_tmp.path() + "/down-cache";
    QVERIFY(lb({"archive", "add", "down", "--aet", "RIS", "--host", "127.0.0.1", "--port", QString::number(freePort())}, config, cache).ok());
    QVERIFY(lb({"worklist", "source", "add", "ct", "--archive", "down", "--modality", "CT"}, config, cache).ok());
    const ProcessResult r = lb({"worklist", "poll"}, config, cache);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("worklist ct: down (RIS@127.0.0.1:") && r.err.contains("could not be asked") && r.err.contains("asked again at the next poll"),
             r.err.constData());
    const ProcessResult list = lb({"worklist", "--json"}, config, cache);
    QVERIFY2(list.ok(), list.err.constData());
    QCOMPARE(QJsonDocument::fromJson(list.out).array().size(), 0);
}

// `lightbox service` with a worklist source polls it at once and every interval, records the
// step, prefetches its studies, and stops promptly on SIGTERM.
void MwlPollTest::theServicePollsByItself()
{
    const QString config = m_tmp.path() + "/service.json", cache = m_tmp.path() + "/service-cache";
    QVERIFY(lb({"archive", "add", "ris", "--aet", "ORTHANC", "--host", "127.0.0.1", "--port", QString::number(m_orthanc->dicomPort())}, config, cache).ok());
    QVERIFY(lb({"worklist", "source", "add", "ct", "--archive", "ris", "--station-ae", "CT1", "--modality", "CT", "--interval", "10"}, config, cache).ok());
    QProcess service;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("LIGHTBOX_SECURITY_DIR", m_tmp.path() + "/security");
    service.setProcessEnvironment(env);
    service.start(lightboxExe(), {"service", "--port", QString::number(freePort()), "--config", config, "--cache", cache});
    QByteArray said;
    QTRY_VERIFY2_WITH_TIMEOUT((said += service.readAllStandardOutput()).contains("worklist ct: 1 steps, 1 new"), said.constData(), 60000);
    QTRY_COMPARE_WITH_TIMEOUT(cached(cache, "MWL-1"), (QStringList{"ct-1y", "ct-3y", "current"}), 120000);
    // A changed step is picked up at the next interval.
    Step later = m_ct;
    later.priority = "HIGH";
    QVERIFY(writeStep(later));
    QTRY_VERIFY2_WITH_TIMEOUT((said += service.readAllStandardOutput()).contains("worklist ct: 1 steps, 0 new, 1 changed"), said.constData(), 30000);
    QElapsedTimer stopping;
    stopping.start();
    ::kill(pid_t(service.processId()), SIGTERM);
    QVERIFY(service.waitForFinished(30000));
    QVERIFY2(stopping.elapsed() < 8000, qPrintable(QString("stopped in %1 ms").arg(stopping.elapsed())));
    QCOMPARE(service.exitCode(), 0);
    QCOMPARE(QJsonDocument::fromJson(lb({"worklist", "--json"}, config, cache).out).array().size(), 1);
    QVERIFY(writeStep(m_ct));
}

// `lightbox service` opens the work queue on two threads (worklist poll, prefetch) at start: on a
// cache without a queue yet, openers at once must all succeed (one creates it, the others find it).
void MwlPollTest::openersAtOnceCreateTheQueueOnce()
{
    for (int round = 0; round < 5; ++round) {
        const QString dir = m_tmp.path() + QString("/race-%1").arg(round);
        const ProcessResult made = run(lightboxExe(), {"studies", "--cache", dir});  // the cache, without a queue
        QVERIFY2(made.ok(), made.err.constData());
        QVERIFY(!QFile::exists(dir + "/worklist.sqlite"));
        std::vector<std::string> errors(6);
        std::vector<std::thread> openers;
        for (std::size_t i = 0; i < errors.size(); ++i)
            openers.emplace_back([&, i] {
                auto queue = app::WorkQueue::open(dir);
                if (!queue) errors[i] = queue.error().message;
            });
        for (std::thread& t : openers) t.join();
        for (const std::string& e : errors) QVERIFY2(e.empty(), e.c_str());
    }
}

QTEST_GUILESS_MAIN(MwlPollTest)
#include "test_mwl_poll.moc"
