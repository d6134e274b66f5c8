#include "image_info.h"

#include "dicom_file.h"
#include "palette.h"
#include "transfer_syntax.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <cmath>

namespace lightbox {

Photometric parsePhotometric(const std::string& s)
{
    if (s == "MONOCHROME1") return Photometric::Monochrome1;
    if (s == "MONOCHROME2") return Photometric::Monochrome2;
    if (s == "PALETTE COLOR") return Photometric::PaletteColor;
    if (s == "RGB") return Photometric::Rgb;
    if (s == "YBR_FULL") return Photometric::YbrFull;
    if (s == "YBR_FULL_422") return Photometric::YbrFull422;
    if (s == "YBR_PARTIAL_420") return Photometric::YbrPartial420;
    if (s == "YBR_ICT") return Photometric::YbrIct;
    if (s == "YBR_RCT") return Photometric::YbrRct;
    return Photometric::Unknown;
}

const char* photometricName(Photometric p)
{
    switch (p) {
    case Photometric::Monochrome1: return "MONOCHROME1";
    case Photometric::Monochrome2: return "MONOCHROME2";
    case Photometric::PaletteColor: return "PALETTE COLOR";
    case Photometric::Rgb: return "RGB";
    case Photometric::YbrFull: return "YBR_FULL";
    case Photometric::YbrFull422: return "YBR_FULL_422";
    case Photometric::YbrPartial420: return "YBR_PARTIAL_420";
    case Photometric::YbrIct: return "YBR_ICT";
    case Photometric::YbrRct: return "YBR_RCT";
    default: return "unknown";
    }
}

namespace {

// Reads a LUT Descriptor + LUT Data pair (PS3.3 C.11.1.1.1). The descriptor's first mapped value is
// US or SS depending on the data it applies to.
std::optional<LookupTable> readLut(const DicomItem& item, Tag descriptorTag, Tag dataTag, bool signedInput)
{
    auto desc = item.numbers(descriptorTag);
    if (desc.size() < 3) return std::nullopt;
    LookupTable lut;
    lut.entries = desc[0] <= 0 ? 65536u : std::uint32_t(desc[0]);
    double first = desc[1];
    if (signedInput && first > 32767) first -= 65536;
    lut.firstMapped = std::int32_t(first);
    lut.bits = int(desc[2]);
    if (lut.bits < 1 || lut.bits > 16) lut.bits = 16;
    lut.data = item.words(dataTag);
    // 8-bit LUT data packed two entries per word.
    if (lut.bits <= 8 && lut.data.size() * 2 == lut.entries) {
        std::vector<std::uint16_t> unpacked;
        unpacked.reserve(lut.entries);
        for (std::uint16_t w : lut.data) {
            unpacked.push_back(w & 0xFF);
            unpacked.push_back(w >> 8);
        }
        lut.data = std::move(unpacked);
    }
    if (lut.data.size() < lut.entries) {
        // A descriptor of 0 entries meaning 65536 with fewer words present: trust the data.
        if (!lut.data.empty() && desc[0] <= 0) lut.entries = std::uint32_t(lut.data.size());
        else return std::nullopt;
    }
    return lut;
}

std::vector<WindowLevel> readWindows(const DicomItem& item)
{
    std::vector<WindowLevel> out;
    auto centers = item.numbers(tags::WindowCenter);
    auto widths = item.numbers(tags::WindowWidth);
    auto explanations = item.texts(tags::WindowCenterWidthExplanation);
    const std::string fn = item.text(tags::VOILUTFunction);
    VoiFunction function = VoiFunction::Linear;
    if (fn == "LINEAR_EXACT") function = VoiFunction::LinearExact;
    else if (fn == "SIGMOID") function = VoiFunction::Sigmoid;
    const size_t n = std::min(centers.size(), widths.size());
    for (size_t i = 0; i < n; ++i) {
        const double minWidth = function == VoiFunction::Linear ? 1.0 : 0.0;
        if (!std::isfinite(centers[i]) || !std::isfinite(widths[i]) || widths[i] < minWidth ||
            (function != VoiFunction::Linear && widths[i] <= 0))
            continue;
        WindowLevel w;
        w.center = centers[i];
        w.width = widths[i];
        w.function = function;
        if (i < explanations.size()) w.explanation = explanations[i];
        out.push_back(w);
    }
    return out;
}

std::optional<ModalityTransform> readModality(const DicomItem& item, bool signedInput)
{
    std::optional<ModalityTransform> out;
    auto intercept = item.number(tags::RescaleIntercept);
    auto slope = item.number(tags::RescaleSlope);
    if (intercept || slope) {
        out.emplace();
        if (intercept && std::isfinite(*intercept)) out->intercept = *intercept;
        if (slope && std::isfinite(*slope) && *slope != 0.0) out->slope = *slope;
        out->rescaleType = item.text(tags::RescaleType);
    }
    auto seq = item.items(tags::ModalityLUTSequence);
    if (!seq.empty()) {
        auto lut = readLut(seq.front(), tags::LUTDescriptor, tags::LUTData, signedInput);
        if (lut) {
            if (!out) out.emplace();
            lut->explanation = seq.front().text(tags::LUTExplanation);
            out->lut = std::move(lut);
            out->rescaleType = seq.front().text(tags::ModalityLUTType);
        }
    }
    return out;
}

template <size_t N>
std::optional<std::array<double, N>> readArray(const DicomItem& item, Tag tag)
{
    auto v = item.numbers(tag);
    if (v.size() < N) return std::nullopt;
    std::array<double, N> a{};
    for (size_t i = 0; i < N; ++i) {
        if (!std::isfinite(v[i])) return std::nullopt;
        a[i] = v[i];
    }
    return a;
}

void readPlane(const DicomItem& item, PlaneGeometry& plane)
{
    if (auto p = readArray<3>(item, tags::ImagePositionPatient)) plane.position = p;
    if (auto o = readArray<6>(item, tags::ImageOrientationPatient)) plane.orientation = o;
    if (auto s = readArray<2>(item, tags::PixelSpacing); s && (*s)[0] > 0 && (*s)[1] > 0) plane.pixelSpacing = s;
    if (auto t = item.number(tags::SliceThickness); t && std::isfinite(*t)) plane.sliceThickness = t;
}

// Functional group macros that carry what Lightbox needs (PS3.3 C.7.6.16.2).
void readFunctionalGroups(const DicomItem& fg, FrameInfo& frame, bool signedInput)
{
    for (const DicomItem& m : fg.items(tags::PixelMeasuresSequence)) readPlane(m, frame.plane);
    for (const DicomItem& m : fg.items(tags::PlanePositionSequence)) readPlane(m, frame.plane);
    for (const DicomItem& m : fg.items(tags::PlaneOrientationSequence)) readPlane(m, frame.plane);
    for (const DicomItem& m : fg.items(tags::PixelValueTransformationSequence))
        if (auto mod = readModality(m, signedInput)) frame.modality = mod;
    for (const DicomItem& m : fg.items(tags::FrameVOILUTSequence)) {
        auto w = readWindows(m);
        if (!w.empty()) frame.windows = std::move(w);
    }
    for (const DicomItem& m : fg.items(tags::MREchoSequence))
        if (auto v = m.number(tags::EffectiveEchoTime)) frame.echoTime = v;
    for (const DicomItem& m : fg.items(tags::MRDiffusionSequence))
        if (auto v = m.number(tags::DiffusionBValue)) frame.diffusionBValue = v;
    for (const DicomItem& m : fg.items(tags::CardiacSynchronizationSequence))
        if (auto v = m.number(tags::NominalCardiacTriggerDelayTime)) frame.triggerDelay = v;
    for (Tag t : {tags::MRImageFrameTypeSequence, tags::CTImageFrameTypeSequence})
        for (const DicomItem& m : fg.items(t)) {
            auto ft = m.texts(tags::FrameType);
            if (!ft.empty()) frame.frameType = ft;
        }
    for (const DicomItem& m : fg.items(tags::FrameContentSequence)) {
        if (auto v = m.number(tags::InStackPositionNumber)) frame.stackPosition = int(*v);
        if (auto v = m.number(tags::TemporalPositionIndex)) frame.temporalIndex = int(*v);
        std::string id = m.text(tags::StackID);
        if (!id.empty()) frame.stackId = id;
    }
}

std::string sopClassName(const std::string& uid)
{
    const char* name = dcmFindNameOfUID(uid.c_str(), nullptr);
    return name ? name : (uid.empty() ? "no SOP Class" : uid);
}

}  // namespace

std::uint64_t ImageInfo::frameBytes() const
{
    const std::uint64_t pixels = std::uint64_t(rows) * columns;
    if (bitsAllocated == 1) return (pixels * samplesPerPixel + 7) / 8;
    const std::uint64_t bytesPerSample = std::uint64_t(bitsAllocated) / 8;
    if (photometric == Photometric::YbrFull422 && !encapsulated) return pixels * 2 * bytesPerSample;
    return pixels * samplesPerPixel * bytesPerSample;
}

const ModalityTransform& ImageInfo::modalityFor(std::uint32_t frame) const
{
    if (frame < perFrame.size() && perFrame[frame].modality) return *perFrame[frame].modality;
    return modality;
}

const std::vector<WindowLevel>& ImageInfo::windowsFor(std::uint32_t frame) const
{
    if (frame < perFrame.size() && !perFrame[frame].windows.empty()) return perFrame[frame].windows;
    return windows;
}

PlaneGeometry ImageInfo::planeFor(std::uint32_t frame) const
{
    PlaneGeometry g = plane;
    if (frame < perFrame.size()) {
        const PlaneGeometry& f = perFrame[frame].plane;
        if (f.position) g.position = f.position;
        if (f.orientation) g.orientation = f.orientation;
        if (f.pixelSpacing) g.pixelSpacing = f.pixelSpacing;
        if (f.sliceThickness) g.sliceThickness = f.sliceThickness;
    }
    return g;
}

Result<ImageInfo> readImageInfo(const DicomFile& file)
{
    ImageInfo info;
    const DicomItem ds = file.dataset();
    info.sopClassUid = ds.text(tags::SOPClassUID);
    info.modalityName = ds.text(tags::Modality);
    info.transferSyntaxUid = file.transferSyntaxUid();

    if (!ds.has(tags::PixelData)) {
        if (ds.has(tags::FloatPixelData) || ds.has(tags::DoubleFloatPixelData))
            return makeError("unsupported", "float pixel data is not supported (" + sopClassName(info.sopClassUid) + ")");
        return makeError("no-pixel-data", "no pixel data: " + sopClassName(info.sopClassUid));
    }
    info.hasPixelData = true;

    auto num = [&](Tag t) { return ds.number(t); };
    const auto rows = num(tags::Rows), cols = num(tags::Columns);
    if (!rows || !cols || *rows < 1 || *cols < 1)
        return makeError("bad-pixel-module", "Rows or Columns missing or zero");
    info.rows = std::uint32_t(*rows);
    info.columns = std::uint32_t(*cols);
    info.samplesPerPixel = int(num(tags::SamplesPerPixel).value_or(1));
    info.bitsAllocated = int(num(tags::BitsAllocated).value_or(0));
    info.bitsStored = int(num(tags::BitsStored).value_or(info.bitsAllocated));
    info.highBit = int(num(tags::HighBit).value_or(info.bitsStored - 1));
    info.isSigned = num(tags::PixelRepresentation).value_or(0) == 1;
    info.planarConfiguration = int(num(tags::PlanarConfiguration).value_or(0));
    info.photometricText = ds.text(tags::PhotometricInterpretation);
    info.photometric = parsePhotometric(info.photometricText);
    if (info.photometricText.empty() && info.samplesPerPixel == 1) info.photometric = Photometric::Monochrome2;
    if (info.photometricText.empty() && info.samplesPerPixel == 3) info.photometric = Photometric::Rgb;

    if (info.samplesPerPixel != 1 && info.samplesPerPixel != 3)
        return makeError("unsupported", "Samples per Pixel " + std::to_string(info.samplesPerPixel) + " is not supported");
    if (info.bitsAllocated != 1 && info.bitsAllocated != 8 && info.bitsAllocated != 16 && info.bitsAllocated != 32)
        return makeError("unsupported", "Bits Allocated " + std::to_string(info.bitsAllocated) + " is not supported");
    if (info.bitsStored < 1 || info.bitsStored > info.bitsAllocated) info.bitsStored = info.bitsAllocated;
    if (info.highBit >= info.bitsAllocated || info.highBit < info.bitsStored - 1) info.highBit = info.bitsStored - 1;
    if (info.photometric == Photometric::Unknown)
        return makeError("unsupported", "Photometric Interpretation '" + info.photometricText + "' is not supported");
    const bool needs3 = !isMonochrome(info.photometric) && info.photometric != Photometric::PaletteColor;
    if ((needs3 ? 3 : 1) != info.samplesPerPixel)
        return makeError("bad-pixel-module", std::string(photometricName(info.photometric)) + " with " +
                                                 std::to_string(info.samplesPerPixel) + " samples per pixel");

    const auto frames = num(tags::NumberOfFrames);
    if (frames) {
        if (*frames < 1 || *frames > 1e7) return makeError("bad-pixel-module", "Number of Frames is " + ds.text(tags::NumberOfFrames));
        info.frames = std::uint32_t(*frames);
    }

    const TransferSyntaxInfo ts = describeTransferSyntax(info.transferSyntaxUid);
    if (ts.codec == PixelCodec::Unsupported)
        return makeError("unsupported", ts.name + " is not supported");
    info.encapsulated = ts.codec != PixelCodec::Native;
    info.lossy = ts.lossy || ds.text(tags::LossyImageCompression) == "01";

    if (info.frameBytes() > kMaxFrameBytes)
        return makeError("too-large", "frame of " + std::to_string(info.columns) + "x" + std::to_string(info.rows) + "x" +
                                          std::to_string(info.samplesPerPixel) + " at " + std::to_string(info.bitsAllocated) +
                                          " bits exceeds the 1 GiB limit");
    if (!info.encapsulated) {
        const std::uint64_t have = ds.length(tags::PixelData);
        if (have < info.frameBytes())
            return makeError("truncated", "pixel data holds " + std::to_string(have) + " bytes, one frame needs " +
                                              std::to_string(info.frameBytes()));
    }

    if (info.photometric == Photometric::PaletteColor) {
        const bool s = info.isSigned;
        info.paletteRed = readLut(ds, tags::RedPaletteColorLookupTableDescriptor, tags::RedPaletteColorLookupTableData, s);
        info.paletteGreen = readLut(ds, tags::GreenPaletteColorLookupTableDescriptor, tags::GreenPaletteColorLookupTableData, s);
        info.paletteBlue = readLut(ds, tags::BluePaletteColorLookupTableDescriptor, tags::BluePaletteColorLookupTableData, s);
        if (!info.paletteRed || !info.paletteGreen || !info.paletteBlue) {
            auto seg = readSegmentedPalette(ds, s);
            if (!seg) return makeError("bad-palette", "palette colour lookup tables are missing or inconsistent");
            info.paletteRed = std::move(seg->red);
            info.paletteGreen = std::move(seg->green);
            info.paletteBlue = std::move(seg->blue);
        }
    }

    if (auto m = readModality(ds, info.isSigned)) info.modality = *m;
    info.windows = readWindows(ds);
    for (const DicomItem& item : ds.items(tags::VOILUTSequence)) {
        auto lut = readLut(item, tags::LUTDescriptor, tags::LUTData, info.isSigned || info.modality.intercept < 0);
        if (!lut) continue;
        lut->explanation = item.text(tags::LUTExplanation);
        info.voiLuts.push_back(std::move(*lut));
    }
    const std::string shape = ds.text(tags::PresentationLUTShape);
    info.presentationInverse = shape == "INVERSE";
    if (auto p = num(tags::PixelPaddingValue)) {
        double v = *p;
        if (info.isSigned && v > 32767 && info.bitsAllocated <= 16) v -= 65536;
        info.paddingValue = std::int64_t(v);
        if (auto r = num(tags::PixelPaddingRangeLimit)) {
            double rv = *r;
            if (info.isSigned && rv > 32767 && info.bitsAllocated <= 16) rv -= 65536;
            info.paddingRangeLimit = std::int64_t(rv);
        }
    }

    readPlane(ds, info.plane);
    if (auto s = readArray<2>(ds, tags::ImagerPixelSpacing); s && (*s)[0] > 0 && (*s)[1] > 0) info.imagerPixelSpacing = s;
    if (auto a = ds.numbers(tags::PixelAspectRatio); a.size() >= 2 && a[0] > 0 && a[1] > 0)
        info.pixelAspectRatio = std::array<double, 2>{a[0], a[1]};
    info.sliceLocation = ds.number(tags::SliceLocation);
    info.patientOrientation = ds.texts(tags::PatientOrientation);
    info.seriesInstanceUid = ds.text(tags::SeriesInstanceUID);
    info.frameOfReferenceUid = ds.text(tags::FrameOfReferenceUID);
    info.keys.imageType = ds.texts(tags::ImageType);
    info.keys.echoNumber = ds.number(tags::EchoNumbers);
    info.keys.echoTime = ds.number(tags::EchoTime);
    info.keys.triggerTime = ds.number(tags::TriggerTime);
    info.keys.temporalPositionId = ds.number(tags::TemporalPositionIdentifier);
    info.keys.acquisitionNumber = ds.number(tags::AcquisitionNumber);
    info.keys.diffusionBValue = ds.number(tags::DiffusionBValue);
    info.keys.instanceNumber = ds.number(tags::InstanceNumber);
    if (auto ft = ds.number(tags::FrameTime); ft && *ft > 0) info.frameTimeMs = ft;
    else if (auto rate = ds.number(tags::RecommendedDisplayFrameRate); rate && *rate > 0) info.frameTimeMs = 1000.0 / *rate;
    else if (auto cine = ds.number(tags::CineRate); cine && *cine > 0) info.frameTimeMs = 1000.0 / *cine;

    const auto shared = ds.items(tags::SharedFunctionalGroupsSequence);
    const auto perFrame = ds.items(tags::PerFrameFunctionalGroupsSequence);
    if (!shared.empty() || !perFrame.empty()) {
        FrameInfo common;
        if (!shared.empty()) readFunctionalGroups(shared.front(), common, info.isSigned);
        info.perFrame.assign(info.frames, common);
        for (size_t i = 0; i < perFrame.size() && i < info.frames; ++i)
            readFunctionalGroups(perFrame[i], info.perFrame[i], info.isSigned);
        // The image-level values, if absent, come from the first frame.
        if (!info.plane.pixelSpacing && !info.perFrame.empty()) info.plane.pixelSpacing = info.perFrame[0].plane.pixelSpacing;
        if (!ds.has(tags::RescaleSlope) && !info.perFrame.empty() && info.perFrame[0].modality)
            info.modality = *info.perFrame[0].modality;
        if (info.windows.empty() && !info.perFrame.empty()) info.windows = info.perFrame[0].windows;
    }
    return info;
}

}  // namespace lightbox
