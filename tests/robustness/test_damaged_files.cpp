// No file may crash or hang Lightbox: both corpora, damaged copies of every file (truncated,
// bit-flipped) and crafted headers (a 46341x46341 image, absurd frame counts, unsupported pixel
// modules) go through the same code the viewer uses; each gets an image or a one-line reason.
// Where the damage decides the outcome (the crafted files, cuts at known places) the right one is
// asserted: refused with its reason, shown with the damage ignored, or shown up to the frames that
// are missing. The pydicom files that make GDCM abort() (rtdose_1frame.dcm, ...) are among the
// originals.
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
#include <condition_variable>
#include <cstdio>
#include <mutex>
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
            std::unique_lock<std::mutex> lock(m_mutex);
            // Wakes at once when stopped; otherwise looks at the running file five times a second.
            while (!m_stopped.wait_for(lock, std::chrono::milliseconds(200), [this] { return m_stop.load(); })) {
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
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_stop = true;
        }
        m_stopped.notify_all();
        m_thread.join();
    }
    void begin(const std::string& what)
    {
        std::lock_guard<std::mutex> lock(m_mutex);  // the watchdog reads m_current under it
        m_current = what;
        m_started = std::chrono::steady_clock::now().time_since_epoch().count();
    }
    void end() { m_started = 0; }

private:
    int m_limit;
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex;
    std::condition_variable m_stopped;
    std::atomic<long long> m_started{0};
    std::string m_current;
    std::thread m_thread;
};

bool oneLine(const std::string& reason) { return !reason.empty() && reason.find('\n') == std::string::npos; }

}  // namespace

// What the viewer's code path made of one file.
struct Outcome {
    QString problem;        // a reason that is empty or longer than one line: always a failure
    QString refusal;        // the first refusal (open, image module, decode or display), if any
    std::string code;       // its code ("truncated", "too-large", ...)
    bool firstShown = false, lastShown = false;  // the first and the last frame reached the screen
    QString lastRefusal;    // why the last frame did not, if it did not
    QString describe() const
    {
        return QStringLiteral("first frame %1, last frame %2; refusal: %3 [%4]; last frame: %5")
            .arg(firstShown ? "shown" : "not shown", lastShown ? "shown" : "not shown", refusal, QString::fromStdString(code), lastRefusal);
    }
};

class DamagedFilesTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void originals();
    void damagedCopies();
    void craftedHeaders_data();
    void craftedHeaders();
    void commandLineGivesOneLineReasons();

private:
    // Opens, describes, decodes and renders like the viewer.
    Outcome exercise(const QString& path);
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

Outcome DamagedFilesTest::exercise(const QString& path)
{
    m_watchdog.begin(path.toStdString());
    Outcome o;
    auto refuse = [&](const Error& e) {
        if (!oneLine(e.message)) o.problem = "bad reason: " + QString::fromStdString(e.message);
        if (o.refusal.isEmpty()) {
            o.refusal = QString::fromStdString(e.message);
            o.code = e.code;
        }
    };
    auto file = DicomFile::open(path.toStdString());
    if (!file) {
        refuse(file.error());
        m_watchdog.end();
        return o;
    }
    summarize(**file);  // every text attribute through the charset decoder
    auto src = ImageSource::open(path.toStdString());
    if (!src) {
        refuse(src.error());
        m_watchdog.end();
        return o;
    }
    const std::uint32_t frames = src->info().frames;
    for (std::uint32_t f : {0u, frames / 2, frames - 1}) {
        auto frame = src->decode(f);
        bool shown = false;
        if (!frame) {
            refuse(frame.error());
            if (f == frames - 1) o.lastRefusal = QString::fromStdString(frame.error().message);
        } else {
            DisplayOptions autoVoi;
            auto shownAuto = renderForDisplay(*frame, src->info(), f, autoVoi);
            DisplayOptions windowed;
            windowed.voi.kind = VoiChoice::Kind::Window;
            windowed.voi.window = {40, 400, VoiFunction::Linear, {}};
            windowed.invert = true;
            auto shownWindowed = renderForDisplay(*frame, src->info(), f, windowed);
            if (!shownAuto) refuse(shownAuto.error());
            if (!shownWindowed) refuse(shownWindowed.error());
            shown = shownAuto && shownWindowed;
            if (!shown && f == frames - 1) o.lastRefusal = o.refusal;
        }
        if (f == 0) o.firstShown = shown;
        if (f == frames - 1) o.lastShown = shown;
    }
    m_watchdog.end();
    return o;
}

