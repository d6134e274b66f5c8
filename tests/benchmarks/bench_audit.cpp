// Benchmark (run on demand): what the audit trail costs where it is written most.
//  1. Importing 10,000 files (100 studies x 10 series x 10 instances) into an empty cache, without
//     an auditor and with one signed-in auditor (one sealed, flushed Import message per study),
//     alternating, best of R rounds each.
//  2. Opening a 500-slice series: openStudy (lease, "last opened", file list) and reading every
//     header and image description, as the viewer does before the first image, without and with
//     the auditor (one DICOM Instances Accessed message), alternating, best of 10 each.
// Prints both times and the overhead; exits 1 when a run fails.
// usage: bench_audit [WORK_DIR] [--rounds R]
#include "synthetic_dicom.h"
#include "test_support.h"

#include "auditor.h"
#include "cache.h"
#include "dicom_file.h"
#include "image_info.h"
#include "study_open.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <limits>

using namespace lightbox;
using namespace lightbox::test;

namespace {

int g_failures = 0;

void useAuditor(const QString& securityDir, bool on)
{
    if (!on) {
        security::installAuditor(nullptr);
        return;
    }
    security::Identity who{"bench", security::Role::Radiologist, true, false, false};
    security::installAuditor(std::make_shared<security::Auditor>(securityDir.toStdString(), who, "bench_audit"));
}

// Seconds to import `source` into a new cache.
double importOnce(const QString& source, const QString& cacheDir, std::size_t expected)
{
    QDir(cacheDir).removeRecursively();
    auto cache = storage::Cache::open(cacheDir.toStdString());
    if (!cache) return -1;
    storage::Quota q;
    q.minFreeBytes = 0;
    (*cache)->setQuota(q);
    QElapsedTimer t;
    t.start();
    const storage::ImportReport r = (*cache)->import({source.toStdString()});
    const double s = t.elapsed() / 1000.0;
    if (r.imported != expected) {
        std::printf("  ! imported %zu of %zu\n", r.imported, expected);
        ++g_failures;
        return -1;
    }
    return s;
}

// Milliseconds to open the study and read every header.
double openOnce(storage::Cache& cache, storage::LeaseKeeper& keeper, const std::string& studyUid, int expected)
{
    QElapsedTimer t;
    t.start();
    auto opened = storage::openStudy(cache, keeper, studyUid, "viewing");
    if (!opened || int(opened->files.size()) != expected) {
        ++g_failures;
        return -1;
    }
    int read = 0;
    for (const auto& [path, row] : opened->files)
        if (auto f = DicomFile::open(path))
            if (readImageInfo(**f)) ++read;
    const double ms = t.nsecsElapsed() / 1e6;
    if (read != expected) {
        ++g_failures;
        return -1;
    }
    return ms;
}

void report(const char* what, double without, double with, const char* unit)
{
    std::printf("%-44s without audit %8.2f %s   with audit %8.2f %s   overhead %+.1f %%\n", what, without, unit, with, unit,
                100.0 * (with - without) / without);
}

}  // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments().mid(1);
    int rounds = 3;
    if (const int i = int(args.indexOf("--rounds")); i >= 0 && i + 1 < args.size()) {
        rounds = std::max(1, args[i + 1].toInt());
        args.remove(i, 2);
    }
    QTemporaryDir tmp;
    const QString work = args.isEmpty() ? tmp.path() : args[0];
    QDir().mkpath(work);
    const QString templateFile = testDataDir() + "/ct/siemens-sensation10_chest_30sl/1-10.dcm";

    // 1. Import of 10,000 files.
    const QString source = work + "/audit-import-source";
    QDir(source).removeRecursively();
    SyntheticOptions o;
    o.studies = 100;
    o.seriesPerStudy = 10;
    o.instancesPerSeries = 10;
    o.crop = 128;
    const int files = writeSyntheticStudies(templateFile, source, o);
    if (files != 10000) {
        std::fprintf(stderr, "bench_audit: could not generate the files\n");
        return 1;
    }
    for (QDirIterator it(source, QDir::Files, QDirIterator::Subdirectories); it.hasNext();) {  // warm the page cache
        QFile f(it.next());
        if (f.open(QIODevice::ReadOnly)) f.readAll();
    }
    double importWithout = std::numeric_limits<double>::max(), importWith = importWithout;
    for (int r = 0; r < rounds; ++r) {
        // Alternating which goes first: the disk still writing back the previous run's files
        // slows whichever follows.
        double a = -1, b = -1;
        for (int k = 0; k < 2; ++k) {
            const bool audited = (k == 0) == (r % 2 == 1);
            if (audited) {
                QDir(work + "/audit-security").removeRecursively();
                useAuditor(work + "/audit-security", true);
                b = importOnce(source, work + "/audit-import-cache", std::size_t(files));
            } else {
                a = importOnce(source, work + "/audit-import-cache", std::size_t(files));
            }
            useAuditor({}, false);
        }
        std::printf("  round %d: import %.2f s without, %.2f s with the audit trail\n", r + 1, a, b);
        if (a > 0) importWithout = std::min(importWithout, a);
        if (b > 0) importWith = std::min(importWith, b);
    }
    const auto records = security::AuditLog((work + "/audit-security").toStdString()).read();
    std::printf("  (%zu audit records for one audited import of 100 studies)\n", records ? records->size() : 0);

    // 2. Opening a 500-slice series.
    const QString series = work + "/audit-open-source";
    QDir(series).removeRecursively();
    SyntheticOptions big;
    big.instancesPerSeries = 500;
    if (writeSyntheticStudies(templateFile, series, big) != 500) return 1;
    const QString cacheDir = work + "/audit-open-cache";
    QDir(cacheDir).removeRecursively();
    auto cache = storage::Cache::open(cacheDir.toStdString());
    if (!cache || (*cache)->import({series.toStdString()}).imported != 500) {
        std::fprintf(stderr, "bench_audit: could not import the 500-slice series\n");
        return 1;
    }
    const auto studies = (*cache)->index().searchStudies({});
    if (!studies || studies->empty()) return 1;
    const std::string studyUid = studies->front().studyUid;
    auto keeper = storage::LeaseKeeper::open(cacheDir.toStdString());
    if (!keeper) return 1;
    openOnce(**cache, **keeper, studyUid, 500);  // warm
    double openWithout = std::numeric_limits<double>::max(), openWith = openWithout;
    for (int r = 0; r < 10; ++r) {
        useAuditor({}, false);
        const double a = openOnce(**cache, **keeper, studyUid, 500);
        useAuditor(work + "/audit-security", true);
        const double b = openOnce(**cache, **keeper, studyUid, 500);
        useAuditor({}, false);
        if (a > 0) openWithout = std::min(openWithout, a);
        if (b > 0) openWith = std::min(openWith, b);
    }
    std::printf("\nbest of %d rounds (import) and of 10 (open), same run:\n", rounds);
    report("import of 10,000 files (100 studies)", importWithout, importWith, "s ");
    report("opening a 500-slice series (headers read)", openWithout, openWith, "ms");
    if (g_failures) {
        std::fprintf(stderr, "bench_audit: %d run(s) failed\n", g_failures);
        return 1;
    }
    return 0;
}
