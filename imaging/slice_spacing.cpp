#include "slice_spacing.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace lightbox {

namespace {

// How far a written position may lie off its grid: DS strings rounded to one decimal (0.05 mm)
// with a little to spare, or 1 % of the spacing.
double positionTolerance(double spacing) { return std::max(0.08, 0.01 * spacing); }
// How much two steps may differ and still be one spacing: both ends are rounded.
double stepTolerance(double spacing) { return 2 * positionTolerance(spacing); }

struct Run {
    std::size_t first = 0, last = 0;  // positions first..last
    double spacing = 0;
    bool gap = false;
    bool regular() const { return last - first >= 2; }
};

// Whether positions first..last lie on one regular grid (the least-squares line through them,
// against their index); its spacing in `spacing`.
bool onOneGrid(const std::vector<double>& p, std::size_t first, std::size_t last, double& spacing)
{
    const double n = double(last - first + 1);
    double st = 0, stt = 0, sp = 0, stp = 0;
    for (std::size_t i = first; i <= last; ++i) {
        const double t = double(i - first), y = p[i] - p[first];
        st += t;
        stt += t * t;
        sp += y;
        stp += t * y;
    }
    const double slope = (n * stp - st * sp) / (n * stt - st * st);
    const double intercept = (sp - slope * st) / n;
    for (std::size_t i = first; i <= last; ++i)
        if (std::abs(p[i] - p[first] - (intercept + slope * double(i - first))) > positionTolerance(slope)) return false;
    spacing = slope;
    return true;
}

// Consecutive positions on one grid, from the first on: a run grows while the next position
// stays on its grid; the next run starts at its last position.
std::vector<Run> cutIntoRuns(const std::vector<double>& p)
{
    std::vector<Run> runs;
    std::size_t first = 0;
    while (first + 1 < p.size()) {
        std::size_t last = first + 1;
        double spacing = p[last] - p[first], grown = 0;
        while (last + 1 < p.size() && onOneGrid(p, first, last + 1, grown)) {
            ++last;
            spacing = grown;
        }
        runs.push_back({first, last, spacing});
        first = last;
    }
    return runs;
}

// Spacing of the nearest regular run before (step -1) or after (step +1) run r.
std::optional<double> regularNeighbour(const std::vector<Run>& runs, std::size_t r, int step)
{
    for (long k = long(r) + step; k >= 0 && k < long(runs.size()); k += step)
        if (runs[std::size_t(k)].regular()) return runs[std::size_t(k)].spacing;
    return std::nullopt;
}

// The rule of slice_spacing.h. `fallback`: the reference spacing where no run is regular.
bool isGap(const std::vector<Run>& runs, std::size_t r, double fallback)
{
    const Run& run = runs[r];
    const auto before = regularNeighbour(runs, r, -1), after = regularNeighbour(runs, r, +1);
    if (!run.regular()) {
        const double ref = before || after ? std::max(before.value_or(0), after.value_or(0)) : fallback;
        return run.spacing >= 2 * ref - stepTolerance(ref);
    }
    if (!before || !after || std::abs(*before - *after) > stepTolerance(*before)) return false;
    const double multiple = std::round(run.spacing / *before);
    return multiple >= 2 && std::abs(run.spacing - multiple * *before) <= std::max(stepTolerance(*before), 0.1 * *before);
}

}  // namespace

SliceSpacing analyzeSliceSpacing(const std::vector<double>& p)
{
    SliceSpacing out;
    out.gapAfter.assign(p.size(), false);
    if (p.size() < 2) return out;
    std::vector<Run> runs = cutIntoRuns(p);
    if (runs.size() == 1) {
        out.spacing = (p.back() - p.front()) / double(p.size() - 1);
        return out;
    }
    double smallestStep = p[1] - p[0];
    for (std::size_t i = 1; i < p.size(); ++i) smallestStep = std::min(smallestStep, p[i] - p[i - 1]);
    for (std::size_t r = 0; r < runs.size(); ++r) runs[r].gap = isGap(runs, r, smallestStep);

    // The grid: the finest spacing of a regular run (the detail a scanner gave part of the series
    // is kept); without one, the median step that is no gap.
    double finest = 0, finestRegular = 0, coarsest = 0;
    std::vector<double> steps;
    for (const Run& run : runs) {
        if (run.gap) {
            out.gap = true;
            for (std::size_t i = run.first; i < run.last; ++i) out.gapAfter[i] = true;
            continue;
        }
        finest = finest > 0 ? std::min(finest, run.spacing) : run.spacing;
        if (run.regular()) finestRegular = finestRegular > 0 ? std::min(finestRegular, run.spacing) : run.spacing;
        coarsest = std::max(coarsest, run.spacing);
        for (std::size_t i = run.first; i < run.last; ++i) steps.push_back(p[i + 1] - p[i]);
    }
    out.uneven = finest > 0 && coarsest - finest > stepTolerance(finest);
    if (!out.gap && !out.uneven) out.spacing = (p.back() - p.front()) / double(p.size() - 1);
    else if (finestRegular > 0) out.spacing = finestRegular;
    else if (steps.empty()) out.spacing = smallestStep;
    else {
        std::nth_element(steps.begin(), steps.begin() + long(steps.size() / 2), steps.end());
        out.spacing = steps[steps.size() / 2];
    }
    return out;
}

}  // namespace lightbox
