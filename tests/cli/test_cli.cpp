// The headless commands: --version, dump --json (UTF-8, checked against dcmdump), render's exit
// codes and one-line reasons, frame numbering from 1, and the demo phantom's geometry.
#include "test_support.h"

#include <QDir>
#include <QJsonArray>
#include <QProcess>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace lightbox::test;

class CliTest : public QObject {
    Q_OBJECT
private slots:
    void version();
    void dumpJsonMatchesDcmdump();
    void dumpDecodesNamesToUtf8();
    void renderExitCodes();
    void renderFramesCountFromOne();
    void demoWritesAConsistentSeries();
    void unknownCommandWordIsSaidSo();
    void commandsPrintTheirOwnOutputOnly();
    void withoutOpenGlTheViewerSaysSoAndLeaves();

private:
    QTemporaryDir m_tmp;
};

void CliTest::version()
{
    const ProcessResult r = run(lightboxExe(), {"--version"});
    QVERIFY(r.ok());
    QVERIFY(r.out.startsWith("lightbox "));
    QVERIFY(QRegularExpression(R"(^lightbox \d+\.\d+\.\d+\n$)").match(QString::fromUtf8(r.out)).hasMatch());
}

void CliTest::dumpJsonMatchesDcmdump()
{
    const QString file = testDataDir() + "/ct/siemens-sensation10_chest_30sl/1-07.dcm";
    const ProcessResult r = run(lightboxExe(), {"dump", file, "--json"});
    QVERIFY2(r.ok(), r.err.constData());
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    QVERIFY(!o.isEmpty());
    auto dcmdump = [&](const QString& key) {
        const ProcessResult d = run("dcmdump", {"-q", "+P", key, file});
        const QString line = QString::fromUtf8(d.out);
        const int a = line.indexOf('['), b = line.indexOf(']');
        if (a >= 0 && b > a) return line.mid(a + 1, b - a - 1).trimmed();
        return line.section(' ', 2, 2).trimmed();
    };
    QCOMPARE(o["sopInstanceUid"].toString(), dcmdump("SOPInstanceUID"));
    QCOMPARE(o["patientId"].toString(), dcmdump("PatientID"));
    QCOMPARE(o["studyDate"].toString(), dcmdump("StudyDate"));
    QCOMPARE(o["modality"].toString(), dcmdump("Modality"));
    const QJsonObject image = o["image"].toObject();
    QCOMPARE(QString::number(image["rows"].toInt()), dcmdump("Rows"));
    QCOMPARE(QString::number(image["columns"].toInt()), dcmdump("Columns"));
    QCOMPARE(image["photometricInterpretation"].toString(), dcmdump("PhotometricInterpretation"));
    QVERIFY(o["displayable"].toBool());
    QCOMPARE(image["pixelSpacing"].toArray().size(), 2);

    // A file that is not an image says why.
    const ProcessResult sr = run(lightboxExe(), {"dump", testDataDir() + "/sr/offis_basic-text-sr_reportsi.dcm", "--json"});
    QVERIFY(sr.ok());
    const QJsonObject so = QJsonDocument::fromJson(sr.out).object();
    QVERIFY(!so["displayable"].toBool());
    QVERIFY(so["reason"].toString().contains("no pixel data"));
}

void CliTest::dumpDecodesNamesToUtf8()
{
    const ProcessResult r = run(lightboxExe(), {"dump", testDataDir() + "/dicomdir/clunie-charsettests/SCSI2", "--json"});
    QVERIFY(r.ok());
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(o["patientName"].toString(), QString::fromUtf8("Hong^Gildong=洪^吉洞=홍^길동"));
    // Text mode prints the same UTF-8.
    const ProcessResult t = run(lightboxExe(), {"dump", testDataDir() + "/dicomdir/clunie-charsettests/SCSGREEK"});
    QVERIFY(t.ok());
    QVERIFY(QString::fromUtf8(t.out).contains(QString::fromUtf8("Διονυσιος")));
}

