// Backup, restore and rebuild-index with real processes: `lightbox cache backup` while a
// `lightbox import` runs and a modality pushes to `lightbox listen`; restore into an empty folder;
// `cache verify` clean and the same studies found; a second backup links what did not change; a
// damaged backup is refused; the index deleted and rebuilt from the stored files brings every study
// back. Folders 0700, files 0600.
#include "../net/dicom_copies.h"
#include "orthanc_fixture.h"
#include "test_support.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

#include <sys/stat.h>

using namespace lightbox::test;

class BackupTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void backupWhileImportingAndReceiving();
    void restoreIntoAnEmptyFolder();
    void aSecondBackupLinksWhatDidNotChange();
    void aDamagedBackupIsRefused();
    void rebuildIndexFromTheStoredFiles();
    void scheduledBackups();

private:
    QTemporaryDir m_tmp;
    QString m_cache, m_backups;
    QMap<QString, int> m_before;  // studies (UID -> instances) before the backup began
};

namespace {

ProcessResult lb(const QStringList& args, const QString& cache) { return run(lightboxExe(), args + QStringList{"--cache", cache}, 300000); }

QMap<QString, int> studies(const QString& cache)
{
    QMap<QString, int> out;
    const ProcessResult r = lb({"studies", "--json", "--limit", "1000"}, cache);
    for (const QJsonValue& v : QJsonDocument::fromJson(r.out).array())
        out[v.toObject()["studyInstanceUid"].toString()] = v.toObject()["instanceCount"].toInt();
    return out;
}

bool privateTree(const QString& root, QString* why)
{
    const auto bad = QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup | QFile::ReadOther | QFile::WriteOther | QFile::ExeOther;
    // The folder itself, and every file in it (a folder inside cannot be reached by others anyway).
    QStringList all{root};
    QDirIterator it(root, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) all << it.next();
    for (const QString& p : all)
        if (QFileInfo(p).permissions() & bad) {
            *why = p + " is readable or writable by others";
            return false;
        }
    return true;
}

QString newestBackupIn(const QString& folder)
{
    const QStringList made = QDir(folder).entryList({"lightbox-backup-*"}, QDir::Dirs, QDir::Name);
    return made.isEmpty() || !QFile::exists(folder + "/" + made.back() + "/backup.json") ? QString() : made.back();
}

}  // namespace

void BackupTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_cache = m_tmp.path() + "/cache";
    m_backups = m_tmp.path() + "/backups";
    const ProcessResult imported = lb({"import", testDataDir() + "/ct/siemens-sensation10_chest_30sl", testDataDir() + "/compressed-series", "--quiet"}, m_cache);
    QVERIFY2(imported.ok(), imported.err.constData());
    QVERIFY(lb({"cache", "pin", studies(m_cache).firstKey()}, m_cache).ok());  // kept in the index only
    m_before = studies(m_cache);
    QVERIFY(m_before.size() >= 2);
}

void BackupTest::backupWhileImportingAndReceiving()
{
    // A study arriving by import and another pushed to the listener while the backup runs.
    const QString importStudy = newUid(), pushStudy = newUid();
    const QStringList ct = filesUnder(testDataDir() + "/ct/siemens-sensation10_chest_30sl");
    QStringList importing;
    for (int copy = 0; copy < 4; ++copy) importing += copyWithNewUids(ct, m_tmp.path() + "/importing/" + QString::number(copy), importStudy);
    const QStringList pushing = copyWithNewUids(ct, m_tmp.path() + "/pushing", pushStudy);
    const QString config = m_tmp.path() + "/lightbox.json";
    QVERIFY(allowLocalPeers(config, {"STORESCU"}));
    const int port = freePort();
    QProcess listen;
    listen.start(lightboxExe(), {"listen", "--port", QString::number(port), "--config", config, "--cache", m_cache});
    QByteArray said;
    QTRY_VERIFY_WITH_TIMEOUT((said += listen.readAllStandardOutput()).contains("listening as"), 15000);
    QProcess import, push;
    import.start(lightboxExe(), {"import", m_tmp.path() + "/importing", "--cache", m_cache, "--quiet", "--threads", "1"});
    push.start("storescu", QStringList{"-aec", "LIGHTBOX", "127.0.0.1", QString::number(port)} + pushing);
    QVERIFY(import.waitForStarted() && push.waitForStarted());
    const ProcessResult backup = lb({"cache", "backup", m_backups, "--quiet"}, m_cache);
    QVERIFY2(backup.ok(), (backup.out + backup.err).constData());
    QVERIFY2(backup.out.contains("backed up "), backup.out.constData());
    QVERIFY(import.waitForFinished(120000) && push.waitForFinished(120000));
    QCOMPARE(import.exitCode(), 0);
    QCOMPARE(push.exitCode(), 0);
    ::kill(pid_t(listen.processId()), SIGTERM);
    QVERIFY(listen.waitForFinished(20000));
    const QStringList made = QDir(m_backups).entryList({"lightbox-backup-*"}, QDir::Dirs);
    QCOMPARE(made.size(), 1);  // no .partial left
    QVERIFY(!made.front().endsWith(".partial"));
    QVERIFY(QFile::exists(m_backups + "/" + made.front() + "/backup.json"));
    QString why;
    QVERIFY2(privateTree(m_backups, &why), qPrintable(why));
    QVERIFY2(privateTree(m_cache, &why), qPrintable(why));
}

