// The audit trail reaches a real Audit Record Repository: rsyslog with rsyslog-gnutls, started on
// loopback with TLS (a throw-away CA), receiving RFC 5425 octet-counted RFC 5424 messages. Every
// record arrives once, with its DICOM audit message and its sequence number; while the repository
// is stopped the records wait on the disk; `lightbox listen` (the long-running forwarder) is
// killed with SIGKILL meanwhile; once both are back, nothing is missing and nothing came twice.
#include "orthanc_fixture.h"
#include "test_certificates.h"
#include "test_support.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace lightbox::test;

class AuditForwardTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void everyRecordArrivesOnce();
    void nothingLostNothingTwiceAcrossOutagesAndKills();

private:
    bool startRepository();
    void stopRepository();
    ProcessResult lb(const QStringList& args, const QByteArray& input = {});
    QList<qint64> trailSeqs();
    QMap<qint64, int> receivedSeqs();
    QTemporaryDir m_tmp;
    TestCertificates m_certs;
    QProcess m_rsyslog;
    int m_port = 0;
};

ProcessResult AuditForwardTest::lb(const QStringList& args, const QByteArray& input)
{
    QStringList all = args;
    if (!args.startsWith("users") || args.value(1) != "add" || QFile::exists(m_tmp.path() + "/security/accounts.sqlite")) {
        all.insert(1, "boss");
        all.insert(1, "--user");
    }
    return runWith(lightboxExe(), all, {{"LIGHTBOX_SECURITY_DIR", m_tmp.path() + "/security"}, {"LIGHTBOX_PASSWORD", "administrator 1"}}, input, 60000);
}

bool AuditForwardTest::startRepository()
{
    const QString dir = m_tmp.path() + "/rsyslog";
    QDir().mkpath(dir + "/work");
    QFile conf(dir + "/rsyslog.conf");
    if (!conf.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
    conf.write(QString(R"(global(workDirectory="%1/work"
       DefaultNetstreamDriver="gtls"
       DefaultNetstreamDriverCAFile="%2"
       DefaultNetstreamDriverCertFile="%3"
       DefaultNetstreamDriverKeyFile="%4")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
input(type="imtcp" port="%5" address="127.0.0.1")
template(name="raw" type="string" string="%structured-data% %msg%\n")
action(type="omfile" file="%1/received.log" template="raw")
)")
                   .arg(dir, m_certs.caCert, m_certs.serverCert, m_certs.serverKey)
                   .arg(m_port)
                   .toUtf8());
    conf.close();
    m_rsyslog.setProcessChannelMode(QProcess::MergedChannels);
    const QString rsyslogd = QStandardPaths::findExecutable("rsyslogd", {"/usr/sbin", "/sbin", "/usr/bin"});
    m_rsyslog.start(rsyslogd, {"-n", "-f", dir + "/rsyslog.conf", "-i", dir + "/rsyslog.pid"});
    if (!m_rsyslog.waitForStarted()) return false;
    // Listening once a connection is accepted.
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 15000) {
        QTcpSocket probe;
        probe.connectToHost("127.0.0.1", quint16(m_port));
        if (probe.waitForConnected(200)) return true;
        if (m_rsyslog.state() != QProcess::Running) break;
        QTest::qWait(100);
    }
    qWarning() << m_rsyslog.readAll();
    return false;
}

void AuditForwardTest::stopRepository()
{
    m_rsyslog.terminate();
    m_rsyslog.waitForFinished(15000);
}

QList<qint64> AuditForwardTest::trailSeqs()
{
    QList<qint64> out;
    const ProcessResult r = lb({"audit", "show", "--format", "json"});
    for (const auto& v : QJsonDocument::fromJson(r.out).array()) out << qint64(v.toObject()["seq"].toDouble());
    return out;
}

QMap<qint64, int> AuditForwardTest::receivedSeqs()
{
    QMap<qint64, int> seen;
    QFile f(m_tmp.path() + "/rsyslog/received.log");
    if (!f.open(QIODevice::ReadOnly)) return seen;
    static const QRegularExpression seq("^\\[lightbox@32473 seq=\"(\\d+)\"");
    for (const QByteArray& line : f.readAll().split('\n')) {
        const auto m = seq.match(QString::fromUtf8(line));
        if (m.hasMatch()) ++seen[m.captured(1).toLongLong()];
    }
    return seen;
}

