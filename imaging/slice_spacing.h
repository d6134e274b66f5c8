#pragma once
// Slice spacing of a sorted stack: regular, a gap (slices missing), or uneven (the spacing changes
// with no slice missing, e.g. a head CT at 4 mm through the skull base and 7 mm above).
#include <vector>

namespace lightbox {

struct SliceSpacing {
    double spacing = 0;          // of the grid: the series' own; where it changes, the finest regular
                                 // run's (else the median step that is no gap)
    bool gap = false;            // slices are missing somewhere: no data there
    bool uneven = false;         // the spacing changes (or wanders) with no slice missing
    std::vector<bool> gapAfter;  // per position: the step to the next one is a gap
};

// positions: distinct, increasing, along the slice normal (mm); at least two.
//
// The rule. The steps are cut into runs: consecutive positions on one regular grid, each within
// the rounding of positions written as DS strings (0.08 mm: one decimal; or 1 % of the spacing).
// A run of two steps or more is a regular run. A step is a gap when
// - it stands alone (not in a regular run) and is at least twice the spacing of the regular runs
//   beside it (of the larger where they differ): one or more slices missing, or a stretch with no
//   coverage; or
// - its run lies between two regular runs of one spacing and is a whole multiple (2x, 3x...) of it:
//   every other slice missing for a while, the spacing then goes on as before.
// Any other change of step is uneven spacing, including a regular run that is a multiple of the
// run before it and goes on to the end or to another spacing (2.5 mm then 5 mm: a second, coarser
// part of the protocol, not every other slice lost). Without any regular run, the smallest step is
// the reference.
SliceSpacing analyzeSliceSpacing(const std::vector<double>& positions);

}  // namespace lightbox
