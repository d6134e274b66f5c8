#pragma once
// Writes a synthetic CT chest study (an analytic phantom with body, fat, lungs, heart, aorta,
// spine and ribs, in Hounsfield units) as DICOM files: the demo study a fresh install opens.
#include "result.h"

#include <atomic>
#include <functional>
#include <string>

namespace lightbox {

struct PhantomOptions {
    int columns = 512;
    int rows = 512;
    int slices = 64;
    double pixelSpacingMm = 0.7;
    double sliceSpacingMm = 3.0;
    double noiseHu = 6.0;
    std::string patientName = "DEMO^LIGHTBOX";
    std::string patientId = "LB-DEMO-0001";
    std::string studyDescription = "Demo CT chest (phantom)";
};

// Writes one file per slice (CT_0001.dcm, ...) into `folder`, which must exist. Returns the Study
// Instance UID. `progress(done, total)` may be null; `cancel` may be null.
Result<std::string> writeCtPhantom(const std::string& folder, const PhantomOptions& options,
                                   const std::function<void(int, int)>& progress = {},
                                   const std::atomic<bool>* cancel = nullptr);

// Hounsfield value of the phantom at a point (mm; x to the patient's left, y posterior, z head).
double phantomHu(double x, double y, double z);

}  // namespace lightbox
