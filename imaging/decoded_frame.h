#pragma once
// One decoded frame: samples in host byte order, colour interleaved as RGB.
#include "image_info.h"

#include <cstdint>
#include <vector>

namespace lightbox {

struct DecodedFrame {
    std::uint32_t rows = 0;
    std::uint32_t columns = 0;
    int samples = 1;          // 1 (monochrome, palette) or 3 (RGB)
    int bytesPerSample = 1;   // 1, 2 or 4 (1-bit data is unpacked to one byte per pixel)
    int bitsStored = 8;
    int highBit = 7;
    bool isSigned = false;
    Photometric photometric = Photometric::Monochrome2;  // after decoding: MONOCHROME1/2, PALETTE COLOR or RGB
    std::vector<std::uint8_t> data;

    std::size_t pixelCount() const { return std::size_t(rows) * columns; }
};

}  // namespace lightbox
