// Encryption at rest (issue 11, point 2), checked from outside: real studies in every character set
// we have go into an encrypted cache by import and by a network push; then every byte of every file
// under the cache folder is searched for each patient's name (as stored and in UTF-8), ID, birth date,
// accession number and a run of uncompressed pixels, all read from the sources by pydicom. None may be
// found. The same search over a cache made with encryption off finds them (so the search can fail).
// What is stored decrypts, with an independent reader (support/lbx_unseal.py), to the source's data.
#include "cache_service.h"
#include "orthanc_fixture.h"
#include "test_support.h"

#include <QDirIterator>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QtTest>

#include <signal.h>
#include <sys/stat.h>

using namespace lightbox;
using namespace lightbox::test;

namespace {

const QString kPassphrase = "lightbox-tests-passphrase";  // tests/CMakeLists.txt gives it to every test

struct Needle {
    QString file, kind;
    QByteArray bytes;
};

// Each needle found in any file under `folder`: "kind in file: needle".
QStringList foundUnder(const QString& folder, const QList<Needle>& needles)
{
    QStringList found;
    QDirIterator it(folder, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile f(it.next());
        if (!f.open(QIODevice::ReadOnly)) {
            found << "unreadable: " + f.fileName();
            continue;
        }
        const QByteArray bytes = f.readAll();
        for (const Needle& n : needles)
            if (bytes.contains(n.bytes)) found << QString("%1 of %2 in %3: %4").arg(n.kind, QFileInfo(n.file).fileName(), it.filePath(), QString::fromUtf8(n.bytes.toHex()));
    }
    return found;
}

ProcessResult lb(const QStringList& args, const QString& cache, const QList<QPair<QString, QString>>& env = {})
{
    return runWith(lightboxExe(), args + QStringList{"--cache", cache}, env, {}, 180000);
}

QString dumped(const QString& file, const QString& tag)
{
    const ProcessResult r = run("dcmdump", {"-M", "-Un", "+P", tag, file});
    return QString::fromLatin1(r.out).section('\n', 0, 0).section('[', 1).section(']', 0, 0);
}

}  // namespace

class CacheEncryptionTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void nothingReadableUnderAnEncryptedCache();
    void thePlainControlIsReadable();
    void storedFilesDecryptToTheirSources();
    void thumbnailsAreEncrypted();
    void aWrongOrMissingPassphraseKeepsItLocked();
    void theRecoveryPassphraseOpensIt();
    void rebuildingLeavesACacheAsItWas();
    void aDamagedKeyFileIsSaidSo();

private:
    QTemporaryDir m_tmp;
    QStringList m_imported;  // folders and files given to import
    QStringList m_pushed;    // files pushed to the listener
    QStringList m_sources;   // every DICOM file of both
    QList<Needle> m_needles;
    QString m_cache;
};

void CacheEncryptionTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    QCOMPARE(qEnvironmentVariable("LIGHTBOX_CACHE_PASSPHRASE"), kPassphrase);
    for (const char* tool : {"dcmdump", "storescu"}) QVERIFY2(!QStandardPaths::findExecutable(tool).isEmpty(), tool);
    const QString data = testDataDir();
    // Every character set we have: Clunie's set through its DICOMDIR, pydicom's charset files; CT,
    // MR, JPEG-LS and a multi-frame XA; an MR series pushed over the network.
    m_imported = {data + "/dicomdir/clunie-charsettests/DICOMDIR", data + "/ct/siemens-sensation10_chest_30sl", data + "/compressed-series/siemens-trio_mr_4sl_jpeg-ls",
                  data + "/multiframe/xa_cine_jpeg-baseline_96fr.dcm"};
    // pydicom's character set files that are instances (some lack a SOP Instance UID: not
    // storable), imported from a ZIP (entries read into memory); and a file over 16 MiB (copied,
    // not read into memory).
    QStringList charsets;
    for (const QString& f : filesUnder(pydicomTestFiles() + "/../charset_files"))
        if (f.endsWith(".dcm") && !dumped(f, "0008,0018").isEmpty()) charsets << f;
    QVERIFY(charsets.size() > 10);
    const QString zip = m_tmp.path() + "/charsets.zip", big = m_tmp.path() + "/big.dcm";
    const ProcessResult zipped = run(python(), QStringList{"-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED); "
                                                                 "[z.write(f, 'charsets/%d.dcm' % i) for i, f in enumerate(sys.argv[2:])]; z.close()",
                                                           zip} + charsets);
    QVERIFY2(zipped.ok(), zipped.err.constData());
    const ProcessResult made = run(python(), {scriptsDir() + "/security/make_big_instance.py", big});
    QVERIFY2(made.ok() && QFileInfo(big).size() > (16 << 20), made.err.constData());
    m_imported << zip << big;
    m_pushed = filesUnder(data + "/mr/siemens-verio_brain-t1post_24sl");
    QVERIFY(m_pushed.size() >= 10);
    m_sources = charsets;
    for (const QString& p : m_imported) {
        const QFileInfo info(p);
        if (info.suffix() == "zip") continue;
        if (info.fileName() == "DICOMDIR") {
            for (const QString& f : filesUnder(info.path()))
                if (!f.endsWith("DICOMDIR")) m_sources << f;
        } else if (info.isDir()) {
            for (const QString& f : filesUnder(p))
                if (f.endsWith(".dcm") || !QFileInfo(f).fileName().contains('.')) m_sources << f;
        } else {
            m_sources << p;
        }
    }
    m_sources += m_pushed;
    const ProcessResult needles = run(python(), QStringList{scriptsDir() + "/security/phi_needles.py"} + m_sources, 120000);
    QVERIFY2(needles.ok(), needles.err.constData());
    for (const QJsonValue& v : QJsonDocument::fromJson(needles.out).array()) {
        const QJsonObject o = v.toObject();
        m_needles.append({o["file"].toString(), o["kind"].toString(), QByteArray::fromHex(o["hex"].toString().toLatin1())});
    }
    QSet<QString> kinds;
    for (const Needle& n : m_needles) kinds.insert(n.kind);
    QVERIFY2(m_needles.size() > 100, qPrintable(QString::number(m_needles.size())));
    for (const char* kind : {"name", "id", "birth", "accession", "pixels"}) QVERIFY2(kinds.contains(kind), kind);
    // The search finds each needle in the file it came from.
    for (const Needle& n : m_needles) {
        QFile f(n.file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        const bool utf8Form = n.kind == "name" && !bytes.contains(n.bytes);  // pydicom's decoding of a name
        if (!utf8Form) QVERIFY2(bytes.contains(n.bytes), qPrintable(n.file));
    }

    m_cache = m_tmp.path() + "/sealed";
    const ProcessResult imp = lb(QStringList{"import", "--quiet"} + m_imported, m_cache);
    QVERIFY2(imp.ok(), (imp.out + imp.err).constData());
    QVERIFY(QFile::exists(m_cache + "/key.json"));
    // A push through the listener (the network's way in: files written by DCMTK, then sealed).
    const QString config = m_tmp.path() + "/listen.json";
    QVERIFY(allowLocalPeers(config, {"STORESCU"}));
    const int port = freePort();
    QProcess listen;
    listen.start(lightboxExe(), {"listen", "--port", QString::number(port), "--config", config, "--cache", m_cache});
    QByteArray said;
    QTRY_VERIFY_WITH_TIMEOUT((said += listen.readAllStandardOutput()).contains("listening as"), 30000);
    const ProcessResult push = run("storescu", QStringList{"-aec", "LIGHTBOX", "127.0.0.1", QString::number(port)} + m_pushed, 120000);
    QVERIFY2(push.ok(), push.err.constData());
    ::kill(pid_t(listen.processId()), SIGTERM);
    QVERIFY(listen.waitForFinished(30000));
    said += listen.readAllStandardOutput();
    QVERIFY2(said.contains(QString("stored %1,").arg(m_pushed.size()).toLatin1()), said.constData());
    const ProcessResult stats = lb({"cache", "stats", "--json"}, m_cache);
    QVERIFY2(stats.ok(), stats.err.constData());
    QSet<QString> sops;  // some of pydicom's files share a SOP Instance UID: stored once
    for (const QString& f : m_sources) sops.insert(dumped(f, "0008,0018"));
    QCOMPARE(QJsonDocument::fromJson(stats.out).object()["instances"].toInt(), int(sops.size()));
}

