#include "router.h"

#include "audit_facts.h"
#include "auditor.h"
#include "cache_crypto.h"
#include "cache_keys.h"
#include "deidentify.h"

#include <QDir>
#include <QFile>

#include <algorithm>
#include <filesystem>

#include <sys/stat.h>

namespace lightbox::app {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

// The key of derived UIDs: made once per cache (32 random bytes), kept as one of the store's small
// files (encrypted in an encrypted cache). When two processes make it at once, the file that
// stays is the one both use from then on.
Result<storage::CacheKey> uidKey(const storage::FileStore& store, const std::string& path)
{
    auto read = [&]() -> Result<storage::CacheKey> {
        auto bytes = store.readSmallFile(path);
        if (!bytes) return bytes.error();
        if (bytes->size() != 32) return makeError("route-key", path + " is damaged (not 32 bytes)");
        storage::CacheKey k{};
        std::copy(bytes->begin(), bytes->end(), k.begin());
        return k;
    };
    if (QFile::exists(QString::fromStdString(path))) return read();
    auto fresh = storage::newCacheKey();
    if (!fresh) return fresh.error();
    if (Status s = store.writeSmallFile(path, fresh->data(), fresh->size()); !s) return s.error();
    ::chmod(path.c_str(), 0600);
    return read();
}

}  // namespace

Result<std::unique_ptr<Router>> Router::open(AppConfig config, QString cacheDir, RoutingRules rules)
{
    if (Status s = rules.checkDestinations(config); !s) return s.error();
    std::unique_ptr<Router> r(new Router(std::move(config), std::move(cacheDir), std::move(rules)));
    auto cache = storage::Cache::open(r->m_cacheDir.toStdString());
    if (!cache) return cache.error();
    r->m_cache = std::move(*cache);
    auto outbox = Outbox::open(r->m_cacheDir);
    if (!outbox) return outbox.error();
    r->m_outbox = std::move(*outbox);
    auto key = uidKey(r->m_cache->store(), (r->m_cacheDir + "/route-uid.key").toStdString());
    if (!key) return key.error();
    r->m_uidKey = *key;
    return r;
}

RouteOutcome Router::received(const storage::Arrival& a, const std::string& origin)
{
    if (origin.rfind("store:", 0) != 0 || a.outcome != storage::Arrival::Outcome::Stored || m_rules.rules.empty()) return {};
    RoutedObject o;
    o.origin = "received";
    o.modality = q(a.modality);
    o.bodyPart = q(a.bodyPart);
    o.sopClassUid = q(a.sopClassUid);
    o.peer = q(origin.substr(6));
    if (const ArchiveEntry* sender = m_config.find(o.peer)) o.callingAe = sender->aeTitle;
    return route(o, {a.sopInstanceUid, a.studyUid, a.seriesUid, a.file});
}

RouteOutcome Router::created(const std::string& studyUid, const std::vector<std::string>& sopUids)
{
    RouteOutcome all;
    if (m_rules.rules.empty()) return all;
    std::vector<storage::SeriesRow> series;
    std::vector<std::pair<std::string, storage::InstanceRow>> files;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        series = m_cache->index().seriesOf(studyUid);
        files = m_cache->studyFiles(studyUid);
    }
    for (const std::string& sop : sopUids) {
        const auto f = std::find_if(files.begin(), files.end(), [&](const auto& x) { return x.second.sopInstanceUid == sop; });
        if (f == files.end()) {
            all.said << "not routed: " + q(sop) + " is not in the cache";
            continue;
        }
        RoutedObject o;
        o.origin = "created";
        o.sopClassUid = q(f->second.sopClassUid);
        for (const storage::SeriesRow& s : series)
            if (s.seriesUid == f->second.seriesUid) {
                o.modality = q(s.modality);
                o.bodyPart = q(s.bodyPart);
            }
        const RouteOutcome one = route(o, {sop, studyUid, f->second.seriesUid, f->first});
        all.queued += one.queued;
        all.said << one.said;
    }
    return all;
}

