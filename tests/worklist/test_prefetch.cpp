// Prefetch by rules (issue 12, point 3), against a real Orthanc: a patient with five earlier
// studies (CT 2025, MR 2024, CT 2023, US 2022, CT 2019) and the ordered CT; an order scheduled in
// an hour brings, with the shipped default rule ("the 2 most recent earlier studies of the same
// modality within 5 years", and the current study), exactly the current CT, CT 2025 and CT 2023
// into the cache: not the MR, the US, the CT older than 5 years, nor another patient's CT. A
// second run fetches nothing (never twice); an order beyond the lead time, or outside the rule's
// time windows, is not planned; a patient merged into the ordered one has its studies found
// under the old ID. The choice itself is checked on rows made here (birth dates, ties, cache).
#include "archived_studies.h"
#include "prefetch_rules.h"
#include "test_support.h"
#include "work_queue.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QProcess>
#include <QSaveFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <signal.h>

#include <functional>

using namespace lightbox;
using namespace lightbox::app;
using namespace lightbox::test;

namespace {

RemoteStudy remote(const std::string& uid, const std::string& patient, const std::string& date, const std::string& modality, int instances = 10,
                   int cached = 0, const std::string& birth = "19600101")
{
    RemoteStudy s;
    s.row.studyUid = uid;
    s.row.patientId = patient;
    s.row.patientBirthDate = birth;
    s.row.studyDate = date;
    s.row.modalities = {modality};
    s.row.instanceCount = instances;
    s.cachedInstances = cached;
    return s;
}

// A CT order for patient P, its study "cur", scheduled on 1 June 2026.
Order ctOrder()
{
    Order order;
    order.patientId = "P";
    order.birthDate = "19600101";
    order.modality = "CT";
    order.studyUid = "cur";
    order.scheduled = QDateTime(QDate(2026, 6, 1), QTime(9, 0));
    return order;
}

QStringList chosen(const std::vector<PrefetchChoice>& choices)
{
    QStringList out;
    for (const PrefetchChoice& c : choices) out << QString::fromStdString(c.studyUid) + (c.cached ? "(cached)" : "");
    return out;
}

}  // namespace

class PrefetchTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void theRuleChoosesTheRelevantPriors();
    void rulesMatchBodyPartsAndProcedures();
    void rulesFilesAreCheckedWhenRead();
    void anOrderBringsTheCurrentStudyAndTwoPriors();
    void aBodyPartRuleAsksTheArchiveForSeries();
    void aSecondRunFetchesNothing();
    void ordersNotDueAreLeftForLater();
    void aMergedPatientsStudiesAreFound();
    void anHl7OrderIsPrefetchedByTheListener();
    void theServiceReadsChangedRules();

private:
    QStringList cached(const QString& patientId = "PF-1");
    ProcessResult lb(const QStringList& args) { return run(lightboxExe(), args + QStringList{"--config", m_config, "--cache", m_cache}, 240000); }

    QTemporaryDir m_tmp;
    std::unique_ptr<OrthancServer> m_orthanc;
    QString m_config, m_cache;
    QMap<QString, QString> m_uid;  // name -> Study Instance UID
};

void PrefetchTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_orthanc = std::make_unique<OrthancServer>();
    QString error;
    QVERIFY2(m_orthanc->start(&error), qPrintable(error));
    const QString today = QDate::currentDate().toString("yyyyMMdd");
    // Dates relative to today, so that the 5-year window means the same on any day.
    const auto ago = [](int days) { return QDate::currentDate().addDays(-days).toString("yyyyMMdd"); };
    const std::vector<NamedStudy> studies = {
        {"current", {"PF-1", "19600101", today, "CT CHEST", "CHEST", {{"Lung 1.0", "CT", "", 4}}}},
        {"ct-1y", {"PF-1", "19600101", ago(400), "CT CHEST", "CHEST", {{"Lung 1.0", "CT", "", 3}}}},
        {"mr-2y", {"PF-1", "19600101", ago(800), "MR BRAIN", "HEAD", {{"T1", "MR", "", 3}}}},
        {"ct-3y", {"PF-1", "19600101", ago(1100), "CT ABDOMEN", "ABDOMEN", {{"Portal", "CT", "", 3}}}},
        {"us-4y", {"PF-1", "19600101", ago(1500), "US NECK", "NECK", {{"Thyroid", "US", "", 2}}}},
        {"ct-7y", {"PF-1", "19600101", ago(2600), "CT CHEST", "CHEST", {{"Lung 1.0", "CT", "", 3}}}},
        {"other", {"PF-2", "19700202", ago(300), "CT CHEST", "CHEST", {{"Lung 1.0", "CT", "", 3}}}},
        {"merged-ct", {"PF-OLD", "19600101", ago(200), "CT CHEST", "CHEST", {{"Lung 1.0", "CT", "", 2}}}},
    };
    QVERIFY2(uploadStudies(*m_orthanc, studies, m_tmp.path() + "/studies", m_uid, &error), qPrintable(error));
    m_config = m_tmp.path() + "/lightbox.json";
    m_cache = m_tmp.path() + "/cache";
    QVERIFY(lb({"archive", "add", "orthanc", "--aet", "ORTHANC", "--host", "127.0.0.1", "--port", QString::number(m_orthanc->dicomPort())}).ok());
}

