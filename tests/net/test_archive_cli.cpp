// The archive commands end to end, as a user types them, against a real Orthanc: archive
// add/list/remove with the password sealed in the settings file, config set, echo, find (with
// "cached" marks), retrieve by C-GET, C-MOVE and WADO-RS into empty and partly filled caches
// (resume), only the asked series of a four-series study (--series), send by C-STORE and STOW-RS,
// and the foreground storage listener.
#include "dicom_copies.h"
#include "orthanc_fixture.h"
#include "study_writer.h"
#include "test_support.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace lightbox;
using namespace lightbox::test;

class ArchiveCliTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void addListRemoveWithSealedSecrets();
    void echoAndFind();
    void retrieveByEveryMethod_data();
    void retrieveByEveryMethod();
    void retrieveResumesAPartlyCachedStudy();
    void retrieveOnlyTheAskedSeries_data();
    void retrieveOnlyTheAskedSeries();
    void sendByStoreAndStow();
    void listenInTheForeground();
    void aPeerNotTrustedForPriorsIsNoPrior();
    void usageErrors();

private:
    ProcessResult lb(const QStringList& args, const QString& cache = {}, const QByteArray& input = {}, const QList<QPair<QString, QString>>& env = {});
    QJsonArray findJson(const QString& cache, const QString& patientId);

    QTemporaryDir m_tmp;
    QString m_config;
    std::unique_ptr<OrthancServer> m_orthanc;
    int m_port = 0;
    QString m_ctStudy;
    QStringList m_ct;
    QString m_multiStudy;                // four series (new UIDs): the CT, the MR, two compressed MR
    QList<QStringList> m_multiSeries;
};

namespace {

// The Series Instance UID of a file, read by dcmdump; empty if it cannot be read.
QString seriesUid(const QString& file)
{
    const ProcessResult r = run("dcmdump", {"-q", "+P", "0020,000e", file});
    return r.ok() ? QString::fromUtf8(r.out).section('[', 1).section(']', 0, 0) : QString();
}

}  // namespace

void ArchiveCliTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_config = m_tmp.path() + "/lightbox.json";
    m_port = freePort();
    OrthancOptions oo;
    oo.lightboxPort = m_port;
    oo.user = "reader";
    oo.password = "pa ss:wörd";
    m_orthanc = std::make_unique<OrthancServer>(oo);
    QString error;
    QVERIFY2(m_orthanc->start(&error), qPrintable(error));
    m_ctStudy = newUid();
    m_ct = copyWithNewUids(filesUnder(testDataDir() + "/ct/siemens-sensation10_chest_30sl"), m_tmp.path() + "/ct", m_ctStudy, "LB-CLI-CT");
    QCOMPARE(m_orthanc->upload(m_ct), 30);
    m_multiStudy = newUid();
    int n = 0;
    for (const char* folder : {"ct/siemens-sensation10_chest_30sl", "mr/siemens-verio_brain-t1post_24sl", "compressed-series/siemens-trio_mr_4sl_jpeg-ls",
                              "compressed-series/siemens-trio_mr_4sl_rle"}) {
        const QStringList files = filesUnder(testDataDir() + "/" + folder);
        m_multiSeries << copyWithNewUids(files, m_tmp.path() + QStringLiteral("/multi/%1").arg(n++), m_multiStudy, "LB-CLI-MULTI");
        QCOMPARE(m_multiSeries.back().size(), files.size());
        QCOMPARE(m_orthanc->upload(m_multiSeries.back()), int(files.size()));
    }
    QSet<QString> series;
    for (const QStringList& s : m_multiSeries) series.insert(seriesUid(s.front()));
    QCOMPARE(series.size(), 4);
    QVERIFY(!series.contains(QString()));
    ProcessResult r = lb({"archive", "add", "orthanc", "--aet", "ORTHANC", "--host", "127.0.0.1", "--port", QString::number(m_orthanc->dicomPort()),
                          "--dicomweb", m_orthanc->dicomWebUrl(), "--user", "reader", "--password-stdin", "--timeout", "15"},
                          {}, "pa ss:wörd\n");
    QVERIFY2(r.ok(), r.err.constData());
    r = lb({"config", "set", "port", QString::number(m_port)});
    QVERIFY2(r.ok(), r.err.constData());
}

