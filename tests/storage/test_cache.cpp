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
#include <QDateTime>
#include <QDir>
#include <QMap>
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

// The SHA-256 a file has once stored: its 128-byte preamble (before "DICM") zeroed, the rest as is.
QByteArray storedFormSha256(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QByteArray bytes = f.readAll();
    if (bytes.size() >= 132 && bytes.mid(128, 4) == "DICM") bytes.replace(0, 128, QByteArray(128, '\0'));
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256);
}

// Top-level attributes of a DICOM file as DCMTK's dcmdump reads them (the reference): keyword ->
// value. Empty when dcmdump cannot read the file; `error` says why (a missing dcmdump is an error,
// never an empty answer that compares equal to another).
QMap<QString, QString> dcmdumpAttributes(const QString& file, const QStringList& keywords, QString* error = nullptr)
{
    QStringList args{"-q"};
    for (const QString& k : keywords) args << "+P" << k;
    args << file;
    const ProcessResult r = run("dcmdump", args);
    QMap<QString, QString> out;
    if (!r.ok()) {
        if (error) *error = QStringLiteral("dcmdump %1: exit %2 %3").arg(file).arg(r.exitCode).arg(QString::fromUtf8(r.err.left(300)));
        return out;
    }
    for (const QString& line : QString::fromUtf8(r.out).split('\n', Qt::SkipEmptyParts)) {
        if (!line.startsWith('(')) continue;  // nested in a sequence
        const QString keyword = line.section('#', 1).section(' ', -1).trimmed();
        const int a = line.indexOf('['), b = line.indexOf(']', a + 1);
        if (keywords.contains(keyword) && !out.contains(keyword)) out[keyword] = a >= 0 && b > a ? line.mid(a + 1, b - a - 1) : QString();
    }
    return out;
}

// SOP Instance UIDs of the DICOM instances among `files` (those with Study, Series and SOP Instance
// UIDs), read by dcmdump.
std::set<QString> sopUids(const QStringList& files)
{
    std::set<QString> uids;
    for (const QString& f : files) {
        const auto a = dcmdumpAttributes(f, {"SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID"});
        if (a.size() == 3 && !a["SOPInstanceUID"].isEmpty()) uids.insert(a["SOPInstanceUID"]);
    }
    return uids;
}

// A set as one sorted line, for comparisons that show what differs.
QString joined(const std::set<QString>& set) { return QStringList(set.begin(), set.end()).join(' '); }
QString joined(const std::set<std::string>& set)
{
    QStringList out;
    for (const std::string& v : set) out << QString::fromStdString(v);
    return out.join(' ');
}

QByteArray fileBytes(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// A fixed choice of the shared files, by name, so that what the tests expect does not change when
// files are added to the shared folder: a CT and an MR series, one MR slice in four compressed
// encodings (same SOP Instance UIDs, other bytes), nine transfer syntaxes of one slice, multi-frame
// objects, a DICOMDIR with its files (each then reached twice), SR and GSPS (no pixel data), one
// file present under two names, and two files that are not DICOM.
QStringList chosenFiles()
{
    QStringList names;
    for (int i = 1; i <= 30; ++i) names << QStringLiteral("ct/siemens-sensation10_chest_30sl/1-%1.dcm").arg(i, 2, 10, QChar('0'));
    for (int i = 1; i <= 24; ++i) names << QStringLiteral("mr/siemens-verio_brain-t1post_24sl/1-%1.dcm").arg(i, 2, 10, QChar('0'));
    for (const char* codec : {"jpeg-ls", "jpeg2000", "jpeg-lossless", "rle"})
        for (int i = 1; i <= 4; ++i)
            names << QStringLiteral("compressed-series/siemens-trio_mr_4sl_%1/IM-0001-%2-0001.dcm").arg(codec).arg(i, 4, 10, QChar('0'));
    for (const char* ts : {"1_explicit-le", "2_implicit-le", "3_explicit-be", "4_rle", "5_jpeg-lossless-sv1_dcmtk", "6_jpeg-lossless-sv1_gdcm",
                           "7_jpeg-ls-lossless_gdcm", "8_jpeg-ls-lossless_dcmtk", "9_jpeg2000-lossless_gdcm"})
        names << QStringLiteral("transfer-syntaxes/siemens-trio_one-slice_9-ts/%1.dcm").arg(ts);
    names << "multiframe/xa_cine_jpeg-baseline_96fr.dcm" << "multiframe/enhanced-mr_philips-achieva-dstream_64fr.dcm";
    for (int i = 1; i <= 4; ++i) names << QStringLiteral("multiframe/enhanced-mr_siemens-vida-xa10/6_%1.dcm").arg(i);
    names << "dicomdir/clunie-charsettests/DICOMDIR";
    for (const char* f : {"SCSARAB", "SCSFREN", "SCSGERM", "SCSGREEK", "SCSH31", "SCSH32", "SCSHBRW", "SCSI2", "SCSRUSS", "SCSX1", "SCSX2"})
        names << QStringLiteral("dicomdir/clunie-charsettests/%1").arg(f);
    names << "sr/offis_basic-text-sr_reportsi.dcm" << "pr/lunit_gsps.dcm" << "us/nema-wg04_us1_rgb_uncompressed.dcm";
    names << "results/seg/highdicom_seg_ct/highdicom-testdata_ct_referenced-image.dcm"
          << "results/sr-tid1500/highdicom_tid1500_ct/highdicom-testdata_ct_referenced-image.dcm";
    names << "MANIFEST.md" << "results/MANIFEST.md";
    return names;
}

// The chosen files copied into `dir` under their relative names; the copies, sorted.
QStringList copyChosen(const QString& dir)
{
    QStringList out;
    for (const QString& name : chosenFiles()) {
        const QString target = dir + "/" + name;
        QDir().mkpath(QFileInfo(target).path());
        if (!QFile::copy(testDataDir() + "/" + name, target)) qFatal("cannot copy %s from the shared test data", qPrintable(name));
        out << target;
    }
    out.sort();
    return out;
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
    QString m_chosenDir;      // copies of chosenFiles()
    QStringList m_chosen;
};

void CacheTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_ct = testDataDir() + "/ct/siemens-sensation10_chest_30sl";
    m_chosenDir = m_tmp.path() + "/chosen";
    m_chosen = copyChosen(m_chosenDir);
    QCOMPARE(m_chosen.size(), chosenFiles().size());
}