void PrefetchTest::cleanupTestCase()
{
    if (m_orthanc) m_orthanc->stop();
}

QStringList PrefetchTest::cached(const QString& patientId) { return cachedStudyNames(m_cache, patientId, m_uid); }

void PrefetchTest::theRuleChoosesTheRelevantPriors()
{
    const PrefetchRule rule = PrefetchRules::shippedDefault().rules.front();
    const Order order = ctOrder();
    const std::vector<RemoteStudy> all = {
        remote("cur", "P", "20260601", "CT", 5, 5),             // the current study, cached whole
        remote("ct-a", "P", "20250101", "CT", 10, 4),           // partly cached: still to fetch
        remote("ct-b", "P", "20240101", "CT"),
        remote("ct-c", "P", "20230101", "CT"),                  // third: beyond 2 priors
        remote("ct-later", "P", "20260701", "CT"),              // after the order
        remote("ct-old", "P", "20200101", "CT"),                // more than 5 years before
        remote("mr", "P", "20251201", "MR"),
        remote("namesake", "P", "20251101", "CT", 10, 0, "19990909"),  // same ID, another birth date
        remote("nodate", "P", "", "CT"),
    };
    QCOMPARE(chosen(choosePrefetch(order, rule, all)), (QStringList{"cur(cached)", "ct-a", "ct-b"}));
    PrefetchRule anyModality = rule;
    anyModality.sameModality = false;
    anyModality.priors = 3;
    QCOMPARE(chosen(choosePrefetch(order, anyModality, all)), (QStringList{"cur(cached)", "mr", "ct-a", "ct-b"}));
    // No study UID in the order: the current study is found by its accession.
    Order byAccession = order;
    byAccession.studyUid.clear();
    byAccession.accession = "ACC-9";
    std::vector<RemoteStudy> withAccession = all;
    withAccession[0].row.accession = "ACC-9";
    QCOMPARE(chosen(choosePrefetch(byAccession, rule, withAccession)).value(0), QString("cur(cached)"));
    // The lead time and the time windows.
    PrefetchRule nights = rule;
    nights.windows = {{QTime(19, 0), QTime(7, 0)}};
    QVERIFY(nights.mayRunAt(QDateTime(QDate(2026, 5, 31), QTime(23, 0)), order.scheduled));
    QVERIFY(!nights.mayRunAt(QDateTime(QDate(2026, 5, 31), QTime(12, 0)), order.scheduled));
    QVERIFY(!rule.mayRunAt(QDateTime(QDate(2026, 5, 30), QTime(8, 0)), order.scheduled));  // 49 h ahead
    QVERIFY(rule.mayRunAt(QDateTime(QDate(2026, 5, 31), QTime(10, 0)), order.scheduled));
}

