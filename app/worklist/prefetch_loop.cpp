#include "prefetch_loop.h"

#include "prefetcher.h"
#include "work_queue.h"

#include <QDateTime>

namespace lightbox::app {

void PrefetchLoop::start()
{
    if (m_thread.joinable()) return;
    m_stop = false;
    m_thread = std::thread([this] { run(); });
}

void PrefetchLoop::wake()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_woken = true;
    }
    m_cv.notify_all();
}

void PrefetchLoop::stop()
{
    if (!m_thread.joinable()) return;
    {
        std::lock_guard<std::mutex> lock(m_mutex);  // not between the loop's check and its wait
        m_stop = true;
    }
    m_cv.notify_all();
    m_thread.join();
}

void PrefetchLoop::run()
{
    auto report = [this](const QString& s) {
        if (m_onReport) m_onReport(s);
    };
    std::unique_ptr<WorkQueue> queue;
    while (!m_stop) {
        if (!queue) {
            auto opened = WorkQueue::open(m_cacheDir);
            if (opened) queue = std::move(*opened);
            else report("prefetch: " + QString::fromStdString(opened.error().message));
        }
        if (queue) {
            Prefetcher prefetcher(m_config, m_cacheDir, m_rules, *queue);
            // Orders are planned again at most every 5 minutes (a current study may have reached
            // the archive since), and at once when new.
            for (const std::string& p : prefetcher.planDue(QDateTime::currentDateTime(), 300, &m_stop)) report("prefetch: " + QString::fromStdString(p));
            const int ran = prefetcher.runQueued(&m_stop);
            if (ran > 0) report(QString("prefetch: %1 studies retrieved or tried").arg(ran));
        }
        std::unique_lock<std::mutex> lock(m_mutex);
        m_cv.wait_for(lock, std::chrono::seconds(m_every), [this] { return m_woken || m_stop.load(); });
        m_woken = false;
    }
}

}  // namespace lightbox::app
