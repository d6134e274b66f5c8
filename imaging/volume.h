#pragma once
// A volume in memory: voxels on a regular grid in patient space, stored in the type of the data
// (16-bit stays 16-bit) with one modality transform; float only when slices rescale differently.
#include "image_info.h"
#include "volume_geometry.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lightbox {

enum class VoxelType { UInt8, Int16, UInt16, Float32 };
std::size_t voxelBytes(VoxelType t);

class Volume {
public:
    // Allocates zeroed storage (lazily, by the system: untouched pages cost nothing).
    static std::shared_ptr<Volume> create(const VolumeGeometry& geometry, VoxelType type);
    ~Volume();
    Volume(const Volume&) = delete;
    Volume& operator=(const Volume&) = delete;

    const VolumeGeometry& geometry() const { return m_geometry; }
    VoxelType type() const { return m_type; }
    void* data() { return m_data; }
    const void* data() const { return m_data; }
    std::size_t byteSize() const { return m_geometry.voxelCount() * voxelBytes(m_type); }
    std::size_t sliceBytes() const { return std::size_t(m_geometry.size[0]) * m_geometry.size[1] * voxelBytes(m_type); }

    // Modality value = stored * slope + intercept (identity for Float32).
    double slope = 1.0;
    double intercept = 0.0;
    // Display defaults taken from the first slice (windows, photometric, rescale type...).
    ImageInfo display;
    std::string seriesInstanceUid;
    std::string frameOfReferenceUid;
    std::vector<std::string> warnings;
    std::string label;

    double stored(int i, int j, int k) const;
    double value(int i, int j, int k) const { return stored(i, j, k) * slope + intercept; }
    // Trilinear interpolation of the modality value at a continuous voxel index; `outside`
    // beyond the grid.
    double sample(const Vec3& index, double outside) const;

    // Progressive loading: slices become ready one by one.
    bool sliceReady(int k) const { return k >= 0 && k < int(m_ready.size()) && m_ready[size_t(k)].load(std::memory_order_acquire); }
    void markReady(int k) { m_ready[size_t(k)].store(true, std::memory_order_release); ++m_readyCount; }
    int readyCount() const { return m_readyCount.load(); }
    bool complete() const { return m_readyCount.load() == m_geometry.size[2]; }

private:
    Volume() = default;
    VolumeGeometry m_geometry;
    VoxelType m_type = VoxelType::Int16;
    void* m_data = nullptr;
    std::vector<std::atomic<bool>> m_ready;
    std::atomic<int> m_readyCount{0};
};

}  // namespace lightbox
