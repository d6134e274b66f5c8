// Benchmark (run on demand): retrieving a 1,000-instance CT study from a real Orthanc into the
// cache, by C-GET, C-MOVE and WADO-RS, against the usual tools measured in the same run on the same
// study: DCMTK getscu (C-GET to files), DCMTK movescu + storescp (C-MOVE to files) and curl (the
// same WADO-RS request to one multipart file). Lightbox's times are end to end, as a user runs
// them: `lightbox retrieve` into an empty cache, including hashing, indexing and the completeness
// check, with the data flushed to the disk before they are indexed; the tools only write files
// (to the page cache). Every run starts after a sync. Each is run `--rounds` times (default 2); the best is shown.
// Exits 1 when any run failed or did not bring every instance (such a run is not counted as a time).
// usage: bench_archive [WORK_DIR] [--instances N] [--rounds R]
#include "orthanc_fixture.h"
#include "synthetic_dicom.h"
#include "test_support.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <map>

#include <unistd.h>

using namespace lightbox::test;

namespace {

struct Timing {
    double seconds = -1;
    QString error;
};

Timing timed(const QString& program, const QStringList& args)
{
    ::sync();  // what earlier runs left in the page cache is not this run's to write
    QElapsedTimer t;
    t.start();
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForFinished(600000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return {-1, program + " failed: " + QString::fromLocal8Bit(p.readAll().right(400))};
    return {t.elapsed() / 1000.0, {}};
}

int filesIn(const QString& dir)
{
    int n = 0;
    for (QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories); it.hasNext(); it.next()) ++n;
    return n;
}

// Whether something accepts TCP connections on 127.0.0.1:port, tried until `timeoutMs` has passed.
bool acceptsConnections(int port, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    do {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, quint16(port));
        if (s.waitForConnected(500)) return true;
        QThread::msleep(50);  // refused at once: try again shortly (polling, bounded by the timeout)
    } while (t.elapsed() < timeoutMs);
    return false;
}

