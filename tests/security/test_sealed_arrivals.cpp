// Nothing arrives in plain on the disk of an encrypted cache (issue 11, point 2: "any temporary
// file"). While instances come in by every way in (a push to `lightbox listen`, C-GET, C-MOVE and
// WADO-RS retrieves from Orthanc, a ZIP entry over 16 MiB), a watcher (inotify) opens each file the
// moment it appears under the cache's files/, tmp/ and thumbs/ and keeps it open, so that it can
// read what was written into it even after it was renamed or removed. Every such file must be
// encrypted (start with "LBXENC1", or be empty), and no patient name, ID, birth date, accession
// number or run of pixels of the sources (read by pydicom) may be in it. The stored files are among
// those seen, so the watcher cannot pass by seeing nothing; and with encryption off the same
// watcher finds the patients' data in what arrived (so the check can fail).
#include "orthanc_fixture.h"
#include "test_support.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace lightbox::test;

namespace {

// Every file created (or moved in) under the watched subfolders of a cache, opened at once.
class CreationWatcher {
public:
    explicit CreationWatcher(const QString& root) : m_root(root.toStdString())
    {
        m_inotify = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (m_inotify < 0 || ::pipe2(m_wake, O_CLOEXEC) != 0) return;
        watchTree(m_root);
        m_thread = std::thread([this] { run(); });
    }
    ~CreationWatcher()
    {
        stop();
        for (const Seen& s : m_seen) ::close(s.fd);
        if (m_inotify >= 0) ::close(m_inotify);
    }
    bool ok() const { return m_thread.joinable() || m_stopped; }
    void stop()
    {
        if (!m_thread.joinable()) return;
        (void)!::write(m_wake[1], "x", 1);
        m_thread.join();
        m_stopped = true;
        ::close(m_wake[0]);
        ::close(m_wake[1]);
    }

    struct Seen {
        std::string path;  // where it was first seen
        int fd;
    };
    const std::vector<Seen>& seen() const { return m_seen; }
    int pipes() const { return m_pipes; }
    bool overflowed() const { return m_overflowed; }

    // What a seen file holds now (read through the descriptor opened when it appeared).
    static QByteArray contents(int fd)
    {
        QByteArray all;
        char buf[1 << 16];
        off_t at = 0;
        while (true) {
            const ssize_t n = ::pread(fd, buf, sizeof buf, at);
            if (n <= 0) break;
            all.append(buf, int(n));
            at += n;
        }
        return all;
    }

private:
    bool inWatchedPart(const std::string& path) const
    {
        for (const char* part : {"/files/", "/tmp/", "/thumbs/"})
            if (path.compare(0, m_root.size() + std::strlen(part), m_root + part) == 0) return true;
        return false;
    }
    void watchTree(const std::string& dir)
    {
        const int wd = inotify_add_watch(m_inotify, dir.c_str(), IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
        if (wd < 0) return;
        m_dirs[wd] = dir;
        // What was made in it before the watch was in place.
        if (DIR* d = ::opendir(dir.c_str())) {
            while (dirent* e = ::readdir(d)) {
                const std::string name = e->d_name;
                if (name != "." && name != "..") found(dir + "/" + name);
            }
            ::closedir(d);
        }
    }
    void found(const std::string& path)
    {
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) return;  // gone already
        if (S_ISDIR(st.st_mode)) {
            watchTree(path);
            return;
        }
        if (!inWatchedPart(path)) return;  // the index, key.json: not arrivals
        if (S_ISFIFO(st.st_mode)) {
            ++m_pipes;
            return;
        }
        if (!S_ISREG(st.st_mode) || !m_inodes.insert(st.st_ino).second) return;
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) m_seen.push_back({path, fd});
    }
    void run()
    {
        alignas(inotify_event) char buf[64 * 1024];
        while (true) {
            pollfd p[2] = {{m_inotify, POLLIN, 0}, {m_wake[0], POLLIN, 0}};
            if (::poll(p, 2, -1) < 0) continue;
            if (p[0].revents & POLLIN) {
                const ssize_t n = ::read(m_inotify, buf, sizeof buf);
                for (ssize_t at = 0; n > 0 && at < n;) {
                    const auto* e = reinterpret_cast<const inotify_event*>(buf + at);
                    if (e->mask & IN_Q_OVERFLOW) m_overflowed = true;  // events lost: the check would be blind
                    auto dir = m_dirs.find(e->wd);
                    if (dir != m_dirs.end() && e->len > 0) found(dir->second + "/" + e->name);
                    at += ssize_t(sizeof(inotify_event) + e->len);
                }
                continue;  // events first: stop() comes after the last arrival
            }
            if (p[1].revents & POLLIN) break;
        }
    }

