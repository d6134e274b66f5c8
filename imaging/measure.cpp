#include "measure.h"

#include "display_pipeline.h"
#include "running_stats.h"

#include <algorithm>
#include <cmath>

namespace lightbox {

PixelScale pixelScale(const ImageInfo& info, std::uint32_t frame)
{
    PixelScale s;
    const PlaneGeometry plane = info.planeFor(frame);
    if (plane.pixelSpacing) {
        s.y = (*plane.pixelSpacing)[0];
        s.x = (*plane.pixelSpacing)[1];
        s.calibrated = s.x > 0 && s.y > 0;
    } else if (info.imagerPixelSpacing) {
        s.y = (*info.imagerPixelSpacing)[0];
        s.x = (*info.imagerPixelSpacing)[1];
        s.calibrated = s.x > 0 && s.y > 0;
        s.note = "detector";
    } else if (info.pixelAspectRatio && (*info.pixelAspectRatio)[1] > 0) {
        s.y = (*info.pixelAspectRatio)[0] / (*info.pixelAspectRatio)[1];
    }
    if (!(s.x > 0) || !(s.y > 0)) s = PixelScale{};
    return s;
}

namespace {

struct Mm {
    double x, y;
};

Mm mm(ImagePoint p, const PixelScale& s) { return {p.x * s.x, p.y * s.y}; }

double angleBetween(Mm u, Mm v)
{
    const double nu = std::hypot(u.x, u.y), nv = std::hypot(v.x, v.y);
    if (nu == 0 || nv == 0) return 0;
    const double c = std::clamp((u.x * v.x + u.y * v.y) / (nu * nv), -1.0, 1.0);
    return std::acos(c) * 180.0 / M_PI;
}

}  // namespace

double distanceMm(ImagePoint a, ImagePoint b, const PixelScale& s)
{
    return std::hypot((b.x - a.x) * s.x, (b.y - a.y) * s.y);
}

double angleDegrees(ImagePoint a, ImagePoint vertex, ImagePoint b, const PixelScale& s)
{
    const Mm v = mm(vertex, s), pa = mm(a, s), pb = mm(b, s);
    return angleBetween({pa.x - v.x, pa.y - v.y}, {pb.x - v.x, pb.y - v.y});
}

double cobbDegrees(ImagePoint a0, ImagePoint a1, ImagePoint b0, ImagePoint b1, const PixelScale& s)
{
    auto rightward = [&](ImagePoint p, ImagePoint q) {
        Mm d{(q.x - p.x) * s.x, (q.y - p.y) * s.y};
        if (d.x < 0 || (d.x == 0 && d.y < 0)) d = {-d.x, -d.y};
        return d;
    };
    return angleBetween(rightward(a0, a1), rightward(b0, b1));
}

bool Roi::contains(double x, double y) const
{
    if (points.size() < 2) return false;
    switch (shape) {
    case RoiShape::Rectangle: {
        const double x0 = std::min(points[0].x, points[1].x), x1 = std::max(points[0].x, points[1].x);
        const double y0 = std::min(points[0].y, points[1].y), y1 = std::max(points[0].y, points[1].y);
        return x >= x0 && x <= x1 && y >= y0 && y <= y1;
    }
    case RoiShape::Ellipse: {
        const double cx = (points[0].x + points[1].x) / 2, cy = (points[0].y + points[1].y) / 2;
        const double rx = std::abs(points[1].x - points[0].x) / 2, ry = std::abs(points[1].y - points[0].y) / 2;
        if (rx <= 0 || ry <= 0) return false;
        const double u = (x - cx) / rx, v = (y - cy) / ry;
        return u * u + v * v <= 1.0;
    }
    case RoiShape::Polygon: {
        // Even-odd rule.
        bool inside = false;
        const std::size_t n = points.size();
        for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
            const ImagePoint& a = points[i];
            const ImagePoint& b = points[j];
            if ((a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x) inside = !inside;
        }
        return inside;
    }
    }
    return false;
}

double Roi::areaMm2(const PixelScale& s) const
{
    if (points.size() < 2) return 0;
    switch (shape) {
    case RoiShape::Rectangle: return std::abs(points[1].x - points[0].x) * s.x * std::abs(points[1].y - points[0].y) * s.y;
    case RoiShape::Ellipse: return M_PI / 4 * std::abs(points[1].x - points[0].x) * s.x * std::abs(points[1].y - points[0].y) * s.y;
    case RoiShape::Polygon: {
        double twice = 0;
        const std::size_t n = points.size();
        for (std::size_t i = 0, j = n - 1; i < n; j = i++) twice += points[j].x * points[i].y - points[i].x * points[j].y;
        return std::abs(twice) / 2 * s.x * s.y;
    }
    }
    return 0;
}

std::string modalityUnit(const ImageInfo& info, std::uint32_t frame)
{
    const ModalityTransform& m = info.modalityFor(frame);
    if (!m.rescaleType.empty()) return m.rescaleType;
    if (info.modalityName == "CT") return "HU";
    return {};
}

RoiStats roiStats(const DecodedFrame& frame, const ImageInfo& info, std::uint32_t frameIndex, const Roi& roi)
{
    RoiStats st;
    st.unit = modalityUnit(info, frameIndex);
    if (roi.points.size() < 2) return st;
    double x0 = roi.points[0].x, x1 = x0, y0 = roi.points[0].y, y1 = y0;
    for (const ImagePoint& p : roi.points) {
        x0 = std::min(x0, p.x);
        x1 = std::max(x1, p.x);
        y0 = std::min(y0, p.y);
        y1 = std::max(y1, p.y);
    }
    const int c0 = std::max(0, int(std::ceil(x0))), c1 = std::min(int(frame.columns) - 1, int(std::floor(x1)));
    const int r0 = std::max(0, int(std::ceil(y0))), r1 = std::min(int(frame.rows) - 1, int(std::floor(y1)));
    const bool grey = isMonochrome(frame.photometric) && frame.samples == 1;
    ModalityValues mv(frame, info, frameIndex);
    RunningStats values;
    for (int r = r0; r <= r1; ++r)
        for (int c = c0; c <= c1; ++c) {
            if (!roi.contains(c, r)) continue;
            if (!grey) {
                ++st.pixels;
                continue;
            }
            const std::int64_t stored = mv.stored(std::size_t(r) * frame.columns + c);
            if (!mv.isPadding(stored)) values.add(mv.value(stored));
        }
    if (grey && values.count() > 0) {
        st.pixels = values.count();
        st.hasValues = true;
        st.mean = values.mean();
        st.sd = values.sd();
        st.min = values.min();
        st.max = values.max();
    }
    return st;
}

}  // namespace lightbox