void PrefetchTest::rulesMatchBodyPartsAndProcedures()
{
    Order order = ctOrder();
    order.procedureCode = "CTCHEST";
    const auto withParts = [](RemoteStudy s, const std::string& parts) {
        s.row.bodyParts = parts;
        return s;
    };
    const std::vector<RemoteStudy> all = {
        withParts(remote("cur", "P", "20260601", "CT"), "CHEST"),
        withParts(remote("ct-abd", "P", "20250101", "CT"), "ABDOMEN"),
        withParts(remote("ct-chest", "P", "20240101", "CT"), "LUNG\\CHEST"),  // two series' body parts
        withParts(remote("ct-unknown", "P", "20230101", "CT"), ""),         // no series says: not excluded
        withParts(remote("xr-chest", "P", "20250601", "DX"), "chest"),
        withParts(remote("mr-head", "P", "20240601", "MR"), "HEAD"),
    };
    PrefetchRule bodyPart;
    bodyPart.sameModality = false;
    bodyPart.sameBodyPart = true;
    bodyPart.priors = 3;
    QCOMPARE(chosen(choosePrefetch(order, bodyPart, all)), (QStringList{"cur", "xr-chest", "ct-chest", "ct-unknown"}));
    PrefetchRule both = bodyPart;
    both.sameModality = true;
    QCOMPARE(chosen(choosePrefetch(order, both, all)), (QStringList{"cur", "ct-chest", "ct-unknown"}));
    // The current study not on the archive yet: the order's body part is unknown, nothing excluded.
    const std::vector<RemoteStudy> noCurrent(all.begin() + 1, all.end());
    QCOMPARE(chosen(choosePrefetch(order, bodyPart, noCurrent)), (QStringList{"xr-chest", "ct-abd", "mr-head"}));
    // Only the studies the choice may need are described (the current one first), within the limit.
    QCOMPARE(studiesNeedingBodyParts(order, both, all, {}, 3), (std::vector<std::string>{"cur", "ct-abd", "ct-chest"}));
    QVERIFY(studiesNeedingBodyParts(order, PrefetchRules::shippedDefault().rules.front(), all, {}, 3).empty());
    // Procedures: the order's own code and those mapped to it; a study with no known code is not excluded.
    PrefetchRule procedure;
    procedure.sameModality = false;
    procedure.relatedProcedure = true;
    procedure.relatedProcedures = {{"ctchest", {"XRCHEST"}}};
    procedure.priors = 3;
    const ProcedureCodes codes = {{"ct-abd", {"CTABD"}}, {"ct-chest", {"CTCHEST"}}, {"xr-chest", {"XRCHEST"}}, {"mr-head", {"MRBRAIN"}}};
    QCOMPARE(chosen(choosePrefetch(order, procedure, all, codes)), (QStringList{"cur", "xr-chest", "ct-chest", "ct-unknown"}));
    procedure.relatedProcedures.clear();
    QCOMPARE(chosen(choosePrefetch(order, procedure, all, codes)), (QStringList{"cur", "ct-chest", "ct-unknown"}));
    Order noCode = order;
    noCode.procedureCode.clear();
    QCOMPARE(chosen(choosePrefetch(noCode, procedure, all, codes)), (QStringList{"cur", "xr-chest", "ct-abd", "mr-head"}));
}

