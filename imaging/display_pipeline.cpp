#include "display_pipeline.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace lightbox {

namespace {

std::uint32_t rawSample(const DecodedFrame& f, std::size_t i)
{
    const std::uint8_t* p = f.data.data() + i * f.bytesPerSample;
    switch (f.bytesPerSample) {
    case 1: return p[0];
    case 2: { std::uint16_t v; std::memcpy(&v, p, 2); return v; }
    default: { std::uint32_t v; std::memcpy(&v, p, 4); return v; }
    }
}

std::uint8_t toByte(double unit)
{
    return std::uint8_t(std::lround(std::clamp(unit, 0.0, 1.0) * 255.0));
}

int lutBits(const LookupTable& lut)
{
    // Trust the descriptor unless the data do not fit in it.
    const std::uint16_t maxEntry = lut.data.empty() ? 0 : *std::max_element(lut.data.begin(), lut.data.begin() + lut.entries);
    int bits = lut.bits;
    while (bits < 16 && maxEntry > ((1u << bits) - 1)) ++bits;
    return bits;
}

}  // namespace

double applyWindow(const WindowLevel& w, double x)
{
    const double c = w.center, width = w.width;
    switch (w.function) {
    case VoiFunction::LinearExact:
        if (x <= c - width / 2) return 0.0;
        if (x > c + width / 2) return 1.0;
        return (x - c) / width + 0.5;
    case VoiFunction::Sigmoid:
        return 1.0 / (1.0 + std::exp(-4.0 * (x - c) / width));
    case VoiFunction::Linear:
    default:
        if (x <= c - 0.5 - (width - 1) / 2) return 0.0;
        if (x > c - 0.5 + (width - 1) / 2) return 1.0;
        return (x - (c - 0.5)) / (width - 1) + 0.5;
    }
}

ModalityValues::ModalityValues(const DecodedFrame& frame, const ImageInfo& info, std::uint32_t frameIndex)
    : m_frame(frame), m_modality(info.modalityFor(frameIndex)), m_info(info)
{
    const int bits = std::clamp(frame.bitsStored, 1, 32);
    m_shift = std::max(0, frame.highBit + 1 - bits);
    m_mask = bits >= 32 ? 0xFFFFFFFFu : ((1u << bits) - 1);
    if (frame.isSigned) {
        m_minStored = -(std::int64_t(1) << (bits - 1));
        m_maxStored = (std::int64_t(1) << (bits - 1)) - 1;
    } else {
        m_minStored = 0;
        m_maxStored = (std::int64_t(1) << bits) - 1;
    }
}

std::int64_t ModalityValues::stored(std::size_t pixel) const
{
    std::uint32_t v = (rawSample(m_frame, pixel) >> m_shift) & m_mask;
    if (m_frame.isSigned && m_frame.bitsStored < 64 && (v >> (m_frame.bitsStored - 1)) & 1)
        return std::int64_t(v) - (std::int64_t(1) << m_frame.bitsStored);
    return v;
}

double ModalityValues::value(std::int64_t stored) const
{
    if (m_modality.lut && m_modality.lut->valid()) return m_modality.lut->lookup(stored);
    return stored * m_modality.slope + m_modality.intercept;
}

bool ModalityValues::isPadding(std::int64_t stored) const
{
    if (!m_info.paddingValue) return false;
    const std::int64_t a = *m_info.paddingValue;
    if (!m_info.paddingRangeLimit) return stored == a;
    const std::int64_t b = *m_info.paddingRangeLimit;
    return stored >= std::min(a, b) && stored <= std::max(a, b);
}

ValueRange modalityRange(const DecodedFrame& frame, const ImageInfo& info, std::uint32_t frameIndex)
{
    ModalityValues mv(frame, info, frameIndex);
    std::int64_t lo = std::numeric_limits<std::int64_t>::max(), hi = std::numeric_limits<std::int64_t>::min();
    const std::size_t n = frame.pixelCount() * frame.samples;
    for (std::size_t i = 0; i < n; ++i) {
        const std::int64_t s = mv.stored(i);
        if (mv.isPadding(s)) continue;
        lo = std::min(lo, s);
        hi = std::max(hi, s);
    }
    if (lo > hi) lo = hi = 0;
    double a = mv.value(lo), b = mv.value(hi);
    if (info.modalityFor(frameIndex).lut) {
        // A LUT need not be monotonic: scan the stored range.
        a = std::numeric_limits<double>::max();
        b = std::numeric_limits<double>::lowest();
        for (std::int64_t s = lo; s <= hi && s - lo < (1 << 20); ++s) {
            a = std::min(a, mv.value(s));
            b = std::max(b, mv.value(s));
        }
    }
    return {std::min(a, b), std::max(a, b)};
}

WindowLevel initialWindow(const DecodedFrame& frame, const ImageInfo& info, std::uint32_t frameIndex)
{
    const auto& windows = info.windowsFor(frameIndex);
    if (!windows.empty()) return windows.front();
    const ValueRange r = modalityRange(frame, info, frameIndex);
    WindowLevel w;
    w.width = std::max(1.0, r.max - r.min + 1);
    w.center = r.min + w.width / 2;
    w.explanation = "min/max";
    return w;
}