void ArchiveCliTest::cleanupTestCase()
{
    if (m_orthanc) m_orthanc->stop();
}

// Secrets are sealed into the settings file here (no key store: LIGHTBOX_KEY_STORE=off, so a
// desktop's own keyring is never touched); test_key_store covers the key store.
ProcessResult ArchiveCliTest::lb(const QStringList& args, const QString& cache, const QByteArray& input, const QList<QPair<QString, QString>>& env)
{
    QStringList all = args + QStringList{"--config", m_config};
    if (!cache.isEmpty()) all << "--cache" << cache;
    return runWith(lightboxExe(), all, QList<QPair<QString, QString>>{{"LIGHTBOX_KEY_STORE", "off"}} + env, input, 120000);
}

QJsonArray ArchiveCliTest::findJson(const QString& cache, const QString& patientId)
{
    const ProcessResult r = lb({"find", "--archive", "orthanc", "--patient-id", patientId, "--json"}, cache);
    if (!r.ok()) qWarning("find: %s", r.err.constData());
    return QJsonDocument::fromJson(r.out).array();
}

void ArchiveCliTest::addListRemoveWithSealedSecrets()
{
    // The password is not in the settings file; the key beside it is for the user only.
    QFile f(m_config);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray text = f.readAll();
    QVERIFY(!text.contains("pa ss"));
    QVERIFY(text.contains("\"password\": \"v1:"));
    QCOMPARE(QFileInfo(m_config + ".key").permissions() & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther), QFile::Permissions());
    ProcessResult r = lb({"archive", "list", "--json"});
    QVERIFY(r.ok());
    const QJsonArray list = QJsonDocument::fromJson(r.out).array();
    QCOMPARE(list.size(), 1);
    QCOMPARE(list[0].toObject()["dicomweb"].toObject()["auth"].toString(), QString("basic"));
    QVERIFY(!r.out.contains("pa ss"));
    // Another archive, then removed.
    QVERIFY(lb({"archive", "add", "web-only", "--dicomweb", "https://pacs.example.org/dicom-web"}, {}, {}, {{"LIGHTBOX_ARCHIVE_TOKEN", "t0k"}}).ok());
    r = lb({"archive", "list"});
    QVERIFY(r.out.contains("web-only") && r.out.contains("(token)") && !r.out.contains("t0k"));
    QVERIFY(lb({"archive", "remove", "web-only"}).ok());
    QVERIFY(!lb({"archive", "list"}).out.contains("web-only"));
    QCOMPARE(lb({"archive", "remove", "web-only"}).exitCode, 2);
}

void ArchiveCliTest::echoAndFind()
{
    ProcessResult r = lb({"echo", "--archive", "orthanc"});
    QVERIFY2(r.ok(), r.err.constData());
    QVERIFY(r.out.contains("succeeded"));
    const QString cache = m_tmp.path() + "/find-cache";
    const QJsonArray found = findJson(cache, "LB-CLI-CT");
    QCOMPARE(found.size(), 1);
    const QJsonObject s = found[0].toObject();
    QCOMPARE(s["studyInstanceUid"].toString(), m_ctStudy);
    QCOMPARE(s["instanceCount"].toInt(), 30);
    QCOMPARE(s["cached"].toString(), QString("no"));
    // The same keys as `lightbox studies --json`.
    for (const char* key : {"patientName", "patientId", "studyDate", "modalities", "seriesCount", "description"}) QVERIFY2(s.contains(key), key);
}

void ArchiveCliTest::retrieveByEveryMethod_data()
{
    QTest::addColumn<QString>("method");
    QTest::newRow("C-GET") << "get";
    QTest::newRow("C-MOVE") << "move";
    QTest::newRow("WADO-RS") << "wado";
}

