#pragma once
// What a DICOM image says about its pixels and how to display them (PS3.3 C.7.6.3, C.11),
// including the per-frame values of enhanced multi-frame objects (C.7.6.16).
#include "result.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lightbox {

class DicomFile;
class DicomItem;

enum class Photometric {
    Monochrome1, Monochrome2, PaletteColor, Rgb, YbrFull, YbrFull422, YbrPartial420, YbrIct, YbrRct, Unknown
};
Photometric parsePhotometric(const std::string& s);
const char* photometricName(Photometric p);
inline bool isMonochrome(Photometric p) { return p == Photometric::Monochrome1 || p == Photometric::Monochrome2; }

// A LUT as described by a LUT Descriptor: entries, first stored value mapped, bits per entry.
struct LookupTable {
    std::uint32_t entries = 0;
    std::int32_t firstMapped = 0;
    int bits = 16;
    std::vector<std::uint16_t> data;
    std::string explanation;

    bool valid() const { return entries > 0 && data.size() >= entries; }
    std::uint16_t lookup(std::int64_t value) const
    {
        std::int64_t i = value - firstMapped;
        if (i < 0) i = 0;
        if (i >= std::int64_t(entries)) i = entries - 1;
        return data[size_t(i)];
    }
};

enum class VoiFunction { Linear, LinearExact, Sigmoid };

struct WindowLevel {
    double center = 0;
    double width = 1;
    VoiFunction function = VoiFunction::Linear;
    std::string explanation;
};

struct ModalityTransform {
    double slope = 1.0;
    double intercept = 0.0;
    std::string rescaleType;
    std::optional<LookupTable> lut;  // Modality LUT Sequence, takes precedence over rescale
};

struct PlaneGeometry {
    std::optional<std::array<double, 3>> position;     // Image Position (Patient), mm
    std::optional<std::array<double, 6>> orientation;  // Image Orientation (Patient): row, column cosines
    std::optional<std::array<double, 2>> pixelSpacing; // row spacing (between rows), column spacing, mm
    std::optional<double> sliceThickness;
};

// What may differ per frame (functional groups); unset fields fall back to the image's values.
struct FrameInfo {
    std::optional<ModalityTransform> modality;
    std::vector<WindowLevel> windows;
    PlaneGeometry plane;
    std::optional<int> stackPosition;
    std::optional<int> temporalIndex;
    std::string stackId;
    std::optional<double> echoTime;
    std::optional<double> diffusionBValue;
    std::optional<double> triggerDelay;
    std::vector<std::string> frameType;
};

// What distinguishes acquisitions that share positions (echoes, phases, b-values...): volume
// assembly splits on these.
struct AcquisitionKeys {
    std::vector<std::string> imageType;
    std::optional<double> echoNumber;
    std::optional<double> echoTime;
    std::optional<double> triggerTime;
    std::optional<double> temporalPositionId;
    std::optional<double> acquisitionNumber;
    std::optional<double> diffusionBValue;
    std::optional<double> instanceNumber;
};

struct ImageInfo {
    // Image Pixel module
    std::uint32_t rows = 0;
    std::uint32_t columns = 0;
    int samplesPerPixel = 1;
    int bitsAllocated = 0;
    int bitsStored = 0;
    int highBit = 0;
    bool isSigned = false;
    int planarConfiguration = 0;
    Photometric photometric = Photometric::Unknown;
    std::string photometricText;
    std::uint32_t frames = 1;
    std::optional<LookupTable> paletteRed, paletteGreen, paletteBlue;

    std::string transferSyntaxUid;
    bool encapsulated = false;
    bool lossy = false;
    bool hasPixelData = false;

    // Display
    ModalityTransform modality;
    std::vector<WindowLevel> windows;
    std::vector<LookupTable> voiLuts;
    bool presentationInverse = false;  // Presentation LUT Shape INVERSE
    std::optional<std::int64_t> paddingValue;
    std::optional<std::int64_t> paddingRangeLimit;

    // Geometry and identification
    PlaneGeometry plane;
    std::optional<std::array<double, 2>> imagerPixelSpacing;
    std::optional<std::array<double, 2>> pixelAspectRatio;  // vertical, horizontal
    std::optional<double> sliceLocation;
    std::vector<std::string> patientOrientation;  // (0020,0020): row and column direction letters
    std::optional<double> frameTimeMs;
    std::vector<FrameInfo> perFrame;  // empty unless enhanced multi-frame
    AcquisitionKeys keys;
    std::string seriesInstanceUid;
    std::string frameOfReferenceUid;

    std::string modalityName;  // CT, MR, ...
    std::string sopClassUid;

    std::uint64_t frameBytes() const;  // bytes of one decoded frame (native layout)

    // Per-frame effective values.
    const ModalityTransform& modalityFor(std::uint32_t frame) const;
    const std::vector<WindowLevel>& windowsFor(std::uint32_t frame) const;
    PlaneGeometry planeFor(std::uint32_t frame) const;
};

// Reads the description; fails with a one-line reason when the image cannot be displayed
// (no pixel data, inconsistent or absurd pixel module, unsupported transfer syntax).
Result<ImageInfo> readImageInfo(const DicomFile& file);

// Largest decoded frame Lightbox accepts, in bytes (a 46341x46341 16-bit header claims 4 GiB).
constexpr std::uint64_t kMaxFrameBytes = std::uint64_t(1) << 30;

}  // namespace lightbox