void PrefetchTest::rulesFilesAreCheckedWhenRead()
{
    const QString path = m_tmp.path() + "/rules.json";
    const auto write = [&](const QByteArray& text) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(text);
    };
    write(R"({"version": 1, "rules": [{"name": "mammo", "when": {"modalities": ["MG"]}, "priors": 3, "maxAgeYears": 3, "windows": [{"from": "20:00", "to": "06:00"}]}]})");
    auto rules = PrefetchRules::load(path);
    QVERIFY(rules);
    QCOMPARE(rules->rules.size(), std::size_t(1));
    Order mg;
    mg.modality = "MG";
    Order ct;
    ct.modality = "CT";
    QVERIFY(rules->ruleFor(mg));
    QVERIFY(!rules->ruleFor(ct));
    write(R"({"version": 1, "rules": [{"windows": [{"from": "25:00", "to": "06:00"}]}]})");
    auto bad = PrefetchRules::load(path);
    QVERIFY(!bad);
    QVERIFY2(bad.error().message.find("25:00") != std::string::npos, bad.error().message.c_str());
    write("{not json");
    QVERIFY(!PrefetchRules::load(path));
    // Version-1 files keep their meaning: "sameModality": false is "match": [].
    write(R"({"version": 1, "rules": [{"name": "any", "sameModality": false}]})");
    auto old = PrefetchRules::load(path);
    QVERIFY(old);
    QVERIFY(!old->rules.front().sameModality && !old->rules.front().sameBodyPart && !old->rules.front().relatedProcedure);
    const auto refused = [&](const QByteArray& text, const char* expected) {
        write(text);
        auto r = PrefetchRules::load(path);
        QVERIFY2(!r, text.constData());
        QVERIFY2(r.error().message.find(expected) != std::string::npos, r.error().message.c_str());
    };
    refused(R"({"rules": [{"match": ["modality"], "sameModality": true}]})", "not both");
    refused(R"({"rules": [{"match": ["bodypart"]}]})", "\"bodypart\"");
    refused(R"({"rules": [{"relatedProcedures": {"CTCHEST": "XRCHEST"}}]})", "relatedProcedures");
    refused(R"({"rules": [{"priors": "two"}]})", "\"priors\" must be a whole number");
    refused(R"({"rules": [{"name": "x", "windows": [{"from": "08:00", "to": "08:00"}]}]})", "empty");
    // Every key survives writing and reading again.
    PrefetchRule full;
    full.name = "chest";
    full.modalities = {"CT", "DX"};
    full.senders = {"ris"};
    full.current = false;
    full.priors = 4;
    full.maxAgeYears = 3;
    full.sameModality = false;
    full.sameBodyPart = true;
    full.relatedProcedure = true;
    full.relatedProcedures = {{"CTCHEST", {"XRCHEST", "CTCAP"}}};
    full.leadHours = 12;
    full.windows = {{QTime(19, 0), QTime(7, 0)}};
    full.maxBytesPerSecond = 5000000;
    PrefetchRules set;
    set.rules = {full};
    auto again = PrefetchRules::fromJson(set.toJson());
    QVERIFY(again);
    QCOMPARE(QJsonDocument(again->toJson()).toJson(), QJsonDocument(set.toJson()).toJson());
    QCOMPARE(set.toJson()["rules"].toArray().first().toObject()["match"].toArray(), (QJsonArray{"bodyPart", "procedure"}));
    // `lightbox worklist rules` prints the rules in force: the shipped default without a file.
    const ProcessResult shown = lb({"worklist", "rules", "--rules", m_tmp.path() + "/none.json"});
    QVERIFY2(shown.ok(), shown.err.constData());
    const QJsonObject rule = QJsonDocument::fromJson(shown.out).object()["rules"].toArray().first().toObject();
    QCOMPARE(rule["priors"].toInt(), 2);
    QCOMPARE(rule["maxAgeYears"].toInt(), 5);
    QCOMPARE(rule["match"].toArray(), QJsonArray{"modality"});
}

void PrefetchTest::anOrderBringsTheCurrentStudyAndTwoPriors()
{
    const QString inAnHour = QDateTime::currentDateTime().addSecs(3600).toString("yyyy-MM-ddTHH:mm");
    const ProcessResult added = lb({"worklist", "add", "--patient-id", "PF-1", "--birth-date", "19600101", "--modality", "CT", "--study", m_uid["current"],
                                    "--accession", "ACC-PF-1", "--scheduled", inAnHour});
    QVERIFY2(added.ok(), added.err.constData());
    const ProcessResult r = lb({"worklist", "prefetch", "--quiet"});
    QVERIFY2(r.ok(), (r.out + r.err).constData());
    QCOMPARE(cached(), (QStringList{"ct-1y", "ct-3y", "current"}));
    QCOMPARE(cached("PF-2"), QStringList());
    const ProcessResult list = lb({"worklist", "--json"});
    const QJsonObject order = QJsonDocument::fromJson(list.out).array().first().toObject();
    QCOMPARE(order["status"].toString(), QString("cached"));
    QCOMPARE(order["cachedInstances"].toInt(), 4);
    QStringList states;
    for (const QJsonValue& t : order["prefetch"].toArray()) states << t.toObject()["kind"].toString() + ":" + t.toObject()["state"].toString();
    QCOMPARE(states, (QStringList{"current:done", "prior:done", "prior:done"}));
}

// A rule that matches body parts asks the archive for the series of the current study and the
// candidates: the CT chest order brings the chest CT of last year (and no other: the abdomen CT,
// the head MR and the neck US are other body parts, the chest CT of 7 years ago too old), where
// the default rule would have brought the abdomen CT. Into a cache of its own.
void PrefetchTest::aBodyPartRuleAsksTheArchiveForSeries()
{
    const QString cache = m_tmp.path() + "/bodypart-cache", rules = m_tmp.path() + "/bodypart.json";
    QFile f(rules);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"version": 1, "rules": [{"name": "same body part", "priors": 2, "match": ["bodyPart"]}]})");
    f.close();
    const auto lbIn = [&](const QStringList& args) { return run(lightboxExe(), args + QStringList{"--config", m_config, "--cache", cache}, 240000); };
    const QString inAnHour = QDateTime::currentDateTime().addSecs(3600).toString("yyyy-MM-ddTHH:mm");
    const ProcessResult added = lbIn({"worklist", "add", "--patient-id", "PF-1", "--birth-date", "19600101", "--modality", "CT", "--study",
                                      m_uid["current"], "--accession", "ACC-PF-BP", "--scheduled", inAnHour});
    QVERIFY2(added.ok(), added.err.constData());
    const ProcessResult r = lbIn({"worklist", "prefetch", "--quiet", "--rules", rules});
    QVERIFY2(r.ok(), (r.out + r.err).constData());
    QCOMPARE(cachedStudyNames(cache, "PF-1", m_uid), (QStringList{"ct-1y", "current"}));
}

