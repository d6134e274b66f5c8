// Benchmark (run on demand): the study cache.
//  1. Import throughput for 10,000 files (100 studies x 10 series x 10 instances, new UIDs),
//     with copy, SHA-256 and index, against DCMTK's dcmqridx (index only) and GDCM's gdcmscanner
//     (a bare header scan: no copy, no hash, no index) on the same files in the same run.
//  2. Search latency (p50/p95) on an index of 100,000 studies / 1,000,000 instances.
//  3. The index's size on disk per instance.
//  4. Encrypted against plain cache, in the same run (issue 11): the import of (1), loading a
//     500-slice 512x512 volume from the cache, and the search of (2) over a sealed index. Goal:
//     encrypted within 1.3x of plain on each.
// usage: bench_cache [WORK_DIR] [--studies N] (N studies for the search index, default 100000)
#include "synthetic_dicom.h"
#include "test_support.h"

#include "phantom_series.h"

#include "cache.h"
#include "cache_key_file.h"
#include "cache_keys.h"
#include "dicom_file.h"
#include "image_info.h"
#include "instance_summary.h"
#include "text_search.h"
#include "volume_assembly.h"
#include "volume_loader.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <random>
#include <thread>

using namespace lightbox;
using namespace lightbox::storage;
using namespace lightbox::test;