void CliTest::renderExitCodes()
{
    const QString out = m_tmp.path() + "/x.png";
    ProcessResult r = run(lightboxExe(), {"render", m_tmp.path() + "/missing.dcm", "--out", out});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.err.startsWith("lightbox: ") && r.err.trimmed().count('\n') == 0);
    QVERIFY(r.err.contains("not found"));
    r = run(lightboxExe(), {"render", testDataDir() + "/sr/offis_basic-text-sr_reportsi.dcm", "--out", out});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.err.contains("no pixel data"));
    QVERIFY(!QFile::exists(out));  // nothing half-written
    r = run(lightboxExe(), {"render", testDataDir() + "/ct/siemens-sensation10_chest_30sl/1-01.dcm"});
    QCOMPARE(r.exitCode, 2);  // usage
    r = run(lightboxExe(), {"render", testDataDir() + "/ct/siemens-sensation10_chest_30sl/1-01.dcm", "--out", out, "--window", "40"});
    QCOMPARE(r.exitCode, 2);
    r = run(lightboxExe(), {"render", testDataDir() + "/ct/siemens-sensation10_chest_30sl/1-01.dcm", "--out", out, "--frame", "2"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.err.contains("frame 2 requested, the image has 1"));
    r = run(lightboxExe(), {"render", testDataDir() + "/ct/siemens-sensation10_chest_30sl/1-01.dcm", "--out", out});
    QVERIFY(r.ok());
    const QImage img(out);
    QCOMPARE(img.size(), QSize(512, 512));
    QVERIFY(img.isGrayscale());
    r = run(lightboxExe(), {"render", testDataDir() + "/us/nema-wg04_us1_rgb_uncompressed.dcm", "--out", out});
    QVERIFY(r.ok());
    QVERIFY(!QImage(out).isGrayscale());
}

void CliTest::renderFramesCountFromOne()
{
    const QString xa = testDataDir() + "/multiframe/xa_cine_jpeg-baseline_96fr.dcm";
    for (int frame : {1, 50, 96}) {
        const QString ours = m_tmp.path() + QStringLiteral("/xa%1.png").arg(frame), ref = m_tmp.path() + QStringLiteral("/xa%1ref.png").arg(frame);
        QVERIFY(run(lightboxExe(), {"render", xa, "--frame", QString::number(frame), "--window", "128,256", "--out", ours}).ok());
        QVERIFY(run("dcmj2pnm", {"+on", "+Ww", "128", "256", "+F", QString::number(frame), xa, ref}).ok());
        const ImageDiff d = compareImages(QImage(ours), QImage(ref));
        QVERIFY2(d.sameSize && d.maxDiff <= 4 && d.meanDiff <= 1, qPrintable(d.describe()));
    }
    QCOMPARE(run(lightboxExe(), {"render", xa, "--frame", "97", "--out", m_tmp.path() + "/no.png"}).exitCode, 1);
    QCOMPARE(run(lightboxExe(), {"render", xa, "--frame", "0", "--out", m_tmp.path() + "/no.png"}).exitCode, 2);
}