void PrefetchTest::aSecondRunFetchesNothing()
{
    const ProcessResult r = lb({"worklist", "prefetch", "--quiet"});
    QVERIFY2(r.ok(), (r.out + r.err).constData());
    QVERIFY2(r.out.contains("prefetch: 0 retrieved now"), r.out.constData());
    QCOMPARE(cached(), (QStringList{"ct-1y", "ct-3y", "current"}));
}

void PrefetchTest::ordersNotDueAreLeftForLater()
{
    // Scheduled in three days: beyond the default 24 h lead time.
    const QString later = QDateTime::currentDateTime().addDays(3).toString("yyyy-MM-ddTHH:mm");
    QVERIFY(lb({"worklist", "add", "--patient-id", "PF-2", "--modality", "CT", "--accession", "ACC-PF-2", "--scheduled", later}).ok());
    QVERIFY(lb({"worklist", "prefetch", "--quiet"}).ok());
    QCOMPARE(cached("PF-2"), QStringList());
    // Due now, but the rules allow only a window that is not now.
    const QTime now = QTime::currentTime();
    const QString from = now.addSecs(3 * 3600).toString("HH:mm"), to = now.addSecs(4 * 3600).toString("HH:mm");
    const QString rules = m_tmp.path() + "/night.json";
    QFile f(rules);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QString(R"({"version": 1, "rules": [{"leadHours": 100, "windows": [{"from": "%1", "to": "%2"}]}]})").arg(from, to).toUtf8());
    f.close();
    QVERIFY(lb({"worklist", "prefetch", "--quiet", "--rules", rules}).ok());
    QCOMPARE(cached("PF-2"), QStringList());
    // The same rule with a window around now fetches it.
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(QString(R"({"version": 1, "rules": [{"leadHours": 100, "windows": [{"from": "%1", "to": "%2"}]}]})")
                .arg(now.addSecs(-3600).toString("HH:mm"), now.addSecs(3600).toString("HH:mm"))
                .toUtf8());
    f.close();
    const ProcessResult r = lb({"worklist", "prefetch", "--quiet", "--rules", rules});
    QVERIFY2(r.ok(), (r.out + r.err).constData());
    QCOMPARE(cached("PF-2"), QStringList{"other"});
}

void PrefetchTest::aMergedPatientsStudiesAreFound()
{
    // The archive still files a study under the patient's old ID (PF-OLD), merged into PF-1.
    auto queue = WorkQueue::open(m_cache);
    QVERIFY2(queue, queue ? "" : queue.error().message.c_str());
    QVERIFY((*queue)->mergePatient("ris", "MSG-MERGE-1", "PF-OLD", "", "PF-1", ""));
    queue->reset();
    const QString inAnHour = QDateTime::currentDateTime().addSecs(3600).toString("yyyy-MM-ddTHH:mm");
    QVERIFY(lb({"worklist", "add", "--patient-id", "PF-1", "--birth-date", "19600101", "--modality", "CT", "--accession", "ACC-PF-3", "--scheduled",
                inAnHour})
                .ok());
    const ProcessResult r = lb({"worklist", "prefetch", "--quiet"});
    QVERIFY2(r.ok(), (r.out + r.err).constData());
    QCOMPARE(cached("PF-OLD"), QStringList{"merged-ct"});
}