    std::string m_root;
    int m_inotify = -1;
    int m_wake[2] = {-1, -1};
    bool m_stopped = false;
    std::map<int, std::string> m_dirs;
    std::set<ino_t> m_inodes;
    std::vector<Seen> m_seen;
    int m_pipes = 0;
    bool m_overflowed = false;
    std::thread m_thread;
};

struct Needle {
    QString kind;
    QByteArray bytes;
};

const QList<QPair<QString, QString>> kPlain = {{"LIGHTBOX_CACHE_ENCRYPTION", "off"}};

ProcessResult lb(const QStringList& args, const QList<QPair<QString, QString>>& env = {})
{
    return runWith(lightboxExe(), args, env, {}, 240000);
}

int storedInstances(const QString& cache, const QList<QPair<QString, QString>>& env)
{
    const ProcessResult stats = lb({"cache", "stats", "--json", "--cache", cache}, env);
    return QJsonDocument::fromJson(stats.out).object()["instances"].toInt();
}

}  // namespace

class SealedArrivalsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void nothingPlainOnTheWayIn_data();
    void nothingPlainOnTheWayIn();
    void whatArrivesEncryptedIsMadeSafe();

private:
    // Brings the sources into `cache` by `way`; the number of instances that should be stored.
    void bringIn(const QString& way, const QString& cache, const QList<QPair<QString, QString>>& env);

    QTemporaryDir m_tmp;
    QStringList m_sources;  // the MR series and the file over 16 MiB
    QString m_zip;
    QList<Needle> m_needles;
    std::unique_ptr<OrthancServer> m_orthanc;
    int m_movePort = 0;
    QString m_config;
};

void SealedArrivalsTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    for (const char* tool : {"storescu"}) QVERIFY2(!QStandardPaths::findExecutable(tool).isEmpty(), tool);
    m_sources = filesUnder(testDataDir() + "/mr/siemens-verio_brain-t1post_24sl");
    QVERIFY(m_sources.size() >= 10);
    const QString big = m_tmp.path() + "/big.dcm";
    const ProcessResult made = run(python(), {scriptsDir() + "/security/make_big_instance.py", big});
    QVERIFY2(made.ok() && QFileInfo(big).size() > (16 << 20), made.err.constData());
    m_sources << big;
    m_zip = m_tmp.path() + "/study.zip";
    const ProcessResult zipped = run(python(), QStringList{"-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED); "
                                                                 "[z.write(f, 'study/%d.dcm' % i) for i, f in enumerate(sys.argv[2:])]; z.close()",
                                                           m_zip} + m_sources);
    QVERIFY2(zipped.ok(), zipped.err.constData());
    const ProcessResult needles = run(python(), QStringList{scriptsDir() + "/security/phi_needles.py"} + m_sources, 120000);
    QVERIFY2(needles.ok(), needles.err.constData());
    QSet<QString> kinds;
    for (const QJsonValue& v : QJsonDocument::fromJson(needles.out).array()) {
        const QJsonObject o = v.toObject();
        m_needles.append({o["kind"].toString(), QByteArray::fromHex(o["hex"].toString().toLatin1())});
        kinds.insert(o["kind"].toString());
    }
    for (const char* kind : {"name", "id", "accession", "pixels"}) QVERIFY2(kinds.contains(kind), kind);

    // The archive the retrieves come from; it knows Lightbox's storage port for C-MOVE.
    m_movePort = freePort();
    OrthancOptions oo;
    oo.lightboxPort = m_movePort;
    m_orthanc = std::make_unique<OrthancServer>(oo);
    QString error;
    QVERIFY2(m_orthanc->start(&error), qPrintable(error));
    QCOMPARE(m_orthanc->upload(m_sources), int(m_sources.size()));
    m_config = m_tmp.path() + "/settings.json";
    QVERIFY(lb({"archive", "add", "orthanc", "--aet", "ORTHANC", "--host", "127.0.0.1", "--port", QString::number(m_orthanc->dicomPort()), "--dicomweb",
                m_orthanc->dicomWebUrl(), "--config", m_config})
                .ok());
    QVERIFY(lb({"config", "set", "port", QString::number(m_movePort), "--config", m_config}).ok());
    QVERIFY(allowLocalPeers(m_config, {"STORESCU"}));
}

void SealedArrivalsTest::cleanupTestCase()
{
    if (m_orthanc) m_orthanc->stop();
}