Result<DisplayImage> renderForDisplay(const DecodedFrame& frame, const ImageInfo& info, std::uint32_t frameIndex,
                                      const DisplayOptions& options)
{
    DisplayImage out;
    out.width = frame.columns;
    out.height = frame.rows;
    const std::size_t pixels = frame.pixelCount();

    if (frame.photometric == Photometric::Rgb) {
        out.channels = 3;
        out.pixels.resize(pixels * 3);
        const int bits = std::clamp(frame.bitsStored, 1, 32);
        const double maxV = double((std::uint64_t(1) << bits) - 1);
        const std::uint32_t mask = bits >= 32 ? 0xFFFFFFFFu : ((1u << bits) - 1);
        for (std::size_t i = 0; i < pixels * 3; ++i) {
            const std::uint32_t v = rawSample(frame, i) & mask;
            std::uint8_t b = bits == 8 ? std::uint8_t(v) : toByte(v / maxV);
            out.pixels[i] = options.invert ? std::uint8_t(255 - b) : b;
        }
        return out;
    }

    ModalityValues mv(frame, info, frameIndex);
    if (frame.photometric == Photometric::PaletteColor) {
        if (!info.paletteRed || !info.paletteGreen || !info.paletteBlue)
            return makeError("bad-palette", "palette colour image without its lookup tables");
        out.channels = 3;
        out.pixels.resize(pixels * 3);
        const LookupTable* luts[3] = {&*info.paletteRed, &*info.paletteGreen, &*info.paletteBlue};
        double scale[3];
        for (int c = 0; c < 3; ++c) scale[c] = 1.0 / double((1u << lutBits(*luts[c])) - 1);
        for (std::size_t i = 0; i < pixels; ++i) {
            const std::int64_t s = mv.stored(i);
            for (int c = 0; c < 3; ++c) {
                std::uint8_t b = luts[c]->bits <= 8 && lutBits(*luts[c]) <= 8 ? std::uint8_t(luts[c]->lookup(s))
                                                                            : toByte(luts[c]->lookup(s) * scale[c]);
                out.pixels[3 * i + c] = options.invert ? std::uint8_t(255 - b) : b;
            }
        }
        return out;
    }

    // Grayscale: resolve the VOI transformation.
    VoiChoice voi = options.voi;
    const auto& windows = info.windowsFor(frameIndex);
    if (voi.kind == VoiChoice::Kind::Auto) {
        if (!windows.empty()) { voi.kind = VoiChoice::Kind::FileWindow; voi.index = 0; }
        else if (!info.voiLuts.empty()) { voi.kind = VoiChoice::Kind::VoiLut; voi.index = 0; }
        else voi.kind = VoiChoice::Kind::MinMax;
    }
    if (voi.kind == VoiChoice::Kind::FileWindow) {
        if (voi.index < 0 || size_t(voi.index) >= windows.size())
            return makeError("no-such-window", "the image has " + std::to_string(windows.size()) + " windows");
        voi.window = windows[size_t(voi.index)];
        voi.kind = VoiChoice::Kind::Window;
    }
    if (voi.kind == VoiChoice::Kind::VoiLut && (voi.index < 0 || size_t(voi.index) >= info.voiLuts.size()))
        return makeError("no-such-voi-lut", "the image has " + std::to_string(info.voiLuts.size()) + " VOI LUTs");
    ValueRange range{};
    if (voi.kind == VoiChoice::Kind::MinMax || voi.kind == VoiChoice::Kind::None) {
        if (voi.kind == VoiChoice::Kind::MinMax) range = modalityRange(frame, info, frameIndex);
        else range = {mv.value(mv.minStored()), mv.value(mv.maxStored())};
        if (range.min > range.max) std::swap(range.min, range.max);
    }
    const LookupTable* voiLut = voi.kind == VoiChoice::Kind::VoiLut ? &info.voiLuts[size_t(voi.index)] : nullptr;
    const double voiLutMax = voiLut ? double((1u << lutBits(*voiLut)) - 1) : 1.0;

    const bool inverse = (info.photometric == Photometric::Monochrome1 || info.presentationInverse) != options.invert;
    auto display = [&](std::int64_t s) -> std::uint8_t {
        if (mv.isPadding(s)) return options.invert ? 255 : 0;  // padding is background: black
        const double x = mv.value(s);
        double unit;
        if (voi.kind == VoiChoice::Kind::Window) unit = applyWindow(voi.window, x);
        else if (voiLut) unit = voiLut->lookup(std::llround(x)) / voiLutMax;
        else unit = range.max > range.min ? (x - range.min) / (range.max - range.min) : 0.0;
        std::uint8_t b = toByte(unit);
        return inverse ? std::uint8_t(255 - b) : b;
    };

    out.channels = 1;
    out.pixels.resize(pixels);
    const int bits = std::clamp(frame.bitsStored, 1, 32);
    if (bits <= 16 && frame.bytesPerSample <= 2) {
        // One table entry per possible stored bit pattern; the pixel loop is a shift, a mask and
        // a lookup.
        const std::uint32_t patterns = 1u << bits;
        std::vector<std::uint8_t> table(patterns);
        for (std::uint32_t k = 0; k < patterns; ++k) {
            const std::int64_t value = frame.isSigned && (k >> (bits - 1)) ? std::int64_t(k) - std::int64_t(patterns) : std::int64_t(k);
            table[k] = display(value);
        }
        const int shift = std::max(0, frame.highBit + 1 - bits);
        const std::uint32_t mask = patterns - 1;
        if (frame.bytesPerSample == 1) {
            const std::uint8_t* src = frame.data.data();
            for (std::size_t i = 0; i < pixels; ++i) out.pixels[i] = table[(src[i] >> shift) & mask];
        } else {
            std::vector<std::uint16_t> words(pixels);
            std::memcpy(words.data(), frame.data.data(), pixels * 2);
            for (std::size_t i = 0; i < pixels; ++i) out.pixels[i] = table[(words[i] >> shift) & mask];
        }
    } else {
        for (std::size_t i = 0; i < pixels; ++i) out.pixels[i] = display(mv.stored(i));
    }
    return out;
}

}  // namespace lightbox
