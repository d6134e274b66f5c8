#include "reslice.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

namespace lightbox {

namespace {

template <class T>
struct Sampler {
    const T* data;
    int nx, ny, nz;
    std::size_t sx, sxy;
    double slope, intercept;

    // Trilinear in continuous index space; false outside.
    inline bool linear(double x, double y, double z, double& out) const
    {
        if (x < -0.5 || y < -0.5 || z < -0.5 || x > nx - 0.5 || y > ny - 0.5 || z > nz - 0.5) return false;
        x = std::clamp(x, 0.0, double(nx - 1));
        y = std::clamp(y, 0.0, double(ny - 1));
        z = std::clamp(z, 0.0, double(nz - 1));
        int i = int(x), j = int(y), k = int(z);
        if (i > nx - 2) i = std::max(0, nx - 2);
        if (j > ny - 2) j = std::max(0, ny - 2);
        if (k > nz - 2) k = std::max(0, nz - 2);
        const double fx = nx > 1 ? x - i : 0, fy = ny > 1 ? y - j : 0, fz = nz > 1 ? z - k : 0;
        const std::size_t di = nx > 1 ? 1 : 0, dj = ny > 1 ? sx : 0, dk = nz > 1 ? sxy : 0;
        const T* p = data + std::size_t(k) * sxy + std::size_t(j) * sx + std::size_t(i);
        const double c00 = p[0] + (double(p[di]) - p[0]) * fx;
        const double c10 = p[dj] + (double(p[dj + di]) - p[dj]) * fx;
        const double c01 = p[dk] + (double(p[dk + di]) - p[dk]) * fx;
        const double c11 = p[dk + dj] + (double(p[dk + dj + di]) - p[dk + dj]) * fx;
        const double c0 = c00 + (c10 - c00) * fy, c1 = c01 + (c11 - c01) * fy;
        out = (c0 + (c1 - c0) * fz) * slope + intercept;
        return true;
    }
    inline bool nearest(double x, double y, double z, double& out) const
    {
        const long i = std::lround(x), j = std::lround(y), k = std::lround(z);
        if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) return false;
        out = data[std::size_t(k) * sxy + std::size_t(j) * sx + std::size_t(i)] * slope + intercept;
        return true;
    }
};

template <class T>
void resliceRows(const Volume& vol, const ReslicePlane& plane, const ResliceOptions& o, float outside, std::vector<float>& out, int r0, int r1)
{
    const VolumeGeometry& g = vol.geometry();
    Sampler<T> s{static_cast<const T*>(vol.data()), g.size[0], g.size[1], g.size[2], std::size_t(g.size[0]),
                 std::size_t(g.size[0]) * g.size[1], vol.slope, vol.intercept};
    // Steps in continuous index space.
    auto toIndex = [&](const Vec3& dir) {
        return Vec3{dot(dir, g.axis(0)) / g.spacing[0], dot(dir, g.axis(1)) / g.spacing[1], dot(dir, g.axis(2)) / g.spacing[2]};
    };
    const Vec3 dx = toIndex(plane.x * plane.spacing), dy = toIndex(plane.y * plane.spacing);
    const Vec3 n = plane.normal();
    const double step = std::min({g.spacing[0], g.spacing[1], g.spacing[2]});
    const int samples = o.slabMm > step ? int(std::ceil(o.slabMm / step)) : 1;
    const Vec3 dn = toIndex(n * (samples > 1 ? o.slabMm / samples : 0.0));
    const double firstN = -(samples - 1) / 2.0;
    const Vec3 origin = g.toIndex(plane.origin);
    for (int r = r0; r < r1; ++r) {
        Vec3 p = origin + dy * r;
        float* row = out.data() + std::size_t(r) * plane.width;
        for (int c = 0; c < plane.width; ++c, p = p + dx) {
            if (samples == 1) {
                double v;
                const bool in = o.linear ? s.linear(p[0], p[1], p[2], v) : s.nearest(p[0], p[1], p[2], v);
                row[c] = in ? float(v) : outside;
                continue;
            }
            double acc = o.mode == SlabMode::Max ? -std::numeric_limits<double>::max() : o.mode == SlabMode::Min ? std::numeric_limits<double>::max() : 0;
            int count = 0;
            Vec3 q = p + dn * firstN;
            for (int k = 0; k < samples; ++k, q = q + dn) {
                double v;
                if (!(o.linear ? s.linear(q[0], q[1], q[2], v) : s.nearest(q[0], q[1], q[2], v))) continue;
                ++count;
                if (o.mode == SlabMode::Max) acc = std::max(acc, v);
                else if (o.mode == SlabMode::Min) acc = std::min(acc, v);
                else acc += v;
            }
            row[c] = count == 0 ? outside : float(o.mode == SlabMode::Mean ? acc / count : acc);
        }
    }
}

}  // namespace

