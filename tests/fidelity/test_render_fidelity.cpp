// Acceptance test of the display pipeline: for every image of ../shared/testdata and of pydicom's
// test files (and for generated variants covering VOI LUTs, Modality LUTs, SIGMOID, LINEAR_EXACT,
// MONOCHROME1, padding, palettes, big endian...), `lightbox render` must equal a reference nobody
// here wrote: DCMTK's dcmj2pnm (dcml2pnm for JPEG-LS, after `gdcmconv --raw` for JPEG 2000), or
// pydicom where DCMTK 3.6.7 does not implement the standard (see corpus_plan.py).
#include "test_support.h"

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
            ref = run(tool, QStringList{"+on"} << c.referenceArgs << "+F" << frame << source << theirs);
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

void RenderFidelityTest::coverage()
{
    // Guards against a plan that silently compares nothing.
    QVERIFY2(m_compared > 150, qPrintable(QStringLiteral("only %1 images were compared").arg(m_compared)));
}

QTEST_GUILESS_MAIN(RenderFidelityTest)
#include "test_render_fidelity.moc"
