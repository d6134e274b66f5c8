#pragma once
// Prefetch in the background of a long-running process (`lightbox listen`/`service`, the GUI):
// a thread of its own plans the orders that became due and retrieves their studies, at once when
// woken (an order arrived) and every `everySeconds` otherwise. stop() cancels a retrieve under way
// (its task is taken up again next time) and joins.
#include "loop_thread.h"
#include "prefetch_rules.h"
#include "work_queue.h"

#include "app_config.h"

#include <QString>

#include <functional>
#include <memory>

namespace lightbox::app {

class PrefetchLoop {
public:
    PrefetchLoop(AppConfig config, QString cacheDir, PrefetchRules rules, int everySeconds = 30)
        : m_config(std::move(config)), m_cacheDir(std::move(cacheDir)), m_rules(std::move(rules)), m_every(everySeconds)
    {
    }
    ~PrefetchLoop() { stop(); }
    void start();
    void wake() { m_loop.wake(); }
    void stop() { m_loop.stop(); }
    // One line per round that did something, or per problem (called on the loop's thread).
    void setOnReport(std::function<void(const QString&)> f) { m_onReport = std::move(f); }

private:
    int round();
    AppConfig m_config;
    QString m_cacheDir;
    PrefetchRules m_rules;
    int m_every;
    std::function<void(const QString&)> m_onReport;
    std::unique_ptr<WorkQueue> m_queue;  // opened on the loop's thread
    LoopThread m_loop;                    // last: stopped first
};

}  // namespace lightbox::app