std::vector<float> reslice(const Volume& vol, const ReslicePlane& plane, const ResliceOptions& options, float outside)
{
    std::vector<float> out(std::size_t(std::max(0, plane.width)) * std::max(0, plane.height), outside);
    if (plane.width <= 0 || plane.height <= 0) return out;
    const int threads = std::clamp(options.threads > 0 ? options.threads : int(std::thread::hardware_concurrency()), 1, plane.height);
    auto run = [&](int r0, int r1) {
        switch (vol.type()) {
        case VoxelType::UInt8: resliceRows<std::uint8_t>(vol, plane, options, outside, out, r0, r1); break;
        case VoxelType::Int16: resliceRows<std::int16_t>(vol, plane, options, outside, out, r0, r1); break;
        case VoxelType::UInt16: resliceRows<std::uint16_t>(vol, plane, options, outside, out, r0, r1); break;
        case VoxelType::Float32: resliceRows<float>(vol, plane, options, outside, out, r0, r1); break;
        }
    };
    std::vector<std::thread> workers;
    const int chunk = (plane.height + threads - 1) / threads;
    for (int t = 1; t < threads; ++t) workers.emplace_back(run, std::min(plane.height, t * chunk), std::min(plane.height, (t + 1) * chunk));
    run(0, std::min(plane.height, chunk));
    for (auto& w : workers) w.join();
    return out;
}

SliceAxes axialAxes() { return {{1, 0, 0}, {0, 1, 0}}; }
SliceAxes coronalAxes() { return {{1, 0, 0}, {0, 0, -1}}; }
SliceAxes sagittalAxes() { return {{0, 1, 0}, {0, 0, -1}}; }

ReslicePlane SliceStack::plane(int index) const
{
    ReslicePlane p;
    p.x = axes.x;
    p.y = axes.y;
    p.spacing = spacing;
    p.width = width;
    p.height = height;
    p.origin = corner + axes.normal() * (index * step);
    return p;
}

double SliceStack::position(int index) const { return dot(corner, axes.normal()) + index * step; }

int SliceStack::indexOf(const Vec3& patient) const { return int(std::lround((dot(patient, axes.normal()) - dot(corner, axes.normal())) / step)); }

SliceStack sliceStack(const VolumeGeometry& g, const SliceAxes& axes, int maxSize)
{
    SliceStack st;
    st.axes = axes;
    const Vec3 n = axes.normal();
    double lo[3] = {1e300, 1e300, 1e300}, hi[3] = {-1e300, -1e300, -1e300};
    for (int c = 0; c < 8; ++c) {
        const Vec3 idx{c & 1 ? g.size[0] - 0.5 : -0.5, c & 2 ? g.size[1] - 0.5 : -0.5, c & 4 ? g.size[2] - 0.5 : -0.5};
        const Vec3 p = g.toPatient(idx);
        const double proj[3] = {dot(p, axes.x), dot(p, axes.y), dot(p, n)};
        for (int a = 0; a < 3; ++a) {
            lo[a] = std::min(lo[a], proj[a]);
            hi[a] = std::max(hi[a], proj[a]);
        }
    }
    // Square pixels as fine as the finest voxel side; planes one voxel apart along the normal
    // (the slice spacing for the acquired orientation, less for oblique planes).
    double sp = std::min({g.spacing[0], g.spacing[1], g.spacing[2]});
    const double widest = std::max({hi[0] - lo[0], hi[1] - lo[1]});
    if (widest / sp > maxSize) sp = widest / maxSize;
    double inverse = 0;
    for (int a = 0; a < 3; ++a) {
        const double c = dot(n, g.axis(a)) / g.spacing[a];
        inverse += c * c;
    }
    const double step = inverse > 0 ? 1.0 / std::sqrt(inverse) : sp;
    st.spacing = sp;
    st.step = step;
    st.width = std::max(1, int(std::ceil((hi[0] - lo[0]) / sp)));
    st.height = std::max(1, int(std::ceil((hi[1] - lo[1]) / sp)));
    st.count = std::max(1, int(std::floor((hi[2] - lo[2]) / step)));
    // Pixel centres half a pixel inside the extent; planes half a step inside.
    st.corner = axes.x * (lo[0] + sp / 2) + axes.y * (lo[1] + sp / 2) + n * (lo[2] + step / 2);
    return st;
}

}  // namespace lightbox
