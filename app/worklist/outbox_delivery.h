#pragma once
// Putting cached studies in the outbox (outbox.h) and delivering what is due, by the rule of
// exactly once written there: one instance at a time, each claimed ("sending", committed) before
// its transfer and marked sent after the archive's answer; an item whose earlier outcome is unknown
// is looked for at the archive first. Each study sent, in whole or in part, in a round is recorded
// in the audit trail (DICOM Instances Transferred) by whoever runs the delivery; the permission to
// let it leave was checked when it was queued.
#include "outbox.h"

#include "app_config.h"

#include <QString>

#include <atomic>
#include <functional>

namespace lightbox::app {

// Queues every cached instance of the study for the archive. Checks that the user may send it
// (ExportIdentified) and records Begin Transferring. Returns how many instances it queued.
Result<int> queueStudy(Outbox& outbox, const QString& cacheDir, const ArchiveEntry& archive, const std::string& studyUid, bool stow,
                       const QString& origin);

struct DeliveryRound {
    int sent = 0;         // stored by the archive now
    int foundThere = 0;   // not sent: the archive held them already
    int retrying = 0;     // attempts that failed and wait for their next try
    int failed = 0;       // given up (refused too often, or no longer in the cache or the settings)
};

// Delivers the items due now (for one archive, or with an empty name for all) until none is due
// or `stop` is set. `report` hears one line per problem; `progress` the round so far after each item.
DeliveryRound deliverDue(Outbox& outbox, const AppConfig& config, const QString& cacheDir, const QString& archive = {},
                         const std::atomic<bool>* stop = nullptr, const std::function<void(const QString&)>& report = {},
                         const std::function<void(const DeliveryRound&)>& progress = {});

}  // namespace lightbox::app
