#include "prefetch_loop.h"

#include "prefetcher.h"
#include "study_keeping.h"
#include "work_queue.h"

#include <QDateTime>

namespace lightbox::app {

std::unique_ptr<BackgroundLoop> prefetchLoop(AppConfig config, QString cacheDir, PrefetchRules rules, int everySeconds)
{
    std::shared_ptr<WorkQueue> queue;  // opened by the first round, on the loop's thread
    return std::make_unique<BackgroundLoop>(everySeconds, [=](const std::atomic<bool>& stop, const BackgroundLoop::Report& report) mutable {
        if (!queue) {
            auto opened = WorkQueue::open(cacheDir);
            if (!opened) {
                report("prefetch: " + QString::fromStdString(opened.error().message));
                return;
            }
            queue = std::move(*opened);
        }
        Prefetcher prefetcher(config, cacheDir, rules, *queue);
        // Orders are planned again at most every 5 minutes (a current study may have reached the
        // archive since), and at once when new.
        for (const std::string& p : prefetcher.planDue(QDateTime::currentDateTime(), 300, &stop)) report("prefetch: " + QString::fromStdString(p));
        const int ran = prefetcher.runQueued(&stop);
        if (ran > 0) report(QString("prefetch: %1 studies retrieved or tried").arg(ran));
        // Studies of orders read (or cancelled) since may leave the cache again.
        if (auto cache = storage::Cache::open(cacheDir.toStdString()))
            if (const int released = releaseFinishedOrderHolds(*queue, **cache); released > 0)
                report(QString("prefetch: %1 studies of orders read or cancelled may leave the cache again").arg(released));
    });
}

}  // namespace lightbox::app
