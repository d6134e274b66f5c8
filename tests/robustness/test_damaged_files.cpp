// No file may crash or hang Lightbox: both corpora, damaged copies of every file (truncated,
// bit-flipped) and crafted headers (a 46341x46341 image, absurd frame counts, unsupported pixel
// modules) go through the same code the viewer uses; each gets an image or a one-line reason.
// The pydicom files that make GDCM abort() (rtdose_1frame.dcm, ...) are among the originals.
#include "test_support.h"

#include "dicom_file.h"
#include "display_pipeline.h"
#include "image_source.h"
#include "instance_summary.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

using namespace lightbox;
using namespace lightbox::test;

namespace {

// Aborts the test run (reported as a failure) if one file takes longer than the limit: a hang.
class Watchdog {
public:
    explicit Watchdog(int seconds) : m_limit(seconds)
    {
        m_thread = std::thread([this] {
            while (!m_stop) {
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                const auto started = m_started.load();
                if (started && std::chrono::steady_clock::now().time_since_epoch().count() - started >
                                   std::chrono::steady_clock::duration(std::chrono::seconds(m_limit)).count()) {
                    std::fprintf(stderr, "HANG: %s took more than %d s\n", m_current.c_str(), m_limit);
                    std::abort();
                }
            }
        });
    }
    ~Watchdog()
    {
        m_stop = true;
        m_thread.join();
    }
    void begin(const std::string& what)
    {
        m_current = what;
        m_started = std::chrono::steady_clock::now().time_since_epoch().count();
    }
    void end() { m_started = 0; }

private:
    int m_limit;
    std::atomic<bool> m_stop{false};
    std::atomic<long long> m_started{0};
    std::string m_current;
    std::thread m_thread;
};

bool oneLine(const std::string& reason) { return !reason.empty() && reason.find('\n') == std::string::npos; }

}  // namespace

class DamagedFilesTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void originals();
    void damagedCopies();
    void craftedHeaders();
    void commandLineGivesOneLineReasons();

private:
    // Opens, describes, decodes and renders like the viewer; returns a failure description or "".
    QString exercise(const QString& path, bool* displayed = nullptr);
    void writeCrafted();

    QTemporaryDir m_tmp;
    QStringList m_originals;
    QStringList m_damaged;
    QStringList m_crafted;
    Watchdog m_watchdog{60};
};

void DamagedFilesTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_originals = filesUnder(testDataDir()) + filesUnder(pydicomTestFiles());
    QVERIFY(m_originals.size() > 200);
    std::mt19937 rng(12345);
    int n = 0;
    for (const QString& f : m_originals) {
        QFile in(f);
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QByteArray bytes = in.readAll();
        if (bytes.size() < 16) continue;
        QList<QByteArray> copies;
        for (double cut : {0.25, 0.5, 0.9}) copies << bytes.left(int(bytes.size() * cut));
        copies << bytes.left(std::min<int>(bytes.size() - 1, 140));
        for (int variant = 0; variant < 3; ++variant) {
            QByteArray c = bytes;
            const int flips = variant == 0 ? 1 : variant == 1 ? 8 : 32;
            const int range = variant == 1 ? c.size() : std::min<int>(c.size(), variant == 0 ? 2048 : 4096);
            for (int k = 0; k < flips; ++k) c[int(rng() % range)] ^= char(1 << (rng() % 8));
            copies << c;
        }
        for (const QByteArray& c : copies) {
            const QString path = m_tmp.path() + QStringLiteral("/damaged_%1.dcm").arg(n++);
            QFile out(path);
            QVERIFY(out.open(QIODevice::WriteOnly));
            out.write(c);
            m_damaged << path;
        }
    }
    writeCrafted();
}

QString DamagedFilesTest::exercise(const QString& path, bool* displayed)
{
    m_watchdog.begin(path.toStdString());
    QString problem;
    if (displayed) *displayed = false;
    auto file = DicomFile::open(path.toStdString());
    if (!file) {
        if (!oneLine(file.error().message)) problem = "bad reason: " + QString::fromStdString(file.error().message);
        m_watchdog.end();
        return problem;
    }
    summarize(**file);  // every text attribute through the charset decoder
    auto src = ImageSource::open(path.toStdString());
    if (!src) {
        if (!oneLine(src.error().message)) problem = "bad reason: " + QString::fromStdString(src.error().message);
        m_watchdog.end();
        return problem;
    }
    const std::uint32_t frames = src->info().frames;
    for (std::uint32_t f : {0u, frames / 2, frames - 1}) {
        auto frame = src->decode(f);
        if (!frame) {
            if (!oneLine(frame.error().message)) problem = "bad reason: " + QString::fromStdString(frame.error().message);
            continue;
        }
        DisplayOptions autoVoi;
        auto shown = renderForDisplay(*frame, src->info(), f, autoVoi);
        DisplayOptions windowed;
        windowed.voi.kind = VoiChoice::Kind::Window;
        windowed.voi.window = {40, 400, VoiFunction::Linear, {}};
        windowed.invert = true;
        auto shown2 = renderForDisplay(*frame, src->info(), f, windowed);
        if (shown && shown2 && displayed) *displayed = true;
        if (!shown && !oneLine(shown.error().message)) problem = "bad reason: " + QString::fromStdString(shown.error().message);
    }
    m_watchdog.end();
    return problem;
}

