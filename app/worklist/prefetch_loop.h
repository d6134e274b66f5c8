#pragma once
// Prefetch in the background of a long-running process (`lightbox listen`/`service`, the GUI):
// a thread of its own plans the orders that became due and retrieves their studies, at once when
// woken (an order arrived) and every `everySeconds` otherwise. stop() cancels a retrieve under way
// (its task is taken up again next time) and joins.
#include "prefetch_rules.h"

#include "app_config.h"

#include <QString>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace lightbox::app {

class PrefetchLoop {
public:
    PrefetchLoop(AppConfig config, QString cacheDir, PrefetchRules rules, int everySeconds = 30)
        : m_config(std::move(config)), m_cacheDir(std::move(cacheDir)), m_rules(std::move(rules)), m_every(everySeconds)
    {
    }
    ~PrefetchLoop() { stop(); }
    void start();
    void wake();
    void stop();
    // One line per round that did something, or per problem (called on the loop's thread).
    void setOnReport(std::function<void(const QString&)> f) { m_onReport = std::move(f); }

private:
    void run();
    AppConfig m_config;
    QString m_cacheDir;
    PrefetchRules m_rules;
    int m_every;
    std::function<void(const QString&)> m_onReport;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_woken = false;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

}  // namespace lightbox::app
