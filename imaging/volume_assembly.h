#pragma once
// Volume assembly: turns the images of a series into volumes as a careful reader would, in the
// spirit of MITK's chain of sorters. Slices are grouped by orientation, matrix, pixel spacing,
// echo, b-value, stack and time point, sorted along the slice normal, and checked for gaps,
// duplicate positions, uneven spacing and gantry tilt. What is not a volume (a single image, a
// localizer, images without position) is reported as such, never stacked.
#include "image_info.h"
#include "series_sorting.h"
#include "volume_geometry.h"

#include <string>
#include <vector>

namespace lightbox {

// Warning codes (as printed by `lightbox inspect`).
namespace volume_warnings {
constexpr const char* Gap = "gap";
constexpr const char* DuplicatePosition = "duplicate-position";
constexpr const char* UnevenSpacing = "uneven-spacing";
constexpr const char* GantryTilt = "gantry-tilt";
constexpr const char* MixedOrientation = "mixed-orientation";
constexpr const char* MultipleTimepoints = "multiple-timepoints";
constexpr const char* NotAVolume = "not-a-volume";
}  // namespace volume_warnings

struct VolumeSlice {
    std::size_t image = 0;     // index into the input images
    std::uint32_t frame = 0;   // frame in that image
    double position = 0;       // along the slice normal, mm
    Vec3 origin{0, 0, 0};      // Image Position (Patient) of the slice
    bool gapAfter = false;     // slices are missing between this one and the next
};

struct VolumePlan {
    std::string seriesInstanceUid;
    std::string label;                // what distinguishes it within the series ("echo 2", "phase 3"...)
    std::vector<VolumeSlice> slices;  // acquired slices, increasing position
    VolumeGeometry geometry;          // the regular grid they are shown on
    std::vector<std::string> warnings;
    bool isVolume = true;
    // Resampling the acquired slices onto the grid needs:
    double tiltDegrees = 0;           // gantry tilt: each slice shifted in its plane onto the normal
    Vec3 tiltShiftPerMm{0, 0, 0};     // in-plane shift (patient mm) per mm along the normal
    bool resampleAlongNormal = false; // uneven spacing or gaps: slices interpolated onto the grid
    double gapThreshold = 0;          // in a gap, a grid point farther than this from both slices is empty
};

std::vector<VolumePlan> assembleVolumes(const std::vector<OpenedImage>& images);

}  // namespace lightbox