void ArchiveCliTest::retrieveByEveryMethod()
{
    QFETCH(QString, method);
    const QString cache = m_tmp.path() + "/retrieve-" + method;
    ProcessResult r = lb({"retrieve", "--archive", "orthanc", "--study", m_ctStudy, "--method", method, "--quiet"}, cache);
    QVERIFY2(r.ok(), r.err.constData());
    QVERIFY2(r.out.contains("expected 30, already cached 0, received 30, missing 0"), r.out.constData());
    QCOMPARE(findJson(cache, "LB-CLI-CT")[0].toObject()["cached"].toString(), QString("yes"));
    // Pixel Data byte for byte.
    const auto files = cachedInstances(cache, m_ctStudy);
    QCOMPARE(files.size(), 30);
    for (const QString& o : m_ct) QCOMPARE(pixelDataBytes(files.value(sopInstanceUid(o))), pixelDataBytes(o));
    // Offline: the study opens from the cache (render a slice of it).
    const QString png = m_tmp.path() + "/" + method + ".png";
    QVERIFY(run(lightboxExe(), {"render", files.first(), "--out", png}).ok());
    // A second retrieve finds everything cached and asks nothing.
    r = lb({"retrieve", "--archive", "orthanc", "--study", m_ctStudy, "--method", method, "--quiet"}, cache);
    QVERIFY(r.ok());
    QVERIFY2(r.out.contains("already cached 30, received 0, missing 0"), r.out.constData());
}

void ArchiveCliTest::retrieveResumesAPartlyCachedStudy()
{
    const QString cache = m_tmp.path() + "/partial";
    QVERIFY(run(lightboxExe(), QStringList{"import", "--cache", cache, "--quiet"} + m_ct.mid(0, 12)).ok());
    ProcessResult r = lb({"retrieve", "--archive", "orthanc", "--study", m_ctStudy, "--quiet"}, cache);
    QVERIFY2(r.ok(), r.err.constData());
    QVERIFY2(r.out.contains("expected 30, already cached 12, received 18, missing 0"), r.out.constData());
}

void ArchiveCliTest::retrieveOnlyTheAskedSeries_data() { retrieveByEveryMethod_data(); }

void ArchiveCliTest::retrieveOnlyTheAskedSeries()
{
    QFETCH(QString, method);
    // A study of four series on the archive: --series twice brings those two, and nothing of the
    // other two.
    const QStringList& asked1 = m_multiSeries[1];
    const QStringList& asked2 = m_multiSeries[3];
    const QString cache = m_tmp.path() + "/series-" + method;
    const ProcessResult r = lb({"retrieve", "--archive", "orthanc", "--study", m_multiStudy, "--series", seriesUid(asked1.front()), "--series",
                                seriesUid(asked2.front()), "--method", method, "--quiet"},
                               cache);
    QVERIFY2(r.ok(), (r.out + r.err).constData());
    const int wanted = int(asked1.size() + asked2.size());
    QVERIFY2(r.out.contains(QStringLiteral("expected %1, already cached 0, received %1, missing 0").arg(wanted).toUtf8()), r.out.constData());
    const auto got = cachedInstances(cache, m_multiStudy);
    QCOMPARE(got.size(), wanted);
    for (const QString& f : asked1 + asked2) {
        QVERIFY2(got.contains(sopInstanceUid(f)), qPrintable(f));
        QCOMPARE(pixelDataBytes(got.value(sopInstanceUid(f))), pixelDataBytes(f));
    }
    for (const QString& f : m_multiSeries[0] + m_multiSeries[2]) QVERIFY2(!got.contains(sopInstanceUid(f)), qPrintable("not asked for: " + f));
}

void ArchiveCliTest::sendByStoreAndStow()
{
    const QString cache = m_tmp.path() + "/send";
    for (const QString& method : {QString("store"), QString("stow")}) {
        const QString study = newUid();
        const QStringList files = copyWithNewUids(filesUnder(testDataDir() + "/mr/siemens-verio_brain-t1post_24sl"), m_tmp.path() + "/send-" + method, study, "LB-SEND");
        QVERIFY(run(lightboxExe(), QStringList{"import", "--cache", cache, "--quiet"} + files).ok());
        const int before = m_orthanc->instanceCount();
        ProcessResult r = lb({"send", "--archive", "orthanc", "--study", study, "--method", method}, cache);
        QVERIFY2(r.ok(), r.err.constData());
        QVERIFY2(r.out.contains("sent 24 of 24"), r.out.constData());
        QCOMPARE(m_orthanc->instanceCount(), before + 24);
    }
    QCOMPARE(lb({"send", "--archive", "orthanc", "--study", "1.2.3.4"}, cache).exitCode, 1);  // not cached
}

