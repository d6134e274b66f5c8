// Anonymised export through real `lightbox` processes: a multi-study export (GE CT images with
// the 20 GSPS that reference them, a TID 1500 SR with its CT, a KOS with its MR, a PET slice with
// an icon image; private tags and nested sequences throughout) to a folder with a DICOMDIR and to
// a ZIP: no original value of a Table E.1-1 attribute is left in any byte of the output, every
// reference resolves inside the export, the method is recorded, dciodvfy finds no new error;
// burned-in ultrasound refused without rectangles and blanked with them; dates shifted by exactly
// the days asked (never the birth date); UIDs kept when asked; one Export audit record per study;
// an anonymised study sent to a real Orthanc by C-STORE and by STOW-RS arrives under the new
// patient name and ID with none of its original identifiers anywhere in the archive.
#include "auditor.h"
#include "deidentify_table.h"
#include "export_study.h"
#include "orthanc_fixture.h"
#include "test_support.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcsequen.h>

#include <QDate>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <zip.h>

#include <functional>
#include <map>
#include <set>

using namespace lightbox::test;

namespace {

// Every element of a dataset, nested ones included: (element, is it inside a private sequence).
void walk(DcmItem& item, const std::function<void(DcmElement&)>& visit)
{
    for (unsigned long i = 0; i < item.card(); ++i) {
        DcmElement* e = item.getElement(i);
        visit(*e);
        if (e->ident() == EVR_SQ) {
            auto* sq = static_cast<DcmSequenceOfItems*>(e);
            for (unsigned long j = 0; j < sq->card(); ++j) walk(*sq->getItem(j), visit);
        }
    }
}

QStringList valuesOf(DcmElement& e)
{
    if (e.ident() == EVR_SQ || e.ident() == EVR_OB || e.ident() == EVR_OW || e.ident() == EVR_UN || e.ident() == EVR_OF || e.ident() == EVR_OD)
        return {};
    OFString all;
    if (e.getOFStringArray(all).bad()) return {};
    QStringList out;
    for (const QString& v : QString::fromLatin1(all.c_str()).split('\\')) out << v.trimmed();
    return out;
}

std::unique_ptr<DcmFileFormat> load(const QString& path)
{
    auto f = std::make_unique<DcmFileFormat>();
    if (f->loadFile(path.toLocal8Bit().constData()).bad()) return nullptr;
    return f;
}

QString text(DcmItem& item, const DcmTagKey& tag)
{
    OFString v;
    return item.findAndGetOFString(tag, v).good() ? QString::fromLatin1(v.c_str()) : QString();
}

// Digits alone shorter than a date turn up by chance in the export's new random UIDs (2.25.<39 digits>).
bool shortNumber(const QByteArray& v)
{
    static const QRegularExpression digits("^[0-9]+$");
    return v.size() < 8 && digits.match(QString::fromLatin1(v)).hasMatch();
}

// Every entry of a ZIP, read into memory.
std::map<QString, QByteArray> zipEntries(const QString& path)
{
    std::map<QString, QByteArray> out;
    int error = 0;
    zip_t* z = zip_open(path.toLocal8Bit().constData(), ZIP_RDONLY, &error);
    if (!z) return out;
    for (zip_int64_t i = 0; i < zip_get_num_entries(z, 0); ++i) {
        zip_stat_t st;
        zip_stat_index(z, zip_uint64_t(i), 0, &st);
        QByteArray data(qsizetype(st.size), '\0');
        zip_file_t* f = zip_fopen_index(z, zip_uint64_t(i), 0);
        if (f) zip_fread(f, data.data(), st.size), zip_fclose(f);
        out[QString::fromUtf8(st.name)] = data;
    }
    zip_close(z);
    return out;
}

// dciodvfy's error lines, with the values that change with de-identification left out.
QStringList dciodvfyErrors(const QString& file)
{
    const ProcessResult r = run("dciodvfy", {file}, 120000);
    QStringList errors;
    static const QRegularExpression value("<[^>]*>|\\b\\d+\\b|\"[^\"]*\"");
    for (const QString& line : QString::fromLatin1(r.out + r.err).split('\n'))
        if (line.startsWith("Error")) errors << QString(line).replace(value, "_").trimmed();
    return errors;
}

}  // namespace

class ExportTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void anonymisedFolderLeavesNoOriginalValue();
    void anonymisedZipLeavesNoOriginalValue();
    void referencesResolveInsideTheExport();
    void methodIsRecorded();
    void dciodvfyFindsNoNewError();
    void burnedInUltrasoundRefusedThenBlanked();
    void datesShiftedByExactlyTheDays();
    void retainUidsKeepsThem();
    void oneExportRecordPerStudy();
    void wrongArgumentsAndIdentifiedExport();
    void cancelledAfterTwoInstancesLeavesNothing();
    void technologistRefusedIdentifiedExport();
    void anonymisedToArchive_data();
    void anonymisedToArchive();

private:
    ProcessResult lb(const QStringList& args);
    QStringList inputFiles() const { return filesUnder(m_input); }
    QStringList dicomFilesUnder(const QString& dir) const;
    std::set<QByteArray> needles() const;
    void checkNoNeedle(const std::map<QString, QByteArray>& files);

    QTemporaryDir m_tmp;
    QString m_input, m_cache, m_security, m_usStudy, m_ctStudy;
    QStringList m_studies;  // every study but the ultrasound
    QString m_folderOut;
};

ProcessResult ExportTest::lb(const QStringList& args)
{
    return runWith(lightboxExe(), args + QStringList{"--cache", m_cache}, {{"LIGHTBOX_SECURITY_DIR", m_security}}, {}, 300000);
}

QStringList ExportTest::dicomFilesUnder(const QString& dir) const
{
    QStringList out;
    for (const QString& f : filesUnder(dir))
        if (f.contains("/DICOM/")) out << f;
    return out;
}

void ExportTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    QVERIFY2(!QStandardPaths::findExecutable("dciodvfy").isEmpty(), "dciodvfy (Debian dicom3tools) is needed");
    m_input = m_tmp.path() + "/input";
    m_cache = m_tmp.path() + "/cache";
    m_security = m_tmp.path() + "/security";
    const QString data = testDataDir();
    const QStringList sources{data + "/results/gsps/ge-centricity-ra600_gsps_ct", data + "/results/sr-tid1500/highdicom_tid1500_ct",
                              data + "/results/kos/nist-wustl_kos_mr", data + "/pet/acrin-flt-breast_pt_single-slice.dcm"};
    for (const QString& s : sources) {
        const QStringList files = QFileInfo(s).isDir() ? filesUnder(s) : QStringList{s};
        for (const QString& f : files) {
            QDir().mkpath(m_input + "/" + QFileInfo(s).fileName());
            QVERIFY(QFile::copy(f, m_input + "/" + QFileInfo(s).fileName() + "/" + QFileInfo(f).fileName()));
        }
    }
    const ProcessResult imp = lb({"import", m_input, data + "/us/nema-wg04_us1_rgb_uncompressed.dcm"});
    QVERIFY2(imp.ok(), imp.err.constData());
    const ProcessResult studies = lb({"studies", "--json"});
    QVERIFY2(studies.ok(), studies.err.constData());
    for (const auto& s : QJsonDocument::fromJson(studies.out).array()) {
        const QJsonObject o = s.toObject();
        const QString uid = o["studyInstanceUid"].toString();
        if (o["modalities"].toArray().contains(QJsonValue("US"))) m_usStudy = uid;
        else m_studies << uid;
    }
    QVERIFY2(m_studies.size() >= 3 && !m_usStudy.isEmpty(), studies.out.constData());
    m_folderOut = m_tmp.path() + "/out";
    const ProcessResult r = lb(QStringList{"export"} + m_studies + QStringList{"--anonymize", "--out", m_folderOut});
    QVERIFY2(r.ok(), r.err.constData());
}

