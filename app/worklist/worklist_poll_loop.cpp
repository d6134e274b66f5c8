#include "worklist_poll_loop.h"

#include "work_queue.h"
#include "worklist_poll.h"

#include <QDateTime>

#include <algorithm>
#include <map>

namespace lightbox::app {

std::unique_ptr<BackgroundLoop> worklistPollLoop(AppConfig config, QString cacheDir, std::function<void()> onRecorded)
{
    std::shared_ptr<WorkQueue> queue;    // opened by the first round, on the loop's thread
    std::map<QString, QDateTime> due;    // by source name: when it is asked next
    return std::make_unique<BackgroundLoop>(5, [=](const std::atomic<bool>& stop, const BackgroundLoop::Report& report) mutable {
        if (!queue) {
            auto opened = WorkQueue::open(cacheDir);
            if (!opened) {
                report("worklist: " + QString::fromStdString(opened.error().message));
                return;
            }
            queue = std::move(*opened);
        }
        bool recorded = false;
        for (const WorklistSource& source : config.worklists) {
            if (stop) break;
            const QDateTime now = QDateTime::currentDateTime();
            if (auto next = due.find(source.name); next != due.end() && next->second > now) continue;
            const PollReport r = pollWorklist(config, source, *queue, now, &stop, cacheDir);
            due[source.name] = QDateTime::currentDateTime().addSecs(std::max(1, source.intervalSeconds));
            if (!r.ok() || r.added + r.changed > 0) report(r.summary());
            recorded = recorded || r.added + r.changed > 0;
        }
        if (recorded && onRecorded) onRecorded();
    });
}

}  // namespace lightbox::app
