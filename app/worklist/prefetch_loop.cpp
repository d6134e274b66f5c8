#include "prefetch_loop.h"

#include "prefetcher.h"
#include "work_queue.h"

#include <QDateTime>

namespace lightbox::app {

void PrefetchLoop::start()
{
    m_loop.start([this] { return round(); });
}

int PrefetchLoop::round()
{
    auto report = [this](const QString& s) {
        if (m_onReport) m_onReport(s);
    };
    if (!m_queue) {
        auto opened = WorkQueue::open(m_cacheDir);
        if (opened) m_queue = std::move(*opened);
        else report("prefetch: " + QString::fromStdString(opened.error().message));
    }
    if (m_queue) {
        Prefetcher prefetcher(m_config, m_cacheDir, m_rules, *m_queue);
        // Orders are planned again at most every 5 minutes (a current study may have reached
        // the archive since), and at once when new.
        for (const std::string& p : prefetcher.planDue(QDateTime::currentDateTime(), 300, m_loop.stopFlag()))
            report("prefetch: " + QString::fromStdString(p));
        const int ran = prefetcher.runQueued(m_loop.stopFlag());
        if (ran > 0) report(QString("prefetch: %1 studies retrieved or tried").arg(ran));
    }
    return m_every;
}

}  // namespace lightbox::app
