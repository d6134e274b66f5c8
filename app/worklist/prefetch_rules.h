#pragma once
// Prefetch rules: which studies to bring into the cache ahead of reading an order, and when.
// A rule set is JSON (<config folder>/prefetch.json; the shipped default when there is none):
//   {"version": 1, "rules": [{
//       "name": "default",
//       "when": {"modalities": [], "senders": []},   // which orders it applies to (empty: any)
//       "current": true,                              // the order's own study, once it exists
//       "priors": 2,                                  // how many earlier studies
//       "maxAgeYears": 5,                             // earlier than the order, within this
//       "match": ["modality"],                        // what makes a prior relevant (below)
//       "relatedProcedures": {"CTCHEST": ["XRCHEST"]},// order's procedure code -> relevant priors' codes
//       "leadHours": 24,                              // not before this long before the schedule
//       "windows": [{"from": "19:00", "to": "07:00"}],// only at these times of day (empty: any)
//       "maxBytesPerSecond": 0                        // bandwidth limit for its retrieves (0: none)
//   }]}
// "match" lists what an earlier study must share with the order, all of them ([]: any earlier study):
//   "modality"  a modality (the order's scheduled modality among the study's Modalities in Study);
//   "bodyPart"  a body part (Body Part Examined of its series, or the study's), the order's being
//               the current study's when the archive holds it; unknown on either side: not excluded;
//   "procedure" a related procedure: the study's procedure code is the order's, or one that
//               "relatedProcedures" lists for the order's code; unknown on either side: not excluded.
// Version-1 files without "match" keep their meaning: "sameModality": true (the default) is
// ["modality"], false is []. A file may not give both.
// The first rule whose `when` matches an order applies. The shipped default: the 2 most recent
// earlier studies of the same modality within 5 years, and the current study.
// Selection is pure: given the order and the studies an archive holds for the patient (with how
// much of each is cached), it names the studies to fetch, in priority order (current first).
#include "order.h"

#include "archive_ops.h"
#include "result.h"

#include <QJsonObject>
#include <QStringList>
#include <QTime>

#include <map>
#include <vector>

namespace lightbox::app {

struct TimeWindow {
    QTime from, to;  // to < from: across midnight
    bool contains(const QTime& t) const;
};

struct PrefetchRule {
    QString name = "default";
    QStringList modalities, senders;  // when: the order's modality / sender among these (empty: any)
    bool current = true;
    int priors = 2;
    int maxAgeYears = 5;
    // What makes an earlier study relevant ("match"): each set criterion must hold.
    bool sameModality = true, sameBodyPart = false, relatedProcedure = false;
    std::map<QString, QStringList> relatedProcedures;  // order's procedure code -> related codes
    int leadHours = 24;
    std::vector<TimeWindow> windows;
    qint64 maxBytesPerSecond = 0;

    bool appliesTo(const Order& order) const;
    // Whether its retrieves may run at `now` for an order scheduled at `scheduled`.
    bool mayRunAt(const QDateTime& now, const QDateTime& scheduled) const;
};

class PrefetchRules {
public:
    static PrefetchRules shippedDefault();
    // The rules in `path`; the shipped default when the file does not exist; an error (with the
    // line at fault) when it exists but is not a valid rule set.
    static Result<PrefetchRules> load(const QString& path);
    static Result<PrefetchRules> fromJson(const QJsonObject& json);
    // The file's text, or why a rule set is not valid (the same checks as when it is read).
    static Result<PrefetchRules> parse(const QByteArray& text, const QString& where);
    QJsonObject toJson() const;
    // The one way rules are saved (the Prefetch rules dialog): allowed to whoever may change
    // settings, written whole or not at all (a file beside, renamed), readable by its owner only,
    // and recorded in the audit trail as a settings change (Software Configuration).
    Status save(const QString& path) const;
    static QString defaultPath();  // beside the settings file

    // The rule for an order (null when none applies).
    const PrefetchRule* ruleFor(const Order& order) const;
    std::vector<PrefetchRule> rules;
};

struct PrefetchChoice {
    std::string studyUid;
    enum class Kind { Current, Prior } kind = Kind::Prior;
    int rank = 0;            // 0 for the current study, 1.. for priors (most recent first)
    bool cached = false;     // every instance the archive lists is in the cache already
    std::string reason;      // for people: "current study", "prior 1 of 2: CT 2024-03-01"
};

// Procedure codes known for studies, by Study Instance UID (the RIS's orders for them).
using ProcedureCodes = std::map<std::string, QStringList>;

// The studies to fetch for `order` by `rule`, among `candidates` (the patient's studies on an
// archive; body parts in `row.bodyParts`, '\\' or ',' between them, when known): the current one
// (same Study Instance UID or accession) and the rule's priors, most recent first. A study of
// another patient (different ID, or birth date when both are known) is never chosen.
std::vector<PrefetchChoice> choosePrefetch(const Order& order, const PrefetchRule& rule, const std::vector<RemoteStudy>& candidates,
                                           const ProcedureCodes& procedures = {});

// For a rule that matches body parts: the studies whose body parts the choice needs (the current
// study, and the priors every other criterion lets through, most recent first), at most `limit`.
std::vector<std::string> studiesNeedingBodyParts(const Order& order, const PrefetchRule& rule, const std::vector<RemoteStudy>& candidates,
                                                 const ProcedureCodes& procedures, int limit);

}  // namespace lightbox::app