void SealedArrivalsTest::bringIn(const QString& way, const QString& cache, const QList<QPair<QString, QString>>& env)
{
    const QStringList at{"--config", m_config, "--cache", cache};
    if (way == "import") {
        const ProcessResult r = lb(QStringList{"import", "--quiet", m_zip, "--cache", cache}, env);
        QVERIFY2(r.ok(), (r.out + r.err).constData());
        return;
    }
    if (way != "push") {
        const QString study = QString::fromLatin1(run("dcmdump", {"-M", "+P", "0020,000d", m_sources.first()}).out).section('[', 1).section(']', 0, 0);
        QVERIFY(!study.isEmpty());
        // Two studies (the MR series and the big file): retrieved one after the other.
        const QString bigStudy = QString::fromLatin1(run("dcmdump", {"-M", "+P", "0020,000d", m_sources.last()}).out).section('[', 1).section(']', 0, 0);
        for (const QString& uid : {study, bigStudy}) {
            const ProcessResult r = lb(QStringList{"retrieve", "--archive", "orthanc", "--study", uid, "--method", way, "--quiet"} + at, env);
            QVERIFY2(r.ok(), (r.out + r.err).constData());
        }
        return;
    }
    const int port = freePort();
    QProcess listen;
    QProcessEnvironment pe = QProcessEnvironment::systemEnvironment();
    for (const auto& [k, v] : env) pe.insert(k, v);
    listen.setProcessEnvironment(pe);
    listen.start(lightboxExe(), QStringList{"listen", "--port", QString::number(port)} + at);
    QByteArray said;
    QTRY_VERIFY_WITH_TIMEOUT((said += listen.readAllStandardOutput()).contains("listening as"), 30000);
    const ProcessResult push = run("storescu", QStringList{"-aec", "LIGHTBOX", "127.0.0.1", QString::number(port)} + m_sources, 120000);
    QVERIFY2(push.ok(), push.err.constData());
    ::kill(pid_t(listen.processId()), SIGTERM);
    QVERIFY(listen.waitForFinished(30000));
    said += listen.readAllStandardOutput();
    QVERIFY2(said.contains(QString("stored %1,").arg(m_sources.size()).toLatin1()), said.constData());
}

void SealedArrivalsTest::nothingPlainOnTheWayIn_data()
{
    QTest::addColumn<QString>("way");
    QTest::addColumn<bool>("encrypted");
    QTest::newRow("push to the listener") << "push" << true;
    QTest::newRow("C-GET") << "get" << true;
    QTest::newRow("C-MOVE") << "move" << true;
    QTest::newRow("WADO-RS") << "wado" << true;
    QTest::newRow("ZIP import, an entry over 16 MiB") << "import" << true;
    QTest::newRow("control: push, encryption off") << "push" << false;
    QTest::newRow("control: WADO-RS, encryption off") << "wado" << false;
}

void SealedArrivalsTest::nothingPlainOnTheWayIn()
{
    QFETCH(QString, way);
    QFETCH(bool, encrypted);
    const QList<QPair<QString, QString>> env = encrypted ? QList<QPair<QString, QString>>{} : kPlain;
    const QString cache = m_tmp.path() + "/" + way + (encrypted ? "-sealed" : "-plain");
    QVERIFY(QDir().mkpath(cache));
    CreationWatcher watcher(cache);
    QVERIFY(watcher.ok());
    bringIn(way, cache, env);
    if (QTest::currentTestFailed()) return;
    watcher.stop();
    QVERIFY(!watcher.overflowed());
    QCOMPARE(storedInstances(cache, env), int(m_sources.size()));
    QCOMPARE(QFileInfo::exists(cache + "/key.json"), encrypted);

    // Every stored file is among those seen (they never go away), and what was seen is all there is
    // to judge: each file as it was when complete.
    int plainFiles = 0;
    QStringList found;
    for (const CreationWatcher::Seen& s : watcher.seen()) {
        const QByteArray bytes = CreationWatcher::contents(s.fd);
        if (!bytes.isEmpty() && !bytes.startsWith("LBXENC1")) {
            ++plainFiles;
            if (found.size() < 5) found << QString::fromStdString(s.path) + ": not encrypted";
        }
        for (const Needle& n : m_needles)
            if (bytes.contains(n.bytes)) {
                if (found.size() < 10) found << QString("%1 in %2").arg(n.kind, QString::fromStdString(s.path));
                break;
            }
    }
    QVERIFY2(int(watcher.seen().size()) >= int(m_sources.size()), qPrintable(QString::number(watcher.seen().size())));
    qInfo("%s: %d files seen as they appeared, %d named pipes", qPrintable(way), int(watcher.seen().size()), watcher.pipes());
    if (encrypted) {
        QVERIFY2(found.isEmpty(), qPrintable(found.join('\n')));
        QCOMPARE(plainFiles, 0);
    } else {
        // The control: the same watcher reads the patients' data in a plain cache's arrivals.
        QVERIFY2(plainFiles >= int(m_sources.size()), qPrintable(QString::number(plainFiles)));
        QVERIFY(!found.isEmpty());
    }
}