// The values of Table E.1-1 attributes in the inputs (nested ones too) of 4 characters or more,
// less those the inputs also hold in attributes the profile keeps (a manufacturer's name that is
// also a station name stays with the manufacturer).
std::set<QByteArray> ExportTest::needles() const
{
    std::set<QByteArray> table, kept;
    QByteArray keptNumbersAndCodes;  // kept values that may contain a needle by coincidence
    for (const QString& f : inputFiles()) {
        auto file = load(f);
        if (!file) continue;
        const auto visit = [&](DcmElement& e) {
            const DcmTag& t = e.getTag();
            const bool listed = lightbox::imaging::findDeidRow(t.getGTag(), t.getETag()) != nullptr;
            for (const QString& v : valuesOf(e))
                if (v.size() >= 4) (listed ? table : t.isPrivate() ? table : kept).insert(v.toLatin1());
            const DcmEVR vr = e.ident();
            const bool number = vr == EVR_DS || vr == EVR_IS || vr == EVR_FL || vr == EVR_FD || vr == EVR_US || vr == EVR_SS || vr == EVR_UL || vr == EVR_SL;
            const bool code = t.getGTag() == 0x0008 && t.getETag() >= 0x0100 && t.getETag() <= 0x0107;
            if (!listed && !t.isPrivate() && (number || code)) keptNumbersAndCodes += valuesOf(e).join('|').toLatin1() + '|';
        };
        walk(*file->getDataset(), visit);
        walk(*file->getMetaInfo(), visit);
    }
    // What Lightbox writes itself (dummies, the method) says nothing of the originals: a value that
    // is part of one (an original Study Time of 000000), or one character repeated, is no signal.
    const QByteArray own = "ANONYMIZED 19000101000000.000000 000000.00 000Y REMOVED MODIFIED UNMODIFIED DCM Lightbox";
    std::set<QByteArray> out;
    for (const QByteArray& v : table)
        if (!kept.count(v) && !own.contains(v) && v.count(v.front()) != v.size() && !keptNumbersAndCodes.contains(v) && !shortNumber(v)) out.insert(v);
    return out;
}

void ExportTest::checkNoNeedle(const std::map<QString, QByteArray>& files)
{
    const std::set<QByteArray> all = needles();
    QVERIFY(all.size() > 100);
    QVERIFY(all.count("20020718"));  // the GE study's date is one of them
    QStringList found;
    for (const auto& [name, bytes] : files)
        for (const QByteArray& n : all)
            if (bytes.contains(n)) found << name + ": " + QString::fromLatin1(n);
    QVERIFY2(found.isEmpty(), qPrintable(found.mid(0, 20).join('\n')));
}

void ExportTest::anonymisedFolderLeavesNoOriginalValue()
{
    std::map<QString, QByteArray> files;
    const QStringList out = filesUnder(m_folderOut);
    QCOMPARE(dicomFilesUnder(m_folderOut).size(), inputFiles().size());
    QVERIFY(out.contains(m_folderOut + "/DICOMDIR"));
    for (const QString& f : out) {
        QFile file(f);
        QVERIFY(file.open(QIODevice::ReadOnly));
        files[f] = file.readAll();
        QCOMPARE(int(file.permissions() & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther)), 0);
        auto dicom = load(f);
        QVERIFY2(dicom, qPrintable(f));
        walk(*dicom->getDataset(), [&](DcmElement& e) { QVERIFY2(!e.getTag().isPrivate(), qPrintable(f + " " + e.getTag().toString().c_str())); });
    }
    QCOMPARE(int(QFileInfo(m_folderOut).permissions() & (QFile::ReadOther | QFile::ExeOther | QFile::ReadGroup)), 0);
    checkNoNeedle(files);
}

void ExportTest::anonymisedZipLeavesNoOriginalValue()
{
    const QString zip = m_tmp.path() + "/export.zip";
    const ProcessResult r = lb(QStringList{"export"} + m_studies + QStringList{"--anonymize", "--out", zip});
    QVERIFY2(r.ok(), r.err.constData());
    std::map<QString, QByteArray> entries = zipEntries(zip);
    QCOMPARE(int(entries.size()), inputFiles().size() + 1);
    QVERIFY(entries.count("DICOMDIR"));
    QVERIFY(!QFile::exists(zip + ".partial"));
    checkNoNeedle(entries);
    // A ZIP and its entries compressed by deflate: their stored bytes hold no original value either.
    QFile raw(zip);
    QVERIFY(raw.open(QIODevice::ReadOnly));
    checkNoNeedle({{zip, raw.readAll()}});
}

