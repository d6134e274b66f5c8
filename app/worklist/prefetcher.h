#pragma once
// Prefetch: for each open order whose rule may run now, the patient's studies are searched on
// every archive (under merged patient IDs too), the rule chooses the current study and the
// relevant priors, and each chosen study becomes a task (once per order: never twice); a study
// the cache already holds whole is recorded as skipped. A rule that matches body parts has the
// archive list the series of the current study and of the likely priors (at most 12 per order)
// for their Body Part Examined; a rule that matches procedures knows a study's procedure code from
// the RIS's order for it (the archive's study-level answer does not carry one). Tasks are then
// retrieved one at a time, current studies first, through the one retrieve path
// (app/services/retrieve.cpp: what is cached is not asked again, arrivals go through the cache's
// one way in), with the rule's bandwidth limit.
// The chosen studies are held in the cache until the order is read (study_keeping.h).
// Runs off the GUI thread (the service's worker, `lightbox service`, `lightbox worklist prefetch`).
#include "prefetch_rules.h"
#include "work_queue.h"

#include "app_config.h"
#include "cache.h"

#include <QDateTime>

#include <atomic>
#include <functional>
#include <map>
#include <memory>

namespace lightbox::app {

// A patient's studies on every archive Lightbox can search, under each of `ids` (the patient's ID
// and those merged into it); a study listed by several archives is kept once, from the first.
struct PatientSearch {
    std::vector<RemoteStudy> studies;  // patientId as each archive gave it
    std::map<std::string, QString> archiveOf;  // Study Instance UID -> archive name
    std::vector<std::string> problems;  // "archive: why" for each search that failed
    bool searched = false;              // at least one archive answered
    bool anyArchive = false;            // there is an archive to ask
};
PatientSearch searchPatient(const AppConfig& config, const QString& cacheDir, const std::vector<QString>& ids,
                            const std::atomic<bool>* cancel = nullptr);

struct PrefetchEvent {
    PrefetchTask task;
    RetrieveProgress progress;
};

class Prefetcher {
public:
    Prefetcher(AppConfig config, QString cacheDir, PrefetchRules rules, WorkQueue& queue)
        : m_config(std::move(config)), m_cacheDir(std::move(cacheDir)), m_rules(std::move(rules)), m_queue(queue)
    {
    }

    // Chooses the studies of one order and queues them. Returns the tasks added (0 when it had
    // them all already), or why the archives could not be searched.
    Result<int> plan(const StoredOrder& order, const std::atomic<bool>* cancel = nullptr);
    // Plans every open order whose rule may run at `now` and that was not planned in the last
    // `replanSeconds` (its current study may have arrived at the archive since). Errors are
    // returned per order, for the log.
    std::vector<std::string> planDue(const QDateTime& now, int replanSeconds, const std::atomic<bool>* cancel = nullptr);
    // Retrieves queued tasks until none is left or `cancel` is set. Returns how many ran.
    int runQueued(const std::atomic<bool>* cancel = nullptr, const std::function<void(const PrefetchEvent&)>& progress = {});

private:
    ProcedureCodes knownProcedures(const PrefetchRule& rule);
    // Fills in the body parts of the studies the rule's choice needs, from their series.
    void describeBodyParts(const Order& order, const PrefetchRule& rule, std::vector<RemoteStudy>& candidates,
                           const std::map<std::string, QString>& archiveOf, const ProcedureCodes& procedures, const std::atomic<bool>* cancel);

    AppConfig m_config;
    QString m_cacheDir;
    PrefetchRules m_rules;
    WorkQueue& m_queue;
    // The cache the chosen studies are held in: opened once per Prefetcher (a key unlock each
    // time on an encrypted cache), on the first plan.
    std::unique_ptr<storage::Cache> m_cache;
};

}  // namespace lightbox::app
