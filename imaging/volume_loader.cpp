#include "volume_loader.h"

#include "dicom_file_pool.h"
#include "display_pipeline.h"
#include "frame_decoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <mutex>
#include <thread>

namespace lightbox {

namespace {

struct Source {
    int slice = -1;     // acquired slice
    double weight = 1;  // of `slice`; (1 - weight) of `next`
    int next = -1;
    bool gap = false;
};

std::vector<Source> gridSources(const VolumePlan& plan)
{
    const int n = plan.geometry.size[2];
    std::vector<Source> out(static_cast<size_t>(n));
    if (!plan.resampleAlongNormal) {
        for (int m = 0; m < n; ++m) out[size_t(m)] = {m, 1.0, -1, false};
        return out;
    }
    const double d0 = plan.slices.front().position, step = plan.geometry.spacing[2];
    size_t k = 0;
    for (int m = 0; m < n; ++m) {
        const double z = d0 + m * step;
        while (k + 1 < plan.slices.size() && plan.slices[k + 1].position <= z) ++k;
        Source s;
        if (k + 1 >= plan.slices.size()) {
            s.slice = int(k);
            s.gap = std::abs(z - plan.slices[k].position) > plan.gapThreshold;
        } else {
            const double a = plan.slices[k].position, b = plan.slices[k + 1].position;
            const double nearest = std::min(z - a, b - z);
            s.gap = plan.slices[k].gapAfter && nearest > plan.gapThreshold;  // inside a gap: no data, not invented data
            s.slice = int(k);
            s.next = int(k + 1);
            s.weight = b > a ? (b - z) / (b - a) : 1.0;
        }
        out[size_t(m)] = s;
    }
    return out;
}

// One acquired slice as modality-ready stored values (int32), with its in-plane placement.
struct SliceData {
    std::vector<std::int32_t> values;
    std::uint32_t rows = 0, columns = 0;
    double slope = 1, intercept = 0;
    double du = 0, dv = 0;  // grid (i, j) maps to source (i + du, j + dv) at this slice
    bool integral = true;   // du and dv are integers: a plain copy
};

Result<SliceData> decodeSlice(const VolumePlan& plan, const std::vector<OpenedImage>& images, int acquired, DicomFilePool& pool, double gridZ)
{
    const VolumeSlice& vs = plan.slices[size_t(acquired)];
    const OpenedImage& img = images[vs.image];
    auto file = pool.acquire(img.path);
    if (!file) return file.error();
    auto frame = decodeFrame(**file, *img.info, vs.frame);
    pool.release(std::move(*file));
    if (!frame) return makeError(frame.error().code, img.path + ": " + frame.error().message);
    SliceData s;
    s.rows = frame->rows;
    s.columns = frame->columns;
    const ModalityTransform& m = img.info->modalityFor(vs.frame);
    s.slope = m.slope;
    s.intercept = m.intercept;
    ModalityValues mv(*frame, *img.info, vs.frame);
    s.values.resize(frame->pixelCount());
    for (std::size_t i = 0; i < s.values.size(); ++i) s.values[i] = std::int32_t(mv.stored(i));
    // Where the grid point (0, 0) at this depth falls in the slice: the tilt shifts it.
    const VolumeGeometry& g = plan.geometry;
    const Vec3 gridPoint = g.origin + g.axis(2) * (gridZ - plan.slices.front().position);
    const Vec3 offset = gridPoint - vs.origin;
    s.du = dot(offset, g.axis(0)) / g.spacing[0];
    s.dv = dot(offset, g.axis(1)) / g.spacing[1];
    s.integral = std::abs(s.du - std::round(s.du)) < 1e-3 && std::abs(s.dv - std::round(s.dv)) < 1e-3;
    if (s.integral) {
        s.du = std::round(s.du);
        s.dv = std::round(s.dv);
    }
    return s;
}

// Modality value of a slice at continuous source coordinates, nullopt outside.
inline bool sampleSlice(const SliceData& s, double u, double v, double& out)
{
    if (u < -0.5 || v < -0.5 || u > s.columns - 0.5 || v > s.rows - 0.5) return false;
    const double x = std::clamp(u, 0.0, double(s.columns - 1)), y = std::clamp(v, 0.0, double(s.rows - 1));
    const int i = std::min(int(x), int(s.columns) - 1), j = std::min(int(y), int(s.rows) - 1);
    const int i1 = std::min(i + 1, int(s.columns) - 1), j1 = std::min(j + 1, int(s.rows) - 1);
    const double fx = x - i, fy = y - j;
    const auto at = [&](int a, int b) { return double(s.values[size_t(b) * s.columns + size_t(a)]); };
    const double stored = (at(i, j) * (1 - fx) + at(i1, j) * fx) * (1 - fy) + (at(i, j1) * (1 - fx) + at(i1, j1) * fx) * fy;
    out = stored * s.slope + s.intercept;
    return true;
}

template <class T>
void writeSlice(Volume& vol, int m, const SliceData* a, const SliceData* b, double weight, bool gap)
{
    const VolumeGeometry& g = vol.geometry();
    T* dst = static_cast<T*>(vol.data()) + std::size_t(m) * g.size[0] * g.size[1];
    const bool floatOut = vol.type() == VoxelType::Float32;
    // Where there is no data (a gap, outside a tilted slice): the lowest storable value, or 0.
    const T background = floatOut ? T(0) : std::numeric_limits<T>::min();
    auto toStored = [&](double value) -> T {
        if constexpr (std::is_same_v<T, float>) return T(value);
        else {
            const double s = std::round((value - vol.intercept) / vol.slope);
            return T(std::clamp(s, double(std::numeric_limits<T>::min()), double(std::numeric_limits<T>::max())));
        }
    };
    if (gap || !a) {
        std::fill(dst, dst + std::size_t(g.size[0]) * g.size[1], background);
        return;
    }
    // The common case: one slice, same grid, same rescale: stored values copied as they are.
    if (!b && a->integral && a->du == 0 && a->dv == 0 && int(a->columns) == g.size[0] && int(a->rows) == g.size[1] && !floatOut &&
        a->slope == vol.slope && a->intercept == vol.intercept) {
        for (std::size_t i = 0; i < a->values.size(); ++i) dst[i] = T(a->values[i]);
        return;
    }
    for (int j = 0; j < g.size[1]; ++j) {
        for (int i = 0; i < g.size[0]; ++i) {
            double va = 0, vb = 0;
            const bool ha = sampleSlice(*a, i + a->du, j + a->dv, va);
            const bool hb = b ? sampleSlice(*b, i + b->du, j + b->dv, vb) : false;
            double value;
            if (ha && (!b || hb)) value = b ? va * weight + vb * (1 - weight) : va;
            else if (ha) value = va;
            else if (hb) value = vb;
            else {
                dst[std::size_t(j) * g.size[0] + i] = background;
                continue;
            }
            dst[std::size_t(j) * g.size[0] + i] = toStored(value);
        }
    }
}

}  // namespace

Result<std::shared_ptr<Volume>> createVolume(const VolumePlan& plan, const std::vector<OpenedImage>& images)
{
    if (!plan.isVolume || plan.slices.size() < 2) return makeError("not-a-volume", "these images do not form a volume");
    const VolumeGeometry& g = plan.geometry;
    const std::uint64_t voxels = std::uint64_t(g.size[0]) * g.size[1] * g.size[2];
    if (g.size[0] <= 0 || g.size[1] <= 0 || g.size[2] <= 0 || voxels > (std::uint64_t(1) << 32))
        return makeError("too-large", "volume of " + std::to_string(voxels) + " voxels is out of range");
    // One stored type for all slices when they share bit depth, sign and rescale; else float.
    const ImageInfo& first = *images[plan.slices.front().image].info;
    bool uniform = first.bitsAllocated <= 16 && !first.modalityFor(plan.slices.front().frame).lut;
    const ModalityTransform& m0 = first.modalityFor(plan.slices.front().frame);
    for (const VolumeSlice& s : plan.slices) {
        const ImageInfo& info = *images[s.image].info;
        const ModalityTransform& m = info.modalityFor(s.frame);
        uniform = uniform && info.bitsAllocated == first.bitsAllocated && info.isSigned == first.isSigned && m.slope == m0.slope &&
                  m.intercept == m0.intercept && !m.lut;
    }
    VoxelType type = VoxelType::Float32;
    if (uniform) type = first.bitsAllocated <= 8 ? VoxelType::UInt8 : first.isSigned ? VoxelType::Int16 : VoxelType::UInt16;
    auto vol = Volume::create(g, type);
    if (!vol) return makeError("out-of-memory", "not enough memory for a volume of " + std::to_string(voxels * voxelBytes(type)) + " bytes");
    if (uniform) {
        vol->slope = m0.slope;
        vol->intercept = m0.intercept;
    }
    vol->display = first;
    vol->display.perFrame.clear();
    vol->display.modality = uniform ? m0 : ModalityTransform{};
    // The window the reformats open with: the central image's, as the series' own choice for its
    // middle (an edge slice's window can be far off: W 22 on a sagittal MR's first slice).
    const VolumeSlice& central = plan.slices[plan.slices.size() / 2];
    vol->display.windows = images[central.image].info->windowsFor(central.frame);
    vol->seriesInstanceUid = plan.seriesInstanceUid;
    vol->frameOfReferenceUid = first.frameOfReferenceUid;
    vol->warnings = plan.warnings;
    vol->label = plan.label;
    return vol;
}

Status fillVolume(Volume& vol, const VolumePlan& plan, const std::vector<OpenedImage>& images, const FillOptions& options)
{
    const std::vector<Source> sources = gridSources(plan);
    const int n = int(sources.size());
    // Fill order: from the first shown slice outwards, so what the user looks at comes first.
    std::vector<int> order;
    const int start = options.firstSlice >= 0 && options.firstSlice < n ? options.firstSlice : 0;
    order.push_back(start);
    for (int d = 1; int(order.size()) < n; ++d) {
        if (start + d < n) order.push_back(start + d);
        if (start - d >= 0) order.push_back(start - d);
    }
    std::atomic<int> next{0};
    std::atomic<bool> failed{false};
    std::mutex errorMutex;
    Error error;
    DicomFilePool pool(32);
    const int threads = options.threads > 0 ? options.threads : int(std::max(1u, std::thread::hardware_concurrency()));
    const double d0 = plan.slices.front().position;

    auto work = [&] {
        while (!failed && !(options.cancel && options.cancel->load())) {
            const int idx = next++;
            if (idx >= n) break;
            const int m = order[size_t(idx)];
            const Source& s = sources[size_t(m)];
            const double gridZ = d0 + m * plan.geometry.spacing[2];
            std::optional<SliceData> a, b;
            if (!s.gap) {
                auto da = decodeSlice(plan, images, s.slice, pool, gridZ);
                if (!da) {
                    std::lock_guard<std::mutex> lock(errorMutex);
                    error = da.error();
                    failed = true;
                    break;
                }
                a = std::move(*da);
                if (s.next >= 0 && s.weight < 0.999) {
                    auto db = decodeSlice(plan, images, s.next, pool, gridZ);
                    if (!db) {
                        std::lock_guard<std::mutex> lock(errorMutex);
                        error = db.error();
                        failed = true;
                        break;
                    }
                    b = std::move(*db);
                }
            }
            const SliceData* pa = a ? &*a : nullptr;
            const SliceData* pb = b ? &*b : nullptr;
            switch (vol.type()) {
            case VoxelType::UInt8: writeSlice<std::uint8_t>(vol, m, pa, pb, s.weight, s.gap); break;
            case VoxelType::Int16: writeSlice<std::int16_t>(vol, m, pa, pb, s.weight, s.gap); break;
            case VoxelType::UInt16: writeSlice<std::uint16_t>(vol, m, pa, pb, s.weight, s.gap); break;
            case VoxelType::Float32: writeSlice<float>(vol, m, pa, pb, s.weight, s.gap); break;
            }
            vol.markReady(m);
            if (options.sliceReady) options.sliceReady(m);
        }
    };
    std::vector<std::thread> pool_threads;
    for (int t = 1; t < threads; ++t) pool_threads.emplace_back(work);
    work();
    for (auto& t : pool_threads) t.join();
    if (failed) return error;
    if (options.cancel && options.cancel->load()) return makeError("cancelled", "cancelled");
    return Done{};
}

Result<std::shared_ptr<Volume>> loadVolume(const VolumePlan& plan, const std::vector<OpenedImage>& images, const FillOptions& options)
{
    auto vol = createVolume(plan, images);
    if (!vol) return vol.error();
    if (auto s = fillVolume(**vol, plan, images, options); !s) return s.error();
    return vol;
}

}  // namespace lightbox
