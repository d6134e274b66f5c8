#pragma once
// The grayscale and colour display pipeline of PS3.3 C.11 / PS3.14: stored values → Modality LUT
// (rescale or LUT) → VOI (window with LINEAR, LINEAR_EXACT or SIGMOID, or VOI LUT) → Presentation
// LUT (IDENTITY/INVERSE, MONOCHROME1) → 8-bit display values. Pixel padding is shown as the
// darkest display value. Colour images are scaled to 8 bits per channel.
#include "decoded_frame.h"
#include "image_info.h"
#include "result.h"

#include <cstdint>
#include <vector>

namespace lightbox {

struct DisplayImage {
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    int channels = 1;  // 1: grey, 3: RGB
    std::vector<std::uint8_t> pixels;
};

struct VoiChoice {
    enum class Kind {
        Auto,     // the file's first window, else its first VOI LUT, else the frame's value range
        Window,   // `window`
        FileWindow, // the file's window number `index` (0-based)
        VoiLut,   // the file's VOI LUT number `index` (0-based)
        MinMax,   // the frame's value range (padding excluded)
        None,     // identity on the modality output range
    };
    Kind kind = Kind::Auto;
    WindowLevel window;
    int index = 0;
};

struct DisplayOptions {
    VoiChoice voi;
    bool invert = false;  // the user's invert, on top of the image's own polarity
};

struct ValueRange {
    double min = 0;
    double max = 0;
};

// Stored value extraction and the modality transformation, pixel by pixel.
class ModalityValues {
public:
    ModalityValues(const DecodedFrame& frame, const ImageInfo& info, std::uint32_t frameIndex);
    std::int64_t stored(std::size_t pixel) const;
    double value(std::int64_t stored) const;   // modality output (e.g. HU)
    bool isPadding(std::int64_t stored) const;
    std::int64_t minStored() const { return m_minStored; }
    std::int64_t maxStored() const { return m_maxStored; }
    const DecodedFrame& frame() const { return m_frame; }

private:
    const DecodedFrame& m_frame;
    const ModalityTransform& m_modality;
    const ImageInfo& m_info;
    int m_shift = 0;
    std::uint32_t m_mask = 0;
    std::int64_t m_minStored = 0, m_maxStored = 0;
};

// Range of the modality output values of the frame, padding excluded.
ValueRange modalityRange(const DecodedFrame& frame, const ImageInfo& info, std::uint32_t frameIndex);

// The window Lightbox shows first for this frame (VoiChoice::Auto), when it is a window.
WindowLevel initialWindow(const DecodedFrame& frame, const ImageInfo& info, std::uint32_t frameIndex);

Result<DisplayImage> renderForDisplay(const DecodedFrame& frame, const ImageInfo& info, std::uint32_t frameIndex,
                                      const DisplayOptions& options);

// The VOI functions of PS3.3 C.11.2.1.2, mapping x to [0, 1].
double applyWindow(const WindowLevel& w, double x);

}  // namespace lightbox
