#include "worklist_poll_loop.h"

#include "worklist_poll.h"

#include <algorithm>

namespace lightbox::app {

int WorklistPollLoop::round()
{
    const auto report = [this](const QString& s) {
        if (m_onReport) m_onReport(s);
    };
    if (!m_queue) {
        auto opened = WorkQueue::open(m_cacheDir);
        if (!opened) {
            report("worklist: " + QString::fromStdString(opened.error().message));
            return 10;
        }
        m_queue = std::move(*opened);
    }
    bool recorded = false;
    for (const WorklistSource& source : m_config.worklists) {
        if (m_loop.stopFlag()->load()) break;
        const QDateTime now = QDateTime::currentDateTime();
        auto due = m_due.find(source.name);
        if (due != m_due.end() && due->second > now) continue;
        const PollReport r = pollWorklist(m_config, source, *m_queue, now, m_loop.stopFlag());
        m_due[source.name] = QDateTime::currentDateTime().addSecs(std::max(1, source.intervalSeconds));
        if (!r.ok() || r.added + r.changed > 0) report(r.summary());
        recorded = recorded || r.added + r.changed > 0;
    }
    if (recorded && m_onRecorded) m_onRecorded();
    qint64 wait = 3600;
    const QDateTime now = QDateTime::currentDateTime();
    for (const auto& [name, at] : m_due) wait = std::min(wait, std::max<qint64>(1, now.secsTo(at)));
    return int(wait);
}

}  // namespace lightbox::app
