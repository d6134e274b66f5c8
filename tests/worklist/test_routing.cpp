// Routing rules (issue 12, point 5) against three real Orthanc archives: A (a source Lightbox
// retrieves from), B and C (destinations). `lightbox service` runs with the rules "every CT to B"
// and "MR sent by MODALITY1 to C, de-identified"; DCMTK's storescu pushes the shared CT (30 slices)
// and MR (24 slices) as MODALITY1. What B and C hold is read back through Orthanc's REST API and
// parsed by pydicom (an oracle nobody here wrote): B holds exactly the CT instances; C holds the MR
// instances under new SOP, series and study UIDs (one new Study Instance UID for all of them), with
// neither the original patient name nor ID; a CT Lightbox fetched itself from A (C-MOVE, then
// C-GET) went nowhere; the spool of de-identified copies is empty once they are sent, and the key of
// derived UIDs is 0600 and sealed; `lightbox queue`, asked while the service delivers, sees it finish. Rules are
// checked when added and when read (an unknown archive, a bad origin or SOP class, an unknown
// version: refused with what is wrong); `route test` tells where a file would go and never sends
// it back to its sender. Matching itself (case, keywords, several rules, one copy per archive,
// de-identified wins, the loop guard) is checked in process.
#include "orthanc_fixture.h"
#include "routing_rules.h"
#include "test_support.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

using namespace lightbox;
using namespace lightbox::app;
using namespace lightbox::test;

namespace {

// Every instance an Orthanc holds, as pydicom reads the file Orthanc returns.
const char* kOrthancInstances = R"PY(
import io, json, sys, urllib.request, pydicom
base = sys.argv[1]
out = []
for i in json.load(urllib.request.urlopen(base + "/instances")):
    d = pydicom.dcmread(io.BytesIO(urllib.request.urlopen(base + "/instances/" + i + "/file").read()), stop_before_pixels=True)
    out.append({"sop": d.SOPInstanceUID, "study": d.StudyInstanceUID, "series": d.SeriesInstanceUID, "modality": d.get("Modality", ""),
                "name": str(d.get("PatientName", "")), "id": str(d.get("PatientID", ""))})
print(json.dumps(out))
)PY";

// The same facts of files.
const char* kFileFacts = R"PY(
import json, sys, pydicom
out = []
for f in sys.argv[1:]:
    d = pydicom.dcmread(f, stop_before_pixels=True)
    out.append({"sop": d.SOPInstanceUID, "study": d.StudyInstanceUID, "series": d.SeriesInstanceUID, "modality": d.get("Modality", ""),
                "name": str(d.get("PatientName", "")), "id": str(d.get("PatientID", ""))})
print(json.dumps(out))
)PY";

QJsonArray facts(const QString& script, const QStringList& args)
{
    const ProcessResult r = run(python(), QStringList{"-c", script} + args, 120000);
    if (!r.ok()) qWarning("python: %s", r.err.constData());
    return QJsonDocument::fromJson(r.out).array();
}

QSet<QString> valuesOf(const QJsonArray& a, const QString& key)
{
    QSet<QString> out;
    for (const QJsonValue& v : a) out.insert(v.toObject()[key].toString());
    return out;
}

AppConfig configWith(const QList<QPair<QString, QString>>& archives)
{
    AppConfig c;
    for (const auto& [name, ae] : archives) {
        ArchiveEntry e;
        e.name = name;
        e.aeTitle = ae;
        e.host = "127.0.0.1";
        e.port = 104;
        c.archives.push_back(e);
    }
    return c;
}

}  // namespace

class RoutingTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void matchingFollowsTheRules();
    void rulesAreCheckedWhenAddedAndRead();
    void routeTestSaysWhereAFileWouldGo();
    void theServiceRoutesWhatAModalityPushes();

