// One way in, one way to open, across processes, with the real pieces: DCMTK's dcmsend pushing to
// `lightbox listen`, two `lightbox import` processes storing the same instances at once, and the
// GUI (`lightbox --read`) holding a study while another process evicts to zero, then SIGKILLed.
//  - Pushed studies larger together than the quota: the cache ends within it, the newest whole.
//  - A pushed file whose Series Instance UID is "../../x" is refused, reported, and writes nothing
//    outside the cache.
//  - Two writers of the same SOP Instances (different bytes) never leave a file whose bytes differ
//    from the recorded SHA-256.
//  - A caller that connects and says nothing does not hold the next callers back.
//  - A study open in reading windows of another process is never evicted; its lease dies with it.
#include "dicom_copies.h"
#include "orthanc_fixture.h"
#include "test_support.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace lightbox::test;

namespace {

QJsonArray studiesJson(const QString& cache)
{
    return QJsonDocument::fromJson(run(lightboxExe(), {"studies", "--cache", cache, "--json"}).out).array();
}

int instancesOf(const QString& cache, const QString& study)
{
    for (const QJsonValue& s : studiesJson(cache))
        if (s.toObject()["studyInstanceUid"].toString() == study) return s.toObject()["instanceCount"].toInt();
    return 0;
}

qint64 cacheBytes(const QString& cache)
{
    return qint64(QJsonDocument::fromJson(run(lightboxExe(), {"cache", "stats", "--cache", cache, "--json"}).out).object()["bytes"].toDouble());
}

qint64 totalSize(const QStringList& files)
{
    qint64 n = 0;
    for (const QString& f : files) n += QFileInfo(f).size();
    return n;
}

int successes(const ProcessResult& r)
{
    const QRegularExpressionMatch m = QRegularExpression("with status SUCCESS\\s*:\\s*(\\d+)").match(QString::fromUtf8(r.out + r.err));
    return m.hasMatch() ? m.captured(1).toInt() : -1;
}

// `lightbox listen` as a child process, stopped on destruction.
class Listener {
public:
    Listener(const QString& cache, const QString& config, int port, const QString& aet) : m_port(port), m_aet(aet)
    {
        m_peersAllowed = allowLocalPeers(config, {"DCMSEND", "ECHOSCU"});
        m_process.start(lightboxExe(), {"listen", "--port", QString::number(port), "--aet", aet, "--cache", cache, "--config", config});
    }
    ~Listener()
    {
        if (m_process.state() == QProcess::NotRunning) return;
        ::kill(pid_t(m_process.processId()), SIGTERM);
        m_process.waitForFinished(20000);
    }
    bool waitReady()
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 20000 && m_process.state() != QProcess::NotRunning) {
            m_process.waitForReadyRead(200);
            m_out += m_process.readAllStandardOutput();
            if (m_out.contains("listening as")) return m_peersAllowed;
        }
        return false;
    }
    QByteArray output()
    {
        m_out += m_process.readAllStandardOutput();
        return m_out;
    }
    ProcessResult send(const QStringList& files)
    {
        return run("dcmsend", QStringList{"-v", "-aec", m_aet, "127.0.0.1", QString::number(m_port)} + files, 120000);
    }

private:
    QProcess m_process;
    QByteArray m_out;
    bool m_peersAllowed = false;
    int m_port;
    QString m_aet;
};

}  // namespace

class OneWayInTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void pushedStudiesLargerThanTheQuota();
    void pushedIdentifierThatIsAPath();
    void twoWritersOfTheSameInstances();
    void aSilentCallerHoldsNobodyBack();
    void aStudyOpenInAnotherProcessIsNeverEvicted();

private:
    QTemporaryDir m_tmp;
    QStringList m_ct;
};

void OneWayInTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_ct = filesUnder(testDataDir() + "/ct/siemens-sensation10_chest_30sl");
    QCOMPARE(m_ct.size(), 30);
    for (const char* tool : {"dcmsend", "dcmconv", "echoscu"}) QVERIFY2(run(tool, {"--version"}).ok(), tool);
}

