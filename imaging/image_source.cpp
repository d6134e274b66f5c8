#include "image_source.h"

#include "dicom_file.h"
#include "frame_decoder.h"

namespace lightbox {

ImageSource::~ImageSource() = default;
ImageSource::ImageSource(ImageSource&&) noexcept = default;
ImageSource& ImageSource::operator=(ImageSource&&) noexcept = default;

Result<ImageSource> ImageSource::open(const std::string& path)
{
    auto file = DicomFile::open(path);
    if (!file) return file.error();
    auto info = readImageInfo(**file);
    if (!info) return info.error();
    ImageSource src;
    src.m_summary = summarize(**file);
    src.m_file = std::move(*file);
    src.m_info = std::move(*info);
    return src;
}

const std::string& ImageSource::path() const { return m_file->path(); }

Result<DecodedFrame> ImageSource::decode(std::uint32_t frameIndex) const
{
    return decodeFrame(*m_file, m_info, frameIndex);
}

Result<DisplayImage> ImageSource::render(std::uint32_t frameIndex, const DisplayOptions& options) const
{
    auto frame = decode(frameIndex);
    if (!frame) return frame.error();
    return renderForDisplay(*frame, m_info, frameIndex, options);
}

}  // namespace lightbox
