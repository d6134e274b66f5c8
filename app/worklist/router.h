#pragma once
// Routing objects by the rules (routing_rules.h) into the outbox (outbox.h), which delivers each
// once. What is routed:
//   - received: an instance a modality or peer pushed to the storage listener (origin
//     "store:PEER") that the cache stored now. Not what was already in the cache (pushed again),
//     and never what Lightbox fetched itself (C-MOVE results "move:PEER", C-GET, WADO-RS: reading
//     and prefetch), so a retrieve is never forwarded.
//   - created: objects Lightbox makes and stores in the cache (reports, presentation states),
//     handed over by their writer with created().
// An identified copy is the cached file itself; a de-identified one (a rule's "anonymize") is
// written by the export's de-identifier (imaging/deidentify.h, PS3.15 Basic Profile) into
// <cache>/outbox-spool/ (0700; files 0600, encrypted with the cache's key when the cache is), and
// removed by the outbox once it is sent or cancelled. Its UIDs are derived from the originals with
// a keyed hash (HMAC-SHA-256, key <cache>/route-uid.key: 32 random bytes, sealed like the cache's
// files), so every instance of a study gets the same new Study Instance UID, in any process and
// at any time, and references between routed objects still resolve.
// Each (study, archive) is recorded once per process in the audit trail: Begin Transferring for
// identified copies, Export for de-identified ones; the delivery records what was transferred.
// Thread-safe: the listener's association threads call it concurrently.
#include "outbox.h"
#include "receiver.h"
#include "routing_rules.h"

#include "app_config.h"
#include "cache.h"

#include <QString>
#include <QStringList>

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

namespace lightbox::app {

struct RouteOutcome {
    int queued = 0;        // outbox items added
    QStringList said;      // what happened, one line each (routed where, or why not)
};

class Router {
public:
    // Opens the cache and the outbox of `cacheDir`; the rules' destinations are checked against
    // the settings.
    static Result<std::unique_ptr<Router>> open(AppConfig config, QString cacheDir, RoutingRules rules);

    // An instance the storage listener kept, with its origin ("store:PEER" is routed; anything
    // else is not). Only newly stored instances are routed.
    RouteOutcome received(const storage::Arrival& arrival, const std::string& origin);
    // Objects Lightbox created and stored in the cache: the SOP Instance UIDs of one study.
    RouteOutcome created(const std::string& studyUid, const std::vector<std::string>& sopUids);

    const RoutingRules& rules() const { return m_rules; }

private:
    Router(AppConfig config, QString cacheDir, RoutingRules rules) : m_config(std::move(config)), m_cacheDir(std::move(cacheDir)), m_rules(std::move(rules)) {}
    struct Instance {
        std::string sop, study, series, file;
    };
    RouteOutcome route(const RoutedObject& object, const Instance& instance);
    Result<OutboxItem> deidentifiedCopy(const Instance& instance, const QString& archive);
    std::string derivedUid(const std::string& uid) const;
    void announce(const Instance& instance, const ArchiveEntry& archive, bool deidentified);

    std::mutex m_mutex;
    AppConfig m_config;
    QString m_cacheDir;
    RoutingRules m_rules;
    std::unique_ptr<storage::Cache> m_cache;
    std::unique_ptr<Outbox> m_outbox;
    storage::CacheKey m_uidKey{};
    std::set<std::pair<std::string, QString>> m_announced;  // (study, archive) recorded in the audit trail
};

}  // namespace lightbox::app
