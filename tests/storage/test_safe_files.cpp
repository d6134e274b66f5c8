// Safe files on the way in, with real processes and DCMTK's tools as the reference: a file whose
// meta information disagrees with its dataset (one digit of the meta's UID changed) and a
// dataset without meta information (dcmconv --write-dataset) are stored rewritten through DCMTK's
// writer (dcmdump of the stored file shows meta UIDs equal to the dataset's) and flagged; the size,
// element-count and nesting limits refuse files over them, by import and by the listener, with the
// reason, and store them once raised.
#include "../net/dicom_copies.h"
#include "orthanc_fixture.h"
#include "test_support.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace lightbox::test;

class SafeFilesTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void inconsistentMetaIsRewritten();
    void limitsRefuseWhatIsTooBig();

private:
    QTemporaryDir m_tmp;
    QStringList m_ct;
};

namespace {

ProcessResult lb(const QStringList& args, const QString& cache) { return run(lightboxExe(), args + QStringList{"--cache", cache}, 120000); }

// The value of a tag in dcmdump's output of a file ("" when absent).
QString dumped(const QString& file, const QString& tag)
{
    const ProcessResult r = run("dcmdump", {"-M", "-Un", "+P", tag, file});
    const QString line = QString::fromLatin1(r.out).section('\n', 0, 0);
    return line.section('[', 1).section(']', 0, 0);
}

// A plain copy of the instance as the cache stores it (decrypted by the tests' own reader when the
// cache is encrypted); "" when it is not stored.
QString storedPath(const QString& cache, const QString& sop) { return storedInstanceCopy(cache, sop, cache + "-stored-" + sop + ".dcm"); }

}  // namespace

void SafeFilesTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_ct = filesUnder(testDataDir() + "/ct/siemens-sensation10_chest_30sl");
    QVERIFY(m_ct.size() >= 3);
}

void SafeFilesTest::inconsistentMetaIsRewritten()
{
    const QString cache = m_tmp.path() + "/meta", dir = m_tmp.path() + "/meta-src";
    const QStringList files = copyWithNewUids(m_ct.mid(0, 3), dir, newUid());
    // 1: the meta's Media Storage SOP Instance UID unlike the dataset's (one digit changed in the
    // meta's copy, same length; DCMTK's tools always update the meta when they save).
    const QString changedSop = dumped(files[0], "0008,0018");
    {
        QFile f(files[0]);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QByteArray bytes = f.readAll();
        const qsizetype at = bytes.indexOf(changedSop.toLatin1());
        QVERIFY(at > 128 && at < 512);  // in the meta information
        bytes[at + changedSop.size() - 1] = bytes[at + changedSop.size() - 1] == '1' ? '2' : '1';
        f.seek(0);
        f.write(bytes);
    }
    QVERIFY(dumped(files[0], "0002,0003") != changedSop);
    QCOMPARE(dumped(files[0], "0008,0018"), changedSop);
    // 2: a dataset without any meta information.
    const QString bare = dir + "/bare.dcm";
    QVERIFY(run("dcmconv", {"-F", files[1], bare}).ok());
    QVERIFY(QFile::remove(files[1]));
    QVERIFY(dumped(bare, "0002,0010").isEmpty());
    const ProcessResult imp = lb({"import", dir, "--quiet"}, cache);
    QVERIFY2(imp.ok(), (imp.out + imp.err).constData());
    // Stored rewritten: the meta UIDs are the dataset's, the transfer syntax is there; the rest as it was.
    const QString first = storedPath(cache, changedSop);
    QCOMPARE(dumped(first, "0002,0003"), changedSop);
    QCOMPARE(dumped(first, "0002,0002"), dumped(first, "0008,0016"));
    const QString bareSop = dumped(bare, "0008,0018");
    const QString second = storedPath(cache, bareSop);
    QCOMPARE(dumped(second, "0002,0003"), bareSop);
    QVERIFY(!dumped(second, "0002,0010").isEmpty());
    QCOMPARE(pixelDataBytes(second), pixelDataBytes(bare));
    // The consistent third file is stored byte for byte (but for the preamble, zero already).
    QFile a(files[2]), b(storedPath(cache, dumped(files[2], "0008,0018")));
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    QVERIFY(a.readAll().mid(128) == b.readAll().mid(128));
    // Hashed as stored; both flagged with what was wrong.
    QVERIFY(lb({"cache", "verify"}, cache).ok());
    const QJsonArray findings = QJsonDocument::fromJson(lb({"cache", "findings", "--json"}, cache).out).array();
    QCOMPARE(findings.size(), 2);
    QStringList what;
    for (const QJsonValue& f : findings) what << f.toObject()["what"].toString();
    QVERIFY2(what.join('\n').contains("Media Storage SOP Instance UID"), qPrintable(what.join('\n')));
    QVERIFY2(what.join('\n').contains("no file meta information"), qPrintable(what.join('\n')));
}

