// Acceptance test of the display pipeline: for every image of ../shared/testdata and of pydicom's
// test files (and for generated variants covering VOI LUTs, Modality LUTs, SIGMOID, LINEAR_EXACT,
// MONOCHROME1, padding, palettes, big endian...), `lightbox render` must equal a reference nobody
// here wrote: DCMTK's dcmj2pnm (dcml2pnm for JPEG-LS, after `gdcmconv --raw` for JPEG 2000), or
// pydicom where DCMTK 3.6.7 does not implement the standard (see corpus_plan.py).
//
// Overlays: DCMTK's tools draw overlay planes (60xx) into the image by default; `lightbox render`
// writes the pixel data through the display pipeline only, one output pixel per image pixel and no
// overlay (README, Headless commands). That is the right output: overlays are graphics laid over the
// image (PS3.3 C.9), not pixel values, and the viewer is to draw them separately. So every reference
// is made with dcmj2pnm's --no-overlays (-O). An overlay kept in unused high bits of Pixel Data
// (Overlay Bit Position above High Bit, retired but still written) is not pixel data either: bits
// above High Bit must be masked out of the pixel values (PS3.5 8.1.1), which
// embeddedOverlayBitsAreNotPixelValues() checks at the very pixels where those bits are set.
#include "test_support.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace lightbox::test;

namespace {

struct Case {
    QString file;
    int frame = 1;
    QStringList ours;        // extra arguments of lightbox render
    QString reference;       // dcmj2pnm | dcml2pnm | gdcm+dcmj2pnm | pydicom | pydicom-color
    QString referenceSource; // file the reference reads (empty: `file`)
    QStringList referenceArgs;
    bool lossy = false;
};

}  // namespace

Q_DECLARE_METATYPE(Case)

class RenderFidelityTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void corpus_data();
    void corpus();
    void variants_data();
    void variants();
    void embeddedOverlayBitsAreNotPixelValues();
    void coverage();

private:
    void check(const Case& c);
    QTemporaryDir m_tmp;
    QList<Case> m_corpus;
    QList<Case> m_variants;
    int m_counter = 0;
    int m_compared = 0;
};

void RenderFidelityTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    const QString data = testDataDir();
    const QString pyd = pydicomTestFiles();
    auto plan = run(python(), {scriptsDir() + "/fidelity/corpus_plan.py", data, pyd}, 300000);
    QVERIFY2(plan.ok(), plan.err.constData());
    for (const QByteArray& line : plan.out.split('\n')) {
        if (line.trimmed().isEmpty()) continue;
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        const QString kind = o["kind"].toString();
        if (kind == "none") continue;
        const int frames = o["frames"].toInt(1);
        for (int frame : {1, frames}) {
            Case c;
            c.file = o["path"].toString();
            c.frame = frame;
            c.reference = o["reference"].toString();
            c.lossy = o["lossy"].toBool();
            if (kind == "mono") {
                const auto w = o["window"].toArray();
                const QString cs = QString::number(w[0].toDouble(), 'g', 10), ws = QString::number(w[1].toDouble(), 'g', 10);
                c.ours << "--window" << cs + "," + ws;
                c.referenceArgs << "+Ww" << cs << ws;
            } else if (c.reference == "pydicom") {
                c.reference = "pydicom-color";
            }
            m_corpus << c;
            if (frames == 1) break;
        }
    }
    QVERIFY2(m_corpus.size() > 150, "the corpora should hold more than 150 images");

    // Variants of real images, written by pydicom.
    const QString ct = data + "/ct/siemens-sensation10_chest_30sl/1-10.dcm";
    const QString mrDir = data + "/mr/siemens-verio_brain-t1post_24sl";
    const QString mr = filesUnder(mrDir).value(5);
    const QString rgb = data + "/us/nema-wg04_us1_rgb_uncompressed.dcm";
    const QString out = m_tmp.path() + "/variants";
    QDir().mkpath(out);
    auto made = run(python(), {scriptsDir() + "/fidelity/make_variants.py", ct, mr, rgb, out}, 300000);
    QVERIFY2(made.ok(), made.err.constData());
    for (const QByteArray& line : made.out.split('\n')) {
        const QList<QByteArray> cols = line.split('\t');
        if (cols.size() != 3) continue;
        Case c;
        c.file = out + "/" + QString::fromUtf8(cols[0]);
        c.ours = QString::fromUtf8(cols[1]).split(' ', Qt::SkipEmptyParts);
        const QStringList ref = QString::fromUtf8(cols[2]).split(' ', Qt::SkipEmptyParts);
        if (ref[0] == "dcmtk") {
            c.reference = "dcmj2pnm";
            if (ref[1] != "-") c.referenceSource = out + "/" + ref[1];
            c.referenceArgs = ref.mid(2);
        } else if (ref[0] == "pydicom") {
            c.reference = "pydicom";
            c.referenceArgs = {"--file-window", ref[1]};
        } else {
            c.reference = ref[0];
        }
        m_variants << c;
    }
    QVERIFY2(m_variants.size() >= 18, "make_variants.py wrote too few files");
}