void OneWayInTest::pushedStudiesLargerThanTheQuota()
{
    const QString cache = m_tmp.path() + "/quota", config = m_tmp.path() + "/quota.json";
    // Three studies of ten CT slices; the quota holds two of them, not three.
    QStringList studies, folders;
    QList<QStringList> files;
    for (int i = 0; i < 3; ++i) {
        studies << newUid();
        files << copyWithNewUids(m_ct.mid(i * 10, 10), m_tmp.path() + QStringLiteral("/quota-src/%1").arg(i), studies.back(), "QUOTA-1");
        QCOMPARE(files.back().size(), 10);
    }
    const qint64 quota = totalSize(files[0]) + totalSize(files[1]) + totalSize(files[2]) / 2;
    const ProcessResult set = run(lightboxExe(), {"cache", "quota", "--max-size", QString::number(quota), "--min-free", "0", "--cache", cache});
    QVERIFY2(set.ok(), set.err.constData());
    Listener listener(cache, config, freePort(), "LB-QUOTA");
    QVERIFY(listener.waitReady());
    for (int i = 0; i < 3; ++i) {
        const ProcessResult sent = listener.send(files[i]);
        QCOMPARE(successes(sent), 10);
    }
    // Within the quota once the arrivals are over; the newest study (and the one before, which
    // still fits) whole, the oldest evicted.
    QTRY_VERIFY_WITH_TIMEOUT(cacheBytes(cache) <= quota && instancesOf(cache, studies[0]) == 0, 30000);
    QCOMPARE(instancesOf(cache, studies[2]), 10);
    QCOMPARE(instancesOf(cache, studies[1]), 10);
    const ProcessResult v = run(lightboxExe(), {"cache", "verify", "--cache", cache});
    QVERIFY2(v.ok(), v.out.constData());
    QVERIFY(v.out.contains("0 missing, 0 modified, 0 unreferenced"));
}

void OneWayInTest::pushedIdentifierThatIsAPath()
{
    const QString root = m_tmp.path() + "/paths", cache = root + "/deep/cache";
    const QString bad = root + "/src/bad.dcm";
    QVERIFY(QDir().mkpath(root + "/src"));
    QVERIFY(QFile::copy(m_ct.front(), bad));
    QFile(bad).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    QVERIFY(run("dcmodify", {"-nb", "-m", "(0020,000e)=../../x", "-gin", bad}).ok());
    const QStringList before = filesUnder(root);
    Listener listener(cache, root + "/config.json", freePort(), "LB-PATHS");
    QVERIFY(listener.waitReady());
    const ProcessResult sent = listener.send({bad});
    QVERIFY2(sent.err.contains("* with status ERROR    : 1") && sent.err.contains("Error: CannotUnderstand"), sent.err.constData());
    // Reported by the listener with the reason, and nothing stored.
    QTRY_VERIFY_WITH_TIMEOUT(listener.output().contains("refused "), 10000);
    QVERIFY2(listener.output().contains("Series Instance UID \"../../x\" is not a valid UID"), listener.output().constData());
    QVERIFY(studiesJson(cache).isEmpty());
    // Nothing written outside the cache folder (in particular no "x" two levels above anything).
    QStringList after = filesUnder(root);
    after.erase(std::remove_if(after.begin(), after.end(), [&](const QString& f) { return f.startsWith(cache + "/") || f == root + "/config.json"; }),
                after.end());
    QCOMPARE(after, before);
    QVERIFY(!QFileInfo::exists(root + "/x") && !QFileInfo::exists(root + "/deep/x") && !QFileInfo::exists(cache + "/x"));
}

void OneWayInTest::twoWritersOfTheSameInstances()
{
    // The same 30 SOP Instances in two encodings (different bytes): DCMTK's dcmconv writes them.
    const QString explicitDir = m_tmp.path() + "/writers/explicit", implicitDir = m_tmp.path() + "/writers/implicit";
    QVERIFY(QDir().mkpath(explicitDir) && QDir().mkpath(implicitDir));
    for (const QString& f : m_ct) {
        const QString name = QFileInfo(f).fileName();
        QVERIFY(run("dcmconv", {"+te", f, explicitDir + "/" + name}).ok());
        QVERIFY(run("dcmconv", {"+ti", f, implicitDir + "/" + name}).ok());
        QVERIFY(QFileInfo(explicitDir + "/" + name).size() != QFileInfo(implicitDir + "/" + name).size());
    }
    const QString cache = m_tmp.path() + "/writers/cache";
    for (int round = 0; round < 6; ++round) {
        // Both at once, each importing the whole series in small batches.
        QProcess a, b;
        a.start(lightboxExe(), {"import", "--cache", cache, "--quiet", "--threads", "1", round % 2 ? implicitDir : explicitDir});
        b.start(lightboxExe(), {"import", "--cache", cache, "--quiet", "--threads", "1", round % 2 ? explicitDir : implicitDir});
        QVERIFY(a.waitForFinished(120000) && b.waitForFinished(120000));
        for (QProcess* p : {&a, &b}) {
            const QByteArray said = p->readAllStandardOutput() + p->readAllStandardError();
            QVERIFY2(p->exitStatus() == QProcess::NormalExit && p->exitCode() == 0, said.constData());
        }
        const QJsonArray studies = studiesJson(cache);
        QCOMPARE(studies.size(), 1);
        QCOMPARE(studies[0].toObject()["instanceCount"].toInt(), 30);
        // Every stored file is the one whose hash the index records.
        const ProcessResult v = run(lightboxExe(), {"cache", "verify", "--cache", cache});
        QVERIFY2(v.ok(), qPrintable(QStringLiteral("round %1: %2").arg(round).arg(QString::fromUtf8(v.out))));
        QVERIFY(v.out.contains("checked 30 instances: 0 missing, 0 modified, 0 unreferenced"));
        QVERIFY(run(lightboxExe(), {"cache", "delete", studies[0].toObject()["studyInstanceUid"].toString(), "--cache", cache}).ok());
    }
}

