// Benchmark (run on demand): decode + display LUT of every frame of the 96-frame XA cine (JPEG
// baseline) and of the 30-slice CT, in ms/frame, for Lightbox and for DCMTK's DicomImage, in the
// same process and run. usage: bench_decode_display [TESTDATA_DIR] [REPETITIONS]
#include "dicom_file.h"
#include "display_pipeline.h"
#include "frame_decoder.h"
#include "image_info.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmimage/diregist.h>
#include <dcmtk/dcmimgle/dcmimage.h>
#include <dcmtk/dcmjpeg/djdecode.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

using namespace lightbox;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::size_t g_sink = 0;  // keeps the optimiser from dropping work

double medianMs(int reps, const std::function<void()>& work)
{
    std::vector<double> t;
    for (int i = 0; i < reps; ++i) {
        const auto a = Clock::now();
        work();
        t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - a).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

bool lightboxFrames(const std::string& path, double c, double w, int* frames)
{
    auto file = DicomFile::open(path);
    if (!file) return false;
    auto info = readImageInfo(**file);
    if (!info) return false;
    DisplayOptions o;
    o.voi.kind = VoiChoice::Kind::Window;
    o.voi.window = {c, w, VoiFunction::Linear, {}};
    for (std::uint32_t f = 0; f < info->frames; ++f) {
        auto frame = decodeFrame(**file, *info, f);
        if (!frame) return false;
        auto shown = renderForDisplay(*frame, *info, f, o);
        if (!shown) return false;
        g_sink += shown->pixels[shown->pixels.size() / 2];
        ++*frames;
    }
    return true;
}

bool dcmtkFrames(const std::string& path, double c, double w, int* frames)
{
    DcmFileFormat ff;
    if (ff.loadFile(path.c_str()).bad()) return false;
    Sint32 count = 1;
    ff.getDataset()->findAndGetSint32(DCM_NumberOfFrames, count);
    for (Sint32 f = 0; f < std::max<Sint32>(1, count); ++f) {
        DicomImage img(&ff, ff.getDataset()->getOriginalXfer(), CIF_UsePartialAccessToPixelData, f, 1);
        if (img.getStatus() != EIS_Normal) return false;
        img.setWindow(c, w);
        const auto* p = static_cast<const Uint8*>(img.getOutputData(8));
        if (!p) return false;
        g_sink += p[img.getWidth() * img.getHeight() / 2];
        ++*frames;
    }
    return true;
}

void compare(const char* label, const std::vector<std::string>& files, double c, double w, int reps)
{
    int lbFrames = 0, dcFrames = 0;
    bool ok = true;
    const double lb = medianMs(reps, [&] {
        lbFrames = 0;
        for (const auto& f : files) ok = lightboxFrames(f, c, w, &lbFrames) && ok;
    });
    const double dc = medianMs(reps, [&] {
        dcFrames = 0;
        for (const auto& f : files) ok = dcmtkFrames(f, c, w, &dcFrames) && ok;
    });
    if (!ok || lbFrames == 0 || lbFrames != dcFrames) {
        std::printf("%-34s FAILED (frames: Lightbox %d, DCMTK %d)\n", label, lbFrames, dcFrames);
        return;
    }
    std::printf("%-34s %6d frames  Lightbox %7.3f ms/frame  DCMTK DicomImage %7.3f ms/frame  (DCMTK/Lightbox %.2fx)\n", label,
                lbFrames, lb / lbFrames, dc / dcFrames, (dc / dcFrames) / (lb / lbFrames));
}

}  // namespace

int main(int argc, char** argv)
{
    const std::string data = argc > 1 ? argv[1] : LIGHTBOX_TESTDATA_DEFAULT;
    const int reps = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
    registerDicomCodecs();  // Lightbox's registration also serves DicomImage: same codecs, same process
    std::vector<std::string> ct;
    for (const auto& e : fs::directory_iterator(data + "/ct/siemens-sensation10_chest_30sl")) ct.push_back(e.path().string());
    std::sort(ct.begin(), ct.end());
    std::printf("decode + display LUT, single thread, median of %d runs\n", reps);
    compare("XA cine, 96 frames, JPEG baseline", {data + "/multiframe/xa_cine_jpeg-baseline_96fr.dcm"}, 128, 256, reps);
    compare("CT, 30 slices, 512x512x16 bit", ct, 40, 400, reps);
    compare("MR, JPEG-LS, 4 slices", [&] {
        std::vector<std::string> v;
        for (const auto& e : fs::directory_iterator(data + "/compressed-series/siemens-trio_mr_4sl_jpeg-ls")) v.push_back(e.path().string());
        std::sort(v.begin(), v.end());
        return v;
    }(), 300, 600, reps);
    return g_sink == 42 ? 1 : 0;
}
