#pragma once
// Window/level presets by modality (centre/width in the modality's units, e.g. HU).
#include <string>
#include <vector>

namespace lightbox {

struct WindowPreset {
    std::string name;
    double center;
    double width;
};

// Presets that make sense for the modality (CT has anatomical presets; others none).
const std::vector<WindowPreset>& windowPresetsFor(const std::string& modality);

}  // namespace lightbox
