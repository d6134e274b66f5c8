#pragma once
// Groups opened images into series and orders their frames for scrolling: along the slice normal
// when every image has a position and the same orientation, else by Instance Number, then by file
// name. (Volume assembly with gap and tilt detection builds on this in volume_assembly.)
#include "image_info.h"
#include "instance_summary.h"

#include <memory>
#include <string>
#include <vector>

namespace lightbox {

struct OpenedImage {
    std::string path;
    std::shared_ptr<const ImageInfo> info;
    std::shared_ptr<const InstanceSummary> summary;
};

struct SeriesFrame {
    size_t image;          // index into SeriesGroup::images
    std::uint32_t frame;   // 0-based frame in that file
};

struct SeriesGroup {
    std::string seriesInstanceUid;
    std::string description;
    std::string modality;
    int seriesNumber = 0;
    std::vector<OpenedImage> images;
    std::vector<SeriesFrame> frames;  // display order
};

// Groups by Study, then Series Instance UID, ordered by study date, series number, description.
std::vector<SeriesGroup> groupIntoSeries(std::vector<OpenedImage> images);

}  // namespace lightbox
