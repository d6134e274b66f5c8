// Unit tests of the display pipeline on synthetic frames, against the formulas of PS3.3 C.11:
// window functions at their break points, masking of unused high bits, sign extension, Modality
// LUT precedence, padding, MONOCHROME1 / INVERSE polarity, segmented palettes.
#include "display_pipeline.h"
#include "palette.h"
#include "patient_orientation.h"

#include <QtTest>

#include <cstring>

using namespace lightbox;

namespace {

DecodedFrame frame16(const std::vector<std::uint16_t>& values, int bitsStored, bool isSigned)
{
    DecodedFrame f;
    f.rows = 1;
    f.columns = std::uint32_t(values.size());
    f.bytesPerSample = 2;
    f.bitsStored = bitsStored;
    f.highBit = bitsStored - 1;
    f.isSigned = isSigned;
    f.data.resize(values.size() * 2);
    std::memcpy(f.data.data(), values.data(), f.data.size());
    return f;
}

ImageInfo infoFor(const DecodedFrame& f, Photometric p = Photometric::Monochrome2)
{
    ImageInfo info;
    info.rows = f.rows;
    info.columns = f.columns;
    info.bitsAllocated = f.bytesPerSample * 8;
    info.bitsStored = f.bitsStored;
    info.highBit = f.highBit;
    info.isSigned = f.isSigned;
    info.photometric = p;
    return info;
}

std::vector<std::uint8_t> show(const DecodedFrame& f, const ImageInfo& info, double c, double w, VoiFunction fn = VoiFunction::Linear,
                               bool invert = false)
{
    DisplayOptions o;
    o.voi.kind = VoiChoice::Kind::Window;
    o.voi.window = {c, w, fn, {}};
    o.invert = invert;
    auto r = renderForDisplay(f, info, 0, o);
    return r ? r->pixels : std::vector<std::uint8_t>{};
}

}  // namespace

class DisplayPipelineTest : public QObject {
    Q_OBJECT
private slots:
    void linearWindowBreakPoints();
    void linearExactAndSigmoid();
    void unusedHighBitsAreMasked();
    void signedValuesAreSignExtended();
    void rescaleAndModalityLut();
    void polarity();
    void paddingIsBlack();
    void voiLutScalesToItsBitDepth();
    void segmentedPalette();
    void orientationLetters();
};

void DisplayPipelineTest::linearWindowBreakPoints()
{
    // c=100, w=11: x <= 94.5 -> 0, x > 104.5 -> 255, linear in between.
    const auto f = frame16({94, 95, 100, 104, 105}, 12, false);
    const auto px = show(f, infoFor(f), 100, 11);
    QCOMPARE(px.size(), size_t(5));
    QCOMPARE(int(px[0]), 0);
    QCOMPARE(int(px[4]), 255);
    QCOMPARE(int(px[1]), int(std::lround(((95 - 99.5) / 10.0 + 0.5) * 255)));
    QCOMPARE(int(px[2]), int(std::lround(((100 - 99.5) / 10.0 + 0.5) * 255)));
    // Width 1: a threshold at c - 0.5.
    const auto t = show(f, infoFor(f), 100, 1);
    QCOMPARE(int(t[1]), 0);
    QCOMPARE(int(t[2]), 255);
}

void DisplayPipelineTest::linearExactAndSigmoid()
{
    const auto f = frame16({80, 100, 120}, 12, false);
    const auto e = show(f, infoFor(f), 100, 40, VoiFunction::LinearExact);
    QCOMPARE(int(e[0]), 0);
    QCOMPARE(int(e[1]), 128);  // (0/40 + 0.5) * 255 = 127.5 -> 128
    QCOMPARE(int(e[2]), 255);
    const auto s = show(f, infoFor(f), 100, 40, VoiFunction::Sigmoid);
    QCOMPARE(int(s[1]), 128);
    QCOMPARE(int(s[0]), int(std::lround(255.0 / (1.0 + std::exp(2.0)))));
    QCOMPARE(int(s[2]), int(std::lround(255.0 / (1.0 + std::exp(-2.0)))));
}

void DisplayPipelineTest::unusedHighBitsAreMasked()
{
    // 12 bits stored, garbage in bits 12..15 (overlay bits of old scanners).
    const auto f = frame16({std::uint16_t(0xF000 | 100), 100}, 12, false);
    const auto px = show(f, infoFor(f), 100, 50);
    QCOMPARE(px[0], px[1]);
}

void DisplayPipelineTest::signedValuesAreSignExtended()
{
    // 12-bit signed: 0x0FFF is -1, 0x0800 is -2048.
    const auto f = frame16({0x0FFF, 0x0800, 0x07FF}, 12, true);
    ModalityValues mv(f, infoFor(f), 0);
    QCOMPARE(mv.stored(0), std::int64_t(-1));
    QCOMPARE(mv.stored(1), std::int64_t(-2048));
    QCOMPARE(mv.stored(2), std::int64_t(2047));
}

