// The study cache: import (files, folders, DICOMDIR, ZIP) stores each SOP instance once and byte
// for byte; names in every character set are searchable; filters, sorting and paging; quota and
// LRU eviction with pinned and protected studies; verify finds missing and modified files;
// delete; schema versioning; the command line.
#include "test_support.h"

#include "annotation_store.h"
#include "cache.h"
#include "digest.h"
#include "schema.h"
#include "study_open.h"
#include "text_search.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <set>

using namespace lightbox;
using namespace lightbox::storage;
using namespace lightbox::test;

namespace {

std::string str(const QString& s) { return s.toStdString(); }

QByteArray fileSha256(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return h.result();
}

// SOP Instance UIDs of the DICOM files under `dir`, read by DCMTK's dcmdump (the reference).
std::set<QString> sopUids(const QStringList& files)
{
    std::set<QString> uids;
    for (const QString& f : files) {
        const ProcessResult r = run("dcmdump", {"-q", "+P", "SOPInstanceUID", "+P", "StudyInstanceUID", "+P", "SeriesInstanceUID", f});
        const QStringList lines = QString::fromUtf8(r.out).split('\n', Qt::SkipEmptyParts);
        if (lines.size() < 3) continue;  // lacks one of the three UIDs
        const QString line = lines.filter("SOPInstanceUID").value(0);
        const int a = line.indexOf('['), b = line.indexOf(']');
        if (a >= 0 && b > a) uids.insert(line.mid(a + 1, b - a - 1));
    }
    return uids;
}

std::unique_ptr<Cache> openCache(const QString& dir)
{
    auto c = Cache::open(str(dir));
    return c ? std::move(*c) : nullptr;
}

std::vector<StudyRow> search(Cache& c, const StudyQuery& q)
{
    auto r = c.index().searchStudies(q);
    return r ? *r : std::vector<StudyRow>{};
}

StudyQuery byName(const std::string& name)
{
    StudyQuery q;
    q.patientName = name;
    return q;
}

}  // namespace

class CacheTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void importStoresEachInstanceOnceByteForByte();
    void importOfDamagedAndForeignFilesListsReasons();
    void namesInEveryCharacterSetAreSearchable();
    void filtersSortingAndPaging();
    void dicomdirFromRemovableMedia();
    void zipArchives();
    void evictionKeepsPinnedOpenAndRecent();
    void verifyFindsMissingAndModifiedFiles();
    void deleteRemovesRowsAndFiles();
    void schemaIsVersioned();
    void annotationsOutliveEvictionAndUpgrade();
    void commandLine();

private:
    QTemporaryDir m_tmp;
    QString m_ct;
};

void CacheTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_ct = testDataDir() + "/ct/siemens-sensation10_chest_30sl";
}