RouteOutcome Router::route(const RoutedObject& o, const Instance& in)
{
    RouteOutcome out;
    const std::vector<RouteTarget> targets = m_rules.targetsFor(o, m_config);
    if (targets.empty()) return out;
    std::lock_guard<std::mutex> lock(m_mutex);
    std::vector<OutboxItem> items;
    for (const RouteTarget& t : targets) {
        const ArchiveEntry* archive = m_config.find(t.archive);
        OutboxItem item;
        if (t.anonymize) {
            auto copy = deidentifiedCopy(in, t.archive);
            if (!copy) {
                out.said << "not routed to " + t.archive + ": " + q(in.sop) + ": " + q(copy.error().message);
                continue;
            }
            item = *copy;
        } else {
            item.sopUid = q(in.sop);
            item.studyUid = q(in.study);
            item.seriesUid = q(in.series);
            item.file = q(in.file);
        }
        item.archive = t.archive;
        item.origin = "route";
        item.stow = !archive->callable();
        items.push_back(item);
        announce(in, *archive, t.anonymize);
        out.said << "route " + q(in.sop) + " -> " + t.archive + (t.anonymize ? " (de-identified)" : "") + " by " + t.rules.join(", ");
    }
    if (items.empty()) return out;
    auto added = m_outbox->add(items);
    if (!added) {
        out.said << "not routed: the outbox: " + q(added.error().message);
        for (const OutboxItem& i : items)
            if (i.file.startsWith(outboxSpool(m_cacheDir))) QFile::remove(i.file);
        return out;
    }
    out.queued = *added;
    return out;
}

Result<OutboxItem> Router::deidentifiedCopy(const Instance& in, const QString& archive)
{
    const QString spool = outboxSpool(m_cacheDir);
    if (!QDir().mkpath(spool)) return makeError("spool", ("cannot create " + spool).toStdString());
    ::chmod(spool.toStdString().c_str(), 0700);
    imaging::DeidOptions options;
    options.uidFor = [this](const std::string& uid) { return derivedUid(uid); };
    imaging::Deidentifier deid(options);
    const storage::FileStore& store = m_cache->store();
    const std::string part = spool.toStdString() + "/" + std::filesystem::path(store.temporaryPath(".part")).filename().string();
    auto r = deid.deidentifyFile(in.file, part);
    if (!r) {
        ::unlink(part.c_str());
        return r.error();
    }
    ::chmod(part.c_str(), 0600);
    // Encrypted at rest like every file of an encrypted cache (nothing in a plain one).
    if (Status s = store.seal(part); !s) {
        ::unlink(part.c_str());
        return s.error();
    }
    // One copy per archive: the outbox removes each once its item is sent or cancelled.
    const std::string name = spool.toStdString() + "/" + storage::keyedNameDigest(m_uidKey, "lightbox route spool\n" + r->sopInstanceUid + "\n" + archive.toStdString()) + ".dcm";
    if (::rename(part.c_str(), name.c_str()) != 0) {
        ::unlink(part.c_str());
        return makeError("spool", "cannot write " + name);
    }
    OutboxItem item;
    item.sopUid = q(r->sopInstanceUid);
    item.studyUid = q(r->studyUid);
    item.seriesUid = q(r->seriesUid);
    item.file = q(name);
    return item;
}

std::string Router::derivedUid(const std::string& uid) const
{
    const std::string h = storage::keyedNameDigest(m_uidKey, "lightbox route uid\n" + uid);
    return imaging::uidFromBits(std::stoull(h.substr(0, 16), nullptr, 16), std::stoull(h.substr(16, 16), nullptr, 16));
}

void Router::announce(const Instance& in, const ArchiveEntry& archive, bool deidentified)
{
    if (!m_announced.insert({in.study, archive.name}).second) return;
    const auto auditor = security::currentAuditor();
    if (!auditor) return;
    const storage::StudyFacts facts = cachedStudyFacts(m_cacheDir, in.study);
    if (deidentified) auditor->exported(facts, "archive " + archive.name.toStdString() + " (de-identified, routing rules)", Done{});
    else auditor->transferStarted(true, peerFacts(archive), facts);
}

}  // namespace lightbox::app
