// The network's part of the audit trail, against a real Orthanc: a search of the archive leaves one
// Query message naming the archive and the keys; a retrieve, Begin Transferring and one DICOM
// Instances Transferred (Create) naming the patient and the study, whatever the method; a send,
// Begin Transferring and DICOM Instances Transferred (Read) to the archive; a technologist's send
// is refused before anything leaves.
#include "orthanc_fixture.h"
#include "test_support.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace lightbox::test;

class AuditNetworkTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void aSearchIsOneQuery();
    void aRetrieveIsOneTransferIn_data();
    void aRetrieveIsOneTransferIn();
    void aSendIsOneTransferOut();
    void aPushedStudyIsOneArrival();

private:
    ProcessResult lb(QStringList args, const QString& user = "boss", const QString& password = "administrator 1", const QByteArray& input = {});
    QJsonArray newRecords();
    QTemporaryDir m_tmp;
    std::unique_ptr<OrthancServer> m_orthanc;
    QString m_study, m_patientId;
    int m_seen = 0;
};

ProcessResult AuditNetworkTest::lb(QStringList args, const QString& user, const QString& password, const QByteArray& input)
{
    args.insert(1, user);
    args.insert(1, "--user");
    if (args[0] != "users" && args[0] != "audit") args << "--config" << m_tmp.path() + "/lightbox.json";
    return runWith(lightboxExe(), args, {{"LIGHTBOX_SECURITY_DIR", m_tmp.path() + "/security"}, {"LIGHTBOX_PASSWORD", password}}, input, 120000);
}

// The records since the last call, without commands' start/stop, sign-ins and reading the trail.
QJsonArray AuditNetworkTest::newRecords()
{
    const ProcessResult r = lb({"audit", "show", "--format", "json"});
    const QJsonArray all = QJsonDocument::fromJson(r.out).array();
    QJsonArray out;
    for (int i = m_seen; i < all.size(); ++i) {
        const QString event = all[i].toObject()["event"].toString();
        if (event.startsWith("Application ") || event.startsWith("Audit Log Used") || event.startsWith("User Authentication")) continue;
        out.append(all[i]);
    }
    m_seen = int(all.size());  // this reading's own later records are of the kinds left out
    return out;
}

namespace {

QStringList ids(const QJsonArray& records)
{
    QStringList out;
    static const QRegularExpression id("<EventID csd-code=\"(\\d+)\"");
    static const QRegularExpression action("EventActionCode=\"(\\w)\"");
    for (const auto& r : records) {
        const QString xml = r.toObject()["xml"].toString();
        out << id.match(xml).captured(1) + action.match(xml).captured(1);
    }
    return out;
}

}  // namespace

void AuditNetworkTest::initTestCase()
{
    OrthancOptions options;
    options.lightboxPort = freePort();  // Lightbox's storage port, known to Orthanc for C-MOVE
    m_orthanc = std::make_unique<OrthancServer>(options);
    QString error;
    QVERIFY2(m_orthanc->start(&error), qPrintable(error));
    const QStringList files = filesUnder(testDataDir() + "/ct/siemens-sensation10_chest_30sl");
    QCOMPARE(m_orthanc->upload(files), int(files.size()));
    const ProcessResult dump = run("dcmdump", {"+P", "0020,000d", "+P", "0010,0020", "-s", files.front()});
    const QStringList lines = QString::fromLatin1(dump.out).split('\n', Qt::SkipEmptyParts);
    for (const QString& l : lines) {
        const QString value = l.section('[', 1).section(']', 0, 0);
        if (l.startsWith("(0020,000d)")) m_study = value;
        if (l.startsWith("(0010,0020)")) m_patientId = value;
    }
    QVERIFY(!m_study.isEmpty() && !m_patientId.isEmpty());
    const ProcessResult add = runWith(lightboxExe(), {"users", "add", "boss", "--role", "administrator"},
                                      {{"LIGHTBOX_SECURITY_DIR", m_tmp.path() + "/security"}}, "administrator 1\n");
    QVERIFY2(add.ok(), add.err.constData());
    QVERIFY(lb({"users", "add", "tina", "--role", "technologist"}, "boss", "administrator 1", "technologist 1\n").ok());
    QVERIFY(lb({"archive", "add", "orthanc", "--aet", "ORTHANC", "--host", "127.0.0.1", "--port", QString::number(m_orthanc->dicomPort()),
                "--dicomweb", m_orthanc->dicomWebUrl()})
                .ok());
    QVERIFY(lb({"config", "set", "port", QString::number(options.lightboxPort)}).ok());
    newRecords();
}

void AuditNetworkTest::cleanupTestCase()
{
    if (m_orthanc) m_orthanc->stop();
}

void AuditNetworkTest::aSearchIsOneQuery()
{
    const ProcessResult r = lb({"find", "--archive", "orthanc", "--patient-id", m_patientId, "--cache", m_tmp.path() + "/cache"});
    QVERIFY2(r.ok(), r.err.constData());
    const QJsonArray added = newRecords();
    QCOMPARE(ids(added), QStringList{"110112E"});
    const QString xml = added[0].toObject()["xml"].toString();
    QVERIFY(xml.contains("UserID=\"ORTHANC\""));
    QVERIFY2(xml.contains("<ParticipantObjectDescription>PatientID=" + m_patientId + "</ParticipantObjectDescription>"), qPrintable(xml));
    QVERIFY(xml.contains("<ParticipantObjectQuery>"));
}