void CacheTest::importStoresEachInstanceOnceByteForByte()
{
    auto cache = openCache(m_tmp.path() + "/full");
    QVERIFY(cache);
    const QStringList files = filesUnder(testDataDir());
    const std::set<QString> expected = sopUids(files);
    QVERIFY(expected.size() > 100);

    ImportReport r = cache->import({str(testDataDir())}, ImportOptions{}, {}, nullptr);
    QVERIFY2(r.fatal.empty(), r.fatal.c_str());
    QCOMPARE(r.imported, expected.size());
    const std::size_t dicomFiles = r.imported + r.alreadyPresent;  // some files share a SOP Instance UID
    QCOMPARE(std::size_t(cache->index().stats().instances), expected.size());
    QVERIFY(r.rejected.empty());
    QCOMPARE(r.notDicom.size(), std::size_t(1));  // MANIFEST.md

    // Byte-identical copies: the stored file's SHA-256 is a source file's, and the recorded one.
    std::set<QByteArray> sourceDigests;
    for (const QString& f : files) sourceDigests.insert(fileSha256(f));
    std::size_t checked = 0;
    cache->index().forEachInstance([&](const InstanceRow& row) {
        const QString stored = QString::fromStdString(cache->store().finalPath(row.sopInstanceUid));
        const QByteArray digest = fileSha256(stored);
        if (!sourceDigests.count(digest)) {
            qWarning("%s: stored copy differs from every source file", qPrintable(stored));
            return false;
        }
        if (QByteArray(reinterpret_cast<const char*>(row.sha256.data()), 32) != digest) {
            qWarning("%s: recorded SHA-256 %s", qPrintable(stored), toHex(row.sha256).c_str());
            return false;
        }
        ++checked;
        return true;
    });
    QCOMPARE(checked, expected.size());

    // The same files again (and a second copy of a file under another name): nothing new.
    QTemporaryDir copy;
    QFile::copy(m_ct + "/1-05.dcm", copy.path() + "/renamed.dcm");
    r = cache->import({str(testDataDir()), str(copy.path())}, ImportOptions{}, {}, nullptr);
    QCOMPARE(r.imported, std::size_t(0));
    QCOMPARE(r.alreadyPresent, dicomFiles + 1);
    QCOMPARE(std::size_t(cache->index().stats().instances), expected.size());

    // The study rows hold what browsing needs.
    StudyQuery q;
    q.patientId = "Lung_Dx-A0002";
    const auto rows = search(*cache, q);
    QCOMPARE(rows.size(), std::size_t(1));
    QCOMPARE(rows[0].instanceCount, 30);
    QCOMPARE(rows[0].seriesCount, 1);
    QCOMPARE(rows[0].modalities, std::vector<std::string>{"CT"});
    QCOMPARE(QString::fromStdString(rows[0].studyDate), QString("20070425"));
    const auto series = cache->index().seriesOf(rows[0].studyUid);
    QCOMPARE(series.size(), std::size_t(1));
    const auto instances = cache->index().instancesOfSeries(series[0].seriesUid);
    QCOMPARE(instances.size(), std::size_t(30));
    QVERIFY(!instances[0].imagePosition.empty());
    QCOMPARE(QString::fromStdString(instances[0].imageOrientation).split('\\').size(), 6);
    QCOMPARE(instances[0].rows.value_or(0), std::int64_t(512));
}

void CacheTest::importOfDamagedAndForeignFilesListsReasons()
{
    QTemporaryDir src;
    QFile::copy(m_ct + "/1-01.dcm", src.path() + "/good.dcm");
    QFile truncated(src.path() + "/truncated.dcm");
    QFile original(m_ct + "/1-02.dcm");
    QVERIFY(original.open(QIODevice::ReadOnly) && truncated.open(QIODevice::WriteOnly));
    truncated.write(original.read(original.size() / 2));
    truncated.close();
    QFile text(src.path() + "/notes.txt");
    QVERIFY(text.open(QIODevice::WriteOnly));
    text.write("not an image\n");
    text.close();
    QFile::copy(pydicomTestFiles() + "/rtdose_1frame.dcm", src.path() + "/rtdose_1frame.dcm");  // makes GDCM abort()

    auto cache = openCache(m_tmp.path() + "/damaged");
    const ImportReport r = cache->import({str(src.path()), str(src.path() + "/missing.dcm")});
    QCOMPARE(r.imported, std::size_t(2));  // good.dcm and the RT dose
    QCOMPARE(r.rejected.size(), std::size_t(2));
    QCOMPARE(r.notDicom.size(), std::size_t(1));
    std::set<std::string> rejected;
    for (const Problem& p : r.rejected) {
        QVERIFY(!p.reason.empty() && p.reason.find('\n') == std::string::npos);
        rejected.insert(QFileInfo(QString::fromStdString(p.path)).fileName().toStdString());
    }
    QVERIFY(rejected.count("truncated.dcm"));
    QVERIFY(rejected.count("missing.dcm"));
    QVERIFY(!r.complete());
    QCOMPARE(QDir(m_tmp.path() + "/damaged/tmp").entryList(QDir::Files).size(), 0);  // no leftovers
}