void DamagedFilesTest::originals()
{
    int displayed = 0;
    for (const QString& f : m_originals) {
        const Outcome o = exercise(f);
        QVERIFY2(o.problem.isEmpty(), qPrintable(f + ": " + o.problem));
        displayed += o.firstShown || o.lastShown;
    }
    // Most of the corpus is images; a decoder that refuses everything must not pass.
    QVERIFY2(displayed > 180, qPrintable(QStringLiteral("only %1 originals displayed").arg(displayed)));
}

void DamagedFilesTest::damagedCopies()
{
    // Random damage: where the flipped bits and the cuts land decides whether an image can still be
    // shown, so only what must always hold is checked: no crash, no hang (the watchdog), and a
    // one-line reason for whatever is refused. Damage whose outcome is determined is in
    // craftedHeaders.
    QElapsedTimer t;
    t.start();
    for (const QString& f : m_damaged) {
        const Outcome o = exercise(f);
        QVERIFY2(o.problem.isEmpty(), qPrintable(f + ": " + o.problem));
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
        {"charset_unknown.dcm", ct, [](DcmDataset* d) {
             d->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 999");
             d->putAndInsertString(DCM_PatientName, "M\xfcller^\xff\xfe"); }},
        {"geometry_garbage.dcm", ct, [](DcmDataset* d) {
             d->putAndInsertString(DCM_PixelSpacing, "abc\\0");
             d->putAndInsertString(DCM_ImageOrientationPatient, "1\\0\\0\\0\\0\\0");
             d->putAndInsertString(DCM_ImagePositionPatient, "nan\\x"); }},
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
    // Cut short where the outcome is known: the CT slice's Pixel Data is its last element (over 95 %
    // of the file); its meta header runs to byte 350.
    QFile in(ct);
    QVERIFY(in.open(QIODevice::ReadOnly));
    const QByteArray bytes = in.readAll();
    QVERIFY(bytes.size() > 512 * 512 * 2);
    QList<QPair<QString, QByteArray>> cuts = {
        {"cut_ct_in_pixels.dcm", bytes.left(bytes.size() * 6 / 10)},
        {"cut_ct_last_bytes.dcm", bytes.left(bytes.size() - 2)},
        {"cut_in_meta_header.dcm", bytes.left(140)},
    };
    QFile cine(xa);
    QVERIFY(cine.open(QIODevice::ReadOnly));
    const QByteArray cineBytes = cine.readAll();
    cuts.append({"cut_xa_cine_at_90pc.dcm", cineBytes.left(cineBytes.size() * 9 / 10)});
    for (const auto& [name, data] : cuts) {
        QFile out(m_tmp.path() + "/" + name);
        QVERIFY(out.open(QIODevice::WriteOnly) && out.write(data) == data.size());
        m_crafted << out.fileName();
    }
}

namespace {

// What a crafted file must give. Refused: no frame is shown, and the reason has the code and says
// `words`. Shown: every frame is (the damage lies outside what display needs). FirstFramesOnly: the
// frames whose data is there are shown, the last one (whose data is not) is refused with `words`.
enum class Expect { Refused, Shown, FirstFramesOnly };
struct Expectation {
    const char* name;
    Expect expect;
    const char* code = "";
    const char* words = "";
};

// Each kind of damage and the one right outcome for it.
const Expectation kCrafted[] = {
    // Sizes no real image has: refused before anything is allocated.
    {"huge_46341.dcm", Expect::Refused, "too-large", "exceeds the 1 GiB limit"},
    {"huge_46341_8bit.dcm", Expect::Refused, "too-large", "exceeds the 1 GiB limit"},
    {"huge_jpeg.dcm", Expect::Refused, "too-large", "exceeds the 1 GiB limit"},
    {"frames_2g.dcm", Expect::Refused, "bad-pixel-module", "Number of Frames"},
    {"frames_negative.dcm", Expect::Refused, "bad-pixel-module", "Number of Frames"},
    // Compressed streams whose size is not the header's: the header is what the pixels are laid
    // out by, so a frame that does not match it cannot be shown.
    {"big_jpeg_lie.dcm", Expect::Refused, "", "9000"},
    {"big_j2k_lie.dcm", Expect::Refused, "", "4000"},
    // A pixel module that describes no displayable image.
    {"bits_64.dcm", Expect::Refused, "unsupported", "Bits Allocated 64"},
    {"samples_4.dcm", Expect::Refused, "unsupported", "Samples per Pixel 4"},
    {"samples_0.dcm", Expect::Refused, "unsupported", "Samples per Pixel 0"},
    {"rgb_claim.dcm", Expect::Refused, "truncated", "pixel data holds"},  // RGB at 16 bits needs three times the bytes
    {"photometric_bogus.dcm", Expect::Refused, "unsupported", "HSV"},
    {"palette_no_lut.dcm", Expect::Refused, "bad-palette", "lookup tables"},
    {"zero_rows.dcm", Expect::Refused, "bad-pixel-module", "Rows or Columns"},
    {"no_columns.dcm", Expect::Refused, "bad-pixel-module", "Rows or Columns"},
    {"no_pixel_data.dcm", Expect::Refused, "no-pixel-data", "no pixel data"},
    {"pixel_data_short.dcm", Expect::Refused, "truncated", "pixel data holds"},
    // Bits Stored 0 and a High Bit beyond Bits Allocated say nothing usable about the bits: the
    // values are read as Bits Allocated bits, as when both are absent (the data is all there).
    {"bits_stored_0.dcm", Expect::Shown},
    // More frames claimed than the data holds: the frames that are there are shown, the missing
    // ones refused, as for a multi-frame file cut short.
    {"frames_1000.dcm", Expect::FirstFramesOnly, "truncated", "before frame 1000"},
    {"jpeg_frames_lie.dcm", Expect::FirstFramesOnly, "", "5000"},
    // Cut inside Pixel Data (its last element): the frame is not all there.
    {"cut_ct_in_pixels.dcm", Expect::Refused, "truncated", ""},
    {"cut_ct_last_bytes.dcm", Expect::Refused, "truncated", ""},
    {"cut_in_meta_header.dcm", Expect::Refused, "", ""},
    // A JPEG cine cut at 90 %: the frames before the cut are whole and shown, the last is not there.
    {"cut_xa_cine_at_90pc.dcm", Expect::FirstFramesOnly, "", "frame 96"},
    // Damage outside what display needs: bad windows, rescale and VOI LUT are ignored, text in an
    // unknown character set is shown as it can be, geometry that cannot be read is left out.
    {"window_garbage.dcm", Expect::Shown},
    {"rescale_garbage.dcm", Expect::Shown},
    {"voi_lut_lies.dcm", Expect::Shown},
    {"charset_unknown.dcm", Expect::Shown},
    {"geometry_garbage.dcm", Expect::Shown},
};

}  // namespace

void DamagedFilesTest::craftedHeaders_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("expect");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("words");
    QStringList named;
    for (const Expectation& e : kCrafted) {
        const QString file = m_tmp.path() + "/" + e.name;
        QTest::newRow(e.name) << file << int(e.expect) << QString(e.code) << QString(e.words);
        named << file;
    }
    named.sort();
    QStringList crafted = m_crafted;
    crafted.sort();
    QCOMPARE(named, crafted);  // every crafted file has its expectation
}

