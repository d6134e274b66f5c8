#pragma once
// Colour sample conversions to interleaved RGB (PS3.3 C.7.6.3.1.2).
#include <cstdint>
#include <vector>

namespace lightbox {

// Planar (RRR..GGG..BBB..) to interleaved (RGBRGB..), samples of `bytesPerSample` bytes.
std::vector<std::uint8_t> planarToInterleaved(const std::vector<std::uint8_t>& in, std::size_t pixels, int bytesPerSample);

// YBR_FULL_422 native layout (Y Y Cb Cr per pixel pair) to YBR_FULL interleaved.
std::vector<std::uint8_t> expandYbr422(const std::vector<std::uint8_t>& in, std::uint32_t rows, std::uint32_t columns, int bytesPerSample);

// YBR_FULL to RGB in place (interleaved); `bits` is the sample precision.
void ybrFullToRgb(std::vector<std::uint8_t>& data, std::size_t pixels, int bytesPerSample, int bits);

}  // namespace lightbox
