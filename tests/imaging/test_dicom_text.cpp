// Text decoding from Specific Character Set: every name of Clunie's character set test set (and of
// pydicom's files) must read as pydicom reads it; unit cases for ISO 2022 escapes and delimiters.
#include "test_support.h"

#include "dicom_file.h"
#include "dicom_text.h"
#include "instance_summary.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

using namespace lightbox;
using namespace lightbox::test;

class DicomTextTest : public QObject {
    Q_OBJECT
private slots:
    void matchesPydicom();
    void clunieSetCoversEveryScript();
    void iso2022Escapes();
    void defaultRepertoireFallsBack();
    void personNameFormatting();
    void shiftJisUnderIsoIr13File();
    void shiftJisUnderIsoIr13Bytes();
};

namespace {

// What pydicom's own decoder makes of each value (hex) under `charset` (tests/imaging/pydicom_decode.py).
QStringList pydicomDecode(const QString& charset, const char* kind, const QStringList& hexValues)
{
    const ProcessResult r = run(python(), QStringList{scriptsDir() + "/imaging/pydicom_decode.py", charset, kind} + hexValues);
    if (!r.ok()) qWarning("%s", r.err.constData());
    QStringList out;
    for (const QJsonValue& v : QJsonDocument::fromJson(r.out).array()) out << v.toString();
    return out;
}

// Shift_JIS bytes as Japanese systems write them under ISO_IR 13.
const char* const kSjisName = "d4cfc0de5ec0dbb33d8e5293635e91be9859";       // ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎
const char* const kSjisStudy = "93aa959492508f8382628273";                   // 頭部単純ＣＴ
const char* const kHalfWidthSeries = "c4b3ccde204354";                        // ﾄｳﾌﾞ CT: JIS X 0201 only
const char* const kSjisInstitution = "955c8e5193b9834e838a836a8362834e";     // 表参道クリニック: 表 ends in 0x5C ('\\')

}  // namespace

void DicomTextTest::matchesPydicom()
{
    QStringList files = filesUnder(testDataDir() + "/dicomdir");
    for (const QString& f : filesUnder(pydicomTestFiles()) + filesUnder(pydicomTestFiles() + "/../charset_files"))
        if (f.endsWith(".dcm")) files << f;
    const ProcessResult r = run(python(), QStringList{scriptsDir() + "/imaging/pydicom_names.py"} << files);
    QVERIFY2(r.ok(), r.err.constData());
    const QJsonObject expected = QJsonDocument::fromJson(r.out).object();
    QVERIFY(expected.size() > 50);
    int compared = 0;
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        auto file = DicomFile::open(it.key().toStdString());
        QVERIFY2(file.ok(), qPrintable(it.key()));
        const InstanceSummary s = summarize(**file);
        const QJsonObject e = it.value().toObject();
        auto expect = [&](const char* kw, const std::string& ours) {
            if (!e.contains(kw)) return;
            // pydicom keeps trailing '=' of empty groups out; compare without them.
            QString theirs = e[kw].toString();
            QString mine = QString::fromStdString(ours);
            while (theirs.endsWith('=')) theirs.chop(1);
            while (mine.endsWith('=')) mine.chop(1);
            QCOMPARE(mine.trimmed(), theirs.trimmed());
            ++compared;
        };
        expect("PatientName", s.patientName);
        expect("PatientID", s.patientId);
        expect("StudyDescription", s.studyDescription);
        expect("SeriesDescription", s.seriesDescription);
        expect("InstitutionName", s.institution);
        expect("ReferringPhysicianName", s.referringPhysician);
    }
    QVERIFY(compared > 100);
}

