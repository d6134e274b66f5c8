#pragma once
// Analytic phantoms written as DICOM CT series: spheres and cylinders of known size and value in
// a background, on any plane orientation, pixel spacing and slice positions (uneven, gapped,
// duplicated), with an optional gantry tilt. Values are sampled at pixel centres.
#include <QString>

#include <array>
#include <vector>

namespace lightbox::test {

using P3 = std::array<double, 3>;

struct Sphere {
    P3 center;
    double radius;
    double value;
};

struct Cylinder {
    P3 a, b;  // axis end points
    double radius;
    double value;
};

struct PhantomSeries {
    P3 row{1, 0, 0};
    P3 column{0, 1, 0};
    int rows = 96, columns = 96;
    double rowSpacing = 1.0, columnSpacing = 1.0;  // between rows, between columns
    P3 center{0, 0, 0};                              // patient position of the centre of position 0
    std::vector<double> positions;                   // mm along `stepDirection`
    P3 stepDirection{0, 0, 0};                       // default: the slice normal
    double background = -1000;
    std::vector<Sphere> spheres;
    std::vector<Cylinder> cylinders;
    bool shuffleFiles = true;                        // file names in no particular order
    std::vector<int> temporalPositions;              // per position (optional): TemporalPositionIdentifier
    std::string imageType = "ORIGINAL\\PRIMARY\\AXIAL";
    std::string seriesUid;                           // generated if empty
    double slope = 1.0, intercept = 0.0;             // Rescale Slope/Intercept: stored = (value - intercept) / slope
};

double phantomValue(const PhantomSeries& s, const P3& p);
// Writes one file per position; returns the number written (-1 on error).
int writePhantomSeries(const PhantomSeries& s, const QString& folder);
// Writes the series into parent/name; returns that folder, or an empty string on error.
QString writePhantomFolder(const PhantomSeries& s, const QString& parent, const QString& name);
// Evenly spaced positions.
std::vector<double> evenPositions(int count, double spacing, double first = 0);

}  // namespace lightbox::test