void CacheEncryptionTest::nothingReadableUnderAnEncryptedCache()
{
    const QStringList found = foundUnder(m_cache, m_needles);
    QVERIFY2(found.isEmpty(), qPrintable(found.mid(0, 10).join('\n')));
    // Private to the user: the folder 0700, every file 0600.
    struct stat st {};
    QVERIFY(::stat(m_cache.toLocal8Bit().constData(), &st) == 0);
    QCOMPARE(st.st_mode & 0777, 0700u);
    QDirIterator it(m_cache, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    int files = 0;
    while (it.hasNext()) {
        const QString f = it.next();
        QVERIFY(::stat(f.toLocal8Bit().constData(), &st) == 0);
        QVERIFY2((st.st_mode & 0077) == 0, qPrintable(f));
        ++files;
    }
    QVERIFY(files > m_sources.size() / 2);
    // Nothing is left in tmp/ once the processes ended.
    QVERIFY(filesUnder(m_cache + "/tmp").isEmpty());
    // And the cache works: search by name, verify.
    const ProcessResult search = lb({"studies", "--patient-name", "Buc", "--json"}, m_cache);
    QVERIFY2(search.ok() && !QJsonDocument::fromJson(search.out).array().isEmpty() && search.out.contains("Buc^J\xc3\xa9r\xc3\xb4me"),
             (search.out + search.err).constData());
    const ProcessResult verify = lb({"cache", "verify"}, m_cache);
    QVERIFY2(verify.ok() && verify.out.contains("0 missing, 0 modified"), (verify.out + verify.err).constData());
}

void CacheEncryptionTest::thePlainControlIsReadable()
{
    const QString plain = m_tmp.path() + "/plain";
    const ProcessResult imp = lb(QStringList{"import", "--quiet"} + m_imported + m_pushed, plain, {{"LIGHTBOX_CACHE_ENCRYPTION", "off"}});
    QVERIFY2(imp.ok(), (imp.out + imp.err).constData());
    QVERIFY(!QFile::exists(plain + "/key.json"));
    const QStringList found = foundUnder(plain, m_needles);
    QSet<QString> kinds;
    for (const Needle& n : m_needles)
        for (const QString& f : found)
            if (f.endsWith(QString::fromUtf8(n.bytes.toHex()))) kinds.insert(n.kind);
    QCOMPARE(kinds, (QSet<QString>{"name", "id", "birth", "accession", "pixels"}));
    // The index itself holds the names in UTF-8 when plain.
    QFile index(plain + "/index.sqlite");
    QVERIFY(index.open(QIODevice::ReadOnly));
    QVERIFY(index.readAll().startsWith("SQLite format 3"));
}

void CacheEncryptionTest::storedFilesDecryptToTheirSources()
{
    // Every stored instance decrypts, with the independent reader, to its source's data elements.
    int checked = 0;
    bool bigChecked = false;
    QMap<QString, int> copies;  // SOP Instance UIDs some of pydicom's files share: stored once, not compared
    for (const QString& f : m_sources) ++copies[dumped(f, "0008,0018")];
    for (const QString& source : m_sources) {
        const QString sop = dumped(source, "0008,0018");
        if (sop.isEmpty() || copies.value(sop) > 1) continue;
        const QString copy = storedInstanceCopy(m_cache, sop, m_tmp.path() + "/unsealed.dcm");
        QVERIFY2(!copy.isEmpty(), qPrintable(source));
        const ProcessResult a = run("dcmdump", {"-q", "+L", "-M", copy}), b = run("dcmdump", {"-q", "+L", "-M", source});
        QVERIFY(a.ok() && b.ok());
        // The dataset as dcmdump shows it (the meta header may have been rewritten).
        // Sequences and items may be re-encoded with explicit lengths on the network's way in: the
        // same values, told apart by their length notes and delimiters only.
        auto dataset = [](const QByteArray& dump) {
            QByteArray out;
            static const QRegularExpression length(R"(\((Sequence|Item) with (explicit|undefined) length #=(\d+)\)\s*# *[^,]+,)");
            for (const QByteArray& line : dump.mid(dump.indexOf("# Dicom-Data-Set")).split('\n')) {
                if (line.contains("Delimitation")) continue;
                out += QString::fromLatin1(line).replace(length, "(\\1 #=\\3) #").simplified().toLatin1() + '\n';
            }
            return out;
        };
        const QList<QByteArray> got = dataset(a.out).split('\n'), want = dataset(b.out).split('\n');
        for (qsizetype i = 0; i < std::max(got.size(), want.size()); ++i)
            QVERIFY2(got.value(i) == want.value(i), qPrintable(source + ":\n  stored: " + got.value(i) + "\n  source: " + want.value(i)));
        QFile s(source), c(copy);
        QVERIFY(s.open(QIODevice::ReadOnly) && c.open(QIODevice::ReadOnly));
        QVERIFY(s.readAll().right(4096) == c.readAll().right(4096));  // the last pixel bytes, bit for bit
        ++checked;
        bigChecked = bigChecked || source == m_imported.last();
    }
    QVERIFY(bigChecked);  // the file over 16 MiB, encrypted while copied
    QVERIFY2(checked >= 60, qPrintable(QString::number(checked)));
}

void CacheEncryptionTest::thumbnailsAreEncrypted()
{
    QThreadPool pool;
    app::CacheService service(m_cache, pool);
    const QString series = dumped(m_imported[2] + "/" + QDir(m_imported[2]).entryList(QDir::Files).first(), "0020,000e");
    QVERIFY(!series.isEmpty());
    const QImage made = service.thumbnail(series, 96).result();
    QVERIFY(!made.isNull());
    const QStringList thumbs = filesUnder(m_cache + "/thumbs");
    QCOMPARE(thumbs.size(), 1);
    QFile f(thumbs[0]);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    QVERIFY2(bytes.startsWith("LBXENC1") && !bytes.contains("PNG") && !bytes.contains("IHDR"), bytes.left(16).toHex().constData());
    QVERIFY(!thumbs[0].contains(series));  // nor named by its UID
    // Read back from the encrypted file, the same picture.
    const QImage again = service.thumbnail(series, 96).result();
    QCOMPARE(again.size(), made.size());
    QCOMPARE(compareImages(again, made).maxDiff, 0);
}

void CacheEncryptionTest::aWrongOrMissingPassphraseKeepsItLocked()
{
    ProcessResult r = lb({"studies"}, m_cache, {{"LIGHTBOX_CACHE_PASSPHRASE", "not-the-passphrase"}, {"LIGHTBOX_KEY_STORE", "off"}});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("LIGHTBOX_CACHE_PASSPHRASE does not open the encrypted cache"), r.err.constData());
    r = lb({"studies"}, m_cache, {{"LIGHTBOX_CACHE_PASSPHRASE", ""}, {"LIGHTBOX_KEY_STORE", "off"}});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("is encrypted and stays locked"), r.err.constData());
    // A new cache with no door for its key is not made.
    const QString none = m_tmp.path() + "/no-door";
    r = lb({"import", m_pushed[0]}, none, {{"LIGHTBOX_CACHE_PASSPHRASE", ""}, {"LIGHTBOX_KEY_STORE", "off"}});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("no key store can be reached here, and no passphrase was given"), r.err.constData());
    QVERIFY(!QFile::exists(none + "/index.sqlite"));
    // Nor one whose passphrase is too short to protect anything.
    r = lb({"import", m_pushed[0]}, none, {{"LIGHTBOX_CACHE_PASSPHRASE", "1234567"}, {"LIGHTBOX_KEY_STORE", "off"}});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("at least 8 characters"), r.err.constData());
    QVERIFY(!QFile::exists(none + "/index.sqlite") && !QFile::exists(none + "/key.json"));
    // Still whole.
    QVERIFY(lb({"cache", "verify"}, m_cache).ok());
}