void DicomTextTest::clunieSetCoversEveryScript()
{
    // One name per script must contain characters of that script (a decoder that returns
    // question marks or Latin-1 mojibake fails here even if pydicom were wrong).
    struct Expect { const char* file; QChar::Script script; };
    const Expect cases[] = {
        {"SCSARAB", QChar::Script_Arabic},   {"SCSGREEK", QChar::Script_Greek}, {"SCSHBRW", QChar::Script_Hebrew},
        {"SCSRUSS", QChar::Script_Cyrillic}, {"SCSH31", QChar::Script_Han},     {"SCSH32", QChar::Script_Katakana},
        {"SCSI2", QChar::Script_Hangul},     {"SCSX1", QChar::Script_Han},      {"SCSX2", QChar::Script_Han},
    };
    for (const Expect& c : cases) {
        auto file = DicomFile::open((testDataDir() + "/dicomdir/clunie-charsettests/" + c.file).toStdString());
        QVERIFY(file.ok());
        const QString name = QString::fromStdString(summarize(**file).patientName);
        bool found = false;
        for (QChar ch : name) found = found || ch.script() == c.script;
        QVERIFY2(found, qPrintable(QString(c.file) + ": " + name));
        QVERIFY2(!name.contains(QChar(0xFFFD)), qPrintable(name));
    }
}

void DicomTextTest::iso2022Escapes()
{
    // PS3.5 H.3.1: Japanese name with JIS X 0208 in the ideographic and phonetic groups.
    const std::string raw = "Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B";
    CharsetDecoder jp("\\ISO 2022 IR 87");
    QCOMPARE(QString::fromStdString(jp.decode(raw, TextKind::PersonName)), QString::fromUtf8("Yamada^Tarou=山田^太郎=やまだ^たろう"));
    // PS3.5 I.2: Korean with KS X 1001 in G1.
    const std::string ko = "Hong^Gildong=\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7=\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf";
    CharsetDecoder kr("\\ISO 2022 IR 149");
    QCOMPARE(QString::fromStdString(kr.decode(ko, TextKind::PersonName)), QString::fromUtf8("Hong^Gildong=洪^吉洞=홍^길동"));
    // Latin-1 without code extensions.
    CharsetDecoder latin("ISO_IR 100");
    QCOMPARE(QString::fromStdString(latin.decode("Buc^J\xe9r\xf4me")), QString::fromUtf8("Buc^Jérôme"));
    // Unknown terms are reported, not fatal.
    CharsetDecoder unknown("ISO_IR 999");
    QCOMPARE(unknown.unknownTerms().size(), size_t(1));
    QCOMPARE(QString::fromStdString(unknown.decode("ABC")), QString("ABC"));
    // A truncated two-byte character becomes U+FFFD.
    QVERIFY(QString::fromStdString(jp.decode("\x1b$B;", TextKind::PersonName)).contains(QChar(0xFFFD)));
}

void DicomTextTest::defaultRepertoireFallsBack()
{
    CharsetDecoder none("");
    QCOMPARE(QString::fromStdString(none.decode("M\xc3\xbcller")), QString::fromUtf8("Müller"));  // UTF-8 bytes
    QCOMPARE(QString::fromStdString(none.decode("M\xfcller")), QString::fromUtf8("Müller"));      // Latin-1 bytes
}

void DicomTextTest::personNameFormatting()
{
    QCOMPARE(QString::fromStdString(formatPersonName("Doe^John^Q^Dr^Jr")), QString("Doe, Dr John Q, Jr"));
    QCOMPARE(QString::fromStdString(formatPersonName("Yamada^Tarou=山田^太郎")), QString::fromUtf8("Yamada, Tarou = 山田, 太郎"));
    QCOMPARE(QString::fromStdString(formatPersonName("ANONYMOUS")), QString("ANONYMOUS"));
    QCOMPARE(QString::fromStdString(trimDicom(std::string_view("  ABC  \0", 8))), QString("ABC"));
}

