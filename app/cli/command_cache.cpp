// Cache commands: import, studies, cache stats|verify|evict|delete|pin|unpin|quota (backup,
// restore and rebuild-index: command_backup.cpp).
#include "cli_args.h"
#include "cli_output.h"
#include "commands.h"

#include "cache.h"
#include "cache_location.h"
#include "study_json.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <atomic>
#include <csignal>
#include <map>

namespace lightbox::app {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

std::unique_ptr<storage::Cache> openCache(const CliArgs& a, int* code)
{
    const QString dir = storage::resolveCacheDir(a.value("--cache").value_or(QString()));
    auto cache = storage::Cache::open(dir.toStdString());
    if (!cache) {
        *code = fail(QStringLiteral("cache %1: %2").arg(dir, q(cache.error().message)));
        return nullptr;
    }
    return std::move(*cache);
}

// "1500000", "1.5G", "200M", "512K".
std::optional<std::int64_t> parseBytes(const QString& text)
{
    QString t = text.trimmed().toUpper();
    double factor = 1;
    if (t.endsWith("B")) t.chop(1);
    if (t.endsWith("K")) { factor = 1024.0; t.chop(1); }
    else if (t.endsWith("M")) { factor = 1024.0 * 1024; t.chop(1); }
    else if (t.endsWith("G")) { factor = 1024.0 * 1024 * 1024; t.chop(1); }
    else if (t.endsWith("T")) { factor = 1024.0 * 1024 * 1024 * 1024; t.chop(1); }
    bool ok = false;
    const double v = t.toDouble(&ok);
    if (!ok || v < 0) return std::nullopt;
    return std::int64_t(v * factor);
}

QString humanBytes(std::int64_t b)
{
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = double(b);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    return QString::number(v, 'f', u ? 1 : 0) + " " + units[u];
}

std::atomic<bool> g_interrupted{false};


}  // namespace

int runImport(const QStringList& args)
{
    CliArgs a(args, {"--cache", "--threads", "--source"}, {"--quiet"});
    if (!a.ok()) return fail(a.error(), 2);
    if (a.positional().isEmpty()) return fail("usage: lightbox import PATH... [--cache DIR] [--threads N] [--source TEXT] [--quiet]", 2);
    int code = 0;
    auto cache = openCache(a, &code);
    if (!cache) return code;
    storage::ImportOptions options;
    if (auto t = a.value("--threads")) options.threads = t->toInt();
    if (auto s = a.value("--source")) options.source = s->toStdString();
    std::vector<std::string> paths;
    for (const QString& p : a.positional()) paths.push_back(p.toStdString());
    std::signal(SIGINT, [](int) { g_interrupted = true; });
    const bool quiet = a.flag("--quiet");
    const storage::ImportReport r = cache->import(paths, options, [&](const storage::ImportProgress& p) {
        if (!quiet) QTextStream(stderr) << "\r" << p.done << "/" << p.total << " files" << Qt::flush;
    }, &g_interrupted);
    if (!quiet) QTextStream(stderr) << "\n";
    for (const auto& p : r.rejected) out() << "rejected: " << q(p.path) << ": " << q(p.reason) << '\n';
    for (const auto& p : r.notDicom) out() << "not DICOM: " << q(p.path) << ": " << q(p.reason) << '\n';
    out() << "imported " << r.imported << ", already present " << r.alreadyPresent << ", rejected " << r.rejected.size()
          << ", not DICOM " << r.notDicom.size() << ", studies " << r.studies.size() << '\n';
    if (!r.fatal.empty()) return fail(QStringLiteral("import stopped: %1").arg(q(r.fatal)));
    if (r.cancelled) return fail("import interrupted");
    return r.rejected.empty() ? 0 : 1;
}

