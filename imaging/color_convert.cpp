#include "color_convert.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace lightbox {

namespace {

template <class T>
T sampleAt(const std::uint8_t* p, std::size_t i)
{
    T v;
    std::memcpy(&v, p + i * sizeof(T), sizeof(T));
    return v;
}

template <class T>
void setSample(std::uint8_t* p, std::size_t i, T v)
{
    std::memcpy(p + i * sizeof(T), &v, sizeof(T));
}

template <class T>
void ybrToRgbT(std::vector<std::uint8_t>& data, std::size_t pixels, int bits)
{
    const double maxV = double((std::uint64_t(1) << bits) - 1);
    const double half = double(std::uint64_t(1) << (bits - 1));
    std::uint8_t* p = data.data();
    for (std::size_t i = 0; i < pixels; ++i) {
        const double y = sampleAt<T>(p, 3 * i), cb = sampleAt<T>(p, 3 * i + 1) - half, cr = sampleAt<T>(p, 3 * i + 2) - half;
        const double rgb[3] = {y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb};
        for (int c = 0; c < 3; ++c) setSample<T>(p, 3 * i + c, T(std::clamp(std::round(rgb[c]), 0.0, maxV)));
    }
}

}  // namespace

std::vector<std::uint8_t> planarToInterleaved(const std::vector<std::uint8_t>& in, std::size_t pixels, int bps)
{
    std::vector<std::uint8_t> out(pixels * 3 * bps);
    for (int c = 0; c < 3; ++c) {
        const std::uint8_t* src = in.data() + std::size_t(c) * pixels * bps;
        for (std::size_t i = 0; i < pixels; ++i) std::memcpy(out.data() + (i * 3 + c) * bps, src + i * bps, bps);
    }
    return out;
}

std::vector<std::uint8_t> expandYbr422(const std::vector<std::uint8_t>& in, std::uint32_t rows, std::uint32_t columns, int bps)
{
    std::vector<std::uint8_t> out(std::size_t(rows) * columns * 3 * bps);
    const std::size_t pairsPerRow = (columns + 1) / 2;
    for (std::uint32_t r = 0; r < rows; ++r) {
        for (std::size_t pr = 0; pr < pairsPerRow; ++pr) {
            const std::uint8_t* src = in.data() + ((std::size_t(r) * pairsPerRow + pr) * 4) * bps;
            for (int k = 0; k < 2; ++k) {
                const std::size_t col = pr * 2 + k;
                if (col >= columns) break;
                std::uint8_t* dst = out.data() + ((std::size_t(r) * columns + col) * 3) * bps;
                std::memcpy(dst, src + k * bps, bps);             // Y
                std::memcpy(dst + bps, src + 2 * bps, bps);       // Cb
                std::memcpy(dst + 2 * bps, src + 3 * bps, bps);   // Cr
            }
        }
    }
    return out;
}

void ybrFullToRgb(std::vector<std::uint8_t>& data, std::size_t pixels, int bps, int bits)
{
    if (bits < 2) bits = 8 * bps;
    if (bps == 1) ybrToRgbT<std::uint8_t>(data, pixels, std::min(bits, 8));
    else if (bps == 2) ybrToRgbT<std::uint16_t>(data, pixels, std::min(bits, 16));
    else ybrToRgbT<std::uint32_t>(data, pixels, std::min(bits, 32));
}

}  // namespace lightbox
