// Benchmark (run on demand): a morning of N scheduled studies (default 200), each patient with 2
// relevant priors and one unrelated study, in a real Orthanc. The orders are entered, then
// `lightbox worklist prefetch` brings the current studies and the priors the shipped default rule
// chooses; the time until all are cached is compared with the same studies fetched by DCMTK
// getscu (C-GET to files, one study at a time: the link's capacity for that work, measured in the
// same run). Then a simulated day of reading: the reader opens order i at i × PACE seconds from the
// moment the orders came (the morning compressed); an order is a prefetch hit when its study and
// its priors were whole in the cache by then. Prints the hit rate for that pace and for readers
// starting after the prefetch ("the night before": every order).
// Exits 1 when a run failed or a chosen study is missing.
// usage: bench_prefetch [WORK_DIR] [--orders N] [--images K] [--pace SECONDS]
#include "orthanc_fixture.h"
#include "study_writer.h"
#include "test_support.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <cstdio>
#include <map>

#include <unistd.h>

using namespace lightbox::test;

namespace {

qint64 bytesUnder(const QString& dir)
{
    qint64 n = 0;
    for (QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories); it.hasNext();) n += QFileInfo(it.next()).size();
    return n;
}

}  // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments().mid(1);
    int orders = 200, images = 4;
    double pace = 1.0;
    QString work;
    for (int i = 0; i < args.size(); ++i) {
        if (args[i] == "--orders" && i + 1 < args.size()) orders = args[++i].toInt();
        else if (args[i] == "--images" && i + 1 < args.size()) images = args[++i].toInt();
        else if (args[i] == "--pace" && i + 1 < args.size()) pace = args[++i].toDouble();
        else work = args[i];
    }
    if (orders < 1 || images < 1 || pace <= 0) {
        std::fprintf(stderr, "usage: bench_prefetch [WORK_DIR] [--orders N] [--images K] [--pace SECONDS]\n");
        return 2;
    }
    if (!work.isEmpty()) QDir().mkpath(work);
    QTemporaryDir tmp(work.isEmpty() ? QDir::tempPath() + "/bench_prefetch-XXXXXX" : work + "/bench_prefetch-XXXXXX");
    if (!tmp.isValid()) return 1;
    qputenv("TCP_NODELAY", "1");

    OrthancServer orthanc;
    QString error;
    if (!orthanc.start(&error)) {
        std::fprintf(stderr, "orthanc: %s\n", qPrintable(error));
        return 1;
    }
    // Each patient: today's CT (ordered), CT 1 and 2 years ago (the rule's priors), an MR (not).
    const QDate today = QDate::currentDate();
    std::vector<QString> wanted;                 // study UIDs the rule should bring
    std::map<QString, QStringList> studiesOf;    // patient -> current, prior, prior
    for (int i = 0; i < orders; ++i) {
        const QString patient = QString("BP-%1").arg(i, 4, 10, QChar('0'));
        const struct {
            const char* name;
            int daysAgo;
            const char* modality;
        } kinds[] = {{"current", 0, "CT"}, {"prior1", 365, "CT"}, {"prior2", 730, "CT"}, {"mr", 500, "MR"}};
        for (const auto& k : kinds) {
            const QString dir = tmp.path() + "/src/" + patient + "/" + k.name;
            const QString uid = writeStudy({patient, "19600101", today.addDays(-k.daysAgo).toString("yyyyMMdd"), QString(k.modality) + " EXAM", "CHEST",
                                            {{"S1", k.modality, "", images, {}, {}, "ORIGINAL\\PRIMARY\\AXIAL", {}}}, {}, {}},
                                           dir, &error);
            if (uid.isEmpty() || orthanc.upload(filesUnder(dir)) != images) {
                std::fprintf(stderr, "cannot write or upload %s: %s\n", qPrintable(dir), qPrintable(error));
                return 1;
            }
            if (QString(k.modality) == "CT") {
                wanted.push_back(uid);
                studiesOf[patient] << uid;
            }
        }
    }
    qint64 wantedBytes = 0;
    for (const auto& [patient, list] : studiesOf)
        for (const char* kind : {"current", "prior1", "prior2"}) wantedBytes += bytesUnder(tmp.path() + "/src/" + patient + "/" + kind);
    const double mb = wantedBytes / 1e6;
    std::printf("%d orders, %zu studies to bring (%.1f MB), %d images each\n", orders, wanted.size(), mb, images);

    // The peer: DCMTK getscu, one C-GET per study, into files.
    const QString getDir = tmp.path() + "/getscu";
    QDir().mkpath(getDir);
    ::sync();
    QElapsedTimer peer;
    peer.start();
    for (const QString& uid : wanted) {
        QProcess p;
        p.start("getscu", {"-aet", "LIGHTBOX", "-aec", "ORTHANC", "-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=" + uid, "-od", getDir,
                           "127.0.0.1", QString::number(orthanc.dicomPort())});
        if (!p.waitForFinished(120000) || p.exitCode() != 0) {
            std::fprintf(stderr, "getscu failed for %s: %s\n", qPrintable(uid), p.readAllStandardError().right(300).constData());
            return 1;
        }
    }
    const double peerSeconds = peer.elapsed() / 1000.0;

    // Lightbox: orders, then prefetch (timed from the first order to everything cached).
    const QString config = tmp.path() + "/lightbox.json", cache = tmp.path() + "/cache";
    auto lb = [&](const QStringList& a, int timeoutMs = 120000) { return run(lightboxExe(), a + QStringList{"--config", config, "--cache", cache}, timeoutMs); };
    for (const ProcessResult& r : {lb({"archive", "add", "orthanc", "--aet", "ORTHANC", "--host", "127.0.0.1", "--port", QString::number(orthanc.dicomPort())}),
                                   run(lightboxExe(), {"cache", "init", "--cache", cache})}) {
        if (!r.ok()) {
            std::fprintf(stderr, "lightbox: %s\n", r.err.constData());
            return 1;
        }
    }
    const QDateTime start = QDateTime::currentDateTime();
    QElapsedTimer total;
    total.start();
    int i = 0;
    for (const auto& [patient, list] : studiesOf) {
        const QString when = start.addSecs(3600 + 60 * i++).toString("yyyy-MM-ddTHH:mm");
        const ProcessResult r = lb({"worklist", "add", "--patient-id", patient, "--modality", "CT", "--study", list.front(), "--scheduled", when,
                                    "--accession", "BA-" + patient});
        if (!r.ok()) {
            std::fprintf(stderr, "worklist add: %s\n", r.err.constData());
            return 1;
        }
    }
    const double enterSeconds = total.elapsed() / 1000.0;
    QElapsedTimer fetch;
    fetch.start();
    const ProcessResult pf = lb({"worklist", "prefetch", "--quiet"}, 3600 * 1000);
    const double prefetchSeconds = fetch.elapsed() / 1000.0;
    if (!pf.ok()) {
        std::fprintf(stderr, "prefetch: %s%s\n", pf.out.constData(), pf.err.constData());
        return 1;
    }
    // Every chosen study whole, nothing else.
    const QJsonArray items = QJsonDocument::fromJson(lb({"worklist", "list", "--json"}).out).array();
    int tasks = 0, bad = 0, hits = 0, nightBefore = 0;
    const qint64 t0 = start.toMSecsSinceEpoch() + qint64(enterSeconds * 1000);  // the orders are in: reading may start
    for (int k = 0; k < items.size(); ++k) {
        const QJsonObject item = items[k].toObject();
        qint64 lastArrival = 0;
        int here = 0;
        for (const QJsonValue& t : item["prefetch"].toArray()) {
            ++tasks;
            const bool ok = t["state"].toString() == "done" || t["state"].toString() == "skipped";
            here += ok;
            bad += !ok;
            lastArrival = std::max(lastArrival, QDateTime::fromString(t["finished"].toString(), Qt::ISODate).toMSecsSinceEpoch());
        }
        const bool whole = here == 3;
        nightBefore += whole;
        hits += whole && lastArrival <= t0 + qint64(k * pace * 1000);
    }
    const ProcessResult studies = run(lightboxExe(), {"studies", "--json", "--limit", "100000", "--cache", cache});
    const int cachedStudies = QJsonDocument::fromJson(studies.out).array().size();
    std::printf("\n%-44s %8s %10s\n", "", "seconds", "MB/s");
    std::printf("%-44s %8.1f %10.1f\n", "dcmtk getscu, one C-GET per study (peer)", peerSeconds, mb / peerSeconds);
    std::printf("%-44s %8.1f %10s\n", "lightbox worklist add x N (orders in)", enterSeconds, "");
    std::printf("%-44s %8.1f %10.1f\n", "lightbox worklist prefetch (find+plan+get)", prefetchSeconds, mb / prefetchSeconds);
    std::printf("\nprefetch / peer: %.2f x the time; %d tasks, %d not done; %d studies cached (expected %zu)\n", prefetchSeconds / peerSeconds, tasks, bad,
                cachedStudies, wanted.size());
    std::printf("hit rate, reading from the moment the orders are in, one order every %.1f s: %d/%d = %.0f %%\n", pace, hits, int(items.size()),
                100.0 * hits / std::max<qsizetype>(1, items.size()));
    std::printf("hit rate, reading after the prefetch (orders the night before): %d/%d = %.0f %%\n", nightBefore, int(items.size()),
                100.0 * nightBefore / std::max<qsizetype>(1, items.size()));
    return bad == 0 && cachedStudies == int(wanted.size()) && tasks == 3 * orders ? 0 : 1;
}
