#pragma once
// An opened image file: its description and frame decoding. One per thread.
#include "decoded_frame.h"
#include "display_pipeline.h"
#include "image_info.h"
#include "instance_summary.h"
#include "result.h"

#include <memory>
#include <string>

namespace lightbox {

class DicomFile;

class ImageSource {
public:
    ~ImageSource();
    ImageSource(ImageSource&&) noexcept;
    ImageSource& operator=(ImageSource&&) noexcept;

    static Result<ImageSource> open(const std::string& path);

    const std::string& path() const;
    const ImageInfo& info() const { return m_info; }
    const InstanceSummary& summary() const { return m_summary; }
    const DicomFile& file() const { return *m_file; }

    Result<DecodedFrame> decode(std::uint32_t frameIndex) const;
    Result<DisplayImage> render(std::uint32_t frameIndex, const DisplayOptions& options) const;

private:
    ImageSource() = default;
    std::unique_ptr<DicomFile> m_file;
    ImageInfo m_info;
    InstanceSummary m_summary;
};

}  // namespace lightbox