void CacheEncryptionTest::theRecoveryPassphraseOpensIt()
{
    const QString cache = m_tmp.path() + "/recovery";
    QVERIFY(lb({"import", "--quiet", m_pushed[0]}, cache).ok());
    ProcessResult r = runWith(lightboxExe(), {"cache", "key", "add-recovery", "--passphrase-stdin", "--cache", cache}, {}, "administrators-only-2026\n");
    QVERIFY2(r.ok() && r.out.contains("opened by: passphrase, recovery"), (r.out + r.err).constData());
    r = lb({"cache", "key", "remove", "passphrase"}, cache);
    QVERIFY2(r.ok(), r.err.constData());
    // The old passphrase opens nothing now; the recovery passphrase does.
    QCOMPARE(lb({"studies"}, cache).exitCode, 1);
    r = lb({"studies"}, cache, {{"LIGHTBOX_CACHE_PASSPHRASE", "administrators-only-2026"}});
    QVERIFY2(r.ok() && r.out.contains("1 studies"), (r.out + r.err).constData());
    // The last door cannot be removed.
    r = lb({"cache", "key", "remove", "recovery"}, cache, {{"LIGHTBOX_CACHE_PASSPHRASE", "administrators-only-2026"}});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("at least one door"), r.err.constData());
}

