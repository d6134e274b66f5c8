#pragma once
// The text of a viewport's overlay: four corners, orientation letters and the value under the
// cursor, from an image's attributes and the current display state.
#include "viewport_overlay.h"

#include "decoded_frame.h"
#include "display_pipeline.h"
#include "image_info.h"
#include "instance_summary.h"
#include "patient_orientation.h"

namespace lightbox::viewer {

struct OverlayInputs {
    const InstanceSummary* summary = nullptr;
    const ImageInfo* info = nullptr;
    std::uint32_t frame = 0;
    int index = 0;
    int count = 0;
    WindowLevel window;
    bool windowKnown = false;
    int voiLut = 0;  // 1-based VOI LUT in use, 0 if a window
    double zoom = 1.0;
    bool inverted = false;
};

OverlayContent overlayText(const OverlayInputs& in);
SideLetters overlayLetters(const ImageInfo& info, std::uint32_t frame, int turns, bool flipH, bool flipV);
// The status bar's readout of the pixel at (column, row): "x 132, y 121  |  value -1000 HU (stored 24)".
QString pixelValueText(const DecodedFrame& frame, const ImageInfo& info, std::uint32_t frameIndex, int column, int row);

// DICOM DA/TM to readable text: 20261128 -> 2026-11-28, 093015.5 -> 09:30:15.
QString formatDicomDate(const std::string& da);
QString formatDicomTime(const std::string& tm);

}  // namespace lightbox::viewer
