// When the disk refuses writes: `lightbox import` and the storage listener (`lightbox listen`) run
// with a file-size limit (RLIMIT_FSIZE, 256 KiB: the 512x512 CT slices cannot be written, the
// 72 KB JPEG-LS MR slices can), so every write of a large file fails mid-way as it would on a full
// disk. Nothing crashes, each refused instance is named with the reason, the sender of a refused
// C-STORE is not told "stored", the listener keeps serving, `cache verify` finds the cache whole
// with nothing left in tmp/, exactly what fits under the limit (the MR slices) is stored and nothing
// else, and once writes succeed again the same commands complete the set.
#include "dicom_copies.h"
#include "orthanc_fixture.h"
#include "test_support.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace lightbox::test;

namespace {

// `lightbox ARGS` with writes of files over 256 KiB refused (SIGXFSZ ignored: write() fails with EFBIG).
QStringList limited(const QStringList& args)
{
    QStringList quoted;
    for (const QString& a : args) quoted << "'" + QString(a).replace("'", "'\\''") + "'";
    return {"-c", "trap '' XFSZ; ulimit -f 256; exec '" + lightboxExe() + "' " + quoted.join(' ')};
}

int cachedCount(const QString& cache)
{
    const ProcessResult r = run(lightboxExe(), {"studies", "--cache", cache, "--json"});
    int n = 0;
    for (const QJsonValue& s : QJsonDocument::fromJson(r.out).array()) n += s.toObject()["instanceCount"].toInt();
    return n;
}

// SOP Instance UIDs, sorted: of the files given, or the UIDs themselves.
QStringList sopSet(const QStringList& filesOrUids)
{
    QStringList out;
    for (const QString& f : filesOrUids) out << (QFileInfo::exists(f) ? sopInstanceUid(f) : f);
    out.sort();
    return out;
}

bool tmpIsEmpty(const QString& cache) { return QDir(cache + "/tmp").entryList(QDir::Files | QDir::NoDotAndDotDot).isEmpty(); }

}  // namespace

class DiskRefusesWritesTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void importNamesWhatItCouldNotStore();
    void listenerRefusesAndKeepsServing();
    void retrieveIntoARefusingDisk_data();
    void retrieveIntoARefusingDisk();

private:
    QTemporaryDir m_tmp;
    QStringList m_ct, m_mr;
};

void DiskRefusesWritesTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_ct = filesUnder(testDataDir() + "/ct/siemens-sensation10_chest_30sl");
    m_mr = filesUnder(testDataDir() + "/compressed-series/siemens-trio_mr_4sl_jpeg-ls");
    QCOMPARE(m_ct.size(), 30);
    QCOMPARE(m_mr.size(), 4);
}

void DiskRefusesWritesTest::importNamesWhatItCouldNotStore()
{
    const QString cache = m_tmp.path() + "/import";
    // The cache is made first, with room for its index: the limit below is for the images.
    QVERIFY(run(lightboxExe(), {"cache", "stats", "--cache", cache}).ok());
    const ProcessResult r = run("bash", limited(QStringList{"import", "--cache", cache} + m_mr + m_ct), 120000);
    QVERIFY2(!r.crashed, r.err.constData());
    QCOMPARE(r.exitCode, 1);  // some DICOM files were not stored
    QVERIFY2(r.out.contains("imported 4, already present 0, rejected 30"), r.out.constData());
    QCOMPARE(r.out.count("File too large"), 30);
    // Whole: what is indexed is complete, nothing half-written is left behind.
    const ProcessResult v = run(lightboxExe(), {"cache", "verify", "--cache", cache});
    QVERIFY2(v.ok(), v.out.constData());
    QVERIFY(v.out.contains("0 missing, 0 modified, 0 unreferenced"));
    QVERIFY(tmpIsEmpty(cache));
    QCOMPARE(cachedCount(cache), 4);
    // Room again: the same import completes the set.
    const ProcessResult again = run(lightboxExe(), QStringList{"import", "--cache", cache, "--quiet"} + m_mr + m_ct, 120000);
    QVERIFY2(again.ok(), again.out.constData());
    QVERIFY(again.out.contains("imported 30, already present 4, rejected 0"));
    QCOMPARE(cachedCount(cache), 34);
}

// dcmsend's count of C-STOREs answered with success ("* with status SUCCESS : N" with -v).
int successes(const ProcessResult& r)
{
    const QString text = QString::fromUtf8(r.out + r.err);
    const QRegularExpressionMatch m = QRegularExpression("with status SUCCESS\\s*:\\s*(\\d+)").match(text);
    return m.hasMatch() ? m.captured(1).toInt() : 0;
}

