#pragma once
// Segmented Palette Color Lookup Tables (PS3.3 C.7.9.2).
#include "image_info.h"

#include <optional>

namespace lightbox {

struct RgbPalette {
    LookupTable red, green, blue;
};

// Expands segmented palette data (discrete, linear and indirect segments) into a plain table of
// `entries` values. Returns an empty vector if the segments are inconsistent.
std::vector<std::uint16_t> expandSegmentedLut(const std::vector<std::uint16_t>& segments, std::uint32_t entries);

std::optional<RgbPalette> readSegmentedPalette(const DicomItem& dataset, bool signedInput);

}  // namespace lightbox