void DamagedFilesTest::originals()
{
    int displayed = 0;
    for (const QString& f : m_originals) {
        bool shown = false;
        const QString problem = exercise(f, &shown);
        QVERIFY2(problem.isEmpty(), qPrintable(f + ": " + problem));
        displayed += shown;
    }
    // Most of the corpus is images; a decoder that refuses everything must not pass.
    QVERIFY2(displayed > 180, qPrintable(QStringLiteral("only %1 originals displayed").arg(displayed)));
}

void DamagedFilesTest::damagedCopies()
{
    QElapsedTimer t;
    t.start();
    for (const QString& f : m_damaged) {
        const QString problem = exercise(f);
        QVERIFY2(problem.isEmpty(), qPrintable(f + ": " + problem));
    }
    qInfo("%lld damaged files in %lld ms", qlonglong(m_damaged.size()), qlonglong(t.elapsed()));
}

void DamagedFilesTest::writeCrafted()
{
    const QString ct = testDataDir() + "/ct/siemens-sensation10_chest_30sl/1-01.dcm";
    const QString xa = testDataDir() + "/multiframe/xa_cine_jpeg-baseline_96fr.dcm";
    const QString j2k = testDataDir() + "/us/nema-wg04_us1_rgb_j2k-lossless.dcm";
    struct Edit {
        QString name;
        QString source;
        std::function<void(DcmDataset*)> change;
    };
    const QList<Edit> edits = {
        {"huge_46341.dcm", ct, [](DcmDataset* d) { d->putAndInsertUint16(DCM_Rows, 46341); d->putAndInsertUint16(DCM_Columns, 46341); }},
        {"huge_46341_8bit.dcm", ct, [](DcmDataset* d) {
             d->putAndInsertUint16(DCM_Rows, 46341); d->putAndInsertUint16(DCM_Columns, 46341);
             d->putAndInsertUint16(DCM_BitsAllocated, 8); d->putAndInsertUint16(DCM_BitsStored, 8); d->putAndInsertUint16(DCM_HighBit, 7); }},
        {"huge_jpeg.dcm", xa, [](DcmDataset* d) { d->putAndInsertUint16(DCM_Rows, 46341); d->putAndInsertUint16(DCM_Columns, 46341); }},
        {"big_jpeg_lie.dcm", xa, [](DcmDataset* d) { d->putAndInsertUint16(DCM_Rows, 9000); d->putAndInsertUint16(DCM_Columns, 9000); }},
        {"big_j2k_lie.dcm", j2k, [](DcmDataset* d) { d->putAndInsertUint16(DCM_Rows, 4000); d->putAndInsertUint16(DCM_Columns, 4000); }},
        {"frames_2g.dcm", ct, [](DcmDataset* d) { d->putAndInsertString(DCM_NumberOfFrames, "2147483647"); }},
        {"frames_1000.dcm", ct, [](DcmDataset* d) { d->putAndInsertString(DCM_NumberOfFrames, "1000"); }},
        {"jpeg_frames_lie.dcm", xa, [](DcmDataset* d) { d->putAndInsertString(DCM_NumberOfFrames, "5000"); }},
        {"frames_negative.dcm", ct, [](DcmDataset* d) { d->putAndInsertString(DCM_NumberOfFrames, "-5"); }},
        {"bits_64.dcm", ct, [](DcmDataset* d) { d->putAndInsertUint16(DCM_BitsAllocated, 64); }},
        {"bits_stored_0.dcm", ct, [](DcmDataset* d) { d->putAndInsertUint16(DCM_BitsStored, 0); d->putAndInsertUint16(DCM_HighBit, 40); }},
        {"samples_4.dcm", ct, [](DcmDataset* d) { d->putAndInsertUint16(DCM_SamplesPerPixel, 4); }},
        {"samples_0.dcm", ct, [](DcmDataset* d) { d->putAndInsertUint16(DCM_SamplesPerPixel, 0); }},
        {"rgb_claim.dcm", ct, [](DcmDataset* d) { d->putAndInsertUint16(DCM_SamplesPerPixel, 3); d->putAndInsertString(DCM_PhotometricInterpretation, "RGB"); }},
        {"photometric_bogus.dcm", ct, [](DcmDataset* d) { d->putAndInsertString(DCM_PhotometricInterpretation, "HSV"); }},
        {"palette_no_lut.dcm", ct, [](DcmDataset* d) { d->putAndInsertString(DCM_PhotometricInterpretation, "PALETTE COLOR"); }},
        {"zero_rows.dcm", ct, [](DcmDataset* d) { d->putAndInsertUint16(DCM_Rows, 0); }},
        {"no_columns.dcm", ct, [](DcmDataset* d) { delete d->remove(DCM_Columns); }},
        {"window_garbage.dcm", ct, [](DcmDataset* d) { d->putAndInsertString(DCM_WindowCenter, "nan\\1e400\\abc"); d->putAndInsertString(DCM_WindowWidth, "0\\-5\\inf"); }},
        {"rescale_garbage.dcm", ct, [](DcmDataset* d) { d->putAndInsertString(DCM_RescaleSlope, "0"); d->putAndInsertString(DCM_RescaleIntercept, "1e308"); }},
        {"voi_lut_lies.dcm", ct, [](DcmDataset* d) {
             DcmItem* item = nullptr;
             d->findOrCreateSequenceItem(DCM_VOILUTSequence, item, -2);
             const Uint16 desc[3] = {0, 0, 16};  // 65536 entries claimed
             item->putAndInsertUint16Array(DCM_LUTDescriptor, desc, 3);
             const Uint16 data[4] = {1, 2, 3, 4};
             item->putAndInsertUint16Array(DCM_LUTData, data, 4); }},
        {"no_pixel_data.dcm", ct, [](DcmDataset* d) { delete d->remove(DCM_PixelData); }},
        {"pixel_data_short.dcm", ct, [](DcmDataset* d) { const Uint16 px[3] = {1, 2, 3}; d->putAndInsertUint16Array(DCM_PixelData, px, 3); }},
    };
    for (const Edit& e : edits) {
        DcmFileFormat ff;
        QVERIFY(ff.loadFile(e.source.toLocal8Bit().constData()).good());
        ff.loadAllDataIntoMemory();
        e.change(ff.getDataset());
        const QString out = m_tmp.path() + "/" + e.name;
        const E_TransferSyntax xfer = ff.getDataset()->getOriginalXfer();
        QVERIFY2(ff.saveFile(out.toLocal8Bit().constData(), xfer).good(), qPrintable(e.name));
        m_crafted << out;
    }
}