namespace {

// Sends `message` (segments joined by \r) with python3-hl7's MLLP client; returns "MSA-1 MSA-2 MSA-3".
QString sendHl7(int port, const QString& message)
{
    const ProcessResult r = run(python(), {"-c", R"PY(
import sys, hl7
from hl7.client import MLLPClient
with MLLPClient("127.0.0.1", int(sys.argv[1]), encoding="utf-8") as c:
    ack = hl7.parse(c.send_message(sys.argv[2]).strip(b"\x0b\x1c\r").decode("utf-8"))
msa = ack.segment("MSA")
print(str(msa[1]), str(msa[2]), str(msa[3]) if len(msa) > 3 else "")
)PY",
                                           QString::number(port), message});
    return QString::fromUtf8(r.out + r.err).trimmed();
}

QString orm(const QString& controlId, const QString& application, const QString& patientId, const QString& accession, const QString& studyUid,
            const QDateTime& when)
{
    return QStringList{"MSH|^~\\&|" + application + "|HOSP|LIGHTBOX|RAD|20261207080000||ORM^O01|" + controlId + "|P|2.3.1",
                       "PID|1||" + patientId + "^^^HOSP^MR||PREFETCH^PAT||19600101|F",
                       "ORC|NW|P-" + accession + "|F-" + accession,
                       "OBR|1|P-" + accession + "|F-" + accession + "|CTCHEST^CT chest^LBX||||||||||||||" + accession + "|RP1|SPS1||||CT|||^^^" +
                           when.toString("yyyyMMddHHmmss") + "^^R",
                       "ZDS|" + studyUid + "^100^Application^DICOM"}
        .join('\r');
}

}  // namespace

// The RIS sends an ORM^O01 over MLLP (python3-hl7 as the sender) to `lightbox service`: it is
// acknowledged once committed, and the current study and its two relevant priors arrive in the
// cache ahead of the scheduled time, with nothing else; the same message again is acknowledged
// and fetches nothing; an unknown sending application and an unsupported message are refused.
void PrefetchTest::anHl7OrderIsPrefetchedByTheListener()
{
    const QString config = m_tmp.path() + "/hl7.json", cache = m_tmp.path() + "/hl7-cache";
    const int hl7Port = freePort();
    QVERIFY(run(lightboxExe(), {"archive", "add", "orthanc", "--aet", "ORTHANC", "--host", "127.0.0.1", "--port", QString::number(m_orthanc->dicomPort()),
                                "--config", config})
                .ok());
    QVERIFY(run(lightboxExe(), {"config", "set", "hl7-port", QString::number(hl7Port), "--config", config}).ok());
    QVERIFY(run(lightboxExe(), {"hl7", "allow", "ris", "--host", "127.0.0.1", "--application", "RIS", "--facility", "HOSP", "--config", config}).ok());
    QProcess service;
    service.start(lightboxExe(), {"service", "--port", QString::number(freePort()), "--config", config, "--cache", cache});
    QByteArray said;
    QTRY_VERIFY_WITH_TIMEOUT((said += service.readAllStandardOutput()).contains("HL7 on port"), 30000);
    const QString message = orm("MSG-1", "RIS", "PF-1", "ACC-HL7-1", m_uid["current"], QDateTime::currentDateTime().addSecs(3600));
    QCOMPARE(sendHl7(hl7Port, message), QString("AA MSG-1"));
    const auto cachedHere = [&] {
        const ProcessResult r = run(lightboxExe(), {"studies", "--patient-id", "PF-1", "--json", "--cache", cache});
        QStringList names;
        for (const QJsonValue& v : QJsonDocument::fromJson(r.out).array()) names << m_uid.key(v.toObject()["studyInstanceUid"].toString());
        names.sort();
        return names;
    };
    QTRY_COMPARE_WITH_TIMEOUT(cachedHere(), (QStringList{"ct-1y", "ct-3y", "current"}), 120000);
    // Every task recorded done (the last one is, once its retrieve checked the study complete).
    const auto tasksDone = [&] {
        const QJsonArray orders = QJsonDocument::fromJson(run(lightboxExe(), {"worklist", "--json", "--cache", cache}).out).array();
        int done = 0;
        for (const QJsonValue& t : orders.first().toObject()["prefetch"].toArray()) done += t.toObject()["state"].toString() == "done";
        return done;
    };
    QTRY_COMPARE_WITH_TIMEOUT(tasksDone(), 3, 60000);
    // Sent again (the sender did not hear the first ACK): acknowledged, not processed twice.
    QCOMPARE(sendHl7(hl7Port, message), QString("AA MSG-1 already processed"));
    QVERIFY(sendHl7(hl7Port, orm("MSG-2", "INTRUDER", "PF-2", "ACC-X", m_uid["other"], QDateTime::currentDateTime())).startsWith("AR"));
    QString oru = message;
    oru.replace("ORM^O01|MSG-1", "ORU^R01|MSG-3");
    QVERIFY(sendHl7(hl7Port, oru).startsWith("AR MSG-3"));
    ::kill(pid_t(service.processId()), SIGTERM);
    QVERIFY(service.waitForFinished(30000));
    said += service.readAllStandardOutput();
    QVERIFY2(said.contains("hl7: order ACC-HL7-1"), said.constData());
    QVERIFY2(said.contains("refused"), said.constData());
    QCOMPARE(cachedHere(), (QStringList{"ct-1y", "ct-3y", "current"}));
    const ProcessResult list = run(lightboxExe(), {"worklist", "--json", "--cache", cache});
    const QJsonArray orders = QJsonDocument::fromJson(list.out).array();
    QCOMPARE(orders.size(), 1);
    QCOMPARE(orders[0].toObject()["accession"].toString(), QString("ACC-HL7-1"));
    QCOMPARE(orders[0].toObject()["status"].toString(), QString("cached"));
    QCOMPARE(orders[0].toObject()["prefetch"].toArray().size(), 3);
}