void ArchiveCliTest::listenInTheForeground()
{
    const QString cache = m_tmp.path() + "/listen";
    const int port = freePort();
    // The modality is a known peer that may store (not echo); another is known only from elsewhere.
    QVERIFY(lb({"archive", "add", "mr-room", "--aet", "MR-ROOM", "--host", "localhost", "--accepts", "store"}).ok());
    QVERIFY(lb({"archive", "add", "far", "--aet", "FAR-AWAY", "--host", "192.0.2.10"}).ok());
    const ProcessResult shown = lb({"config", "show"});
    QVERIFY2(shown.out.contains("mr-room: MR-ROOM from localhost, may store"), shown.out.constData());
    QCOMPARE(lb({"archive", "add", "bad", "--aet", "B", "--host", "h", "--accepts", "find"}).exitCode, 2);  // Lightbox serves no queries
    QCOMPARE(lb({"find", "--archive", "mr-room"}).exitCode, 2);  // it only sends to us: nothing to call
    QProcess p;
    p.start(lightboxExe(), {"listen", "--port", QString::number(port), "--aet", "LB-LISTEN", "--config", m_config, "--cache", cache});
    QVERIFY(p.waitForStarted());
    QByteArray output;
    QTRY_VERIFY_WITH_TIMEOUT((output += p.readAllStandardOutput()).contains("listening as LB-LISTEN"), 10000);
    const QString study = newUid();
    const QStringList files = copyWithNewUids(filesUnder(testDataDir() + "/compressed-series/siemens-trio_mr_4sl_jpeg-ls"), m_tmp.path() + "/modality", study);
    // Refused: an unknown AE title, a known one from another address, an echo the peer may not ask for.
    ProcessResult unknown = run("dcmsend", QStringList{"-aec", "LB-LISTEN", "127.0.0.1", QString::number(port)} + files);
    QVERIFY(!unknown.ok());
    ProcessResult elsewhere = run("dcmsend", QStringList{"-aet", "FAR-AWAY", "-aec", "LB-LISTEN", "127.0.0.1", QString::number(port)} + files);
    QVERIFY(!elsewhere.ok());
    ProcessResult echo = run("echoscu", {"-aet", "MR-ROOM", "-aec", "LB-LISTEN", "127.0.0.1", QString::number(port)});
    QVERIFY(!echo.ok());
    QVERIFY(cachedInstances(cache, study).isEmpty());
    // dcmsend proposes each file's own (JPEG-LS) transfer syntax: kept as it is.
    ProcessResult s = run("dcmsend", QStringList{"-aet", "MR-ROOM", "-aec", "LB-LISTEN", "127.0.0.1", QString::number(port)} + files);
    QVERIFY2(s.ok(), s.err.constData());
    ::kill(pid_t(p.processId()), SIGTERM);
    QVERIFY(p.waitForFinished(20000));
    QCOMPARE(p.exitCode(), 0);
    output += p.readAllStandardOutput();
    QVERIFY2(output.contains("stored 4"), output.constData());
    QVERIFY2(output.contains("association from DCMSEND at 127.0.0.1 to LB-LISTEN refused: calling AE title DCMSEND from 127.0.0.1 is not a known peer"),
             output.constData());
    QVERIFY2(output.contains("calling AE title FAR-AWAY is known (far) but not from 127.0.0.1"), output.constData());
    QVERIFY2(output.contains("mr-room (MR-ROOM) asked only for services it is not allowed"), output.constData());
    const auto got = cachedInstances(cache, study);
    QCOMPARE(got.size(), 4);
    for (const QString& f : files) QCOMPARE(pixelDataBytes(got.value(sopInstanceUid(f))), pixelDataBytes(f));
}