void CacheEncryptionTest::rebuildingLeavesACacheAsItWas()
{
    // A plain cache whose index is gone is rebuilt plain (not taken for a new cache and encrypted).
    const QString plain = m_tmp.path() + "/plain-rebuild";
    QVERIFY(lb({"import", "--quiet", m_pushed[0], m_pushed[1]}, plain, {{"LIGHTBOX_CACHE_ENCRYPTION", "off"}}).ok());
    for (const char* suffix : {"", "-wal", "-shm"}) QFile::remove(plain + "/index.sqlite" + suffix);
    ProcessResult r = lb({"cache", "rebuild-index"}, plain);
    QVERIFY2(r.ok(), (r.out + r.err).constData());
    QVERIFY(!QFile::exists(plain + "/key.json"));
    QFile index(plain + "/index.sqlite");
    QVERIFY(index.open(QIODevice::ReadOnly) && index.read(15) == "SQLite format 3");
    r = lb({"studies"}, plain);
    QVERIFY2(r.ok() && r.out.contains("1 studies"), (r.out + r.err).constData());
    // An encrypted cache that stays locked is left as it was: nothing moved aside.
    r = lb({"cache", "rebuild-index"}, m_cache, {{"LIGHTBOX_CACHE_PASSPHRASE", ""}, {"LIGHTBOX_KEY_STORE", "off"}});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("stays locked"), r.err.constData());
    QVERIFY(QDir(m_cache).entryList({"index.sqlite.before-rebuild-*"}).isEmpty());
    r = lb({"cache", "verify"}, m_cache);
    QVERIFY2(r.ok() && r.out.contains("0 missing, 0 modified"), (r.out + r.err).constData());
}

void CacheEncryptionTest::aDamagedKeyFileIsSaidSo()
{
    const QString cache = m_tmp.path() + "/damaged-key";
    QVERIFY(lb({"import", "--quiet", m_pushed[0]}, cache).ok());
    QFile f(cache + "/key.json");
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray good = f.readAll();
    f.close();
    const QByteArray salt = QJsonDocument::fromJson(good).object()["doors"].toArray()[0].toObject()["wrapped"].toObject()["salt"].toString().toLatin1();
    QVERIFY(!salt.isEmpty());
    // Cut short, not JSON, a format of another day, a field that is not base64, a changed salt.
    const QList<QPair<QByteArray, QByteArray>> damages = {
        {good.left(good.size() / 2), "damaged"},
        {"\x00\xff not json", "damaged"},
        {QByteArray(good).replace("\"format\": 1", "\"format\": 7"), "damaged"},
        {QByteArray(good).replace(salt, "!!!!" + salt.mid(4)), "damaged door"},
        {QByteArray(good).replace(salt, QByteArray(salt).replace(0, 4, salt.left(4) == "AAAA" ? "BBBB" : "AAAA")), "does not open"},
    };
    for (const auto& [bytes, said] : damages) {
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(bytes);
        f.close();
        const ProcessResult r = lb({"studies"}, cache);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(said), r.err.constData());
    }
    // Put back: it opens again, nothing was lost.
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(good);
    f.close();
    const ProcessResult r = lb({"studies"}, cache);
    QVERIFY2(r.ok() && r.out.contains("1 studies"), (r.out + r.err).constData());
}

QTEST_MAIN(CacheEncryptionTest)
#include "test_cache_encryption.moc"
