// Benchmark (run on demand): 3D reading of a 500-slice 512x512 CT generated from the shared CT,
// uncompressed and JPEG-LS.
//  - time to the first image on screen and to the full volume, and peak memory, for Lightbox and
//    for ITK's ImageSeriesReader + GDCMImageIO (each in a child process, same files, same run);
//  - oblique MPR reslice and thick-slab MIP, ms per 512x512 frame.
// usage: bench_volume [WORK_DIR] [--slices N]
#include "dicom_file.h"
#include "frame_decoder.h"
#include "itk_series_read.h"
#include "reslice.h"
#include "volume_assembly.h"
#include "volume_loader.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmjpls/djencode.h>
#include <dcmtk/dcmjpls/djrparam.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

using namespace lightbox;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::vector<std::string> listFiles(const std::string& dir)
{
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(dir)) v.push_back(e.path().string());
    std::sort(v.begin(), v.end());
    return v;
}

bool generate(const std::string& testdata, const std::string& out, int slices, bool jpegls)
{
    if (fs::exists(out) && int(listFiles(out).size()) == slices) return true;
    fs::remove_all(out);
    fs::create_directories(out);
    const auto sources = listFiles(testdata + "/ct/siemens-sensation10_chest_30sl");
    char series[100], text[128];
    dcmGenerateUniqueIdentifier(series, SITE_SERIES_UID_ROOT);
    for (int k = 0; k < slices; ++k) {
        DcmFileFormat ff;
        if (ff.loadFile(sources[size_t(k) % sources.size()].c_str()).bad()) return false;
        DcmDataset* ds = ff.getDataset();
        char sop[100];
        dcmGenerateUniqueIdentifier(sop, SITE_INSTANCE_UID_ROOT);
        ds->putAndInsertString(DCM_SOPInstanceUID, sop);
        ff.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPInstanceUID, sop);
        ds->putAndInsertString(DCM_SeriesInstanceUID, series);
        std::snprintf(text, sizeof text, "%d", k + 1);
        ds->putAndInsertString(DCM_InstanceNumber, text);
        std::snprintf(text, sizeof text, "-166\\-176\\%.2f", -k * 0.625);
        ds->putAndInsertString(DCM_ImagePositionPatient, text);
        std::snprintf(text, sizeof text, "%.4f", -k * 0.625);
        ds->putAndInsertString(DCM_SliceLocation, text);
        std::snprintf(text, sizeof text, "%s/IM%04d.dcm", out.c_str(), k);
        if (jpegls) {
            DJLSRepresentationParameter rp(0, OFTrue);
            if (ds->chooseRepresentation(EXS_JPEGLSLossless, &rp).bad()) return false;
            if (ff.saveFile(text, EXS_JPEGLSLossless).bad()) return false;
        } else if (ff.saveFile(text, EXS_LittleEndianExplicit).bad()) {
            return false;
        }
    }
    return true;
}

// ---- child processes: one measurement each, timings on stdout ----

int childLightbox(const std::string& dir)
{
    const auto t0 = Clock::now();
    const auto files = listFiles(dir);
    // First image: what the viewer does before anything else.
    {
        auto file = DicomFile::open(files[files.size() / 2]);
        auto info = readImageInfo(**file);
        auto frame = decodeFrame(**file, *info, 0);
        if (!frame) return 1;
    }
    const double first = since(t0);
    // Full volume: every header, assembly, parallel decode into one buffer.
    std::vector<OpenedImage> images;
    for (const auto& f : files) {
        auto file = DicomFile::open(f);  // as the viewer opens a series: values over 4 KiB stay on disk
        if (!file) return 1;
        auto info = readImageInfo(**file);
        if (!info) return 1;
        images.push_back({f, std::make_shared<const ImageInfo>(*info), std::make_shared<const InstanceSummary>(summarize(**file))});
    }
    const auto plans = assembleVolumes(images);
    auto vol = loadVolume(plans.front(), images);
    if (!vol) {
        std::fprintf(stderr, "%s\n", vol.error().message.c_str());
        return 1;
    }
    std::printf("%f %f %zu\n", first, since(t0), (*vol)->byteSize());
    return 0;
}

int childItk(const std::string& dir)
{
    const auto t0 = Clock::now();
    const std::size_t voxels = itkReadSeries(dir);
    if (!voxels) return 1;
    std::printf("%f %f %zu\n", since(t0), since(t0), voxels * 2);
    return 0;
}

struct Measure {
    double first = 0, full = 0;
    std::size_t voxelBytes = 0;
    long maxRssKb = 0;
    bool ok = false;
};

Measure measure(const char* self, const char* who, const std::string& dir)
{
    Measure m;
    int pipefd[2];
    if (pipe(pipefd) != 0) return m;
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], STDOUT_FILENO);
        close(pipefd[0]);
        execl(self, self, "--child", who, dir.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    close(pipefd[1]);
    char buf[256] = {};
    const ssize_t n = read(pipefd[0], buf, sizeof buf - 1);
    close(pipefd[0]);
    int status = 0;
    struct rusage ru {};
    wait4(pid, &status, 0, &ru);
    m.maxRssKb = ru.ru_maxrss;
    m.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && n > 0 && std::sscanf(buf, "%lf %lf %zu", &m.first, &m.full, &m.voxelBytes) == 3;
    return m;
}