private:
    ProcessResult lb(const QStringList& args, int timeoutMs = 240000)
    {
        return run(lightboxExe(), args + QStringList{"--config", m_config, "--cache", m_cache}, timeoutMs);
    }
    ProcessResult route(const QStringList& args, const QString& config = {})
    {
        return run(lightboxExe(), QStringList{"route"} + args + QStringList{"--config", config.isEmpty() ? m_config : config});
    }

    QTemporaryDir m_tmp;
    std::unique_ptr<OrthancServer> m_a, m_b, m_c;
    QString m_config, m_cache;
    int m_port = 0;
    QStringList m_ct, m_mr;
    QString m_retrieved;  // a CT image only archive A holds (for a retrieve)
};

void RoutingTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_config = m_tmp.path() + "/lightbox.json";
    m_cache = m_tmp.path() + "/cache";
    m_port = freePort();
    const auto start = [this](const QString& ae, std::unique_ptr<OrthancServer>& server) {
        OrthancOptions o;
        o.aeTitle = ae;
        o.lightboxPort = m_port;
        server = std::make_unique<OrthancServer>(o);
        QString error;
        return server->start(&error) ? QString() : error;
    };
    for (const auto& [ae, server] : {std::pair<QString, std::unique_ptr<OrthancServer>*>{"ARCHA", &m_a}, {"ARCHB", &m_b}, {"ARCHC", &m_c}}) {
        const QString error = start(ae, *server);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(lb({"archive", "add", ae == "ARCHA" ? "A" : ae == "ARCHB" ? "B" : "C", "--aet", ae, "--host", "127.0.0.1", "--port",
                    QString::number((*server)->dicomPort())})
                    .ok());
    }
    QVERIFY(allowLocalPeers(m_config, {"MODALITY1"}));
    QVERIFY(lb({"config", "set", "port", QString::number(m_port)}).ok());
    m_ct = filesUnder(testDataDir() + "/ct/siemens-sensation10_chest_30sl");
    m_mr = filesUnder(testDataDir() + "/mr/siemens-verio_brain-t1post_24sl");
    QCOMPARE(m_ct.size(), 30);
    QCOMPARE(m_mr.size(), 24);
    m_retrieved = testDataDir() + "/sc/imagej-cardio_siemens-sensation64_rgb-sc.dcm";
    QCOMPARE(m_a->upload({m_retrieved}), 1);
}

void RoutingTest::cleanupTestCase()
{
    for (auto* s : {&m_a, &m_b, &m_c})
        if (*s) (*s)->stop();
}

void RoutingTest::matchingFollowsTheRules()
{
    const AppConfig config = configWith({{"PACS", "PACSAE"}, {"TEACH", "TEACHAE"}, {"RIS", "RISAE"}});
    auto rules = RoutingRules::fromJson(QJsonDocument::fromJson(R"({"version": 1, "rules": [
        {"name": "ct", "when": {"modalities": ["ct"], "bodyParts": ["Chest"]}, "to": ["PACS"]},
        {"name": "ct-teach", "when": {"modalities": ["CT"], "callingAEs": ["ct-room"]}, "to": ["TEACH", "PACS"], "anonymize": true},
        {"name": "reports", "when": {"sopClasses": ["BasicTextSRStorage"], "origins": ["created"]}, "to": ["RIS"]}]})")
                                            .object());
    QVERIFY2(rules, rules ? "" : rules.error().message.c_str());
    QCOMPARE(rules->rules[2].sopClasses, QStringList{"1.2.840.10008.5.1.4.1.1.88.11"});
    RoutedObject chest{"received", "CT", "CHEST", "1.2.840.10008.5.1.4.1.1.2", "CT-ROOM", "ctroom"};
    auto targets = rules->targetsFor(chest, config);
    QCOMPARE(int(targets.size()), 2);
    QCOMPARE(targets[0].archive, QString("PACS"));
    QVERIFY(targets[0].anonymize);  // named twice: once, de-identified
    QCOMPARE(targets[0].rules, QStringList({"ct", "ct-teach"}));
    QCOMPARE(targets[1].archive, QString("TEACH"));
    QVERIFY(targets[1].anonymize);
    // Another sender: only the first rule; another body part: nothing.
    chest.callingAe = "ELSEWHERE";
    targets = rules->targetsFor(chest, config);
    QCOMPARE(int(targets.size()), 1);
    QVERIFY(!targets[0].anonymize);
    chest.bodyPart = "HEAD";
    QVERIFY(rules->targetsFor(chest, config).empty());
    // Never back to the sender, by its AE title or its name in the settings.
    RoutedObject fromPacs{"received", "CT", "CHEST", "1.2.840.10008.5.1.4.1.1.2", "pacsae", ""};
    QVERIFY(rules->targetsFor(fromPacs, config).empty());
    fromPacs.callingAe.clear();
    fromPacs.peer = "PACS";
    QVERIFY(rules->targetsFor(fromPacs, config).empty());
    // A report Lightbox made goes to the RIS archive; one received does not.
    RoutedObject report{"created", "SR", "", "1.2.840.10008.5.1.4.1.1.88.11", "", ""};
    targets = rules->targetsFor(report, config);
    QCOMPARE(int(targets.size()), 1);
    QCOMPARE(targets[0].archive, QString("RIS"));
    report.origin = "received";
    QVERIFY(rules->targetsFor(report, config).empty());
    // No rules: nothing goes anywhere.
    QVERIFY(RoutingRules{}.targetsFor(chest, config).empty());
}

