#pragma once
// Worklist polling in the background of `lightbox service`: a thread of its own asks each
// configured worklist at its own interval (the first time at once), records what is new or
// changed, and says so (to wake the prefetch). A worklist that cannot be asked is reported and
// asked again at its next interval. stop() cancels a query under way and joins.
#include "loop_thread.h"
#include "work_queue.h"

#include "app_config.h"

#include <QDateTime>
#include <QString>

#include <functional>
#include <map>
#include <memory>

namespace lightbox::app {

class WorklistPollLoop {
public:
    WorklistPollLoop(AppConfig config, QString cacheDir) : m_config(std::move(config)), m_cacheDir(std::move(cacheDir)) {}
    ~WorklistPollLoop() { stop(); }
    void start() { m_loop.start([this] { return round(); }); }
    void stop() { m_loop.stop(); }
    // One line per poll that recorded something, or per problem (called on the loop's thread).
    void setOnReport(std::function<void(const QString&)> f) { m_onReport = std::move(f); }
    // Told after a poll recorded new or changed orders (called on the loop's thread).
    void setOnRecorded(std::function<void()> f) { m_onRecorded = std::move(f); }

private:
    int round();  // polls the sources that are due; returns the seconds until the next one is
    AppConfig m_config;
    QString m_cacheDir;
    std::function<void(const QString&)> m_onReport;
    std::function<void()> m_onRecorded;
    std::map<QString, QDateTime> m_due;  // by source name
    std::unique_ptr<WorkQueue> m_queue;  // opened on the loop's thread
    LoopThread m_loop;                   // last: stopped first
};

}  // namespace lightbox::app
