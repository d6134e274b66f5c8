// Sending a cached study to an archive: C-STORE on one association (each file in its own transfer
// syntax), or STOW-RS.
#include "archive_ops.h"

#include "audit_facts.h"

#include "dicomweb_client.h"
#include "dimse_store.h"

namespace lightbox::app {

namespace {

SendReport sendFilesOf(const ArchiveEntry& archive, const LocalNode& local, const QString& cacheDir, const std::string& studyUid, bool useStow,
                       const std::function<void(int, int)>& progress, const std::atomic<bool>* cancel)
{
    auto cache = storage::Cache::open(cacheDir.toStdString());
    if (!cache) {
        SendReport rep;
        rep.error = QString::fromStdString(cache.error().message);
        return rep;
    }
    std::vector<std::string> files;
    for (const auto& [path, row] : (*cache)->studyFiles(studyUid)) files.push_back(path);
    if (files.empty()) {
        SendReport rep;
        rep.error = "the study is not in the cache";
        return rep;
    }
    return sendFileList(archive, local, files, useStow, progress, cancel);
}

}  // namespace

SendReport sendFileList(const ArchiveEntry& archive, const LocalNode& local, const std::vector<std::string>& files, bool useStow,
                        const std::function<void(int, int)>& progress, const std::atomic<bool>* cancel)
{
    SendReport rep;
    rep.files = int(files.size());
    if (!useStow && archive.hasDimse()) {
        auto r = net::sendFiles(archive.peer(local), files, progress, cancel);
        if (!r) {
            rep.error = QString::fromStdString(r.error().message);
            return rep;
        }
        rep.sent = r->sent;
        rep.cancelled = r->cancelled;
        for (const auto& f : r->failed) rep.failed.push_back(f.file + ": " + f.reason);
        return rep;
    }
    if (!archive.hasWeb()) {
        rep.error = "archive " + archive.name + " has no DICOMweb URL for STOW-RS";
        return rep;
    }
    auto r = net::stow(archive.web(), files, [&](std::uint64_t sent, std::uint64_t total) {
        if (progress && total) progress(int(double(sent) / double(total) * rep.files), rep.files);
    }, cancel);
    if (!r) {
        rep.error = QString::fromStdString(r.error().message);
        rep.cancelled = r.error().code == "cancelled";
        return rep;
    }
    rep.sent = r->stored;
    for (const auto& [sop, why] : r->failed) rep.failed.push_back(sop + ": " + why);
    return rep;
}

// Sends the files as they are (the patient's identity included): the sender must be allowed to let
// it leave the machine. Recorded as Begin Transferring and DICOM Instances Transferred.
SendReport sendStudy(const ArchiveEntry& archive, const LocalNode& local, const QString& cacheDir, const std::string& studyUid, bool useStow,
                     const std::function<void(int, int)>& progress, const std::atomic<bool>* cancel)
{
    const auto auditor = security::currentAuditor();
    if (!auditor) return sendFilesOf(archive, local, cacheDir, studyUid, useStow, progress, cancel);
    const storage::StudyFacts study = cachedStudyFacts(cacheDir, studyUid);
    if (Status allowed = auditor->require(security::Permission::ExportIdentified, "send study " + studyUid + " to " + archive.name.toStdString()); !allowed) {
        SendReport refused;
        refused.error = QString::fromStdString(allowed.error().message);
        return refused;
    }
    auditor->transferStarted(true, peerFacts(archive), study);
    SendReport report = sendFilesOf(archive, local, cacheDir, studyUid, useStow, progress, cancel);
    const Status outcome = report.complete() ? Status(Done{})
                           : !report.error.isEmpty() ? Status(makeError("send-failed", report.error.toStdString()))
                                                     : Status(makeError("send-incomplete", std::to_string(report.sent) + " of " + std::to_string(report.files) + " sent"));
    auditor->transferred(true, peerFacts(archive), study, outcome);
    return report;
}

}  // namespace lightbox::app