namespace {

// A cache opened plain, or encrypted with a fixed key (held in this process like an unlocked one).
Result<std::unique_ptr<Cache>> openBenchCache(const QString& dir, bool sealed)
{
    if (sealed) {
        CacheKey key{};
        for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<unsigned char>(i * 7 + 3);
        QDir().mkpath(dir);
        CacheKeyFile file;
        file.keyId = "bench";
        if (auto wrapped = wrapKey(key, "bench-passphrase")) file.doors.push_back({"passphrase", *wrapped, {}});
        if (Status s = writeCacheKeyFile(dir.toStdString(), file); !s) return s.error();
        rememberCacheKey(dir.toStdString(), key);
    }
    return Cache::open(dir.toStdString());
}

const char* label(bool sealed) { return sealed ? "encrypted" : "plain"; }

double runTool(const QString& program, const QStringList& args, const QString& workDir = {})
{
    QElapsedTimer t;
    t.start();
    QProcess p;
    if (!workDir.isEmpty()) p.setWorkingDirectory(workDir);
    p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    p.start(program, args);
    if (!p.waitForFinished(-1) || p.exitCode() != 0) return -1;
    return t.elapsed() / 1000.0;
}

void importBenchmark(const QString& work)
{
    const QString source = work + "/import-source";
    QDir(source).removeRecursively();
    SyntheticOptions o;
    o.studies = 100;
    o.seriesPerStudy = 10;
    o.instancesPerSeries = 10;
    o.crop = 128;
    QElapsedTimer t;
    t.start();
    const int files = writeSyntheticStudies(testDataDir() + "/ct/siemens-sensation10_chest_30sl/1-10.dcm", source, o);
    std::printf("generated %d files of %lld bytes in %.1f s\n", files, qlonglong(QFileInfo(source + "/s0000/se00/i0000.dcm").size()),
                t.elapsed() / 1000.0);
    QStringList list;
    for (QDirIterator it(source, QDir::Files, QDirIterator::Subdirectories); it.hasNext();) list << it.next();
    list.sort();
    // Warm the page cache so every tool reads from memory.
    runTool("cat", list.mid(0, 0) << "/dev/null");
    for (const QString& f : list) { QFile x(f); x.open(QIODevice::ReadOnly); x.readAll(); }

    double seconds[2] = {0, 0};
    ImportReport r;
    for (bool sealed : {false, true}) {
        const QString cacheDir = work + "/import-cache-" + label(sealed);
        QDir(cacheDir).removeRecursively();
        auto cache = openBenchCache(cacheDir, sealed);
        if (!cache) return;
        Quota q;
        q.minFreeBytes = 0;
        (*cache)->setQuota(q);
        t.restart();
        r = (*cache)->import({source.toStdString()});
        seconds[sealed] = t.elapsed() / 1000.0;
        std::printf("Lightbox import, %s cache (copy + SHA-256 + index, %u threads): %zu instances in %.2f s = %.0f instances/s\n", label(sealed),
                    std::max(1u, std::thread::hardware_concurrency()), r.imported, seconds[sealed], r.imported / seconds[sealed]);
    }
    std::printf("encrypted/plain import time: %.2fx (goal <= 1.3x)\n", seconds[1] / seconds[0]);
    const double lightbox = seconds[0];

    // DCMTK's dcmqridx adds files to its index.dat (no copy, no hash). It runs at tens of files per
    // second, so it indexes the first 1,000 files (in the same run, on the same files).
    const QString dcmtkDir = work + "/dcmqridx";
    QDir(dcmtkDir).removeRecursively();
    QDir().mkpath(dcmtkDir);
    const int dcmtkFiles = std::min<int>(1000, int(list.size()));
    const double dcmtk = runTool("dcmqridx", QStringList{dcmtkDir} << list.mid(0, dcmtkFiles));
    if (dcmtk > 0) std::printf("DCMTK dcmqridx (index only): %d files in %.2f s = %.0f instances/s\n", dcmtkFiles, dcmtk, dcmtkFiles / dcmtk);
    else std::printf("DCMTK dcmqridx failed\n");

    // The file system's own ceiling for storing copies: cp of the same files (no hash, no index).
    QDir(work + "/cp-copy").removeRecursively();
    const double cp = runTool("cp", {"-r", source, work + "/cp-copy"});
    if (cp > 0) std::printf("cp -r (copy only, the file system's ceiling): %d files in %.2f s = %.0f files/s\n", files, cp, files / cp);
    QDir(work + "/cp-copy").removeRecursively();

    const double gdcm = runTool("gdcmscanner", {"-d", source, "-r", "-t", "0008,0018", "-t", "0020,000d", "-t", "0020,000e"});
    if (gdcm > 0) std::printf("GDCM gdcmscanner (bare header scan): %d files in %.2f s = %.0f instances/s\n", files, gdcm, files / gdcm);
    else std::printf("GDCM gdcmscanner failed\n");
    std::printf("Lightbox vs dcmqridx: %.1fx, vs gdcmscanner: %.2fx\n", dcmtk > 0 ? (r.imported / lightbox) / (dcmtkFiles / dcmtk) : 0,
                gdcm > 0 ? (r.imported / lightbox) / (files / gdcm) : 0);
}

const char* kSyllables[] = {"an", "ber", "cha", "dor", "el", "fra", "gon", "hal", "is", "jo", "ka", "lin", "mar", "no", "ol", "pet",
                            "qui", "ros", "san", "tor", "ul", "ve", "wil", "xa", "yor", "zel", "mü", "ré", "ló", "çe"};

std::string randomName(std::mt19937& rng)
{
    std::uniform_int_distribution<int> syl(0, int(std::size(kSyllables)) - 1), count(2, 4);
    auto word = [&] {
        std::string w;
        for (int i = count(rng); i > 0; --i) w += kSyllables[syl(rng)];
        w[0] = char(std::toupper(static_cast<unsigned char>(w[0])));
        return w;
    };
    return word() + "^" + word();
}

// The p95 of all queries, in ms.
double searchBenchmark(const QString& work, int studies, bool sealed)
{
    const QString dir = work + "/search-index-" + label(sealed);
    QDir(dir).removeRecursively();
    auto cache = openBenchCache(dir, sealed);
    if (!cache) return -1;
    StudyIndex& index = (*cache)->index();
    std::mt19937 rng(42);
    const char* modalities[] = {"CT", "MR", "CR", "DX", "US", "MG", "PT", "NM", "XA"};
    const char* descriptions[] = {"CT CHEST W CONTRAST", "MR BRAIN WO", "CHEST PA AND LATERAL", "ABDOMEN US", "MAMMO SCREENING BILATERAL",
                                  "PET CT WHOLE BODY", "CT HEAD WO", "MR KNEE LEFT", "XR HAND RIGHT", "CT ANGIO CHEST"};
    std::vector<InstanceRecord> sample;  // remembered for queries
    QElapsedTimer t;
    t.start();
    const int instancesPerStudy = 10;
    const int patients = studies / 3;
    std::vector<std::string> names(static_cast<size_t>(patients)), ids(static_cast<size_t>(patients));
    for (int p = 0; p < patients; ++p) {
        names[size_t(p)] = randomName(rng);
        ids[size_t(p)] = "PID" + std::to_string(1000000 + p);
    }
    std::uniform_int_distribution<int> patientOf(0, patients - 1), mod(0, 8), desc(0, 9), year(2005, 2026), month(1, 12), day(1, 28);
    Transaction* tx = nullptr;
    std::unique_ptr<Transaction> holder;
    for (int s = 0; s < studies; ++s) {
        if (s % 2000 == 0) {
            if (holder) holder->commit();
            holder = std::make_unique<Transaction>((*cache)->database());
            tx = holder.get();
        }
        InstanceRecord r;
        const int p = patientOf(rng);
        r.patientName = names[size_t(p)];
        r.patientId = ids[size_t(p)];
        r.patientBirthDate = "19500101";
        r.patientSex = p % 2 ? "F" : "M";
        char date[16];
        std::snprintf(date, sizeof date, "%04d%02d%02d", year(rng), month(rng), day(rng));
        r.studyDate = date;
        r.studyTime = "120000";
        r.studyUid = "1.2.826.0.1.3680043.10.1." + std::to_string(s);
        r.accession = "ACC" + std::to_string(5000000 + s);
        const int d = desc(rng);
        r.studyDescription = descriptions[d];
        r.modality = modalities[mod(rng)];
        r.sopClassUid = "1.2.840.10008.5.1.4.1.1.2";
        r.fileSize = 500000;
        r.arrivedAt = nowMs();
        for (int i = 0; i < instancesPerStudy; ++i) {
            r.seriesUid = r.studyUid + "." + std::to_string(i / 5 + 1);
            r.sopInstanceUid = r.studyUid + "." + std::to_string(i / 5 + 1) + "." + std::to_string(i + 1);
            r.instanceNumber = i + 1;
            r.imagePosition = "0\\0\\" + std::to_string(i * 5);
            r.imageOrientation = "1\\0\\0\\0\\1\\0";
            r.pixelSpacing = "0.7\\0.7";
            r.rows = r.columns = 512;
            r.frames = 1;
            index.addInstance(r);
        }
        if (s % 997 == 0) sample.push_back(r);
    }
    holder->commit();
    (void)tx;
    (*cache)->database().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    (*cache)->database().exec("ANALYZE");
    const CacheStats st = index.stats();
    double indexBytes = 0;
    if (auto pages = (*cache)->database().prepare("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size"); pages && pages->step())
        indexBytes = double(pages->integer(0));
    std::printf("\nsearch index (%s): %lld studies, %lld instances, %lld patients built in %.1f s\n", label(sealed), qlonglong(st.studies), qlonglong(st.instances),
                qlonglong(st.patients), t.elapsed() / 1000.0);
    std::printf("index size on disk: %.1f MiB = %.0f bytes per instance\n", indexBytes / (1 << 20), indexBytes / double(st.instances));

    struct Kind {
        const char* label;
        std::function<StudyQuery(std::mt19937&)> make;
    };
    std::uniform_int_distribution<size_t> pick(0, sample.size() - 1);
    const std::vector<Kind> kinds = {
        {"name prefix", [&](std::mt19937& g) { StudyQuery q; q.patientName = sample[pick(g)].patientName.substr(0, 4); return q; }},
        {"name *contains*", [&](std::mt19937& g) { StudyQuery q; q.patientName = "*" + normalizeForSearch(sample[pick(g)].patientName).substr(3, 4) + "*"; return q; }},
        {"full name", [&](std::mt19937& g) { StudyQuery q; q.patientName = sample[pick(g)].patientName; return q; }},
        {"patient ID", [&](std::mt19937& g) { StudyQuery q; q.patientId = sample[pick(g)].patientId; return q; }},
        {"accession", [&](std::mt19937& g) { StudyQuery q; q.accession = sample[pick(g)].accession; return q; }},
        {"date range (1 month)", [&](std::mt19937& g) { StudyQuery q; q.fromDate = sample[pick(g)].studyDate.substr(0, 6) + "01"; q.toDate = q.fromDate.substr(0, 6) + "31"; return q; }},
        {"modality + date range", [&](std::mt19937& g) { StudyQuery q; const auto& s = sample[pick(g)]; q.modality = s.modality; q.fromDate = s.studyDate.substr(0, 4) + "0101"; q.toDate = s.studyDate.substr(0, 4) + "1231"; return q; }},
        {"modality only", [&](std::mt19937& g) { StudyQuery q; q.modality = sample[pick(g)].modality; return q; }},
        {"description contains", [&](std::mt19937& g) { StudyQuery q; q.description = "chest"; (void)g; return q; }},
        {"no filter, newest first", [&](std::mt19937& g) { (void)g; return StudyQuery{}; }},
        {"name sorted page 50", [&](std::mt19937& g) { StudyQuery q; q.sort = StudyQuery::Sort::PatientName; q.offset = 50 * 100; q.limit = 100; (void)g; return q; }},
    };
    std::vector<double> all;
    std::printf("%-26s %9s %9s %9s\n", "query (limit 200)", "p50 ms", "p95 ms", "rows");
    for (const Kind& k : kinds) {
        std::vector<double> times;
        size_t rows = 0;
        for (int i = 0; i < 100; ++i) {
            StudyQuery q = k.make(rng);
            if (q.limit == 200) q.limit = 200;
            QElapsedTimer qt;
            qt.start();
            auto res = index.searchStudies(q);
            times.push_back(qt.nsecsElapsed() / 1e6);
            rows += res ? res->size() : 0;
        }
        std::sort(times.begin(), times.end());
        all.insert(all.end(), times.begin(), times.end());
        std::printf("%-26s %9.2f %9.2f %9zu\n", k.label, times[times.size() / 2], times[times.size() * 95 / 100], rows / times.size());
    }
    std::sort(all.begin(), all.end());
    std::printf("%-26s %9.2f %9.2f   (goal: p95 under 20 ms)\n", "all queries", all[all.size() / 2], all[all.size() * 95 / 100]);
    return all[all.size() * 95 / 100];
}

// Loads the volume of the one series in `cache` as the viewer does (headers, assembly, parallel
// decode); seconds, best of three.
double loadVolumeFromCache(Cache& cache, const std::string& studyUid)
{
    std::vector<std::string> files;
    for (const auto& [path, row] : cache.studyFiles(studyUid)) files.push_back(path);
    double best = 1e9;
    for (int round = 0; round < 3; ++round) {
        QElapsedTimer t;
        t.start();
        std::vector<OpenedImage> images;
        for (const std::string& f : files) {
            auto file = DicomFile::open(f);
            if (!file) return -1;
            auto info = readImageInfo(**file);
            if (!info) return -1;
            images.push_back({f, std::make_shared<const ImageInfo>(*info), std::make_shared<const InstanceSummary>(summarize(**file))});
        }
        const auto plans = assembleVolumes(images);
        if (plans.empty()) return -1;
        auto volume = loadVolume(plans.front(), images);
        if (!volume) return -1;
        best = std::min(best, t.elapsed() / 1000.0);
    }
    return best;
}

void volumeBenchmark(const QString& work)
{
    PhantomSeries s;
    s.rows = s.columns = 512;
    s.positions = evenPositions(500, 0.625);
    s.spheres = {{{0, 0, 150}, 60, 300}};
    s.shuffleFiles = false;
    const QString folder = writePhantomFolder(s, work, "volume-500");
    if (folder.isEmpty()) return;
    double seconds[2] = {0, 0};
    for (bool sealed : {false, true}) {
        const QString dir = work + "/volume-cache-" + label(sealed);
        QDir(dir).removeRecursively();
        auto cache = openBenchCache(dir, sealed);
        if (!cache) return;
        const ImportReport r = (*cache)->import({folder.toStdString()});
        if (r.studies.size() != 1) return;
        seconds[sealed] = loadVolumeFromCache(**cache, *r.studies.begin());
        std::printf("500-slice 512x512 volume load from the %s cache: %.2f s (best of 3)\n", label(sealed), seconds[sealed]);
    }
    std::printf("encrypted/plain volume load: %.2fx (goal <= 1.3x)\n", seconds[1] / seconds[0]);
}

}  // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments().mid(1);
    int studies = 100000;
    if (int i = int(args.indexOf("--studies")); i >= 0 && i + 1 < args.size()) {
        studies = args[i + 1].toInt();
        args.remove(i, 2);
    }
    QTemporaryDir tmp;
    const QString work = args.isEmpty() ? tmp.path() : args.front();
    QDir().mkpath(work);
    importBenchmark(work);
    std::printf("\n");
    volumeBenchmark(work);
    const double plain = searchBenchmark(work, studies, false), sealed = searchBenchmark(work, studies, true);
    std::printf("\nencrypted/plain search p95: %.2f / %.2f ms = %.2fx (goal <= 1.3x)\n", sealed, plain, sealed / plain);
    return 0;
}
