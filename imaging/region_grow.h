#pragma once
// A 3D region of a volume: the voxels connected to a seed whose values lie in a range (region
// growing with ITK's ConnectedThresholdImageFilter, 6-connected), or every voxel in the range.
// Gives its volume in millilitres and its value statistics in the modality's units.
#include "result.h"
#include "volume.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

namespace lightbox {

struct RegionRequest {
    enum class Mode { Connected, Threshold };
    Mode mode = Mode::Connected;
    Vec3 seed{0, 0, 0};  // patient mm (Connected)
    double lower = 0, upper = 0;  // modality units, inclusive
    const std::atomic<bool>* cancel = nullptr;
    std::function<void(double fraction)> progress;
};

struct RegionMask {
    std::array<int, 3> lo{0, 0, 0}, hi{-1, -1, -1};  // inclusive voxel bounds of the region
    std::vector<std::uint8_t> bits;                  // 1 inside, over the bounds (x fastest)
    std::size_t voxels = 0;
    double volumeMl = 0;
    double mean = 0, sd = 0, min = 0, max = 0;
    bool contains(int i, int j, int k) const
    {
        if (i < lo[0] || j < lo[1] || k < lo[2] || i > hi[0] || j > hi[1] || k > hi[2]) return false;
        const std::size_t w = std::size_t(hi[0] - lo[0] + 1), h = std::size_t(hi[1] - lo[1] + 1);
        return bits[(std::size_t(k - lo[2]) * h + std::size_t(j - lo[1])) * w + std::size_t(i - lo[0])] != 0;
    }
};

// The volume must be complete. Errors: the seed outside the volume or outside the range, an
// empty range, cancellation.
Result<RegionMask> growRegion(const Volume& volume, const RegionRequest& request);

}  // namespace lightbox