void RenderFidelityTest::corpus_data()
{
    QTest::addColumn<Case>("c");
    for (const Case& c : m_corpus)
        QTest::newRow(qPrintable(QStringLiteral("%1#%2").arg(c.file).arg(c.frame))) << c;
}

void RenderFidelityTest::corpus()
{
    QFETCH(Case, c);
    check(c);
}

void RenderFidelityTest::variants_data()
{
    QTest::addColumn<Case>("c");
    for (const Case& c : m_variants) QTest::newRow(qPrintable(QFileInfo(c.file).fileName())) << c;
}

void RenderFidelityTest::variants()
{
    QFETCH(Case, c);
    check(c);
}

void RenderFidelityTest::check(const Case& c)
{
    const QString tag = QString::number(++m_counter);
    const QString ours = m_tmp.path() + "/ours" + tag + ".png";
    const QString theirs = m_tmp.path() + "/ref" + tag + ".png";
    const QString frame = QString::number(c.frame);

    QString source = c.referenceSource.isEmpty() ? c.file : c.referenceSource;
    ProcessResult ref;
    if (c.reference == "pydicom" || c.reference == "pydicom-color") {
        QStringList args{scriptsDir() + "/fidelity/pydicom_reference.py", source, frame};
        if (c.reference == "pydicom-color") args << "--color";
        else if (c.referenceArgs.value(0) == "+Ww") args << "--window" << c.referenceArgs[1] + "," + c.referenceArgs[2];
        else args << c.referenceArgs;
        args << theirs;
        ref = run(python(), args);
    } else {
        if (c.reference == "gdcm+dcmj2pnm") {
            const QString raw = m_tmp.path() + "/raw" + tag + ".dcm";
            ref = run("gdcmconv", {"--raw", source, raw});
            source = raw;
        }
        if (c.reference != "gdcm+dcmj2pnm" || ref.ok()) {
            const QString tool = c.reference == "dcml2pnm" ? "dcml2pnm" : "dcmj2pnm";
            // -O: the pixel data only, no overlay planes drawn into it (see the top of this file).
            ref = run(tool, QStringList{"+on", "-O"} << c.referenceArgs << "+F" << frame << source << theirs);
        }
    }
    const ProcessResult mine = run(lightboxExe(), QStringList{"render", c.file, "--out", ours, "--frame", frame} << c.ours);
    QVERIFY2(!mine.crashed && !mine.timedOut, qPrintable("lightbox crashed or hung on " + c.file));

    if (!ref.ok()) {
        // The reference cannot display it either: Lightbox must refuse with a one-line reason.
        QVERIFY2(mine.exitCode != 0, qPrintable("reference failed but Lightbox rendered " + c.file + ": " + ref.err));
        const QByteArray reason = mine.err.trimmed();
        QVERIFY2(!reason.isEmpty() && !reason.contains('\n'), reason.constData());
        return;
    }
    QVERIFY2(mine.exitCode == 0, qPrintable(c.file + ": " + QString::fromUtf8(mine.err)));
    const ImageDiff d = compareImages(QImage(ours), QImage(theirs));
    const QString msg = QStringLiteral("%1 frame %2 vs %3: %4").arg(c.file).arg(c.frame).arg(c.reference, d.describe());
    QVERIFY2(d.sameSize, qPrintable(msg));
    if (c.lossy) {
        QVERIFY2(d.maxDiff <= 4 && d.meanDiff <= 1.0, qPrintable(msg));
    } else {
        QVERIFY2(d.maxDiff <= 1, qPrintable(msg));
    }
    ++m_compared;
}

