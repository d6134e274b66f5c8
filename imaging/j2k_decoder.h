#pragma once
// JPEG 2000 (and High-Throughput JPEG 2000) codestream decoding with OpenJPEG, the codec GDCM
// uses; called directly so that a damaged codestream gives an error instead of an abort().
#include "result.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lightbox {

struct J2kImage {
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    int components = 0;
    int precision = 0;
    bool isSigned = false;
    bool mctApplied = false;  // the codestream's multiple component transform was inverted
    std::vector<std::int32_t> samples;  // interleaved, components per pixel, upsampled to full size
};

Result<J2kImage> decodeJ2k(const std::uint8_t* data, std::size_t size);

}  // namespace lightbox