void DamagedFilesTest::craftedHeaders()
{
    QFETCH(QString, file);
    QFETCH(int, expect);
    QFETCH(QString, code);
    QFETCH(QString, words);
    QVERIFY2(QFileInfo::exists(file), qPrintable(file));
    const Outcome o = exercise(file);
    QVERIFY2(o.problem.isEmpty(), qPrintable(o.problem));
    const QString what = o.describe();
    switch (Expect(expect)) {
    case Expect::Refused:
        // What cannot be a real image must be refused, not shown as noise, and say why.
        QVERIFY2(!o.firstShown && !o.lastShown, qPrintable("displayed: " + what));
        QVERIFY2(!o.refusal.isEmpty(), qPrintable(what));
        if (!code.isEmpty()) QVERIFY2(QString::fromStdString(o.code) == code, qPrintable(what));
        QVERIFY2(o.refusal.contains(words), qPrintable(what));
        break;
    case Expect::Shown:
        QVERIFY2(o.firstShown && o.lastShown, qPrintable("should display with its bad attributes ignored: " + what));
        break;
    case Expect::FirstFramesOnly:
        QVERIFY2(o.firstShown, qPrintable(what));
        QVERIFY2(!o.lastShown && o.lastRefusal.contains(words), qPrintable(what));
        if (!code.isEmpty()) QVERIFY2(QString::fromStdString(o.code) == code, qPrintable(what));
        break;
    }
}

