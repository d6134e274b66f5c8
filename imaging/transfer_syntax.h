#pragma once
// Transfer syntaxes Lightbox reads, and how their pixel data is decoded.
#include <string>

namespace lightbox {

enum class PixelCodec { Native, Rle, Jpeg, JpegLs, Jpeg2000, Unsupported };

struct TransferSyntaxInfo {
    std::string uid;
    std::string name;
    PixelCodec codec = PixelCodec::Unsupported;
    bool lossy = false;
};

TransferSyntaxInfo describeTransferSyntax(const std::string& uid);

}  // namespace lightbox