int runStudies(const QStringList& args)
{
    CliArgs a(args, {"--cache", "--patient-name", "--patient-id", "--accession", "--modality", "--from", "--to", "--description",
                     "--study", "--limit", "--offset", "--sort"},
              {"--json"});
    if (!a.ok()) return fail(a.error(), 2);
    if (!a.positional().isEmpty())
        return fail("usage: lightbox studies [--patient-name P] [--patient-id I] [--accession A] [--modality M] [--from YYYYMMDD] "
                    "[--to YYYYMMDD] [--description D] [--limit N] [--offset N] [--sort date|oldest|name|arrived|opened] [--json] [--cache DIR]",
                    2);
    int code = 0;
    auto cache = openCache(a, &code);
    if (!cache) return code;
    storage::StudyQuery query;
    query.patientName = a.value("--patient-name").value_or("").toStdString();
    query.patientId = a.value("--patient-id").value_or("").toStdString();
    query.accession = a.value("--accession").value_or("").toStdString();
    query.modality = a.value("--modality").value_or("").toStdString();
    query.fromDate = a.value("--from").value_or("").toStdString();
    query.toDate = a.value("--to").value_or("").toStdString();
    query.description = a.value("--description").value_or("").toStdString();
    query.studyUid = a.value("--study").value_or("").toStdString();
    query.limit = a.value("--limit").value_or("1000").toInt();
    query.offset = a.value("--offset").value_or("0").toInt();
    const QString sort = a.value("--sort").value_or("date");
    if (sort == "oldest") query.sort = storage::StudyQuery::Sort::DateOldest;
    else if (sort == "name") query.sort = storage::StudyQuery::Sort::PatientName;
    else if (sort == "arrived") query.sort = storage::StudyQuery::Sort::Arrived;
    else if (sort == "opened") query.sort = storage::StudyQuery::Sort::LastOpened;
    else if (sort != "date") return fail("--sort is date, oldest, name, arrived or opened", 2);
    for (const std::string& d : {query.fromDate, query.toDate})
        if (!d.empty() && (d.size() != 8 || d.find_first_not_of("0123456789") != std::string::npos)) return fail("dates are YYYYMMDD", 2);
    auto rows = cache->index().searchStudies(query);
    if (!rows) return fail(q(rows.error().message));
    if (a.flag("--json")) {
        QJsonArray arr;
        for (const auto& s : *rows) arr.append(studyJson(s));
        out() << QJsonDocument(arr).toJson(QJsonDocument::Indented);
        return 0;
    }
    for (const auto& s : *rows) {
        QStringList mods;
        for (const auto& m : s.modalities) mods << q(m);
        out() << q(s.studyDate) << "  " << q(s.patientName) << "  [" << q(s.patientId) << "]  " << mods.join('/') << "  "
              << q(s.description) << "  " << s.seriesCount << " series, " << s.instanceCount << " instances  " << q(s.studyUid)
              << (s.pinned ? "  pinned" : "") << (s.problems ? "  PROBLEMS" : "") << '\n';
    }
    out() << rows->size() << " studies\n";
    return 0;
}