void DamagedFilesTest::commandLineGivesOneLineReasons()
{
    // `lightbox render` (frame 1) must agree with the viewer's code path where the outcome is
    // determined: exit 0 for what is shown, 1 with one line for what is refused. The GDCM-aborting
    // RT doses are valid images (shown); a text file is not DICOM.
    struct Known { QString file; bool shown; QString words; };
    QList<Known> known;
    for (const Expectation& e : kCrafted) known.append({m_tmp.path() + "/" + e.name, e.expect != Expect::Refused, QString(e.words)});
    for (const char* dose : {"rtdose_1frame.dcm", "rtdose_expb_1frame.dcm", "rtdose_rle_1frame.dcm"})
        known.append({pydicomTestFiles() + "/" + dose, true, {}});
    known.append({pydicomTestFiles() + "/README.txt", false, "not a DICOM file"});
    for (const Known& k : known) {
        const ProcessResult r = run(lightboxExe(), {"render", k.file, "--out", m_tmp.path() + "/cli.png"}, 60000);
        QVERIFY2(!r.crashed && !r.timedOut, qPrintable("lightbox render crashed or hung on " + k.file));
        const QByteArray line = r.err.trimmed();
        QVERIFY2(r.exitCode == (k.shown ? 0 : 1), qPrintable(QStringLiteral("%1: exit %2 %3").arg(k.file).arg(r.exitCode).arg(QString::fromUtf8(line))));
        if (!k.shown) {
            QVERIFY2(line.startsWith("lightbox: ") && !line.contains('\n') && line.contains(k.words.toUtf8()), qPrintable(k.file + ": " + QString::fromUtf8(r.err)));
        }
    }
    // Random damage: exit 0 or 1 (which one depends on where it landed), never a crash or a hang,
    // and a refusal in one line.
    for (int i = 0; i < m_damaged.size(); i += 23) {
        const QString f = m_damaged[i];
        const ProcessResult r = run(lightboxExe(), {"render", f, "--out", m_tmp.path() + "/cli.png"}, 60000);
        QVERIFY2(!r.crashed && !r.timedOut, qPrintable("lightbox render crashed or hung on " + f));
        QVERIFY2(r.exitCode == 0 || r.exitCode == 1, qPrintable(QStringLiteral("%1: exit %2 %3").arg(f).arg(r.exitCode).arg(QString::fromUtf8(r.err.trimmed()))));
        if (r.exitCode == 1) {
            const QByteArray line = r.err.trimmed();
            QVERIFY2(line.startsWith("lightbox: ") && !line.contains('\n'), qPrintable(f + ": " + QString::fromUtf8(r.err)));
        }
    }
}

QTEST_GUILESS_MAIN(DamagedFilesTest)
#include "test_damaged_files.moc"