void RoutingTest::rulesAreCheckedWhenAddedAndRead()
{
    ProcessResult r = route({"add", "nowhere", "--to", "NOWHERE"});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("no archive named NOWHERE"), r.err.constData());
    r = route({"add", "odd", "--to", "B", "--origin", "sideways"});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("neither received nor created"), r.err.constData());
    r = route({"add", "odd", "--to", "B", "--sop-class", "NotAClass"});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("NotAClass") && r.err.contains("SOP class"), r.err.constData());
    r = route({"add", "odd", "--modality", "CT"});
    QCOMPARE(r.exitCode, 2);
    QVERIFY(!QFile::exists(QFileInfo(m_config).absolutePath() + "/routing.json"));  // nothing saved
    // A keyword is kept as its UID.
    const QString other = m_tmp.path() + "/other/lightbox.json";
    QVERIFY(QDir().mkpath(QFileInfo(other).absolutePath()));
    QVERIFY(QFile::copy(m_config, other));
    QVERIFY(route({"add", "kw", "--to", "B", "--sop-class", "CTImageStorage"}, other).ok());
    r = route({"list", "--json"}, other);
    QVERIFY(r.ok());
    const QJsonObject kw = QJsonDocument::fromJson(r.out).object()["rules"].toArray()[0].toObject();
    QCOMPARE(kw["when"].toObject()["sopClasses"].toArray()[0].toString(), QString("1.2.840.10008.5.1.4.1.1.2"));
    QCOMPARE(QFile::permissions(QFileInfo(other).absolutePath() + "/routing.json") & 0x0077, QFileDevice::Permissions{});
    // A file of another version, or naming an archive that is gone, is refused when read.
    QFile f(QFileInfo(other).absolutePath() + "/routing.json");
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"version": 2, "rules": []})");
    f.close();
    r = route({"list"}, other);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("\"version\": 1"), r.err.constData());
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"version": 1, "rules": [{"name": "gone", "to": ["GONE"]}]})");
    f.close();
    r = run(lightboxExe(), {"service", "--port", QString::number(freePort()), "--config", other, "--cache", m_tmp.path() + "/other/cache"}, 60000);
    QVERIFY(!r.ok());
    QVERIFY2(r.err.contains("no archive named GONE"), r.err.constData());
}

