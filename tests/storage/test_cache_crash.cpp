// Crash safety: an importing `lightbox import` is killed with SIGKILL at random moments, 30 times
// (at least 20 of them while it runs).
// After each kill the index passes PRAGMA integrity_check and foreign_key_check, its counters
// agree with its rows, every indexed instance has its file with the recorded SHA-256, and no SOP
// Instance UID appears twice. Finally the import is re-run and completes the set.
#include "test_support.h"
#include "synthetic_dicom.h"

#include "cache.h"
#include "digest.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <random>

#include <signal.h>

using namespace lightbox;
using namespace lightbox::storage;
using namespace lightbox::test;

class CacheCrashTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void killedImportsLeaveAConsistentCache();

private:
    void checkConsistent(const QString& cacheDir, int round);
    QTemporaryDir m_tmp;
    QString m_source;
    int m_files = 0;
};

void CacheCrashTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_source = m_tmp.path() + "/source";
    SyntheticOptions o;
    o.studies = 30;
    o.seriesPerStudy = 5;
    o.instancesPerSeries = 20;
    o.crop = 256;
    m_files = writeSyntheticStudies(testDataDir() + "/ct/siemens-sensation10_chest_30sl/1-15.dcm", m_source, o);
    QCOMPARE(m_files, 3000);
}

void CacheCrashTest::checkConsistent(const QString& cacheDir, int round)
{
    auto opened = Cache::open(cacheDir.toStdString());
    QVERIFY2(opened.ok(), qPrintable(QStringLiteral("round %1: %2").arg(round).arg(opened.ok() ? "" : opened.error().message.c_str())));
    Cache& cache = **opened;
    auto text = [&](const char* sql) {
        auto st = cache.database().prepare(sql);
        return st && st->step() ? st->text(0) : std::string("(no row)");
    };
    QCOMPARE(QString::fromStdString(text("PRAGMA integrity_check")), QString("ok"));
    QCOMPARE(QString::fromStdString(text("SELECT count(*) FROM pragma_foreign_key_check")), QString("0"));
    QCOMPARE(QString::fromStdString(text("SELECT count(*) - count(DISTINCT sop_instance_uid) FROM instances")), QString("0"));
    // Counters kept in the same transactions as the rows.
    QCOMPARE(QString::fromStdString(text("SELECT count(*) FROM studies s WHERE s.instance_count <> (SELECT count(*) FROM instances i "
                                         "JOIN series se ON se.id = i.series_ref WHERE se.study_ref = s.id)")),
             QString("0"));
    QCOMPARE(QString::fromStdString(text("SELECT count(*) FROM studies s WHERE s.size_bytes <> (SELECT coalesce(sum(i.file_size), 0) FROM "
                                         "instances i JOIN series se ON se.id = i.series_ref WHERE se.study_ref = s.id)")),
             QString("0"));
    int checked = 0;
    QString problem;
    cache.index().forEachInstance([&](const InstanceRow& row) {
        Sha256 digest{};
        std::uint64_t size = 0;
        const std::string path = cache.store().finalPath(row.sopInstanceUid);
        if (!sha256File(path, digest, &size)) problem = QString::fromStdString(path) + " is missing";
        else if (digest != row.sha256 || std::int64_t(size) != row.fileSize) problem = QString::fromStdString(path) + " differs";
        ++checked;
        return problem.isEmpty();
    });
    QVERIFY2(problem.isEmpty(), qPrintable(QStringLiteral("round %1: %2").arg(round).arg(problem)));
}

void CacheCrashTest::killedImportsLeaveAConsistentCache()
{
    // How long an uninterrupted import takes, to kill within it.
    QElapsedTimer timer;
    timer.start();
    ProcessResult full = run(lightboxExe(), {"import", "--quiet", "--cache", m_tmp.path() + "/scratch", m_source}, 300000);
    QVERIFY2(full.ok(), full.err.constData());
    const qint64 duration = std::max<qint64>(200, timer.elapsed());
    qInfo("an uninterrupted import of %d files takes %lld ms", m_files, duration);

    const QString cacheDir = m_tmp.path() + "/cache";
    std::mt19937 rng(20261128);
    // Each killed run stores part of the set and the next one skips it: kill early enough that
    // most runs still have work to do, at a random point of it.
    std::uniform_int_distribution<qint64> when(20, 20 + duration / 12);
    int killedMidway = 0;
    for (int round = 1; round <= 30; ++round) {
        QProcess p;
        p.start(lightboxExe(), {"import", "--quiet", "--cache", cacheDir, m_source});
        QVERIFY(p.waitForStarted());
        // The kill is meant to land at a random moment of the import: no condition to wait for.
        QTest::qWait(int(when(rng)));
        if (p.state() == QProcess::Running) {
            ::kill(pid_t(p.processId()), SIGKILL);
            ++killedMidway;
        }
        p.waitForFinished(30000);
        checkConsistent(cacheDir, round);
        if (QTest::currentTestFailed()) return;
    }
    qInfo("%d of 30 imports were killed while running", killedMidway);
    QVERIFY(killedMidway >= 20);

    // Re-running the import completes the set, once each.
    const ProcessResult finish = run(lightboxExe(), {"import", "--quiet", "--cache", cacheDir, m_source}, 300000);
    QVERIFY2(finish.ok(), finish.err.constData());
    checkConsistent(cacheDir, 31);
    auto cache = Cache::open(cacheDir.toStdString());
    QVERIFY(cache.ok());
    QCOMPARE(int((*cache)->index().stats().instances), m_files);
    QCOMPARE(QDir(cacheDir + "/tmp").entryList(QDir::Files | QDir::NoDotAndDotDot).size(), 0);
}

QTEST_GUILESS_MAIN(CacheCrashTest)
#include "test_cache_crash.moc"
