#pragma once
// Reslicing a volume on any plane (multiplanar reformation), with thick slabs rendered as maximum,
// minimum or average intensity projections. Pure CPU; runs on two or more threads.
#include "volume.h"

#include <vector>

namespace lightbox {

enum class SlabMode { Max, Min, Mean };

// A plane of output pixels: pixel (c, r) is at origin + x * c * spacing + y * r * spacing.
struct ReslicePlane {
    Vec3 origin{0, 0, 0};
    Vec3 x{1, 0, 0};
    Vec3 y{0, 1, 0};
    double spacing = 1.0;
    int width = 0;
    int height = 0;
    Vec3 normal() const { return normalized(cross(x, y)); }
};

struct ResliceOptions {
    double slabMm = 0;  // 0: a single plane
    SlabMode mode = SlabMode::Max;
    bool linear = true;  // trilinear, else nearest neighbour
    int threads = 0;
};

// Modality values (HU...) of the plane; `outside` where the plane leaves the volume.
std::vector<float> reslice(const Volume& volume, const ReslicePlane& plane, const ResliceOptions& options, float outside);

// Three orthonormal axes: in-plane x (left to right on screen), y (top to bottom), normal.
struct SliceAxes {
    Vec3 x, y;
    Vec3 normal() const { return normalized(cross(x, y)); }
};

SliceAxes axialAxes();     // x: patient left, y: posterior (viewed from the feet: R on the left)
SliceAxes coronalAxes();   // x: patient left, y: feet
SliceAxes sagittalAxes();  // x: posterior, y: feet (anterior on the left)

// A stack of parallel planes covering the volume: positions along the normal one voxel apart.
struct SliceStack {
    SliceAxes axes;
    double spacing = 1.0;  // in-plane pixel size
    double step = 1.0;     // between planes
    int width = 0, height = 0, count = 0;
    Vec3 corner{0, 0, 0};  // patient position of pixel (0,0) of plane 0
    ReslicePlane plane(int index) const;
    double position(int index) const;  // along the normal
    int indexOf(const Vec3& patient) const;  // nearest plane through a point (may be out of range)
};

SliceStack sliceStack(const VolumeGeometry& geometry, const SliceAxes& axes, int maxSize = 1024);

}  // namespace lightbox