void DisplayPipelineTest::rescaleAndModalityLut()
{
    const auto f = frame16({0, 1000, 2000}, 12, false);
    ImageInfo info = infoFor(f);
    info.modality.slope = 2;
    info.modality.intercept = -1024;
    ModalityValues mv(f, info, 0);
    QCOMPARE(mv.value(1000), 976.0);
    LookupTable lut;
    lut.entries = 3;
    lut.firstMapped = 999;
    lut.data = {7, 8, 9};
    info.modality.lut = lut;  // the LUT takes precedence over rescale
    ModalityValues lv(f, info, 0);
    QCOMPARE(lv.value(1000), 8.0);
    QCOMPARE(lv.value(0), 7.0);     // below the first mapped value: first entry
    QCOMPARE(lv.value(5000), 9.0);  // above: last entry
}

void DisplayPipelineTest::polarity()
{
    const auto f = frame16({0, 4095}, 12, false);
    ImageInfo mono1 = infoFor(f, Photometric::Monochrome1);
    const auto a = show(f, mono1, 2048, 4096);
    QCOMPARE(int(a[0]), 255);
    QCOMPARE(int(a[1]), 0);
    ImageInfo inverse = infoFor(f);
    inverse.presentationInverse = true;
    QCOMPARE(show(f, inverse, 2048, 4096), a);
    // The user's invert flips whatever the image says.
    QCOMPARE(int(show(f, mono1, 2048, 4096, VoiFunction::Linear, true)[0]), 0);
}

void DisplayPipelineTest::paddingIsBlack()
{
    const auto f = frame16({0, 3, 5, 6, 2000}, 12, false);
    ImageInfo info = infoFor(f);
    info.paddingValue = 5;
    info.paddingRangeLimit = 0;  // range 0..5, in either order
    const auto px = show(f, info, 0, 10);  // a window where 0..5 would be grey/white
    QCOMPARE(int(px[0]), 0);
    QCOMPARE(int(px[1]), 0);
    QCOMPARE(int(px[2]), 0);
    QCOMPARE(int(px[3]), 255);
    // Padding does not count in the automatic window.
    const ValueRange r = modalityRange(f, info, 0);
    QCOMPARE(r.min, 6.0);
    QCOMPARE(r.max, 2000.0);
}

void DisplayPipelineTest::voiLutScalesToItsBitDepth()
{
    const auto f = frame16({10, 11, 12}, 12, false);
    ImageInfo info = infoFor(f);
    LookupTable lut;
    lut.entries = 3;
    lut.firstMapped = 10;
    lut.bits = 10;
    lut.data = {0, 511, 1023};
    info.voiLuts.push_back(lut);
    DisplayOptions o;
    o.voi.kind = VoiChoice::Kind::VoiLut;
    auto r = renderForDisplay(f, info, 0, o);
    QVERIFY(r.ok());
    QCOMPARE(int(r->pixels[0]), 0);
    QCOMPARE(int(r->pixels[1]), int(std::lround(511.0 / 1023.0 * 255)));
    QCOMPARE(int(r->pixels[2]), 255);
    o.voi.index = 1;
    QVERIFY(!renderForDisplay(f, info, 0, o).ok());  // no second VOI LUT
}

void DisplayPipelineTest::segmentedPalette()
{
    // Discrete 2 values, then linear to 100 over 4 steps, then an indirect copy of the first segment.
    const std::vector<std::uint16_t> seg = {0, 2, 10, 20, 1, 4, 100, 2, 1, 0, 0};
    const auto lut = expandSegmentedLut(seg, 8);
    const std::vector<std::uint16_t> expected = {10, 20, 40, 60, 80, 100, 10, 20};
    QCOMPARE(lut, expected);
    QVERIFY(expandSegmentedLut({9, 9, 9}, 4).empty());  // unknown opcode
    QVERIFY(expandSegmentedLut({0, 2, 1, 2}, 8).empty()); // too short
}

void DisplayPipelineTest::orientationLetters()
{
    QCOMPARE(QString::fromStdString(directionLetters({1, 0, 0})), QString("L"));
    QCOMPARE(QString::fromStdString(directionLetters({0, -1, 0})), QString("A"));
    QCOMPARE(QString::fromStdString(directionLetters({0, 0, -1})), QString("F"));
    QCOMPARE(QString::fromStdString(directionLetters({0.8, 0.6, 0})), QString("LP"));
    QCOMPARE(QString::fromStdString(directionLetters({0.99, 0.1, 0})), QString("L"));  // below the obliquity threshold
    // Axial (row = L, column = P): R on the left, A on top.
    SideLetters s = sideLetters("L", "P", 0, false, false);
    QCOMPARE(QString::fromStdString(s.left + s.right + s.top + s.bottom), QString("RLAP"));
    // Rotated clockwise: what was on the left is now on top.
    s = sideLetters("L", "P", 1, false, false);
    QCOMPARE(QString::fromStdString(s.top), QString("R"));
    QCOMPARE(QString::fromStdString(s.right), QString("A"));
    // Flipped horizontally.
    s = sideLetters("L", "P", 0, true, false);
    QCOMPARE(QString::fromStdString(s.left), QString("L"));
    // Four rotations are the identity; flips twice too.
    QCOMPARE(displayMatrix(4, false, false), (std::array<int, 4>{1, 0, 0, 1}));
}

QTEST_GUILESS_MAIN(DisplayPipelineTest)
#include "test_display_pipeline.moc"