void AuditForwardTest::initTestCase()
{
    QVERIFY2(!QStandardPaths::findExecutable("rsyslogd", {"/usr/sbin", "/sbin", "/usr/bin"}).isEmpty(), "rsyslog is not installed");
    QVERIFY2(QFile::exists("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so"), "rsyslog-gnutls is not installed");
    m_certs = makeTestCertificates(m_tmp.path() + "/certs");
    QVERIFY2(m_certs.ok, qPrintable(m_certs.error));
    m_port = freePort();
    QVERIFY(startRepository());
    QVERIFY(lb({"users", "add", "boss", "--role", "administrator"}, "administrator 1\n").ok());
    const ProcessResult set = lb({"audit", "repository", "127.0.0.1:" + QString::number(m_port), "--ca", m_certs.caCert});
    QVERIFY2(set.ok(), set.err.constData());
}

void AuditForwardTest::cleanupTestCase() { stopRepository(); }

void AuditForwardTest::everyRecordArrivesOnce()
{
    QVERIFY(lb({"users", "list"}).ok());
    QVERIFY(lb({"config", "set", "aet", "READER2", "--config", m_tmp.path() + "/lightbox.json"}).ok());
    // Each command forwards what is new when it ends; the last one's own end is sent by the next.
    const QList<qint64> trail = trailSeqs();
    QVERIFY(trail.size() > 8);
    QTRY_VERIFY_WITH_TIMEOUT(receivedSeqs().contains(trail.last()), 15000);
    const QMap<qint64, int> got = receivedSeqs();
    for (qint64 s : trail) QVERIFY2(got.value(s) == 1, qPrintable(QString("record %1 arrived %2 times").arg(s).arg(got.value(s))));
    // The message is the DICOM audit message, whole.
    QFile f(m_tmp.path() + "/rsyslog/received.log");
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray all = f.readAll();
    QVERIFY(all.contains("<EventID csd-code=\"110113\" codeSystemName=\"DCM\" originalText=\"Security Alert\"/>"));
    QVERIFY(all.contains("</AuditMessage>"));
}

void AuditForwardTest::nothingLostNothingTwiceAcrossOutagesAndKills()
{
    // The long-running forwarder.
    QProcess listen;
    auto startListen = [&] {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("LIGHTBOX_SECURITY_DIR", m_tmp.path() + "/security");
        env.insert("LIGHTBOX_PASSWORD", "administrator 1");
        listen.setProcessEnvironment(env);
        listen.setProcessChannelMode(QProcess::MergedChannels);
        listen.start(lightboxExe(), {"listen", "--user", "boss", "--port", QString::number(freePort()), "--cache", m_tmp.path() + "/cache",
                                     "--config", m_tmp.path() + "/lightbox.json"});
        return listen.waitForStarted();
    };
    QVERIFY(startListen());
    QByteArray said;
    QTRY_VERIFY2_WITH_TIMEOUT((said += listen.readAll()).contains("listening"), said.constData(), 15000);
    // The repository goes down; records made meanwhile wait.
    stopRepository();
    for (int i = 0; i < 3; ++i) QVERIFY(lb({"users", "list"}).ok());
    const qint64 whileDown = trailSeqs().last();
    QVERIFY(!receivedSeqs().contains(whileDown));
    // The forwarder is killed, the repository comes back, then the forwarder.
    ::kill(pid_t(listen.processId()), SIGKILL);
    listen.waitForFinished();
    QVERIFY(startRepository());
    QVERIFY(startListen());
    const QList<qint64> trail = trailSeqs();  // as of now; the listener forwards every 5 s
    QTRY_VERIFY_WITH_TIMEOUT(receivedSeqs().contains(trail.last()), 30000);
    listen.terminate();
    listen.waitForFinished(15000);
    const QMap<qint64, int> got = receivedSeqs();
    for (qint64 s : trail) QVERIFY2(got.value(s) == 1, qPrintable(QString("record %1 arrived %2 times").arg(s).arg(got.value(s))));
    // The killed listener never wrote its Application Stop: no gap in the numbers either way.
    QCOMPARE(trail.size(), int(trail.last()));
}

QTEST_GUILESS_MAIN(AuditForwardTest)
#include "test_audit_forward.moc"
