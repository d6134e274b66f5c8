#include "frame_decoder.h"

#include "color_convert.h"
#include "dicom_file_impl.h"
#include "j2k_decoder.h"
#include "jpeg_header.h"
#include "transfer_syntax.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace lightbox {

namespace {

DcmPixelData* pixelDataElement(const DicomFile& file)
{
    DcmElement* e = nullptr;
    if (file.impl().fileFormat.getDataset()->findAndGetElement(DCM_PixelData, e, OFFalse).bad()) return nullptr;
    return dynamic_cast<DcmPixelData*>(e);
}

Result<std::vector<std::uint8_t>> allocate(std::uint64_t n)
{
    try {
        return std::vector<std::uint8_t>(std::size_t(n));
    } catch (const std::bad_alloc&) {
        return makeError("out-of-memory", "not enough memory for a frame of " + std::to_string(n) + " bytes");
    }
}

// 1-bit data: frames follow each other bit by bit, least significant bit first.
Result<std::vector<std::uint8_t>> readBitPackedFrame(DcmPixelData* pd, const ImageInfo& info, std::uint32_t frame)
{
    Uint8* bytes = nullptr;
    if (pd->getUint8Array(bytes).bad() || !bytes) return makeError("corrupt-pixel-data", "pixel data cannot be read");
    const std::uint64_t bitsPerFrame = std::uint64_t(info.rows) * info.columns * info.samplesPerPixel;
    const std::uint64_t first = bitsPerFrame * frame;
    if ((first + bitsPerFrame + 7) / 8 > pd->getLength())
        return makeError("truncated", "pixel data ends before frame " + std::to_string(frame + 1));
    auto out = allocate(bitsPerFrame);
    if (!out) return out.error();
    for (std::uint64_t i = 0; i < bitsPerFrame; ++i) {
        const std::uint64_t b = first + i;
        (*out)[i] = (bytes[b / 8] >> (b % 8)) & 1;
    }
    return out;
}

// Native pixel data: the frame's bytes, read from the file without loading the other frames.
Result<std::vector<std::uint8_t>> readNativeFrame(DcmPixelData* pd, const DicomFile& file, const ImageInfo& info, std::uint32_t frame)
{
    const std::uint64_t frameBytes = info.frameBytes();
    const std::uint64_t have = pd->getLength();
    const std::uint64_t start = frameBytes * frame;
    if (start + frameBytes > have)
        return makeError("truncated", "pixel data ends before frame " + std::to_string(frame + 1) + " (" + std::to_string(have) +
                                          " bytes, " + std::to_string(start + frameBytes) + " needed)");
    // DCMTK swaps OW values word by word: read whole words.
    const std::uint64_t alignedStart = start & ~std::uint64_t(1);
    std::uint64_t alignedEnd = (start + frameBytes + 1) & ~std::uint64_t(1);
    if (alignedEnd > have) alignedEnd = have;
    auto buf = allocate(alignedEnd - alignedStart);
    if (!buf) return buf.error();
    OFCondition c = pd->getPartialValue(buf->data(), Uint32(alignedStart), Uint32(alignedEnd - alignedStart), nullptr, gLocalByteOrder);
    if (c.bad())
        return makeError("truncated", std::string("pixel data cannot be read from the file (") + c.text() + ")");
    std::vector<std::uint8_t> out;
    if (alignedStart == start && buf->size() >= frameBytes) {
        out = std::move(*buf);
        out.resize(frameBytes);
    } else {
        out.assign(buf->begin() + long(start - alignedStart), buf->begin() + long(start - alignedStart + frameBytes));
    }
    if (info.bitsAllocated == 32 && file.impl().xfer == EXS_BigEndianExplicit) {
        if (pd->getVR() == EVR_OB) {
            for (size_t i = 0; i + 3 < out.size(); i += 4) {
                std::swap(out[i], out[i + 3]);
                std::swap(out[i + 1], out[i + 2]);
            }
        } else {
            // Swapped as 16-bit words already: swap the halves of each 32-bit sample.
            for (size_t i = 0; i + 3 < out.size(); i += 4) {
                std::swap(out[i], out[i + 2]);
                std::swap(out[i + 1], out[i + 3]);
            }
        }
    }
    return out;
}

// Compressed bytes of one frame of an encapsulated pixel data element.
bool startsJ2kFrame(const std::uint8_t* p, Uint32 n)
{
    return p && n >= 8 && ((p[0] == 0xFF && p[1] == 0x4F && p[2] == 0xFF && p[3] == 0x51) ||
                           (p[4] == 'j' && p[5] == 'P' && p[6] == ' ' && p[7] == ' '));
}

bool startsJpegFrame(const std::uint8_t* p, Uint32 n) { return p && n >= 2 && p[0] == 0xFF && p[1] == 0xD8; }

// The bytes of a frame's fragments; `firstFragment` (if given) is set to the index of its first
// fragment, counted from 0 after the Basic Offset Table item.
Result<std::vector<std::uint8_t>> encapsulatedFrameBytes(DcmPixelData* pd, std::uint32_t frame, std::uint32_t frames,
                                                        bool (*startsFrame)(const std::uint8_t*, Uint32),
                                                        unsigned long* firstFragment = nullptr)
{
    DcmPixelSequence* seq = nullptr;
    E_TransferSyntax xfer = EXS_Unknown;
    const DcmRepresentationParameter* param = nullptr;
    pd->getOriginalRepresentationKey(xfer, param);
    if (pd->getEncapsulatedRepresentation(xfer, param, seq).bad() || !seq || seq->card() < 2)
        return makeError("corrupt-pixel-data", "encapsulated pixel data has no fragments");
    const unsigned long fragments = seq->card() - 1;

    auto fragment = [&](unsigned long i) -> std::pair<const std::uint8_t*, Uint32> {
        DcmPixelItem* item = nullptr;
        if (seq->getItem(item, i + 1).bad() || !item) return {nullptr, 0};
        Uint8* p = nullptr;
        if (item->getUint8Array(p).bad()) return {nullptr, 0};
        return {p, item->getLength()};
    };

    unsigned long begin = 0, end = fragments;
    if (frames > 1) {
        // Basic Offset Table: byte offsets of each frame's first fragment item.
        std::vector<std::uint64_t> table;
        DcmPixelItem* bot = nullptr;
        if (seq->getItem(bot, 0).good() && bot && bot->getLength() >= 4 * frames) {
            Uint8* p = nullptr;
            if (bot->getUint8Array(p).good() && p)
                for (std::uint32_t i = 0; i < frames; ++i)
                    table.push_back(std::uint64_t(p[4 * i]) | (std::uint64_t(p[4 * i + 1]) << 8) |
                                    (std::uint64_t(p[4 * i + 2]) << 16) | (std::uint64_t(p[4 * i + 3]) << 24));
        }
        std::vector<unsigned long> starts;
        if (!table.empty()) {
            std::uint64_t offset = 0;
            size_t next = 0;
            for (unsigned long i = 0; i < fragments && next < table.size(); ++i) {
                DcmPixelItem* item = nullptr;
                if (seq->getItem(item, i + 1).bad() || !item) break;
                while (next < table.size() && table[next] == offset) { starts.push_back(i); ++next; }
                offset += 8 + item->getLength();
            }
            if (starts.size() != frames) starts.clear();
        }
        if (starts.empty() && fragments == frames)
            for (unsigned long i = 0; i < fragments; ++i) starts.push_back(i);
        if (starts.empty()) {
            // A new frame starts where a fragment begins with a codestream header.
            for (unsigned long i = 0; i < fragments; ++i) {
                auto [p, n] = fragment(i);
                if (startsFrame(p, n)) starts.push_back(i);
            }
        }
        if (frame >= starts.size())
            return makeError("corrupt-pixel-data", "frame " + std::to_string(frame + 1) + " not found among " +
                                                       std::to_string(fragments) + " fragments");
        begin = starts[frame];
        end = frame + 1 < starts.size() ? starts[frame + 1] : fragments;
    }
    if (firstFragment) *firstFragment = begin;
    std::vector<std::uint8_t> out;
    for (unsigned long i = begin; i < end; ++i) {
        auto [p, n] = fragment(i);
        if (!p && n) return makeError("truncated", "pixel data fragment " + std::to_string(i + 1) + " cannot be read");
        if (p) out.insert(out.end(), p, p + n);
    }
    return out;
}

template <class T>
void storeSamples(const std::vector<std::int32_t>& in, std::vector<std::uint8_t>& out)
{
    for (size_t i = 0; i < in.size(); ++i) {
        T v = static_cast<T>(in[i]);
        std::memcpy(out.data() + i * sizeof(T), &v, sizeof(T));
    }
}

}  // namespace