void BackupTest::restoreIntoAnEmptyFolder()
{
    const QString restored = m_tmp.path() + "/restored";
    QVERIFY(QDir().mkpath(restored));
    const ProcessResult r = lb({"cache", "restore", m_backups, "--quiet"}, restored);
    QVERIFY2(r.ok(), (r.out + r.err).constData());
    const ProcessResult v = lb({"cache", "verify"}, restored);
    QVERIFY2(v.ok(), v.out.constData());
    QVERIFY2(v.out.contains(" 0 missing, 0 modified, 0 unreferenced"), v.out.constData());
    // Every study there before the backup began is back, whole; what arrived during it is there
    // whole or not at all; nothing is there that the cache never had.
    const QMap<QString, int> now = studies(m_cache), back = studies(restored);
    for (auto it = m_before.begin(); it != m_before.end(); ++it) QCOMPARE(back.value(it.key()), it.value());
    for (auto it = back.begin(); it != back.end(); ++it) {
        QVERIFY2(now.contains(it.key()), qPrintable(it.key()));
        QVERIFY(it.value() <= now.value(it.key()));
    }
    // What only the index held came back too.
    bool pinned = false;
    for (const QJsonValue& v : QJsonDocument::fromJson(lb({"studies", "--json"}, restored).out).array())
        if (v.toObject()["studyInstanceUid"].toString() == m_before.firstKey()) pinned = v.toObject()["pinned"].toBool();
    QVERIFY(pinned);
    // A second restore over it is refused: nothing is overwritten.
    const ProcessResult again = lb({"cache", "restore", m_backups}, restored);
    QCOMPARE(again.exitCode, 1);
    QVERIFY2(again.err.contains("not empty"), again.err.constData());
    QString why;
    QVERIFY2(privateTree(restored, &why), qPrintable(why));
}

void BackupTest::aSecondBackupLinksWhatDidNotChange()
{
    const ProcessResult r = lb({"cache", "backup", m_backups, "--quiet"}, m_cache);
    QVERIFY2(r.ok(), r.err.constData());
    const QStringList made = QDir(m_backups).entryList({"lightbox-backup-*"}, QDir::Dirs, QDir::Name);
    QCOMPARE(made.size(), 2);
    // Every file of the first backup is linked, not copied, into the second.
    const QStringList first = filesUnder(m_backups + "/" + made.front() + "/files");
    QVERIFY(!first.isEmpty());
    for (const QString& f : first) {
        const QString second = QString(f).replace(made.front(), made.back());
        QVERIFY2(QFileInfo(second).exists(), qPrintable(second));
        struct stat a {}, b {};
        QVERIFY(::stat(qPrintable(second), &a) == 0 && ::stat(qPrintable(f), &b) == 0);
        QCOMPARE(a.st_ino, b.st_ino);
    }
    QVERIFY2(r.out.contains(QString("(%1 files unchanged since the last backup").arg(first.size()).toUtf8()), r.out.constData());
}