// `lightbox service` reads the rules' file again when it changes (the Prefetch rules dialog saved
// it): an order planned under a rule that fetches nothing gets its current study and one prior
// once the file says so, without a restart; a file made invalid is reported and the rules in
// force are kept.
void PrefetchTest::theServiceReadsChangedRules()
{
    const QString cache = m_tmp.path() + "/reload-cache", rules = m_tmp.path() + "/reload.json";
    const auto writeRules = [&](const QByteArray& text) {
        QSaveFile f(rules);
        return f.open(QIODevice::WriteOnly) && f.write(text) == text.size() && f.commit();
    };
    QVERIFY(writeRules(R"({"version": 1, "rules": [{"name": "nothing", "current": false, "priors": 0}]})"));
    const QString inAnHour = QDateTime::currentDateTime().addSecs(3600).toString("yyyy-MM-ddTHH:mm");
    QVERIFY(run(lightboxExe(), {"worklist", "add", "--patient-id", "PF-1", "--birth-date", "19600101", "--modality", "CT", "--study", m_uid["current"],
                                "--accession", "ACC-PF-RL", "--scheduled", inAnHour, "--config", m_config, "--cache", cache})
                .ok());
    QProcess service;
    service.start(lightboxExe(), {"service", "--port", QString::number(freePort()), "--config", m_config, "--cache", cache, "--rules", rules});
    // Each check runs a command or opens the queue: waited for by the clock, not by counting tries.
    const auto awaitFor = [](const std::function<bool()>& done, int ms) {
        const QDeadlineTimer deadline(ms);
        while (!deadline.hasExpired()) {
            if (done()) return true;
            QTest::qWait(500);
        }
        return done();
    };
    const auto planned = [&] {
        auto queue = WorkQueue::open(cache);
        return queue && !(*queue)->orders().empty() && (*queue)->orders().front().plannedAt > 0;
    };
    QVERIFY(awaitFor(planned, 45000));
    QCOMPARE(cachedStudyNames(cache, "PF-1", m_uid), QStringList());
    QVERIFY(writeRules(R"({"version": 1, "rules": [{"name": "one prior", "priors": 1}]})"));
    // Read at the next round (every 30 s), then fetched.
    awaitFor([&] { return cachedStudyNames(cache, "PF-1", m_uid).size() == 2; }, 75000);
    QCOMPARE(cachedStudyNames(cache, "PF-1", m_uid), (QStringList{"ct-1y", "current"}));
    QVERIFY(writeRules(R"({"version": 1, "rules": [{"windows": [{"from": "25:00", "to": "06:00"}]}]})"));
    QByteArray said;
    QTRY_VERIFY_WITH_TIMEOUT((said += service.readAllStandardOutput()).contains("the rules in force are kept"), 45000);
    QVERIFY2(said.contains("rules read again from " + rules.toUtf8() + " (1 rule)"), said.constData());
    QVERIFY2(said.contains("\"25:00\" is not a time of day"), said.constData());
    ::kill(pid_t(service.processId()), SIGTERM);
    QVERIFY(service.waitForFinished(30000));
}

QTEST_GUILESS_MAIN(PrefetchTest)
#include "test_prefetch.moc"