void AuditNetworkTest::aRetrieveIsOneTransferIn_data()
{
    QTest::addColumn<QString>("method");
    QTest::newRow("C-GET") << "get";
    QTest::newRow("C-MOVE") << "move";
    QTest::newRow("WADO-RS") << "wado";
}

void AuditNetworkTest::aRetrieveIsOneTransferIn()
{
    QFETCH(QString, method);
    const QString cache = m_tmp.path() + "/cache-" + method;
    const ProcessResult r = lb({"retrieve", "--archive", "orthanc", "--study", m_study, "--method", method, "--quiet", "--cache", cache});
    QVERIFY2(r.ok(), r.err.constData());
    const QJsonArray added = newRecords();
    QCOMPARE(ids(added), (QStringList{"110102E", "110104C"}));
    const QJsonObject done = added[1].toObject();
    QCOMPARE(done["studyUid"].toString(), m_study);
    QCOMPARE(done["patientId"].toString(), m_patientId);  // known once it arrived
    QCOMPARE(done["outcome"].toString(), QString("success"));
    QVERIFY(done["xml"].toString().contains("originalText=\"Source Role ID\""));
}

void AuditNetworkTest::aSendIsOneTransferOut()
{
    const QString cache = m_tmp.path() + "/cache-get";
    const ProcessResult refused = lb({"send", "--archive", "orthanc", "--study", m_study, "--cache", cache}, "tina", "technologist 1");
    QCOMPARE(refused.exitCode, 3);
    QVERIFY2(refused.err.contains("may not export or send studies without anonymisation"), refused.err.constData());
    QCOMPARE(ids(newRecords()), QStringList{"110113E"});
    const ProcessResult sent = lb({"send", "--archive", "orthanc", "--study", m_study, "--cache", cache});
    QVERIFY2(sent.ok(), sent.err.constData());
    const QJsonArray added = newRecords();
    QCOMPARE(ids(added), (QStringList{"110102E", "110104R"}));
    QCOMPARE(added[1].toObject()["patientId"].toString(), m_patientId);
    QVERIFY(added[1].toObject()["xml"].toString().contains("originalText=\"Destination Role ID\""));
}

void AuditNetworkTest::aPushedStudyIsOneArrival()
{
    // Only known peers may push: a modality from an unknown AE title is refused at association time
    // and audited (Security Alert, Node Authentication); once the modality is a known peer, its
    // 30-slice CT is one message for the study, not one per instance or per batch, told when the
    // arrival is over, naming the peer that sent it.
    const int port = freePort();
    QProcess listen;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("LIGHTBOX_SECURITY_DIR", m_tmp.path() + "/security");
    env.insert("LIGHTBOX_PASSWORD", "administrator 1");
    listen.setProcessEnvironment(env);
    listen.setProcessChannelMode(QProcess::MergedChannels);
    QVERIFY(lb({"archive", "add", "ct-room", "--aet", "CT-ROOM-2", "--host", "127.0.0.1", "--accepts", "store"}).ok());
    newRecords();  // the settings change
    listen.start(lightboxExe(), {"listen", "--user", "boss", "--port", QString::number(port), "--cache", m_tmp.path() + "/cache-pushed", "--config",
                                 m_tmp.path() + "/lightbox.json"});
    QByteArray said;
    QTRY_VERIFY2_WITH_TIMEOUT((said += listen.readAll()).contains("listening"), said.constData(), 15000);
    const QStringList files = filesUnder(testDataDir() + "/ct/siemens-sensation10_chest_30sl");
    const ProcessResult stranger = run("storescu", QStringList{"-aet", "STRANGER", "-aec", "LIGHTBOX", "127.0.0.1", QString::number(port)} + files);
    QVERIFY(!stranger.ok());
    QVERIFY2(stranger.err.contains("Calling AE Title Not Recognized"), stranger.err.constData());
    const ProcessResult push = run("storescu", QStringList{"-aet", "CT-ROOM-2", "-aec", "LIGHTBOX", "127.0.0.1", QString::number(port)} + files);
    QVERIFY2(push.ok(), (push.err + (said += listen.readAll())).constData());
    listen.terminate();  // SIGTERM: the listener stops, lets the study go and writes its records
    QVERIFY(listen.waitForFinished(30000));
    said += listen.readAll();
    QVERIFY2(said.contains("association from STRANGER at 127.0.0.1 to LIGHTBOX refused"), said.constData());
    const QJsonArray added = newRecords();
    QCOMPARE(ids(added), (QStringList{"110113E", "110104C"}));
    const QString alert = added[0].toObject()["xml"].toString();
    QVERIFY2(alert.contains("csd-code=\"110126\"") && alert.contains("STRANGER") && alert.contains("127.0.0.1"), qPrintable(alert));
    QVERIFY2(alert.contains("EventOutcomeIndicator=\"4\""), qPrintable(alert));
    QCOMPARE(added[1].toObject()["studyUid"].toString(), m_study);
    QCOMPARE(added[1].toObject()["event"].toString(), QString("Received (store:ct-room)"));
    QVERIFY(added[1].toObject()["xml"].toString().contains(QString::number(files.size()) + " instance(s)"));
}

QTEST_GUILESS_MAIN(AuditNetworkTest)
#include "test_audit_network.moc"
