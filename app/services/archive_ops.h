#pragma once
// What Lightbox does with an archive, for the command line and the GUI alike (no widgets; run off
// the GUI thread): search it with the cache's filters, retrieve a study or series into the cache
// (resuming: what is cached is not asked again; retrying with back-off; complete only when every
// instance is in the cache), and send a cached study to it.
#include "app_config.h"
#include "cache.h"
#include "study_index.h"

#include <algorithm>
#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace lightbox::app {

struct RemoteStudy {
    storage::StudyRow row;      // as the archive describes it (sizes unknown: 0)
    int cachedInstances = 0;    // how many of its instances the cache holds
};

// C-FIND (study root) when the archive has DIMSE settings, else QIDO-RS. Patient name, ID and
// accession take wildcards; a name without one matches as a prefix, as in the local search; the
// description matches when it contains the text.
Result<std::vector<RemoteStudy>> findRemoteStudies(const ArchiveEntry& archive, const LocalNode& local, const storage::StudyQuery& query,
                                                   const QString& cacheDir, const std::atomic<bool>* cancel = nullptr);

enum class RetrieveMethod { Move, Get, Wado };
QString methodName(RetrieveMethod m);

struct RetrieveSpec {
    ArchiveEntry archive;
    LocalNode local;
    QString cacheDir;
    std::string studyUid;
    std::vector<std::string> seriesUids;  // empty: the whole study
    RetrieveMethod method = RetrieveMethod::Get;
    int attempts = 3;                     // tries in all, with 1 s, 2 s, 4 s... between them
    // A bandwidth limit (0: none): arrivals are written no faster than this, and TCP's flow
    // control slows the archive to match (C-GET, C-MOVE and WADO-RS alike).
    qint64 maxBytesPerSecond = 0;
};

struct RetrieveReport {
    int expected = 0;        // instances the archive lists
    int alreadyCached = 0;   // present before
    int received = 0;        // stored by this retrieve
    std::vector<std::string> missing;  // still not in the cache at the end
    std::vector<std::string> errors;   // one line per failed attempt
    bool cancelled = false;
    bool countedComplete = false;     // complete by the archive's instance count (nothing was cached before)
    // Instances the archive holds that are not in the cache (known by count when the list could not be had).
    int missingCount() const { return std::max(int(missing.size()), expected - alreadyCached - received); }
    bool complete() const { return !cancelled && expected > 0 && missingCount() == 0; }
};

struct RetrieveProgress {
    int done = 0, total = 0;  // instances in the cache of those expected
    QString stage;            // "listing", "retrieving", "retrying in 2 s: ...", "checking"
};

RetrieveReport retrieve(const RetrieveSpec& spec, const std::function<void(const RetrieveProgress&)>& progress = {},
                        const std::atomic<bool>* cancel = nullptr);

struct SendReport {
    int files = 0, sent = 0;
    std::vector<std::string> failed;  // "file: reason"
    QString error;
    bool cancelled = false;
    bool countedComplete = false;     // complete by the archive's instance count (nothing was cached before)
    bool complete() const { return error.isEmpty() && failed.empty() && !cancelled && sent == files; }
};

// The sending itself, of any files (the cache's, or an export's de-identified copies): C-STORE
// when the archive has DIMSE settings (and useStow is false), else STOW-RS. No permission check or
// audit record: the caller's job (the outbox's queueStudy and delivery, exportStudies).
SendReport sendFileList(const ArchiveEntry& archive, const LocalNode& local, const std::vector<std::string>& files, bool useStow,
                        const std::function<void(int done, int total)>& progress = {}, const std::atomic<bool>* cancel = nullptr);

}  // namespace lightbox::app
