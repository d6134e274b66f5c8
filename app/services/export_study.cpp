#include "export_study.h"

#include "sealed_file.h"

#include "archive_ops.h"
#include "auditor.h"
#include "cache.h"
#include "export_media.h"
#include "study_open.h"

#include <QFileInfo>

#include <filesystem>
#include <map>
#include <memory>

#include <sys/stat.h>

namespace lightbox::app {

namespace {

namespace fs = std::filesystem;

using Progress = std::function<void(const ExportProgress&)>;

bool stopped(const std::atomic<bool>* cancel) { return cancel && cancel->load(); }

void report(const Progress& progress, int done, int total, const QString& stage)
{
    if (progress) progress(ExportProgress{done, total, stage});
}

storage::StudyFacts factsOf(const storage::OpenedStudy& s)
{
    return {s.study.patientId, s.study.patientName, s.study.studyUid, int(s.files.size())};
}

// The studies, each held by its lease until the export is done.
struct Opened {
    std::unique_ptr<storage::Cache> cache;
    std::shared_ptr<storage::LeaseKeeper> keeper;
    std::vector<storage::OpenedStudy> studies;
};

Result<Opened> openStudies(const ExportSpec& spec)
{
    Opened o;
    auto cache = storage::Cache::open(spec.cacheDir.toStdString());
    if (!cache) return cache.error();
    auto keeper = storage::LeaseKeeper::open(spec.cacheDir.toStdString());
    if (!keeper) return keeper.error();
    o.cache = std::move(*cache);
    o.keeper = *keeper;
    for (const std::string& uid : spec.studyUids) {
        auto study = storage::openStudy(*o.cache, *o.keeper, uid, "exporting");
        if (!study) return study.error();
        o.studies.push_back(std::move(*study));
    }
    return o;
}

// Images that may show identifying text refuse the export unless rectangles to blank are given.
QStringList burnedInRefusals(const Opened& o, const imaging::DeidOptions& deid)
{
    QStringList refused;
    if (!deid.blank.empty()) return refused;
    for (const auto& study : o.studies)
        for (const auto& [path, row] : study.files) {
            auto check = imaging::checkBurnedIn(path);
            if (!check) refused << QString::fromStdString(check.error().message);
            else if (check->suspected)
                refused << QStringLiteral("instance %1 (series %2): %3")
                               .arg(QString::fromStdString(row.sopInstanceUid), QString::fromStdString(row.seriesUid), QString::fromStdString(check->reason));
        }
    return refused;
}

// One study's files written under `root` as media files: de-identified, or copied as stored.
Status stageStudy(const storage::OpenedStudy& study, int studyNumber, const std::string& root, imaging::Deidentifier* deid,
                  std::vector<std::string>& written, std::string& newStudyUid, const std::function<bool()>& step)
{
    std::map<std::string, int> seriesNumber, instanceCount;
    for (const auto& [path, row] : study.files) {
        const int series = seriesNumber.try_emplace(row.seriesUid, int(seriesNumber.size()) + 1).first->second;
        const std::string relative = storage::mediaFilePath(studyNumber, series, ++instanceCount[row.seriesUid]);
        if (Status s = storage::makeParentFolders(root, relative); !s) return s;
        const std::string target = root + "/" + relative;
        if (deid) {
            auto r = deid->deidentifyFile(path, target);
            if (!r) return r.error();
            newStudyUid = r->studyUid;
        } else {
            // Plain bytes out, whether the cache keeps the file encrypted or not.
            if (Status s = copyPlain(path, target); !s) return s;
            newStudyUid = study.study.studyUid;
        }
        ::chmod(target.c_str(), 0600);
        written.push_back(relative);
        if (!step()) return makeError("cancelled", "export cancelled");
    }
    return Done{};
}

Status stageAll(const ExportSpec& spec, const Opened& o, const std::string& root, std::vector<std::string>& written, ExportReport& rep,
                const Progress& progress, const std::atomic<bool>* cancel)
{
    int total = 0, done = 0;
    for (const auto& s : o.studies) total += int(s.files.size());
    std::unique_ptr<imaging::Deidentifier> deid = spec.anonymize ? std::make_unique<imaging::Deidentifier>(spec.deid) : nullptr;
    const QString stage = spec.anonymize ? "de-identifying" : "copying";
    report(progress, 0, total, stage);
    const auto step = [&] {
        report(progress, ++done, total, stage);
        return !stopped(cancel);
    };
    for (std::size_t i = 0; i < o.studies.size(); ++i) {
        std::string newUid;
        if (Status s = stageStudy(o.studies[i], int(i) + 1, root, deid.get(), written, newUid, step); !s) return s;
        rep.studies.push_back({o.studies[i].study.studyUid, newUid});
    }
    rep.instances = int(written.size());
    return Done{};
}

Status sendStaged(const ExportSpec& spec, const std::string& root, const std::vector<std::string>& written, const Progress& progress,
                  const std::atomic<bool>* cancel)
{
    std::vector<std::string> files;
    for (const std::string& f : written) files.push_back(root + "/" + f);
    const SendReport sent = sendFileList(*spec.archive, spec.local, files, spec.useStow,
                                         [&](int done, int total) { report(progress, done, total, "sending"); }, cancel);
    if (sent.complete()) return Done{};
    if (sent.cancelled) return makeError("cancelled", "export cancelled");
    if (!sent.error.isEmpty()) return makeError("send-failed", sent.error.toStdString());
    return makeError("send-incomplete", std::to_string(sent.sent) + " of " + std::to_string(sent.files) + " sent; first failure: " + sent.failed.front());
}

// Writes the staged files to the destination: the folder renamed into place, a ZIP, or an archive.
Status publish(const ExportSpec& spec, storage::StagingFolder& staged, const std::vector<std::string>& written, const Progress& progress,
               const std::atomic<bool>* cancel)
{
    if (spec.archive) return sendStaged(spec, staged.path(), written, progress, cancel);
    report(progress, 0, 1, "writing DICOMDIR");
    if (Status s = storage::writeDicomdir(staged.path(), written); !s) return s;
    if (stopped(cancel)) return makeError("cancelled", "export cancelled");
    if (!spec.zip.isEmpty()) {
        report(progress, 0, 1, "packing ZIP");
        return storage::writeZip(staged.path(), written, QFileInfo(spec.zip).absoluteFilePath().toStdString());
    }
    return storage::publishFolder(staged, QFileInfo(spec.folder).absoluteFilePath().toStdString());
}

Result<storage::StagingFolder> stagingFor(const ExportSpec& spec)
{
    if (!spec.folder.isEmpty()) return storage::StagingFolder::createBeside(QFileInfo(spec.folder).absoluteFilePath().toStdString());
    return storage::StagingFolder::createIn(spec.cacheDir.toStdString() + "/tmp");
}

Status runExport(const ExportSpec& spec, const Opened& opened, ExportReport& rep, const Progress& progress, const std::atomic<bool>* cancel)
{
    auto staged = stagingFor(spec);
    if (!staged) return staged.error();
    std::vector<std::string> written;
    if (Status s = stageAll(spec, opened, staged->path(), written, rep, progress, cancel); !s) return s;
    return publish(spec, *staged, written, progress, cancel);
}

}  // namespace

QString ExportSpec::destination() const
{
    if (archive) return "archive " + archive->name;
    return QFileInfo(zip.isEmpty() ? folder : zip).absoluteFilePath();
}

ExportReport exportStudies(const ExportSpec& spec, const Progress& progress, const std::atomic<bool>* cancel)
{
    ExportReport rep;
    const auto auditor = security::currentAuditor();
    const auto permission = spec.anonymize ? security::Permission::Export : security::Permission::ExportIdentified;
    if (auditor)
        if (Status allowed = auditor->require(permission, "export to " + spec.destination().toStdString()); !allowed) {
            rep.error = QString::fromStdString(allowed.error().message);
            return rep;
        }
    report(progress, 0, int(spec.studyUids.size()), "opening");
    auto opened = openStudies(spec);
    if (!opened) {
        rep.error = QString::fromStdString(opened.error().message);
        return rep;
    }
    rep.refused = spec.anonymize ? burnedInRefusals(*opened, spec.deid) : QStringList();
    Status outcome = !rep.refused.isEmpty()
                         ? Status(makeError("burned-in", std::to_string(rep.refused.size()) + " images may show burned-in identifying text"))
                         : runExport(spec, *opened, rep, progress, cancel);
    if (!outcome) {
        rep.cancelled = outcome.error().code == "cancelled";
        if (!rep.cancelled) rep.error = QString::fromStdString(outcome.error().message);
    }
    if (auditor)
        for (const auto& study : opened->studies) auditor->exported(factsOf(study), spec.destination().toStdString(), outcome);
    return rep;
}

}  // namespace lightbox::app