void CliTest::demoWritesAConsistentSeries()
{
    const QString dir = m_tmp.path() + "/demo";
    const ProcessResult r = run(lightboxExe(), {"demo", "--out", dir, "--slices", "12", "--size", "128"});
    QVERIFY2(r.ok(), r.err.constData());
    const QStringList files = QDir(dir).entryList({"*.dcm"}, QDir::Files, QDir::Name);
    QCOMPARE(files.size(), 12);
    // Positions step by the slice spacing along z, and the lung is air-like (pydicom reads it).
    const QString script = R"(
import sys, pydicom, numpy as np
files = sorted(sys.argv[1:])
z = [float(pydicom.dcmread(f, stop_before_pixels=True).ImagePositionPatient[2]) for f in files]
steps = np.diff(z)
ds = pydicom.dcmread(files[len(files)//2])
hu = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
r, c = 64, int(64 - 70 / float(ds.PixelSpacing[1]))
print(f"{steps.min():.3f} {steps.max():.3f} {hu[r-2:r+3, c-2:c+3].mean():.0f} {hu[0, 0]:.0f}")
)";
    QStringList args{"-c", script};
    for (const QString& f : files) args << dir + "/" + f;
    const ProcessResult py = run(python(), args);
    QVERIFY2(py.ok(), py.err.constData());
    const QStringList v = QString::fromUtf8(py.out).split(' ');
    QCOMPARE(v.size(), 4);
    QCOMPARE(v[0].toDouble(), -3.0);
    QCOMPARE(v[1].toDouble(), -3.0);
    QVERIFY2(v[2].toDouble() < -700, qPrintable(v[2]));  // right lung
    QCOMPARE(v[3].toDouble(), -1000.0);                   // air outside the body
}

void CliTest::unknownCommandWordIsSaidSo()
{
    // A mistyped command is not opened as a file: it is named, with the closest command.
    const ProcessResult r = run(lightboxExe(), {"studys", "--cache", m_tmp.path() + "/unknown"});
    QCOMPARE(r.exitCode, 2);
    QVERIFY(!r.crashed);
    QVERIFY2(r.err.contains("'studys' is neither a command nor a file or folder (did you mean 'studies'?)"), r.err.constData());
    QVERIFY(r.out.isEmpty());
    const ProcessResult far = run(lightboxExe(), {"servce"});
    QCOMPARE(far.exitCode, 2);
    QVERIFY2(far.err.contains("'servce' is neither a command nor a file or folder"), far.err.constData());
    QVERIFY(!QDir(m_tmp.path() + "/unknown").exists());
}

void CliTest::commandsPrintTheirOwnOutputOnly()
{
    // Without XDG_RUNTIME_DIR, Qt's platform start-up has something to say ("QStandardPaths:
    // XDG_RUNTIME_DIR not set..."): a command, or a mistyped one, says only its own piece.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove("XDG_RUNTIME_DIR");
    env.remove("LIGHTBOX_DEBUG");
    env.insert("HOME", m_tmp.path() + "/home");
    env.remove("XDG_DATA_HOME");
    env.remove("LIGHTBOX_CACHE");
    auto runQuiet = [&](const QStringList& args, QByteArray* out, QByteArray* err) {
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(lightboxExe(), args);
        if (!p.waitForFinished(60000)) return -1;
        *out = p.readAllStandardOutput();
        *err = p.readAllStandardError();
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    };
    QByteArray out, err;
    QCOMPARE(runQuiet({"cache", "stats"}, &out, &err), 0);
    QVERIFY2(err.isEmpty(), err.constData());
    QVERIFY2(out.startsWith("cache " + (m_tmp.path() + "/home/.local/share/lightbox").toUtf8() + "\n"), out.constData());
    QCOMPARE(runQuiet({"servce"}, &out, &err), 2);
    QVERIFY(out.isEmpty());
    QCOMPARE(err.count('\n'), 1);
    QVERIFY2(err.startsWith("lightbox: 'servce' is neither a command"), err.constData());
}

void CliTest::withoutOpenGlTheViewerSaysSoAndLeaves()
{
    // This test runs on Qt's offscreen platform, which has no OpenGL at all.
    QCOMPARE(qEnvironmentVariable("QT_QPA_PLATFORM"), QString("offscreen"));
    for (const QStringList& args : {QStringList{"--cache", m_tmp.path() + "/nogl"}, QStringList{"--demo", "--cache", m_tmp.path() + "/nogl"}}) {
        const ProcessResult r = run(lightboxExe(), args, 60000);
        QVERIFY2(!r.crashed, r.err.constData());
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("lightbox: OpenGL is not available on this display (Qt platform \"offscreen\")"), r.err.constData());
    }
}

QTEST_GUILESS_MAIN(CliTest)
#include "test_cli.moc"