void RenderFidelityTest::embeddedOverlayBitsAreNotPixelValues()
{
    // A Siemens CT (16 bits allocated, 12 stored, High Bit 11) whose overlay 6000 lives in bit 12 of
    // Pixel Data. Where that bit is set the stored word is 4096 or more: taken as a pixel value it
    // would be over 3000 HU, white in the file's 40/300 window. Masked, as the standard requires,
    // those pixels show the 12-bit value beneath: tissue and air, not white.
    const QString file = testDataDir() + "/results/overlays/siemens-biograph64_ct_overlay-embedded-in-pixeldata-bit12.dcm";
    QVERIFY2(QFileInfo::exists(file), qPrintable(file));
    // The pixels with bits above High Bit set, read from the raw Pixel Data bytes by pydicom and
    // numpy (no decoder, no masking): "row col stored-word masked-value" per line.
    const ProcessResult bits = run(python(), {scriptsDir() + "/fidelity/high_bits.py", file});
    QVERIFY2(bits.ok(), bits.err.constData());
    struct Pixel { int row, col, word, masked; };
    QList<Pixel> flagged;
    for (const QByteArray& line : bits.out.split('\n')) {
        const QList<QByteArray> f = line.split(' ');
        if (f.size() == 4) flagged.append({f[0].toInt(), f[1].toInt(), f[2].toInt(), f[3].toInt()});
    }
    QVERIFY2(flagged.size() > 100, qPrintable(QStringLiteral("only %1 pixels carry overlay bits").arg(flagged.size())));

    const QString ours = m_tmp.path() + "/overlay-bits-ours.png", theirs = m_tmp.path() + "/overlay-bits-dcmtk.png";
    const ProcessResult mine = run(lightboxExe(), {"render", file, "--window", "40,300", "--out", ours});
    QVERIFY2(mine.ok(), mine.err.constData());
    const ProcessResult ref = run("dcmj2pnm", {"+on", "-O", "+Ww", "40", "300", file, theirs});
    QVERIFY2(ref.ok(), ref.err.constData());
    const QImage a = QImage(ours).convertToFormat(QImage::Format_Grayscale8), b = QImage(theirs).convertToFormat(QImage::Format_Grayscale8);
    QCOMPARE(a.size(), QSize(512, 512));
    QCOMPARE(b.size(), a.size());
    // The DICOM linear window 40/300 of the masked value in HU (slope 1, intercept -1024): what a
    // masked pixel must show; an unmasked one would be 255.
    auto windowed = [](int stored) {
        const double hu = stored - 1024.0, c = 40 - 0.5, w = 300 - 1.0;
        if (hu <= c - w / 2) return 0.0;
        if (hu > c + w / 2) return 255.0;
        return ((hu - c) / w + 0.5) * 255.0;
    };
    int belowWhite = 0;
    for (const Pixel& p : flagged) {
        QVERIFY2(p.word >= 4096 && p.masked == (p.word & 0x0fff), qPrintable(QStringLiteral("%1,%2: %3").arg(p.col).arg(p.row).arg(p.word)));
        const int mineValue = a.pixelColor(p.col, p.row).red(), dcmtk = b.pixelColor(p.col, p.row).red();
        const QString where = QStringLiteral("pixel %1,%2 (stored word %3, masked %4): lightbox %5, dcmj2pnm -O %6, window of the masked value %7")
                                  .arg(p.col).arg(p.row).arg(p.word).arg(p.masked).arg(mineValue).arg(dcmtk).arg(windowed(p.masked), 0, 'f', 1);
        QVERIFY2(std::abs(mineValue - dcmtk) <= 1, qPrintable(where));
        QVERIFY2(std::abs(mineValue - windowed(p.masked)) <= 1.0, qPrintable(where));
        belowWhite += mineValue < 255 ? 1 : 0;
    }
    // Every one of them would be white if the overlay bit were taken as pixel data.
    QCOMPARE(belowWhite, int(flagged.size()));
    // And the rest of the image as dcmj2pnm shows it without overlays.
    const ImageDiff d = compareImages(a, b);
    QVERIFY2(d.sameSize && d.maxDiff <= 1, qPrintable(d.describe()));
}

void RenderFidelityTest::coverage()
{
    // Guards against a plan that silently compares nothing.
    QVERIFY2(m_compared > 150, qPrintable(QStringLiteral("only %1 images were compared").arg(m_compared)));
}

QTEST_GUILESS_MAIN(RenderFidelityTest)
#include "test_render_fidelity.moc"