void DiskRefusesWritesTest::listenerRefusesAndKeepsServing()
{
    const QString cache = m_tmp.path() + "/listen", config = m_tmp.path() + "/listen.json";
    const int port = freePort();
    const QStringList listen{"listen", "--port", QString::number(port), "--aet", "LB-FULL", "--cache", cache, "--config", config};
    // The cache is made first, with room for its index: the limit below is for the images.
    QVERIFY(run(lightboxExe(), {"cache", "stats", "--cache", cache}).ok());
    QVERIFY(allowLocalPeers(config, {"DCMSEND"}));
    QProcess listener;
    listener.start("bash", limited(listen));
    QVERIFY(listener.waitForStarted());
    QByteArray out;
    QTRY_VERIFY_WITH_TIMEOUT((out += listener.readAllStandardOutput()).contains("listening as LB-FULL"), 15000);
    const QString ctStudy = newUid(), mrStudy = newUid();
    const QStringList ct = copyWithNewUids(m_ct.mid(0, 3), m_tmp.path() + "/ct", ctStudy);
    const QStringList mr = copyWithNewUids(m_mr, m_tmp.path() + "/mr", mrStudy);
    auto send = [&](const QStringList& files) {
        return run("dcmsend", QStringList{"-v", "-aec", "LB-FULL", "127.0.0.1", QString::number(port)} + files, 60000);
    };
    // The CT slices cannot be written: none is acknowledged, none is in the cache.
    const ProcessResult refused = send(ct);
    QCOMPARE(successes(refused), 0);
    QVERIFY2(QString::fromUtf8(refused.out + refused.err).contains("REFUSED"), refused.out.constData());
    QCOMPARE(listener.state(), QProcess::Running);
    // The listener still serves: the four small slices fit under the limit, so all four are
    // acknowledged and stored, and nothing else is.
    const ProcessResult small = send(mr);
    QCOMPARE(listener.state(), QProcess::Running);
    QCOMPARE(successes(small), 4);
    ::kill(pid_t(listener.processId()), SIGTERM);
    QVERIFY(listener.waitForFinished(20000));
    QCOMPARE(listener.exitStatus(), QProcess::NormalExit);
    out += listener.readAllStandardOutput();
    QVERIFY2(out.contains("stored 4, already present 0"), out.constData());
    QCOMPARE(cachedInstances(cache, ctStudy).size(), 0);
    QCOMPARE(sopSet(cachedInstances(cache, mrStudy).keys()), sopSet(mr));
    QCOMPARE(cachedCount(cache), 4);
    const ProcessResult v = run(lightboxExe(), {"cache", "verify", "--cache", cache});
    QVERIFY2(v.ok(), v.out.constData());
    QVERIFY(tmpIsEmpty(cache));
    // Room again: the senders try again and everything is stored.
    QProcess again;
    again.start(lightboxExe(), listen);
    QVERIFY(again.waitForStarted());
    out.clear();
    QTRY_VERIFY_WITH_TIMEOUT((out += again.readAllStandardOutput()).contains("listening as LB-FULL"), 15000);
    QCOMPARE(successes(send(ct)), 3);
    QCOMPARE(successes(send(mr)), 4);
    ::kill(pid_t(again.processId()), SIGTERM);
    QVERIFY(again.waitForFinished(20000));
    QCOMPARE(cachedInstances(cache, ctStudy).size(), 3);
    QCOMPARE(cachedInstances(cache, mrStudy).size(), 4);
    QVERIFY(run(lightboxExe(), {"cache", "verify", "--cache", cache}).ok());
}

void DiskRefusesWritesTest::retrieveIntoARefusingDisk_data()
{
    QTest::addColumn<QString>("method");
    QTest::newRow("C-GET") << "get";
    QTest::newRow("C-MOVE") << "move";
    QTest::newRow("WADO-RS") << "wado";
}

void DiskRefusesWritesTest::retrieveIntoARefusingDisk()
{
    QFETCH(QString, method);
    const int storagePort = freePort();
    OrthancOptions oo;
    oo.lightboxPort = storagePort;
    OrthancServer orthanc(oo);
    QString error;
    QVERIFY2(orthanc.start(&error), qPrintable(error));
    // One study: 3 CT slices (too large to write) and 4 MR slices.
    const QString study = newUid();
    const QStringList files = copyWithNewUids(m_ct.mid(0, 3), m_tmp.path() + "/r-" + method + "/ct", study, "LB-FULL") +
                              copyWithNewUids(m_mr, m_tmp.path() + "/r-" + method + "/mr", study, "LB-FULL");
    QCOMPARE(orthanc.upload(files), 7);
    const QString config = m_tmp.path() + "/r-" + method + ".json", cache = m_tmp.path() + "/r-" + method + "-cache";
    QVERIFY(run(lightboxExe(), {"archive", "add", "orthanc", "--aet", "ORTHANC", "--host", "127.0.0.1", "--port", QString::number(orthanc.dicomPort()),
                                "--dicomweb", orthanc.dicomWebUrl(), "--config", config}).ok());
    QVERIFY(run(lightboxExe(), {"config", "set", "port", QString::number(storagePort), "--config", config}).ok());
    const QStringList retrieve{"retrieve", "--archive", "orthanc", "--study", study, "--method", method, "--attempts", "1", "--config", config, "--cache", cache};
    QVERIFY(run(lightboxExe(), {"cache", "stats", "--cache", cache}).ok());  // the index made with room, as above
    const ProcessResult cut = run("bash", limited(retrieve), 120000);
    QVERIFY2(!cut.crashed, cut.err.constData());
    QCOMPARE(cut.exitCode, 1);  // not every instance is in the cache
    // What fits under the limit (the four MR slices) is stored, the three CT slices are not.
    QVERIFY2(cut.out.contains("expected 7, already cached 0, received 4, missing 3"), (cut.out + cut.err).constData());
    const ProcessResult v = run(lightboxExe(), {"cache", "verify", "--cache", cache});
    QVERIFY2(v.ok(), v.out.constData());
    QVERIFY(tmpIsEmpty(cache));
    QCOMPARE(sopSet(cachedInstances(cache, study).keys()), sopSet(files.mid(3)));
    // Room again: the retrieve completes the set.
    const ProcessResult done = run(lightboxExe(), retrieve, 120000);
    QVERIFY2(done.ok(), (done.out + done.err).constData());
    QCOMPARE(cachedInstances(cache, study).size(), 7);
    orthanc.stop();
}

QTEST_GUILESS_MAIN(DiskRefusesWritesTest)
#include "test_disk_refuses_writes.moc"
