#pragma once
// Frame header of a JPEG or JPEG-LS codestream (SOFn / SOF55), to check it against the DICOM
// header before decoding: DCMTK's decoders trust Rows/Columns and would spread a 512x512 image
// over a 9000x9000 buffer.
#include <cstddef>
#include <cstdint>
#include <optional>

namespace lightbox {

struct JpegFrameHeader {
    int precision = 0;
    int height = 0;
    int width = 0;
    int components = 0;
};

std::optional<JpegFrameHeader> parseJpegFrameHeader(const std::uint8_t* data, std::size_t size);

}  // namespace lightbox