namespace {

int cacheStats(storage::Cache& cache, const CliArgs& a)
{
    const auto s = cache.index().stats();
    const auto quota = cache.quota();
    if (a.flag("--json")) {
        QJsonObject o{{"folder", q(cache.folder())}, {"patients", double(s.patients)}, {"studies", double(s.studies)},
                      {"series", double(s.series)}, {"instances", double(s.instances)}, {"bytes", double(s.bytes)},
                      {"pinnedStudies", double(s.pinnedStudies)}, {"studiesWithProblems", double(s.problemStudies)},
                      {"maxBytes", double(quota.maxBytes)}, {"minFreeBytes", double(quota.minFreeBytes)},
                      {"freeBytes", double(cache.store().freeBytes())}};
        out() << QJsonDocument(o).toJson(QJsonDocument::Indented);
        return 0;
    }
    out() << "cache " << q(cache.folder()) << "\n"
          << s.patients << " patients, " << s.studies << " studies, " << s.series << " series, " << s.instances << " instances, "
          << humanBytes(s.bytes) << "\n"
          << s.pinnedStudies << " pinned, " << s.problemStudies << " with problems\n"
          << "quota: " << (quota.maxBytes ? humanBytes(quota.maxBytes) : QString("no size limit")) << ", keep "
          << humanBytes(quota.minFreeBytes) << " free (now " << humanBytes(cache.store().freeBytes()) << " free)\n";
    return 0;
}

int cacheVerify(storage::Cache& cache, const CliArgs& a)
{
    const auto r = cache.verify();
    for (const auto& p : r.missing) out() << "missing: " << q(p.path) << ": " << q(p.reason) << '\n';
    for (const auto& p : r.modified) out() << "modified: " << q(p.path) << ": " << q(p.reason) << '\n';
    for (const auto& f : r.orphans) {
        if (a.flag("--remove-orphans")) std::remove(f.c_str());
        out() << (a.flag("--remove-orphans") ? "removed orphan: " : "orphan: ") << q(f) << '\n';
    }
    out() << "checked " << r.checked << " instances: " << r.missing.size() << " missing, " << r.modified.size() << " modified, "
          << r.orphans.size() << " unreferenced files\n";
    return r.ok() ? 0 : 1;
}

int cacheEvict(storage::Cache& cache, const CliArgs& a)
{
    std::optional<std::int64_t> target;
    if (auto t = a.value("--to-size")) {
        target = parseBytes(*t);
        if (!target) return fail("--to-size takes a size in bytes (suffixes K, M, G allowed)", 2);
    }
    const auto r = cache.evict(target);
    for (const auto& s : r.studies) out() << "evicted " << q(s) << '\n';
    for (const auto& s : r.held) out() << "kept " << q(s) << ": open or arriving (see lightbox cache leases)\n";
    out() << "evicted " << r.studies.size() << " studies, freed " << humanBytes(r.freedBytes) << '\n';
    if (!r.targetReached) return fail("the target cannot be reached: the remaining studies are pinned or in use");
    return 0;
}

int cacheLeases(storage::Cache& cache, const CliArgs& a)
{
    const std::vector<storage::LeaseRow> rows = cache.leases().live();
    if (a.flag("--json")) {
        QJsonArray arr;
        for (const auto& r : rows)
            arr.append(QJsonObject{{"studyInstanceUid", q(r.studyUid)}, {"host", q(r.host)}, {"pid", double(r.pid)}, {"purpose", q(r.purpose)},
                                   {"since", double(r.acquiredAt)}, {"heartbeat", double(r.heartbeatAt)}});
        out() << QJsonDocument(arr).toJson(QJsonDocument::Indented);
        return 0;
    }
    for (const auto& r : rows) out() << q(r.studyUid) << "  " << q(storage::describeHolders({r})) << '\n';
    out() << rows.size() << " studies in use\n";
    return 0;
}

int cacheQuota(storage::Cache& cache, const CliArgs& a)
{
    storage::Quota quota = cache.quota();
    if (auto v = a.value("--max-size")) {
        auto b = parseBytes(*v);
        if (!b) return fail("--max-size takes a size in bytes (0: no limit)", 2);
        quota.maxBytes = *b;
    }
    if (auto v = a.value("--min-free")) {
        auto b = parseBytes(*v);
        if (!b) return fail("--min-free takes a size in bytes", 2);
        quota.minFreeBytes = *b;
    }
    if (a.value("--max-size") || a.value("--min-free")) {
        if (auto s = cache.setQuota(quota); !s) return fail(q(s.error().message));
        cache.evict();
    }
    out() << "max size " << (quota.maxBytes ? humanBytes(quota.maxBytes) : QString("unlimited")) << ", keep " << humanBytes(quota.minFreeBytes)
          << " free\n";
    return 0;
}

int cacheLimits(storage::Cache& cache, const CliArgs& a)
{
    storage::IngestLimits limits = cache.limits();
    if (auto v = a.value("--max-file-size")) {
        auto b = parseBytes(*v);
        if (!b) return fail("--max-file-size takes a size in bytes (0: no limit)", 2);
        limits.maxFileBytes = std::uint64_t(*b);
    }
    bool ok = true;
    if (auto v = a.value("--max-elements")) limits.maxElements = v->toULongLong(&ok);
    if (!ok) return fail("--max-elements takes a count (0: no limit)", 2);
    if (auto v = a.value("--max-depth")) limits.maxDepth = v->toInt(&ok);
    if (!ok || limits.maxDepth < 0) return fail("--max-depth takes a count (0: no limit)", 2);
    if (a.value("--max-file-size") || a.value("--max-elements") || a.value("--max-depth"))
        if (auto s = cache.setLimits(limits); !s) return fail(q(s.error().message));
    out() << "largest file " << (limits.maxFileBytes ? humanBytes(std::int64_t(limits.maxFileBytes)) : QString("unlimited")) << ", at most "
          << limits.maxElements << " data elements, sequences at most " << limits.maxDepth << " deep\n";
    return 0;
}

int cacheFindings(storage::Cache& cache, const CliArgs& a)
{
    const auto findings = cache.index().safetyFindings();
    if (a.flag("--json")) {
        QJsonArray arr;
        for (const auto& f : findings)
            arr.append(QJsonObject{{"sopInstanceUid", q(f.sopInstanceUid)}, {"studyInstanceUid", q(f.studyUid)}, {"patientId", q(f.patientId)}, {"what", q(f.what)}});
        out() << QJsonDocument(arr).toJson(QJsonDocument::Indented);
        return 0;
    }
    for (const auto& f : findings) out() << q(f.sopInstanceUid) << " (study " << q(f.studyUid) << "): " << q(f.what) << '\n';
    out() << findings.size() << " instances changed or flagged on the way in\n";
    return 0;
}

}  // namespace

