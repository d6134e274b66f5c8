// Launch from the RIS under a real X server: a Lightbox GUI process runs on a cache of studies;
// `lightbox open` from a second process hands it the request (the GUI's pid answers, the second
// process exits), the study is read with its hanging protocol and the screenshots show it; a study
// only in Orthanc is retrieved into the cache and opened; an unknown accession and an accession of
// two patients are refused with a message; the lightbox:// URL works; after SIGKILL of the GUI, its
// stale socket does not block `lightbox open` from starting a new Lightbox itself.
#include "orthanc_fixture.h"
#include "study_writer.h"
#include "test_support.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstdio>
#include <set>
#include <sys/stat.h>

using namespace lightbox::test;

class LaunchGuiTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void openInTheRunningLightbox();
    void retrieveFromTheArchive();
    void unknownAndAmbiguousAreRefused();
    void urlForm();
    void staleSocketAfterSigkill();
    void cleanupTestCase();

private:
    QProcessEnvironment environment() const;
    ProcessResult open(const QStringList& args, int timeoutMs = 240000);
    QString socketFile() const;  // the launch socket in the runtime folder (empty: none)
    void startGui();
    QString addStudy(const StudySpec& spec, bool intoCache);
    // Checks the screenshots of a shown answer: one per screen, private, not blank.
    void checkShots(const QString& dir);

    QTemporaryDir m_tmp;
    QString m_cache, m_config, m_runtime;
    std::unique_ptr<OrthancServer> m_orthanc;
    std::unique_ptr<QProcess> m_gui;
    QString m_studyOne, m_studyTwo, m_remote;
};

namespace {

StudySpec chest(const QString& patient, const QString& date, const QString& accession)
{
    StudySpec s{patient, "19600101", date, "CT THORAX", "CHEST", {{"Mediastinum 3.0", "CT", "", 20}, {"Lung 1.0", "CT", "", 20}}};
    s.accession = accession;
    return s;
}

// How many different grey levels the middle of an image has, and how much they vary: a viewport
// showing a CT slice has many; an empty one (flat colour with a line of text) has few.
std::pair<int, double> content(const QImage& image)
{
    const QImage grey = image.convertToFormat(QImage::Format_Grayscale8);
    std::set<int> levels;
    double sum = 0, sum2 = 0;
    int n = 0;
    for (int y = grey.height() * 3 / 10; y < grey.height() * 7 / 10; ++y)
        for (int x = grey.width() * 3 / 10; x < grey.width() * 7 / 10; ++x) {
            const int v = grey.constScanLine(y)[x];
            levels.insert(v);
            sum += v;
            sum2 += double(v) * v;
            ++n;
        }
    const double mean = sum / std::max(n, 1);
    return {int(levels.size()), std::sqrt(std::max(0.0, sum2 / std::max(n, 1) - mean * mean))};
}

}  // namespace

QProcessEnvironment LaunchGuiTest::environment() const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_RUNTIME_DIR", m_runtime);
    env.insert("HOME", m_tmp.path() + "/home");
    env.insert("XDG_CONFIG_HOME", m_tmp.path() + "/home/.config");
    env.insert("XDG_DATA_HOME", m_tmp.path() + "/home/.local/share");
    env.insert("LIGHTBOX_SECURITY_DIR", m_tmp.path() + "/security");
    env.insert("LIGHTBOX_CONFIG", m_config);
    env.insert("LIGHTBOX_KEY_STORE", "off");  // the cache's passphrase comes from the environment
    return env;
}