void DicomTextTest::shiftJisUnderIsoIr13File()
{
    // A CT image whose header says ISO_IR 13 (JIS X 0201) and whose names are Shift_JIS kanji.
    QTemporaryDir dir;
    const QString path = dir.path() + "/sjis.dcm";
    DcmFileFormat ff;
    QVERIFY(ff.loadFile((pydicomTestFiles() + "/CT_small.dcm").toLocal8Bit().constData()).good());
    DcmDataset* ds = ff.getDataset();
    ds->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 13");
    ds->putAndInsertString(DCM_PatientName, QByteArray::fromHex(kSjisName).constData());
    ds->putAndInsertString(DCM_StudyDescription, QByteArray::fromHex(kSjisStudy).constData());
    ds->putAndInsertString(DCM_SeriesDescription, QByteArray::fromHex(kHalfWidthSeries).constData());
    ds->putAndInsertString(DCM_InstitutionName, QByteArray::fromHex(kSjisInstitution).constData());
    QVERIFY(ff.saveFile(path.toLocal8Bit().constData(), EXS_LittleEndianExplicit).good());

    auto file = DicomFile::open(path.toStdString());
    QVERIFY(file.ok());
    const InstanceSummary s = summarize(**file);
    // pydicom reading the file is the reference...
    const ProcessResult r = run(python(), {scriptsDir() + "/imaging/pydicom_names.py", path});
    QVERIFY2(r.ok(), r.err.constData());
    const QJsonObject theirs = QJsonDocument::fromJson(r.out).object()[path].toObject();
    QCOMPARE(QString::fromStdString(s.patientName), theirs["PatientName"].toString());
    QCOMPARE(QString::fromStdString(s.studyDescription), theirs["StudyDescription"].toString());
    QCOMPARE(QString::fromStdString(s.seriesDescription), theirs["SeriesDescription"].toString());
    QVERIFY2(QString::fromStdString(s.patientName).contains(QString::fromUtf8("山田")), s.patientName.c_str());
    // ...except where it splits the value at a trail byte 0x5C before decoding: there its decoder
    // on the whole value is.
    const QStringList institution = pydicomDecode("ISO_IR 13", "text", {kSjisInstitution});
    QCOMPARE(institution.size(), 1);
    QCOMPARE(QString::fromStdString(s.institution), institution[0]);
}

void DicomTextTest::shiftJisUnderIsoIr13Bytes()
{
    // Shift_JIS (kanji whose trail bytes are '\\', '^' or letters, full-width kana) and half-width
    // katakana, under ISO_IR 13 and under ISO 2022 IR 13 with and without escapes to JIS X 0208.
    struct Case { const char* charset; const char* kind; std::string hex; };
    const std::string kanjiEsc = QByteArray("\x1b$B;3ED\x1b(J").toHex().toStdString();  // 山田 in JIS X 0208
    const Case cases[] = {
        {"ISO_IR 13", "pn", kSjisName},
        {"ISO_IR 13", "text", kSjisStudy},
        {"ISO_IR 13", "text", kHalfWidthSeries},
        {"ISO_IR 13", "text", kSjisInstitution},
        {"ISO_IR 13", "pn", "835c835e5e8b4093fa"},  // ソタ^機日: trail bytes 0x5C, 0x5E, 0x40
        {"ISO_IR 13", "text", "b1b2b3b4b5a1dfb0"},  // ｱｲｳｴｵ｡ﾟｰ: the whole half-width range
        {"ISO 2022 IR 13", "pn", kSjisName},
        {"ISO 2022 IR 13\\ISO 2022 IR 87", "pn", "b6ddbcde3d8e529363" + std::string("5e") + kanjiEsc},
    };
    for (const Case& c : cases) {
        const QStringList expected = pydicomDecode(c.charset, c.kind, {QString::fromStdString(c.hex)});
        QCOMPARE(expected.size(), 1);
        const CharsetDecoder decoder(c.charset);
        const QByteArray raw = QByteArray::fromHex(QByteArray::fromStdString(c.hex));
        const std::string ours = decoder.decode(std::string_view(raw.constData(), size_t(raw.size())),
                                                std::string(c.kind) == "pn" ? TextKind::PersonName : TextKind::Text);
        QCOMPARE(QString::fromStdString(ours), expected[0]);
        QVERIFY2(!expected[0].contains(QChar(0xFFFD)), qPrintable(expected[0]));
    }
}

QTEST_GUILESS_MAIN(DicomTextTest)
#include "test_dicom_text.moc"