Result<DecodedFrame> decodeFrame(const DicomFile& file, const ImageInfo& info, std::uint32_t frame)
{
    if (frame >= info.frames)
        return makeError("no-such-frame", "frame " + std::to_string(frame + 1) + " requested, the image has " + std::to_string(info.frames));
    DcmPixelData* pd = pixelDataElement(file);
    if (!pd) return makeError("no-pixel-data", "no pixel data");
    DcmDataset* ds = file.impl().fileFormat.getDataset();

    DecodedFrame out;
    out.rows = info.rows;
    out.columns = info.columns;
    out.samples = info.samplesPerPixel;
    out.bytesPerSample = info.bitsAllocated == 1 ? 1 : info.bitsAllocated / 8;
    out.bitsStored = info.bitsStored;
    out.highBit = info.highBit;
    out.isSigned = info.isSigned;
    out.photometric = info.photometric;
    const std::size_t pixels = out.pixelCount();
    Photometric decodedAs = info.photometric;
    int planar = info.planarConfiguration;

    const PixelCodec codec = describeTransferSyntax(info.transferSyntaxUid).codec;
    try {
        if (codec == PixelCodec::Native && info.bitsAllocated == 1) {
            auto bits = readBitPackedFrame(pd, info, frame);
            if (!bits) return bits.error();
            out.data = std::move(*bits);
            out.bitsStored = 1;
            out.highBit = 0;
        } else if (codec == PixelCodec::Jpeg2000) {
            auto bytes = encapsulatedFrameBytes(pd, frame, info.frames, startsJ2kFrame);
            if (!bytes) return bytes.error();
            auto j2k = decodeJ2k(bytes->data(), bytes->size());
            if (!j2k) return j2k.error();
            if (j2k->width != info.columns || j2k->height != info.rows || j2k->components != info.samplesPerPixel)
                return makeError("corrupt-pixel-data", "JPEG 2000 image is " + std::to_string(j2k->width) + "x" +
                                                           std::to_string(j2k->height) + "x" + std::to_string(j2k->components) +
                                                           ", the header says " + std::to_string(info.columns) + "x" +
                                                           std::to_string(info.rows) + "x" + std::to_string(info.samplesPerPixel));
            auto buf = allocate(std::uint64_t(j2k->samples.size()) * out.bytesPerSample);
            if (!buf) return buf.error();
            out.data = std::move(*buf);
            if (out.bytesPerSample == 1) storeSamples<std::uint8_t>(j2k->samples, out.data);
            else if (out.bytesPerSample == 2) storeSamples<std::uint16_t>(j2k->samples, out.data);
            else storeSamples<std::uint32_t>(j2k->samples, out.data);
            planar = 0;
            if (info.samplesPerPixel == 3) {
                // The codestream's component transform yields RGB; without it the samples are what
                // the Photometric Interpretation says.
                if (j2k->mctApplied || info.photometric == Photometric::YbrRct || info.photometric == Photometric::YbrIct)
                    decodedAs = Photometric::Rgb;
                else if (info.photometric == Photometric::YbrFull422)
                    decodedAs = Photometric::YbrFull;
            }
        } else if (codec == PixelCodec::Native) {
            auto bytes = readNativeFrame(pd, file, info, frame);
            if (!bytes) return bytes.error();
            out.data = std::move(*bytes);
        } else {
            Uint32 startFragment = 0;  // 0: DCMTK finds the frame's first fragment itself
            if (codec == PixelCodec::Jpeg || codec == PixelCodec::JpegLs) {
                unsigned long first = 0;
                auto bytes = encapsulatedFrameBytes(pd, frame, info.frames, startsJpegFrame, &first);
                if (!bytes) return bytes.error();
                const auto h = parseJpegFrameHeader(bytes->data(), bytes->size());
                if (!h) return makeError("corrupt-pixel-data", "frame " + std::to_string(frame + 1) + ": no JPEG frame header");
                if (std::uint32_t(h->width) != info.columns || std::uint32_t(h->height) != info.rows ||
                    h->components != info.samplesPerPixel)
                    return makeError("corrupt-pixel-data", "JPEG image is " + std::to_string(h->width) + "x" + std::to_string(h->height) +
                                                               "x" + std::to_string(h->components) + ", the header says " +
                                                               std::to_string(info.columns) + "x" + std::to_string(info.rows) + "x" +
                                                               std::to_string(info.samplesPerPixel));
                // Where the frame starts is known (DCMTK counts the offset table as item 0): DCMTK
                // would refuse to look for it when fewer fragments than claimed frames are left,
                // even for a frame whose fragments are all there.
                startFragment = Uint32(first + 1);
            }
            Uint32 frameSize = 0;
            if (pd->getUncompressedFrameSize(ds, frameSize).bad() || frameSize == 0)
                return makeError("corrupt-pixel-data", "cannot determine the frame size");
            if (frameSize > kMaxFrameBytes) return makeError("too-large", "frame exceeds the 1 GiB limit");
            // DCMTK's decoders want an even buffer size.
            const Uint32 bufSize = frameSize + (frameSize & 1);
            auto buf = allocate(bufSize);
            if (!buf) return buf.error();
            OFString colorModel;
            OFCondition c = pd->getUncompressedFrame(ds, frame, startFragment, buf->data(), bufSize, colorModel, nullptr);
            if (c.bad()) return makeError("corrupt-pixel-data", std::string("frame ") + std::to_string(frame + 1) + ": " + c.text());
            buf->resize(frameSize);
            out.data = std::move(*buf);
            // DCMTK's decoders report the colour model they produced and may change the planar
            // configuration.
            if (!colorModel.empty()) {
                Photometric p = parsePhotometric(colorModel.c_str());
                if (p != Photometric::Unknown) decodedAs = p;
            }
            Uint16 pc = 0;
            if (ds->findAndGetUint16(DCM_PlanarConfiguration, pc).good()) planar = pc;
            else if (codec == PixelCodec::Rle) planar = 1;
        }
    } catch (const std::bad_alloc&) {
        return makeError("out-of-memory", "not enough memory to decode the frame");
    }

    if (info.samplesPerPixel == 3) {
        if (decodedAs == Photometric::YbrFull422 && codec == PixelCodec::Native) {
            if (out.data.size() < pixels * 2 * out.bytesPerSample) return makeError("truncated", "YBR_FULL_422 frame is short");
            out.data = expandYbr422(out.data, out.rows, out.columns, out.bytesPerSample);
            decodedAs = Photometric::YbrFull;
        } else {
            if (out.data.size() < pixels * 3 * out.bytesPerSample) return makeError("truncated", "colour frame is short");
            if (planar == 1) out.data = planarToInterleaved(out.data, pixels, out.bytesPerSample);
        }
        if (decodedAs == Photometric::YbrFull || decodedAs == Photometric::YbrFull422)
            ybrFullToRgb(out.data, pixels, out.bytesPerSample, info.bitsStored);
        else if (decodedAs == Photometric::YbrPartial420 || decodedAs == Photometric::YbrIct || decodedAs == Photometric::YbrRct)
            return makeError("unsupported", std::string(photometricName(decodedAs)) + " samples without a JPEG 2000 transform");
        out.photometric = Photometric::Rgb;
    } else {
        if (out.data.size() < pixels * out.bytesPerSample) return makeError("truncated", "frame is short");
    }
    return out;
}

}  // namespace lightbox
