#include "prefetch_loop.h"

#include "prefetcher.h"
#include "study_keeping.h"
#include "work_queue.h"

#include <QDateTime>
#include <QFileInfo>

#include <utility>

namespace lightbox::app {

namespace {

// When the file was last written, and how long it is ({-1, -1}: no file).
std::pair<qint64, qint64> stampOf(const QString& path)
{
    const QFileInfo f(path);
    if (!f.exists()) return {-1, -1};
    return {f.lastModified().toMSecsSinceEpoch(), f.size()};
}

}  // namespace

std::unique_ptr<BackgroundLoop> prefetchLoop(AppConfig config, QString cacheDir, PrefetchRules rules, int everySeconds, QString rulesPath)
{
    std::shared_ptr<WorkQueue> queue;  // opened by the first round, on the loop's thread
    auto stamp = stampOf(rulesPath);
    return std::make_unique<BackgroundLoop>(everySeconds, [=](const std::atomic<bool>& stop, const BackgroundLoop::Report& report) mutable {
        if (!queue) {
            auto opened = WorkQueue::open(cacheDir);
            if (!opened) {
                report("prefetch: " + QString::fromStdString(opened.error().message));
                return;
            }
            queue = std::move(*opened);
        }
        int replanSeconds = 300;
        if (!rulesPath.isEmpty() && stampOf(rulesPath) != stamp) {
            stamp = stampOf(rulesPath);
            auto changed = PrefetchRules::load(rulesPath);
            if (changed) {
                rules = std::move(*changed);
                replanSeconds = 0;
                report(QString("prefetch: rules read again from %1 (%2 %3)").arg(rulesPath).arg(rules.rules.size()).arg(rules.rules.size() == 1 ? "rule" : "rules"));
            } else {
                report("prefetch: " + QString::fromStdString(changed.error().message) + "; the rules in force are kept");
            }
        }
        Prefetcher prefetcher(config, cacheDir, rules, *queue);
        // Orders are planned again at most every 5 minutes (a current study may have reached the
        // archive since), at once when new, and all of them when the rules changed.
        for (const std::string& p : prefetcher.planDue(QDateTime::currentDateTime(), replanSeconds, &stop))
            report("prefetch: " + QString::fromStdString(p));
        const int ran = prefetcher.runQueued(&stop);
        if (ran > 0) report(QString("prefetch: %1 studies retrieved or tried").arg(ran));
        // Studies of orders read (or cancelled) since may leave the cache again.
        if (auto cache = storage::Cache::open(cacheDir.toStdString()))
            if (const int released = releaseFinishedOrderHolds(*queue, **cache); released > 0)
                report(QString("prefetch: %1 studies of orders read or cancelled may leave the cache again").arg(released));
    });
}

}  // namespace lightbox::app
