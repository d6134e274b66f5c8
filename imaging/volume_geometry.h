#pragma once
// Geometry of a volume in patient coordinates (mm): a regular grid of size[0] x size[1] x size[2]
// voxels whose axes are the columns of `direction` (row direction, column direction, slice normal).
#include <array>
#include <cmath>

namespace lightbox {

using Vec3 = std::array<double, 3>;

inline Vec3 operator+(const Vec3& a, const Vec3& b) { return {a[0] + b[0], a[1] + b[1], a[2] + b[2]}; }
inline Vec3 operator-(const Vec3& a, const Vec3& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
inline Vec3 operator*(const Vec3& a, double k) { return {a[0] * k, a[1] * k, a[2] * k}; }
inline double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
inline Vec3 cross(const Vec3& a, const Vec3& b) { return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]}; }
inline double norm(const Vec3& a) { return std::sqrt(dot(a, a)); }
inline Vec3 normalized(const Vec3& a)
{
    const double n = norm(a);
    return n > 0 ? a * (1.0 / n) : a;
}

struct VolumeGeometry {
    std::array<int, 3> size{0, 0, 0};
    std::array<double, 3> spacing{1, 1, 1};
    Vec3 origin{0, 0, 0};  // centre of voxel (0,0,0)
    // Row-major 3x3 whose columns are the axis directions (as ITK stores it).
    std::array<double, 9> direction{1, 0, 0, 0, 1, 0, 0, 0, 1};

    Vec3 axis(int i) const { return {direction[i], direction[3 + i], direction[6 + i]}; }
    // Patient position of a continuous voxel index.
    Vec3 toPatient(const Vec3& index) const
    {
        return origin + axis(0) * (index[0] * spacing[0]) + axis(1) * (index[1] * spacing[1]) + axis(2) * (index[2] * spacing[2]);
    }
    // Continuous voxel index of a patient position (axes orthonormal).
    Vec3 toIndex(const Vec3& p) const
    {
        const Vec3 d = p - origin;
        return {dot(d, axis(0)) / spacing[0], dot(d, axis(1)) / spacing[1], dot(d, axis(2)) / spacing[2]};
    }
    std::size_t voxelCount() const { return std::size_t(size[0]) * size[1] * size[2]; }
};

}  // namespace lightbox
