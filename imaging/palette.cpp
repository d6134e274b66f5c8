#include "palette.h"

#include "dicom_file.h"

#include <cmath>

namespace lightbox {

namespace {

// Appends the expansion of segments[begin, end) to out; depth guards against indirect loops.
bool expandRange(const std::vector<std::uint16_t>& seg, size_t begin, size_t end, std::vector<std::uint16_t>& out,
                 std::uint32_t limit, int depth)
{
    if (depth > 4) return false;
    size_t i = begin;
    while (i < end) {
        if (out.size() > limit) return false;
        if (i + 1 >= seg.size()) return false;
        const std::uint16_t op = seg[i];
        const std::uint16_t len = seg[i + 1];
        if (op == 0) {  // discrete
            if (i + 2 + len > seg.size()) return false;
            out.insert(out.end(), seg.begin() + long(i + 2), seg.begin() + long(i + 2 + len));
            i += 2 + len;
        } else if (op == 1) {  // linear: from the previous value to y1 in len steps
            if (out.empty() || i + 2 >= seg.size()) return false;
            const double y0 = out.back();
            const double y1 = seg[i + 2];
            for (std::uint16_t k = 1; k <= len; ++k)
                out.push_back(std::uint16_t(std::lround(y0 + (y1 - y0) * k / len)));
            i += 3;
        } else if (op == 2) {  // indirect: copy `len` segments starting at a byte offset
            if (i + 3 >= seg.size()) return false;
            const std::uint32_t offset = std::uint32_t(seg[i + 2]) | (std::uint32_t(seg[i + 3]) << 16);
            size_t start = offset / 2;  // offset is in bytes
            size_t j = start;
            for (std::uint16_t k = 0; k < len; ++k) {
                if (j + 1 >= seg.size()) return false;
                const std::uint16_t op2 = seg[j];
                const size_t n = op2 == 0 ? 2 + seg[j + 1] : op2 == 1 ? 3 : 4;
                if (op2 == 2 || j + n > seg.size()) return false;  // nested indirection is not allowed
                j += n;
            }
            if (!expandRange(seg, start, j, out, limit, depth + 1)) return false;
            i += 4;
        } else {
            return false;
        }
    }
    return true;
}

}  // namespace

std::vector<std::uint16_t> expandSegmentedLut(const std::vector<std::uint16_t>& segments, std::uint32_t entries)
{
    std::vector<std::uint16_t> out;
    out.reserve(entries);
    if (!expandRange(segments, 0, segments.size(), out, entries + 65536, 0)) return {};
    if (out.size() < entries) return {};
    out.resize(entries);
    return out;
}

std::optional<RgbPalette> readSegmentedPalette(const DicomItem& ds, bool signedInput)
{
    RgbPalette p;
    const Tag descs[3] = {tags::RedPaletteColorLookupTableDescriptor, tags::GreenPaletteColorLookupTableDescriptor,
                          tags::BluePaletteColorLookupTableDescriptor};
    const Tag data[3] = {tags::SegmentedRedPaletteColorLookupTableData, tags::SegmentedGreenPaletteColorLookupTableData,
                         tags::SegmentedBluePaletteColorLookupTableData};
    LookupTable* luts[3] = {&p.red, &p.green, &p.blue};
    for (int c = 0; c < 3; ++c) {
        auto d = ds.numbers(descs[c]);
        if (d.size() < 3) return std::nullopt;
        LookupTable& lut = *luts[c];
        lut.entries = d[0] <= 0 ? 65536u : std::uint32_t(d[0]);
        double first = d[1];
        if (signedInput && first > 32767) first -= 65536;
        lut.firstMapped = std::int32_t(first);
        lut.bits = int(d[2]);
        lut.data = expandSegmentedLut(ds.words(data[c]), lut.entries);
        if (!lut.valid()) return std::nullopt;
    }
    return p;
}

}  // namespace lightbox