void CacheTest::namesInEveryCharacterSetAreSearchable()
{
    auto cache = openCache(m_tmp.path() + "/charsets");
    const ImportReport r = cache->import({str(testDataDir() + "/dicomdir/clunie-charsettests")});
    QCOMPARE(r.imported, std::size_t(11));
    struct Case { const char* pattern; int studies; const char* contains; };
    const Case cases[] = {
        {"yamada", 1, "Yamada^Tarou"},        // prefix, case-insensitive, alphabetic group
        {"山田*", 2, "山田"},                  // ideographic group (H31 and H32)
        {"やまだ", 2, "やまだ"},               // phonetic group
        {"ﾔﾏﾀﾞ*", 1, "ﾔﾏﾀﾞ"},                 // half-width katakana as written
        {"jerome", 0, ""},                    // family name first: no match on the given name
        {"buc^jerome", 1, "Jérôme"},          // accent-insensitive
        {"BUC^JÉRÔME", 1, "Jérôme"},
        {"*rome", 1, "Jérôme"},               // leading wildcard
        {"hong", 1, "Hong^Gildong"},
        {"홍*", 1, "홍"},
        {"洪^吉?", 1, "洪"},                   // single-character wildcard
        {"wang*", 2, "Wang^XiaoDong"},
        {"διονυσιος", 1, "Διονυσιος"},        // Greek, lower case
        {"люкceмбypг", 1, "Люкceмбypг"},      // Cyrillic
        {"שרון", 1, "שרון"},                  // Hebrew
        {"قباني", 1, "قباني"},                 // Arabic
        {"äneas", 1, "Äneas"},
        {"aneas", 1, "Äneas"},
    };
    for (const Case& c : cases) {
        const auto rows = search(*cache, byName(c.pattern));
        QVERIFY2(int(rows.size()) == c.studies, qPrintable(QStringLiteral("%1: %2 studies").arg(QString::fromUtf8(c.pattern)).arg(rows.size())));
        for (const auto& row : rows) QVERIFY2(row.patientName.find(c.contains) != std::string::npos, row.patientName.c_str());
    }
}

void CacheTest::filtersSortingAndPaging()
{
    auto cache = openCache(m_tmp.path() + "/full");
    StudyQuery all;
    all.limit = 1000;
    const auto everything = search(*cache, all);
    QVERIFY(everything.size() > 10);
    QCOMPARE(std::size_t(*cache->index().countStudies(all)), everything.size());
    // Newest first, ties by time.
    for (size_t i = 1; i < everything.size(); ++i) QVERIFY(everything[i - 1].studyDate >= everything[i].studyDate);

    StudyQuery q;
    q.modality = "mr";  // case-insensitive modality
    for (const auto& s : search(*cache, q))
        QVERIFY(std::find(s.modalities.begin(), s.modalities.end(), "MR") != s.modalities.end());
    QVERIFY(!search(*cache, q).empty());

    q = {};
    q.fromDate = "20070101";
    q.toDate = "20071231";
    const auto in2007 = search(*cache, q);
    QVERIFY(!in2007.empty());
    for (const auto& s : in2007) QVERIFY(s.studyDate >= "20070101" && s.studyDate <= "20071231");

    q = {};
    q.patientId = "Lung_*";
    QCOMPARE(search(*cache, q).size(), std::size_t(1));
    q.patientId = "lung_dx-a0002";  // IDs are exact
    QCOMPARE(search(*cache, q).size(), std::size_t(0));

    q = {};
    q.description = "thorax";  // contains, case-insensitive
    const auto thorax = search(*cache, q);
    QCOMPARE(thorax.size(), std::size_t(1));

    // Paging walks the same order without gaps or repeats.
    std::vector<std::string> paged;
    StudyQuery page;
    page.limit = 4;
    for (page.offset = 0; page.offset < int(everything.size()); page.offset += 4)
        for (const auto& s : search(*cache, page)) paged.push_back(s.studyUid);
    QCOMPARE(paged.size(), everything.size());
    for (size_t i = 0; i < paged.size(); ++i) QCOMPARE(paged[i], everything[i].studyUid);

    StudyQuery byNameSort;
    byNameSort.sort = StudyQuery::Sort::PatientName;
    byNameSort.limit = 1000;
    const auto named = search(*cache, byNameSort);
    for (size_t i = 1; i < named.size(); ++i)
        QVERIFY(QString::fromStdString(named[i - 1].patientName).compare(QString::fromStdString(named[i].patientName), Qt::CaseInsensitive) <= 0);
}