void CacheTest::importStoresEachInstanceOnceByteForByte()
{
    auto cache = openCache(m_tmp.path() + "/full");
    QVERIFY(cache);
    // What to expect, read by dcmdump: the distinct SOP instances and how many files hold one (the
    // DICOMDIR's files are reached twice, through the folder and through it, and counted once).
    const std::set<QString> expected = sopUids(m_chosen);
    std::size_t instanceFiles = 0;
    for (const QString& f : m_chosen) {
        QString error;
        if (QFileInfo(f).suffix() == "md") continue;  // the two files that are not DICOM
        const auto a = dcmdumpAttributes(f, {"SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID"}, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        if (a.size() == 3) ++instanceFiles;
    }
    // The oracle itself: CT 30 + MR 24 + the 4 MR slices shared by four encodings + 9 transfer
    // syntaxes + 6 multi-frame + 11 DICOMDIR files + SR, GSPS, US + the file present twice.
    QCOMPARE(expected.size(), std::size_t(30 + 24 + 4 + 9 + 6 + 11 + 3 + 1));
    QCOMPARE(instanceFiles, expected.size() + 12 + 1);

    ImportReport r = cache->import({str(m_chosenDir)}, ImportOptions{}, {}, nullptr);
    QVERIFY2(r.fatal.empty(), r.fatal.c_str());
    QCOMPARE(r.imported, expected.size());
    QCOMPARE(r.alreadyPresent, instanceFiles - expected.size());  // same SOP Instance UID: stored once
    const std::size_t dicomFiles = r.imported + r.alreadyPresent;
    QCOMPARE(std::size_t(cache->index().stats().instances), expected.size());
    QVERIFY(r.rejected.empty());
    std::set<QString> notDicom;
    for (const Problem& p : r.notDicom) notDicom.insert(QString::fromStdString(p.path));
    QCOMPARE(joined(notDicom), joined(std::set<QString>{m_chosenDir + "/MANIFEST.md", m_chosenDir + "/results/MANIFEST.md"}));

    // Byte-identical copies but for the preamble, which is stored zeroed (some sources carry a TIFF
    // header there): the stored file's SHA-256 is a source file's so cleaned, and the recorded one.
    std::set<QByteArray> sourceDigests;
    for (const QString& f : m_chosen) sourceDigests.insert(storedFormSha256(f));
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
    QVERIFY(QFile::copy(m_ct + "/1-05.dcm", copy.path() + "/renamed.dcm"));
    r = cache->import({str(m_chosenDir), str(copy.path())}, ImportOptions{}, {}, nullptr);
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
    // The studies each filter must find, read from the imported files by dcmdump.
    std::set<std::string> allStudies, lungStudies, thoraxStudies, mrStudies, studies2007;
    for (const QString& f : m_chosen) {
        if (QFileInfo(f).suffix() == "md") continue;
        QString error;
        const auto a = dcmdumpAttributes(f, {"StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "PatientID", "StudyDescription", "StudyDate", "Modality"}, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        if (!a.contains("StudyInstanceUID") || !a.contains("SeriesInstanceUID") || !a.contains("SOPInstanceUID")) continue;  // the DICOMDIR
        const std::string study = a["StudyInstanceUID"].toStdString();
        allStudies.insert(study);
        if (a.value("PatientID").startsWith("Lung_")) lungStudies.insert(study);
        if (a.value("StudyDescription").contains("thorax", Qt::CaseInsensitive)) thoraxStudies.insert(study);
        if (a.value("Modality") == "MR") mrStudies.insert(study);
        if (a.value("StudyDate") >= "20070101" && a.value("StudyDate") <= "20071231") studies2007.insert(study);
    }
    auto uids = [](const std::vector<StudyRow>& rows) {
        std::set<std::string> out;
        for (const auto& r : rows) out.insert(r.studyUid);
        return out;
    };
    QVERIFY(allStudies.size() > 10);
    QVERIFY(!lungStudies.empty() && !thoraxStudies.empty() && !mrStudies.empty() && !studies2007.empty());

    StudyQuery all;
    all.limit = 1000;
    const auto everything = search(*cache, all);
    QCOMPARE(joined(uids(everything)), joined(allStudies));
    QCOMPARE(std::size_t(*cache->index().countStudies(all)), everything.size());
    // Newest first, ties by time.
    for (size_t i = 1; i < everything.size(); ++i) QVERIFY(everything[i - 1].studyDate >= everything[i].studyDate);

    StudyQuery q;
    q.modality = "mr";  // case-insensitive modality
    q.limit = 1000;
    for (const auto& s : search(*cache, q))
        QVERIFY(std::find(s.modalities.begin(), s.modalities.end(), "MR") != s.modalities.end());
    QCOMPARE(joined(uids(search(*cache, q))), joined(mrStudies));

    q = {};
    q.fromDate = "20070101";
    q.toDate = "20071231";
    q.limit = 1000;
    const auto in2007 = search(*cache, q);
    QCOMPARE(joined(uids(in2007)), joined(studies2007));
    for (const auto& s : in2007) QVERIFY(s.studyDate >= "20070101" && s.studyDate <= "20071231");

    q = {};
    q.patientId = "Lung_*";
    q.limit = 1000;
    QCOMPARE(joined(uids(search(*cache, q))), joined(lungStudies));
    q.patientId = "lung_dx-a0002";  // IDs are exact
    QCOMPARE(search(*cache, q).size(), std::size_t(0));

    q = {};
    q.description = "thorax";  // contains, case-insensitive
    q.limit = 1000;
    QCOMPARE(joined(uids(search(*cache, q))), joined(thoraxStudies));

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
    // The same bytes as the ZIP's entries, as Python's zipfile extracts them (not the digest Lightbox
    // recorded): each stored file is found by its SOP Instance UID among the extracted entries.
    const QString extracted = m_tmp.path() + "/zip-extracted";
    const ProcessResult unzip = run(python(), {"-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])", zip, extracted});
    QVERIFY2(unzip.ok(), unzip.err.constData());
    QMap<QString, QString> entryBySop;
    for (const QString& f : filesUnder(extracted + "/study/CT")) {
        QString error;
        const QString sop = dcmdumpAttributes(f, {"SOPInstanceUID"}, &error).value("SOPInstanceUID");
        QVERIFY2(!sop.isEmpty(), qPrintable(f + ": " + error));
        entryBySop[sop] = f;
    }
    QCOMPARE(entryBySop.size(), 30);
    int same = 0;
    for (const auto& [path, row] : cache->studyFiles(search(*cache, StudyQuery{}).front().studyUid)) {
        const QString entry = entryBySop.value(QString::fromStdString(row.sopInstanceUid));
        QVERIFY2(!entry.isEmpty(), row.sopInstanceUid.c_str());
        const QByteArray stored = fileBytes(QString::fromStdString(path)), original = fileBytes(entry);
        QVERIFY2(!original.isEmpty() && stored == original, qPrintable(QStringLiteral("%1: %2 bytes stored, entry %3 bytes").arg(path.c_str()).arg(stored.size()).arg(original.size())));
        QCOMPARE(fileBytes(m_ct + "/" + QFileInfo(entry).fileName()), original);  // and the entry is the source file
        ++same;
    }
    QCOMPARE(same, 30);
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
    // The next opening must come later on the index's millisecond clock: wait for the clock to move.
    const std::int64_t recentOpened = cache->index().study(recent)->lastOpened;
    QTRY_VERIFY(QDateTime::currentMSecsSinceEpoch() > recentOpened);
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
    QVERIFY(cache->database().exec("DROP TABLE annotations; DROP TABLE study_leases; DROP TABLE study_holds; ALTER TABLE studies DROP COLUMN patient_birth_date; "
                                        "DROP INDEX instances_safety; ALTER TABLE instances DROP COLUMN safety; PRAGMA user_version = 1").ok());
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