void DamagedFilesTest::craftedHeaders()
{
    for (const QString& f : m_crafted) {
        bool shown = false;
        const QString problem = exercise(f, &shown);
        QVERIFY2(problem.isEmpty(), qPrintable(f + ": " + problem));
        // What cannot be a real image must be refused, not shown as noise.
        const QString name = QFileInfo(f).fileName();
        if (name.startsWith("huge") || name.startsWith("big_") || name.startsWith("bits_64") || name.startsWith("samples") ||
            name.startsWith("photometric") || name.startsWith("zero_rows") || name.startsWith("no_") || name.startsWith("pixel_data_short") ||
            name.startsWith("frames_negative") || name.startsWith("palette_no_lut"))
            QVERIFY2(!shown, qPrintable(name + " was displayed"));
        if (name.startsWith("window_garbage") || name.startsWith("rescale_garbage") || name.startsWith("voi_lut_lies"))
            QVERIFY2(shown, qPrintable(name + " should display with its bad attributes ignored"));
    }
}

void DamagedFilesTest::commandLineGivesOneLineReasons()
{
    QStringList sample = m_crafted;
    for (int i = 0; i < m_damaged.size(); i += 23) sample << m_damaged[i];
    sample << pydicomTestFiles() + "/rtdose_1frame.dcm" << pydicomTestFiles() + "/rtdose_expb_1frame.dcm"
           << pydicomTestFiles() + "/rtdose_rle_1frame.dcm" << pydicomTestFiles() + "/README.txt";
    for (const QString& f : sample) {
        const ProcessResult r = run(lightboxExe(), {"render", f, "--out", m_tmp.path() + "/cli.png"}, 60000);
        QVERIFY2(!r.crashed && !r.timedOut, qPrintable("lightbox render crashed or hung on " + f));
        QVERIFY2(r.exitCode == 0 || r.exitCode == 1, qPrintable(f));
        if (r.exitCode == 1) {
            const QByteArray line = r.err.trimmed();
            QVERIFY2(line.startsWith("lightbox: ") && !line.contains('\n'), qPrintable(f + ": " + QString::fromUtf8(r.err)));
        }
    }
}

QTEST_GUILESS_MAIN(DamagedFilesTest)
#include "test_damaged_files.moc"