// An archive's file with an executable's header in its preamble (CVE-2019-11687) and one whose meta
// information names another SOP instance than its dataset, retrieved by WADO-RS (the archive's bytes
// as stored) into an encrypted cache: their plaintext is checked in memory, the preamble zeroed and
// the meta made anew there, both flagged; nothing plain on the disk meanwhile.
void SealedArrivalsTest::whatArrivesEncryptedIsMadeSafe()
{
    const QString pe = m_tmp.path() + "/unsafe/pe.dcm", meta = m_tmp.path() + "/unsafe/meta.dcm";
    QVERIFY(QDir().mkpath(m_tmp.path() + "/unsafe"));
    const ProcessResult made = run(python(), {"-c", R"PY(
import sys, pydicom
from pydicom.uid import generate_uid
src, pe, meta = sys.argv[1:4]
for out, mismatch in ((pe, False), (meta, True)):
    ds = pydicom.dcmread(src)
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid() if mismatch else ds.SOPInstanceUID
    ds.save_as(out, write_like_original=True)
data = bytearray(open(pe, "rb").read())
head = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x01" * 50 + b"This program cannot be run in DOS mode."
data[:len(head)] = head
open(pe, "wb").write(bytes(data))
)PY",
                                              m_sources.first(), pe, meta});
    QVERIFY2(made.ok(), made.err.constData());
    QCOMPARE(m_orthanc->upload({pe, meta}), 2);
    const auto value = [](const QString& file, const char* tag) {
        return QString::fromLatin1(run("dcmdump", {"-M", "+P", tag, file}).out).section('[', 1).section(']', 0, 0);
    };
    const QString peSop = value(pe, "0008,0018"), metaSop = value(meta, "0008,0018");
    // What the archive answers still carries both faults (else this would test nothing).
    QVERIFY(m_orthanc->instanceFile(peSop).startsWith("MZ"));
    const QString served = m_tmp.path() + "/unsafe/served.dcm";
    {
        QFile f(served);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(m_orthanc->instanceFile(metaSop));
    }
    QVERIFY(value(served, "0002,0003") != metaSop);

    const QString cache = m_tmp.path() + "/unsafe-sealed";
    QVERIFY(QDir().mkpath(cache));
    CreationWatcher watcher(cache);
    QVERIFY(watcher.ok());
    for (const QString& file : {pe, meta}) {
        const ProcessResult r = lb({"retrieve", "--archive", "orthanc", "--study", value(file, "0020,000d"), "--method", "wado", "--quiet", "--config",
                                    m_config, "--cache", cache});
        QVERIFY2(r.ok(), (r.out + r.err).constData());
    }
    watcher.stop();
    for (const CreationWatcher::Seen& s : watcher.seen()) {
        const QByteArray bytes = CreationWatcher::contents(s.fd);
        QVERIFY2(bytes.isEmpty() || bytes.startsWith("LBXENC1"), s.path.c_str());
    }
    // Stored clean: a zero preamble, the rest of the executable's file as it was; the meta of the
    // other file made from its dataset.
    const QString storedPe = storedInstanceCopy(cache, peSop, m_tmp.path() + "/unsafe/stored-pe.dcm");
    QFile a(storedPe), b(pe);
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    const QByteArray stored = a.readAll(), original = b.readAll();
    QCOMPARE(stored.left(128), QByteArray(128, '\0'));
    QVERIFY(stored.mid(128) == original.mid(128));
    const QString storedMeta = storedInstanceCopy(cache, metaSop, m_tmp.path() + "/unsafe/stored-meta.dcm");
    QCOMPARE(value(storedMeta, "0002,0003"), metaSop);
    QVERIFY(lb({"cache", "verify", "--cache", cache}).ok());
    const ProcessResult findings = lb({"cache", "findings", "--json", "--cache", cache});
    QStringList what;
    for (const QJsonValue& f : QJsonDocument::fromJson(findings.out).array()) what << f.toObject()["what"].toString();
    QVERIFY2(what.join('\n').contains("executable preamble"), findings.out.constData());
    QVERIFY2(what.join('\n').contains("Media Storage SOP Instance UID"), findings.out.constData());
}

QTEST_GUILESS_MAIN(SealedArrivalsTest)
#include "test_sealed_arrivals.moc"
