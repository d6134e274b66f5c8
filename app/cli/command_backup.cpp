// Cache backup, restore and rebuild-index (storage/backup.h): lightbox cache backup DEST,
// cache restore SRC, cache rebuild-index.
#include "app_config.h"
#include "backup.h"
#include "backup_schedule.h"
#include "cache_location.h"
#include "cli_args.h"
#include "cli_output.h"
#include "commands.h"

#include <QTextStream>

#include <atomic>
#include <csignal>

namespace lightbox::app {

namespace {

std::atomic<bool>& g_stop = stopRequested();

QString q(const std::string& s) { return QString::fromStdString(s); }

// Progress on stderr, at most every 1 % (nothing with --quiet).
storage::CountProgress progressLine(const QString& what, bool quiet)
{
    if (quiet) return {};
    auto last = std::make_shared<int>(-1);
    return [what, last](std::size_t done, std::size_t total) {
        const int pct = total ? int(100 * done / total) : 100;
        if (pct == *last) return;
        *last = pct;
        QTextStream(stderr) << "\r" << what << " " << done << "/" << total << " (" << pct << " %)" << (done == total ? "\n" : "") << Qt::flush;
    };
}

}  // namespace

int runCacheCopy(const QStringList& args)
{
    CliArgs a(args, {"--cache", "--config"}, {"--quiet", "--if-due"});
    if (!a.ok()) return fail(a.error(), 2);
    const QString sub = a.positional().value(0);
    QString where = a.positional().value(1);
    const QString usage = "usage: lightbox cache backup [DEST] [--if-due] | restore SRC | rebuild-index  [--cache DIR] [--config FILE] [--quiet]";
    if (sub == "backup" && where.isEmpty()) {
        // The scheduled backup's folder (config set backup-folder); --if-due: only when it is due.
        auto config = AppConfig::load(AppConfig::resolvePath(a.value("--config").value_or(QString())));
        if (!config) return fail(q(config.error().message));
        where = config->backup.folder;
        if (where.isEmpty()) return fail("no backup folder: give DEST, or set one with lightbox config set backup-folder DIR", 2);
        if (a.flag("--if-due") && !backupDue(config->backup)) {
            out() << "no backup due (every " << config->backup.everyHours << " h into " << where << ")\n";
            return 0;
        }
    }
    if ((sub == "rebuild-index") != where.isEmpty() || a.positional().size() > 2) return fail(usage, 2);
    const QString folder = storage::resolveCacheDir(a.value("--cache").value_or(QString()));
    stopOnSignals();
    const bool quiet = a.flag("--quiet");
    if (sub == "backup") {
        auto cache = storage::Cache::open(folder.toStdString());
        if (!cache) return fail(q(cache.error().message));
        auto r = storage::backupCache(**cache, where.toStdString(), progressLine("backing up", quiet), &g_stop);
        if (!r) return fail(q(r.error().message));
        for (const auto& p : r->problems) out() << "not backed up: " << q(p.path) << ": " << q(p.reason) << '\n';
        for (const auto& s : r->leftDuring) out() << "left the cache during the backup: " << q(s) << '\n';
        out() << "backed up " << r->studies << " studies, " << r->instances << " instances to " << q(r->folder) << " (" << r->linked
              << " files unchanged since the last backup, " << r->bytes / (1024 * 1024) << " MiB copied)\n";
        return r->ok() ? 0 : 1;
    }
    if (sub == "restore") {
        auto r = storage::restoreCache(where.toStdString(), folder.toStdString(), progressLine("restoring", quiet), &g_stop);
        if (!r) return fail(q(r.error().message));
        out() << "restored " << r->studies << " studies, " << r->instances << " instances into " << folder << '\n';
        return 0;
    }
    if (sub == "rebuild-index") {
        auto r = storage::rebuildIndex(folder.toStdString(), progressLine("indexing", quiet), &g_stop);
        if (!r) return fail(q(r.error().message));
        for (const auto& p : r->rejected) out() << "not indexed: " << q(p.path) << ": " << q(p.reason) << '\n';
        if (!r->previousIndex.empty()) out() << "the old index is kept as " << q(r->previousIndex) << '\n';
        out() << "indexed " << r->indexed << " of " << r->files << " files (" << r->duplicates << " duplicates, " << r->rejected.size()
              << " not indexed)" << (r->cancelled ? "; cancelled: run it again to finish" : "") << '\n';
        return r->rejected.empty() && !r->cancelled ? 0 : 1;
    }
    return fail(usage, 2);
}

}  // namespace lightbox::app