int runCache(const QStringList& args)
{
    if (const QString first = args.value(0); first == "backup" || first == "restore" || first == "rebuild-index") return runCacheCopy(args);
    if (args.value(0) == "key") return runCacheKey(args);
    if (args.value(0) == "init") return runCacheInit(args);
    CliArgs a(args, {"--cache", "--to-size", "--max-size", "--min-free", "--max-file-size", "--max-elements", "--max-depth"}, {"--json", "--remove-orphans"});
    if (!a.ok()) return fail(a.error(), 2);
    const QString sub = a.positional().value(0);
    const QString usage = "usage: lightbox cache stats|verify [--remove-orphans]|evict [--to-size BYTES]|delete STUDY_UID|pin STUDY_UID|"
                          "unpin STUDY_UID|leases|quota [--max-size BYTES] [--min-free BYTES]|limits [--max-file-size BYTES] [--max-elements N] [--max-depth N]|"
                          "findings|backup DEST|restore SRC|rebuild-index|init [--no-encryption]|key ... [--cache DIR] [--json]";
    using Sub = int (*)(storage::Cache&, const CliArgs&);
    static const std::map<QString, Sub> subs = {
        {"stats", cacheStats}, {"verify", cacheVerify}, {"evict", cacheEvict}, {"leases", cacheLeases}, {"quota", cacheQuota},
        {"limits", cacheLimits}, {"findings", cacheFindings}};
    const bool perStudy = sub == "delete" || sub == "pin" || sub == "unpin";
    if (!subs.count(sub) && !perStudy) return fail(usage, 2);
    int code = 0;
    auto cache = openCache(a, &code);
    if (!cache) return code;
    if (!perStudy) return subs.at(sub)(*cache, a);
    const QString uid = a.positional().value(1);
    if (uid.isEmpty()) return fail(usage, 2);
    // delete: the one way to delete (files, thumbnails, measurements, key images; refused while open).
    const Status s = sub == "delete" ? cache->deleteStudy(uid.toStdString()) : cache->index().setPinned(uid.toStdString(), sub == "pin");
    if (!s) return fail(q(s.error().message));
    out() << sub << (sub == "delete" ? "d " : "ned ") << uid << '\n';
    return 0;
}

}  // namespace lightbox::app
