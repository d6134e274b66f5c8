#include "patient_orientation.h"

#include <algorithm>
#include <cmath>

namespace lightbox {

std::string directionLetters(const Vec3& d, double threshold)
{
    const double norm = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    if (norm <= 0) return {};
    struct Axis { double value; char pos, neg; };
    std::array<Axis, 3> axes = {{{d[0] / norm, 'L', 'R'}, {d[1] / norm, 'P', 'A'}, {d[2] / norm, 'H', 'F'}}};
    std::sort(axes.begin(), axes.end(), [](const Axis& a, const Axis& b) { return std::abs(a.value) > std::abs(b.value); });
    std::string out;
    for (const Axis& a : axes)
        if (std::abs(a.value) >= threshold || out.empty()) out += a.value >= 0 ? a.pos : a.neg;
    return out;
}

std::string oppositeLetters(const std::string& letters)
{
    std::string out = letters;
    for (char& c : out) {
        switch (c) {
        case 'L': c = 'R'; break;
        case 'R': c = 'L'; break;
        case 'A': c = 'P'; break;
        case 'P': c = 'A'; break;
        case 'H': c = 'F'; break;
        case 'F': c = 'H'; break;
        default: break;
        }
    }
    return out;
}

std::array<int, 4> displayMatrix(int quarterTurns, bool flipH, bool flipV)
{
    // Flip first (in the image's own axes), then rotate clockwise on screen (y down).
    int m[4] = {flipH ? -1 : 1, 0, 0, flipV ? -1 : 1};
    const int turns = ((quarterTurns % 4) + 4) % 4;
    for (int t = 0; t < turns; ++t) {
        // Clockwise by 90° with y down: (x, y) -> (-y, x).
        const int r[4] = {-m[2], -m[3], m[0], m[1]};
        std::copy(r, r + 4, m);
    }
    return {m[0], m[1], m[2], m[3]};
}

SideLetters sideLetters(const std::string& rowLetters, const std::string& columnLetters, int quarterTurns, bool flipH, bool flipV)
{
    if (rowLetters.empty() || columnLetters.empty()) return {};
    const auto m = displayMatrix(quarterTurns, flipH, flipV);
    // Screen direction (sx, sy) comes from image direction M^-1 (sx, sy); M is orthogonal, so M^T.
    auto lettersFor = [&](int sx, int sy) {
        const int ix = m[0] * sx + m[2] * sy;
        const int iy = m[1] * sx + m[3] * sy;
        if (ix > 0) return rowLetters;
        if (ix < 0) return oppositeLetters(rowLetters);
        if (iy > 0) return columnLetters;
        return oppositeLetters(columnLetters);
    };
    return {lettersFor(-1, 0), lettersFor(1, 0), lettersFor(0, -1), lettersFor(0, 1)};
}

}  // namespace lightbox
