#pragma once
// Loads a VolumePlan into a Volume: slices decoded in parallel straight into the volume's memory
// (peak memory: the volume plus one decoded slice per thread), resampled in their plane for a
// gantry tilt and along the normal for uneven spacing (gaps stay empty, never bridged).
#include "result.h"
#include "series_sorting.h"
#include "volume.h"
#include "volume_assembly.h"

#include <atomic>
#include <functional>

namespace lightbox {

// The volume, allocated but empty: show it at once and fill it with fillVolume().
Result<std::shared_ptr<Volume>> createVolume(const VolumePlan& plan, const std::vector<OpenedImage>& images);

struct FillOptions {
    int threads = 0;                           // 0: one per core
    std::function<void(int slice)> sliceReady; // called from worker threads
    const std::atomic<bool>* cancel = nullptr;
    // The order slices are filled in: the first shown image first (-1: from the start).
    int firstSlice = -1;
};

// Decodes every slice; fails on the first slice that cannot be decoded (its reason).
Status fillVolume(Volume& volume, const VolumePlan& plan, const std::vector<OpenedImage>& images, const FillOptions& options = {});

Result<std::shared_ptr<Volume>> loadVolume(const VolumePlan& plan, const std::vector<OpenedImage>& images, const FillOptions& options = {});

}  // namespace lightbox