void ExportTest::referencesResolveInsideTheExport()
{
    // Counts the references (Referenced SOP Instance UID anywhere) that resolve to an instance of
    // the set, and how many instances share each frame of reference.
    const auto census = [](const QStringList& files, int& resolved, std::multiset<int>& frames, QStringList& problems) {
        std::set<QString> sops;
        std::map<QString, int> frameUse;
        std::vector<QStringList> refs;
        for (const QString& f : files) {
            auto file = load(f);
            if (!file) continue;
            DcmDataset& ds = *file->getDataset();
            sops.insert(text(ds, DCM_SOPInstanceUID));
            if (text(*file->getMetaInfo(), DCM_MediaStorageSOPInstanceUID) != text(ds, DCM_SOPInstanceUID)) problems << f + ": meta header UID differs";
            if (const QString fr = text(ds, DCM_FrameOfReferenceUID); !fr.isEmpty()) ++frameUse[fr];
            QStringList r;
            walk(ds, [&](DcmElement& e) { if (e.getTag() == DCM_ReferencedSOPInstanceUID) r << valuesOf(e); });
            refs.push_back(r);
        }
        resolved = 0;
        for (const QStringList& r : refs)
            for (const QString& u : r) resolved += int(sops.count(u));
        for (const auto& [uid, n] : frameUse) frames.insert(n);
    };
    int before = 0, after = 0;
    std::multiset<int> framesBefore, framesAfter;
    QStringList problems;
    census(inputFiles(), before, framesBefore, problems);
    problems.clear();  // inputs are what they are
    census(dicomFilesUnder(m_folderOut), after, framesAfter, problems);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n')));
    QVERIFY(before > 20);  // the GSPS, SR and KOS reference their images
    QCOMPARE(after, before);
    QCOMPARE(framesAfter, framesBefore);
    // And nothing of the inputs' UIDs is left: every one was replaced.
    std::set<QString> inputSops;
    for (const QString& f : inputFiles())
        if (auto file = load(f)) inputSops.insert(text(*file->getDataset(), DCM_SOPInstanceUID));
    for (const QString& f : dicomFilesUnder(m_folderOut)) QVERIFY(!inputSops.count(text(*load(f)->getDataset(), DCM_SOPInstanceUID)));
}

void ExportTest::methodIsRecorded()
{
    for (const QString& f : dicomFilesUnder(m_folderOut)) {
        auto file = load(f);
        DcmDataset& ds = *file->getDataset();
        QCOMPARE(text(ds, DCM_PatientIdentityRemoved), QString("YES"));
        QVERIFY(text(ds, DCM_DeidentificationMethod).contains(QString("PS3.15 ") + lightbox::imaging::kDeidEdition));
        DcmItem* code = nullptr;
        QVERIFY(ds.findAndGetSequenceItem(DCM_DeidentificationMethodCodeSequence, code, 0).good() && code);
        QCOMPARE(text(*code, DCM_CodeValue), QString("113100"));
        QCOMPARE(text(*code, DCM_CodingSchemeDesignator), QString("DCM"));
        QCOMPARE(text(ds, DCM_LongitudinalTemporalInformationModified), QString("REMOVED"));
    }
}

void ExportTest::dciodvfyFindsNoNewError()
{
    // Errors by SOP class: what the outputs of a class report must have been reported by its inputs.
    std::map<QString, std::set<QString>> before;
    for (const QString& f : inputFiles()) {
        auto file = load(f);
        QVERIFY(file);
        for (const QString& e : dciodvfyErrors(f)) before[text(*file->getDataset(), DCM_SOPClassUID)].insert(e);
    }
    QStringList fresh;
    for (const QString& f : dicomFilesUnder(m_folderOut)) {
        const QString sopClass = text(*load(f)->getDataset(), DCM_SOPClassUID);
        for (const QString& e : dciodvfyErrors(f))
            if (!before[sopClass].count(e)) fresh << QFileInfo(f).fileName() + ": " + e;
    }
    QVERIFY2(fresh.isEmpty(), qPrintable(fresh.mid(0, 30).join('\n')));
}