void RoutingTest::routeTestSaysWhereAFileWouldGo()
{
    QVERIFY(route({"add", "ct", "--to", "B", "--modality", "ct"}).ok());
    QVERIFY(route({"add", "mr-teaching", "--to", "C", "--modality", "MR", "--calling-ae", "MODALITY1", "--anonymize"}).ok());
    ProcessResult r = route({"list"});
    QVERIFY2(r.out.contains("ct: to B;") && r.out.contains("mr-teaching: to C (de-identified)"), r.out.constData());
    r = route({"test", m_ct.first(), "--calling-ae", "MODALITY1"});
    QVERIFY2(r.ok() && r.out.contains("would go to B as it is (rules ct)") && !r.out.contains("would go to C"), r.out.constData());
    r = route({"test", m_mr.first(), "--calling-ae", "modality1"});
    QVERIFY2(r.ok() && r.out.contains("would go to C de-identified (rules mr-teaching)") && !r.out.contains("would go to B"), r.out.constData());
    r = route({"test", m_mr.first(), "--calling-ae", "OTHER"});
    QVERIFY2(r.ok() && r.out.contains("would go nowhere"), r.out.constData());
    r = route({"test", m_ct.first(), "--calling-ae", "ARCHB"});  // B itself sent it
    QVERIFY2(r.ok() && r.out.contains("would go nowhere"), r.out.constData());
    r = route({"test", m_tmp.path() + "/lightbox.json"});
    QCOMPARE(r.exitCode, 1);
}

