#include "reslice_frame.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace lightbox {

ResliceFrame makeResliceFrame(const Volume& vol, const ReslicePlane& plane, const std::vector<float>& values, double slabMm)
{
    ResliceFrame out;
    ImageInfo& info = out.info;
    info = vol.display;
    info.perFrame.clear();
    info.rows = std::uint32_t(plane.height);
    info.columns = std::uint32_t(plane.width);
    info.samplesPerPixel = 1;
    info.frames = 1;
    info.encapsulated = false;
    info.paddingValue.reset();
    info.paddingRangeLimit.reset();
    info.voiLuts.clear();
    info.plane.position = plane.origin;
    info.plane.orientation = std::array<double, 6>{plane.x[0], plane.x[1], plane.x[2], plane.y[0], plane.y[1], plane.y[2]};
    info.plane.pixelSpacing = std::array<double, 2>{plane.spacing, plane.spacing};
    if (slabMm > 0) {
        info.plane.sliceThickness = slabMm;
    } else {
        // A thin reformat is as thick as a voxel along its normal.
        const VolumeGeometry& g = vol.geometry();
        double inverse = 0;
        for (int a = 0; a < 3; ++a) {
            const double c = dot(plane.normal(), g.axis(a)) / g.spacing[a];
            inverse += c * c;
        }
        info.plane.sliceThickness = inverse > 0 ? 1.0 / std::sqrt(inverse) : plane.spacing;
    }
    info.sliceLocation.reset();
    info.imagerPixelSpacing.reset();
    info.pixelAspectRatio.reset();
    info.patientOrientation.clear();

    DecodedFrame& f = out.frame;
    f.rows = info.rows;
    f.columns = info.columns;
    f.samples = 1;
    f.photometric = info.photometric == Photometric::Monochrome1 ? Photometric::Monochrome1 : Photometric::Monochrome2;
    info.photometric = f.photometric;
    const std::size_t n = values.size();

    double slope = vol.slope, intercept = vol.intercept;
    bool isSigned = vol.type() == VoxelType::Int16;
    if (vol.type() == VoxelType::Float32) {
        // Quantise to 16 bits over the plane's range.
        float lo = std::numeric_limits<float>::max(), hi = std::numeric_limits<float>::lowest();
        for (float v : values) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
        if (lo > hi) lo = hi = 0;
        intercept = lo;
        slope = hi > lo ? (double(hi) - lo) / 65535.0 : 1.0;
        isSigned = false;
    } else if (vol.type() == VoxelType::UInt8) {
        isSigned = false;
    }
    f.bytesPerSample = 2;
    f.bitsStored = 16;
    f.highBit = 15;
    f.isSigned = isSigned;
    info.bitsAllocated = 16;
    info.bitsStored = 16;
    info.highBit = 15;
    info.isSigned = isSigned;
    info.modality.slope = slope;
    info.modality.intercept = intercept;
    info.modality.lut.reset();
    f.data.resize(n * 2);
    const double lo = isSigned ? -32768.0 : 0.0, hi = isSigned ? 32767.0 : 65535.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double s = std::clamp(std::round((double(values[i]) - intercept) / slope), lo, hi);
        if (isSigned) {
            const std::int16_t v = std::int16_t(s);
            std::memcpy(f.data.data() + 2 * i, &v, 2);
        } else {
            const std::uint16_t v = std::uint16_t(s);
            std::memcpy(f.data.data() + 2 * i, &v, 2);
        }
    }
    return out;
}

}  // namespace lightbox
