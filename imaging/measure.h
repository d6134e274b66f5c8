#pragma once
// Measurements on an image, in patient millimetres: distances and angles computed with the
// pixel's real width and height (non-square pixels), areas, and region-of-interest statistics in
// the modality's units (HU for CT) over the pixels whose centres lie inside the shape, padding
// excluded. Points are image pixel coordinates (column, row), pixel centres at whole numbers.
#include "decoded_frame.h"
#include "image_info.h"

#include <optional>
#include <string>
#include <vector>

namespace lightbox {

struct ImagePoint {
    double x = 0, y = 0;
};

// Millimetres per pixel along a row (x: between columns) and a column (y: between rows).
struct PixelScale {
    double x = 1.0, y = 1.0;
    bool calibrated = false;  // false: pixel units only
    std::string note;         // e.g. "detector" for Imager Pixel Spacing
};

// The scale of a frame: Pixel Spacing; else Imager Pixel Spacing (noted "detector"); else the
// Pixel Aspect Ratio, uncalibrated.
PixelScale pixelScale(const ImageInfo& info, std::uint32_t frame);

double distanceMm(ImagePoint a, ImagePoint b, const PixelScale& s);
// The angle at `vertex` between the rays to a and b, 0..180 degrees.
double angleDegrees(ImagePoint a, ImagePoint vertex, ImagePoint b, const PixelScale& s);
// The Cobb angle between line a0-a1 and line b0-b1 (each taken in the direction that points
// right on the image, as end plates are drawn): 0..180 degrees.
double cobbDegrees(ImagePoint a0, ImagePoint a1, ImagePoint b0, ImagePoint b1, const PixelScale& s);

enum class RoiShape { Rectangle, Ellipse, Polygon };

struct Roi {
    RoiShape shape = RoiShape::Rectangle;
    // Rectangle and ellipse: two opposite corners of the (axis-aligned) bounding box;
    // polygon: the vertices, closed implicitly.
    std::vector<ImagePoint> points;
    bool contains(double x, double y) const;
    double areaMm2(const PixelScale& s) const;  // of the drawn shape
};

struct RoiStats {
    std::size_t pixels = 0;  // pixel centres inside, padding excluded
    double mean = 0, sd = 0, min = 0, max = 0;
    bool hasValues = false;  // false for colour images
    std::string unit;        // "HU", the Rescale Type, or empty
};

RoiStats roiStats(const DecodedFrame& frame, const ImageInfo& info, std::uint32_t frameIndex, const Roi& roi);

// The modality's unit for display: Rescale Type, else "HU" for CT, else empty.
std::string modalityUnit(const ImageInfo& info, std::uint32_t frame);

}  // namespace lightbox