void RoutingTest::theServiceRoutesWhatAModalityPushes()
{
    QProcess service;
    service.setProcessChannelMode(QProcess::MergedChannels);
    service.start(lightboxExe(), {"service", "--config", m_config, "--cache", m_cache});
    QByteArray said;
    QElapsedTimer t;
    t.start();
    while (!said.contains("listening as") && t.elapsed() < 60000 && service.state() != QProcess::NotRunning) {
        service.waitForReadyRead(500);
        said += service.readAll();
    }
    QVERIFY2(said.contains("routing by 2 rules") && said.contains("listening as"), said.constData());

    // A CT fetched by Lightbox itself (C-MOVE into the service's listener, then C-GET) goes nowhere.
    const QJsonArray retrieved = facts(kFileFacts, {m_retrieved});
    const QString retrievedStudy = retrieved[0].toObject()["study"].toString();
    QCOMPARE(retrieved[0].toObject()["modality"].toString(), QString("CT"));
    ProcessResult r = lb({"retrieve", "--archive", "A", "--study", retrievedStudy, "--method", "move"});
    QVERIFY2(r.ok(), r.err.constData());
    // Deleted once the service's receiver lets it go (it holds an arriving study a few seconds).
    ProcessResult deleted;
    for (t.restart(); !deleted.ok() && t.elapsed() < 60000; QThread::msleep(deleted.ok() ? 0 : 500)) deleted = run(lightboxExe(), {"cache", "delete", retrievedStudy, "--cache", m_cache});
    QVERIFY2(deleted.ok(), deleted.err.constData());
    r = lb({"retrieve", "--archive", "A", "--study", retrievedStudy, "--method", "get"});
    QVERIFY2(r.ok(), r.err.constData());

    // The modality pushes its CT and MR.
    r = run("storescu", QStringList{"-aet", "MODALITY1", "-aec", "LIGHTBOX", "127.0.0.1", QString::number(m_port)} + m_ct, 180000);
    QVERIFY2(r.ok(), r.err.constData());
    r = run("storescu", QStringList{"-aet", "MODALITY1", "-aec", "LIGHTBOX", "127.0.0.1", QString::number(m_port)} + m_mr, 180000);
    QVERIFY2(r.ok(), r.err.constData());

    // Delivered: wait until B and C hold as many as they should, asking `lightbox queue` (another
    // process) meanwhile; it must then see nothing waiting while the service still runs (a process
    // that dropped its own locks on outbox.sqlite let a reader delete the WAL it still wrote to, and
    // every later reader saw the outbox as it was then).
    QJsonArray waiting;
    for (t.restart(); t.elapsed() < 120000;) {
        waiting = QJsonDocument::fromJson(lb({"queue", "--json"}).out).object()["outbox"].toArray();
        if (waiting.isEmpty() && m_b->instanceCount() >= 30 && m_c->instanceCount() >= 24) break;
        service.waitForReadyRead(500);
        said += service.readAll();
    }
    QString left;
    for (const QJsonValue& v : waiting) left += QString("#%1 %2 %3; ").arg(v["id"].toInt()).arg(v["state"].toString(), v["archive"].toString());
    QVERIFY2(waiting.isEmpty(), qPrintable(left));
    service.terminate();
    QVERIFY(service.waitForFinished(30000));
    said += service.readAll();
    QString told;
    for (const QByteArray& line : said.split('\n'))
        if (!line.startsWith("route ") && !line.startsWith("received ")) told += QString::fromUtf8(line) + '\n';
    QVERIFY2(m_b->instanceCount() >= 30 && m_c->instanceCount() >= 24, qPrintable(told));

    const QJsonArray ct = facts(kFileFacts, m_ct), mr = facts(kFileFacts, m_mr);
    const QJsonArray inB = facts(kOrthancInstances, {m_b->url()}), inC = facts(kOrthancInstances, {m_c->url()});
    // B: exactly the CT instances, as they were (the retrieved CT is not among them).
    QCOMPARE(valuesOf(inB, "sop"), valuesOf(ct, "sop"));
    QCOMPARE(valuesOf(inB, "name"), valuesOf(ct, "name"));
    // C: the MR instances de-identified: new UIDs, one new study for all, no patient name or ID.
    QCOMPARE(inC.size(), 24);
    QCOMPARE(valuesOf(inC, "sop").size(), 24);
    QVERIFY(!valuesOf(inC, "sop").intersects(valuesOf(mr, "sop")));
    QVERIFY(!valuesOf(inC, "sop").intersects(valuesOf(ct, "sop")));
    QCOMPARE(valuesOf(inC, "study").size(), 1);
    QVERIFY(!valuesOf(inC, "study").intersects(valuesOf(mr, "study")));
    QVERIFY(!valuesOf(inC, "series").intersects(valuesOf(mr, "series")));
    QCOMPARE(valuesOf(inC, "modality"), QSet<QString>{"MR"});
    const QString name = mr[0].toObject()["name"].toString(), id = mr[0].toObject()["id"].toString();
    QVERIFY(!name.isEmpty() && !id.isEmpty());
    for (const QJsonValue& v : inC) {
        QVERIFY2(v.toObject()["name"].toString() != name, qPrintable(v.toObject()["name"].toString()));
        QVERIFY2(v.toObject()["id"].toString() != id, qPrintable(v.toObject()["id"].toString()));
    }
    // The outbox routed 54 instances, each sent; the spool of de-identified copies is empty again.
    int routed = 0;
    for (const QJsonValue& v : QJsonDocument::fromJson(lb({"queue", "--json", "--all"}).out).object()["outbox"].toArray())
        if (v.toObject()["origin"].toString() == "route") {
            ++routed;
            QCOMPARE(v.toObject()["state"].toString(), QString("sent"));
        }
    QCOMPARE(routed, 54);
    // The key of derived UIDs: the user's alone, and sealed in this encrypted cache.
    QFile key(m_cache + "/route-uid.key");
    QVERIFY(key.open(QIODevice::ReadOnly));
    QCOMPARE(key.read(7), QByteArray("LBXENC1"));
    QCOMPARE(key.permissions() & 0x0077, QFileDevice::Permissions{});
    const QString spool = m_cache + "/outbox-spool";
    QCOMPARE(QFileInfo(spool).permissions() & 0x0077, QFileDevice::Permissions{});
    QVERIFY2(QDir(spool).entryList(QDir::Files).isEmpty(), qPrintable(QDir(spool).entryList(QDir::Files).join(' ')));

}

QTEST_GUILESS_MAIN(RoutingTest)
#include "test_routing.moc"