void ExportTest::burnedInUltrasoundRefusedThenBlanked()
{
    const QString refusedOut = m_tmp.path() + "/us-refused";
    const ProcessResult refused = lb({"export", m_usStudy, "--anonymize", "--out", refusedOut});
    QCOMPARE(refused.exitCode, 1);
    const QString original = testDataDir() + "/us/nema-wg04_us1_rgb_uncompressed.dcm";
    auto in = load(original);
    QVERIFY(refused.err.contains(text(*in->getDataset(), DCM_SOPInstanceUID).toLatin1()));
    QVERIFY(refused.err.contains("ultrasound"));
    QVERIFY(!QFileInfo::exists(refusedOut));
    QCOMPARE(QDir(m_tmp.path()).entryList({"us-refused*"}, QDir::AllEntries | QDir::Hidden).size(), 0);  // no partial folder either

    const QString out = m_tmp.path() + "/us-blanked";
    const ProcessResult blanked = lb({"export", m_usStudy, "--anonymize", "--blank", "10,20,300,40", "--out", out});
    QVERIFY2(blanked.ok(), blanked.err.constData());
    const QStringList files = dicomFilesUnder(out);
    QCOMPARE(files.size(), 1);
    auto result = load(files.first());
    const Uint8 *before = nullptr, *after = nullptr;
    QVERIFY(in->getDataset()->findAndGetUint8Array(DCM_PixelData, before).good());
    QVERIFY(result->getDataset()->findAndGetUint8Array(DCM_PixelData, after).good());
    Uint16 rows = 0, columns = 0;
    result->getDataset()->findAndGetUint16(DCM_Rows, rows);
    result->getDataset()->findAndGetUint16(DCM_Columns, columns);
    QCOMPARE(text(*result->getDataset(), DCM_PhotometricInterpretation), QString("RGB"));
    int insideNonZeroBefore = 0, outsideChanged = 0, outsideNonZero = 0;
    for (int y = 0; y < rows; ++y)
        for (int x = 0; x < columns; ++x)
            for (int s = 0; s < 3; ++s) {
                const long i = (long(y) * columns + x) * 3 + s;
                const bool inside = x >= 10 && x < 310 && y >= 20 && y < 60;
                if (inside) {
                    QCOMPARE(int(after[i]), 0);
                    insideNonZeroBefore += before[i] != 0;
                } else {
                    outsideChanged += before[i] != after[i];
                    outsideNonZero += before[i] != 0;
                }
            }
    QVERIFY(insideNonZeroBefore > 0);  // there was something to blank
    QVERIFY(outsideNonZero > 1000);
    QCOMPARE(outsideChanged, 0);
    QCOMPARE(text(*result->getDataset(), DCM_BurnedInAnnotation), QString("NO"));
}

void ExportTest::datesShiftedByExactlyTheDays()
{
    const QString out = m_tmp.path() + "/shifted";
    const ProcessResult r = lb(QStringList{"export"} + m_studies + QStringList{"--anonymize", "--retain-dates-shifted", "-400", "--retain-uids", "--out", out});
    QVERIFY2(r.ok(), r.err.constData());
    std::map<QString, QString> originalDates;  // SOP Instance UID -> Study Date, Content Date
    int birthDates = 0;
    for (const QString& f : inputFiles()) {
        auto file = load(f);
        DcmDataset& ds = *file->getDataset();
        originalDates[text(ds, DCM_SOPInstanceUID)] = text(ds, DCM_StudyDate) + "|" + text(ds, DCM_ContentDate) + "|" + text(ds, DCM_StudyTime);
        if (!text(ds, DCM_PatientBirthDate).isEmpty()) ++birthDates;
    }
    QVERIFY(birthDates > 0);
    int checked = 0;
    for (const QString& f : dicomFilesUnder(out)) {
        auto file = load(f);
        DcmDataset& ds = *file->getDataset();
        const QStringList was = originalDates.at(text(ds, DCM_SOPInstanceUID)).split('|');
        const QStringList now{text(ds, DCM_StudyDate), text(ds, DCM_ContentDate)};
        for (int i = 0; i < 2; ++i) {
            if (was[i].isEmpty()) continue;
            QCOMPARE(now[i], QDate::fromString(was[i], "yyyyMMdd").addDays(-400).toString("yyyyMMdd"));
            ++checked;
        }
        QCOMPARE(text(ds, DCM_StudyTime), was[2]);  // a shift by whole days keeps the time
        QCOMPARE(text(ds, DCM_PatientBirthDate), QString());  // no date option keeps or shifts it (Table E.1-1)
        QCOMPARE(text(ds, DCM_LongitudinalTemporalInformationModified), QString("MODIFIED"));
    }
    QVERIFY(checked >= inputFiles().size());
}