void ArchiveCliTest::aPeerNotTrustedForPriorsIsNoPrior()
{
    // A peer that may store but is not trusted for priors pushes an older study under the same
    // patient ID and birth date as a study already here: the hanging protocol does not hang it as
    // the prior, and says so; once the administrator trusts the peer, it is the prior.
    const QString cache = m_tmp.path() + "/priors", config = m_tmp.path() + "/priors.json";
    auto on = [&](QStringList args) { return run(lightboxExe(), args << "--config" << config << "--cache" << cache, 120000); };
    QString error;
    const QString current = writeStudy({"P-TRUST", "19600101", "20240601", "CT CHEST", "CHEST", {{"Chest 1.0", "CT", "CHEST", 3}}}, m_tmp.path() + "/trust-current", &error);
    const QString prior = writeStudy({"P-TRUST", "19600101", "20230601", "CT CHEST", "CHEST", {{"Chest 1.0", "CT", "CHEST", 3}}}, m_tmp.path() + "/trust-prior", &error);
    QVERIFY2(!current.isEmpty() && !prior.isEmpty(), qPrintable(error));
    QVERIFY(run(lightboxExe(), {"import", m_tmp.path() + "/trust-current", "--quiet", "--cache", cache}).ok());
    QVERIFY(on({"archive", "add", "outside-clinic", "--aet", "OUTSIDE", "--host", "127.0.0.1", "--no-priors"}).ok());
    const int port = freePort();
    QProcess p;
    p.start(lightboxExe(), {"listen", "--port", QString::number(port), "--config", config, "--cache", cache});
    QVERIFY(p.waitForStarted());
    QByteArray output;
    QTRY_VERIFY_WITH_TIMEOUT((output += p.readAllStandardOutput()).contains("listening as"), 10000);
    const ProcessResult pushed = run("storescu", QStringList{"-aet", "OUTSIDE", "-aec", "LIGHTBOX", "127.0.0.1", QString::number(port)} + filesUnder(m_tmp.path() + "/trust-prior"));
    QVERIFY2(pushed.ok(), pushed.err.constData());
    ::kill(pid_t(p.processId()), SIGTERM);
    QVERIFY(p.waitForFinished(20000));
    auto layoutOf = [&](QByteArray* err) {
        const ProcessResult r = on({"layout", current, "--json"});
        *err = r.err;
        return QJsonDocument::fromJson(r.out).object();
    };
    QByteArray said;
    QJsonObject layout = layoutOf(&said);
    QCOMPARE(layout["priors"].toArray().size(), 0);
    QCOMPARE(layout["withheldPriors"].toArray().size(), 1);
    QCOMPARE(layout["withheldPriors"].toArray()[0].toObject()["source"].toString(), QString("store:outside-clinic"));
    QVERIFY2(said.contains("is not used as a prior: store:outside-clinic is not trusted for priors"), said.constData());
    // Trusted now (the peer's other settings kept): the same study is the prior.
    QVERIFY(on({"archive", "add", "outside-clinic", "--priors"}).ok());
    layout = layoutOf(&said);
    QCOMPARE(layout["withheldPriors"].toArray().size(), 0);
    QCOMPARE(layout["priors"].toArray().size(), 1);
    QCOMPARE(layout["priors"].toArray()[0].toString(), prior);
}

void ArchiveCliTest::usageErrors()
{
    QCOMPARE(lb({"retrieve", "--study", m_ctStudy}).exitCode, 2);  // no archive
    QCOMPARE(lb({"retrieve", "--archive", "nope", "--study", m_ctStudy}).exitCode, 2);
    QCOMPARE(lb({"retrieve", "--archive", "orthanc", "--study", m_ctStudy, "--method", "ftp"}).exitCode, 2);
    QCOMPARE(lb({"archive", "add", "x", "--host", "h"}).exitCode, 2);  // DIMSE needs all three
    QCOMPARE(lb({"config", "set", "aet", "A-TITLE-MUCH-TOO-LONG"}).exitCode, 2);
    // An unknown study: the archive lists nothing; exit 1 with the reason.
    ProcessResult r = lb({"retrieve", "--archive", "orthanc", "--study", "1.2.3.4.5.6", "--quiet"}, m_tmp.path() + "/none");
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.err.contains("lists no instance"));
}

QTEST_GUILESS_MAIN(ArchiveCliTest)
#include "test_archive_cli.moc"