void CacheTest::dicomdirFromRemovableMedia()
{
    // A CD copied with lower-case names: the DICOMDIR's upper-case references must still resolve.
    QTemporaryDir media;
    const QString src = testDataDir() + "/dicomdir/clunie-charsettests";
    for (const QString& f : QDir(src).entryList(QDir::Files)) QVERIFY(QFile::copy(src + "/" + f, media.path() + "/" + (f == "DICOMDIR" ? f : f.toLower())));
    QFile::remove(media.path() + "/scsgreek");  // one referenced file is missing
    auto cache = openCache(m_tmp.path() + "/media");
    const ImportReport r = cache->import({str(media.path() + "/DICOMDIR")});
    QCOMPARE(r.imported, std::size_t(10));
    QCOMPARE(r.rejected.size(), std::size_t(1));
    QVERIFY(r.rejected[0].reason.find("missing") != std::string::npos);
    QVERIFY(QString::fromStdString(r.rejected[0].path).endsWith("SCSGREEK"));
}

void CacheTest::zipArchives()
{
    const QString zip = m_tmp.path() + "/ct.zip";
    // Python's zipfile writes the archive: a folder of DICOM files and a text file.
    const QString script = "import sys, zipfile, os\n"
                           "with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n"
                           "    for n in sorted(os.listdir(sys.argv[2])): z.write(os.path.join(sys.argv[2], n), 'study/CT/' + n)\n"
                           "    z.writestr('study/readme.txt', 'hello')\n";
    QVERIFY(run(python(), {"-c", script, zip, m_ct}).ok());
    auto cache = openCache(m_tmp.path() + "/zip");
    const ImportReport r = cache->import({str(zip)});
    QCOMPARE(r.imported, std::size_t(30));
    QCOMPARE(r.notDicom.size(), std::size_t(1));
    QVERIFY(QString::fromStdString(r.notDicom[0].path).endsWith("ct.zip:study/readme.txt"));
    // The same bytes as the originals.
    for (const auto& [path, row] : cache->studyFiles(search(*cache, StudyQuery{}).front().studyUid)) {
        const QByteArray digest = QByteArray(reinterpret_cast<const char*>(row.sha256.data()), 32);
        QCOMPARE(fileSha256(QString::fromStdString(path)), digest);
    }
    QCOMPARE(QDir(m_tmp.path() + "/zip/tmp").entryList(QDir::Files).size(), 0);
}