void OneWayInTest::aSilentCallerHoldsNobodyBack()
{
    const int port = freePort();
    Listener listener(m_tmp.path() + "/silent", m_tmp.path() + "/silent.json", port, "LB-SILENT");
    QVERIFY(listener.waitReady());
    // Connected, and never a word: the association request never comes.
    QTcpSocket silent;
    silent.connectToHost("127.0.0.1", quint16(port));
    QVERIFY(silent.waitForConnected(5000));
    // Others are answered well within their 10 s, one after another.
    for (int i = 0; i < 3; ++i) {
        const ProcessResult echo = run("echoscu", {"-aec", "LB-SILENT", "-ta", "10", "127.0.0.1", QString::number(port)}, 30000);
        QVERIFY2(echo.ok(), echo.err.constData());
    }
}

void OneWayInTest::aStudyOpenInAnotherProcessIsNeverEvicted()
{
    // Run under an X server (the GUI needs OpenGL): the test is labelled gl.
    QVERIFY2(!qEnvironmentVariable("DISPLAY").isEmpty(), "needs DISPLAY (tests/run_all.sh starts Xvfb)");
    const QString cache = m_tmp.path() + "/leases";
    QStringList studies;
    for (int i = 0; i < 3; ++i) {
        studies << newUid();
        const QStringList files = copyWithNewUids(m_ct.mid(i * 10, 10), m_tmp.path() + QStringLiteral("/leases-src/%1").arg(i), studies.back(), "LEASE-1");
        QVERIFY(run(lightboxExe(), QStringList{"import", "--cache", cache, "--quiet"} + files).ok());
    }
    // The oldest study is opened in reading windows of another Lightbox.
    QProcess reader;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove("QT_QPA_PLATFORM");
    env.insert("LIGHTBOX_CONFIG", m_tmp.path() + "/leases.json");
    env.insert("HOME", m_tmp.path() + "/leases-home");
    reader.setProcessEnvironment(env);
    reader.start(lightboxExe(), {"--cache", cache, "--read", studies[0]});
    QVERIFY(reader.waitForStarted());
    auto leased = [&] {
        const QJsonArray rows = QJsonDocument::fromJson(run(lightboxExe(), {"cache", "leases", "--cache", cache, "--json"}).out).array();
        for (const QJsonValue& r : rows)
            if (r.toObject()["studyInstanceUid"].toString() == studies[0] && r.toObject()["purpose"].toString() == "reading" &&
                qint64(r.toObject()["pid"].toDouble()) == reader.processId())
                return true;
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(leased(), 60000);
    // Opened through the one way to open: "last opened" is recorded.
    bool opened = false;
    for (const QJsonValue& s : studiesJson(cache))
        if (s.toObject()["studyInstanceUid"].toString() == studies[0]) opened = s.toObject()["lastOpened"].toDouble() > 0;
    QVERIFY(opened);

    // Evict to zero from this process: the open study stays, the rest goes; deleting it is refused.
    ProcessResult evict = run(lightboxExe(), {"cache", "evict", "--to-size", "0", "--cache", cache});
    QCOMPARE(evict.exitCode, 1);
    QVERIFY2(evict.out.contains("kept " + studies[0].toUtf8()), evict.out.constData());
    QCOMPARE(instancesOf(cache, studies[0]), 10);
    QCOMPARE(instancesOf(cache, studies[1]), 0);
    QCOMPARE(instancesOf(cache, studies[2]), 0);
    const ProcessResult del = run(lightboxExe(), {"cache", "delete", studies[0], "--cache", cache});
    QCOMPARE(del.exitCode, 1);
    QVERIFY2(del.err.contains("is in use by Lightbox process " + QByteArray::number(reader.processId()) + " (reading)"), del.err.constData());

    // The reader is killed: its lease dies with it and eviction proceeds.
    ::kill(pid_t(reader.processId()), SIGKILL);
    QVERIFY(reader.waitForFinished(10000));
    evict = run(lightboxExe(), {"cache", "evict", "--to-size", "0", "--cache", cache});
    QVERIFY2(evict.ok(), evict.out.constData());
    QVERIFY(studiesJson(cache).isEmpty());
    QVERIFY(QJsonDocument::fromJson(run(lightboxExe(), {"cache", "leases", "--cache", cache, "--json"}).out).array().isEmpty());
}

QTEST_GUILESS_MAIN(OneWayInTest)
#include "test_one_way_in.moc"
