#pragma once
// Routing rules: which objects Lightbox forwards to which archives, by rules kept in JSON beside
// the settings (<config folder>/routing.json; no file: nothing is routed):
//   {"version": 1, "rules": [{
//       "name": "ct-to-pacs",
//       "when": {"modalities": ["CT"],           // the object's modality (empty: any)
//                "callingAEs": ["CT-ROOM-1"],    // the AE title that sent it to us (empty: any)
//                "sopClasses": ["1.2.840.10008.5.1.4.1.1.2", "CTImageStorage"],  // UIDs or keywords
//                "bodyParts": ["CHEST"],         // Body Part Examined of its series (empty: any)
//                "origins": ["received"]},       // received (pushed to the listener) or created
//       "to": ["PACS", "BACKUP"],                // archives of the settings, by name
//       "anonymize": false}]}                    // a de-identified copy (PS3.15 Basic Profile)
// Every rule whose `when` matches applies: one object may go to several archives, each once (when
// two rules name one archive, a de-identified copy wins over an identified one). Modalities, AE
// titles and body parts are compared without regard to case; SOP classes by UID (the keywords of
// the common classes are read as their UIDs). An object is never routed back to the archive it
// came from (by name or AE title). Pure: no files, no network.
#include "app_config.h"
#include "result.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <vector>

namespace lightbox::app {

struct RoutingRule {
    QString name;
    QStringList modalities, callingAes, sopClasses, bodyParts, origins;  // empty: any
    QStringList to;                                                      // archive names
    bool anonymize = false;
};

// What is known of an object being routed.
struct RoutedObject {
    QString origin;  // "received" or "created"
    QString modality, bodyPart, sopClassUid;
    QString callingAe;  // who sent it (received), empty otherwise
    QString peer;       // the settings entry that sent it (received), empty otherwise
};

struct RouteTarget {
    QString archive;
    bool anonymize = false;
    QStringList rules;  // the rules that send it there
};

class RoutingRules {
public:
    // <folder of the settings file `configPath`>/routing.json
    static QString pathBeside(const QString& configPath);
    // The rules in `path`; none when the file does not exist; an error (with what is wrong) when it
    // exists but is not a valid rule set.
    static Result<RoutingRules> load(const QString& path);
    static Result<RoutingRules> fromJson(const QJsonObject& json);
    QJsonObject toJson() const;
    // Written 0600 through a temporary file renamed into place.
    Status save(const QString& path) const;
    // An error naming the first rule whose destination is not an archive of the settings.
    Status checkDestinations(const AppConfig& config) const;

    // Where `object` goes: every matching rule's archives, each once, never the sender itself.
    std::vector<RouteTarget> targetsFor(const RoutedObject& object, const AppConfig& config) const;
    bool matches(const RoutingRule& rule, const RoutedObject& object) const;

    std::vector<RoutingRule> rules;
};

// A SOP class keyword of the common classes ("CTImageStorage") as its UID; a UID as it is; empty
// for anything else.
QString sopClassUidFrom(const QString& uidOrKeyword);

}  // namespace lightbox::app