void BackupTest::aDamagedBackupIsRefused()
{
    const QStringList made = QDir(m_backups).entryList({"lightbox-backup-*"}, QDir::Dirs, QDir::Name);
    const QString damaged = m_tmp.path() + "/damaged";
    QVERIFY(run("cp", {"-r", m_backups + "/" + made.back(), damaged}).ok());  // a copy: the links stay intact
    const QStringList files = filesUnder(damaged + "/files");
    QFile f(files.value(files.size() / 2));
    QVERIFY(f.open(QIODevice::ReadWrite));
    f.seek(f.size() - 10);
    f.write("0123456789");
    f.close();
    const QString target = m_tmp.path() + "/from-damaged";
    const ProcessResult r = lb({"cache", "restore", damaged, "--quiet"}, target);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("the backup is damaged") && r.err.contains("does not match the SHA-256"), r.err.constData());
    QVERIFY(!QFileInfo::exists(target));
    QVERIFY(!QFileInfo::exists(target + ".restoring"));
}

void BackupTest::rebuildIndexFromTheStoredFiles()
{
    const QMap<QString, int> before = studies(m_cache);
    for (const QString& f : QDir(m_cache).entryList({"index.sqlite*"}, QDir::Files)) QVERIFY(QFile::remove(m_cache + "/" + f));
    QCOMPARE(studies(m_cache).size(), 0);
    const ProcessResult r = lb({"cache", "rebuild-index", "--quiet"}, m_cache);
    QVERIFY2(r.ok(), (r.out + r.err).constData());
    QCOMPARE(studies(m_cache), before);
    const ProcessResult v = lb({"cache", "verify"}, m_cache);
    QVERIFY2(v.ok() && v.out.contains(" 0 missing, 0 modified, 0 unreferenced"), v.out.constData());
    QVERIFY(QDir(m_cache + "/tmp").entryList(QDir::Files).isEmpty());
    // A second rebuild keeps the first index aside and finds the same.
    const ProcessResult again = lb({"cache", "rebuild-index", "--quiet"}, m_cache);
    QVERIFY2(again.ok() && again.out.contains("the old index is kept as"), again.out.constData());
    QCOMPARE(studies(m_cache), before);
}

void BackupTest::scheduledBackups()
{
    // An administrator's schedule: `cache backup --if-due` (cron, systemd timers) makes one only
    // when the newest is older than the interval; `lightbox listen` makes one when it is due.
    const QString config = m_tmp.path() + "/schedule.json", folder = m_tmp.path() + "/scheduled";
    auto cfg = [&](const QStringList& args) { return run(lightboxExe(), args + QStringList{"--config", config}); };
    QVERIFY(cfg({"config", "set", "backup-folder", folder}).ok());
    QVERIFY(cfg({"config", "set", "backup-every", "24"}).ok());
    QVERIFY(cfg({"config", "show"}).out.contains("scheduled backup: every 24 h into " + folder.toUtf8()));
    const ProcessResult first = run(lightboxExe(), {"cache", "backup", "--if-due", "--quiet", "--config", config, "--cache", m_cache}, 300000);
    QVERIFY2(first.ok() && first.out.contains("backed up "), (first.out + first.err).constData());
    const ProcessResult second = run(lightboxExe(), {"cache", "backup", "--if-due", "--config", config, "--cache", m_cache});
    QVERIFY2(second.ok() && second.out.contains("no backup due"), second.out.constData());
    QCOMPARE(QDir(folder).entryList({"lightbox-backup-*"}, QDir::Dirs).size(), 1);
    // Another folder, empty: the listener backs up at once.
    const QString other = m_tmp.path() + "/scheduled-by-listen";
    QVERIFY(cfg({"config", "set", "backup-folder", other}).ok());
    QProcess listen;
    listen.start(lightboxExe(), {"listen", "--port", QString::number(freePort()), "--config", config, "--cache", m_cache});
    QByteArray said;
    QTRY_VERIFY2_WITH_TIMEOUT((said += listen.readAllStandardOutput()).contains("scheduled backup: "), said.constData(), 120000);
    ::kill(pid_t(listen.processId()), SIGTERM);
    QVERIFY(listen.waitForFinished(20000));
    QVERIFY(!newestBackupIn(other).isEmpty());
}

QTEST_GUILESS_MAIN(BackupTest)
#include "test_backup.moc"