void CacheTest::evictionKeepsPinnedOpenAndRecent()
{
    auto cache = openCache(m_tmp.path() + "/evict");
    QVERIFY(cache->import({str(testDataDir() + "/dicomdir/clunie-charsettests")}).imported == 11);
    QVERIFY(cache->import({str(m_ct)}).imported == 30);
    StudyQuery all;
    all.limit = 100;
    auto studies = search(*cache, all);
    QCOMPARE(studies.size(), std::size_t(12));
    std::string ctStudy, pinned, open, recent;
    for (const auto& s : studies) {
        if (s.patientId == "Lung_Dx-A0002") ctStudy = s.studyUid;
    }
    for (const auto& s : studies) {
        if (s.studyUid == ctStudy) continue;
        if (pinned.empty()) pinned = s.studyUid;
        else if (open.empty()) open = s.studyUid;
        else if (recent.empty()) recent = s.studyUid;
    }
    QVERIFY(cache->index().setPinned(pinned, true).ok());
    auto keeper = LeaseKeeper::open(str(m_tmp.path() + "/evict"));
    QVERIFY(keeper.ok());
    // Opened through the one way to open: "last opened" recorded, and held while the lease lives.
    QVERIFY(openStudy(*cache, **keeper, recent, "test").ok());
    QTest::qWait(5);
    QVERIFY(openStudy(*cache, **keeper, ctStudy, "test").ok());  // the most recent
    auto shown = openStudy(*cache, **keeper, open, "viewing");
    QVERIFY(shown.ok());
    QVERIFY(cache->index().study(open)->lastOpened >= cache->index().study(ctStudy)->lastOpened);
    QVERIFY(cache->index().markOpened(open, 1).ok());  // opened long ago, but held now
    const std::int64_t ctBytes = cache->index().study(ctStudy)->sizeBytes;
    const std::int64_t pinnedBytes = cache->index().study(pinned)->sizeBytes;
    const std::int64_t openBytes = cache->index().study(open)->sizeBytes;
    const std::int64_t recentBytes = cache->index().study(recent)->sizeBytes;

    // Room for the CT, the pinned, the open and the recently opened study only.
    const std::int64_t target = ctBytes + pinnedBytes + openBytes + recentBytes;
    const EvictReport r = cache->evict(target);
    QVERIFY(r.targetReached);
    QCOMPARE(r.studies.size(), std::size_t(8));
    for (const std::string& s : {ctStudy, pinned, open, recent}) QVERIFY2(cache->index().study(s).has_value(), s.c_str());
    QCOMPARE(cache->index().stats().bytes, target);
    // Evicted files are gone from the store.
    QCOMPARE(cache->store().listFiles().size(), std::size_t(33));

    // A target below the protected studies cannot be reached.
    const EvictReport r2 = cache->evict(0);
    QVERIFY(!r2.targetReached);
    QVERIFY(cache->index().study(pinned).has_value());
    QVERIFY(cache->index().study(open).has_value());

    // The quota persists and drives eviction after imports.
    Quota quota;
    quota.maxBytes = pinnedBytes + openBytes + 1;
    quota.minFreeBytes = 0;
    QVERIFY(cache->setQuota(quota).ok());
    auto reopened = openCache(m_tmp.path() + "/evict");
    QCOMPARE(reopened->quota().maxBytes, quota.maxBytes);
}

