#include "jpeg_header.h"

namespace lightbox {

std::optional<JpegFrameHeader> parseJpegFrameHeader(const std::uint8_t* d, std::size_t n)
{
    if (!d || n < 4 || d[0] != 0xFF || d[1] != 0xD8) return std::nullopt;  // SOI
    std::size_t i = 2;
    while (i + 4 <= n) {
        if (d[i] != 0xFF) return std::nullopt;
        const std::uint8_t marker = d[i + 1];
        if (marker == 0xFF) { ++i; continue; }  // fill byte
        if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) { i += 2; continue; }
        const std::size_t length = (std::size_t(d[i + 2]) << 8) | d[i + 3];
        if (length < 2 || i + 2 + length > n) return std::nullopt;
        const bool sof = (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) || marker == 0xF7;
        if (sof) {
            if (length < 8) return std::nullopt;
            JpegFrameHeader h;
            h.precision = d[i + 4];
            h.height = (d[i + 5] << 8) | d[i + 6];
            h.width = (d[i + 7] << 8) | d[i + 8];
            h.components = d[i + 9];
            return h;
        }
        if (marker == 0xDA || marker == 0xD9) return std::nullopt;  // scan before frame header
        i += 2 + length;
    }
    return std::nullopt;
}

}  // namespace lightbox
