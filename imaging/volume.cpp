#include "volume.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace lightbox {

std::size_t voxelBytes(VoxelType t)
{
    switch (t) {
    case VoxelType::UInt8: return 1;
    case VoxelType::Int16:
    case VoxelType::UInt16: return 2;
    case VoxelType::Float32: return 4;
    }
    return 2;
}

std::shared_ptr<Volume> Volume::create(const VolumeGeometry& geometry, VoxelType type)
{
    std::shared_ptr<Volume> v(new Volume());
    v->m_geometry = geometry;
    v->m_type = type;
    const std::size_t bytes = geometry.voxelCount() * voxelBytes(type);
    v->m_data = std::calloc(std::max<std::size_t>(bytes, 1), 1);
    if (!v->m_data) return nullptr;
    v->m_ready = std::vector<std::atomic<bool>>(std::size_t(std::max(0, geometry.size[2])));
    return v;
}

Volume::~Volume() { std::free(m_data); }

double Volume::stored(int i, int j, int k) const
{
    const std::size_t idx = (std::size_t(k) * m_geometry.size[1] + std::size_t(j)) * m_geometry.size[0] + std::size_t(i);
    switch (m_type) {
    case VoxelType::UInt8: return static_cast<const std::uint8_t*>(m_data)[idx];
    case VoxelType::Int16: return static_cast<const std::int16_t*>(m_data)[idx];
    case VoxelType::UInt16: return static_cast<const std::uint16_t*>(m_data)[idx];
    case VoxelType::Float32: return static_cast<const float*>(m_data)[idx];
    }
    return 0;
}

double Volume::sample(const Vec3& p, double outside) const
{
    const auto& n = m_geometry.size;
    if (p[0] < -0.5 || p[1] < -0.5 || p[2] < -0.5 || p[0] > n[0] - 0.5 || p[1] > n[1] - 0.5 || p[2] > n[2] - 0.5) return outside;
    const double x = std::clamp(p[0], 0.0, double(n[0] - 1)), y = std::clamp(p[1], 0.0, double(n[1] - 1)),
                 z = std::clamp(p[2], 0.0, double(n[2] - 1));
    const int i = std::min(int(x), n[0] - 2 < 0 ? 0 : n[0] - 2), j = std::min(int(y), n[1] - 2 < 0 ? 0 : n[1] - 2),
              k = std::min(int(z), n[2] - 2 < 0 ? 0 : n[2] - 2);
    const double fx = n[0] > 1 ? x - i : 0, fy = n[1] > 1 ? y - j : 0, fz = n[2] > 1 ? z - k : 0;
    const int i1 = std::min(i + 1, n[0] - 1), j1 = std::min(j + 1, n[1] - 1), k1 = std::min(k + 1, n[2] - 1);
    const double c00 = stored(i, j, k) * (1 - fx) + stored(i1, j, k) * fx;
    const double c10 = stored(i, j1, k) * (1 - fx) + stored(i1, j1, k) * fx;
    const double c01 = stored(i, j, k1) * (1 - fx) + stored(i1, j, k1) * fx;
    const double c11 = stored(i, j1, k1) * (1 - fx) + stored(i1, j1, k1) * fx;
    const double v = (c00 * (1 - fy) + c10 * fy) * (1 - fz) + (c01 * (1 - fy) + c11 * fy) * fz;
    return v * slope + intercept;
}

}  // namespace lightbox