void ExportTest::retainUidsKeepsThem()
{
    std::set<QString> in, out;
    for (const QString& f : inputFiles()) in.insert(text(*load(f)->getDataset(), DCM_SOPInstanceUID));
    for (const QString& f : dicomFilesUnder(m_tmp.path() + "/shifted")) {
        auto file = load(f);
        out.insert(text(*file->getDataset(), DCM_SOPInstanceUID));
        DcmItem* code = nullptr;
        QStringList codes;
        for (int i = 0; file->getDataset()->findAndGetSequenceItem(DCM_DeidentificationMethodCodeSequence, code, i).good(); ++i) codes << text(*code, DCM_CodeValue);
        QCOMPARE(codes, QStringList({"113100", "113107", "113110"}));
    }
    QCOMPARE(out, in);
}

void ExportTest::oneExportRecordPerStudy()
{
    const ProcessResult r = runWith(lightboxExe(), {"audit", "show", "--format", "json"}, {{"LIGHTBOX_SECURITY_DIR", m_security}});
    QVERIFY2(r.ok(), r.err.constData());
    std::map<QString, int> exportsTo;
    for (const auto& rec : QJsonDocument::fromJson(r.out).array()) {
        const QString event = rec.toObject()["event"].toString();
        if (event.startsWith("Export to ")) ++exportsTo[event.mid(10)];
    }
    QCOMPARE(exportsTo[QFileInfo(m_folderOut).absoluteFilePath()], int(m_studies.size()));
    QCOMPARE(exportsTo[QFileInfo(m_tmp.path() + "/us-refused").absoluteFilePath()], 1);  // the refusal too
}

void ExportTest::wrongArgumentsAndIdentifiedExport()
{
    QCOMPARE(lb({"export", m_ctStudy.isEmpty() ? m_studies.first() : m_ctStudy, "--retain-uids", "--out", m_tmp.path() + "/x"}).exitCode, 2);
    QCOMPARE(lb({"export", m_studies.first(), "--anonymize"}).exitCode, 2);
    QCOMPARE(lb({"export", m_studies.first(), "--anonymize", "--blank", "1,2,3", "--out", m_tmp.path() + "/x"}).exitCode, 2);
    const ProcessResult missing = lb({"export", "1.2.3.4", "--anonymize", "--out", m_tmp.path() + "/x"});
    QCOMPARE(missing.exitCode, 1);
    QVERIFY(!QFileInfo::exists(m_tmp.path() + "/x"));
    // Identified: the files as stored, byte for byte.
    const QString out = m_tmp.path() + "/identified";
    const ProcessResult r = lb({"export", m_usStudy, "--out", out});
    QVERIFY2(r.ok(), r.err.constData());
    QCOMPARE(dicomFilesUnder(out).size(), 1);
    QCOMPARE(text(*load(dicomFilesUnder(out).first())->getDataset(), DCM_SOPInstanceUID),
             text(*load(testDataDir() + "/us/nema-wg04_us1_rgb_uncompressed.dcm")->getDataset(), DCM_SOPInstanceUID));
    // An existing, non-empty destination is refused and kept.
    QCOMPARE(lb({"export", m_usStudy, "--out", out}).exitCode, 1);
    QCOMPARE(dicomFilesUnder(out).size(), 1);
}

