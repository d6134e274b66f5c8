#include "region_grow.h"

#include "running_stats.h"

// The only translation unit with ITK filter templates (compile time).
#include <itkCommand.h>
#include <itkConnectedThresholdImageFilter.h>
#include <itkImportImageFilter.h>
#include <itkProcessObject.h>

#include <cmath>
#include <limits>

namespace lightbox {

namespace {

using Mask = itk::Image<std::uint8_t, 3>;

// Stored-value range for a modality range.
std::pair<double, double> storedRange(const Volume& v, double lower, double upper)
{
    if (v.type() == VoxelType::Float32 || v.slope == 0) return {lower, upper};
    double a = (lower - v.intercept) / v.slope, b = (upper - v.intercept) / v.slope;
    if (a > b) std::swap(a, b);
    return {a, b};
}

template <class T>
Result<Mask::Pointer> connected(const Volume& vol, const RegionRequest& req, const std::array<long, 3>& seed)
{
    using Image = itk::Image<T, 3>;
    const auto& g = vol.geometry();
    auto import = itk::ImportImageFilter<T, 3>::New();
    typename itk::ImportImageFilter<T, 3>::SizeType size;
    for (int a = 0; a < 3; ++a) size[a] = itk::SizeValueType(g.size[a]);
    typename itk::ImportImageFilter<T, 3>::IndexType start;
    start.Fill(0);
    typename itk::ImportImageFilter<T, 3>::RegionType region;
    region.SetIndex(start);
    region.SetSize(size);
    import->SetRegion(region);
    // The volume's memory, read in place (not owned).
    import->SetImportPointer(static_cast<T*>(const_cast<void*>(vol.data())), g.voxelCount(), false);

    auto filter = itk::ConnectedThresholdImageFilter<Image, Mask>::New();
    filter->SetInput(import->GetOutput());
    auto [lo, hi] = storedRange(vol, req.lower, req.upper);
    // Integer voxels: the stored values inside the (inclusive) modality range.
    if constexpr (std::is_integral_v<T>) {
        lo = std::ceil(lo - 1e-9);
        hi = std::floor(hi + 1e-9);
        lo = std::max(lo, double(std::numeric_limits<T>::lowest()));
        hi = std::min(hi, double(std::numeric_limits<T>::max()));
        if (lo > hi) return makeError("region", "no stored value lies in the range");
    }
    filter->SetLower(T(lo));
    filter->SetUpper(T(hi));
    filter->SetReplaceValue(1);
    typename Image::IndexType s;
    for (int a = 0; a < 3; ++a) s[a] = seed[size_t(a)];
    filter->SetSeed(s);
    auto observer = itk::CStyleCommand::New();
    struct Ctx {
        const RegionRequest* req;
        itk::ProcessObject* filter;
    } ctx{&req, filter.GetPointer()};
    observer->SetClientData(&ctx);
    observer->SetCallback([](itk::Object*, const itk::EventObject&, void* data) {
        auto* c = static_cast<Ctx*>(data);
        if (c->req->progress) c->req->progress(c->filter->GetProgress());
        if (c->req->cancel && c->req->cancel->load()) c->filter->AbortGenerateDataOn();
    });
    filter->AddObserver(itk::ProgressEvent(), observer);
    try {
        filter->Update();
    } catch (const itk::ProcessAborted&) {
        return makeError("cancelled", "cancelled");
    } catch (const itk::ExceptionObject& e) {
        return makeError("region", e.GetDescription());
    }
    Mask::Pointer out = filter->GetOutput();
    out->DisconnectPipeline();
    return out;
}

}  // namespace

Result<RegionMask> growRegion(const Volume& vol, const RegionRequest& req)
{
    if (!vol.complete()) return makeError("region", "the volume is still loading");
    if (!(req.lower <= req.upper)) return makeError("region", "the range is empty (lower above upper)");
    const auto& g = vol.geometry();
    const std::size_t n = g.voxelCount();
    std::vector<std::uint8_t> full;
    const std::uint8_t* inside = nullptr;
    Mask::Pointer itkMask;
    if (req.mode == RegionRequest::Mode::Connected) {
        const Vec3 idx = g.toIndex(req.seed);
        std::array<long, 3> seed{};
        for (int a = 0; a < 3; ++a) {
            seed[size_t(a)] = std::lround(idx[a]);
            if (seed[size_t(a)] < 0 || seed[size_t(a)] >= g.size[a]) return makeError("region", "the seed is outside the volume");
        }
        const double seedValue = vol.value(int(seed[0]), int(seed[1]), int(seed[2]));
        if (seedValue < req.lower || seedValue > req.upper)
            return makeError("region", "the seed's value (" + std::to_string(seedValue) + ") is outside the range");
        Result<Mask::Pointer> m = makeError("region", "unsupported voxel type");
        switch (vol.type()) {
        case VoxelType::UInt8: m = connected<std::uint8_t>(vol, req, seed); break;
        case VoxelType::Int16: m = connected<std::int16_t>(vol, req, seed); break;
        case VoxelType::UInt16: m = connected<std::uint16_t>(vol, req, seed); break;
        case VoxelType::Float32: m = connected<float>(vol, req, seed); break;
        }
        if (!m) return m.error();
        itkMask = *m;
        inside = itkMask->GetBufferPointer();
    } else {
        full.assign(n, 0);
        for (int k = 0; k < g.size[2]; ++k) {
            if (req.cancel && req.cancel->load()) return makeError("cancelled", "cancelled");
            for (int j = 0; j < g.size[1]; ++j)
                for (int i = 0; i < g.size[0]; ++i) {
                    const double v = vol.value(i, j, k);
                    if (v >= req.lower && v <= req.upper) full[(std::size_t(k) * g.size[1] + j) * g.size[0] + i] = 1;
                }
            if (req.progress) req.progress(double(k + 1) / g.size[2]);
        }
        inside = full.data();
    }

    // Bounds, count and statistics; then the mask cropped to its bounds.
    RegionMask r;
    r.lo = {g.size[0], g.size[1], g.size[2]};
    r.hi = {-1, -1, -1};
    RunningStats values;
    for (int k = 0; k < g.size[2]; ++k)
        for (int j = 0; j < g.size[1]; ++j) {
            const std::uint8_t* row = inside + (std::size_t(k) * g.size[1] + j) * g.size[0];
            for (int i = 0; i < g.size[0]; ++i) {
                if (!row[i]) continue;
                values.add(vol.value(i, j, k));
                r.lo = {std::min(r.lo[0], i), std::min(r.lo[1], j), std::min(r.lo[2], k)};
                r.hi = {std::max(r.hi[0], i), std::max(r.hi[1], j), std::max(r.hi[2], k)};
            }
        }
    if (values.count() == 0) return makeError("region", "no voxel lies in the range");
    r.voxels = values.count();
    r.mean = values.mean();
    r.sd = values.sd();
    r.min = values.min();
    r.max = values.max();
    r.volumeMl = double(r.voxels) * g.spacing[0] * g.spacing[1] * g.spacing[2] / 1000.0;
    const std::size_t w = std::size_t(r.hi[0] - r.lo[0] + 1), h = std::size_t(r.hi[1] - r.lo[1] + 1), d = std::size_t(r.hi[2] - r.lo[2] + 1);
    r.bits.assign(w * h * d, 0);
    for (std::size_t k = 0; k < d; ++k)
        for (std::size_t j = 0; j < h; ++j) {
            const std::uint8_t* src = inside + ((k + r.lo[2]) * g.size[1] + j + r.lo[1]) * g.size[0] + r.lo[0];
            std::copy(src, src + w, r.bits.begin() + std::ptrdiff_t((k * h + j) * w));
        }
    return r;
}

}  // namespace lightbox
