#pragma once
// Opening every DICOM image of a folder the way the app does (header, image description, summary),
// for tests that link lightbox_imaging.
#include "test_support.h"

#include "dicom_file.h"
#include "series_sorting.h"

#include <memory>
#include <vector>

namespace lightbox::test {

inline std::vector<OpenedImage> openImages(const QString& dir)
{
    std::vector<OpenedImage> out;
    for (const QString& f : filesUnder(dir)) {
        auto file = DicomFile::open(f.toStdString());
        if (!file) continue;
        auto info = readImageInfo(**file);
        if (!info) continue;
        out.push_back({f.toStdString(), std::make_shared<const ImageInfo>(*info), std::make_shared<const InstanceSummary>(summarize(**file))});
    }
    return out;
}

}  // namespace lightbox::test