QString studyUidOf(const QString& file)
{
    DcmFileFormat ff;
    OFString uid;
    if (ff.loadFile(file.toStdString().c_str()).bad() || ff.getDataset()->findAndGetOFString(DCM_StudyInstanceUID, uid).bad()) return {};
    return QString::fromStdString(uid.c_str());
}

}  // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments().mid(1);
    int instances = 1000, rounds = 2;
    QString work;
    for (int i = 0; i < args.size(); ++i) {
        if (args[i] == "--instances" && i + 1 < args.size()) instances = args[++i].toInt();
        else if (args[i] == "--rounds" && i + 1 < args.size()) rounds = args[++i].toInt();
        else work = args[i];
    }
    if (instances < 4 || rounds < 1) {
        std::fprintf(stderr, "usage: bench_archive [WORK_DIR] [--instances N>=4] [--rounds R>=1]\n");
        return 2;
    }
    if (!work.isEmpty()) QDir().mkpath(work);
    QTemporaryDir tmp(work.isEmpty() ? QDir::tempPath() + "/bench_archive-XXXXXX" : work + "/bench_archive-XXXXXX");
    if (!tmp.isValid()) {
        std::fprintf(stderr, "bench_archive: cannot make a folder in %s\n", qPrintable(work.isEmpty() ? QDir::tempPath() : work));
        return 1;
    }
    qputenv("TCP_NODELAY", "1");  // for the DCMTK tools, as in Orthanc and Lightbox

    // The study: copies of a real 512x512 CT slice, 4 series.
    const QString source = tmp.path() + "/source";
    SyntheticOptions so;
    so.seriesPerStudy = 4;
    so.instancesPerSeries = instances / 4;
    const int written = writeSyntheticStudies(testDataDir() + "/ct/siemens-sensation10_chest_30sl/1-10.dcm", source, so);
    const QStringList files = filesUnder(source);
    qint64 bytes = 0;
    for (const QString& f : files) bytes += QFileInfo(f).size();
    const QString study = studyUidOf(files.value(0));
    if (written != files.size() || study.isEmpty()) {
        std::fprintf(stderr, "cannot generate the study\n");
        return 1;
    }
    const double mb = bytes / 1e6;

    const int storagePort = freePort();
    OrthancOptions oo;
    oo.lightboxPort = storagePort;
    OrthancServer orthanc(oo);
    QString error;
    if (!orthanc.start(&error)) {
        std::fprintf(stderr, "Orthanc: %s\n", qPrintable(error));
        return 1;
    }
    QElapsedTimer t;
    t.start();
    if (orthanc.upload(files, &error) != files.size()) {
        std::fprintf(stderr, "upload: %s\n", qPrintable(error));
        return 1;
    }
    std::printf("study: %d instances, %.1f MB (CT 512x512, explicit little endian), uploaded to Orthanc in %.1f s\n", int(files.size()), mb,
                t.elapsed() / 1000.0);

    const QString config = tmp.path() + "/lightbox.json";
    const QString lightbox = lightboxExe();
    if (timed(lightbox, {"archive", "add", "orthanc", "--aet", "ORTHANC", "--host", "127.0.0.1", "--port", QString::number(orthanc.dicomPort()),
                         "--dicomweb", orthanc.dicomWebUrl(), "--config", config})
                .seconds < 0 ||
        timed(lightbox, {"config", "set", "port", QString::number(storagePort), "--config", config}).seconds < 0) {
        std::fprintf(stderr, "cannot configure lightbox\n");
        return 1;
    }

    if (qEnvironmentVariableIsSet("BENCH_ARCHIVE_HOLD")) {  // for profiling by hand: until Enter is pressed
        std::printf("holding: --config %s --study %s (storage port %d, DICOM %d, %s); press Enter to go on\n", qPrintable(config),
                    qPrintable(study), storagePort, orthanc.dicomPort(), qPrintable(orthanc.dicomWebUrl()));
        std::fflush(stdout);
        std::getchar();
    }
    const QString host = "127.0.0.1", port = QString::number(orthanc.dicomPort());
    const QString wadoUrl = orthanc.dicomWebUrl() + "/studies/" + study;
    std::map<QString, double> best;
    int failedRuns = 0;  // runs that failed or did not bring every instance: the benchmark then fails
    auto record = [&](const QString& name, const Timing& timing, const QString& dir, int expected) {
        if (timing.seconds < 0) {
            std::printf("  %-34s FAILED: %s\n", qPrintable(name), qPrintable(timing.error));
            ++failedRuns;
            return;
        }
        const int got = filesIn(dir);
        std::printf("  %-34s %6.2f s  %7.1f MB/s  (%d files)\n", qPrintable(name), timing.seconds, mb / timing.seconds, got);
        if (got != expected) {
            std::printf("    ! INCOMPLETE: %d of %d instances arrived; not counted\n", got, expected);
            ++failedRuns;
            return;
        }
        if (!best.count(name) || timing.seconds < best[name]) best[name] = timing.seconds;
    };

    for (int round = 1; round <= rounds; ++round) {
        std::printf("round %d\n", round);
        const QString r = tmp.path() + "/r" + QString::number(round);
        // Lightbox, each method into an empty cache (files counted under the cache's store).
        for (const char* method : {"get", "move", "wado"}) {
            const QString cache = r + "/lightbox-" + method;
            const Timing timing =
                timed(lightbox, {"retrieve", "--archive", "orthanc", "--study", study, "--method", method, "--cache", cache, "--config", config});
            record(QString("lightbox retrieve --method ") + method, timing, cache + "/files", int(files.size()));
        }
        // getscu: C-GET at study level into files.
        const QString getDir = r + "/getscu";
        QDir().mkpath(getDir);
        record("dcmtk getscu", timed("getscu", {"-aet", "LIGHTBOX", "-aec", "ORTHANC", "-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=" + study,
                                                "-od", getDir, host, port}),
               getDir, int(files.size()));
        // movescu to a storescp on Lightbox's storage port (Orthanc knows it as LIGHTBOX).
        const QString moveDir = r + "/storescp";
        QDir().mkpath(moveDir);
        QProcess scp;
        scp.start("storescp", {"-aet", "LIGHTBOX", "-od", moveDir, QString::number(storagePort)});
        if (!scp.waitForStarted() || !acceptsConnections(storagePort, 10000))
            record("dcmtk movescu + storescp", {-1, "storescp does not listen on port " + QString::number(storagePort)}, moveDir, int(files.size()));
        else
            record("dcmtk movescu + storescp",
                   timed("movescu", {"-aet", "LIGHTBOX", "-aec", "ORTHANC", "-aem", "LIGHTBOX", "-S", "-k", "QueryRetrieveLevel=STUDY", "-k",
                                     "StudyInstanceUID=" + study, host, port}),
                   moveDir, int(files.size()));
        scp.kill();
        scp.waitForFinished();
        // curl: the WADO-RS study request Lightbox sends, to one file.
        const QString curlDir = r + "/curl";
        QDir().mkpath(curlDir);
        const Timing c = timed("curl", {"-sS", "-f", "-o", curlDir + "/study.multipart", "-H",
                                        "Accept: multipart/related; type=\"application/dicom\"; transfer-syntax=*", wadoUrl});
        // The multipart answer holds every instance's file whole: it cannot be smaller than all of them.
        const qint64 multipart = QFileInfo(curlDir + "/study.multipart").size();
        if (c.seconds < 0) {
            std::printf("  curl FAILED: %s\n", qPrintable(c.error));
            ++failedRuns;
        } else if (multipart < bytes) {
            std::printf("  curl INCOMPLETE: %lld of at least %lld bytes; not counted\n", qlonglong(multipart), qlonglong(bytes));
            ++failedRuns;
        } else {
            std::printf("  %-34s %6.2f s  %7.1f MB/s  (one multipart file of %.1f MB)\n", "curl (WADO-RS, same URL)", c.seconds, mb / c.seconds,
                        multipart / 1e6);
            if (!best.count("curl") || c.seconds < best["curl"]) best["curl"] = c.seconds;
        }
        QDir(r).removeRecursively();
    }

    auto ratio = [&](const QString& ours, const QString& peer) {
        if (!best.count(ours) || !best.count(peer)) return;
        std::printf("  %-32s %6.1f MB/s vs %-26s %6.1f MB/s  -> %.2fx\n", qPrintable(ours), mb / best[ours], qPrintable(peer), mb / best[peer],
                    best[peer] / best[ours]);
    };
    std::printf("best of %d (higher x is better for Lightbox):\n", rounds);
    ratio("lightbox retrieve --method get", "dcmtk getscu");
    ratio("lightbox retrieve --method move", "dcmtk movescu + storescp");
    ratio("lightbox retrieve --method wado", "curl");
    orthanc.stop();
    if (failedRuns > 0) {
        std::fprintf(stderr, "bench_archive: %d run(s) failed or were incomplete\n", failedRuns);
        return 1;
    }
    return 0;
}
