#include "transfer_syntax.h"

namespace lightbox {

TransferSyntaxInfo describeTransferSyntax(const std::string& uid)
{
    struct Row { const char* uid; const char* name; PixelCodec codec; bool lossy; };
    static const Row rows[] = {
        {"1.2.840.10008.1.2", "Implicit VR Little Endian", PixelCodec::Native, false},
        {"1.2.840.10008.1.2.1", "Explicit VR Little Endian", PixelCodec::Native, false},
        {"1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", PixelCodec::Native, false},
        {"1.2.840.10008.1.2.2", "Explicit VR Big Endian", PixelCodec::Native, false},
        {"1.2.840.10008.1.2.5", "RLE Lossless", PixelCodec::Rle, false},
        {"1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", PixelCodec::Jpeg, true},
        {"1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", PixelCodec::Jpeg, true},
        {"1.2.840.10008.1.2.4.53", "JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8)", PixelCodec::Jpeg, true},
        {"1.2.840.10008.1.2.4.55", "JPEG Full Progression, Non-Hierarchical (Process 10 & 12)", PixelCodec::Jpeg, true},
        {"1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", PixelCodec::Jpeg, false},
        {"1.2.840.10008.1.2.4.70", "JPEG Lossless, First-Order Prediction (Process 14 SV1)", PixelCodec::Jpeg, false},
        {"1.2.840.10008.1.2.4.80", "JPEG-LS Lossless", PixelCodec::JpegLs, false},
        {"1.2.840.10008.1.2.4.81", "JPEG-LS Near-Lossless", PixelCodec::JpegLs, true},
        {"1.2.840.10008.1.2.4.90", "JPEG 2000 Lossless Only", PixelCodec::Jpeg2000, false},
        {"1.2.840.10008.1.2.4.91", "JPEG 2000", PixelCodec::Jpeg2000, true},
        {"1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Lossless Only", PixelCodec::Jpeg2000, false},
        {"1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options Lossless Only", PixelCodec::Jpeg2000, false},
        {"1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000", PixelCodec::Jpeg2000, true},
        {"1.2.840.10008.1.2.4.100", "MPEG2 Main Profile @ Main Level", PixelCodec::Unsupported, true},
        {"1.2.840.10008.1.2.4.101", "MPEG2 Main Profile @ High Level", PixelCodec::Unsupported, true},
        {"1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile", PixelCodec::Unsupported, true},
        {"1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile", PixelCodec::Unsupported, true},
        {"1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 High Profile For 2D Video", PixelCodec::Unsupported, true},
        {"1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 High Profile For 3D Video", PixelCodec::Unsupported, true},
        {"1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 Stereo High Profile", PixelCodec::Unsupported, true},
        {"1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile", PixelCodec::Unsupported, true},
        {"1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile", PixelCodec::Unsupported, true},
        {"1.2.840.10008.1.2.4.110", "JPEG XL Lossless", PixelCodec::Unsupported, false},
        {"1.2.840.10008.1.2.4.111", "JPEG XL JPEG Recompression", PixelCodec::Unsupported, false},
        {"1.2.840.10008.1.2.4.112", "JPEG XL", PixelCodec::Unsupported, true},
    };
    for (const Row& r : rows)
        if (uid == r.uid) return {r.uid, r.name, r.codec, r.lossy};
    return {uid, uid.empty() ? "unknown transfer syntax" : "transfer syntax " + uid, PixelCodec::Unsupported, false};
}

}  // namespace lightbox