ProcessResult LaunchGuiTest::open(const QStringList& args, int timeoutMs)
{
    QProcess p;
    p.setProcessEnvironment(environment());
    p.start(lightboxExe(), args + QStringList{"--cache", m_cache});
    ProcessResult r;
    if (!p.waitForFinished(timeoutMs)) {
        r.timedOut = true;
        p.kill();
        p.waitForFinished();
    }
    r.exitCode = p.exitCode();
    r.crashed = p.exitStatus() == QProcess::CrashExit;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

QString LaunchGuiTest::socketFile() const
{
    const QStringList sockets = QDir(m_runtime + "/lightbox").entryList({"launch-*"}, QDir::System | QDir::Files);
    for (const QString& name : sockets)
        if (!name.endsWith(".lock")) return m_runtime + "/lightbox/" + name;
    return {};
}

QString LaunchGuiTest::addStudy(const StudySpec& spec, bool intoCache)
{
    QString error;
    const QString dir = m_tmp.path() + "/src-" + spec.patientId + "-" + spec.accession;
    const QString uid = writeStudy(spec, dir, &error);
    if (uid.isEmpty()) return {};
    if (intoCache) {
        if (!run(lightboxExe(), {"import", "--cache", m_cache, "--quiet", dir}).ok()) return {};
    } else if (m_orthanc->upload(filesUnder(dir)) != 40) return {};
    return uid;
}

void LaunchGuiTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    // LIGHTBOX_TEST_KEEP=1 keeps the folder (screenshots, cache) to look at afterwards.
    if (qEnvironmentVariableIsSet("LIGHTBOX_TEST_KEEP")) {
        m_tmp.setAutoRemove(false);
        qInfo("kept: %s", qPrintable(m_tmp.path()));
    }
    m_cache = m_tmp.path() + "/cache";
    m_config = m_tmp.path() + "/config/lightbox.json";
    m_runtime = m_tmp.path() + "/run";
    QVERIFY(QDir().mkpath(m_runtime));
    QVERIFY(QFile::setPermissions(m_runtime, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    m_orthanc = std::make_unique<OrthancServer>();
    QString error;
    QVERIFY2(m_orthanc->start(&error), qPrintable(error));

    m_studyOne = addStudy(chest("P-ONE", "20240301", "ACC-ONE"), true);
    m_studyTwo = addStudy(chest("P-TWO", "20240302", "ACC-TWO"), true);
    QVERIFY(!m_studyOne.isEmpty() && !m_studyTwo.isEmpty());
    // One accession, two patients (a RIS merge gone wrong): never opened.
    QVERIFY(!addStudy(chest("P-DUP-A", "20240303", "ACC-DUP"), true).isEmpty());
    QVERIFY(!addStudy(chest("P-DUP-B", "20240304", "ACC-DUP"), true).isEmpty());
    // Only in the archive.
    m_remote = addStudy(chest("P-REMOTE", "20240305", "ACC-REMOTE"), false);
    QVERIFY(!m_remote.isEmpty());
    QVERIFY(run(lightboxExe(), {"archive", "add", "orthanc", "--aet", "ORTHANC", "--host", "127.0.0.1", "--port",
                                QString::number(m_orthanc->dicomPort()), "--config", m_config}).ok());
    QVERIFY(run(lightboxExe(), {"config", "set", "listen", "off", "--config", m_config}).ok());
    startGui();
}

void LaunchGuiTest::startGui()
{
    m_gui = std::make_unique<QProcess>();
    m_gui->setProcessEnvironment(environment());
    m_gui->setProcessChannelMode(QProcess::ForwardedChannels);
    m_gui->start(lightboxExe(), {"--cache", m_cache, "--config", m_config});
    QVERIFY(m_gui->waitForStarted());
    // The GUI serves launch requests once its socket is there.
    QTRY_VERIFY_WITH_TIMEOUT(!socketFile().isEmpty() || m_gui->state() != QProcess::Running, 60000);
    QCOMPARE(QGuiApplication::screens().size(), 2);
    QVERIFY2(m_gui->state() == QProcess::Running, "the Lightbox GUI exited");
}

void LaunchGuiTest::checkShots(const QString& dir)
{
    struct stat folder {};
    QCOMPARE(::stat(QFile::encodeName(dir).constData(), &folder), 0);
    QVERIFY(S_ISDIR(folder.st_mode));
    QCOMPARE(int(folder.st_mode & 0777), 0700);
    const QStringList shots = QDir(dir).entryList({"screen-*.png"}, QDir::Files, QDir::Name);
    QCOMPARE(shots.size(), QGuiApplication::screens().size());
    for (const QString& name : shots) {
        const QString path = dir + "/" + name;
        struct stat st {};
        QCOMPARE(::stat(QFile::encodeName(path).constData(), &st), 0);
        QCOMPARE(int(st.st_mode & 0777), 0600);
        const QImage image(path);
        QVERIFY2(!image.isNull(), qPrintable(path));
        QVERIFY(image.width() > 300 && image.height() > 200);
        const auto [levels, spread] = content(image);
        QVERIFY2(levels > 60 && spread > 8, qPrintable(QString("%1: %2 grey levels, spread %3: no image shown").arg(path).arg(levels).arg(spread)));
    }
}

void LaunchGuiTest::openInTheRunningLightbox()
{
    const QString shots = m_tmp.path() + "/shots-two";
    const ProcessResult r = open({"open", "--accession", "ACC-TWO", "--screenshot", shots});
    QVERIFY2(r.ok(), r.err.constData());
    const QString out = QString::fromUtf8(r.out);
    // The running Lightbox took it (its pid answered): this process did not become a second one.
    QVERIFY2(out.contains(QString("(pid %1)").arg(m_gui->processId())), qPrintable(out));
    QVERIFY2(out.contains(m_studyTwo) && out.contains("PROTOCOL^P-TWO") && out.contains("from the cache"), qPrintable(out));
    // The windows are the patient's, by the hanging protocol.
    QVERIFY2(out.contains("Lightbox — PROTOCOL^P-TWO — CT chest, stage 1"), qPrintable(out));
    QCOMPARE(m_gui->state(), QProcess::Running);
    checkShots(shots);
}

void LaunchGuiTest::retrieveFromTheArchive()
{
    const QString shots = m_tmp.path() + "/shots-remote";
    const ProcessResult r = open({"open", "--accession", "ACC-REMOTE", "--screenshot", shots});
    QVERIFY2(r.ok(), r.err.constData());
    const QString out = QString::fromUtf8(r.out);
    QVERIFY2(out.contains("archive orthanc") && out.contains(m_remote) && out.contains(QString("(pid %1)").arg(m_gui->processId())), qPrintable(out));
    QVERIFY2(out.contains("Lightbox — PROTOCOL^P-REMOTE — CT chest"), qPrintable(out));
    checkShots(shots);
    // It is in the cache now, whole.
    const ProcessResult s = run(lightboxExe(), {"studies", "--cache", m_cache, "--accession", "ACC-REMOTE", "--json"});
    QVERIFY2(s.ok(), s.err.constData());
    const QJsonArray rows = QJsonDocument::fromJson(s.out).array();
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows[0].toObject()["instanceCount"].toInt(), 40);
}

void LaunchGuiTest::unknownAndAmbiguousAreRefused()
{
    const ProcessResult unknown = open({"open", "--accession", "NO-SUCH-ACC"});
    QVERIFY(!unknown.timedOut && !unknown.crashed);
    QCOMPARE(unknown.exitCode, 1);
    QVERIFY2(unknown.err.contains("no study with accession NO-SUCH-ACC in the cache or on the archives"), unknown.err.constData());

    const QString shots = m_tmp.path() + "/shots-dup";
    const ProcessResult dup = open({"open", "--accession", "ACC-DUP", "--screenshot", shots});
    QCOMPARE(dup.exitCode, 1);
    QVERIFY2(dup.err.contains("belongs to more than one patient") && dup.err.contains("P-DUP-A") && dup.err.contains("P-DUP-B"), dup.err.constData());
    QVERIFY(!QFileInfo::exists(shots));  // nothing was opened
    // A pattern is not an identifier.
    const ProcessResult wildcard = open({"open", "--accession", "ACC-*"});
    QCOMPARE(wildcard.exitCode, 2);
    QVERIFY2(wildcard.err.contains("may not have"), wildcard.err.constData());
    QCOMPARE(m_gui->state(), QProcess::Running);
}

void LaunchGuiTest::urlForm()
{
    const QString shots = m_tmp.path() + "/shots-url";
    // Percent-encoded: ACC-ONE.
    const ProcessResult r = open({"lightbox://open?accession=ACC%2DONE", "--screenshot", shots});
    QVERIFY2(r.ok(), r.err.constData());
    const QString out = QString::fromUtf8(r.out);
    QVERIFY2(out.contains(m_studyOne) && out.contains(QString("(pid %1)").arg(m_gui->processId())), qPrintable(out));
    QVERIFY2(out.contains("Lightbox — PROTOCOL^P-ONE — CT chest"), qPrintable(out));
    checkShots(shots);
    // `lightbox open URL` is the same.
    const ProcessResult viaOpen = open({"open", "lightbox://open?study=" + m_studyTwo});
    QVERIFY2(viaOpen.ok(), viaOpen.err.constData());
    QVERIFY(viaOpen.out.contains(m_studyTwo.toUtf8()));
    // Other hosts and parameters are refused, before any Lightbox is asked.
    for (const QString& bad : {QString("lightbox://delete?study=1.2.3"), QString("lightbox://open?accession=A&study=1.2"),
                               QString("lightbox://open?file=/etc/passwd")}) {
        const ProcessResult refused = open({bad});
        QCOMPARE(refused.exitCode, 2);
        QVERIFY2(refused.err.contains("lightbox"), refused.err.constData());
    }
}

void LaunchGuiTest::staleSocketAfterSigkill()
{
    const QString socket = socketFile();
    QVERIFY(!socket.isEmpty());
    const qint64 killed = m_gui->processId();
    m_gui->kill();  // SIGKILL: nothing is cleaned up
    QVERIFY(m_gui->waitForFinished());
    QVERIFY2(QFileInfo::exists(socket), "the killed Lightbox's socket file should still be there");
    // `lightbox open` finds nobody behind the socket and becomes the GUI itself, then quits.
    const QString shots = m_tmp.path() + "/shots-restart";
    const ProcessResult r = open({"open", "--study", m_studyOne, "--screenshot", shots, "--screenshot-exit"});
    QVERIFY2(r.ok(), r.err.constData());
    const QString out = QString::fromUtf8(r.out);
    QVERIFY2(out.contains(m_studyOne) && !out.contains(QString("(pid %1)").arg(killed)), qPrintable(out));
    checkShots(shots);
    // It went away cleanly: its socket is gone, the next GUI starts and serves.
    QVERIFY(socketFile().isEmpty());
    startGui();
    const ProcessResult again = open({"open", "--accession", "ACC-ONE"});
    QVERIFY2(again.ok(), again.err.constData());
    QVERIFY(again.out.contains(QString("(pid %1)").arg(m_gui->processId()).toUtf8()));
}

void LaunchGuiTest::cleanupTestCase()
{
    if (m_gui && m_gui->state() == QProcess::Running) {
        m_gui->terminate();
        if (!m_gui->waitForFinished(20000)) m_gui->kill();
        m_gui->waitForFinished();
    }
}

int main(int argc, char** argv)
{
    // An X server of its own with two screens: the study is to be hung on every screen.
    PrivateXServer x;
    if (QString error; !x.start({"1280x1024x24", "1280x1024x24"}, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    QApplication app(argc, argv);
    LaunchGuiTest test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_launch_gui.moc"
