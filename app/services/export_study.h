#pragma once
// Exporting cached studies: as they are stored (identified), or de-identified by PS3.15 Annex E
// (imaging/deidentify.h) with one UID map for the whole export, to a folder with a DICOMDIR, a ZIP
// of the same tree, or an archive (C-STORE or STOW-RS). The one path of the job for the command
// line and the GUI: the permission (Export, or ExportIdentified without de-identification) is
// checked here, each study is opened through storage::openStudy ("exporting") and each leaves one
// Export audit record. Synchronous: run it off the GUI thread. Nothing is left at the destination
// when it fails or is cancelled.
#include "app_config.h"
#include "deidentify.h"

#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lightbox::app {

struct ExportSpec {
    QString cacheDir;
    std::vector<std::string> studyUids;
    bool anonymize = false;
    imaging::DeidOptions deid;     // with anonymize
    QString folder, zip;           // one destination: a folder, a ZIP file,
    std::optional<ArchiveEntry> archive;  // or an archive
    LocalNode local;
    bool useStow = false;
    QString destination() const;  // as the audit trail and messages name it
};

struct ExportProgress {
    int done = 0, total = 0;
    QString stage;  // "opening", "de-identifying", "writing DICOMDIR", "packing ZIP", "sending"
};

struct ExportReport {
    int instances = 0;
    QString error;              // why nothing was exported
    QStringList refused;        // instances refused for burned-in annotation, one line each
    bool cancelled = false;
    std::vector<std::pair<std::string, std::string>> studies;  // original and exported Study Instance UIDs
    bool ok() const { return error.isEmpty() && !cancelled; }
};

ExportReport exportStudies(const ExportSpec& spec, const std::function<void(const ExportProgress&)>& progress = {},
                           const std::atomic<bool>* cancel = nullptr);

}  // namespace lightbox::app