void compare(const char* self, const char* label, const std::string& dir)
{
    // Cold-ish page cache for both: read the files once so neither pays the disk alone.
    for (const auto& f : listFiles(dir)) {
        std::FILE* fp = std::fopen(f.c_str(), "rb");
        char b[1 << 16];
        while (std::fread(b, 1, sizeof b, fp) > 0) {
        }
        std::fclose(fp);
    }
    const Measure lb = measure(self, "lightbox", dir), itk = measure(self, "itk", dir);
    std::printf("\n%s\n", label);
    if (!lb.ok || !itk.ok) {
        std::printf("  failed (Lightbox %s, ITK %s)\n", lb.ok ? "ok" : "failed", itk.ok ? "ok" : "failed");
        return;
    }
    const double mb = lb.voxelBytes / double(1 << 20);
    std::printf("  voxel bytes %.1f MiB\n", mb);
    std::printf("  Lightbox: first image %.3f s, full volume %.3f s, peak memory %.1f MiB = %.2fx voxel bytes\n", lb.first, lb.full,
                lb.maxRssKb / 1024.0, lb.maxRssKb / 1024.0 / mb);
    std::printf("  ITK ImageSeriesReader+GDCMImageIO: full volume %.3f s, peak memory %.1f MiB = %.2fx voxel bytes\n", itk.full,
                itk.maxRssKb / 1024.0, itk.maxRssKb / 1024.0 / mb);
    std::printf("  Lightbox is %.1fx faster than ITK to the full volume\n", itk.full / lb.full);
}

void reslicing(const std::string& dir)
{
    std::vector<OpenedImage> images;
    for (const auto& f : listFiles(dir)) {
        auto file = DicomFile::open(f);
        auto info = readImageInfo(**file);
        images.push_back({f, std::make_shared<const ImageInfo>(*info), std::make_shared<const InstanceSummary>(summarize(**file))});
    }
    auto vol = loadVolume(assembleVolumes(images).front(), images);
    if (!vol) return;
    auto time = [&](const char* label, const ReslicePlane& p, const ResliceOptions& o) {
        const int reps = 10;
        reslice(**vol, p, o, -1024.f);  // warm
        const auto t = Clock::now();
        for (int i = 0; i < reps; ++i) reslice(**vol, p, o, -1024.f);
        std::printf("  %-44s %7.1f ms/frame (%dx%d)\n", label, since(t) * 1000 / reps, p.width, p.height);
    };
    std::printf("\nreslicing the uncompressed volume (%u threads)\n", std::max(1u, std::thread::hardware_concurrency()));
    const SliceAxes oblique{normalized({1, 0.3, 0.2}), normalized(cross(normalized({0.2, -0.1, 1}), normalized({1, 0.3, 0.2})))};
    ReslicePlane axial = sliceStack((*vol)->geometry(), axialAxes()).plane(150);
    axial.width = axial.height = 512;
    const SliceStack os = sliceStack((*vol)->geometry(), oblique);
    ReslicePlane ob = os.plane(os.count / 2);
    ob.width = ob.height = 512;
    ReslicePlane cor = sliceStack((*vol)->geometry(), coronalAxes()).plane(256);
    cor.width = cor.height = 512;
    time("axial plane (trilinear)", axial, {});
    time("coronal plane (trilinear)", cor, {});
    time("oblique plane (trilinear)", ob, {});
    time("oblique plane (nearest)", ob, {0, SlabMode::Max, false});
    time("axial thick-slab MIP 10 mm", axial, {10, SlabMode::Max});
    time("oblique thick-slab MIP 10 mm", ob, {10, SlabMode::Max});
    time("oblique thick-slab MinIP 10 mm", ob, {10, SlabMode::Min});
    time("coronal thick-slab average 20 mm", cor, {20, SlabMode::Mean});
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc >= 4 && std::strcmp(argv[1], "--child") == 0) {
        registerDicomCodecs();
        return std::strcmp(argv[2], "itk") == 0 ? childItk(argv[3]) : childLightbox(argv[3]);
    }
    std::string work = "/tmp/lightbox-bench-volume";
    int slices = 500;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--slices") == 0 && i + 1 < argc) slices = std::atoi(argv[++i]);
        else work = argv[i];
    }
    registerDicomCodecs();
    DJLSEncoderRegistration::registerCodecs();
    const std::string testdata = LIGHTBOX_TESTDATA_DEFAULT;
    std::printf("generating %d slices of 512x512 in %s...\n", slices, work.c_str());
    if (!generate(testdata, work + "/raw", slices, false) || !generate(testdata, work + "/jpegls", slices, true)) {
        std::printf("cannot generate the series\n");
        return 1;
    }
    char self[4096] = {};
    if (readlink("/proc/self/exe", self, sizeof self - 1) < 0) return 1;
    compare(self, "uncompressed (Explicit VR Little Endian)", work + "/raw");
    compare(self, "JPEG-LS lossless", work + "/jpegls");
    reslicing(work + "/raw");
    return 0;
}
