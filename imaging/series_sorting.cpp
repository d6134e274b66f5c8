#include "series_sorting.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <tuple>

namespace lightbox {

namespace {

bool sameOrientation(const std::array<double, 6>& a, const std::array<double, 6>& b)
{
    for (int i = 0; i < 6; ++i)
        if (std::abs(a[i] - b[i]) > 1e-3) return false;
    return true;
}

double along(const std::array<double, 6>& o, const std::array<double, 3>& p)
{
    const double n[3] = {o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]};
    return n[0] * p[0] + n[1] * p[1] + n[2] * p[2];
}

long instanceNumber(const OpenedImage& img)
{
    return img.summary->instanceNumber.empty() ? 0 : std::strtol(img.summary->instanceNumber.c_str(), nullptr, 10);
}

void orderFrames(SeriesGroup& g)
{
    struct Key {
        SeriesFrame frame;
        bool hasPosition;
        std::array<double, 6> orientation;
        double position;
        long instance;
        std::string path;
    };
    std::vector<Key> keys;
    for (size_t i = 0; i < g.images.size(); ++i) {
        const OpenedImage& img = g.images[i];
        for (std::uint32_t f = 0; f < img.info->frames; ++f) {
            const PlaneGeometry p = img.info->planeFor(f);
            Key k{{i, f}, bool(p.position && p.orientation), {}, 0.0, instanceNumber(img), img.path};
            if (k.hasPosition) {
                k.orientation = *p.orientation;
                k.position = along(*p.orientation, *p.position);
            }
            keys.push_back(k);
        }
    }
    const bool spatial = !keys.empty() && std::all_of(keys.begin(), keys.end(), [&](const Key& k) {
        return k.hasPosition && sameOrientation(k.orientation, keys.front().orientation);
    });
    // Multi-frame files keep their frame order; single-frame stacks sort spatially (head first, as
    // radiologists scroll axial series from the top), else by instance number.
    const bool multiFrameOnly = g.images.size() == 1;
    std::stable_sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
        if (!multiFrameOnly && spatial && std::abs(a.position - b.position) > 1e-4) return a.position > b.position;
        if (a.instance != b.instance) return a.instance < b.instance;
        if (a.path != b.path) return a.path < b.path;
        return a.frame.frame < b.frame.frame;
    });
    g.frames.clear();
    for (const Key& k : keys) g.frames.push_back(k.frame);
}

}  // namespace

std::vector<SeriesGroup> groupIntoSeries(std::vector<OpenedImage> images)
{
    std::map<std::string, SeriesGroup> bySeries;
    for (OpenedImage& img : images) {
        // Images without a Series Instance UID each form their own series.
        const std::string key = img.summary->studyInstanceUid + "|" +
                                (img.summary->seriesInstanceUid.empty() ? "file:" + img.path : img.summary->seriesInstanceUid);
        SeriesGroup& g = bySeries[key];
        if (g.images.empty()) {
            g.seriesInstanceUid = img.summary->seriesInstanceUid;
            g.description = img.summary->seriesDescription;
            g.modality = img.summary->modality;
            g.seriesNumber = std::atoi(img.summary->seriesNumber.c_str());
        }
        g.images.push_back(std::move(img));
    }
    std::vector<SeriesGroup> out;
    for (auto& [key, g] : bySeries) {
        orderFrames(g);
        out.push_back(std::move(g));
    }
    std::stable_sort(out.begin(), out.end(), [](const SeriesGroup& a, const SeriesGroup& b) {
        const auto& sa = *a.images.front().summary;
        const auto& sb = *b.images.front().summary;
        return std::tie(sa.patientId, sa.studyDate, sa.studyInstanceUid, a.seriesNumber, a.description) <
               std::tie(sb.patientId, sb.studyDate, sb.studyInstanceUid, b.seriesNumber, b.description);
    });
    return out;
}

}  // namespace lightbox
