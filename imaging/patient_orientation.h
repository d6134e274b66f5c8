#pragma once
// Orientation letters (L/R, A/P, H/F) for directions in the patient coordinate system (PS3.3
// C.7.6.2.1.1), and the letters at the four sides of a displayed image.
#include <array>
#include <optional>
#include <string>

namespace lightbox {

using Vec3 = std::array<double, 3>;

// Letters for a direction, strongest component first; components below `obliqueThreshold` of the
// unit vector are left out (at most three letters).
std::string directionLetters(const Vec3& direction, double obliqueThreshold = 0.25);

// L<->R, A<->P, H<->F for every letter.
std::string oppositeLetters(const std::string& letters);

struct SideLetters {
    std::string left, right, top, bottom;
};

// The letters at each side of an image displayed with its rows along the screen's x axis, after
// `quarterTurns` clockwise rotations and the given flips (flips apply before rotation, in
// screen space). `rowLetters`/`columnLetters` name the directions of increasing column and row
// index, from Image Orientation (Patient) or Patient Orientation (0020,0020).
SideLetters sideLetters(const std::string& rowLetters, const std::string& columnLetters, int quarterTurns, bool flipHorizontal,
                        bool flipVertical);

// The 2x2 integer matrix of a display transform: screen = M * image (both axes pointing right/down).
std::array<int, 4> displayMatrix(int quarterTurns, bool flipHorizontal, bool flipVertical);

}  // namespace lightbox