// Cancelled by the flag the progress callback sets after two instances: the promise of
// exportStudies is that nothing is left at the destination (no folder, no staging folder beside it).
void ExportTest::cancelledAfterTwoInstancesLeavesNothing()
{
    lightbox::app::ExportSpec spec;
    spec.cacheDir = m_cache;
    for (const QString& s : m_studies) spec.studyUids.push_back(s.toStdString());
    spec.anonymize = true;
    spec.folder = m_tmp.path() + "/cancelled";
    std::atomic<bool> cancel{false};
    int copied = 0;
    const auto progress = [&](const lightbox::app::ExportProgress& p) {
        if (p.stage == "de-identifying" && p.done >= 2) {
            copied = p.done;
            cancel = true;
        }
    };
    const lightbox::app::ExportReport r = lightbox::app::exportStudies(spec, progress, &cancel);
    QVERIFY(r.cancelled);
    QVERIFY(!r.ok());
    QCOMPARE(copied, 2);  // stopped where it was told, mid-way
    QVERIFY(!QFileInfo::exists(spec.folder));
    QCOMPARE(QDir(m_tmp.path()).entryList({"cancelled*", ".cancelled*"}, QDir::AllEntries | QDir::Hidden).size(), 0);
    // And to a ZIP: no file.
    spec.folder.clear();
    spec.zip = m_tmp.path() + "/cancelled.zip";
    cancel = false;
    QVERIFY(lightbox::app::exportStudies(spec, progress, &cancel).cancelled);
    QVERIFY(!QFileInfo::exists(spec.zip));
}

// The role rule of the export service: a technologist may export anonymised, not identified.
void ExportTest::technologistRefusedIdentifiedExport()
{
    using namespace lightbox::security;
    installAuditor(std::make_shared<Auditor>(m_tmp.path().toStdString() + "/tech-security", Identity{"tina", Role::Technologist, true}, "test_export"));
    lightbox::app::ExportSpec spec;
    spec.cacheDir = m_cache;
    spec.studyUids = {m_usStudy.toStdString()};
    spec.folder = m_tmp.path() + "/tech-identified";
    const lightbox::app::ExportReport refused = lightbox::app::exportStudies(spec);
    QVERIFY2(refused.error.contains("tina (technologist) may not export or send studies without anonymisation"), qPrintable(refused.error));
    QVERIFY(!QFileInfo::exists(spec.folder));
    // Anonymised (with a rectangle to blank the ultrasound's text) she may.
    spec.anonymize = true;
    spec.deid.blank = {{0, 0, 10, 10}};
    spec.folder = m_tmp.path() + "/tech-anonymised";
    const lightbox::app::ExportReport allowed = lightbox::app::exportStudies(spec);
    installAuditor(nullptr);
    QVERIFY2(allowed.ok(), qPrintable(allowed.error));
    QCOMPARE(dicomFilesUnder(spec.folder).size(), 1);
}

// Anonymised to an archive: the GE study (CT images and the GSPS that reference them) sent to a
// real Orthanc, once by C-STORE and once by STOW-RS, each time to an empty one. Orthanc's index
// must hold one patient under the new name and ID and one study under a new UID, find nothing by
// the original name, ID or Study Instance UID, and no stored file may contain any of the three.
void ExportTest::anonymisedToArchive_data()
{
    QTest::addColumn<QString>("method");
    QTest::newRow("store") << "store";
    QTest::newRow("stow") << "stow";
}

