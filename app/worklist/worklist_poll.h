#pragma once
// DICOM Modality Worklist polling: each configured source (app_config.h WorklistSource) is asked
// for the steps scheduled from the start of today to now + its look-ahead, on its station AE
// title and modality; each step becomes an order of sender "mwl:<source>" in the work queue when
// it is new or changed (an unchanged one is left alone, so polling again records nothing and
// plans nothing). The query is audited like other archive queries.
// A step that is no longer on the worklist is left as it was: a RIS drops a step both when it is
// cancelled and when it has been performed, and the worklist alone cannot tell the two apart.
#include "order.h"
#include "work_queue.h"

#include "app_config.h"
#include "worklist_find.h"

#include <QDateTime>
#include <QString>

#include <atomic>
#include <vector>

namespace lightbox::app {

struct PolledStep {
    net::WorklistItem item;
    QString outcome;  // "new", "changed", "unchanged", or "ignored: <why>"
    std::int64_t orderId = 0;
};

struct PollReport {
    QString source, archive;
    std::vector<PolledStep> steps;
    int added = 0, changed = 0, unchanged = 0, ignored = 0;
    QString error;  // the worklist could not be asked (nothing was recorded)
    bool ok() const { return error.isEmpty(); }
    QString summary() const;  // one line for people
};

// The order a step stands for, for source `sourceName`: known by its placer order number, else
// its requested procedure ID (each with the step's ID), else its accession; scheduled at the
// step's start date and time (local); the step's status COMPLETED is "performed",
// DISCONTINUED or CANCELED "cancelled".
Order orderFromStep(const net::WorklistItem& step, const QString& sourceName);

// The query for a source at `now`.
net::WorklistQuery worklistQuery(const WorklistSource& source, const QDateTime& now);

// Asks one source and records what it said in `queue`. A stored query ("studies" source) makes
// each study of the archive acquired in its look-back an order of sender "query:<source>", known by
// its Study Instance UID (`cacheDir`: the cache whose archive credentials and audit it uses).
PollReport pollWorklist(const AppConfig& config, const WorklistSource& source, WorkQueue& queue, const QDateTime& now,
                        const std::atomic<bool>* cancel = nullptr, const QString& cacheDir = {});

}  // namespace lightbox::app