void SafeFilesTest::limitsRefuseWhatIsTooBig()
{
    const QString cache = m_tmp.path() + "/limits";
    const QStringList files = copyWithNewUids(m_ct.mid(0, 2), m_tmp.path() + "/limits-src", newUid());
    QVERIFY(lb({"cache", "limits", "--max-elements", "20"}, cache).ok());
    ProcessResult imp = lb({"import", files[0], "--quiet"}, cache);
    QCOMPARE(imp.exitCode, 1);
    QVERIFY2(imp.out.contains("data elements, more than the cache takes (20"), imp.out.constData());
    QVERIFY(lb({"cache", "limits", "--max-elements", "0", "--max-file-size", "10000"}, cache).ok());
    imp = lb({"import", files[0], "--quiet"}, cache);
    QCOMPARE(imp.exitCode, 1);
    QVERIFY2(imp.out.contains("bytes, more than the cache takes (10000"), imp.out.constData());
    // The listener refuses it too ("cannot understand"), and stores it once the limit is raised.
    const QString config = m_tmp.path() + "/limits.json";
    QVERIFY(allowLocalPeers(config, {"STORESCU"}));
    const int port = freePort();
    QProcess listen;
    listen.start(lightboxExe(), {"listen", "--port", QString::number(port), "--config", config, "--cache", cache});
    QByteArray said;
    QTRY_VERIFY_WITH_TIMEOUT((said += listen.readAllStandardOutput()).contains("listening as"), 15000);
    run("storescu", {"-aec", "LIGHTBOX", "127.0.0.1", QString::number(port), files[1]});  // answered "cannot understand"
    QTRY_VERIFY_WITH_TIMEOUT((said += listen.readAllStandardOutput()).contains("more than the cache takes (10000"), 10000);
    QVERIFY(lb({"cache", "limits", "--max-file-size", "0"}, cache).ok());
    const ProcessResult stored = run("storescu", {"-aec", "LIGHTBOX", "127.0.0.1", QString::number(port), files[1]});
    QVERIFY2(stored.ok(), stored.err.constData());
    ::kill(pid_t(listen.processId()), SIGTERM);
    QVERIFY(listen.waitForFinished(20000));
    QVERIFY(QFile::exists(storedPath(cache, dumped(files[1], "0008,0018"))));
    QVERIFY(!QFile::exists(storedPath(cache, dumped(files[0], "0008,0018"))));
    // Nesting: a structured report nests deeper than 2.
    const QStringList reports = filesUnder(testDataDir() + "/results");
    QString deep;
    for (const QString& f : reports)
        if (dumped(f, "0008,0060") == "SR") deep = f;
    QVERIFY2(!deep.isEmpty(), "no SR under testdata/results");
    QVERIFY(lb({"cache", "limits", "--max-depth", "2"}, cache).ok());
    imp = lb({"import", deep, "--quiet"}, cache);
    QCOMPARE(imp.exitCode, 1);
    QVERIFY2(imp.out.contains("nests sequences") && imp.out.contains("more than the cache takes (2"), imp.out.constData());
}

QTEST_GUILESS_MAIN(SafeFilesTest)
#include "test_safe_files.moc"