void ExportTest::anonymisedToArchive()
{
    QFETCH(QString, method);
    QString studyUid, patientName, patientId;
    int files = 0;
    for (const QString& f : filesUnder(m_input + "/ge-centricity-ra600_gsps_ct")) {
        auto file = load(f);
        QVERIFY(file);
        DcmDataset& ds = *file->getDataset();
        if (studyUid.isEmpty()) studyUid = text(ds, DCM_StudyInstanceUID), patientName = text(ds, DCM_PatientName), patientId = text(ds, DCM_PatientID);
        QCOMPARE(text(ds, DCM_StudyInstanceUID), studyUid);
        ++files;
    }
    QVERIFY(files > 20 && !patientName.isEmpty() && !patientId.isEmpty() && m_studies.contains(studyUid));

    OrthancServer orthanc;
    QString error;
    QVERIFY2(orthanc.start(&error), qPrintable(error));
    const QString config = m_tmp.path() + "/archive-" + method + ".json";
    const QList<QPair<QString, QString>> env{{"LIGHTBOX_SECURITY_DIR", m_security}, {"LIGHTBOX_KEY_STORE", "off"}};
    ProcessResult r = runWith(lightboxExe(), {"archive", "add", "orthanc", "--aet", orthanc.aeTitle(), "--host", "127.0.0.1", "--port",
                                              QString::number(orthanc.dicomPort()), "--dicomweb", orthanc.dicomWebUrl(), "--config", config},
                              env);
    QVERIFY2(r.ok(), r.err.constData());
    QCOMPARE(orthanc.instanceCount(), 0);
    const QString newName = "ANON^ARCHIVE^" + method.toUpper(), newId = "LB-ANON-" + method.toUpper();
    r = runWith(lightboxExe(), {"export", studyUid, "--anonymize", "--patient-name", newName, "--patient-id", newId, "--archive", "orthanc",
                                "--method", method, "--cache", m_cache, "--config", config},
                env, {}, 300000);
    QVERIFY2(r.ok(), (r.err + orthanc.log().right(2000).toUtf8()).constData());
    QCOMPARE(orthanc.instanceCount(), files);

    // Orthanc's own index.
    const auto json = [&](const QString& path) {
        const OrthancServer::Reply reply = orthanc.get(path);
        if (reply.status != 200) qWarning() << path << reply.status << reply.error << reply.body.left(300);
        return QJsonDocument::fromJson(reply.body);
    };
    const QJsonArray patients = json("/patients?expand").array();
    QCOMPARE(int(patients.size()), 1);
    const QJsonObject patientTags = patients.first().toObject()["MainDicomTags"].toObject();
    QCOMPARE(patientTags["PatientName"].toString(), newName);
    QCOMPARE(patientTags["PatientID"].toString(), newId);
    const QJsonArray studies = json("/studies?expand").array();
    QCOMPARE(int(studies.size()), 1);
    const QString storedStudyUid = studies.first().toObject()["MainDicomTags"].toObject()["StudyInstanceUID"].toString();
    QVERIFY(!storedStudyUid.isEmpty());
    QVERIFY(storedStudyUid != studyUid);
    const auto found = [&](const QString& tag, const QString& value) {
        const QJsonObject query{{"Level", "Instance"}, {"Expand", false}, {"Query", QJsonObject{{tag, value}}}};
        const OrthancServer::Reply reply = orthanc.post("/tools/find", QJsonDocument(query).toJson(), "application/json");
        return reply.status == 200 ? int(QJsonDocument::fromJson(reply.body).array().size()) : -1;
    };
    QCOMPARE(found("PatientName", newName), files);  // the query works
    QCOMPARE(found("PatientName", patientName), 0);
    QCOMPARE(found("PatientID", patientId), 0);
    QCOMPARE(found("StudyInstanceUID", studyUid), 0);

    // Every byte of every stored file.
    const QJsonArray instances = json("/instances").array();
    QCOMPARE(int(instances.size()), files);
    QStringList leaks;
    for (const auto& id : instances) {
        const OrthancServer::Reply file = orthanc.get("/instances/" + id.toString() + "/file");
        QCOMPARE(file.status, 200);
        QVERIFY(file.body.size() > 128);
        for (const QString& original : {patientName, patientId, studyUid})
            if (file.body.contains(original.toLatin1())) leaks << id.toString() + ": " + original;
        QVERIFY(file.body.contains(newId.toLatin1()));
    }
    QVERIFY2(leaks.isEmpty(), qPrintable(leaks.mid(0, 10).join('\n')));
    orthanc.stop();
}

QTEST_GUILESS_MAIN(ExportTest)
#include "test_export.moc"
