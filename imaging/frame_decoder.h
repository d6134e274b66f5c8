#pragma once
// Decodes one frame of an image: native (any byte order, packed bits, planar or interleaved),
// RLE, JPEG, JPEG-LS (DCMTK codecs) and JPEG 2000 (OpenJPEG). Colour is converted to RGB.
#include "decoded_frame.h"
#include "result.h"

namespace lightbox {

class DicomFile;

// frameIndex counts from 0. Not thread-safe for one DicomFile; use one DicomFile per thread.
Result<DecodedFrame> decodeFrame(const DicomFile& file, const ImageInfo& info, std::uint32_t frameIndex);

}  // namespace lightbox