void CacheTest::verifyFindsMissingAndModifiedFiles()
{
    auto cache = openCache(m_tmp.path() + "/verify");
    QCOMPARE(cache->import({str(m_ct)}).imported, std::size_t(30));
    VerifyReport ok = cache->verify();
    QVERIFY(ok.ok());
    QCOMPARE(ok.checked, std::size_t(30));
    const auto files = cache->studyFiles(search(*cache, StudyQuery{}).front().studyUid);
    QVERIFY(QFile::remove(QString::fromStdString(files[3].first)));
    QFile f(QString::fromStdString(files[7].first));
    QVERIFY(f.open(QIODevice::ReadWrite));
    f.seek(f.size() - 10);
    f.write("XXXX");
    f.close();
    QFile orphan(QString::fromStdString(cache->store().root()) + "/files/00/orphan.dcm");
    QDir().mkpath(QFileInfo(orphan).path());
    QVERIFY(orphan.open(QIODevice::WriteOnly));
    orphan.close();
    const VerifyReport bad = cache->verify();
    QCOMPARE(bad.missing.size(), std::size_t(1));
    QCOMPARE(bad.modified.size(), std::size_t(1));
    QCOMPARE(bad.orphans.size(), std::size_t(1));
    QVERIFY(bad.missing[0].path == files[3].first);
    QVERIFY(bad.modified[0].path == files[7].first);
    QCOMPARE(search(*cache, StudyQuery{}).front().problems, 2);  // the browser marks the study

    const ProcessResult r = run(lightboxExe(), {"cache", "verify", "--cache", m_tmp.path() + "/verify"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.out.contains("missing: ") && r.out.contains("modified: "));
}

void CacheTest::deleteRemovesRowsAndFiles()
{
    auto cache = openCache(m_tmp.path() + "/delete");
    QCOMPARE(cache->import({str(m_ct), str(testDataDir() + "/dicomdir/clunie-charsettests/SCSGREEK")}).imported, std::size_t(31));
    StudyQuery q;
    q.patientId = "Lung_Dx-A0002";
    const std::string study = search(*cache, q).front().studyUid;
    QVERIFY(cache->deleteStudy(study).ok());
    QVERIFY(!cache->index().study(study));
    const CacheStats s = cache->index().stats();
    QCOMPARE(s.instances, std::int64_t(1));
    QCOMPARE(s.patients, std::int64_t(1));  // the patient went with their only study
    QCOMPARE(cache->store().listFiles().size(), std::size_t(1));
    QVERIFY(!cache->deleteStudy(study).ok());
}

void CacheTest::schemaIsVersioned()
{
    auto cache = openCache(m_tmp.path() + "/schema");
    auto pragma = [&](const char* sql) {
        auto st = cache->database().prepare(sql);
        return st && st->step() ? st->text(0) : std::string();
    };
    QCOMPARE(QString::fromStdString(pragma("PRAGMA user_version")), QString::number(kSchemaVersion));
    QCOMPARE(QString::fromStdString(pragma("PRAGMA foreign_keys")), QString("1"));
    QCOMPARE(QString::fromStdString(pragma("PRAGMA journal_mode")), QString("wal"));
    QVERIFY(cache->database().exec("PRAGMA user_version = 99").ok());
    cache.reset();
    auto newer = Cache::open(str(m_tmp.path() + "/schema"));
    QVERIFY(!newer.ok());
    QVERIFY(newer.error().message.find("newer Lightbox") != std::string::npos);
}

void CacheTest::annotationsOutliveEvictionAndUpgrade()
{
    const QString dir = m_tmp.path() + "/annotations";
    auto cache = openCache(dir);
    QCOMPARE(cache->import({str(m_ct)}).imported, std::size_t(30));
    StudyQuery q;
    q.patientId = "Lung_Dx-A0002";
    const std::string study = search(*cache, q).front().studyUid;
    AnnotationRow row;
    row.id = "a1";
    row.studyUid = study;
    row.kind = "length";
    row.data = R"({"kind":"length"})";
    row.createdAt = row.modifiedAt = 1000;
    QVERIFY(saveAnnotation(cache->database(), row).ok());
    row.data = R"({"kind":"length","points":[]})";  // saved again: replaced, not duplicated
    row.modifiedAt = 2000;
    QVERIFY(saveAnnotation(cache->database(), row).ok());
    row.id = "a2";
    QVERIFY(saveAnnotation(cache->database(), row).ok());
    QVERIFY(!saveAnnotation(cache->database(), AnnotationRow{}).ok());  // no id, no study
    auto rows = studyAnnotations(cache->database(), study);
    QVERIFY(rows.ok());
    QCOMPARE(rows->size(), std::size_t(2));
    QCOMPARE(rows->front().data, row.data);
    QCOMPARE(rows->front().createdAt, std::int64_t(1000));
    QCOMPARE(rows->front().modifiedAt, std::int64_t(2000));
    // Evicting the images keeps the measurements: the study may come back from the archive.
    QVERIFY(cache->evict(0).studies.size() == 1);
    QVERIFY(!cache->index().study(study));
    QCOMPARE(studyAnnotations(cache->database(), study)->size(), std::size_t(2));
    QVERIFY(deleteAnnotation(cache->database(), "a2").ok());
    QCOMPARE(studyAnnotations(cache->database(), study)->size(), std::size_t(1));
    QVERIFY(deleteStudyAnnotations(cache->database(), study).ok());
    QVERIFY(studyAnnotations(cache->database(), study)->empty());
    // A cache index of version 1 (before annotations and per-study birth dates) is upgraded in place, its studies kept.
    QCOMPARE(cache->import({str(m_ct)}).imported, std::size_t(30));
    QVERIFY(cache->database().exec("DROP TABLE annotations; DROP TABLE study_leases; ALTER TABLE studies DROP COLUMN patient_birth_date; PRAGMA user_version = 1").ok());
    cache.reset();
    cache = openCache(dir);
    QVERIFY(cache->index().study(study));
    QVERIFY(saveAnnotation(cache->database(), row).ok());
    QCOMPARE(studyAnnotations(cache->database(), study)->size(), std::size_t(1));
}

void CacheTest::commandLine()
{
    const QString dir = m_tmp.path() + "/cli";
    ProcessResult r = run(lightboxExe(), {"import", "--cache", dir, "--quiet", m_ct, testDataDir() + "/dicomdir/clunie-charsettests/SCSH31"});
    QVERIFY2(r.ok(), r.err.constData());
    QVERIFY(r.out.contains("imported 31, already present 0, rejected 0"));
    r = run(lightboxExe(), {"import", "--cache", dir, "--quiet", pydicomTestFiles() + "/MR_truncated.dcm"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.out.contains("rejected: "));

    r = run(lightboxExe(), {"studies", "--cache", dir, "--json"});
    QVERIFY(r.ok());
    const QJsonArray studies = QJsonDocument::fromJson(r.out).array();
    QCOMPARE(studies.size(), 2);
    for (const QJsonValue& v : studies) {
        const QJsonObject o = v.toObject();
        for (const char* key : {"studyInstanceUid", "patientName", "patientId", "studyDate", "accession", "description", "modalities",
                                "seriesCount", "instanceCount"})
            QVERIFY2(o.contains(key), key);
        QVERIFY(o["modalities"].isArray());
    }
    r = run(lightboxExe(), {"studies", "--cache", dir, "--json", "--patient-name", "山田*"});
    const QJsonArray jp = QJsonDocument::fromJson(r.out).array();
    QCOMPARE(jp.size(), 1);
    QCOMPARE(jp[0].toObject()["patientName"].toString(), QString::fromUtf8("Yamada^Tarou=山田^太郎=やまだ^たろう"));
    r = run(lightboxExe(), {"studies", "--cache", dir, "--json", "--modality", "CT", "--from", "20070101", "--to", "20071231"});
    QCOMPARE(QJsonDocument::fromJson(r.out).array().size(), 1);
    QCOMPARE(run(lightboxExe(), {"studies", "--cache", dir, "--from", "2007"}).exitCode, 2);

    r = run(lightboxExe(), {"cache", "stats", "--cache", dir, "--json"});
    QVERIFY(r.ok());
    QCOMPARE(QJsonDocument::fromJson(r.out).object()["instances"].toInt(), 31);
    QVERIFY(run(lightboxExe(), {"cache", "verify", "--cache", dir}).ok());
    const QString uid = jp[0].toObject()["studyInstanceUid"].toString();
    QVERIFY(run(lightboxExe(), {"cache", "pin", uid, "--cache", dir}).ok());
    r = run(lightboxExe(), {"cache", "evict", "--to-size", "0", "--cache", dir});
    QCOMPARE(r.exitCode, 1);  // the pinned study stays: target not reached
    QVERIFY(r.out.contains("evicted 1 studies"));
    r = run(lightboxExe(), {"cache", "delete", uid, "--cache", dir});
    QVERIFY(r.ok());
    r = run(lightboxExe(), {"cache", "stats", "--cache", dir, "--json"});
    QCOMPARE(QJsonDocument::fromJson(r.out).object()["studies"].toInt(), 0);
}

QTEST_GUILESS_MAIN(CacheTest)
#include "test_cache.moc"
