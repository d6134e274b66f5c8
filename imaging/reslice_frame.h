#pragma once
// A resliced plane as an image the display pipeline and the 2D viewport understand: stored values
// in the volume's type with its rescale, and an ImageInfo whose geometry is the plane's (so
// orientation letters, scale bars and measurements work on reformats as on acquired images).
#include "decoded_frame.h"
#include "image_info.h"
#include "reslice.h"

namespace lightbox {

struct ResliceFrame {
    DecodedFrame frame;
    ImageInfo info;
};

ResliceFrame makeResliceFrame(const Volume& volume, const ReslicePlane& plane, const std::vector<float>& values, double slabMm);

}  // namespace lightbox
