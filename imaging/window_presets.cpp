#include "window_presets.h"

namespace lightbox {

const std::vector<WindowPreset>& windowPresetsFor(const std::string& modality)
{
    static const std::vector<WindowPreset> ct = {
        {"Brain", 40, 80},        {"Subdural", 75, 215},    {"Stroke", 40, 40},  {"Temporal bone", 600, 2800},
        {"Lung", -600, 1500},     {"Mediastinum", 50, 350}, {"Abdomen", 50, 400}, {"Liver", 30, 150},
        {"Bone", 400, 1800},      {"Angio", 300, 600},
    };
    static const std::vector<WindowPreset> none;
    if (modality == "CT") return ct;
    return none;
}

}  // namespace lightbox
