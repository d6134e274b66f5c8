#include "volume_assembly.h"

#include "slice_spacing.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

namespace lightbox {

namespace {

struct Slice {
    std::size_t image = 0;
    std::uint32_t frame = 0;
    const ImageInfo* info = nullptr;
    bool hasPlane = false;
    Vec3 origin{}, row{}, column{}, normal{};
    double rowSpacing = 1, columnSpacing = 1;
    double position = 0;
    std::optional<double> thickness;
    // Acquisition keys (per frame for enhanced objects).
    std::optional<double> echo, bValue, temporal, trigger, acquisition, instance;
    std::string stackId;
    bool localizer = false;
};

std::string fmt(double v, int decimals)
{
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    std::string s = buf;
    return s == "-0.000" || s == "-0.00" || s == "-0" ? s.substr(1) : s;
}

std::string optKey(const std::optional<double>& v) { return v ? fmt(*v, 3) : "-"; }

Slice describe(std::size_t image, std::uint32_t frame, const ImageInfo& info)
{
    Slice s;
    s.image = image;
    s.frame = frame;
    s.info = &info;
    const PlaneGeometry g = info.planeFor(frame);
    if (g.position && g.orientation) {
        const auto& o = *g.orientation;
        s.row = normalized({o[0], o[1], o[2]});
        s.column = normalized({o[3], o[4], o[5]});
        s.normal = normalized(cross(s.row, s.column));
        s.origin = *g.position;
        s.hasPlane = norm(s.normal) > 0.5;
    }
    if (g.pixelSpacing) {
        s.rowSpacing = (*g.pixelSpacing)[0];
        s.columnSpacing = (*g.pixelSpacing)[1];
    }
    s.thickness = g.sliceThickness;
    s.echo = info.keys.echoNumber ? info.keys.echoNumber : info.keys.echoTime;
    s.bValue = info.keys.diffusionBValue;
    s.temporal = info.keys.temporalPositionId;
    s.trigger = info.keys.triggerTime;
    s.acquisition = info.keys.acquisitionNumber;
    s.instance = info.keys.instanceNumber;
    for (const auto& t : info.keys.imageType) s.localizer = s.localizer || t == "LOCALIZER";
    if (frame < info.perFrame.size()) {
        const FrameInfo& f = info.perFrame[frame];
        if (f.echoTime) s.echo = f.echoTime;
        if (f.diffusionBValue) s.bValue = f.diffusionBValue;
        if (f.temporalIndex) s.temporal = double(*f.temporalIndex);
        if (f.triggerDelay) s.trigger = f.triggerDelay;
        s.stackId = f.stackId;
        for (const auto& t : f.frameType) s.localizer = s.localizer || t == "LOCALIZER";
        s.instance = double(frame);  // frame order within the object
    }
    return s;
}

std::string orientationKey(const Slice& s)
{
    std::string k;
    for (const Vec3& v : {s.row, s.column})
        for (double x : v) k += fmt(x, 3) + ",";
    return k;
}

std::array<double, 9> directionOf(const Vec3& r, const Vec3& c, const Vec3& n) { return {r[0], c[0], n[0], r[1], c[1], n[1], r[2], c[2], n[2]}; }

void addWarning(VolumePlan& p, const char* w)
{
    if (std::find(p.warnings.begin(), p.warnings.end(), w) == p.warnings.end()) p.warnings.push_back(w);
}

// A group of slices that may form one volume: sorted, checked, given a grid.
VolumePlan planBlock(std::vector<Slice> slices, const std::string& seriesUid, const std::string& label)
{
    VolumePlan p;
    p.seriesInstanceUid = seriesUid;
    p.label = label;
    const Vec3 normalAxis = slices.front().normal;
    for (Slice& s : slices) s.position = dot(s.origin, normalAxis);
    std::stable_sort(slices.begin(), slices.end(), [](const Slice& a, const Slice& b) { return a.position < b.position; });

    // Duplicate positions: several per position in equal numbers are time points handled by the
    // caller; here any remaining duplicate keeps its first slice.
    std::vector<Slice> unique;
    for (const Slice& s : slices) {
        if (!unique.empty() && std::abs(s.position - unique.back().position) < 0.01) {
            addWarning(p, volume_warnings::DuplicatePosition);
            continue;
        }
        unique.push_back(s);
    }
    slices = std::move(unique);
    for (const Slice& s : slices) p.slices.push_back({s.image, s.frame, s.position, s.origin});
    const Slice first = slices.front();
    const ImageInfo& info = *first.info;

    VolumeGeometry& g = p.geometry;
    g.size = {int(info.columns), int(info.rows), int(slices.size())};
    g.direction = directionOf(first.row, first.column, first.normal);
    g.origin = first.origin;
    g.spacing = {first.columnSpacing, first.rowSpacing, first.thickness.value_or(1.0)};
    if (slices.size() < 2) {
        p.isVolume = false;
        addWarning(p, volume_warnings::NotAVolume);
        return p;
    }

    std::vector<double> positions;
    for (const Slice& s : slices) positions.push_back(s.position);
    const SliceSpacing spacing = analyzeSliceSpacing(positions);
    g.spacing[2] = spacing.spacing;
    if (spacing.gap) addWarning(p, volume_warnings::Gap);
    if (spacing.uneven) addWarning(p, volume_warnings::UnevenSpacing);
    if (spacing.gap || spacing.uneven) {
        p.resampleAlongNormal = true;
        p.gapThreshold = 0.75 * spacing.spacing;
        for (size_t i = 0; i < p.slices.size(); ++i) p.slices[i].gapAfter = spacing.gapAfter[i];
        const double extent = slices.back().position - slices.front().position;
        g.size[2] = int(std::lround(extent / spacing.spacing)) + 1;
    }

    // Gantry tilt: successive origins move off the normal, by a constant in-plane step.
    const Vec3 span = slices.back().origin - slices.front().origin;
    const double along = dot(span, first.normal);
    const Vec3 inPlane = span - first.normal * along;
    if (std::abs(along) > 0 && norm(inPlane) > 1e-3 * std::abs(along) && norm(inPlane) > 0.01) {
        addWarning(p, volume_warnings::GantryTilt);
        p.tiltDegrees = std::atan2(norm(inPlane), std::abs(along)) * 180.0 / M_PI;
        p.tiltShiftPerMm = inPlane * (1.0 / along);
        // The grid is orthogonal (row, column, normal); it grows in the plane to hold every
        // shifted slice.
        const double shiftRow = dot(inPlane, first.row), shiftColumn = dot(inPlane, first.column);
        const int extraCols = int(std::ceil(std::abs(shiftRow) / g.spacing[0]));
        const int extraRows = int(std::ceil(std::abs(shiftColumn) / g.spacing[1]));
        g.size[0] += extraCols;
        g.size[1] += extraRows;
        if (shiftRow < 0) g.origin = g.origin - first.row * (extraCols * g.spacing[0]);
        if (shiftColumn < 0) g.origin = g.origin - first.column * (extraRows * g.spacing[1]);
    }
    return p;
}

}  // namespace

std::vector<VolumePlan> assembleVolumes(const std::vector<OpenedImage>& images)
{
    std::vector<VolumePlan> out;
    // Per series.
    std::map<std::string, std::vector<Slice>> bySeries;
    std::vector<std::string> seriesOrder;
    std::set<std::string> seenInstances;
    for (std::size_t i = 0; i < images.size(); ++i) {
        const ImageInfo& info = *images[i].info;
        // The same SOP instance twice (e.g. one image in several transfer syntaxes) is one image.
        if (images[i].summary && !images[i].summary->sopInstanceUid.empty() && !seenInstances.insert(images[i].summary->sopInstanceUid).second)
            continue;
        const std::string series = images[i].summary ? images[i].summary->seriesInstanceUid : info.seriesInstanceUid;
        if (!bySeries.count(series)) seriesOrder.push_back(series);
        auto& list = bySeries[series];
        for (std::uint32_t f = 0; f < info.frames; ++f) list.push_back(describe(i, f, info));
    }

    for (const std::string& series : seriesOrder) {
        std::vector<Slice>& slices = bySeries[series];
        // What cannot be stacked at all.
        std::vector<Slice> candidates;
        std::set<std::size_t> reported;
        for (const Slice& s : slices) {
            if (!s.hasPlane || s.localizer || !isMonochrome(s.info->photometric)) {
                if (!reported.insert(s.image).second) continue;  // one entry per image, not per frame
                VolumePlan p = planBlock({s}, series, s.localizer ? "localizer" : !s.hasPlane ? "no position" : "colour");
                p.slices.clear();
                for (const Slice& f : slices)
                    if (f.image == s.image) p.slices.push_back({f.image, f.frame, 0, f.origin});
                p.geometry.size[2] = int(p.slices.size());
                p.isVolume = false;
                addWarning(p, volume_warnings::NotAVolume);
                out.push_back(std::move(p));
            } else {
                candidates.push_back(s);
            }
        }
        // Blocks of one orientation, matrix, spacing, echo, b-value, stack and time point.
        using Key = std::tuple<std::string, std::uint32_t, std::uint32_t, std::string, std::string, std::string, std::string, std::string>;
        std::map<Key, std::vector<Slice>> blocks;
        std::set<std::string> orientations;
        std::set<std::string> temporals;
        for (const Slice& s : candidates) {
            const std::string temporal = s.temporal ? optKey(s.temporal) : optKey(s.trigger);
            blocks[{orientationKey(s), s.info->rows, s.info->columns, fmt(s.rowSpacing, 3) + "x" + fmt(s.columnSpacing, 3), optKey(s.echo),
                    optKey(s.bValue), s.stackId, temporal}]
                .push_back(s);
            orientations.insert(orientationKey(s));
            temporals.insert(temporal);
        }
        for (auto& [key, block] : blocks) {
            std::string label;
            if (std::get<4>(key) != "-" && blocks.size() > 1) label += "echo " + std::get<4>(key) + " ";
            if (std::get<5>(key) != "-" && blocks.size() > 1) label += "b=" + std::get<5>(key) + " ";
            if (temporals.size() > 1) label += "time " + std::get<7>(key) + " ";
            // Positions repeated the same number of times without a time key: successive
            // acquisitions (phases) in instance order.
            std::map<long long, std::vector<Slice>> byPosition;
            for (const Slice& s : block) byPosition[std::llround(dot(s.origin, block.front().normal) * 100)].push_back(s);
            std::size_t repeats = byPosition.begin()->second.size();
            bool regular = repeats > 1;
            for (const auto& [pos, list] : byPosition) {
                regular = regular && list.size() == repeats;
                // Copies of one image (same acquisition, trigger and instance number) are
                // duplicates, not time points.
                std::set<std::tuple<std::optional<double>, std::optional<double>, std::optional<double>>> distinct;
                for (const Slice& s : list) distinct.insert({s.acquisition, s.trigger, s.instance});
                regular = regular && distinct.size() == list.size();
            }
            std::vector<std::vector<Slice>> phases;
            if (regular) {
                phases.resize(repeats);
                for (auto& [pos, list] : byPosition) {
                    std::stable_sort(list.begin(), list.end(), [](const Slice& a, const Slice& b) {
                        return std::tie(a.acquisition, a.trigger, a.instance, a.image, a.frame) <
                               std::tie(b.acquisition, b.trigger, b.instance, b.image, b.frame);
                    });
                    for (std::size_t k = 0; k < repeats; ++k) phases[k].push_back(list[k]);
                }
            } else {
                phases.push_back(block);
            }
            for (std::size_t k = 0; k < phases.size(); ++k) {
                std::string l = label;
                if (phases.size() > 1) l += "phase " + std::to_string(k + 1) + " ";
                if (!l.empty()) l.pop_back();
                VolumePlan p = planBlock(phases[k], series, l);
                if (orientations.size() > 1) addWarning(p, volume_warnings::MixedOrientation);
                if (phases.size() > 1 || temporals.size() > 1) addWarning(p, volume_warnings::MultipleTimepoints);
                out.push_back(std::move(p));
            }
        }
    }
    return out;
}

}  // namespace lightbox
